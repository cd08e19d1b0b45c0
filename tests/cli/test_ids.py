"""IDs and path segments that would address something else are refused before any request
(exit 2); the others are percent-encoded into one path segment (#10 item 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Emulator, Qcli

HOSTILE = [
    ("data-file", "get", "."),
    ("data-file", "get", ".."),
    ("data-file", "rm", ".", "--yes"),
    ("data-file", "rm", "ok-id", "..", "--yes"),
    ("data-file", "change-space", "a/b", "--personal"),
    ("data-file", "change-owner", "..", "--owner-id", "u"),
    ("data-file", "update", ".", "--name", "x.csv"),
    ("data-file", "connection", "get", ".."),
    ("extension", "get", ".."),
    ("extension", "rm", "a", "..", "--yes"),  # not even `a` is deleted
    ("extension", "file", "get", "X", "../../etc/passwd"),
    ("extension", "file", "get", "X", "lib/./x.js"),
    ("extension", "file", "get", "X", "lib//x.js"),
    ("extension", "file", "get", "..", "x.js"),
    ("extension", "download", "a\nb"),
    ("temp-content", "get", ".."),
    ("temp-content", "download", "."),
    ("data-store", "get", "."),
    ("data-store", "rm", "x,..", "--yes"),
    ("data-store", "data-asset", "ls", ".."),
    ("data-store", "data-asset", "rm", "a/b", "--yes"),
    ("data-store", "data-set", "ls", "*", ".."),
    ("data-store", "data-set", "rm", "..", "*", "--yes"),
]


@pytest.mark.parametrize("args", HOSTILE, ids=[" ".join(a).replace("\n", "\\n") for a in HOSTILE])
def test_an_id_that_addresses_something_else_exits_2_before_any_request(
        qcli: Qcli, emu: Emulator, args: tuple[str, ...]) -> None:
    qcli.login(emu)
    emu.clear_requests()
    result = qcli(*args)
    assert result.code == 2, (result.code, result.err)
    assert result.err.startswith("error: "), result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert emu.requests() == []


def test_ids_and_file_paths_are_percent_encoded(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    emu.clear_requests()
    assert qcli("data-file", "get", "a?b#c d%2e").code == 4
    assert qcli("extension", "file", "get", "x?y", "lib/a b#?.js", "--output-file", "-").code == 4
    logged = [(r["method"], r["path"], r["query"]) for r in emu.requests()]
    assert logged == [("GET", "/api/v1/data-files/a?b#c d%2e", ""),
                      ("GET", "/api/v1/extensions/x?y/file/lib/a b#?.js", "")]
