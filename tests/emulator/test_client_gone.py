"""A client that leaves while the emulator reads its body (Ctrl-C, a kill) is not an error of
the emulator's: nothing on its stderr, and it keeps serving."""

from __future__ import annotations

import contextlib
import socket
from pathlib import Path

import httpx
from conftest import API_KEY, Emulator

BOUNDARY = "qcli-test-boundary"


def _leave_mid_body(emu: Emulator, path: str, head: bytes, declared: int) -> None:
    """Send the headers and part of a body that says it is `declared` bytes long, then close."""
    host, port = "127.0.0.1", emu.port
    with socket.create_connection((host, port)) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                     f"Authorization: Bearer {API_KEY}\r\n"
                     f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                     f"Content-Length: {declared}\r\n\r\n".encode() + head)
        sock.settimeout(0.5)
        with contextlib.suppress(TimeoutError):
            sock.recv(1)  # the server waits for the rest of the body


def test_a_client_gone_mid_body_leaves_no_traceback(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "emulator", contract_log=None).start()
    try:
        part = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"File\"; "
                f"filename=\"a.csv\"\r\n\r\n").encode() + b"x" * 1000
        _leave_mid_body(emu, "/api/v1/data-files", part, 10_000_000)
        _leave_mid_body(emu, "/api/v1/extensions", part, 10_000_000)
        answer = httpx.get(f"{emu.url}/api/v1/extensions",
                           headers={"Authorization": f"Bearer {API_KEY}"})
        assert answer.status_code == 200  # still serving
    finally:
        emu.stop()
    assert emu.proc is not None and emu.proc.stderr is not None
    err = emu.proc.stderr.read()
    assert "Traceback" not in err and "Exception in ASGI" not in err, err[-2000:]
