"""Listing benchmark: 10,000 data files from the emulator with `qcli data-file ls -o json` vs a
bare httpx loop fetching the same pages, on loopback and through a 40 ms link (bench/link.py).
Run with `make bench`.

qcli asks for pages of 1000 (the spec's largest) unless told otherwise; the bare loop asks for the
same, so each pair does the same 10 requests. On loopback the bare loop with the API's default
page (20, 500 requests: what qcli did before) is shown too. Back-to-back pairs (bare, qcli), the
median of their ratios and its range, in wall time and in CPU seconds (user + system: what other
jobs on a shared machine move less). Targets: <= 1.5 on loopback, <= 1.1 through the link
(reported, not enforced: the machine is shared).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile

from common import KEY, QCLI, reaped, seed_data_files, start_emulator
from link import start_link

COUNT = int(os.environ.get("BENCH_FILES", "10000"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
RTT_MS = float(os.environ.get("BENCH_RTT_MS", "40"))

BARE = """
import sys, httpx
base, key, limit = sys.argv[1], sys.argv[2], sys.argv[3]
items = []
with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}) as client:
    url, params = "/api/v1/data-files", ({"limit": limit} if limit else None)
    while url:
        body = client.get(url, params=params).json()
        items.extend(body["data"])
        url, params = (body.get("links", {}).get("next") or {}).get("href"), None
print(len(items))
"""


Run = tuple[float, float, float, float]  # bare wall, qcli wall, bare CPU, qcli CPU


def pairs(url: str, env: dict[str, str], limit: str) -> list[Run]:
    env = dict(env, QCLI_SERVER=url)
    runs = []
    for _ in range(RUNS):
        bare = reaped([sys.executable, "-c", BARE, url, KEY, limit], env)
        qcli = reaped([QCLI, "data-file", "ls", "-o", "json"], env)
        assert int(bare.out) == COUNT, bare.out
        assert len(json.loads(qcli.out)) == COUNT
        runs.append((bare.seconds, qcli.seconds, bare.cpu, qcli.cpu))
    return runs


def line(name: str, runs: list[Run], target: float | None) -> str:
    ratios = [r[1] / r[0] for r in runs]
    cpu = [r[3] / r[2] for r in runs]
    med = statistics.median(ratios)
    verdict = (f"(target <= {target}: {'yes' if med <= target else 'NO'})" if target
               else "(reference)")
    return (f"  {name:<44} {statistics.median(r[1] for r in runs):6.2f} s vs "
            f"{statistics.median(r[0] for r in runs):6.2f} s  ratio {med:.2f} "
            f"({min(ratios):.2f}-{max(ratios):.2f}), CPU {statistics.median(cpu):.2f} "
            f"({min(cpu):.2f}-{max(cpu):.2f}) {verdict}")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_emulator(tmp)
        link, link_url = start_link(url, RTT_MS)
        try:
            seed_data_files(url, COUNT)
            env = dict(os.environ, QCLI_API_KEY=KEY, QCLI_CONFIG_DIR=tmp)
            lines = [
                line("loopback, bare loop at 1000 a page", pairs(url, env, "1000"), 1.5),
                line(f"{RTT_MS:.0f} ms link, bare loop at 1000 a page",
                     pairs(link_url, env, "1000"), 1.1),
                line("loopback, bare loop at the API's 20 a page", pairs(url, env, ""), None),
            ]
        finally:
            for p in (link, proc):
                p.terminate()
                p.wait(10)
    print(f"listing {COUNT} data files, qcli data-file ls -o json (1000 a page) vs a bare httpx "
          f"loop; qcli s vs bare s, medians and the median qcli/bare ratio (range) of {RUNS} "
          "pairs:")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
