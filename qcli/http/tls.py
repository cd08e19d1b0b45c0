"""The verifying TLS contexts qcli builds: `default_context()`, the one an https tenant gets
without --ca-cert (built early, in qcli.http.preconnect's thread, while modules load), and
`DeferredCAContext`, which reads its CA bundle only when a TLS connection is made.

Loading certifi's bundle costs ~17 ms of CPU (more on a slower machine), a fifth of `qcli
extension ls` against a plain-http server (the emulator), where no TLS connection is ever made.
httpx builds its context when the client is created, so for an http:// server qcli hands it a
DeferredCAContext instead of `verify=True`: the same settings and the same CA bundle (httpx's
rule: SSL_CERT_FILE, else SSL_CERT_DIR, else certifi), read on the first TLS handshake (a
redirect to https, a proxy over TLS). Before that handshake nothing is trusted, so there is no
window where a certificate would pass unverified.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from collections.abc import Iterable
from typing import Any


def default_context() -> ssl.SSLContext:
    """What an https tenant is verified with unless --ca-cert (or QCLI_CA_CERT, or a context's
    ca-cert) adds a bundle (see DefaultContext). OSError or ssl.SSLError for an unreadable
    SSL_CERT_FILE."""
    return DefaultContext()


def _server_auth(ctx: ssl.SSLContext) -> None:
    """ssl.create_default_context(Purpose.SERVER_AUTH)'s settings, without its CA bundle."""
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    if sys.version_info >= (3, 13):
        ctx.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog and not sys.flags.ignore_environment:
        ctx.keylog_filename = keylog


class DefaultContext(ssl.SSLContext):
    """ssl.create_default_context() with SSL_CERT_FILE, else certifi's bundle (~17 ms of CPU to
    read). qcli.http.preconnect's thread makes its handshake with one and hands it to the HTTP
    client, possibly while that thread is still at work with it; httpcore sets the ALPN
    protocols on its context before each connection, so asking again for the protocols already
    set leaves the context untouched (it is never changed while another thread uses it)."""

    _alpn: list[str] | None

    def __new__(cls) -> DefaultContext:
        ctx = super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)
        ctx._alpn = None
        return ctx

    def __init__(self) -> None:
        import certifi

        _server_auth(self)
        self.load_verify_locations(cafile=os.environ.get("SSL_CERT_FILE") or certifi.where())

    def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None:
        protocols = list(alpn_protocols)
        if protocols != self._alpn:
            super().set_alpn_protocols(protocols)
            self._alpn = protocols


class DeferredCAContext(ssl.SSLContext):
    _ca_lock: threading.Lock
    _ca_loaded: bool

    def __new__(cls) -> DeferredCAContext:
        ctx = super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)
        ctx._ca_lock = threading.Lock()
        ctx._ca_loaded = False
        return ctx

    def __init__(self) -> None:
        _server_auth(self)

    @property
    def ca_loaded(self) -> bool:
        return self._ca_loaded

    def load_ca(self) -> None:
        with self._ca_lock:
            if self._ca_loaded:
                return
            if os.environ.get("SSL_CERT_FILE"):
                self.load_verify_locations(cafile=os.environ["SSL_CERT_FILE"])
            elif os.environ.get("SSL_CERT_DIR"):
                self.load_verify_locations(capath=os.environ["SSL_CERT_DIR"])
            else:
                import certifi

                self.load_verify_locations(cafile=certifi.where())
            self._ca_loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_ca()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_ca()
        return super().wrap_bio(*args, **kwargs)
