"""What the benchmarks share: the venv's qcli, servers started on a free loopback port, seeding."""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
QCLI = str(BIN / "qcli")
KEY = "bench-key-0123456789"


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
