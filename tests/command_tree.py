"""The command tree as the user sees it, walked from qcli's root command (so a new command is
covered without editing a list), and a strict parse of a command line by the same classes
`qcli` runs, without invoking anything."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def root() -> Any:
    from qcli.cli.root import build

    return build()


def is_group(cmd: Any) -> bool:
    return hasattr(cmd, "list_commands")


def walk(cmd: Any = None, path: tuple[str, ...] = (), parent: Any = None
         ) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
    """(path, command, context) for the root, every group and every leaf, hidden ones left out."""
    cmd = cmd if cmd is not None else root()
    ctx = cmd.make_context(path[-1] if path else "qcli", [], parent=parent, resilient_parsing=True)
    yield path, cmd, ctx
    if is_group(cmd):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from walk(sub, (*path, name), ctx)


def leaves() -> list[tuple[tuple[str, ...], Any]]:
    return [(path, cmd) for path, cmd, _ in walk() if not is_group(cmd)]


def parse(args: list[str]) -> tuple[str, ...]:
    """Parse `qcli ARGS` strictly (unknown options, missing or extra arguments and bad values
    raise click's UsageError) down to the leaf; returns the leaf's path. Nothing is invoked;
    --help or --version would exit (click's Exit)."""
    cmd = root()
    ctx = cmd.make_context("qcli", list(args))
    path: list[str] = []
    while is_group(cmd):
        rest = [*ctx._protected_args, *ctx.args]
        if not rest:
            ctx.fail("Missing command.")
        name, cmd, rest = ctx.command.resolve_command(ctx, rest)
        path.append(name)
        ctx = cmd.make_context(name, rest, parent=ctx)
    return tuple(path)
