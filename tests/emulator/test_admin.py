"""The emulator's fixture API (/__emulator/*) needs its API key, its request log shows no
secret, and listening off loopback warns (#10 item 9)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import API_KEY, OAUTH_ID, OAUTH_SECRET, Emulator


def _status(url: str, method: str = "GET", headers: dict[str, str] | None = None,
            body: bytes | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, method=method, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _oauth_token(emu: Emulator) -> str:
    body = f"grant_type=client_credentials&client_id={OAUTH_ID}&client_secret={OAUTH_SECRET}"
    code, raw = _status(emu.url + "/oauth/token", "POST", body=body.encode(),
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert code == 200, raw
    return str(json.loads(raw)["access_token"])


@pytest.mark.parametrize("method,path", [
    ("GET", "/__emulator/requests"), ("DELETE", "/__emulator/requests"),
    ("POST", "/__emulator/faults"), ("DELETE", "/__emulator/faults"),
    ("DELETE", "/__emulator/tokens"), ("POST", "/__emulator/data-files"),
    ("GET", "/__emulator/items/cursor"),
])
def test_the_fixture_api_needs_the_emulators_key(emu: Emulator, method: str, path: str) -> None:
    token = _oauth_token(emu)  # a valid API token, but not the emulator's key
    body = b'[{"status": 503}]' if path.endswith("faults") else b"{}" if method == "POST" else None
    for headers in ({}, {"Authorization": "Bearer wrong-key"},
                    {"Authorization": f"Bearer {token}"}, {"Authorization": API_KEY}):
        code, raw = _status(emu.url + path, method, dict(headers), body)
        assert code == 401, (headers, code, raw)
        assert b"API key" in raw
    assert _status(emu.url + "/__emulator/health")[0] == 200  # a readiness probe stays open
    # nothing was changed by the refused calls: no fault fires, the log was not cleared
    assert [r["path"] for r in emu.requests()] == ["/oauth/token"]
    ok, _ = _status(emu.url + path, method, {"Authorization": f"Bearer {API_KEY}",
                                             "Content-Type": "application/json"}, body)
    assert 200 <= ok < 300


def test_the_request_log_redacts_secrets(emu: Emulator) -> None:
    token = _oauth_token(emu)  # form-encoded client_secret
    _status(emu.url + "/oauth/token", "POST", headers={"Content-Type": "application/json"},
            body=json.dumps({"grant_type": "client_credentials", "client_id": OAUTH_ID,
                             "client_secret": OAUTH_SECRET}).encode())
    _status(emu.url + "/api/v1/users/me?api_key=query-secret-1&x=1",
            headers={"Authorization": f"Bearer {token}", "X-Api-Key": "header-secret-2",
                     "Cookie": "session=cookie-secret-3"})
    _status(emu.url + "/api/v1/data-stores", "POST",
            headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
            body=json.dumps({"type": "t", "technicalName": "redact", "name": "n",
                             "description": f"key {API_KEY} and {token}",
                             "properties": {"apiKey": "body-secret-4",
                                            "password": "body-secret-5"}}).encode())
    log: list[dict[str, Any]] = emu.requests()
    text = json.dumps(log)
    assert len(log) == 4
    for secret in (API_KEY, OAUTH_SECRET, token, "query-secret-1", "header-secret-2",
                   "cookie-secret-3", "body-secret-4", "body-secret-5"):
        assert secret not in text, secret
    assert "[redacted]" in log[0]["body"] and "[redacted]" in log[1]["body"]
    assert log[2]["query"] == "api_key=[redacted]&x=1"  # the rest of the log is kept
    assert log[2]["headers"]["x-api-key"] == "[redacted]"
    assert json.loads(log[3]["body"])["technicalName"] == "redact"


def _start_and_stop(tmp_path: Path, host: str) -> str:
    emu = Emulator(tmp_path / host.replace(":", "_"), extra=["--host", host])
    emu.start()
    emu.stop()
    assert emu.proc is not None and emu.proc.stderr is not None
    return emu.proc.stderr.read()


def test_listening_off_loopback_warns_loudly(tmp_path: Path) -> None:
    err = _start_and_stop(tmp_path, "0.0.0.0")
    assert "WARNING: --host 0.0.0.0 is not a loopback address" in err
    assert "reachable from other machines" in err
    assert "WARNING" not in _start_and_stop(tmp_path, "127.0.0.1")


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_a_stopped_emulator_leaves_its_data_in_one_sqlite_file(tmp_path: Path, sig: str) -> None:
    """The database is closed when the emulator stops (SQLite folds its write-ahead log back
    into emulator.sqlite3): copying that one file copies the data."""
    import shutil
    import signal
    import sqlite3

    emu = Emulator(tmp_path / "data").start()
    try:
        code, raw = _status(emu.url + "/__emulator/data-files", "POST",
                            headers={"Authorization": f"Bearer {API_KEY}"},
                            body=json.dumps({"count": 3}).encode())
        assert code in (200, 201), raw
    finally:
        emu.stop(getattr(signal, sig))
    assert emu.proc is not None and emu.proc.returncode is not None
    assert not (tmp_path / "data" / "emulator.sqlite3-wal").exists()
    copy = tmp_path / "copy.sqlite3"
    shutil.copy(tmp_path / "data" / "emulator.sqlite3", copy)
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT count(*) FROM data_files").fetchone() == (3,)
