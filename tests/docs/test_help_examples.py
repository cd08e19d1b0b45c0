"""Every leaf command's --help shows at least one example of that command, and every example
line in any help text parses with qcli's own command classes (no unknown option, missing or
extra argument, bad value)."""

from __future__ import annotations

import re
import shlex
from typing import Any

import command_tree  # tests/command_tree.py, beside conftest.py
import pytest

NODES = list(command_tree.walk())
SECTIONS = re.compile(r"^(Arguments|Options|Commands|Global options):$", re.M)


def example_lines(help_text: str) -> list[str]:
    """The lines of the description indented as examples (4+ spaces; click indents prose by 2),
    with backslash continuations joined, that hold a qcli command."""
    body = SECTIONS.split(help_text, maxsplit=1)[0]
    lines, joined = [], ""
    for line in body.splitlines():
        if not joined and not line.startswith("    "):
            continue
        joined += line.strip()
        if joined.endswith("\\"):
            joined = joined[:-1].rstrip() + " "
            continue
        if any(segment for segment in qcli_commands(joined)):
            lines.append(joined)
        joined = ""
    return lines


def qcli_commands(line: str) -> list[list[str]]:
    """The arguments of each qcli run in a shell line: split at pipes, redirections, `;`, `&&`
    and process substitutions; `xargs [-r] qcli ...` gets the argument xargs appends."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    found: list[list[str]] = []
    segment: list[str] = []
    for token in [*lexer, ";"]:
        if token and set(token) <= set("|&;<>()"):
            if "qcli" in segment:
                args = segment[segment.index("qcli") + 1:]
                before = segment[:segment.index("qcli")]
                if before and before[0] == "xargs":  # xargs [-r ...] qcli: it appends an ID
                    args.append("ID")
                found.append(args)
            segment = []
        else:
            segment.append(token)
    return found


@pytest.mark.parametrize("path,cmd,ctx", NODES, ids=[" ".join(p) or "qcli" for p, _, _ in NODES])
def test_examples_parse(path: tuple[str, ...], cmd: Any, ctx: Any) -> None:
    lines = example_lines(cmd.get_help(ctx))
    if not command_tree.is_group(cmd):
        assert lines, f"'qcli {' '.join(path)} --help' shows no example"
    ran: set[tuple[str, ...]] = set()
    for line in lines:
        for args in qcli_commands(line):
            try:
                ran.add(command_tree.parse(args))
            except Exception as exc:  # click's UsageError and its kin
                pytest.fail(f"'qcli {' '.join(path)} --help': {line!r}: "
                            f"{type(exc).__name__}: {exc}")
    if not command_tree.is_group(cmd):
        assert path in ran, f"no example of 'qcli {' '.join(path)}' in its help: {lines}"


def registered_leaves(app: Any, path: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """The visible leaves as registered on the typer apps (not through click's lazy groups)."""
    found = {(*path, info.name or info.callback.__name__.lower().replace("_", "-"))
             for info in app.registered_commands if not info.hidden}
    for group in app.registered_groups:
        if not group.hidden:
            name = group.name or group.typer_instance.info.name
            found |= registered_leaves(group.typer_instance, (*path, name))
    return found


def test_every_leaf_is_walked() -> None:
    """The walk (which the example and fuzz tests rely on) finds exactly the leaves registered
    on the typer apps, deep ones included: 52 at the time of writing."""
    import importlib

    from qcli.cli import root

    registered = registered_leaves(root.app)
    for name, (module, _) in root.GROUPS.items():
        registered |= registered_leaves(importlib.import_module(module).app, (name,))
    leaves = {p for p, c, _ in NODES if not command_tree.is_group(c)}
    assert {("version",), ("emulator", "start"), ("extension", "file", "get"),
            ("data-store", "data-set", "rm"), ("completion", "powershell")} <= leaves
    assert leaves == registered


def test_the_checks_catch_a_bad_example() -> None:
    text = "Usage: x\n\n  Examples:\n    qcli extension ls --bogus\n    qcli extension rm \\\n" \
           "        --yes\n    printf %s k | qcli context create c --server s --api-key-stdin\n\n" \
           "Options:\n    qcli not-an-example\n"
    lines = example_lines(text)
    assert lines == ["qcli extension ls --bogus", "qcli extension rm --yes",
                     "printf %s k | qcli context create c --server s --api-key-stdin"]
    assert qcli_commands(lines[2]) == [["context", "create", "c", "--server", "s",
                                        "--api-key-stdin"]]
    assert qcli_commands("qcli extension ls -q | xargs qcli extension rm --yes") == [
        ["extension", "ls", "-q"], ["extension", "rm", "--yes", "ID"]]
    for args in (qcli_commands(lines[0])[0], qcli_commands(lines[1])[0]):
        with pytest.raises(Exception, match=r"No such option|Missing"):
            command_tree.parse(args)


def test_no_example_pipes_into_a_reader_that_needs_a_seekable_file() -> None:
    """`... --output-file - | unzip -l /dev/stdin` fails: unzip seeks to the archive's end."""
    for path, cmd, ctx in NODES:
        for line in example_lines(cmd.get_help(ctx)):
            for stage in line.split("|")[1:]:
                assert stage.split()[:1] != ["unzip"], f"'qcli {' '.join(path)} --help': {line}"


def test_env_vars_are_shown_once() -> None:
    """qcli writes `[env: NAME]` into the help itself; click's own `[env var: NAME]` would say it
    again (`emulator start --api-key` did)."""
    for path, cmd, ctx in NODES:
        assert "[env var:" not in cmd.get_help(ctx), f"'qcli {' '.join(path)} --help'"
