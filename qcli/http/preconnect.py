"""The connection to the tenant, opened while Python loads typer and httpx.

A command spends ~80 ms loading modules before its first request; a TCP connection to a tenant
costs a round trip (20-150 ms to a cloud region). `start()`, called by main before those imports,
works out which server the command line will most likely use and opens the connection in a
daemon thread; the HTTP client's first connection to that host and port (qcli.http.deadline)
`take()`s it instead of connecting again. The request and every header are sent as before, once
the command runs (the API key is not read here).

For an https server the thread also makes the TLS handshake, verifying the certificate with
qcli.http.tls.default_context(): the context an https tenant gets without --ca-cert, whose CA
bundle takes ~17 ms of CPU to read (read by a second thread while the first connects and the
main thread imports, on another core). The HTTP client takes that context once it is built
(`verifying_context()`: the same object, so the bundle is not read twice; httpcore's setting
of the ALPN protocols leaves it unchanged, see DefaultContext), and the connection only if its
pool verifies with that very context, for the same host. Where the command will verify
otherwise (--ca-cert, QCLI_CA_CERT, --insecure, a saved context's own CA bundle or --insecure,
as the contexts summary says) only TCP is opened early, and the client builds its own context
and makes its own handshake over it; so what is trusted never depends on this thread. A
handshake that fails here is not reported: the client's own attempt reports it.

It is a guess that costs nothing when wrong: a connection nobody takes is closed at exit, and
the client connects as usual; one the server closed, or opened more than MAX_IDLE seconds
before the first request, is not used. No connection is opened early
- with QCLI_PRECONNECT=0 (or false, no, off);
- for a command that works without a tenant (`context`, `emulator`, `completion`, `version`)
  or asks for help (`-h`, `--help`, or a group alone);
- when a proxy may be in use (any `*_proxy` variable; on macOS and Windows, whose system proxy
  settings httpx also reads);
- when the server would come from a saved context whose summary in the completion cache is not
  current (reading contexts.yml needs the YAML parser: not worth it here). A TAB writes that
  summary, and so does a command that used a context (`remember_contexts`): after a change to
  contexts.yml, only the first command connects late.
The server: `--server`/`-s`, else QCLI_SERVER, else the context named by `--context` or
QCLI_CONTEXT, else the current one (the precedence of qcli.config.settings).
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

# the command groups that talk to the tenant (tests/http/test_preconnect.py keeps this list equal
# to the root's groups other than LOCAL)
TENANT = frozenset({"extension", "data-file", "data-store", "data-asset", "data-set",
                    "temp-content", "raw"})
LOCAL = frozenset({"context", "emulator", "completion", "version"})
# the global options that take a value (qcli.cli.kit.globals), and which of them name the server
VALUED = {"--context": "--context", "-s": "--server", "--server": "--server", "-o": "",
          "--output": "", "--query": "", "--ca-cert": "", "-H": "", "--header": "",
          "--timeout": ""}
OFF = frozenset({"0", "false", "no", "off"})  # QCLI_PRECONNECT values that turn it off
CONNECT_TIMEOUT = 10.0  # the thread's own limit; a command waits at most its connect timeout
# a connection not taken within this many seconds of being opened is not used (a command that
# first asked a question, or hashed files for minutes: the server may have dropped it since)
MAX_IDLE = 5.0

_lock = threading.Lock()
_pending: dict[tuple[str, int], _Connect] = {}
_entry = False  # start() ran: this process is qcli's own command line (main)


class _Connect(threading.Thread):
    def __init__(self, host: str, port: int, tls: bool = False):
        super().__init__(name="qcli-preconnect", daemon=True)
        self.host, self.port, self.tls = host, port, tls
        self.sock: socket.socket | None = None
        self.opened = 0.0  # time.monotonic() when connected
        self.done = False  # (under _lock) run() is over: `sock` is what it got
        self.abandoned = False  # (under _lock) take() stopped waiting: close what comes
        # (tls) the context, built by a thread of its own while this one connects
        self.context: Any = None
        self.ready = threading.Event()  # set once the context is built, or failed to be
        self.handed = False  # (under _lock) verifying_context gave the context away

    def run(self) -> None:
        if self.tls:
            try:
                threading.Thread(target=self._build, name="qcli-tls-context",
                                 daemon=True).start()
            except RuntimeError:  # no thread to be had: built here, before the connect
                self._build()
        address: Any = (self.host.encode("ascii"), self.port)  # bytes: no idna codec load
        sock = None
        try:
            sock = socket.create_connection(address, CONNECT_TIMEOUT)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.tls:
                sock = self._handshake(sock)
        except (OSError, ValueError):  # the command's own connect reports it
            if sock is not None:
                sock.close()
            sock = None
        with _lock:
            self.done = True
            if self.abandoned:
                if sock is not None:
                    sock.close()
                return
            self.sock, self.opened = sock, time.monotonic()

    def _build(self) -> None:
        try:
            from qcli.http.tls import default_context

            context = default_context()
            context.set_alpn_protocols(["http/1.1"])  # as httpcore sets it (no HTTP/2)
            self.context = context
        except Exception:  # an unreadable SSL_CERT_FILE: the client reports it
            pass
        finally:
            self.ready.set()

    def _handshake(self, sock: socket.socket) -> socket.socket:
        """The TLS handshake, verified as the client would verify it (see the module's text);
        OSError (ssl.SSLError, a refused certificate included) if it fails."""
        import ssl

        if not self.ready.wait(CONNECT_TIMEOUT) or self.context is None:
            raise OSError("no TLS context")
        try:
            return self.context.wrap_socket(sock, server_hostname=self.host)
        except (ssl.CertificateError, ValueError) as exc:
            raise OSError(str(exc)) from None


def start(args: list[str], env: Mapping[str, str]) -> None:
    """Open the likely connection of `qcli ARGS` in the background (see the module's text)."""
    global _entry
    _entry = True
    try:
        target = _target(args, env)
    except Exception:  # a guess: never in the way of the command
        return
    if target is None:
        return
    host, port, tls = target
    try:
        tls = tls and _verifies_by_default(args, env, host, port)
    except Exception:  # not known: TCP only, as the client would open it
        tls = False
    connect = _Connect(host, port, tls)
    with _lock:
        if (host, port) in _pending:
            return
        _pending[host, port] = connect
    try:
        connect.start()
    except RuntimeError:  # no thread to be had: the command connects as usual
        with _lock:
            _pending.pop((host, port), None)


def take(host: str, port: int, timeout: float | None,
         context: Any = None) -> socket.socket | None:
    """The connection opened early to `host`:`port`, once (waiting for it at most `timeout`
    seconds), or None: then connect as usual. A TLS connection only to a pool that verifies
    with `context`, the very context its handshake was verified with."""
    with _lock:
        connect = _pending.pop((host, port), None)
    if connect is None:
        return None
    connect.join(timeout)
    with _lock:
        connect.abandoned = not connect.done  # not there in time: closed when it comes
        sock = connect.sock
    if sock is None:
        return None
    if (time.monotonic() - connect.opened > MAX_IDLE or not _idle(sock)
            or (connect.tls and getattr(sock, "context", None) is not context)):
        sock.close()
        return None
    return sock


def verifying_context(timeout: float | None) -> Any:
    """The ssl.SSLContext the thread verifies an https server's handshake with (see the
    module's text), once, as soon as it is built (waiting for it at most `timeout` seconds);
    None: build one."""
    with _lock:
        connect = next((c for c in _pending.values() if c.tls), None)
    if connect is None or not connect.ready.wait(timeout):
        return None
    with _lock:
        if connect.handed:
            return None
        connect.handed = True
    return connect.context


def _idle(sock: socket.socket) -> bool:
    """Whether the server has neither closed the connection nor sent anything on it."""
    timeout = sock.gettimeout()
    sock.setblocking(False)  # with a timeout set, recv would wait for data up to it
    try:
        if hasattr(sock, "pending"):  # TLS: see _read_tls
            _read_tls(sock)
        else:
            sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.settimeout(timeout)
    return False  # b"": closed; anything else was not asked for


def _read_tls(sock: Any) -> None:
    """A non-blocking read of a TLS socket, which takes no MSG_PEEK: it processes what the
    server sent since the handshake (TLS 1.3 session tickets come then) and raises
    BlockingIOError if that held no data (ssl.SSLWantReadError is one). Whatever else it
    returns (b"": the server closed it) means the connection is not idle."""
    import ssl

    if sock.pending():
        return  # data already decrypted and not asked for
    try:
        sock.recv(1)
    except ssl.SSLWantReadError:
        raise BlockingIOError from None


def _verifies_by_default(args: list[str], env: Mapping[str, str], host: str, port: int) -> bool:
    """Whether the command will check certificates as default_context() does: no --ca-cert,
    --insecure or QCLI_CA_CERT, and no saved context that applies its own CA bundle or
    --insecure to this server (as the contexts summary says; with a contexts.yml whose summary
    is not current, that is not known: then no). Otherwise only TCP is opened early, as the
    client would not take a connection verified another way."""
    if env.get("QCLI_CA_CERT"):
        return False
    if any(a in ("--insecure", "--ca-cert") or a.startswith("--ca-cert=") for a in args):
        return False
    from qcli.config.paths import config_folder
    from qcli.config.summary import read_current

    if not os.path.exists(os.path.join(config_folder(dict(env)), "contexts.yml")):
        return True
    summary = read_current(dict(env))
    if summary is None:
        return False
    current, servers, own = summary
    parsed = _parse(args)
    name = (parsed[1].get("--context") if parsed else None) or env.get("QCLI_CONTEXT") or current
    if name not in own:
        return True
    applies = _host_port(servers.get(name, ""))
    return applies is None or applies[:2] != (host, port)


def _target(args: list[str], env: Mapping[str, str]) -> tuple[str, int, bool] | None:
    if (env.get("QCLI_PRECONNECT", "").lower() in OFF or sys.platform in ("darwin", "win32")
            or any(k.lower().endswith("_proxy") for k in env)):
        return None
    if "-h" in args or "--help" in args or "--" in args:
        return None
    parsed = _parse(args)
    if parsed is None:
        return None
    words, given = parsed
    # a tenant group and a command of it (a group alone, or a local group: no tenant)
    if len(words) < 2 or words[0] not in TENANT:
        return None
    server = given.get("--server") or env.get("QCLI_SERVER")
    if not server:
        server = _context_server(given.get("--context") or env.get("QCLI_CONTEXT"), env)
    return _host_port(server) if server else None


def _parse(args: list[str]) -> tuple[list[str], dict[str, str]] | None:
    """The words of the command line (the values of the global options that take one left out)
    and the last `--server` and `--context` given, or None for a form not read here (short
    options run together with a value: `-sURL`, `-qs URL`)."""
    words: list[str] = []
    given: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if name in VALUED:
            if not eq:
                if i + 1 >= len(args):
                    return None
                i += 1
                value = args[i]
            key = VALUED[name]
            if key:
                given[key] = value
        elif arg.startswith("-") and not arg.startswith("--") and len(arg) > 2:
            if any(f"-{c}" in VALUED for c in arg[1:]):
                return None
        elif not arg.startswith("-"):
            words.append(arg)
        i += 1
    return words, given


def remember_contexts() -> None:
    """After a command used a saved context: make sure the contexts summary is current, so the
    next command finds its server without the YAML parser (qcli.config.summary; rewritten only
    when contexts.yml changed). Only for qcli's own command line (main), whose environment is
    the process's: in-process callers write nothing."""
    if not _entry:
        return
    from qcli.config.summary import contexts

    with contextlib.suppress(Exception):  # a cache: never in the way of the command
        contexts()


def _context_server(name: str | None, env: Mapping[str, str]) -> str | None:
    """The server of context `name` (None: the current one) from the completion cache's summary
    of contexts.yml, if that summary is current."""
    from qcli.config.summary import read_current

    summary = read_current(dict(env))
    if summary is None:
        return None
    current, servers, _ = summary
    return servers.get(name or current or "")


def _host_port(server: str) -> tuple[str, int, bool] | None:
    """The host, the port and whether it is https."""
    from urllib.parse import urlsplit

    url = server.strip()
    parts = urlsplit(url if "://" in url else "https://" + url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname
    if not host.isascii():
        return None  # IDNA: as httpx encodes it, not guessed here
    https = parts.scheme == "https"
    return host, parts.port or (443 if https else 80), https


def discard() -> None:
    """Close what was opened early and not taken (tests; the process's exit does it anyway)."""
    with _lock:
        left = list(_pending.values())
        _pending.clear()
        for connect in left:
            connect.abandoned = True  # what comes later is closed by its thread
            if connect.sock is not None:
                connect.sock.close()
