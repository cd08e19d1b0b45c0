"""Groups whose subcommands live in modules imported on first use, so `qcli --help` and
`qcli extension ls` import only what they run (after hatch's src/hatch/cli/lazy.py)."""

from __future__ import annotations

import importlib
from typing import Any

import typer


class LazyGroupMixin:
    """A click group mixin: `lazy_commands` maps a name to (module with an `app`, short help)."""

    lazy_commands: dict[str, tuple[str, str]] | None = None
    commands: Any

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(super().list_commands(ctx))  # type: ignore[misc]
        return names + [n for n in (self.lazy_commands or {}) if n not in names]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = super().get_command(ctx, cmd_name)  # type: ignore[misc]
        if cmd is None and self.lazy_commands and cmd_name in self.lazy_commands:
            module = importlib.import_module(self.lazy_commands[cmd_name][0])
            cmd = typer.main.get_command(module.app)
            cmd.name = cmd_name
            self.commands[cmd_name] = cmd
        return cmd

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The short help of a group not loaded yet comes from `lazy_commands` (no import)."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                cmd = self.commands[name]
                if cmd.hidden:
                    continue
                rows.append((name, cmd.get_short_help_str(80)))
            elif self.lazy_commands and name in self.lazy_commands:
                rows.append((name, self.lazy_commands[name][1]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
