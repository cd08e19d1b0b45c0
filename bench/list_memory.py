"""Memory of a long listing: peak RSS of `qcli data-file ls` over 10,000 and 100,000 data files
from the emulator, with -o json, -o csv and -q (rows stream as pages arrive: target <= 100 MB and
flat from 10k to 100k) and -o table (which holds every row to size its columns: reported).

Pages of 1,000 (`--page-size 1000`, the API's maximum) keep the run short; the page size bounds
what one page holds, not what the listing holds. Run with `make bench`.
"""

from __future__ import annotations

import os
import sys
import tempfile

from common import KEY, QCLI, reaped, seed_data_files, start_emulator

MiB = 1024 * 1024
FORMATS = {"json": ["-o", "json"], "csv": ["-o", "csv"], "-q": ["-q"], "table": ["-o", "table"]}
COUNTS = (10_000, 100_000)


def main() -> int:
    results: dict[tuple[str, int], tuple[float, int, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_emulator(tmp)
        try:
            env = dict(os.environ, QCLI_SERVER=url, QCLI_API_KEY=KEY, QCLI_CONFIG_DIR=tmp,
                       COLUMNS="120")
            seeded = 0
            for count in COUNTS:
                seed_data_files(url, count - seeded)
                seeded = count
                for name, flags in FORMATS.items():
                    run = reaped([QCLI, "data-file", "ls", "--page-size", "1000", *flags], env,
                                 keep_out=False)
                    results[name, count] = run.seconds, run.rss, run.lines
        finally:
            proc.terminate()
            proc.wait(10)
    print("peak RSS of `qcli data-file ls --page-size 1000` (MiB; seconds):")
    print(f"{'format':<8}" + "".join(f"{c:>22,}" for c in COUNTS) + "   target")
    missed = 0
    for name in FORMATS:
        cells = []
        for count in COUNTS:
            seconds, rss, lines = results[name, count]
            if name in ("csv", "-q", "table") and lines < count:
                raise SystemExit(f"{name}: {lines} lines for {count} files")
            cells.append(f"{rss / MiB:9.1f} MiB {seconds:6.1f} s")
        small, big = results[name, COUNTS[0]][1], results[name, COUNTS[-1]][1]
        if name == "table":
            verdict = "reported"
        else:
            ok = big <= 100 * 1000 * 1000 and big <= small * 1.2 + 5 * MiB
            missed += not ok
            verdict = "<= 100 MB, flat: " + ("yes" if ok else "NO")
        print(f"{name:<8}" + "".join(f"{c:>22}" for c in cells) + f"   {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
