"""contexts.yml under concurrent writers and kills: never lost, never half-written."""

from __future__ import annotations

import os
import random
import re
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml
from conftest import API_KEY, Emulator, Qcli


def _spawn(qcli: Qcli, *args: str, stdin: str = "") -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "qcli", *args], env=qcli.env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdin is not None
    proc.stdin.write(stdin)
    proc.stdin.close()
    return proc


def test_concurrent_creates_lose_nothing(qcli: Qcli, emu: Emulator) -> None:
    procs = [_spawn(qcli, "context", "create", f"c{n}", "--server", emu.url, "--api-key-stdin",
                    stdin=API_KEY) for n in range(8)]
    for proc in procs:
        assert proc.wait(60) == 0, proc.stderr.read() if proc.stderr else ""
    doc = yaml.safe_load((qcli.home / "config" / "contexts.yml").read_text())
    assert sorted(doc["contexts"]) == [f"c{n}" for n in range(8)]


TEMP_NAME = re.compile(r"^\.contexts\.yml\.[A-Za-z0-9_]+\.tmp$")  # write_private's mkstemp


def _comment(path: Path) -> Any:
    doc = yaml.safe_load(path.read_text())  # always parses: old or new, nothing else
    return doc["contexts"]["base"].get("comment")


def _leftovers(folder: Path) -> list[str]:
    names = {p.name for p in folder.iterdir()}
    others = names - {"contexts.yml", "contexts.yml.lock", "credentials.yml"}
    assert all(TEMP_NAME.match(name) for name in others), sorted(others)
    return sorted(others)


def test_sigkill_during_writes_leaves_old_or_new(qcli: Qcli, emu: Emulator) -> None:
    """Kills near the moment the file is written: each run leaves the value before it or its own
    value, and both outcomes happen (the kill time is moved towards the write: later after a kill
    that came too early, earlier after one that came too late)."""
    qcli.login(emu, "base")
    path = qcli.home / "config" / "contexts.yml"
    rng = random.Random(7)
    before = _comment(path)
    outcomes = {"old": 0, "new": 0}
    low, high = 0.0, 2.0  # seconds: the write lies between them, or later on a slow machine
    for n in range(40):
        if n >= 12 and min(outcomes.values()) >= 2:
            break
        proc = _spawn(qcli, "context", "update", "base", "--comment", f"v{n}")
        delay = rng.uniform(low, high)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        comment = _comment(path)
        assert comment in (before, f"v{n}"), (n, before, comment)
        if comment == before:
            outcomes["old"] += 1
            low = (low + delay) / 2
            if delay > 0.8 * high:  # a slow machine: the write comes later than thought
                high *= 1.5
        else:
            outcomes["new"] += 1
            high = (high + delay) / 2
        before = comment
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert outcomes["old"] >= 2 and outcomes["new"] >= 2, outcomes
    # a kill between the temp file and the rename leaves the temp file, and then the value is
    # the old one: never more leftovers than old outcomes
    assert len(_leftovers(path.parent)) <= outcomes["old"]
    assert qcli("context", "ls", "--json").code == 0


def _paused_update(qcli: Qcli, point: str, comment: str) -> None:
    mark = qcli.home / f"paused-{point}"
    env = dict(qcli.env, PAUSE_AT=point, PAUSE_MARK=str(mark),
               PYTHONPATH=os.pathsep.join([str(Path(__file__).parent), qcli.env["PYTHONPATH"]]))
    code = "import pause_at, runpy; runpy.run_module('qcli', run_name='__main__', alter_sys=True)"
    proc = subprocess.Popen([sys.executable, "-c", code, "context", "update", "base",
                             "--comment", comment], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not mark.exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, f"qcli never reached {point}"
            time.sleep(0.01)
    finally:
        proc.kill()
        proc.wait(10)


def test_kill_between_temp_file_and_rename_keeps_the_old_file(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu, "base")
    path = qcli.home / "config" / "contexts.yml"
    assert _leftovers(path.parent) == []
    _paused_update(qcli, "replace", "new")
    assert _comment(path) is None
    [temp] = _leftovers(path.parent)  # the new document, complete, never renamed
    assert yaml.safe_load((path.parent / temp).read_text())["contexts"]["base"]["comment"] == "new"
    assert stat.S_IMODE((path.parent / temp).stat().st_mode) == 0o600
    _paused_update(qcli, "after-replace", "newer")
    assert _comment(path) == "newer"
    assert _leftovers(path.parent) == [temp]  # the rename left nothing of its own
    assert qcli("context", "update", "base", "--comment", "last").code == 0
    assert _comment(path) == "last"


def test_secret_files_are_private(qcli: Qcli, emu: Emulator, tmp_path) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    runs = [qcli("context", "create", "f", "--server", emu.url, "--api-key-stdin", input=API_KEY,
                 env=env)]
    src = tmp_path / "s.bin"
    src.write_bytes(b"x" * 5000)
    runs.append(qcli("temp-content", "create", str(src), "-q", env=env))
    runs.append(qcli("extension", "ls", env=env))
    assert [r.code for r in runs] == [0, 0, 0], [r.err for r in runs]
    assert (qcli.home / "config" / "credentials.yml").exists()  # the file store was used
    for folder in (qcli.home / "config", qcli.home / "state" / "qcli",
                   qcli.home / "cache" / "qcli"):
        for path in [folder, *folder.rglob("*")] if folder.exists() else []:
            if path.is_dir():
                assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
            else:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
                if path.name != "credentials.yml":
                    assert API_KEY not in path.read_text(errors="replace"), path
