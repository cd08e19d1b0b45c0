"""csv and table output after a --query that changes the shape (#10 item 6): scalars get one
`value` column, arrays positional columns `value1`, `value2`, ..., objects their own keys."""

from __future__ import annotations

import csv
import io
import uuid

from conftest import Emulator, Qcli


def _seed(emu: Emulator, count: int = 3) -> tuple[str, list[str]]:
    prefix = f"q6-{uuid.uuid4().hex[:8]}-"
    emu._call("POST", "/__emulator/data-files", {"count": count, "prefix": prefix})
    return prefix, [f"{prefix}{i:05d}.csv" for i in range(count)]


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _ls(qcli: Qcli, fmt: str, prefix: str, query: str) -> str:
    """`data-file ls -o FMT --query` over the files named PREFIX... then QUERY; its stdout."""
    result = qcli("data-file", "ls", "-o", fmt, "--query",
                  query.replace("MINE", f"[?starts_with(name, '{prefix}')]"))
    assert result.code == 0, result.err
    return result.out


def test_csv_after_a_query_of_scalars_has_one_value_column(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    prefix, names = _seed(emu)
    assert _csv(_ls(qcli, "csv", prefix, "MINE.name")) == [["value"], *[[n] for n in names]]


def test_csv_after_a_query_of_arrays_has_positional_columns(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    prefix, names = _seed(emu)
    rows = _csv(_ls(qcli, "csv", prefix, "MINE.[id, name, size]"))
    assert rows[0] == ["value1", "value2", "value3"]
    assert [r[1:] for r in rows[1:]] == [[n, "7"] for n in names]
    assert all(len(r[0]) == 36 for r in rows[1:])  # the IDs, not blanks


def test_csv_after_a_query_of_objects_has_their_keys(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    prefix, names = _seed(emu, 2)
    assert _csv(_ls(qcli, "csv", prefix, "MINE.{file: name, bytes: size}")) == [
        ["file", "bytes"], [names[0], "7"], [names[1], "7"]]


def test_table_after_a_query(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    prefix, names = _seed(emu, 2)
    assert _ls(qcli, "table", prefix, "MINE.name").splitlines() == ["VALUE", *names]
    lines = _ls(qcli, "table", prefix, "MINE.[name, size]").splitlines()
    assert lines[0].split() == ["VALUE1", "VALUE2"]
    assert [line.split() for line in lines[1:]] == [[n, "7"] for n in names]


def test_a_single_scalar_in_csv_is_quoted_under_value(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    result = qcli("context", "get", "emu", "-o", "csv", "--query", "join(', ', [name, server])")
    assert result.code == 0, result.err
    assert _csv(result.out) == [["value"], [f"emu, {emu.url}"]]


def test_context_ls_csv_after_a_query(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu, "one")
    qcli.login(emu, "two")
    result = qcli("context", "ls", "-o", "csv", "--query", "[].server")
    assert result.code == 0, result.err
    assert _csv(result.out) == [["value"], [emu.url], [emu.url]]
    both = qcli("context", "ls", "-o", "csv", "--query", "[].[name, server]")
    assert _csv(both.out) == [["value1", "value2"], ["one", emu.url], ["two", emu.url]]
    # the command's own columns stay when the query keeps whole objects
    kept = qcli("context", "ls", "-o", "csv", "--query", "[?name=='two']")
    rows = _csv(kept.out)
    assert rows[0][:3] == ["name", "current", "server"]
    assert [r[0] for r in rows[1:]] == ["two"] and rows[1][2] == emu.url


def test_a_query_that_filters_keeps_the_commands_columns(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    prefix, names = _seed(emu, 2)
    rows = _csv(_ls(qcli, "csv", prefix, "reverse(sort_by(MINE, &name))"))
    assert rows[0] == ["id", "name", "size", "spaceId", "appId", "modifiedDate"]
    assert [r[1] for r in rows[1:]] == names[::-1]


def test_the_commands_own_objects_keep_its_columns_even_with_a_key_missing() -> None:
    from qcli.output.printer import tabular

    columns = [("ID", "id"), ("NAME", "name")]
    own = [{"id": "a"}, {"id": "b", "name": "n"}]  # the first lacks an optional field
    assert tabular(own, columns, {id(o) for o in own}) == (own, columns)
    made = [{"id": "a"}]  # a projection's new object: its own keys
    assert tabular(made, columns, {id(o) for o in own}) == (made, [("ID", "id")])


def test_a_bad_query_is_one_line_and_exit_2(qcli: Qcli, emu: Emulator) -> None:
    """A query that does not parse, and one that fails on the result (a function given the
    wrong number or types of arguments): one line each, exit 2, before or instead of output."""
    qcli.login(emu)
    prefix, _ = _seed(emu)
    mine = f"[?starts_with(name, '{prefix}')]"
    for query, says in (("[.bad", "invalid --query expression '[.bad': invalid token"),
                        ("foo[", "invalid --query expression 'foo[': "),
                        (f"length({mine}, @)", "failed on the result: Expected 1 argument"),
                        (f"sum({mine}[].name)", "failed on the result: ")):
        result = qcli("data-file", "ls", "-o", "json", "--query", query)
        assert result.code == 2 and result.out == "", (query, result.err)
        assert result.err.startswith("error: ") and says in result.err, result.err
        assert len(result.err.splitlines()) == 1, result.err
