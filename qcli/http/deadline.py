"""A time limit for a whole HTTP exchange, not for each socket read.

httpx's timeouts apply to each read and write: a server that drips one byte a second never trips
a 3 s read timeout. The client's connections go through `DeadlineBackend`, whose streams cut
every connect, read and write to what is left before the deadline of the request in flight
(per thread), and raise the matching httpcore timeout once it has passed.
"""

from __future__ import annotations

import ssl
import threading
import time
from typing import Any

import httpcore

from qcli.http import filebody


class Deadline(threading.local):
    """`at`: when the exchange in flight must be over. `budget`: what each write of the request
    buys: while a body is being sent (a large upload on a slow link), every write that goes
    through moves the limit to at least `budget` seconds later, so only a stall is cut, and the
    server then has `budget` seconds for its complete answer."""

    at: float | None = None
    budget: float | None = None

    def progressed(self) -> None:
        if self.at is not None and self.budget is not None:
            self.at = max(self.at, time.monotonic() + self.budget)

    def clamp(self, timeout: float | None, error: type[Exception]) -> float | None:
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise error("the request's time limit was reached")
        return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline,
                 tls: tuple[Any, str] | None = None):
        self._inner = inner
        self._deadline = deadline
        self._tls = tls  # (context, host name) of a handshake already made (preconnect)

    @property
    def inner(self) -> httpcore.NetworkStream:
        """The stream it wraps (httpcore's own), whose socket a download's body is read from
        directly (qcli.http.download)."""
        return self._inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        timeout = self._deadline.clamp(timeout, httpcore.WriteTimeout)
        if not filebody.write(self._inner, buffer, timeout):  # a piece of a file it sends itself
            self._inner.write(buffer, timeout)
        self._deadline.progressed()

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        if self._tls is not None:  # the early connection's handshake, verified as asked
            if self._tls != (ssl_context, server_hostname):
                self._inner.close()
                raise httpcore.ConnectError("a TLS connection opened early was verified "
                                            "otherwise than this request asks")
            return DeadlineStream(self._inner, self._deadline)
        inner = self._inner.start_tls(ssl_context, server_hostname,
                                      self._deadline.clamp(timeout, httpcore.ConnectTimeout))
        return DeadlineStream(inner, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend, deadline: Deadline,
                 ssl_context: Any = None):
        self._inner = inner
        self._deadline = deadline
        self._ssl_context = ssl_context  # what its pool verifies TLS with

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        timeout = self._deadline.clamp(timeout, httpcore.ConnectTimeout)
        started = time.monotonic()
        early = _opened_early(self._inner, host, port, timeout, local_address, socket_options,
                              self._ssl_context)
        if early is not None:
            tls = ((self._ssl_context, host)
                   if isinstance(early.get_extra_info("socket"), ssl.SSLSocket) else None)
            return DeadlineStream(early, self._deadline, tls)
        if timeout is not None:  # what waiting for a connection opened early took is spent
            timeout -= time.monotonic() - started
            if timeout <= 0:
                raise httpcore.ConnectTimeout("timed out")
        # the host as bytes: for a str, socket.getaddrinfo first loads the "idna" codec and
        # unicodedata, ~1-2 ms of every command (httpx has already made a host name ASCII)
        address: Any = host.encode("ascii") if host.isascii() else host
        stream = self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
        return DeadlineStream(stream, self._deadline)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(
            path, self._deadline.clamp(timeout, httpcore.ConnectTimeout), socket_options)
        return DeadlineStream(stream, self._deadline)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def _opened_early(inner: httpcore.NetworkBackend, host: str, port: int, timeout: float | None,
                  local_address: str | None, socket_options: Any, ssl_context: Any) -> Any:
    """httpcore's own stream over the connection qcli.http.preconnect opened to `host`:`port`
    while the command started (over TLS: only if verified with `ssl_context`), or None (then
    connect as usual)."""
    if type(inner) is not httpcore.SyncBackend or local_address is not None:
        return None
    from qcli.http import preconnect

    sock = preconnect.take(host, port, timeout, ssl_context)
    if sock is None:
        return None
    try:
        from httpcore._backends.sync import SyncStream
    except ImportError:  # another httpcore than the one this was written for
        sock.close()
        return None
    try:
        for option in socket_options or ():
            sock.setsockopt(*option)
    except OSError:
        sock.close()
        return None
    return SyncStream(sock)


def install(client: Any, deadline: Deadline) -> bool:
    """Route the connections of an httpx.Client (and its proxy mounts) through the deadline.
    Returns False where the transport is not httpx's own (a test's mock)."""
    installed = False
    transports = [getattr(client, "_transport", None)]
    transports += list((getattr(client, "_mounts", None) or {}).values())
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, DeadlineBackend):
            pool._network_backend = DeadlineBackend(  # type: ignore[union-attr]
                backend, deadline, getattr(pool, "_ssl_context", None))
            installed = True
    return installed
