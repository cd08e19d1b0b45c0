"""Rate-limit benchmark: single DELETEs of data files through qcli's HTTP layer against the
emulator's Tier 2 (100 writes a "minute", the minute shortened by --faults 'rate-limit
scale=F'), against the least time the tier allows: the first 100 go at once, the rest at the
refill rate. Target: within 1.2 x that minimum, no failed request. Run with `make bench`."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request

from common import KEY, seed_data_files, start_emulator

from qcli.api.data_files import DataFilesApi
from qcli.config.settings import Connection
from qcli.http.client import HttpClient
from qcli.http.retry import RetryPolicy

COUNT = int(os.environ.get("BENCH_DELETES", "400"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SCALE = 0.05  # a 3-second minute: Tier 2 refills 33.3 writes a second
LIMIT = 100


def one_run() -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_emulator(tmp, "--faults", f"rate-limit scale={SCALE}")
        try:
            ids = seed_data_files(url, COUNT)
            conn = Connection(server=url, auth="api-key", api_key=KEY)
            with HttpClient(conn, retry=RetryPolicy(attempts=10)) as http:
                api = DataFilesApi(http)
                started = time.perf_counter()
                for file_id in ids:
                    api.delete_data_file(file_id)  # raises on a failed request
                elapsed = time.perf_counter() - started
            req = urllib.request.Request(f"{url}/__emulator/requests",
                                         headers={"Authorization": f"Bearer {KEY}"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                log = json.loads(resp.read())["data"]
        finally:
            proc.terminate()
            proc.wait(10)
    return elapsed, sum(1 for r in log if r.get("fault") == "rate-limit")


def main() -> int:
    minimum = (COUNT - LIMIT) / (LIMIT / (60 * SCALE))
    runs = [one_run() for _ in range(RUNS)]
    elapsed = statistics.median(r[0] for r in runs)
    ratio = elapsed / minimum
    print(f"{COUNT} Tier-2 DELETEs under --faults 'rate-limit scale={SCALE}', median of {RUNS}:")
    print(f"  the tier's minimum  {minimum:6.2f} s")
    print(f"  qcli's HTTP layer   {elapsed:6.2f} s   ratio {ratio:.2f} (target <= 1.2: "
          f"{'yes' if ratio <= 1.2 else 'NO'}); 429 answers per run: "
          f"{', '.join(str(r[1]) for r in runs)}")
    return 0 if ratio <= 1.2 else 1


if __name__ == "__main__":
    sys.exit(main())
