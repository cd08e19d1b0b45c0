"""A streamed download, as qcli.api hands it to the services and savers: never a raw
httpx.Response past this module. Its body is read straight from the socket when it can."""

from __future__ import annotations

import os
import re
import socket
import ssl
from collections.abc import Iterator

import httpx

from qcli.http.deadline import DeadlineStream

BODY_BUFFER = 1024 * 1024  # bytes per read of a body read straight from the socket


def _plain_socket(response: httpx.Response) -> socket.socket | None:
    """The socket a plain HTTP/1.1 body can be read from as it is, or None.

    Only httpcore's own stream over one socket (plain TCP for http://, an ssl.SSLSocket for
    https://) qualifies, as qcli's client hands it over (wrapped in the DeadlineStream of
    qcli.http.deadline, which a body read here bypasses: a download's body has per-read timeouts
    only): a TLS-in-TLS stream (an HTTPS proxy) or a mocked transport does not."""
    stream = response.extensions.get("network_stream")
    while isinstance(stream, DeadlineStream):
        stream = stream.inner
    if stream is None or type(stream).__name__ != "SyncStream":
        return None
    if response.extensions.get("http_version", b"") != b"HTTP/1.1":
        return None
    sock = stream.get_extra_info("socket")
    if not isinstance(sock, socket.socket):
        return None
    if (response.url.scheme == "https") != isinstance(sock, ssl.SSLSocket):
        return None
    return sock


def iter_body(response: httpx.Response) -> Iterator[bytes | memoryview]:
    """The body of a streamed response, as it arrives; each piece is valid until the next.

    A body of known length with no transfer or content coding is read straight from the socket
    into one reused 1 MiB buffer, after whatever httpx's parser already holds: through httpx, a
    body comes 64 KiB at a time via h11, in new objects and two more copies, which took twice
    curl's CPU per GiB (1.1-1.3 s against 0.55 s; a plain socket loop takes 0.6 s), and on a
    busy machine made downloads 0.35-0.75 x curl's speed. The connection is then closed, not
    reused (httpx never saw the body's end). Anything else goes through httpx as before."""
    length = response.headers.get("Content-Length", "")
    coded = ("Transfer-Encoding" in response.headers
             or response.headers.get("Content-Encoding", "identity").lower() != "identity"
             # no body whatever Content-Length says
             or response.request.method == "HEAD" or response.status_code in (204, 304))
    sock = None if coded or not length.isdigit() else _plain_socket(response)
    if sock is None:
        yield from response.iter_bytes()
        return
    total, got = int(length), 0
    # what the parser holds, else one read through it; `raw` stays referenced until the end:
    # closing it (as a `for ... break` would) closes the connection
    raw = response.iter_raw()
    first = next(raw, b"")
    if first:
        got += len(first)
        yield first
    buffer = memoryview(bytearray(min(BODY_BUFFER, max(total - got, 1))))
    # each read gets the read timeout: the socket still has what the last header read was
    # given, cut to what was left of --timeout's deadline then (qcli.http.deadline)
    sock.settimeout(response.request.extensions.get("timeout", {}).get("read"))
    while got < total:
        try:
            n = sock.recv_into(buffer, min(len(buffer), total - got))
        except TimeoutError as exc:
            raise httpx.ReadTimeout(str(exc) or "timed out") from exc
        except OSError as exc:
            raise httpx.ReadError(str(exc)) from exc
        if not n:
            raise httpx.RemoteProtocolError(
                f"the server closed the connection after {got} of {total} bytes")
        got += n
        yield buffer[:n]


class Download:
    """A streamed download as the API layer hands it over: its status, what its headers say
    about the content, and its bytes (chunks(), as they arrive, or read()). Services and the
    savers below see this, never an httpx.Response."""

    __slots__ = ("_response",)

    def __init__(self, response: httpx.Response):
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def filename(self) -> str | None:
        """The base name from Content-Disposition, if any."""
        return filename_from_disposition(self._response.headers.get("Content-Disposition"))

    @property
    def size(self) -> int | None:
        """Content-Length: the bytes of this answer (of the range, for a 206)."""
        length = self._response.headers.get("Content-Length", "")
        return int(length) if length.isdigit() else None

    @property
    def content_type(self) -> str:
        return self._response.headers.get("Content-Type", "")

    @property
    def content_range(self) -> str | None:
        return self._response.headers.get("Content-Range")

    @property
    def etag(self) -> str | None:
        return self._response.headers.get("ETag")

    @property
    def last_modified(self) -> str | None:
        return self._response.headers.get("Last-Modified")

    def chunks(self) -> Iterator[bytes | memoryview]:
        """The body as it arrives (iter_body); each piece is valid until the next."""
        return iter_body(self._response)

    def read(self) -> bytes:
        return self._response.read()

    def close(self) -> None:
        self._response.close()


def filename_from_disposition(header: str | None) -> str | None:
    if not header:
        return None
    match = re.search(r"filename\*=UTF-8''([^;]+)", header) or re.search(
        r'filename="?([^";]+)"?', header
    )
    if not match:
        return None
    from urllib.parse import unquote

    name = os.path.basename(unquote(match.group(1)).strip())
    return name or None
