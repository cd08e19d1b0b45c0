"""Hostile or malformed input to the configuration and HTTP layers (issue #10, items 8-17):
each case ends with one line on stderr and its documented exit code, never a secret."""

from __future__ import annotations

import json

import pytest
from conftest import API_KEY, Emulator, Qcli

from qcli.config.secrets import redact, secret_problem

# a JWT-like key wrapped at a line break, one with a CR, and one with a non-ASCII character
WRAPPED = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0\neyJhbGciOiJSUzI1NiJ9partTwo"
WITH_CR = "p1secretAAAA\rp2secretBBBB"
NON_ASCII = "k\u00e9ysecretCCCCDDDD"
PIECES = ["eyJhbGciOiJSUzI1NiJ9", "eyJzdWIiOiJ1c2VyIn0", "partTwo", "p1secretAAAA",
          "p2secretBBBB", "ysecretCCCCDDDD", "secret"]


def _assert_no_piece(text: str) -> None:
    for piece in PIECES:
        assert piece not in text, f"{piece!r} shown in {text!r}"


@pytest.mark.parametrize(("key", "problem"), [(WRAPPED, "a line break"),
                                              (WITH_CR, "a line break"),
                                              (NON_ASCII, "a non-ASCII character")])
def test_malformed_key_from_env_exits_2_without_echo(qcli: Qcli, emu: Emulator, key: str,
                                                     problem: str) -> None:
    result = qcli("extension", "ls", "-v", env={"QCLI_SERVER": emu.url, "QCLI_API_KEY": key})
    assert result.code == 2, result.err
    assert result.err.startswith(f"error: the API key from QCLI_API_KEY contains {problem}")
    assert len(result.err.splitlines()) == 1
    _assert_no_piece(result.out + result.err)
    assert emu.requests() == []  # refused before any request


@pytest.mark.parametrize("key", [WRAPPED, WITH_CR, NON_ASCII])
def test_malformed_key_on_stdin_is_refused_and_not_stored(qcli: Qcli, emu: Emulator,
                                                          key: str) -> None:
    result = qcli("context", "create", "bad", "--server", emu.url, "--api-key-stdin",
                  input=key)
    assert result.code == 2
    assert result.err.startswith("error: the API key from stdin contains ")
    _assert_no_piece(result.out + result.err)
    assert not (qcli.home / "keyring.json").exists() or "bad" not in (
        qcli.home / "keyring.json").read_text()


@pytest.mark.parametrize("store", ["keyring", "file"])
def test_malformed_key_in_the_store_exits_2_naming_the_fix(qcli: Qcli, emu: Emulator,
                                                           store: str) -> None:
    env = {"QCLI_CREDENTIAL_STORE": "file"} if store == "file" else {}
    result = qcli("context", "create", "emu", "--server", emu.url, "--api-key-stdin",
                  input=API_KEY, env=env)
    assert result.code == 0, result.err
    if store == "file":  # edited by hand, or written by another tool
        path = qcli.home / "config" / "credentials.yml"
        path.write_text(path.read_text().replace(API_KEY, json.dumps(WITH_CR)))
    else:
        path = qcli.home / "keyring.json"
        path.write_text(path.read_text().replace(API_KEY, WITH_CR.replace("\r", "\\r")))
    emu.clear_requests()
    result = qcli("extension", "ls", env=env)
    assert result.code == 2, result.err
    assert result.err.startswith("error: the API key from the credentials stored for context "
                                 "'emu' contains a line break")
    assert "qcli context update emu --api-key-stdin" in result.err
    _assert_no_piece(result.out + result.err)
    assert emu.requests() == []


def test_redaction_catches_escaped_and_partial_forms() -> None:
    secret = "p1secretAAAA\rp2secretBBBB\u00e9"
    for shown in (secret, repr(secret), repr(secret.encode()), json.dumps(secret),
                  "Bearer p1secretAAAA", "value b'p2secretBBBB\\xc3\\xa9'",
                  "p1secretAAAA%0Dp2secretBBBB%C3%A9"):
        text = redact(f"error: {shown} end", [secret])
        assert "secretAAAA" not in text and "secretBBBB" not in text, text
        assert text.startswith("error: ") and text.endswith(" end")
    assert secret_problem("abc.DEF-123_~+/=") is None
    assert secret_problem("a b") == "a space"
    assert secret_problem("a\tb") == "a control character"


@pytest.mark.parametrize(("server", "says"), [
    ("http://user:s3cr3tpw@127.0.0.1:9", "must not hold a user name or password"),
    ("https://someone@acme.example", "must not hold a user name or password"),
    ("not a url", "'not a url' is not a host name"),
    ("https://acme.example/api/v1", "it has a path"),
    ("https://acme.example?tenant=1", "it has a query"),
    ("https://acme.example/#top", "it has a fragment"),
    ("http://[::1", "Invalid IPv6 URL"),
    ("http://acme.example:99999", "Port out of range"),
])
def test_bad_server_urls_are_refused(qcli: Qcli, server: str, says: str) -> None:
    for args in (["extension", "ls", "--server", server],
                 ["context", "create", "x", "--server", server, "--api-key-stdin"]):
        result = qcli(*args, input=API_KEY, env={"QCLI_API_KEY": API_KEY})
        assert result.code == 2, result.err
        assert result.err.startswith("error: ") and says in result.err, result.err
        assert len(result.err.splitlines()) == 1
        assert "s3cr3tpw" not in result.err  # the password is never shown
    assert not (qcli.home / "config" / "contexts.yml").exists()


def test_saved_server_with_userinfo_is_masked_and_refused(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    path = qcli.home / "config" / "contexts.yml"
    host = emu.url.split("://", 1)[1]
    path.write_text(path.read_text().replace(emu.url, f"http://bob:hunter22@{host}"))
    shown = qcli("context", "ls", "-o", "json")
    assert shown.code == 0, shown.err
    assert "hunter22" not in shown.out and "bob" not in shown.out
    assert shown.json()[0]["server"] == f"http://***@{host}"
    used = qcli("extension", "ls", "-v")
    assert used.code == 2
    assert used.err.startswith("error: context 'emu': a server URL must not hold a user name")
    assert "hunter22" not in used.err
