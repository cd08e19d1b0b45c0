"""data-file sync benchmark (#13): small files plus a few large ones into an empty space, with the
emulator's rate tiers on (--faults 'rate-limit scale=F', F chosen so the tiers' least time for
the issue's 500 + 3 files is about BENCH_SYNC_SECONDS, 10), measured against:
  - the tiers' minimum: per tier, (requests - burst) / refill rate, the largest (target <= 1.2x);
  - a shell loop of `qcli data-file create` over the same files (target >= 5x faster; the loop
    is timed over BENCH_SYNC_LOOP small files plus every large one, and its small-file part
    scaled to all of them: a loop's cost per file is constant; BENCH_SYNC_LOOP=all runs it all);
  - 429 answers that failed a file (target 0);
  - a second sync with nothing changed: only list requests (from the emulator's log), and
    <= 2x one `qcli data-file ls` of the space;
  - the first sync's peak RSS (target <= 100 MB).
Default: 350 small files and 3 x 16 MiB (the same rate, so a shorter minimum; the loop timed
over 40 files); BENCH_SYNC_FULL=1 (what the README reports): the issue's 500 and 3 x 64 MiB,
the whole loop."""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import urllib.request
from pathlib import Path

from common import KEY, QCLI, reaped, start_emulator

FULL = os.environ.get("BENCH_SYNC_FULL") == "1"
SMALL = int(os.environ.get("BENCH_SYNC_SMALL", "500" if FULL else "350"))
LARGE = 3
LARGE_SIZE = (64 if FULL else 16) * 1024 * 1024
SECONDS = float(os.environ.get("BENCH_SYNC_SECONDS", "10"))
LOOP = os.environ.get("BENCH_SYNC_LOOP", "all" if FULL else "40")
PARALLEL = os.environ.get("BENCH_SYNC_PARALLEL", "8")
TIERS = {"tier1": 1000, "tier2": 100, "tus": 800}  # the emulator's RateLimiter.TIERS


def tier(method: str, path: str) -> str:
    if path.startswith("/api/v1/temp-contents/files"):
        return "tus"
    return "tier1" if method in ("GET", "HEAD") else "tier2"


def minimum(log: list[dict], scale: float) -> float:
    """The least time the tiers allow for the requests that were answered (not the 429s)."""
    counts: dict[str, int] = {}
    for r in log:
        if r.get("fault") != "rate-limit":
            counts[tier(r["method"], r["path"])] = counts.get(tier(r["method"], r["path"]), 0) + 1
    return max(max(0, n - TIERS[t]) / (TIERS[t] / (60 * scale)) for t, n in counts.items())


def make_tree(root: Path) -> None:
    rng = random.Random(13)
    for i in range(SMALL):
        path = root / f"d{i % 10}" / f"small-{i:04}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(rng.randint(1024, 50 * 1024)))
    for i in range(LARGE):
        with open(root / f"large-{i}.bin", "wb") as fh:
            for _ in range(LARGE_SIZE // (1024 * 1024)):
                fh.write(os.urandom(1024 * 1024))


def emulator_log(url: str) -> list[dict]:
    req = urllib.request.Request(f"{url}/__emulator/requests",
                                 headers={"Authorization": f"Bearer {KEY}"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return json.loads(resp.read())["data"]  # type: ignore[no-any-return]


def clear_log(url: str) -> None:
    req = urllib.request.Request(f"{url}/__emulator/requests", method="DELETE",
                                 headers={"Authorization": f"Bearer {KEY}"})
    urllib.request.urlopen(req, timeout=30).close()


def env(url: str, home: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("QCLI_")}
    return dict(keep, QCLI_SERVER=url, QCLI_API_KEY=KEY, XDG_STATE_HOME=f"{home}/state",
                XDG_CONFIG_HOME=f"{home}/config", QCLI_CONFIG_DIR=f"{home}/config")


def main() -> int:
    # the workload (500 + 3 files: 503 tier-2 POSTs) takes SECONDS at this scale; a
    # smaller run keeps the same rate (and so a shorter minimum)
    writes = 500 + LARGE
    scale = float(os.environ.get("BENCH_SYNC_SCALE", 0)) or (
        SECONDS * TIERS["tier2"] / ((writes - TIERS["tier2"]) * 60))
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        make_tree(tree)
        total_bytes = sum(p.stat().st_size for p in tree.rglob("*") if p.is_file())
        proc, url = start_emulator(f"{tmp}/emu", "--faults", f"rate-limit scale={scale:.5f}")
        try:
            run_env = env(url, tmp)
            first = reaped(
                [QCLI, "data-file", "sync", str(tree), "--parallel", PARALLEL, "-o", "json"],
                run_env, check=False)
            elapsed, code, out = first.seconds, first.code, first.out
            rss = first.rss // 1024  # KiB
            log = emulator_log(url)
            results = json.loads(out or "[]")
            failed = [r for r in results if r["status"] != "ok"]
            limited = sum(1 for r in log if r.get("fault") == "rate-limit")
            least = minimum(log, scale)

            clear_log(url)
            again = [reaped([QCLI, "data-file", "sync", str(tree), "-o", "json"], run_env,
                            check=False) for _ in range(3)]
            second_log = emulator_log(url)
            lists = [reaped([QCLI, "data-file", "ls", "-o", "json"], run_env).seconds
                     for _ in range(3)]
            only_lists = all(r["method"] == "GET" and r["path"] == "/api/v1/data-files"
                             for r in second_log)
            skipped = all(r["action"] == "skip" for r in json.loads(again[0].out))
        finally:
            proc.terminate()
            proc.wait(10)

        # the shell loop, on a fresh emulator with the same tiers
        proc, url = start_emulator(f"{tmp}/emu2", "--faults", f"rate-limit scale={scale:.5f}")
        try:
            loop_env = env(url, tmp)
            smalls = sorted(p for p in tree.rglob("small-*.csv"))
            sample = smalls if LOOP == "all" else smalls[:int(LOOP)]

            def create(path: Path) -> float:
                return reaped([QCLI, "data-file", "create", str(path), "-q"], loop_env).seconds

            small_loop = sum(map(create, sample)) * len(smalls) / max(len(sample), 1)
            loop = small_loop + sum(map(create, sorted(tree.glob("large-*.bin"))))
        finally:
            proc.terminate()
            proc.wait(10)

    second = statistics.median(r.seconds for r in again)
    ls_time = statistics.median(lists)
    ratio = elapsed / least if least else float("inf")
    speedup = loop / elapsed
    checks = {
        "tiers": ratio <= 1.2, "loop": speedup >= 5, "failures": not failed and code == 0,
        "second-lists-only": only_lists and skipped, "second-vs-ls": second <= 2 * ls_time,
        "rss": rss <= 100 * 1024,
    }
    print(f"data-file sync of {SMALL} small files (1-50 KB) + {LARGE} x "
          f"{LARGE_SIZE // 2**20} MiB ({total_bytes / 2**20:.0f} MiB) into an empty space, "
          f"--parallel {PARALLEL}, rate tiers at scale {scale:.4f}:")
    print(f"  sync                 {elapsed:7.2f} s   exit {code}, {len(failed)} failed, "
          f"{limited} answers 429 (all retried)")
    print(f"  the tiers' minimum   {least:7.2f} s   ratio {ratio:.2f} (target <= 1.2: "
          f"{'yes' if checks['tiers'] else 'NO'})")
    loop_note = "all files" if LOOP == "all" else f"{len(sample)} small files timed, scaled"
    print(f"  shell loop of create {loop:7.2f} s   sync is {speedup:.1f}x faster (target >= 5: "
          f"{'yes' if checks['loop'] else 'NO'}; {loop_note})")
    print(f"  second sync, no change {second:5.2f} s   {len(second_log)} requests over 3 runs, "
          f"{'all' if only_lists else 'NOT all'} GET /data-files; one data-file ls "
          f"{ls_time:.2f} s: ratio {second / ls_time:.2f} (target <= 2: "
          f"{'yes' if checks['second-vs-ls'] else 'NO'})")
    print(f"  peak RSS of the sync {rss / 1024:7.1f} MB (target <= 100: "
          f"{'yes' if checks['rss'] else 'NO'})")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
