"""SIGKILL at each step of an upload, then the same command again: the content arrives
byte-identical, at most one chunk is sent twice, and `data-file create` makes exactly one file."""

from __future__ import annotations

import fnmatch
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import API_KEY, Emulator, Qcli

MiB = 1024 * 1024
SIZE = 6 * MiB + 700 * 1024  # seven 1 MiB PATCHes, the last one 700 KiB
FILES = "/api/v1/temp-contents/files"
HALF = 512 * 1024

# (name, method, path glob, which matching request, where it is held: the request before the
# server reads it, its body after HALF bytes, or its response after the server did the work)
POINTS = [
    ("before creation", "POST", FILES, 1, "request"),
    ("creation done, answer never heard", "POST", FILES, 1, "response"),
    ("between creation and the first PATCH", "PATCH", f"{FILES}/*", 1, "request"),
    ("mid first PATCH", "PATCH", f"{FILES}/*", 1, "body"),
    ("between PATCHes", "PATCH", f"{FILES}/*", 3, "response"),
    ("before a middle PATCH is read", "PATCH", f"{FILES}/*", 4, "request"),
    ("mid a middle PATCH", "PATCH", f"{FILES}/*", 4, "body"),
    ("mid the last PATCH", "PATCH", f"{FILES}/*", 7, "body"),
    ("after the last PATCH", "PATCH", f"{FILES}/*", 7, "response"),
]
DATA_FILE_POINTS = [
    *POINTS,
    ("before the data-file POST", "POST", "/api/v1/data-files", 1, "request"),
    ("data file created, answer never heard", "POST", "/api/v1/data-files", 1, "response"),
]


def _env(emu: Emulator) -> dict[str, str]:
    return {"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY}


def _kill_at(qcli: Qcli, emu: Emulator, args: list[str], point: tuple) -> None:
    _, method, glob, nth, at = point
    # a request held at its body keeps the upload locked (423) until the hold ends: keep it short
    emu.add_faults({"delay": 2 if at == "body" else 5, "at": at, "afterBytes": HALF,
                    "method": method, "path": glob, "nth": [nth]})
    proc = subprocess.Popen([sys.executable, "-m", "qcli", *args],
                            env=dict(qcli.env, **_env(emu)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    held = emu.wait_for(lambda r: r.get("held") and r["method"] == method
                        and fnmatch.fnmatchcase(r["path"], glob), alive=proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    emu.clear_faults()
    if at == "body":
        assert held[0]["bodySize"] >= HALF  # the server had part of the chunk when qcli died


def _uploads_left(qcli: Qcli) -> list[str]:
    """What the upload state folder holds: nothing once every upload finished (no resume
    entry, and no lock file beside none)."""
    folder = qcli.home / "state" / "qcli" / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _patched_bytes(emu: Emulator) -> int:
    return sum(r["bodySize"] for r in emu.requests() if r["method"] == "PATCH")


@pytest.mark.parametrize("point", DATA_FILE_POINTS, ids=[p[0] for p in DATA_FILE_POINTS])
def test_data_file_create_killed(qcli: Qcli, emu: Emulator, tmp_path: Path, point) -> None:
    src = tmp_path / f"kill-{DATA_FILE_POINTS.index(point)}.bin"
    src.write_bytes(os.urandom(SIZE))
    args = ["data-file", "create", str(src), "--chunk-size", "1MiB", "--json"]
    _kill_at(qcli, emu, args, point)
    again = qcli(*args, env=_env(emu))
    assert again.code == 0, again.err
    assert _patched_bytes(emu) <= SIZE + MiB  # at most one chunk sent twice
    listed = qcli("data-file", "ls", "--name", src.name, "--json", env=_env(emu)).json()
    assert len(listed) == 1, listed  # exactly one data file
    assert listed[0]["size"] == SIZE
    assert emu.data_file_bytes(listed[0]["id"]) == src.read_bytes()
    assert _uploads_left(qcli) == []


@pytest.mark.parametrize("point", POINTS, ids=[p[0] for p in POINTS])
def test_temp_content_create_killed(qcli: Qcli, emu: Emulator, tmp_path: Path, point) -> None:
    src = tmp_path / "temp.bin"
    src.write_bytes(os.urandom(SIZE))
    args = ["temp-content", "create", str(src), "--chunk-size", "1MiB", "-q"]
    _kill_at(qcli, emu, args, point)
    again = qcli(*args, env=_env(emu))
    assert again.code == 0, again.err
    assert _patched_bytes(emu) <= SIZE + MiB
    assert emu.download(f"/api/v1/temp-contents/{again.out.strip()}") == src.read_bytes()
    assert _uploads_left(qcli) == []


def test_emulator_killed_mid_upload_stays_consistent(qcli: Qcli, tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "tenant").start()
    src = tmp_path / "durable.bin"
    src.write_bytes(os.urandom(SIZE))
    try:
        emu.add_faults({"delay": 0.2, "method": "PATCH", "path": f"{FILES}/*"})
        proc = subprocess.Popen([sys.executable, "-m", "qcli", "temp-content", "create", str(src),
                                 "--chunk-size", "1MiB", "-q"], env=dict(qcli.env, **_env(emu)),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        emu.wait_for(lambda r: r["method"] == "PATCH", 3)
        emu.stop(signal.SIGKILL)
        proc.kill()
        proc.wait(10)
    finally:
        emu.stop()
    db = sqlite3.connect(tmp_path / "tenant" / "emulator.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    offset, temp_id = db.execute('SELECT "offset", id FROM temp_contents').fetchone()
    db.close()
    again = Emulator(tmp_path / "tenant").start(port=emu.port)
    try:
        # the restart cut any bytes past the committed offset: never beyond what was stored
        assert (tmp_path / "tenant" / "temp" / temp_id).stat().st_size == offset
        result = qcli("temp-content", "create", str(src), "--chunk-size", "1MiB", "-q",
                      env=_env(again))
        assert result.code == 0, result.err
        assert again.download(f"/api/v1/temp-contents/{result.out.strip()}") == src.read_bytes()
    finally:
        again.stop()


def test_emulator_killed_mid_metadata_writes_keeps_every_acknowledged_resource(
    tmp_path: Path,
) -> None:
    import json
    import threading
    import urllib.request

    acknowledged: list[str] = []
    stop = threading.Event()
    enough = threading.Event()  # 20 writes answered 201: kill the emulator now

    def writer() -> None:
        n = 0
        while not stop.is_set():
            req = urllib.request.Request(
                f"{emu.url}/api/v1/data-stores", method="POST",
                data=json.dumps({"type": "t", "technicalName": f"w{n}"}).encode(),
                headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    acknowledged.append(json.loads(resp.read())["id"])
                if len(acknowledged) >= 20:
                    enough.set()
            except OSError:
                return  # the emulator is gone
            n += 1

    emu = Emulator(tmp_path / "tenant").start()
    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert enough.wait(60), f"only {len(acknowledged)} writes answered"
        emu.stop(signal.SIGKILL)  # the writer keeps writing up to the kill
    finally:
        stop.set()
        emu.stop(signal.SIGKILL)
        thread.join(10)
    assert len(acknowledged) >= 20
    db = sqlite3.connect(tmp_path / "tenant" / "emulator.sqlite3")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = {row[0] for row in db.execute("SELECT id FROM data_stores")}
    db.close()
    assert set(acknowledged) <= stored  # every 201 the client saw survived the kill
    again = Emulator(tmp_path / "tenant").start(port=emu.port)
    try:
        req = urllib.request.Request(f"{again.url}/api/v1/data-stores?limit=1",
                                     headers={"Authorization": f"Bearer {API_KEY}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert json.loads(resp.read())["total"] == len(stored)  # served after the restart
    finally:
        again.stop()
