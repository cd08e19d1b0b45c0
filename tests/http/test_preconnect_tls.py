"""qcli.http.preconnect over TLS: for an https tenant the TLS handshake is made while qcli starts,
verified with the context the client then uses (qcli.http.tls.default_context); the connection
is used only by a client that verifies with that very context, so --ca-cert, --insecure and an
untrusted certificate behave as they did, and a connection the server closed after the handshake
is not used."""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpcore
import pytest
from conftest import API_KEY, Emulator
from test_preconnect import Forwarder, _upstream

from qcli.http import preconnect
from qcli.http.deadline import Deadline, DeadlineStream

pytestmark = pytest.mark.skipif(sys.platform in ("darwin", "win32"),
                                reason="no early connection where system proxies may apply")


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A private CA, a server certificate for 127.0.0.1, and a bundle of certifi's CAs plus the
    private one (SSL_CERT_FILE: the default bundle's size, the test CA trusted)."""
    import certifi
    import trustme

    folder = tmp_path_factory.mktemp("pki")
    ca = trustme.CA()
    ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(
        str(folder / "server.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    (folder / "bundle.pem").write_bytes(Path(certifi.where()).read_bytes()
                                        + (folder / "ca.pem").read_bytes())
    return {"server": folder / "server.pem", "ca": folder / "ca.pem",
            "bundle": folder / "bundle.pem"}


@pytest.fixture(scope="module")
def tls_emu(pki: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(tmp_path_factory.mktemp("tls-tenant"),
                   extra=["--tls-cert", str(pki["server"])]).start()
    assert emu.url.startswith("https://")
    yield emu
    emu.stop()


def _child_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a qcli run in a child process: none of this one's qcli, proxy or CA
    bundle settings, its config and cache under `home`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("QCLI_") and not k.lower().endswith("_proxy")
           and k not in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    tests = Path(__file__).parents[1]
    env.update(PYTHONPATH=os.pathsep.join([str(tests), str(tests.parent)]),
               QCLI_CONFIG_DIR=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"), **extra)
    return env


def _ls(emu: Emulator, port: int, home: Path, *args: str,
        **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = _child_env(home, QCLI_SERVER=f"https://127.0.0.1:{port}", QCLI_API_KEY=API_KEY,
                     **env_extra)
    return subprocess.run([sys.executable, "-m", "qcli", "extension", "ls", "-o", "json", *args],
                          capture_output=True, text=True, env=env, timeout=60)


@pytest.mark.parametrize("knob", ["1", "0"])
def test_a_trusted_tenant_gets_one_connection_its_handshake_made_early(
        tls_emu: Emulator, pki: dict[str, Path], tmp_path: Path, knob: str) -> None:
    fwd = Forwarder(_upstream(tls_emu))
    try:
        result = _ls(tls_emu, fwd.port, tmp_path, SSL_CERT_FILE=str(pki["bundle"]),
                     QCLI_PRECONNECT=knob)
    finally:
        fwd.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[")
    # one connection: the early one, handshake and all, taken by the client (a connection the
    # client refused would have been followed by its own)
    assert len(fwd.accepted) == 1, fwd.accepted


def test_an_untrusted_certificate_is_refused_as_before(
        tls_emu: Emulator, tmp_path: Path) -> None:
    fwd = Forwarder(_upstream(tls_emu))
    try:
        result = _ls(tls_emu, fwd.port, tmp_path)  # certifi's bundle only: the CA is unknown
    finally:
        fwd.close()
    assert result.returncode == 6
    assert result.stderr.startswith("error: TLS certificate of 127.0.0.1:")
    assert len(result.stderr.strip().splitlines()) == 1
    # the early handshake failed quietly; the client's own attempt is the one reported
    assert len(fwd.accepted) == 2


@pytest.mark.parametrize("own", [["--ca-cert", "CA"], ["--insecure"]])
def test_a_saved_context_with_its_own_tls_settings_gets_tcp_early_and_one_connection(
        tls_emu: Emulator, pki: dict[str, Path], tmp_path: Path, own: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A context's own CA bundle or --insecure is not default_context()'s: the contexts summary
    says so, the early thread opens TCP only, and the command's handshake goes over it (an
    early handshake with the default bundle would fail, and cost a second connection)."""
    fwd = Forwarder(_upstream(tls_emu))
    env = _child_env(tmp_path, QCLI_CREDENTIAL_STORE="file")

    def qcli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qcli", *args], input=stdin,
                              capture_output=True, text=True, env=env, timeout=60)

    try:
        made = qcli("context", "create", "tls", "--server", f"https://127.0.0.1:{fwd.port}",
                    *[str(pki["ca"]) if a == "CA" else a for a in own], "--api-key-stdin",
                    stdin=API_KEY + "\n")
        assert made.returncode == 0, made.stderr
        first = qcli("extension", "ls", "-o", "json")  # writes the contexts summary
        assert first.returncode == 0, first.stderr
        # the guess, run here on the same files: the server from the summary, TCP only
        monkeypatch.setenv("XDG_CACHE_HOME", env["XDG_CACHE_HOME"])
        guess = {"QCLI_CONFIG_DIR": env["QCLI_CONFIG_DIR"]}
        assert preconnect._target(["extension", "ls"], guess) == ("127.0.0.1", fwd.port, True)
        assert not preconnect._verifies_by_default(["extension", "ls"], guess, "127.0.0.1",
                                                   fwd.port)
        before = len(fwd.accepted)
        again = qcli("extension", "ls", "-o", "json")  # connects early, from the summary
        assert again.returncode == 0, again.stderr
    finally:
        fwd.close()
    assert len(fwd.accepted) - before == 1


def _in_process(monkeypatch: pytest.MonkeyPatch, home: Path, args: list[str],
                **env: str) -> tuple[int, list[Any], list[Any]]:
    """qcli's own command line, run in this process: its exit code, and what its client took
    from the early connection (take's and verifying_context's answers)."""
    from qcli.main import main

    taken: list[Any] = []
    contexts: list[Any] = []
    take, verifying = preconnect.take, preconnect.verifying_context

    def take_spy(*args: Any) -> Any:
        taken.append(take(*args))
        return taken[-1]

    def verifying_spy(*args: Any) -> Any:
        contexts.append(verifying(*args))
        return contexts[-1]

    monkeypatch.setattr(preconnect, "take", take_spy)
    monkeypatch.setattr(preconnect, "verifying_context", verifying_spy)
    for name in [k for k in os.environ if k.startswith("QCLI_") or k.lower().endswith("_proxy")
                 or k in ("SSL_CERT_FILE", "SSL_CERT_DIR")]:
        monkeypatch.delenv(name)
    for name, value in dict(env, QCLI_API_KEY=API_KEY, QCLI_CONFIG_DIR=str(home / "config"),
                            XDG_CACHE_HOME=str(home / "cache")).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "argv", ["qcli", "extension", "ls", "-o", "json", *args])
    try:
        code = main()
    finally:
        preconnect.discard()
    return code, taken, contexts


def test_the_client_takes_the_early_tls_connection_and_its_context(
        tls_emu: Emulator, pki: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    code, taken, contexts = _in_process(monkeypatch, tmp_path, [], QCLI_SERVER=tls_emu.url,
                                        SSL_CERT_FILE=str(pki["bundle"]))
    assert code == 0 and capsys.readouterr().out.startswith("[")
    assert len(contexts) == 1 and isinstance(contexts[0], ssl.SSLContext)
    assert len(taken) == 1 and isinstance(taken[0], ssl.SSLSocket)
    assert taken[0].context is contexts[0]  # verified with what the client verifies with


@pytest.mark.parametrize("how", ["--ca-cert", "QCLI_CA_CERT", "--insecure"])
def test_ca_cert_and_insecure_get_tcp_early_and_make_their_own_handshake(
        tls_emu: Emulator, pki: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], how: str) -> None:
    args = {"--ca-cert": ["--ca-cert", str(pki["ca"])], "--insecure": ["--insecure"]}.get(how, [])
    env = {"QCLI_CA_CERT": str(pki["ca"])} if how == "QCLI_CA_CERT" else {}
    code, taken, contexts = _in_process(monkeypatch, tmp_path, args, QCLI_SERVER=tls_emu.url,
                                        **env)
    assert code == 0 and capsys.readouterr().out.startswith("[")
    assert contexts == []  # the client built its own context
    assert len(taken) == 1 and type(taken[0]) is socket.socket  # TCP only, TLS by the client


class TlsServer:
    """A loopback TLS server that makes the handshake of each connection, then keeps it open,
    or with `close_after_handshake` closes it at once."""

    def __init__(self, pki: dict[str, Path], close_after_handshake: bool = False):
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(str(pki["server"]))
        self.close = close_after_handshake
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.kept: list[socket.socket] = []
        self.handshakes = threading.Semaphore(0)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
                tls = self.context.wrap_socket(conn, server_side=True)
            except OSError:
                return
            if self.close:
                tls.close()
            else:
                self.kept.append(tls)
            self.handshakes.release()

    def stop(self) -> None:
        self.server.close()
        for tls in self.kept:
            tls.close()


@pytest.fixture
def early(monkeypatch: pytest.MonkeyPatch, pki: dict[str, Path]) -> Iterator[None]:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki["bundle"]))
    yield
    preconnect.discard()


def _start(port: int) -> None:
    preconnect.start(["extension", "ls"], {"QCLI_SERVER": f"https://127.0.0.1:{port}"})


def test_the_connection_goes_only_to_a_pool_verifying_with_the_context_it_was_verified_with(
        early: None, pki: dict[str, Path]) -> None:
    server = TlsServer(pki)
    try:
        _start(server.port)
        context = preconnect.verifying_context(10)
        assert isinstance(context, ssl.SSLContext)
        assert preconnect.verifying_context(10) is None  # handed over once
        other = ssl.create_default_context(cafile=str(pki["ca"]))
        assert preconnect.take("127.0.0.1", server.port, 10, other) is None  # and closed
        _start(server.port)
        same = preconnect.verifying_context(10)
        sock = preconnect.take("127.0.0.1", server.port, 10, same)
        assert isinstance(sock, ssl.SSLSocket) and sock.context is same
        assert sock.version() in ("TLSv1.2", "TLSv1.3")
        sock.close()
    finally:
        server.stop()


def test_a_tls_connection_the_server_closed_after_its_handshake_is_not_used(
        early: None, pki: dict[str, Path]) -> None:
    closing = TlsServer(pki, close_after_handshake=True)
    keeping = TlsServer(pki)
    try:
        _start(closing.port)
        context = preconnect.verifying_context(10)
        assert closing.handshakes.acquire(timeout=10)
        with contextlib.suppress(Exception):  # let the close reach the client
            threading.Event().wait(0.2)
        assert preconnect.take("127.0.0.1", closing.port, 10, context) is None
        # TLS 1.3 servers send session tickets after the handshake: not a reason to drop it
        _start(keeping.port)
        context = preconnect.verifying_context(10)
        assert keeping.handshakes.acquire(timeout=10)
        threading.Event().wait(0.2)
        sock = preconnect.take("127.0.0.1", keeping.port, 10, context)
        assert isinstance(sock, ssl.SSLSocket) and sock.version() == "TLSv1.3"
        sock.close()
    finally:
        closing.stop()
        keeping.stop()


def test_a_stream_whose_handshake_was_made_early_is_not_wrapped_again_nor_reused_otherwise(
        ) -> None:
    class Inner:
        closed = False

        def start_tls(self, *args: Any) -> Any:
            raise AssertionError("TLS over TLS")

        def close(self) -> None:
            self.closed = True

    context = ssl.create_default_context()
    inner = Inner()
    stream = DeadlineStream(inner, Deadline(), (context, "acme.example"))  # type: ignore[arg-type]
    assert isinstance(stream.start_tls(context, "acme.example"), DeadlineStream)
    with pytest.raises(httpcore.ConnectError):
        stream.start_tls(ssl.create_default_context(), "acme.example")
    assert inner.closed


def test_the_default_context_is_ssls_default_one_with_the_same_bundle(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import certifi

    from qcli.http.tls import default_context

    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    ours, usual = default_context(), ssl.create_default_context(cafile=certifi.where())
    for attr in ("protocol", "options", "verify_flags", "verify_mode", "check_hostname",
                 "minimum_version", "maximum_version", "hostname_checks_common_name",
                 "post_handshake_auth", "security_level"):
        assert getattr(ours, attr) == getattr(usual, attr), attr
    assert ours.cert_store_stats() == usual.cert_store_stats()
    assert ours.cert_store_stats()["x509_ca"] > 100
    # httpcore sets the ALPN protocols before each connection: the same ones change nothing
    calls: list[list[str]] = []
    real = ssl.SSLContext.set_alpn_protocols
    monkeypatch.setattr(ssl.SSLContext, "set_alpn_protocols",
                        lambda self, p: calls.append(list(p)) or real(self, p))
    ours.set_alpn_protocols(["http/1.1"])
    ours.set_alpn_protocols(["http/1.1"])
    ours.set_alpn_protocols(["h2", "http/1.1"])
    assert calls == [["http/1.1"], ["h2", "http/1.1"]]


def test_the_client_gets_the_context_while_the_connection_is_still_being_made(
        early: None) -> None:
    from test_preconnect import Blackhole

    hole = Blackhole()  # the connect hangs
    try:
        _start(hole.port)
        context = preconnect.verifying_context(10)
        assert isinstance(context, ssl.SSLContext)
        assert preconnect.take("127.0.0.1", hole.port, 0.2, context) is None  # still connecting
    finally:
        hole.close()



def test_tls_is_made_early_only_where_the_command_verifies_by_default(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qcli.config.summary import contexts

    config = tmp_path / "config"
    env = {"QCLI_CONFIG_DIR": str(config)}
    monkeypatch.setenv("QCLI_CONFIG_DIR", str(config))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def default(args: list[str], **extra: str) -> bool:
        return preconnect._verifies_by_default(args, dict(env, **extra), "a.example", 443)

    assert default(["extension", "ls"])  # no contexts.yml
    assert not default(["extension", "ls", "--insecure"])
    assert not default(["--ca-cert=/x.pem", "extension", "ls"])
    assert not default(["extension", "ls"], QCLI_CA_CERT="/x.pem")
    config.mkdir()
    (config / "contexts.yml").write_text(
        "current: own\ncontexts:\n  own:\n    server: https://a.example\n    ca-cert: /x.pem\n"
        "  plain:\n    server: https://a.example\n  far:\n    server: https://b.example\n"
        "    insecure: true\n")
    assert not default(["extension", "ls"])  # a contexts.yml not summed up: not known
    contexts()  # what a TAB or a command with a context does
    assert not default(["extension", "ls"])  # the current context has its own CA bundle
    assert default(["--context", "plain", "extension", "ls"])
    assert default(["extension", "ls"], QCLI_CONTEXT="far")  # its settings are for b.example
    assert not default(["extension", "ls"], QCLI_CONTEXT="own")
