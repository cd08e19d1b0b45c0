"""qcli raw ..."""

from __future__ import annotations

from pathlib import Path

from conftest import Emulator, Qcli, make_extension_dir


def test_raw_get_with_query_params(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    made = qcli("extension", "create", str(make_extension_dir(tmp_path, "raw-chart")), "-q")
    assert made.code == 0, made.err
    emu.clear_requests()
    result = qcli("raw", "get", "/v1/extensions", "--query", "limit=5", "--query", "x=a b")
    assert result.code == 0, result.err
    assert result.json() == emu.api("GET", "/api/v1/extensions")  # the body, unchanged
    assert made.out.strip() in [e["id"] for e in result.json()["data"]]
    sent = next(r for r in emu.requests() if r["path"] == "/api/v1/extensions")
    assert sent["query"] == "limit=5&x=a+b"


def test_raw_malformed_body_exits_2(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    result = qcli("raw", "post", "v1/extensions", "--body", "{not json")
    assert result.code == 2
    assert result.err.startswith("error: malformed JSON in --body:")
    assert emu.requests() == []


def test_raw_body_file_from_stdin_and_error_mapping(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    result = qcli("raw", "post", "oauth/token", "--body-file", "-", input='{"grant_type": "x"}')
    assert result.code == 1
    assert result.err.startswith("error: 400 Bad Request: grant_type must be client_credentials")
    sent = next(r for r in emu.requests() if r["method"] == "POST")
    assert sent["body"] == '{"grant_type": "x"}'
    assert sent["headers"]["content-type"] == "application/json"
    wrong_type = qcli("raw", "post", "v1/extensions", "--body", '{"a": 1}')
    assert wrong_type.code == 1  # the extensions API wants multipart: 415
    assert wrong_type.err.startswith("error: 415 Unsupported Media Type")


def test_raw_missing_body_file_exits_2(qcli: Qcli, emu: Emulator, tmp_path) -> None:
    qcli.login(emu)
    result = qcli("raw", "put", "v1/x", "--body-file", str(tmp_path / "none.json"))
    assert result.code == 2
    assert "no such file" in result.err


def test_raw_output_file(qcli: Qcli, emu: Emulator, tmp_path) -> None:
    qcli.login(emu)
    target = tmp_path / "me.json"
    result = qcli("raw", "get", "v1/users/me", "--output-file", str(target))
    assert result.code == 0, result.err
    assert b"emulator-user" in target.read_bytes()


def test_raw_empty_body_file_path_says_so(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    for args in (["raw", "post", "v1/data-stores", "--body-file", ""],
                 ["data-store", "create", "--file", " "]):
        result = qcli(*args)
        assert result.code == 2, args
        assert result.err == "error: the file path is empty: give a file ('-' for stdin)\n", args
    assert emu.requests() == []
