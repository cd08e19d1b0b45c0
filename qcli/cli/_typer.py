"""The one place that knows typer's internals (typer >= 0.26 vendors click as typer._click).

- Global options are real options of every group and leaf command, so `qcli extension ls --json`
  works as `qcli --json extension ls` does; a leaf's own option of the same name wins
  (`context create --server`, `raw get --query`). Their values land in Application.options.
- Groups load their modules only when used, so `qcli --help` stays fast.
- Help is plain click help (no rich import on the help path).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

import typer
from typer import _click
from typer._coercion import RuntimeParam
from typer.core import TyperCommand, TyperGroup

from qcli.app import Application

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _complete_contexts(incomplete: str) -> list[str]:
    from qcli.cli.completers import context_names

    return context_names(incomplete)


def _complete_formats(incomplete: str) -> list[str]:
    from qcli.config.settings import OUTPUT_FORMATS

    return [f for f in OUTPUT_FORMATS if f.startswith(incomplete)]


def _store(ctx: Any, param: Any, value: Any) -> Any:
    if value is None or value is False or value == () or value == []:
        return value
    app = ctx.find_object(Application)
    if app is None:  # only when a command is used outside run()
        return value
    if param.name == "headers":
        app.options.headers.extend(value)
    else:
        setattr(app.options, param.name, value)
    return value


def _opt(*decls: str, help: str, flag: bool = False, **kwargs: Any) -> Any:
    return typer.Option(False if flag else None, *decls, help=help, callback=_store,
                        expose_value=False, **kwargs)


def _global_options(
    context: str | None = _opt("--context", metavar="NAME", autocompletion=_complete_contexts,
                               help="Saved context to use [env: QCLI_CONTEXT]"),
    server: str | None = _opt("-s", "--server", metavar="URL",
                              help="Tenant URL [env: QCLI_SERVER]"),
    output: str | None = _opt("-o", "--output", metavar="FMT", autocompletion=_complete_formats,
                              help="Output format: json, yaml, table, csv [env: QCLI_OUTPUT; "
                              "default: table on a terminal, else json]"),
    json: bool = _opt("--json", flag=True, help="Same as -o json"),
    quiet: bool = _opt("-q", "--quiet", flag=True,
                       help="Print only the IDs of the result, one per line"),
    query: str | None = _opt("--query", metavar="EXPR",
                             help="JMESPath expression applied to the JSON result"),
    verbose: bool = _opt("-v", "--verbose", flag=True, help="Log each HTTP request on stderr "
                         "(secrets redacted); tracebacks on errors"),
    insecure: bool = _opt("--insecure", flag=True,
                          help="Skip TLS certificate verification (warns)"),
    ca_cert: str | None = _opt("--ca-cert", metavar="PATH",
                               help="Extra CA bundle [env: QCLI_CA_CERT]"),
    headers: list[str] | None = _opt("-H", "--header", metavar="'K: V'",
                                     help="Extra request header (repeatable)"),
    timeout: str | None = _opt("--timeout", metavar="SECONDS", help="Time limit of each request "
                               "as a whole, retries included [env: QCLI_TIMEOUT; default: 30]"),
    no_progress: bool = _opt("--no-progress", flag=True, help="No progress bars"),
    no_color: bool = _opt("--no-color", flag=True, help="No colour [env: NO_COLOR]"),
) -> None:
    """The global options, declared once; typer turns them into click options."""


_GLOBAL_PARAMS: list[Any] = []


def global_params() -> list[Any]:
    if not _GLOBAL_PARAMS:
        holder = typer.Typer(add_completion=False)
        holder.command()(_global_options)
        _GLOBAL_PARAMS.extend(typer.main.get_command(holder).params)
        _fast_coercion(_GLOBAL_PARAMS)
    return _GLOBAL_PARAMS


def _global_params(taken: set[str]) -> list[Any]:
    """The global options a command does not define itself (its own option of a name wins)."""
    return [p for p in global_params()
            if not taken.intersection(p.opts) and not taken.intersection(p.secondary_opts)]


_SIMPLE_TYPES: dict[Any, tuple[type, bool]] = {}
for _t in (str, bool, int, float):
    _SIMPLE_TYPES[_t] = (_t, False)
    _SIMPLE_TYPES[_t | None] = (_t, False)
_SIMPLE_TYPES[list[str]] = (str, True)
_SIMPLE_TYPES[list[str] | None] = (str, True)


class _SimpleRuntimeParam(RuntimeParam):
    """Coercion of str/bool/int/float (and lists of str) without pydantic.

    typer 0.29 coerces every value through a pydantic TypeAdapter; importing pydantic and
    building adapters costs ~90 ms a run, which `qcli extension ls` should not pay.
    """

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        kind, many = _SIMPLE_TYPES[self.annotation]
        if many:
            return [str(v) for v in value]
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        if kind is bool:
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "y", "on"):
                return True
            if text in ("0", "false", "no", "n", "off"):
                return False
        else:
            try:
                return kind(value)
            except (TypeError, ValueError):
                pass
        label = {int: "integer", float: "number"}.get(kind, kind.__name__)
        raise _click.exceptions.BadParameter(f"{value!r} is not a valid {label}.", ctx=ctx,
                                             param=param)


def _fast_coercion(params: list[Any]) -> None:
    for param in params:
        desc = getattr(param, "type_descriptor", None)
        if desc is None or getattr(param, "_runtime_param", None) is not None:
            continue
        try:
            simple = desc.annotation in _SIMPLE_TYPES
        except TypeError:  # unhashable annotation
            simple = False
        if simple and not desc.is_choice and not desc.is_file and not desc.is_path:
            param._runtime_param = _SimpleRuntimeParam(
                parameter_info=desc.parameter_info, annotation=desc.annotation
            )


def _own_names(params: list[Any]) -> set[str]:
    names: set[str] = set()
    for param in params:
        names.update(getattr(param, "opts", []))
        names.update(getattr(param, "secondary_opts", []))
    return names


# qlik-cli spellings whose kebab-case form is not qcli's option name
ALIASES = {"--tempContentFileId": "--temp-content-id"}
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def kebab_aliases(args: list[str], names: set[str]) -> list[str]:
    """qlik-cli's camelCase flags (`--connectionId`) as qcli's kebab-case ones, where qcli has
    that option: hidden aliases that need no declaration."""
    out = []
    for i, token in enumerate(args):
        if token == "--":
            out.extend(args[i:])
            break
        if token.startswith("--") and any(c.isupper() for c in token):
            flag, eq, value = token.partition("=")
            kebab = ALIASES.get(flag) or "--" + _CAMEL.sub(r"-\1", flag[2:]).lower()
            if kebab in names:
                token = kebab + eq + value
        out.append(token)
    return out


def _no_type(ctx: Any = None) -> None:
    return None


class _GlobalsMixin:
    params: list[Any]
    show_globals = True

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, kebab_aliases(args, _own_names(self.params)))  # type: ignore[misc]

    def _add_globals(self) -> None:
        own = self.params
        for param in own:  # plain metavars (DATA, EXTENSION_ID) instead of <str>, <list[str]>
            if param.metavar is None and not getattr(param, "is_flag", False) and param.name:
                desc = getattr(param, "type_descriptor", None)
                if desc is None or not desc.is_choice:
                    param.metavar = param.name.strip("_").upper()
            if param.param_type_name == "argument":  # "SOURCE  help", not "SOURCE <str>  help"
                param.display_type_rich = _no_type
        _fast_coercion(own)
        self._global_params = _global_params(_own_names(own))
        self.params = [*own, *self._global_params]

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            _fast_coercion([option])
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


class QcliGroup(_GlobalsMixin, TyperGroup):
    """A group whose subcommands may live in modules imported on first use."""

    lazy_commands: dict[str, tuple[str, str]] | None = None  # name -> (module, short help)
    show_globals = False  # listed once, in `qcli --help`, and in each leaf's help

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        kwargs["rich_markup_mode"] = None
        super().__init__(*args, **kwargs)
        self._add_globals()

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(super().list_commands(ctx))
        return names + [n for n in (self.lazy_commands or {}) if n not in names]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is None and self.lazy_commands and cmd_name in self.lazy_commands:
            module = importlib.import_module(self.lazy_commands[cmd_name][0])
            cmd = typer.main.get_command(module.app)
            cmd.name = cmd_name
            self.commands[cmd_name] = cmd
        return cmd

    def format_commands(self, ctx: Any, formatter: Any) -> None:
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


def new_typer(help: str, *, name: str | None = None) -> typer.Typer:
    """A typer app for one command group, using qcli's command and group classes."""
    group = typer.Typer(
        name=name,
        help=help,
        cls=QcliGroup,
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings=CONTEXT_SETTINGS,
    )
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


ClickException = _click.exceptions.ClickException
NoArgsIsHelp = _click.exceptions.NoArgsIsHelpError
NoSuchOption = _click.exceptions.NoSuchOption
Abort = typer.Abort
