"""qcli.http.filebody: a slice of a file as a request body, sent by the kernel (sendfile) on a
plain TCP connection, read and sent as bytes everywhere else; the server gets the file's bytes
either way. Each body goes to a real server on loopback (plain, then TLS), or to httpx's mock
transport, which reads the body itself."""

from __future__ import annotations

import hashlib
import http.server
import os
import socket
import ssl
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h11
import httpx
import pytest

from qcli.config.settings import Connection
from qcli.errors import QcliError
from qcli.http import filebody
from qcli.http.client import HttpClient
from qcli.http.filebody import PIECE, FileSlice

KEY = "k" * 20
SIZE = 3 * PIECE + 12345  # four pieces, the last one short
OFFSET = 777  # the slice starts off a piece boundary


class _Receiver(http.server.BaseHTTPRequestHandler):
    """Reads a PATCH's Content-Length bytes and keeps them (bodies: the server's list)."""

    protocol_version = "HTTP/1.1"

    def do_PATCH(self) -> None:  # http.server calls do_<METHOD>
        left = int(self.headers["Content-Length"])
        got = bytearray()
        while left:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                break
            got += chunk
            left -= len(chunk)
        self.server.bodies.append(bytes(got))  # type: ignore[attr-defined]
        if self.path == "/moved":  # sent on elsewhere, on a new connection
            self.send_response(307)
            self.send_header("Location", "/upload")
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(params=["http", "https"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Any, str | None]]:
    """A loopback server that keeps the PATCH bodies it gets: (URL, the server, CA file)."""
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    srv.bodies = []  # type: ignore[attr-defined]
    ca_file = None
    if request.param == "https":
        import trustme

        ca = trustme.CA()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1").configure_cert(ctx)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
        ca_file = str(tmp_path / "ca.pem")
        ca.cert_pem.write_to_path(ca_file)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"{request.param}://127.0.0.1:{srv.server_address[1]}", srv, ca_file
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(OFFSET + SIZE + 1000))
    return path


@pytest.fixture
def sendfiles(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The byte counts sendfile was asked for, in this process, on a plain socket or a TLS one
    (ssl.SSLSocket has its own)."""
    counts: list[int] = []
    for cls in (socket.socket, ssl.SSLSocket):
        def spy(self: socket.socket, file: Any, offset: int = 0, count: int | None = None, *,
                real: Any = cls.sendfile) -> int:
            counts.append(count or 0)
            return real(self, file, offset, count)  # type: ignore[no-any-return]

        monkeypatch.setattr(cls, "sendfile", spy)
    return counts


def _patch(url: str, ca_file: str | None, body: FileSlice,
           transport: httpx.BaseTransport | None = None, path: str = "/upload") -> int:
    conn = Connection(server=url, auth="api-key", api_key=KEY, ca_cert=ca_file)
    with HttpClient(conn, transport=transport) as http:
        response = http.send_once("PATCH", f"{url}{path}", content=body,
                                  headers={"Content-Length": str(body.length)})
        return response.status_code


def test_the_server_gets_the_slice_and_only_plain_http_uses_sendfile(
        server: tuple[str, Any, str | None], data: Path, sendfiles: list[int]) -> None:
    url, srv, ca_file = server
    told: list[int] = []
    with open(data, "rb") as fh:
        body = FileSlice(fh, OFFSET, SIZE, progress=told.append)
        assert _patch(url, ca_file, body) == 204
    expected = data.read_bytes()[OFFSET:OFFSET + SIZE]
    assert hashlib.sha256(srv.bodies[0]).digest() == hashlib.sha256(expected).digest()
    assert told == [PIECE, PIECE, PIECE, 12345]
    if url.startswith("http:"):
        # the first piece goes as bytes (it shows the pieces reach the socket as they are),
        # the rest from the file
        assert sendfiles == [PIECE, PIECE, 12345]
    else:
        assert sendfiles == [] and not body.direct  # TLS: Python encrypts every byte itself


def test_a_body_sent_again_after_a_307_on_a_new_connection_is_the_files_bytes_again(
        server: tuple[str, Any, str | None], data: Path, sendfiles: list[int]) -> None:
    """httpx sends the body again to a 307's Location; here the server closed the connection,
    so the second pass goes over another one: it shows that connection its own first piece."""
    url, srv, ca_file = server
    told: list[int] = []
    with open(data, "rb") as fh:
        body = FileSlice(fh, OFFSET, SIZE, progress=told.append)
        assert _patch(url, ca_file, body, path="/moved") == 204
    expected = data.read_bytes()[OFFSET:OFFSET + SIZE]
    assert srv.bodies == [expected, expected]
    assert sum(told) == SIZE  # progress counts each byte once
    assert sendfiles == ([PIECE, PIECE, 12345] * 2 if url.startswith("http:") else [])


def test_a_transport_that_reads_the_body_itself_gets_the_files_bytes(
        data: Path, sendfiles: list[int]) -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(b"".join(request.stream))  # type: ignore[arg-type]
        return httpx.Response(204)

    with open(data, "rb") as fh:
        body = FileSlice(fh, OFFSET, SIZE)
        assert _patch("http://tenant.example", None, body, httpx.MockTransport(handler)) == 204
    assert seen == [data.read_bytes()[OFFSET:OFFSET + SIZE]]
    assert sendfiles == [] and not body.direct


def test_an_h11_that_copies_pieces_gets_the_files_bytes_as_bytes(
        server: tuple[str, Any, str | None], data: Path, sendfiles: list[int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Were h11 to hand each piece on as a copy, no stand-in is ever made: the first piece
    does not reach the stream as itself."""
    url, srv, ca_file = server
    real = h11.Connection.send

    def copying(self: h11.Connection, event: Any) -> bytes | None:
        out = real(self, event)
        return None if out is None else bytes(bytearray(out))

    monkeypatch.setattr(h11.Connection, "send", copying)
    with open(data, "rb") as fh:
        body = FileSlice(fh, OFFSET, SIZE)
        assert _patch(url, ca_file, body) == 204
    assert srv.bodies == [data.read_bytes()[OFFSET:OFFSET + SIZE]]
    assert sendfiles == [] and not body.direct


def test_a_file_that_shrinks_while_it_is_sent_stops_the_request(
        server: tuple[str, Any, str | None], data: Path, sendfiles: list[int]) -> None:
    url, _, ca_file = server
    with open(data, "rb") as fh:
        def shrink(n: int) -> None:  # after the first piece, the file is cut short
            os.truncate(data, OFFSET + PIECE + 10)

        with pytest.raises(QcliError, match="shrank while it was being sent"):
            _patch(url, ca_file, FileSlice(fh, OFFSET, SIZE, progress=shrink))
    # over plain HTTP the short piece was one sendfile sent (10 bytes of the PIECE asked for)
    assert sendfiles == ([PIECE] if url.startswith("http:") else [])


def test_a_stand_in_is_never_written_as_bytes(data: Path) -> None:
    """A stand-in that reaches a connection without its place in the file (its offer lost), or
    another connection than the one its body's first piece went through, is refused before a
    byte of it is written."""
    from httpcore._backends.sync import SyncStream

    mine, other = socket.socketpair()
    stream = SyncStream(mine)
    with open(data, "rb") as fh:
        body = FileSlice(fh, 0, SIZE)
        pieces = iter(body)
        first = next(pieces)
        assert filebody.write(stream, first, None) is False  # it goes as bytes...
        assert body.direct  # ...and shows the pieces reach a plain socket unchanged
        standin = next(pieces)
        assert standin == bytes(PIECE)
        filebody._local.offer = None
        with pytest.raises(RuntimeError, match="without its place in the file"):
            filebody.write(stream, standin, None)
        standin = next(pieces)
        with pytest.raises(RuntimeError, match="another connection"):
            filebody.write(SyncStream(other), standin, None)
        pieces.close()  # type: ignore[attr-defined]
    other.setblocking(False)
    with pytest.raises(BlockingIOError):  # not a byte reached either end
        other.recv(1)
    mine.setblocking(False)
    with pytest.raises(BlockingIOError):
        mine.recv(1)
    mine.close()
    other.close()
    assert not filebody._STANDINS


def test_an_earlier_pass_closed_late_leaves_the_current_pass_alone(data: Path) -> None:
    """httpx sends a body again (a redirect) while the first pass is still open: when that
    first pass is closed (by the collector, maybe later), the second pass's stand-in is still
    sent from the file."""
    from httpcore._backends.sync import SyncStream

    mine, peer = socket.socketpair()
    stream = SyncStream(mine)
    got = bytearray()

    def read() -> None:
        while len(got) < 2 * PIECE and (chunk := peer.recv(1 << 16)):
            got.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    with open(data, "rb") as fh:
        body = FileSlice(fh, OFFSET, SIZE)
        first_pass = iter(body)
        next(first_pass)  # its first piece, never written: the pass is left open
        second_pass = iter(body)
        piece = next(second_pass)
        assert filebody.write(stream, piece, None) is False  # goes as bytes (the test sends it)
        mine.sendall(piece)
        standin = next(second_pass)
        first_pass.close()  # type: ignore[attr-defined]
        assert filebody.write(stream, standin, None) is True  # sent by sendfile
        second_pass.close()  # type: ignore[attr-defined]
    reader.join(10)
    assert bytes(got) == data.read_bytes()[OFFSET:OFFSET + 2 * PIECE]
    mine.close()
    peer.close()
