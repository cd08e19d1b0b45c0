"""iter_body (#14 item 3): a plain body of known length is read straight from the socket (after
what httpx's parser already holds), anything else through httpx; the bytes are the same either
way, a body cut short is a transport error (so a download resumes), and the connection is not
reused after a direct read. Against a real HTTP server on loopback (the direct read needs one)."""

from __future__ import annotations

import gzip
import random
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from qcli.transfer.download import iter_body

BODY = random.Random(14).randbytes(3 * 1024 * 1024 + 7)  # not a multiple of any buffer
TIMEOUT, LATE, PAUSE = 2.0, 1.6, 1.0  # /late: headers at 1.6 of 2 s, then a 1 s pause


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.peers.append(self.client_address)  # type: ignore[attr-defined]
        if self.path == "/short":  # promises more than it sends, then closes
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY[:100_000])
            self.wfile.flush()
            self.close_connection = True
            return
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for start in range(0, len(BODY), 500_000):
                piece = BODY[start:start + 500_000]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            self.wfile.write(b"0\r\n\r\n")
            return
        if self.path == "/late":  # headers late in --timeout's budget, then a pause mid-body
            time.sleep(LATE)
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")  # the status line: a first header read
            self.wfile.flush()
            time.sleep(0.05)  # the rest of the headers: a second read, 0.4 s left of 2 s
            self.wfile.write(b"Content-Length: %d\r\n\r\n" % len(BODY) + BODY[:1000])
            self.wfile.flush()
            time.sleep(PAUSE)
            self.wfile.write(BODY[1000:])
            return
        body, coded = (gzip.compress(BODY), True) if self.path == "/gzip" else (BODY, False)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if coded:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self.wfile.write(body)


    def do_HEAD(self) -> None:  # the length of the body a GET would get, and no body
        self.send_response(200)
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadingHTTPServer]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.peers = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _get(client: httpx.Client, path: str) -> tuple[bytes, list[type]]:
    with client.stream("GET", path) as response:
        # a piece is valid until the next one is asked for: copy each at once
        pieces = [(bytes(p), type(p)) for p in iter_body(response)]
    return b"".join(p for p, _ in pieces), [kind for _, kind in pieces]


def test_a_plain_body_is_read_straight_from_the_socket(server: ThreadingHTTPServer) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with httpx.Client(base_url=base) as client:
        with client.stream("GET", "/plain") as response:
            received = bytearray()
            kinds = set()
            for piece in iter_body(response):
                received += piece  # used before the next piece is asked for
                kinds.add(type(piece))
        assert bytes(received) == BODY
        assert memoryview in kinds  # the direct read (httpx only ever yields bytes)
        server.peers.clear()  # type: ignore[attr-defined]
        again, _ = _get(client, "/plain")
        assert again == BODY
        # httpx never saw the first body's end, so that connection was closed, not reused
        assert len(server.peers) == 1  # type: ignore[attr-defined]


def _read_through_qcli(conn: Any, path: str) -> tuple[bytes, set[type]]:
    """The body of GET `path` through qcli's HttpClient.download, and the types of its pieces."""
    from qcli.http.client import HttpClient

    received = bytearray()
    kinds = set()
    with HttpClient(conn) as http, http.download("GET", path) as download:
        for piece in download.chunks():
            received += piece
            kinds.add(type(piece))
    return bytes(received), kinds


def test_qclis_own_client_reads_a_plain_body_straight_from_the_socket(
        server: ThreadingHTTPServer) -> None:
    """Through HttpClient, whose connections are wrapped for --timeout (qcli.http.deadline):
    the wrapper hid the socket, and every download went through httpx's parser again (2.3x
    curl's CPU per GiB) while the test above, on a bare httpx.Client, still passed."""
    from qcli.config.settings import Connection

    base = f"http://127.0.0.1:{server.server_address[1]}"
    body, kinds = _read_through_qcli(Connection(server=base, auth="api-key", api_key="k"),
                                     "/plain")
    assert body == BODY
    assert memoryview in kinds


def test_a_body_read_from_the_socket_gets_the_read_timeout_not_what_the_headers_left(
        server: ThreadingHTTPServer) -> None:
    """--timeout bounds the exchange up to the headers; the body then has per-read timeouts.
    The direct read inherited the last header read's timeout (0.4 s left of 2 s here), so a
    1 s pause mid-body timed out a download that httpx's own read would have finished."""
    from qcli.config.settings import Connection

    base = f"http://127.0.0.1:{server.server_address[1]}"
    conn = Connection(server=base, auth="api-key", api_key="k", timeout=TIMEOUT)
    body, kinds = _read_through_qcli(conn, "/late")
    assert body == BODY
    assert memoryview in kinds  # the direct read, not httpx's


def test_qclis_own_client_reads_an_https_body_straight_from_the_tls_socket(
        tmp_path: Path) -> None:
    """The same over HTTPS (the wrapper's TLS stream, its ssl.SSLSocket read directly)."""
    import ssl

    import trustme

    from qcli.config.settings import Connection

    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.peers = []  # type: ignore[attr-defined]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    srv.socket = context.wrap_socket(srv.socket, server_side=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        conn = Connection(server=f"https://127.0.0.1:{srv.server_address[1]}", auth="api-key",
                          api_key="k", ca_cert=str(tmp_path / "ca.pem"))
        body, kinds = _read_through_qcli(conn, "/plain")
    finally:
        srv.shutdown()
        srv.server_close()
    assert body == BODY
    assert memoryview in kinds


@pytest.mark.parametrize("path", ["/chunked", "/gzip"])
def test_coded_bodies_go_through_httpx(server: ThreadingHTTPServer, path: str) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{server.server_address[1]}") as client:
        body, kinds = _get(client, path)
    assert body == BODY
    assert set(kinds) == {bytes}


def test_a_body_cut_short_is_a_transport_error(server: ThreadingHTTPServer) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with httpx.Client(base_url=base) as client, client.stream("GET", "/short") as response, \
            pytest.raises(httpx.TransportError, match=f"after 100000 of {len(BODY)} bytes"):
        for _ in iter_body(response):
            pass


def test_a_head_answer_has_no_body_whatever_its_length(server: ThreadingHTTPServer) -> None:
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with httpx.Client(base_url=base, timeout=2) as client, \
            client.stream("HEAD", "/plain") as response:
        assert response.headers["Content-Length"] == str(len(BODY))
        assert list(iter_body(response)) == []  # not a wait for bytes that never come


def test_download_reports_what_the_headers_say_and_yields_the_body() -> None:
    from qcli.http.download import Download

    response = httpx.Response(
        206, request=httpx.Request("GET", "http://127.0.0.1/x"), content=b"abc",
        headers={"Content-Disposition": "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.zip",
                 "ETag": '"e1"', "Last-Modified": "Wed, 25 Nov 2026 10:00:00 GMT",
                 "Content-Range": "bytes 3-5/6", "Content-Type": "application/zip"})
    download = Download(response)
    assert (download.status, download.filename, download.size) == (206, "résumé.zip", 3)
    assert (download.etag, download.last_modified, download.content_range,
            download.content_type) == ('"e1"', "Wed, 25 Nov 2026 10:00:00 GMT", "bytes 3-5/6",
                                       "application/zip")
    assert b"".join(bytes(c) for c in download.chunks()) == b"abc"
    bare = Download(httpx.Response(200, request=httpx.Request("GET", "http://127.0.0.1/x")))
    assert (bare.filename, bare.size, bare.etag, bare.content_range) == (None, None, None, None)
