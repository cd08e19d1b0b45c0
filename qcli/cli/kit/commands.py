"""qcli's command and group classes and the helpers every command module uses: `new_typer`
for a group, `@command(app, "ls")` for a leaf, `application(ctx)` for the Application.
Help is plain click help (no rich import on the help path), with the global options in their
own section."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from qcli.app import Application
from qcli.cli.kit.adapter import fast_coercion, plain_metavars
from qcli.cli.kit.aliases import kebab_aliases, own_names
from qcli.cli.kit.globals import params_not_taken
from qcli.cli.kit.lazy import LazyGroupMixin

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
# every group's typer settings, the root's included: plain click help, no typer completion
# commands or pretty tracebacks (qcli has its own), help when a group is given no command
TYPER_SETTINGS: dict[str, Any] = {"no_args_is_help": True, "add_completion": False,
                                  "rich_markup_mode": None, "pretty_exceptions_enable": False,
                                  "context_settings": CONTEXT_SETTINGS}


class _GlobalsMixin:
    params: list[Any]
    show_globals = True

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, kebab_aliases(args, own_names(self.params)))  # type: ignore[misc]

    def _add_globals(self) -> None:
        own = self.params
        plain_metavars(own)
        fast_coercion(own)
        self._global_params = params_not_taken(own_names(own))
        self.params = [*own, *self._global_params]

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            fast_coercion([option])
        return option

    def format_options(self, ctx: Any, formatter: Any) -> None:
        args, opts, globs = [], [], []
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param in self._global_params:
                globs.append(record)
            elif param.param_type_name == "argument":
                args.append(record)
            else:
                opts.append(record)
        if args:
            with formatter.section("Arguments"):
                formatter.write_dl(args)
        if opts:
            with formatter.section("Options"):
                formatter.write_dl(opts)
        if isinstance(self, TyperGroup):
            self.format_commands(ctx, formatter)
        if globs and self.show_globals:
            with formatter.section("Global options"):
                formatter.write_dl(globs)


class QcliCommand(_GlobalsMixin, TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        kwargs["rich_markup_mode"] = None
        super().__init__(*args, **kwargs)
        self._add_globals()


class QcliGroup(_GlobalsMixin, LazyGroupMixin, TyperGroup):
    """A group whose subgroups may live in modules imported on first use, and whose leaf
    commands are built only when used (kit.lazy)."""

    show_globals = False  # listed once, in `qcli --help`, and in each leaf's help

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        kwargs["rich_markup_mode"] = None
        super().__init__(*args, **kwargs)
        self._add_globals()
        self.init_lazy()


def new_typer(help: str, *, name: str | None = None) -> typer.Typer:
    """A typer app for one command group, using qcli's command and group classes."""
    group = typer.Typer(name=name, help=help, cls=QcliGroup, **TYPER_SETTINGS)
    group.callback()(_group_callback)  # a group even when it holds one command
    return group


def _group_callback() -> None:
    pass


def command(app: typer.Typer, name: str, **kwargs: Any) -> Callable[..., Any]:
    """`@command(app, "ls")`: register a leaf command with qcli's command class."""
    return app.command(name, cls=QcliCommand, **kwargs)


def application(ctx: typer.Context) -> Application:
    app = ctx.find_object(Application)
    if app is None:
        raise RuntimeError("qcli commands run through qcli.main")
    app.apply_options()
    return app
