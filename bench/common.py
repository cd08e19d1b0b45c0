"""What the benchmarks share: the venv's qcli, servers started on a free loopback port, seeding."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
QCLI = str(BIN / "qcli")
KEY = "bench-key-0123456789"


@dataclass
class Run:
    """One command run to its end: wall seconds, its own CPU seconds (user + system) and peak
    RSS (bytes), from wait4; its exit code, stdout (unless not kept) and the lines in it."""

    seconds: float
    cpu: float
    rss: int
    code: int
    out: bytes
    lines: int
    server_sys: float = 0.0  # a server's system CPU seconds during the run, when measured


def reaped(cmd: list[str], env: dict[str, str] | None = None, *, keep_out: bool = True,
           check: bool = True) -> Run:
    """Run `cmd`, reading its stdout as it comes, and reap it ourselves (wait4) so its own CPU
    time and peak RSS are read; with `check`, a failure exits with the command's stderr."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=errors)
        stdout = proc.stdout
        assert stdout is not None
        kept, lines = [], 0
        for chunk in iter(lambda: stdout.read(1 << 16), b""):
            lines += chunk.count(b"\n")
            if keep_out:
                kept.append(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        stdout.close()
        proc.returncode = os.waitstatus_to_exitcode(status)
        if check and proc.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{cmd[:3]} failed: {errors.read().decode(errors='replace')}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024,
               proc.returncode, b"".join(kept), lines)


def first_line(proc: subprocess.Popen[str], what: str, timeout: float = 30) -> str:
    """The first line a server prints on stdout (its URL or port), or exit if it says nothing."""
    sel = selectors.DefaultSelector()
    assert proc.stdout is not None
    sel.register(proc.stdout, selectors.EVENT_READ)
    if not sel.select(timeout=timeout):
        proc.kill()
        raise SystemExit(f"{what} did not start within {timeout:.0f} s")
    return proc.stdout.readline().strip()


def start_emulator(data_dir: str, *extra: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([QCLI, "emulator", "start", "--port", "0", "--data-dir", data_dir,
                             "--api-key", KEY, *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    return proc, first_line(proc, "the emulator")


def seed_data_files(url: str, count: int) -> list[str]:
    """Make `count` data files in the emulator at `url` (its fixture API); their IDs."""
    req = urllib.request.Request(f"{url}/__emulator/data-files", method="POST",
                                 data=json.dumps({"count": count}).encode(),
                                 headers={"Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return [str(i) for i in json.loads(resp.read())["ids"]]
