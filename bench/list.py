"""Listing benchmark: 10,000 data files from the emulator with `qcli data-file ls -o json` vs a
bare httpx loop fetching the same pages (target <= 1.5x). Run with `make bench`."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from common import KEY, QCLI, seed_data_files, start_emulator

COUNT = int(os.environ.get("BENCH_FILES", "10000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))

BARE = """
import sys, httpx
base, key = sys.argv[1], sys.argv[2]
items = []
with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
    url = "/api/v1/data-files"
    while url:
        body = client.get(url).json()
        items.extend(body["data"])
        url = (body.get("links", {}).get("next") or {}).get("href")
print(len(items))
"""


def median_seconds(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    samples, out = [], ""
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        samples.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{cmd[:3]} failed: {proc.stderr}")
        out = proc.stdout
    return statistics.median(samples), out


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_emulator(tmp)
        try:
            seed_data_files(url, COUNT)
            env = dict(os.environ, QCLI_SERVER=url, QCLI_API_KEY=KEY, QCLI_CONFIG_DIR=tmp)
            bare, bare_out = median_seconds([sys.executable, "-c", BARE, url, KEY], env)
            qcli, qcli_out = median_seconds([QCLI, "data-file", "ls", "-o", "json"], env)
        finally:
            proc.terminate()
            proc.wait(10)
    assert int(bare_out) == COUNT, bare_out
    assert len(json.loads(qcli_out)) == COUNT
    ratio = qcli / bare
    print(f"listing {COUNT} data files (default page size 20, {COUNT // 20} pages), "
          f"median of {RUNS}:")
    print(f"  bare httpx loop            {bare:6.2f} s")
    print(f"  qcli data-file ls -o json  {qcli:6.2f} s   ratio {ratio:.2f} (target <= 1.5: "
          f"{'yes' if ratio <= 1.5 else 'NO'})")
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
