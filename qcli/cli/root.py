"""The root command: global options, lazily loaded groups, and the one error handler."""

from __future__ import annotations

import sys
from typing import Any

import typer

from qcli import __version__
from qcli.app import Application
from qcli.cli.kit.adapter import ClickException, NoArgsIsHelp, NoSuchOption
from qcli.cli.kit.commands import TYPER_SETTINGS, QcliGroup, command
from qcli.errors import ExitCode, QcliError

GROUPS: dict[str, tuple[str, str]] = {
    "context": ("qcli.cli.context", "Manage contexts: saved tenants and their credentials"),
    "extension": ("qcli.cli.extension", "Manage visualization extensions"),
    "data-file": ("qcli.cli.data_file", "Manage data files (large files resume)"),
    "data-store": ("qcli.cli.data_store", "The data catalog: data stores, assets and sets"),
    "data-asset": ("qcli.cli.data_asset", "Data assets of the data catalog"),
    "data-set": ("qcli.cli.data_set", "Data sets of the data catalog, and their profiles"),
    "temp-content": ("qcli.cli.temp_content",
                     "Temporary contents: resumable uploads and ranged downloads"),
    "raw": ("qcli.cli.raw", "Send a request to any API path"),
    "emulator": ("qcli.cli.emulator", "Run a local tenant emulator"),
    "completion": ("qcli.cli.completion", "Print a shell completion script"),
}


class OutputClosed(Exception):
    """The reader of stdout went away (EPIPE). Not an OSError, so that click's own handling
    (exit 1) does not see it."""


class Interrupted(Exception):
    """Ctrl-C in a command. Not a KeyboardInterrupt, which click turns into a silent exit 130."""


class RootGroup(QcliGroup):
    lazy_commands = GROUPS
    show_globals = True

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:  # `qcli --help | head -1`: help is printed while parsing
            return super().make_context(*args, **kwargs)
        except BrokenPipeError:
            raise OutputClosed() from None
        except KeyboardInterrupt:
            raise Interrupted() from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise OutputClosed() from None
        except KeyboardInterrupt:
            raise Interrupted() from None


def _version_option(ctx: Any, param: Any, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        sys.stdout.write(f"qcli {__version__}\n")
        raise typer.Exit(0)


app = typer.Typer(
    name="qcli",
    cls=RootGroup,
    help="""qcli: a command-line client for Qlik Cloud tenants.

\b
Examples:
  qcli context create prod --server https://acme.eu.qlikcloud.com
  qcli extension ls
  qcli extension ls --json --query '[].name'
  QCLI_SERVER=... QCLI_API_KEY=... qcli extension get my-ext -o yaml

Exit codes: 0 ok, 1 API error, 2 usage, 3 auth, 4 not found, 5 conflict, 6 network,
130 interrupted.""",
    **TYPER_SETTINGS,
)


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit", is_eager=True,
        callback=_version_option,
    ),
) -> None:
    """qcli: a command-line client for Qlik Cloud tenants."""


@command(app, "version")
def version_command(ctx: typer.Context) -> None:
    """Print the version.

    \b
    Example:
      qcli version -o json
    """
    from qcli.cli.kit import application

    a = application(ctx)
    if a.options.output or a.options.json:
        a.printer.item({"version": __version__})
    else:
        a.io.out(f"qcli {__version__}\n")


def build() -> Any:
    return typer.main.get_command(app)


def run(args: list[str], application: Application | None = None) -> int:
    a = application or Application()
    if "_QCLI_COMPLETE" in a.env:  # a shell asks for completions: typer's classes answer it
        from qcli.cli.kit.adapter import init_completion

        init_completion()
    try:
        root_cmd = build()
        result = root_cmd.main(args=args, prog_name="qcli", standalone_mode=False, obj=a)
        return int(result) if isinstance(result, int) else 0
    except QcliError as exc:
        _report(a, exc.message, exc.hint)
        return int(exc.exit_code)
    except NoArgsIsHelp as exc:  # `qcli extension`: the group's help, on stderr
        a.io.err(exc.format_message())
        return ExitCode.USAGE
    except ClickException as exc:
        if isinstance(exc, NoSuchOption) and exc.possibilities:
            exc.possibilities = _close_options(exc.option_name, exc.possibilities)
        a.io.error_line(_usage_text(exc))
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt, Interrupted):
        a.close()  # first: what a page fetched ahead said so far (--verbose) comes before it
        a.io.err("interrupted")
        return ExitCode.INTERRUPTED
    except (BrokenPipeError, OutputClosed):  # the reader closed the pipe: exit 0, quietly
        from qcli.main import silence_stdout

        silence_stdout()
        return 0
    except OSError as exc:  # a file the user named that the OS refuses, or a full disk
        import errno

        if exc.filename is None and exc.errno in (errno.ENOSPC, errno.EIO, errno.EFBIG):
            a.io.error_line(f"cannot write the output: {exc.strerror}")
            return ExitCode.ERROR

        where = f"{exc.filename}: " if exc.filename else ""
        bad_path = exc.errno in (errno.ENAMETOOLONG, errno.ENOENT, errno.EACCES, errno.EISDIR,
                                 errno.ENOTDIR, errno.ELOOP, errno.EROFS, errno.EPERM)
        shown = where if len(where) < 120 else f"{where[:100]}…: "
        a.io.error_line(f"{shown}{exc.strerror or exc}")
        return ExitCode.USAGE if bad_path else ExitCode.ERROR
    except UnicodeEncodeError as exc:  # csv and yaml write to stdout themselves
        if not a.io.is_stdout_encoding(exc):
            return _internal(a, exc)
        error = a.io.unencodable(exc)
        _report(a, error.message, error.hint)
        return int(error.exit_code)
    except ValueError as exc:
        if "null byte" not in str(exc):  # os functions refuse a path holding NUL
            return _internal(a, exc)
        a.io.error_line("a file name holds a NUL byte")
        return ExitCode.USAGE
    except Exception as exc:
        return _internal(a, exc)
    finally:
        a.close()


def _close_options(given: str, possibilities: Any) -> list[str]:
    """click offers any option difflib finds (`--bogus` -> `--verbose`): keep only near-misses,
    a typo or two away (`--verbos`, `--jsn`), or options the given text begins."""
    from difflib import SequenceMatcher

    word = given.lstrip("-")
    return [p for p in possibilities if (p.lstrip("-").startswith(word) and len(word) >= 3)
            or SequenceMatcher(None, word, p.lstrip("-")).ratio() >= 0.75]


def _internal(a: Application, exc: Exception) -> int:
    """An unexpected error: one line, unless --verbose."""
    if a.options.verbose:
        import traceback

        a.io.err(a.redact("".join(traceback.format_exception(exc))))
    else:
        detail = a.redact(str(exc)) or type(exc).__name__
        a.io.error_line(f"internal error: {type(exc).__name__}: {detail} "
                        "(run with --verbose for the traceback)")
    return ExitCode.ERROR


def _report(a: Application, message: str, hint: str | None) -> None:
    a.io.error_line(a.redact(message) + (f" (hint: {hint})" if hint else ""))


def _usage_text(exc: Any) -> str:
    ctx = getattr(exc, "ctx", None)
    message = exc.format_message().rstrip(".")
    if ctx is None:
        return message
    return f"{message} (see '{ctx.command_path} --help')"
