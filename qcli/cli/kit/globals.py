"""The global options, declared once (as one typer function's parameters). They are real
options of every group and leaf command, so `qcli extension ls --json` works as `qcli --json
extension ls` does; a leaf's own option of the same name wins (`context create --server`,
`raw get --query`). Their values land in Application.options.

No `from __future__ import annotations` here: typer reads the type hints of these functions
(the options and each option's callback and completer) on every run, and string annotations
cost an eval and a compile each (~0.8 ms a run; tests/cli/test_startup_work.py)."""

from typing import Any

import typer

from qcli.app import Application
from qcli.cli.kit.adapter import fast_coercion


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
                       help="Print only the IDs of the result, one per line; no progress "
                       "bars or notes"),
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
        fast_coercion(_GLOBAL_PARAMS)
    return _GLOBAL_PARAMS


def params_not_taken(taken: set[str]) -> list[Any]:
    """The global options a command does not define itself (its own option of a name wins)."""
    return [p for p in global_params()
            if not taken.intersection(p.opts) and not taken.intersection(p.secondary_opts)]
