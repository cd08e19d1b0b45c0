"""A request body that is a slice of a file, sent by the kernel on a plain TCP connection.

httpx sends a body it gets as an iterator of bytes: h11 frames each piece by its length and
httpcore writes it to the connection's stream, which is qcli's DeadlineStream. `FileSlice` is
such an iterator. Its first piece is read from the file as usual; when that very object reaches
DeadlineStream.write (h11 hands a single piece through unchanged) over a plain TCP socket, the
pieces after it are *stand-ins*: a bytes object of the piece's length, never read or sent, which
DeadlineStream.write replaces with socket.sendfile of that region of the file. The kernel copies
the bytes from the page cache to the socket; they never enter Python (`bench/upload.py`, 1 GiB
to @tus/server on loopback: qcli's CPU 0.24 s for the whole command where it was 0.41-0.46 s,
and the server, which shares the machine's two cores, got the rest).

Everywhere else each piece is read and sent as bytes, as before: over TLS (Python's ssl has to
encrypt the bytes itself, so there is nothing to gain), through another transport (a test's
mock reads the body itself: the first piece never reaches a DeadlineStream, so no stand-in is
ever made), or with an h11 or httpcore that copies or joins pieces (the first piece arrives as
another object, and the rest goes the usual way). A stand-in that is not written as itself is an
error raised before a byte of it is sent: its zeros never reach a server.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from typing import IO, Any

import httpcore

from qcli.errors import QcliError

PIECE = 1024 * 1024  # bytes per piece: the progress bar and the deadline move once per piece

_local = threading.local()  # .offer: what the body this thread is sending has just yielded
_STANDINS: set[int] = set()  # id() of every stand-in alive: none is ever written as bytes


class _Offer:
    __slots__ = ("body", "data", "region")

    def __init__(self, body: FileSlice, data: bytes, region: tuple[int, int] | None):
        self.body = body
        self.data = data  # the piece as yielded: the file's bytes, or a stand-in
        self.region = region  # (offset, length) of a stand-in; None for the file's bytes


class FileSlice:
    """`length` bytes of the open file `fh` from `offset`, as an httpx request body. `progress`
    is told each piece's length once it has been sent (once per byte: not again when httpx
    sends the body again after a redirect). `fh` is the body's own: socket.sendfile falls back
    to seeking and reading it where the file system has no sendfile."""

    def __init__(self, fh: IO[bytes], offset: int, length: int, *, piece: int = PIECE,
                 progress: Callable[[int], None] | None = None):
        self.fh = fh
        self.offset = offset
        self.length = length
        self.piece = piece
        self.progress = progress
        # set by write() once the first piece went through a plain socket: that connection's
        # httpcore stream and its socket, which sends the next pieces from the file
        self.stream: Any = None
        self.sock: socket.socket | None = None
        self._told = offset  # where `progress` has been told the bytes were sent up to

    @property
    def direct(self) -> bool:
        """The pieces after the first go by sendfile."""
        return self.sock is not None

    def __iter__(self) -> Iterator[bytes]:
        # each pass (httpx sends the body again after a 307 or 308) shows its own connection
        self.stream, self.sock = None, None
        fd = self.fh.fileno()
        at, end = self.offset, self.offset + self.length
        standins: dict[int, bytes] = {}
        offer: _Offer | None = None
        try:
            while at < end:
                n = min(self.piece, end - at)
                if self.direct:
                    standin = standins.get(n)
                    if standin is None:
                        standin = standins[n] = bytes(n)
                        _STANDINS.add(id(standin))
                    _local.offer = offer = _Offer(self, standin, (at, n))
                    yield standin
                    if getattr(_local, "offer", None) is offer:
                        # httpx took the piece without writing it through a DeadlineStream
                        raise RuntimeError("a file piece was not sent as itself")
                else:
                    data = os.pread(fd, n, at)
                    if not data:
                        raise _shrank(self.fh)
                    n = len(data)
                    _local.offer = offer = _Offer(self, data, None)
                    yield data
                at += n
                if self.progress is not None and at > self._told:
                    self.progress(at - self._told)
                    self._told = at
        finally:
            # (this can run in another thread, when the collector closes a pass left mid-way:
            # only this pass's offer is dropped, and only its stand-ins are forgotten)
            if offer is not None and getattr(_local, "offer", None) is offer:
                _local.offer = None
            for standin in standins.values():
                _STANDINS.discard(id(standin))


def write(stream: Any, buffer: bytes, timeout: float | None) -> bool:
    """Called by DeadlineStream.write with httpcore's own `stream` before it writes `buffer`:
    True when `buffer` was a stand-in and its region of the file has been sent instead."""
    offer: _Offer | None = getattr(_local, "offer", None)
    if offer is None or buffer is not offer.data:
        if id(buffer) in _STANDINS:
            raise RuntimeError("a file piece reached the connection without its place in the "
                               "file; it was not sent")
        if offer is not None and offer.region is not None and stream is offer.body.stream:
            raise RuntimeError("a file piece reached the connection as a copy; it was not sent")
        # no body's piece, a first piece that came as a copy (the body goes on as bytes), or
        # what a body that stopped between a piece and its write (an error) left offered
        _local.offer = None
        return False
    _local.offer = None
    if offer.region is None:
        # the first piece of a body, unchanged: over a plain socket the next ones go by sendfile
        if not offer.body.direct:
            offer.body.stream, offer.body.sock = stream, _plain_socket(stream)
        return False
    sock = offer.body.sock
    if stream is not offer.body.stream or sock is None:
        raise RuntimeError("a file piece reached another connection than its body's first "
                           "piece; it was not sent")
    at, n = offer.region
    try:
        sock.settimeout(timeout)
        sent = sock.sendfile(offer.body.fh, at, n)
    except TimeoutError as exc:  # socket.timeout
        raise httpcore.WriteTimeout(exc) from exc
    except OSError as exc:
        raise httpcore.WriteError(exc) from exc
    if sent < n:
        raise _shrank(offer.body.fh)
    return True


def _plain_socket(stream: Any) -> socket.socket | None:
    """The TCP socket under httpcore's stream when the bytes go to it as they are (no TLS)."""
    try:
        from httpcore._backends.sync import SyncStream
    except ImportError:  # another httpcore than the one this was written for
        return None
    if type(stream) is not SyncStream:
        return None
    sock = stream.get_extra_info("socket")
    if type(sock) is not socket.socket or sock.type != socket.SOCK_STREAM:
        return None
    return sock


def _shrank(fh: IO[bytes]) -> QcliError:
    name = getattr(fh, "name", "the file")
    return QcliError(f"{name} shrank while it was being sent; run the command again once the "
                     "file is complete")
