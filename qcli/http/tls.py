"""A verifying TLS context that reads its CA bundle only when a TLS connection is made.

Loading certifi's bundle costs ~35 ms of CPU, a sixth of `qcli extension ls` against a plain-http
server (the emulator), where no TLS connection is ever made. httpx builds its context when the
client is created, so for an http:// server qcli hands it this one instead of `verify=True`: the
same settings and the same CA bundle (httpx's rule: SSL_CERT_FILE, else SSL_CERT_DIR, else
certifi), read on the first TLS handshake (a redirect to https, a proxy over TLS). Before that
handshake nothing is trusted, so there is no window where a certificate would pass unverified.
"""

from __future__ import annotations

import os
import ssl
import sys
import threading
from typing import Any


class DeferredCAContext(ssl.SSLContext):
    _ca_lock: threading.Lock
    _ca_loaded: bool

    def __new__(cls) -> DeferredCAContext:
        ctx = super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)
        ctx._ca_lock = threading.Lock()
        ctx._ca_loaded = False
        return ctx

    def __init__(self) -> None:
        # ssl.create_default_context(Purpose.SERVER_AUTH) without the CA bundle
        self.verify_mode = ssl.CERT_REQUIRED
        self.check_hostname = True
        if sys.version_info >= (3, 13):
            self.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
        keylog = os.environ.get("SSLKEYLOGFILE")
        if keylog and not sys.flags.ignore_environment:
            self.keylog_filename = keylog

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
