"""contexts.yml under concurrent writers and kills: never lost, never half-written."""

from __future__ import annotations

import random
import signal
import stat
import subprocess
import sys
import time

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


def test_sigkill_during_writes_leaves_old_or_new(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu, "base")
    path = qcli.home / "config" / "contexts.yml"
    rng = random.Random(7)
    seen = set()
    for n in range(12):
        proc = _spawn(qcli, "context", "update", "base", "--comment", f"v{n}")
        time.sleep(rng.uniform(0.05, 0.35))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        doc = yaml.safe_load(path.read_text())  # always parses: old or new, nothing else
        comment = doc["contexts"]["base"].get("comment")
        assert comment in (None, *(f"v{i}" for i in range(n + 1)))
        seen.add(comment)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    # a kill between mkstemp and rename may leave a temp file; it never replaces contexts.yml
    assert all(name.startswith(".contexts.yml.") for name in leftovers)
    assert qcli("context", "ls", "--json").code == 0


def test_secret_files_are_private(qcli: Qcli, emu: Emulator, tmp_path) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    qcli("context", "create", "f", "--server", emu.url, "--api-key-stdin", input=API_KEY, env=env)
    src = tmp_path / "s.bin"
    src.write_bytes(b"x" * 5000)
    qcli("temp-content", "create", str(src), "-q", env=env)
    qcli("extension", "ls", env=env)
    for folder in (qcli.home / "config", qcli.home / "state" / "qcli",
                   qcli.home / "cache" / "qcli"):
        for path in [folder, *folder.rglob("*")] if folder.exists() else []:
            if path.is_dir():
                assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
            else:
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
                if path.name != "credentials.yml":
                    assert API_KEY not in path.read_text(errors="replace"), path
