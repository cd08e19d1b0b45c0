"""Global options, precedence, output formats, exit codes, secrets."""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import API_KEY, Emulator, Qcli, make_extension_dir


def test_no_context_configured_exits_2(qcli: Qcli) -> None:
    result = qcli("extension", "ls")
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("error: no tenant configured (hint: run 'qcli context create")
    assert len(result.err.strip().splitlines()) == 1


def test_env_only_works_without_context(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    env = {"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY}
    made = qcli("extension", "create", str(make_extension_dir(tmp_path, "env-chart")), "-q", env=env)
    assert made.code == 0, made.err
    result = qcli("extension", "ls", env=env)
    assert result.code == 0, result.err
    listed = [e["id"] for e in emu.api("GET", "/api/v1/extensions")["data"]]
    assert made.out.strip() in listed
    assert [e["id"] for e in json.loads(result.out)] == listed  # JSON when stdout is no terminal
    assert not (qcli.home / "config" / "contexts.yml").exists()


def test_server_down_exits_6(qcli: Qcli) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    started = time.monotonic()
    result = qcli("extension", "ls", env={"QCLI_SERVER": f"http://127.0.0.1:{port}",
                                          "QCLI_API_KEY": API_KEY})
    assert result.code == 6
    last = result.err.splitlines()[-1]  # after a "retrying (n/5)" line per retry
    assert last.startswith(f"error: cannot connect to http://127.0.0.1:{port}")
    assert time.monotonic() - started < 30


def test_https_to_a_plain_http_server_fails_at_once_with_a_hint(qcli: Qcli,
                                                                 emu: Emulator) -> None:
    """A TLS handshake answered in plain HTTP cannot succeed on a second try: one line, no
    retries, and the http:// URL to use."""
    server = emu.url.replace("http://", "https://")
    host = server.split("://")[1]
    (qcli.home / "small.txt").write_text("a")
    for args in (["extension", "ls"], ["temp-content", "create", "small.txt"]):  # tus too
        result = qcli(*args, env={"QCLI_SERVER": server, "QCLI_API_KEY": API_KEY})
        assert result.code == 6
        assert result.err.count("\n") == 1 and "retrying" not in result.err, result.err
        assert result.err.startswith(f"error: cannot connect to {host}: what answered the TLS "
                                     "handshake does not speak TLS")
        assert f"use {emu.url}" in result.err  # loopback: the emulator


def test_a_tls_handshake_answered_in_plain_http_elsewhere_suggests_no_http(qcli: Qcli,
                                                                         emu: Emulator) -> None:
    """The same through an https:// proxy URL that is a plain-HTTP server: the tenant is not
    at fault, and http:// (the key in clear text) is not suggested."""
    proxy = emu.url.replace("http://", "https://")
    result = qcli("extension", "ls", env={"QCLI_SERVER": "https://acme.eu.qlikcloud.com",
                                          "QCLI_API_KEY": API_KEY, "HTTPS_PROXY": proxy})
    assert result.code == 6 and "does not speak TLS" in result.err, result.err
    assert "http://" not in result.err.replace(proxy, "") and "HTTPS_PROXY" in result.err


@pytest.mark.skipif(sys.platform != "linux", reason="elsewhere (macOS) a resolver offline "
                    "says the same as for a name that does not exist: retried")
def test_a_host_that_does_not_exist_fails_at_once(qcli: Qcli) -> None:
    """No address for the name (.invalid never resolves, RFC 6761): no retries."""
    try:
        socket.getaddrinfo("tenant.invalid", 443)
    except socket.gaierror as exc:
        if exc.errno != socket.EAI_NONAME:  # a resolver that cannot be reached: retried
            pytest.skip(f"this machine's resolver answers {exc}")
    result = qcli("extension", "ls", env={"QCLI_SERVER": "https://tenant.invalid",
                                          "QCLI_API_KEY": API_KEY})
    assert result.code == 6
    assert "retrying" not in result.err and result.err.count("\n") == 1, result.err
    assert result.err.startswith("error: cannot connect to tenant.invalid: its name does not "
                                 "resolve")


def test_global_options_before_group_and_after_leaf(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    before = qcli("-o", "yaml", "extension", "ls")
    middle = qcli("extension", "-o", "yaml", "ls")
    after = qcli("extension", "ls", "-o", "yaml")
    assert before.code == middle.code == after.code == 0
    assert before.out == middle.out == after.out
    assert yaml.safe_load(after.out) == json.loads(qcli("extension", "ls", "-o", "json").out)
    assert qcli("extension", "ls", "--json").out == qcli("--json", "extension", "ls").out


def test_precedence_flag_over_env_over_context(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)  # context points at the emulator
    dead = "http://127.0.0.1:9"  # discard port: nothing answers
    # env beats the context
    assert qcli("extension", "ls", env={"QCLI_SERVER": dead, "QCLI_API_KEY": "x"}).code == 6
    # the flag beats env
    flag = qcli("extension", "ls", "--server", emu.url,
                env={"QCLI_SERVER": dead, "QCLI_API_KEY": API_KEY})
    assert flag.code == 0, flag.err
    # the context's key is never sent to another server
    other = qcli("extension", "ls", "--server", dead)
    assert other.code == 2
    assert "context 'emu' is for" in other.err
    # output: flag > env > default (json when not a terminal)
    assert qcli("extension", "ls").out.lstrip().startswith("[")
    as_csv = qcli("extension", "ls", env={"QCLI_OUTPUT": "csv"})
    assert as_csv.out.startswith("id,name,type")
    assert qcli("extension", "ls", "-o", "json", env={"QCLI_OUTPUT": "csv"}).out.startswith("[")
    # context selection: --context > QCLI_CONTEXT > current
    bad = qcli("extension", "ls", env={"QCLI_CONTEXT": "missing"})
    assert bad.code == 2
    assert "no context named 'missing'" in bad.err
    assert qcli("extension", "ls", "--context", "emu", env={"QCLI_CONTEXT": "missing"}).code == 0


def test_query_and_formats(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    me = qcli("raw", "get", "v1/users/me", "--json")
    assert me.code == 0
    assert me.json()["id"] == "emulator-user"
    name = qcli("--query", "name", "raw", "get", "v1/users/me", "-o", "json")
    assert json.loads(name.out) == "Emulator Admin"
    bad = qcli("--query", "[[[", "raw", "get", "v1/users/me")
    assert bad.code == 2
    assert "invalid --query expression" in bad.err
    fmt = qcli("extension", "ls", "-o", "xml")
    assert fmt.code == 2
    assert "unknown output format 'xml'" in fmt.err


def test_api_key_never_printed(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    outputs = []
    for args in (["extension", "ls", "-v"], ["context", "ls", "-v", "-o", "yaml"],
                 ["context", "get", "-v", "--json"], ["raw", "get", "v1/users/me", "-v"],
                 ["extension", "get", "missing", "-v"],
                 ["context", "test", "-v", "-H", "X-Trace: 1"]):
        result = qcli(*args)
        outputs.append(result.out + result.err)
    env_run = qcli("extension", "ls", "-v", env={"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY})
    outputs.append(env_run.out + env_run.err)
    joined = "\n".join(outputs)
    assert "> GET" in joined  # --verbose did log requests
    assert API_KEY not in joined


def test_usage_errors_are_one_line(qcli: Qcli) -> None:
    result = qcli("extension", "ls", "--bogus")
    assert result.code == 2
    assert result.err.startswith("error: No such option: --bogus")
    assert result.err.endswith("(see 'qcli extension ls --help')\n")
    assert len(result.err.splitlines()) == 1
    result = qcli("nonsense")
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1


@pytest.mark.parametrize(("typed", "says"), [
    (["extention", "ls"], "No such command 'extention'. Did you mean 'extension'?"),  # a group
    (["data_file", "ls"], "Did you mean 'data-file'?"),  # not imported yet
    (["extension", "lst"], "No such command 'lst'. Did you mean 'ls'?"),  # a leaf
])
def test_a_mistyped_command_gets_a_suggestion(qcli: Qcli, typed: list[str], says: str) -> None:
    result = qcli(*typed)
    assert result.code == 2 and says in result.err and len(result.err.splitlines()) == 1


def test_no_key_hints_at_what_would_give_one(qcli: Qcli, emu: Emulator) -> None:
    """Without contexts: QCLI_API_KEY or context create (there is no context to update)."""
    result = qcli("extension", "ls", env={"QCLI_SERVER": emu.url})
    assert result.code == 2 and "no credentials for" in result.err
    assert "context create NAME --server SERVER" in result.err and "update" not in result.err


def test_version_is_fast_path(qcli: Qcli) -> None:
    from qcli import __version__

    assert qcli("--version").out == f"qcli {__version__}\n"
    assert qcli("version").out == f"qcli {__version__}\n"
    assert qcli("version", "-o", "json").json() == {"version": __version__}


def test_table_on_a_pseudo_terminal(qcli: Qcli, emu: Emulator, tmp_path) -> None:
    qcli.login(emu)
    from conftest import make_extension_dir

    made = qcli("extension", "create", str(make_extension_dir(tmp_path, "tty-chart")), "--json")
    assert made.code == 0, made.err
    master, slave = pty.openpty()
    env = dict(qcli.env, COLUMNS="120", NO_COLOR="1")
    proc = subprocess.Popen([sys.executable, "-m", "qcli", "extension", "ls"], stdout=slave,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 20)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(20)
    os.close(master)
    screen = b"".join(chunks).decode()
    assert proc.returncode == 0
    lines = screen.splitlines()
    assert lines[0].split() == ["ID", "NAME", "TYPE", "VERSION", "QEXT", "UPDATED"]
    assert any("tty-chart" in line and "Tty Chart" in line for line in lines[1:])
    qcli("extension", "rm", made.json()["id"], "--yes")
