"""Upload and download benchmark (part of `make bench`; alone: `.venv/bin/python bench/upload.py`).

On loopback, and again through a link with a 40 ms round trip (bench/link.py, a delaying proxy):
- qcli's tus upload (`temp-content create`) to @tus/server vs curl doing the same work: one POST
  that creates the upload and one `curl -X PATCH -T FILE` (streamed) of the whole file; the
  throughput ratio (curl s / qcli s) of REPEAT back-to-back pairs: median and spread. Before it,
  on loopback, the control: curl against curl, the spread this machine gives any client; and
  for every upload run, the server's system CPU seconds (from /proc), which is where that
  spread comes from (below).
- qcli's `temp-content download` from the emulator vs `curl -o` of the same URL, the same way.
- qcli's CPU seconds (user + system) per GiB uploaded and downloaded (curl's alongside), for the
  whole process and beyond qcli's fixed CPU (the same command on a 1 KiB file).
- how many PATCHes one qcli upload makes on loopback and through the link (each costs a round
  trip and the server's work at its end).
- qcli's peak RSS uploading 256 MiB and 2 GiB files (target <= 100 MB and flat).

The file, @tus/server's store and the emulator's data are in /dev/shm when it has room (or
BENCH_DIR): the run measures the clients, not the disk. Before measuring, BENCH_WARM_GIB GiB
(default 8, at most what memory and that directory have left) are written there and deleted
(warm_memory): in a VM whose memory the host backs lazily (this machine is a Firecracker guest),
the first touch of a page costs a host fault, ~2.8 s of system time per GiB here, which fell at
random on whichever client happened to get fresh pages (a 1 GiB download's system time went
0.37-2.6 s, curl's and qcli's alike; 0.38-0.78 s after warming). The guest also hands free
memory back (its balloon driver's free page reporting: 0.1-0.9 GiB of a deleted GiB within 2-4
s, /sys/module/page_reporting/parameters/reported_kib), so the warming wears off and whichever
run then gets those pages pays again: @tus/server's system time for one 1 GiB upload from curl
is 1.0-1.3 s on pages used a moment before and 4.0 s on fresh ones (qcli's sendfile adds
0.1-0.35 s to it, the receiving side of pages sent by reference). That
is what moves the control row: a pair whose two server system times differ by 0.4 s or more
is 0.15-0.46 off the median, curl against curl as much as curl against qcli. The upload rows
therefore also give the ratios of the "even" pairs alone (server system times within
EVEN_SERVER s). Both commands are timed whole
(process start to exit). Knobs: BENCH_MIB (file size, default 256; the targets are set for 1024),
BENCH_REPEAT (pairs, default 5), BENCH_RTT_MS (default 40), BENCH_RATE_MBIT (a rate limit in the
link, default none), BENCH_RSS=0 skips the RSS runs.

Timing targets are reported (yes/NO), not enforced: on a shared machine they move with the
neighbours. The exit status is 1 only when the RSS target fails.
"""

from __future__ import annotations

import dataclasses
import filecmp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from common import KEY, QCLI, Run, first_line, reaped
from link import start_link

ROOT = Path(__file__).parents[1]
MiB = 1024 * 1024
GiB = 1024 * MiB
SIZE = int(os.environ.get("BENCH_MIB", "256")) * MiB
REPEAT = int(os.environ.get("BENCH_REPEAT", "5"))
RTT_MS = float(os.environ.get("BENCH_RTT_MS", "40"))
RATE_MBIT = float(os.environ["BENCH_RATE_MBIT"]) if os.environ.get("BENCH_RATE_MBIT") else None
# the server's system CPU seconds of a pair's two runs differ by at most this: an "even" pair,
# where neither run met the host's page faults more than the other (see the module's text).
# Those cost 0.45-3 s of a GiB; qcli's sendfile itself adds 0.1-0.35 s to @tus/server's system
# time (the receiving side of pages sent by reference), which a tighter bound would take for
# faults
EVEN_SERVER = 0.4


def clear(store: Path) -> None:
    for f in store.iterdir():
        f.unlink()


def make_file(path: Path, size: int) -> Path:
    block = os.urandom(MiB)
    with open(path, "wb") as fh:
        for _ in range(size // MiB):
            fh.write(block)
    return path


def curl_upload(base: str, path: Path) -> Run:
    """What `temp-content create` does, with curl: POST the upload, then PATCH the whole file."""
    size = path.stat().st_size
    start = time.perf_counter()
    out = subprocess.run(
        ["curl", "-s", "-i", "-X", "POST", f"{base}/api/v1/temp-contents/files",
         "-H", "Tus-Resumable: 1.0.0", "-H", f"Upload-Length: {size}",
         "-H", "Upload-Metadata: filename Y3VybC5iaW4="], capture_output=True, text=True,
        check=True).stdout
    location = next(line.split(":", 1)[1].strip() for line in out.splitlines()
                    if line.lower().startswith("location:"))
    patch = reaped(["curl", "-s", "-f", "-X", "PATCH", location, "-H", "Tus-Resumable: 1.0.0",
                 "-H", "Upload-Offset: 0", "-H", "Content-Type: application/offset+octet-stream",
                 "-T", str(path), "-o", "/dev/null"])
    return dataclasses.replace(patch, seconds=time.perf_counter() - start)


def bench_dir() -> str | None:
    """BENCH_DIR, else /dev/shm when it has room: with the files and @tus/server's store in memory
    the run measures the clients, not the disk's writeback (on a shared 2-core VM, writeback
    stalls moved curl's time for the same 1 GiB between 1.9 and 5.2 s)."""
    if os.environ.get("BENCH_DIR"):
        return os.environ["BENCH_DIR"]
    try:
        st = os.statvfs("/dev/shm")
    except OSError:
        return None
    return "/dev/shm" if st.f_bavail * st.f_frsize > 3 * SIZE + 3 * GiB else None


def warm_memory(where: str | None) -> float:
    """Write and delete BENCH_WARM_GIB GiB in `where` (see the module's text); the GiB written.
    Only in a memory file system (`where` from bench_dir), within what it and memory have left
    beyond the run's own files; none when that is nothing."""
    if where is None:
        return 0.0  # on disk, writing GiB would bring the writeback stalls bench_dir avoids
    try:
        available = next(int(line.split()[1]) * 1024
                         for line in Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemAvailable:"))
        st = os.statvfs(where)
        wanted = float(os.environ.get("BENCH_WARM_GIB", "8")) * GiB
    except (OSError, StopIteration, ValueError):
        return 0.0
    room = min(available, st.f_bavail * st.f_frsize) - 3 * SIZE - 3 * GiB
    mib = int(max(0, min(wanted, room)) // MiB)
    block = bytes(MiB)
    try:
        with tempfile.NamedTemporaryFile(dir=where) as fh:
            for _ in range(mib):
                fh.write(block)
            fh.flush()
    except OSError:
        return 0.0
    return mib / 1024


def system_cpu(pid: int) -> float:
    """A process's system CPU seconds so far (/proc/PID/stat's stime)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[12]) / os.sysconf("SC_CLK_TCK")


def pairs(curl: Callable[[], Run], qcli: Callable[[], Run],
          server: int | None = None) -> list[tuple[Run, Run]]:
    """REPEAT back-to-back (curl, qcli) runs: slow drifts of the machine cancel in each pair.
    With `server`, each run's `server_sys` is that process's system CPU seconds during it."""
    def one(run: Callable[[], Run]) -> Run:
        before = system_cpu(server) if server else 0.0
        done = run()
        if server:
            done.server_sys = system_cpu(server) - before
        return done
    return [(one(curl), one(qcli)) for _ in range(REPEAT)]


def summary(name: str, runs: list[tuple[Run, Run]], target: str,
            check: Callable[[float, list[float]], bool] | None) -> tuple[str, bool]:
    """The row of a measure and its details; `check` None: a control, which has no target and
    whose second client is curl again."""
    second = "qcli" if check is not None else "curl #2"
    ratios = [c.seconds / q.seconds for c, q in runs]
    med = statistics.median(ratios)
    q_s = statistics.median(q.seconds for _, q in runs)
    c_s = statistics.median(c.seconds for c, _ in runs)
    ok = check is None or check(med, ratios)
    verdict = "-" if check is None else "yes" if ok else "NO"
    line = (f"{name:<34} {med:5.2f} ({min(ratios):.2f}-{max(ratios):.2f})  "
            f"{q_s:6.2f} {c_s:6.2f}  {SIZE / q_s / MiB:5.0f} {SIZE / c_s / MiB:5.0f}  "
            f"{target:<24} {verdict}")
    detail = f"    pairs (curl s / {second} s = ratio): " + ", ".join(
        f"{c.seconds:.2f}/{q.seconds:.2f}={c.seconds / q.seconds:.2f}" for c, q in runs)
    if any(c.server_sys for c, _ in runs):
        detail += f"\n    the server's system CPU s per run (curl / {second}): " + ", ".join(
            f"{c.server_sys:.2f}/{q.server_sys:.2f}" for c, q in runs)
        even = [c.seconds / q.seconds for c, q in runs
                if abs(c.server_sys - q.server_sys) <= EVEN_SERVER]
        if even:
            detail += (f"\n    {len(even)} of {len(runs)} pairs with server system times within "
                       f"{EVEN_SERVER} s of each other: ratios {min(even):.2f}-{max(even):.2f}"
                       + (f", median {statistics.median(even):.2f}" if len(even) > 2 else ""))
        else:
            detail += (f"\n    no pair with server system times within {EVEN_SERVER} s of each "
                       "other")
    return line + "\n" + detail, ok


def at_least(x: float) -> Callable[[float, list[float]], bool]:
    return lambda med, ratios: med >= x


def steady(x: float, spread: float) -> Callable[[float, list[float]], bool]:
    return lambda med, ratios: med >= x and all(abs(r - med) <= spread for r in ratios)


def main() -> int:
    where = bench_dir()
    link_name = f"{RTT_MS:.0f} ms link" + (f" {RATE_MBIT:.0f} Mbit/s" if RATE_MBIT else "")
    print(f"files, the tus store and the emulator's data in {where or tempfile.gettempdir()}; "
          f"{SIZE // MiB} MiB, {REPEAT} pairs per measure; link: {link_name} (bench/link.py)")
    started = time.perf_counter()
    warmed = warm_memory(where)
    print(f"memory warmed: {warmed:.1f} GiB written and deleted in "
          f"{time.perf_counter() - started:.1f} s", flush=True)
    lines: list[str] = []
    cpu: dict[str, list[float]] = {}
    fixed: dict[str, list[float]] = {}
    patches: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=where) as tmp_name:
        tmp = Path(tmp_name)
        store = tmp / "tus-store"
        store.mkdir()
        procs: list[subprocess.Popen[str]] = []
        try:
            tus = subprocess.Popen(["node", str(ROOT / "tests/interop/tus_server.mjs"),
                                    str(store)], cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True)
            procs.append(tus)
            emu = subprocess.Popen([QCLI, "emulator", "start", "--port", "0", "--data-dir",
                                    str(tmp / "tenant"), "--api-key", KEY],
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            procs.append(emu)
            tus_url = f"http://127.0.0.1:{first_line(tus, '@tus/server')}"
            emu_url = first_line(emu, "the emulator")
            tus_link, tus_link_url = start_link(tus_url, RTT_MS, RATE_MBIT)
            procs.append(tus_link)
            emu_link, emu_link_url = start_link(emu_url, RTT_MS, RATE_MBIT)
            procs.append(emu_link)
            env = dict(os.environ, QCLI_API_KEY=KEY, XDG_STATE_HOME=str(tmp / "state"),
                       QCLI_CONFIG_DIR=str(tmp / "config"))
            src = make_file(tmp / "src.bin", SIZE)
            made = subprocess.run([QCLI, "temp-content", "create", str(src), "-q"],
                                  env=dict(env, QCLI_SERVER=emu_url), capture_output=True,
                                  text=True, check=True).stdout.strip()
            out = tmp / "out.bin"

            def up_curl(url: str) -> Callable[[], Run]:
                def go() -> Run:
                    r = curl_upload(url, src)
                    clear(store)
                    return r
                return go

            def up_qcli(url: str) -> Callable[[], Run]:
                def go() -> Run:
                    r = reaped([QCLI, "temp-content", "create", str(src), "-q"],
                            dict(env, QCLI_SERVER=url))
                    clear(store)
                    return r
                return go

            def down_curl(url: str) -> Callable[[], Run]:
                def go() -> Run:
                    r = reaped(["curl", "-s", "-f", "-H", f"Authorization: Bearer {KEY}", "-o",
                             str(out), f"{url}/api/v1/temp-contents/{made}"])
                    out.unlink()
                    return r
                return go

            def down_qcli(url: str) -> Callable[[], Run]:
                def go() -> Run:
                    r = reaped([QCLI, "temp-content", "download", made, "--output-file", str(out)],
                            dict(env, QCLI_SERVER=url))
                    if out.stat().st_size != SIZE:
                        raise SystemExit(f"qcli downloaded {out.stat().st_size} bytes")
                    out.unlink()
                    return r
                return go

            measures = [
                # the control: curl against itself, the spread the machine and the server give
                # any client (see the module's text)
                ("upload, loopback, curl vs curl", up_curl(tus_url), up_curl(tus_url),
                 "(control: no target)", None, ""),
                ("upload, loopback", up_curl(tus_url), up_qcli(tus_url),
                 ">=0.9, all +-0.1 of it", steady(0.9, 0.1), "up"),
                (f"upload, {link_name}", up_curl(tus_link_url), up_qcli(tus_link_url),
                 ">=0.95", at_least(0.95), ""),
                ("download, loopback", down_curl(emu_url), down_qcli(emu_url),
                 ">=0.9", at_least(0.9), "down"),
                (f"download, {link_name}", down_curl(emu_link_url), down_qcli(emu_link_url),
                 ">=0.9", at_least(0.9), ""),
            ]
            for name, curl, qcli, target, check, cpu_key in measures:
                runs = pairs(curl, qcli, tus.pid if name.startswith("upload") else None)
                line, _ = summary(name, runs, target, check)
                lines.append(line)
                print(line.splitlines()[0], flush=True)
                if cpu_key:
                    cpu[f"qcli {cpu_key}"] = [q.cpu for _, q in runs]
                    cpu[f"curl {cpu_key}"] = [c.cpu for c, _ in runs]
            # the round trips the chunk-size rule costs: PATCHes in one more upload each way
            # (not timed), from --verbose's request lines; and the bytes @tus/server stored are
            # the file's (a fast upload of wrong bytes would only look good)
            for where, url in (("loopback", tus_url), (link_name, tus_link_url)):
                traced = subprocess.run([QCLI, "--verbose", "temp-content", "create", str(src),
                                         "-q"], env=dict(env, QCLI_SERVER=url),
                                        capture_output=True, text=True, check=True).stderr
                patches[where] = traced.count("> PATCH ")
                stored = [f for f in store.iterdir() if f.suffix != ".json"]
                if len(stored) != 1 or not filecmp.cmp(stored[0], src, shallow=False):
                    raise SystemExit(f"@tus/server did not store the file's bytes ({where})")
                clear(store)
            # qcli's fixed CPU (start-up, the requests around the transfer): the same commands
            # on a 1 KiB file, so the CPU per GiB can be given without it too
            tiny = tmp / "tiny.bin"
            tiny.write_bytes(os.urandom(1024))
            tiny_id = subprocess.run([QCLI, "temp-content", "create", str(tiny), "-q"],
                                     env=dict(env, QCLI_SERVER=emu_url), capture_output=True,
                                     text=True, check=True).stdout.strip()
            fixed.update(up=[], down=[])
            for _ in range(3):
                fixed["up"].append(reaped([QCLI, "temp-content", "create", str(tiny), "-q"],
                                       dict(env, QCLI_SERVER=tus_url)).cpu)
                clear(store)
                fixed["down"].append(reaped([QCLI, "temp-content", "download", tiny_id,
                                          "--output-file", str(out)],
                                         dict(env, QCLI_SERVER=emu_url)).cpu)
                out.unlink()
            rss = {}
            if os.environ.get("BENCH_RSS", "1") != "0":
                for label, size in (("256 MiB", 256 * MiB), ("2 GiB", 2 * GiB)):
                    big = make_file(tmp / "rss.bin", size)
                    rss[label] = reaped([QCLI, "temp-content", "create", str(big), "-q"],
                                     dict(env, QCLI_SERVER=tus_url)).rss
                    big.unlink()
                    clear(store)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(10)
    print()
    print(f"{'curl s / qcli s, ' + str(SIZE // MiB) + ' MiB':<34} median (range)   qcli s "
          f"curl s  MiB/s: qcli  curl  target")
    print("\n".join(lines))
    gib = SIZE / GiB
    print(f"PATCHes of one qcli upload of {SIZE // MiB} MiB (curl: 1): " + ", ".join(
        f"{k} {v}" for k, v in patches.items()))
    print("CPU seconds per GiB (user + system, whole process, median; range): " + "; ".join(
        f"{k} {statistics.median(v) / gib:.2f} ({min(v) / gib:.2f}-{max(v) / gib:.2f})"
        for k, v in cpu.items()))
    print("  qcli beyond its fixed CPU (the same command on a 1 KiB file: " + ", ".join(
        f"{k} {statistics.median(v):.2f} s" for k, v in fixed.items()) + "): " + "; ".join(
        f"{k} {(statistics.median(cpu[f'qcli {k}']) - statistics.median(v)) / gib:.2f}"
        for k, v in fixed.items()))
    if GiB != SIZE:
        print("(the timing targets are set for 1 GiB: BENCH_MIB=1024; at smaller sizes qcli's "
              "start-up weighs more)")
    if not rss:
        return 0
    small_rss, big_rss = rss["256 MiB"], rss["2 GiB"]
    rss_ok = big_rss <= 100e6 and big_rss <= small_rss * 1.2 + 5 * MiB
    print(f"peak RSS of qcli upload: 256 MiB file {small_rss / MiB:.1f} MiB, 2 GiB "
          f"{big_rss / MiB:.1f} MiB "
          f"(target <= 100 MB and flat: {'yes' if rss_ok else 'NO'})")
    return 0 if rss_ok else 1


if __name__ == "__main__":
    sys.exit(main())
