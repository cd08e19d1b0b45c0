"""Destructive commands ask on a terminal and need --yes otherwise (context rm, raw delete);
one exit-code rule for every command acting on several items; a quoting hint for --value;
tables that never clip the ID column and align CJK and emoji (#10 item 17)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
import unicodedata
import uuid
from pathlib import Path

from conftest import Emulator, Qcli, make_extension_dir


def _on_terminal(qcli: Qcli, args: list[str], answer: str) -> tuple[int, str, str]:
    """Run qcli with stdin and stderr on a pty, answer its [y/N] prompt; (code, out, tty)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "qcli", *args], stdin=slave, stderr=slave,
                            stdout=subprocess.PIPE, env=dict(qcli.env, NO_COLOR="1"),
                            cwd=qcli.home, text=True)
    os.close(slave)
    screen = b""
    answered = False
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        screen += data
        if not answered and b"[y/N]" in screen:
            os.write(master, answer.encode() + b"\n")
            answered = True
    out = proc.stdout.read() if proc.stdout else ""
    proc.wait(30)
    os.close(master)
    assert answered, screen
    return proc.returncode, out, screen.decode("utf-8", "replace")


# -- context rm -------------------------------------------------------------------------------
def test_context_rm_needs_yes_without_a_terminal(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu, "keep")
    result = qcli("context", "rm", "keep")
    assert result.code == 2
    assert result.err.strip() == ("error: refusing to remove context 'keep' and its stored "
                                  "secrets without confirmation: pass --yes")
    assert [c["name"] for c in qcli("context", "ls", "--json").json()] == ["keep"]
    assert qcli("context", "rm", "keep", "-y").code == 0
    assert qcli("context", "ls", "--json").json() == []


def test_context_rm_asks_on_a_terminal(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu, "ask")
    code, _, screen = _on_terminal(qcli, ["context", "rm", "ask"], "n")
    assert code == 1 and "Remove context 'ask' and its stored secrets? [y/N]" in screen
    assert "cancelled" in screen
    assert [c["name"] for c in qcli("context", "ls", "--json").json()] == ["ask"]
    code, _, _ = _on_terminal(qcli, ["context", "rm", "ask"], "y")
    assert code == 0
    assert qcli("context", "ls", "--json").json() == []


# -- raw delete -------------------------------------------------------------------------------
def test_raw_delete_needs_yes_without_a_terminal(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    emu.clear_requests()
    result = qcli("raw", "delete", "v1/extensions/raw-nope")
    assert result.code == 2
    assert "refusing to send DELETE /api/v1/extensions/raw-nope without confirmation: " \
           "pass --yes" in result.err
    assert emu.requests() == []
    sent = qcli("raw", "delete", "v1/extensions/raw-nope", "--yes")
    assert sent.code == 4  # it went out: the emulator has no such extension
    assert [(r["method"], r["path"]) for r in emu.requests()] == [
        ("DELETE", "/api/v1/extensions/raw-nope")]


def test_raw_delete_asks_on_a_terminal(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    emu.clear_requests()
    code, _, screen = _on_terminal(qcli, ["raw", "delete", "v1/extensions/raw-ask"], "n")
    assert code == 1 and "Send DELETE /api/v1/extensions/raw-ask? [y/N]" in screen
    assert emu.requests() == []
    code, _, _ = _on_terminal(qcli, ["raw", "delete", "v1/extensions/raw-ask"], "y")
    assert code == 4
    assert [r["method"] for r in emu.requests()] == ["DELETE"]


# -- one exit-code rule for several items -----------------------------------------------------
def test_extension_rm_partial_failure_exits_1_all_missing_exits_4(
        qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    made = qcli("extension", "create", str(make_extension_dir(tmp_path, "rm-rule")), "--json")
    assert made.code == 0, made.err
    partial = qcli("extension", "rm", made.json()["id"], "rm-rule-nope", "--yes")
    assert partial.code == 1, partial.err
    assert "rm-rule-nope: 404" in partial.err
    assert "1 of 2 deletions failed" in partial.err
    assert qcli("extension", "get", made.json()["id"]).code == 4  # the other one was deleted
    missing = qcli("extension", "rm", "rm-rule-nope-1", "rm-rule-nope-2", "--yes")
    assert missing.code == 4, missing.err
    assert "2 of 2 deletions failed" in missing.err


def test_data_file_rm_of_only_missing_ids_exits_4(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    gone = ["00000000-0000-4000-8000-000000000404", "00000000-0000-4000-8000-000000000405"]
    result = qcli("data-file", "rm", *gone, "--yes", "--json")
    assert result.code == 4, result.err
    assert {i["status"] for i in result.json()} == {404}
    assert "2 of 2 deletions failed" in result.err


def test_data_file_rm_of_ids_no_file_can_have_reports_each(qcli: Qcli, emu: Emulator,
                                                            tmp_path: Path) -> None:
    """Data file IDs are UUIDs, and the batch delete refuses a batch holding another ID as a
    whole (400): such IDs (a typo, a braced UUID) get a result of their own, not found, and
    only the others are sent. All of them such: exit 4, no request."""
    qcli.login(emu)
    emu.clear_requests()
    typo = qcli("data-file", "rm", "nosuch1", "nosuch1", "{" + str(uuid.uuid4()) + "}", "--yes",
                "--json")
    assert typo.code == 4, typo.err
    assert [(r["id"][:1], r["status"]) for r in typo.json()] == [("n", 404), ("n", 404),
                                                                ("{", 404)]
    assert typo.err.count("no data file has this ID (data file IDs are UUIDs)") == 3
    assert typo.err.splitlines()[-1] == "error: 3 of 3 deletions failed"
    assert not [r for r in emu.requests() if r["path"].startswith("/api/v1/data-files")]
    (tmp_path / "keep.csv").write_text("a\n")
    made = qcli("data-file", "create", str(tmp_path / "keep.csv"), "--name",
                f"rm-{uuid.uuid4().hex[:8]}.csv", "-q")
    assert made.code == 0, made.err
    mixed = qcli("data-file", "rm", "nosuch1", made.out.strip(), "--yes", "--json")
    assert mixed.code == 1, mixed.err  # one deleted: a partial failure
    assert [i["status"] for i in mixed.json()] == [404, 204]
    assert "nosuch1: 404 Not Found: no data file has this ID" in mixed.err
    assert "1 of 2 deletions" in mixed.err
    # with a whole space's deletion (a space without files), too: the request goes, without
    # the typo, which is its own failure
    emu.clear_requests()
    space = qcli("data-file", "rm", "nosuch1", "--delete-all-by-space",
                 "617979737a9f56e49dea2e6e", "--yes", "--json")
    assert space.code == 4, space.err
    assert space.json() == [{"id": "nosuch1", "status": 404, "title": "Not Found",
                             "detail": "no data file has this ID (data file IDs are UUIDs)"}]
    assert [r["path"] for r in emu.requests()] == ["/api/v1/data-files/actions/delete"]


# -- a quoting hint for --value -----------------------------------------------------------------
def test_unquoted_text_value_gets_a_quoting_hint(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    emu.clear_requests()
    result = qcli("data-store", "patch", "65a1f3c2e4b0a1b2c3d4e5f6", "--op", "replace",
                  "--path", "/name", "--value", "Sales EU")
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1
    assert "malformed JSON in --value" in result.err
    assert "--value '\"Sales EU\"'" in result.err
    assert emu.requests() == []


# -- tables: IDs whole, CJK and emoji aligned -------------------------------------------------
def _cells(text: str) -> int:
    """Terminal cells, as a terminal counts them (wide and full-width characters: 2)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_table_at_80_columns_keeps_ids_whole_and_aligns_wide_names(
        qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    tag = uuid.uuid4().hex[:6]
    names = [f"{tag}-売上データ_東京支店_最終版の集計結果.csv",
             f"{tag}-😀📊 sales report, final version for the board.csv",
             f"{tag}-plain ascii sales report final version.csv"]
    ids = []
    for i, name in enumerate(names):
        src = tmp_path / f"f{i}.csv"
        src.write_text("a\n" * (i + 1))
        made = qcli("data-file", "create", str(src), "--name", name, "--json")
        assert made.code == 0, made.err
        ids.append(made.json()["id"])
    try:
        result = qcli("data-file", "ls", "-o", "table", "--query",
                      f"sort_by([?contains(name, '{tag}')], &size)", env={"COLUMNS": "80"})
        assert result.code == 0, result.err
        head, *rows = result.out.splitlines()
        assert head.split()[:3] == ["ID", "NAME", "SIZE"]
        assert len(rows) == 3
        size_at = head.index("SIZE")  # the header is ASCII: chars are cells
        for row, file_id, size in zip(rows, ids, ("2", "4", "6"), strict=True):
            assert row.startswith(file_id + "  "), row  # the ID is never clipped
            name_part = row[len(file_id) + 2:]
            # the SIZE column starts at the same cell in every row, whatever the name holds
            for cut in range(len(name_part) + 1):
                if _cells(name_part[:cut]) >= size_at - len(file_id) - 2:
                    break
            assert _cells(name_part[:cut]) == size_at - len(file_id) - 2, row
            assert name_part[cut:].split()[0] == size, row
        assert any("…" in row for row in rows)  # the long names were shrunk to fit
    finally:
        qcli("data-file", "rm", *ids, "--yes")
