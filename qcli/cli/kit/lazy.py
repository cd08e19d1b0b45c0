"""Lazy command trees, so `qcli --help` and `qcli extension ls` import and build only what they
run (after hatch's src/hatch/cli/lazy.py):

- a group's subgroups may live in modules imported on first use (`lazy_commands`);
- a group's leaf commands are built from their functions only when used (`qcli extension ls`
  builds `ls`, not the group's other commands: typer reads each function's signature and type
  hints), by `build_group` and `LazyGroupMixin.get_command`.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer


def _build_leaf(info: Any) -> Any:
    return typer.main.get_command_from_info(info, pretty_exceptions_short=True,
                                            rich_markup_mode=None)


class LazyGroupMixin:
    """A click group mixin: `lazy_commands` maps a name to (module with an `app`, short help);
    `lazy_leaves` holds typer's CommandInfo of the leaves not built yet."""

    lazy_commands: dict[str, tuple[str, str]] | None = None
    commands: Any

    def init_lazy(self) -> None:
        self.lazy_leaves: dict[str, Any] = {}  # name -> typer CommandInfo, not built yet
        self.order: list[str] = []  # all subcommands in the order they were registered

    def list_commands(self, ctx: Any) -> list[str]:
        names = self.order or list(super().list_commands(ctx))  # type: ignore[misc]
        return names + [n for n in (self.lazy_commands or {}) if n not in names]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.lazy_leaves:
            self.commands[cmd_name] = _build_leaf(self.lazy_leaves.pop(cmd_name))
        cmd = super().get_command(ctx, cmd_name)  # type: ignore[misc]
        if cmd is None and self.lazy_commands and cmd_name in self.lazy_commands:
            module = importlib.import_module(self.lazy_commands[cmd_name][0])
            cmd = build_group(module.app)
            cmd.name = cmd_name
            self.commands[cmd_name] = cmd
        if cmd is None:  # an unknown name: every command known, for "did you mean"
            for name in list(self.lazy_leaves):
                self.get_command(ctx, name)
        return cmd

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """typer suggests close names among the commands built so far, which leaves out the
        groups not imported yet (`qcli extention`): suggest among every name."""
        from qcli.cli.kit.adapter import UsageError

        try:
            return super().resolve_command(ctx, args)  # type: ignore[misc]
        except UsageError as exc:
            if args and "Did you mean" not in exc.message:
                from difflib import get_close_matches

                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    names = ", ".join(repr(m) for m in matches)
                    exc.message = f"{exc.message.rstrip('.')}. Did you mean {names}?"
            raise

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The short help of a group not loaded yet comes from `lazy_commands` (no import)."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands or name in self.lazy_leaves:
                cmd = self.get_command(ctx, name)
                if cmd.hidden:
                    continue
                rows.append((name, cmd.get_short_help_str(80)))
            elif self.lazy_commands and name in self.lazy_commands:
                rows.append((name, self.lazy_commands[name][1]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def build_group(app: typer.Typer) -> Any:
    """typer.main.get_command(app) for a qcli group, with its leaf commands left unbuilt until
    one is used (LazyGroupMixin.get_command builds it)."""
    held: list[tuple[typer.Typer, list[Any]]] = []

    def hold(t: typer.Typer) -> None:
        held.append((t, list(t.registered_commands)))
        t.registered_commands = []
        for sub in t.registered_groups:
            if sub.typer_instance is not None:
                hold(sub.typer_instance)

    hold(app)
    try:
        group = typer.main.get_command(app)
    finally:
        for t, infos in held:
            t.registered_commands = infos

    def attach(grp: Any, t: typer.Typer) -> None:
        if not isinstance(grp, LazyGroupMixin):  # not qcli's class: build as typer would
            for info in t.registered_commands:
                cmd = _build_leaf(info)
                grp.commands[cmd.name or ""] = cmd
            return
        leaves = {info.name or typer.main.get_command_name(getattr(info.callback, "__name__", "")):
                  info for info in t.registered_commands}
        grp.lazy_leaves = leaves
        grp.order = [*leaves, *grp.commands]
        for sub in t.registered_groups:
            if sub.typer_instance is not None and sub.name and sub.name in grp.commands:
                attach(grp.commands[sub.name], sub.typer_instance)

    attach(group, app)
    return group
