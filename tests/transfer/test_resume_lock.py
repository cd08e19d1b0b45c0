"""The upload lock (qcli/transfer/resume.py) under four processes at once: its file is removed
when no upload is left to resume, and still no two processes ever hold it together."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import base_env

WORKER = '''
import os, random, sys
from pathlib import Path
from qcli.transfer.resume import ResumeStore

store, marker = ResumeStore(Path(sys.argv[1])), Path(sys.argv[2])
rng = random.Random(int(sys.argv[3]))
violations = held = refused = 0
for _ in range(int(sys.argv[4])):
    with store.exclusive("k") as mine:
        if not mine:
            refused += 1
            if rng.random() < 0.3:
                store.remove("k")  # as forget() after the upload, outside the lock
            continue
        held += 1
        try:  # only the holder may make the marker
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            violations += 1
            continue
        if rng.random() < 0.5:
            store.save("k", {"url": "https://tenant.example/files/x"})
        if rng.random() < 0.5:
            store.remove("k")  # as forget() inside the lock
        os.close(fd)
        os.unlink(marker)
print(violations, held, refused)
'''


def test_four_processes_never_hold_the_lock_together(tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path / "uploads"),
                               str(tmp_path / "holder"), str(seed), "4000"],
                              env=base_env(), stdout=subprocess.PIPE, text=True)
             for seed in range(4)]
    results = [tuple(map(int, p.communicate(timeout=120)[0].split())) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert [violations for violations, _, _ in results] == [0, 0, 0, 0]
    # they took it in turns and met it taken (how often each won depends on the machine)
    assert sum(held for _, held, _ in results) > 0 and sum(r for _, _, r in results) > 0
    left = sorted(p.name for p in (tmp_path / "uploads").iterdir())
    assert left in ([], ["k.json", "k.lock"]), left  # a lock file only beside a saved upload
