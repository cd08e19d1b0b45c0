"""qcli.http.preconnect: the TCP connection to the tenant is opened while qcli starts, and the
first request goes over it; a connection the server dropped meanwhile is not used; the guess of
the server follows the settings' precedence and stays out of commands that need no tenant."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from qcli.cli.fastcomplete import load_index
from qcli.http import preconnect

EMPTY: dict[str, str] = {}
pytestmark = pytest.mark.skipif(sys.platform in ("darwin", "win32"),
                                reason="no early connection where system proxies may apply")


class Blackhole:
    """A loopback listener whose backlog is full: a new connection to it hangs (its SYN is
    dropped) until one held here is accepted (`free()`)."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(0)
        self.port = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        for _ in range(8):
            client = socket.socket()
            client.settimeout(0.3)
            try:
                client.connect(("127.0.0.1", self.port))
            except OSError:
                client.close()
                return
            self.held.append(client)
        raise AssertionError("the backlog never filled")

    def free(self) -> None:
        for client in self.held:
            client.close()

    def close(self) -> None:
        self.free()
        self.server.close()


class Forwarder:
    """A TCP forwarder to `upstream` that notes, for each connection it accepts, when it was
    accepted and when its first bytes came; with `drop_first`, it closes the first one at once."""

    def __init__(self, upstream: tuple[str, int], drop_first: bool = False):
        self.upstream, self.drop_first = upstream, drop_first
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted: list[float] = []
        self.first_data: dict[int, float] = {}
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.accepted.append(time.monotonic())
            n = len(self.accepted) - 1
            if self.drop_first and n == 0:
                conn.close()
                continue
            up = socket.create_connection(self.upstream)
            threading.Thread(target=self._pump, args=(conn, up, n), daemon=True).start()
            threading.Thread(target=self._pump, args=(up, conn, None), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, n: int | None) -> None:
        try:
            while data := src.recv(65536):
                if n is not None:
                    self.first_data.setdefault(n, time.monotonic())
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.server.close()


def _env(emu: Any, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("QCLI_") and not k.lower().endswith("_proxy")}
    tests = Path(__file__).parents[1]
    env["PYTHONPATH"] = os.pathsep.join([str(tests), str(tests.parent)])
    env.update(QCLI_SERVER=f"http://127.0.0.1:{port}", QCLI_API_KEY=emu.api_key, **extra)
    return env


def _ls(env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    env = dict(env, QCLI_CONFIG_DIR=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))
    return subprocess.run([sys.executable, "-m", "qcli", "extension", "ls", "-o", "json"],
                          capture_output=True, text=True, env=env, timeout=60)


def _upstream(emu: Any) -> tuple[str, int]:
    return "127.0.0.1", int(emu.url.rsplit(":", 1)[1])


def _target_of(emu: Any) -> tuple[str, int, bool]:
    return (*_upstream(emu), emu.url.startswith("https:"))


def test_the_first_request_goes_over_the_connection_opened_while_qcli_started(
        emu: Any, tmp_path: Path) -> None:
    gaps = {}
    for knob in ("1", "0"):
        fwd = Forwarder(_upstream(emu))
        try:
            result = _ls(_env(emu, fwd.port, QCLI_PRECONNECT=knob), tmp_path)
        finally:
            fwd.close()
        assert result.returncode == 0, result.stderr
        assert isinstance(json.loads(result.stdout), list)
        assert len(fwd.accepted) == 1, fwd.accepted  # one connection, taken by the request
        gaps[knob] = fwd.first_data[0] - fwd.accepted[0]
    # opened early, the connection waits for typer and httpx to load (tens of ms on any
    # machine) before its request; opened by httpx, the request follows at once
    assert gaps["1"] > 0.02 and gaps["1"] > 3 * gaps["0"], gaps


def test_a_connection_the_server_dropped_before_the_first_request_is_not_used(
        emu: Any, tmp_path: Path) -> None:
    fwd = Forwarder(_upstream(emu), drop_first=True)
    try:
        result = _ls(_env(emu, fwd.port), tmp_path)
    finally:
        fwd.close()
    assert result.returncode == 0, result.stderr
    assert "retrying" not in result.stderr  # not sent on the dead connection, then retried
    assert len(fwd.accepted) == 2  # the early one (dropped), then the client's own


def _opened_early(port: int) -> None:
    preconnect.start(["extension", "ls"], {"QCLI_SERVER": f"http://127.0.0.1:{port}"})


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_a_connect_that_hangs_takes_timeout_once_not_twice(tmp_path: Path, scheme: str) -> None:
    """Waiting for the connection opened early spends the same --timeout as the client's own
    connect after it: not the limit twice (found in review: 6 s for --timeout 3). For https the
    client waits for the early thread's TLS context, not for its connection."""
    hole = Blackhole()
    try:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("QCLI_") and not k.lower().endswith("_proxy")}
        env.update(QCLI_SERVER=f"{scheme}://127.0.0.1:{hole.port}", QCLI_API_KEY="k" * 40,
                   QCLI_CONFIG_DIR=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path))
        started = time.monotonic()
        result = subprocess.run([sys.executable, "-m", "qcli", "extension", "ls", "--timeout",
                                 "3"], capture_output=True, text=True, env=env, timeout=60)
        took = time.monotonic() - started
    finally:
        hole.close()
    assert result.returncode == 6, result.stderr
    assert took < 5.5, (took, result.stderr)  # 3 s and start-up; 6 s and more when spent twice


def test_a_connection_that_comes_after_take_gave_up_is_closed() -> None:
    hole = Blackhole()
    held = {c.getsockname() for c in hole.held}
    try:
        _opened_early(hole.port)
        connect = preconnect._pending[("127.0.0.1", hole.port)]
        assert preconnect.take("127.0.0.1", hole.port, 0.2) is None  # still connecting
        hole.free()
        hole.server.settimeout(10)
        late = None
        while late is None:  # the held ones first, then the early connection's SYN, resent
            conn, peer = hole.server.accept()
            if peer in held:
                conn.close()
            else:
                late = conn
        late.settimeout(5)
        assert late.recv(1) == b""  # closed by the thread: take() had stopped waiting
        late.close()
        # by the thread itself, not by the socket's last reference going away
        assert connect.done and connect.sock is None
    finally:
        hole.close()
        preconnect.discard()


def test_take_gives_the_connection_once_and_only_to_its_host_and_port() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        _opened_early(port)
        try:
            assert preconnect.take("127.0.0.1", port + 1, 5) is None
            assert preconnect.take("localhost", port, 5) is None
            sock = preconnect.take("127.0.0.1", port, 5)
            assert sock is not None
            conn, peer = server.accept()
            assert peer == sock.getsockname()
            conn.close()
            sock.close()
            assert preconnect.take("127.0.0.1", port, 5) is None  # once
        finally:
            preconnect.discard()


def test_a_connection_older_than_max_idle_is_closed_not_used(monkeypatch: Any) -> None:
    monkeypatch.setattr(preconnect, "MAX_IDLE", 0.0)
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        _opened_early(port)
        try:
            time.sleep(0.01)
            assert preconnect.take("127.0.0.1", port, 5) is None
            conn, _ = server.accept()
            conn.settimeout(5)
            assert conn.recv(1) == b""  # closed by take()
            conn.close()
        finally:
            preconnect.discard()


SERVER = {"QCLI_SERVER": "https://acme.eu.qlikcloud.com"}


@pytest.mark.parametrize(("args", "env", "expected"), [
    (["extension", "ls"], SERVER, ("acme.eu.qlikcloud.com", 443, True)),
    (["-o", "json", "data-file", "ls"], SERVER, ("acme.eu.qlikcloud.com", 443, True)),
    (["raw", "get", "/api/v1/users/me"], {"QCLI_SERVER": "http://10.0.0.5:8080"},
     ("10.0.0.5", 8080, False)),
    (["extension", "ls", "--server", "other.example:4443"], SERVER, ("other.example", 4443, True)),
    (["extension", "ls", "--server=http://b.example"], SERVER, ("b.example", 80, False)),
    (["-s", "c.example", "extension", "ls"], EMPTY, ("c.example", 443, True)),
    (["extension"], SERVER, None),  # a group alone: its help
    (["extension", "ls", "--help"], SERVER, None),
    (["extension", "ls", "-h"], SERVER, None),
    (["context", "ls"], SERVER, None),
    (["context", "test", "emu"], SERVER, None),
    (["emulator", "start"], SERVER, None),
    (["completion", "bash"], SERVER, None),
    (["version"], SERVER, None),
    (["extension", "ls"], {**SERVER, "HTTPS_PROXY": "http://proxy:3128"}, None),
    (["extension", "ls"], {**SERVER, "no_proxy": "*"}, None),
    (["extension", "ls"], {**SERVER, "QCLI_PRECONNECT": "0"}, None),
    (["extension", "ls"], {"QCLI_SERVER": "https://bücher.example"}, None),  # IDNA: httpx's
    (["extension", "ls"], {"QCLI_SERVER": "ftp://x.example"}, None),
    (["extension", "ls"], {**SERVER, "QCLI_PRECONNECT": "off"}, None),
    # what the guess cannot read is not guessed: short options run together with a value
    (["extension", "ls", "-sother.example"], SERVER, None),
    (["-vs", "other.example", "extension", "ls"], SERVER, None),
    (["-qv", "extension", "ls"], SERVER, ("acme.eu.qlikcloud.com", 443, True)),
    # option values are not command words
    (["--query", "extension", "emulator", "start"], SERVER, None),
    (["--context", "extension", "context", "ls"], SERVER, None),
    (["--query", "context", "extension", "ls"], SERVER, ("acme.eu.qlikcloud.com", 443, True)),
    (["extension", "-o", "json"], SERVER, None),  # a group and an option: its usage
    (["-s", "a.example", "-s", "b.example", "extension", "ls"], EMPTY, ("b.example", 443, True)),
])
def test_the_server_guessed(args: list[str], env: dict[str, str],
                            expected: tuple[str, int, bool] | None) -> None:
    assert preconnect._target(args, dict(env, QCLI_CONFIG_DIR="/nonexistent")) == expected


def test_the_server_of_a_saved_context_comes_from_a_current_summary_only(
        tmp_path: Path, monkeypatch: Any) -> None:
    from qcli.cli import completers

    config = tmp_path / "config"
    config.mkdir()
    (config / "contexts.yml").write_text(
        "current: emu\ncontexts:\n  emu:\n    server: https://emu.example\n"
        "  two:\n    server: https://two.example:8443\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("QCLI_CONFIG_DIR", str(config))
    env = {"QCLI_CONFIG_DIR": str(config)}
    assert preconnect._target(["extension", "ls"], env) is None  # no summary: YAML not read
    completers.context_names("")  # a TAB writes the summary
    assert preconnect._target(["extension", "ls"], env) == ("emu.example", 443, True)
    assert preconnect._target(["extension", "ls", "--context", "two"], env) == (
        "two.example", 8443, True)
    assert preconnect._target(["extension", "ls"], dict(env, QCLI_CONTEXT="two")) == (
        "two.example", 8443, True)
    time.sleep(0.01)
    (config / "contexts.yml").write_text(
        "current: two\ncontexts:\n  two:\n    server: https://two.example:8443\n")
    assert preconnect._target(["extension", "ls"], env) is None  # summary no longer current


def test_the_tenant_groups_are_the_roots_groups_but_the_local_ones() -> None:
    index = load_index()
    assert index is not None
    groups = set(index["root"]["commands"])
    assert groups == preconnect.TENANT | preconnect.LOCAL
    assert not preconnect.TENANT & preconnect.LOCAL


def test_a_command_run_with_a_saved_context_lets_the_next_one_connect_early(
        emu: Any, tmp_path: Path, monkeypatch: Any) -> None:
    """No TAB was ever pressed: the first command with the context writes the summary, and the
    next one knows the server while it loads (the guess runs here on the same files)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("QCLI_") and not k.lower().endswith("_proxy")}
    tests = Path(__file__).parents[1]
    env.update(PYTHONPATH=os.pathsep.join([str(tests), str(tests.parent)]),
               QCLI_CONFIG_DIR=str(tmp_path / "config"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               PYTHON_KEYRING_BACKEND="keyring_backend.FileKeyring",
               QCLI_TEST_KEYRING_FILE=str(tmp_path / "keyring.json"))

    def qcli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qcli", *args], input=stdin,
                              capture_output=True, text=True, env=env, timeout=60)

    made = qcli("context", "create", "emu", "--server", emu.url, "--api-key-stdin",
                stdin=emu.api_key + "\n")
    assert made.returncode == 0, made.stderr
    monkeypatch.setenv("XDG_CACHE_HOME", env["XDG_CACHE_HOME"])
    guess = {"QCLI_CONFIG_DIR": env["QCLI_CONFIG_DIR"]}
    assert preconnect._target(["extension", "ls"], guess) is None  # no summary yet
    listed = qcli("extension", "ls", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    assert preconnect._target(["extension", "ls"], guess) == _target_of(emu)
