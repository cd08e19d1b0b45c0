"""A group builds only the leaf command that runs (typer reads each command function's signature
and type hints; `qcli extension ls` should not pay for the group's other commands), and the
tree seen from outside is unchanged: same commands, same order, same suggestions."""

from __future__ import annotations

import importlib

import typer
from conftest import Qcli

from qcli.cli.root import GROUPS, build


def test_a_group_builds_only_the_command_that_runs() -> None:
    root = build()
    ctx = root.make_context("qcli", ["extension", "ls"], resilient_parsing=True)
    group = root.get_command(ctx, "extension")
    assert "ls" in group.lazy_leaves and "get" in group.lazy_leaves
    assert group.get_command(ctx, "ls").name == "ls"
    assert "ls" not in group.lazy_leaves and "get" in group.lazy_leaves
    sub = group.get_command(ctx, "file")  # a nested group is lazy too
    assert sub.lazy_leaves and not set(sub.lazy_leaves) & set(sub.commands)


def test_every_group_lists_what_typer_builds_in_the_same_order() -> None:
    root = build()
    ctx = root.make_context("qcli", [], resilient_parsing=True)
    for name, (module, _) in GROUPS.items():
        full = typer.main.get_command(importlib.import_module(module).app)
        lazy = root.get_command(ctx, name)
        assert lazy.list_commands(ctx) == full.list_commands(ctx), name
        for sub in full.list_commands(ctx):
            built, want = lazy.get_command(ctx, sub), full.get_command(ctx, sub)
            assert [p.name for p in built.params] == [p.name for p in want.params], (name, sub)
            assert built.help == want.help


def test_an_unknown_command_still_gets_a_suggestion(qcli: Qcli) -> None:
    result = qcli("extension", "lss")
    assert result.code == 2
    assert "No such command 'lss'" in result.err and "'ls'" in result.err


def test_extension_ls_loads_no_zipfile_rich_or_pydantic(qcli: Qcli, emu) -> None:
    report = "sorted(m for m in ('zipfile', 'rich', 'pydantic') if m in sys.modules)"
    assert qcli.after_extension_ls(emu, report) == "[]"
