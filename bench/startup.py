"""Startup benchmark: qcli commands as ratios to `python -c pass`, measured in the same run.

Targets (cli-spec.md): --version <= 1.5x, --help <= 8x, extension ls -o json (emulator) <= 20x.
Run with `make bench`. Prints a table; exits 1 if a target is missed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import KEY, QCLI, start_emulator

RUNS = int(os.environ.get("BENCH_RUNS", "15"))


def timed(cmd: list[str], env: dict[str, str]) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()}")
    return statistics.median(samples)


def main() -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QCLI_")}
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_emulator(tmp)
        try:
            run_env = dict(env, QCLI_SERVER=url, QCLI_API_KEY=KEY, QCLI_CONFIG_DIR=tmp)
            # one extension so the list is not empty
            ext = Path(tmp) / "bench-chart"
            ext.mkdir()
            (ext / "bench-chart.qext").write_text('{"name": "Bench", "type": "visualization"}')
            subprocess.run([QCLI, "extension", "create", str(ext), "-q"], env=run_env, check=True,
                           stdout=subprocess.DEVNULL)
            base = timed([sys.executable, "-c", "pass"], env)
            rows = [
                ("qcli --version", timed([QCLI, "--version"], env), 1.5),
                ("qcli --help", timed([QCLI, "--help"], env), 8.0),
                ("qcli extension ls -o json", timed([QCLI, "extension", "ls", "-o", "json"],
                                                    run_env), 20.0),
            ]
        finally:
            proc.terminate()
            proc.wait(10)
    print(f"baseline: python -c pass = {base * 1000:.1f} ms (median of {RUNS})")
    print(f"{'command':<28} {'ms':>8} {'ratio':>7} {'target':>7}  ok")
    missed = 0
    for name, seconds, target in rows:
        ratio = seconds / base
        ok = ratio <= target
        missed += not ok
        print(f"{name:<28} {seconds * 1000:8.1f} {ratio:7.2f} {target:7.1f}  {'yes' if ok else 'NO'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
