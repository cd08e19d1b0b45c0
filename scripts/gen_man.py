"""Write man pages into man/ by walking the command tree (`make man`).

click-man drops options on typer >= 0.26, so pages are built here from each command's
parameters and help text: qcli.1 and one page per command (qcli-extension-create.1, ...).
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

from qcli import __version__
from qcli.cli.kit.globals import global_params
from qcli.cli.root import GROUPS, build

ENVIRONMENT = [
    ("QCLI_CONTEXT", "Saved context to use."),
    ("QCLI_SERVER", "Tenant URL."),
    ("QCLI_API_KEY", "API key (never a command-line value)."),
    ("QCLI_OUTPUT", "Output format: json, yaml, table or csv."),
    ("QCLI_CA_CERT", "Extra CA bundle."),
    ("QCLI_TIMEOUT", "Per-request timeout in seconds."),
    ("QCLI_CONFIG_DIR", "Folder of contexts.yml (default: the platform's user config dir)."),
    ("QCLI_CREDENTIAL_STORE", "'file' keeps secrets in a 0600 file instead of the OS keyring."),
    ("NO_COLOR", "No colour."),
]
EXIT_CODES = [("0", "success"), ("1", "API or server error not listed below"),
              ("2", "usage error or bad input caught before any request"),
              ("3", "authentication or permission (401, 403)"), ("4", "not found or gone (404, 410)"),
              ("5", "conflict or locked (409, 423)"), ("6", "network, TLS or timeout"),
              ("130", "interrupted")]


def esc(text: str) -> str:
    text = text.replace("\\", "\\\\").replace("-", "\\-")
    return "\n".join(("\\&" + line) if line.startswith((".", "'")) else line
                     for line in text.splitlines())


def walk(cmd: Any, ctx: Any, path: list[str]) -> list[tuple[list[str], Any, Any]]:
    found = [(path, cmd, ctx)]
    if hasattr(cmd, "list_commands"):
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is None or sub.hidden:
                continue
            sub_ctx = type(ctx)(sub, info_name=name, parent=ctx)
            found.extend(walk(sub, sub_ctx, [*path, name]))
    return found


def describe(text: str) -> str:
    """Help text to roff: paragraphs, with \\b blocks kept verbatim (.nf/.fi)."""
    out = []
    for para in inspect.cleandoc(text or "").split("\n\n"):
        if para.startswith("\b"):
            out.append(".PP\n.nf\n" + esc(para.lstrip("\b").strip("\n")) + "\n.fi")
        else:
            out.append(".PP\n" + esc(" ".join(para.split())))
    return "\n".join(out)


def options(cmd: Any, ctx: Any, *, include_globals: bool) -> str:
    out = []
    for param in cmd.get_params(ctx):
        if param in global_params() and not include_globals:
            continue
        record = param.get_help_record(ctx)
        if record is None:
            continue
        out.append(f".TP\n.B {esc(record[0])}\n{esc(record[1])}")
    return "\n".join(out)


def page(path: list[str], cmd: Any, ctx: Any) -> str:
    title = "-".join(path)
    short = cmd.get_short_help_str(100) or GROUPS.get(path[-1], ("", ""))[1]
    usage = " ".join(cmd.collect_usage_pieces(ctx))
    parts = [
        f'.TH "{title.upper()}" "1" "" "qcli {__version__}" "qcli manual"',
        ".SH NAME", f"{esc(title)} \\- {esc(short)}",
        ".SH SYNOPSIS", f".B {esc(' '.join(path))}\n{esc(usage)}",
        ".SH DESCRIPTION", describe(cmd.help or short),
    ]
    opts = options(cmd, ctx, include_globals=len(path) == 1)
    if opts:
        parts += [".SH OPTIONS", opts]
    if len(path) > 1:
        parts += [".SH GLOBAL OPTIONS", ".PP\nAll global options of\n.BR qcli (1)\n"
                  "are accepted here too, before the group or after the command."]
    if hasattr(cmd, "list_commands"):
        subs = [n for n in cmd.list_commands(ctx) if (c := cmd.get_command(ctx, n)) and not c.hidden]
        parts += [".SH COMMANDS", "\n".join(f".TP\n.B {esc(n)}\nSee\n.BR {esc(title)}-{esc(n)} (1)."
                                             for n in subs)]
    parts += [".SH ENVIRONMENT", "\n".join(f".TP\n.B {k}\n{esc(v)}" for k, v in ENVIRONMENT)]
    parts += [".SH EXIT STATUS", "\n".join(f".TP\n.B {c}\n{esc(m)}" for c, m in EXIT_CODES)]
    return "\n".join(parts) + "\n"


def render() -> dict[str, str]:
    root = build()
    ctx = root.context_class(root, info_name="qcli")
    return {"-".join(path) + ".1": page(path, cmd, c) for path, cmd, c in walk(root, ctx, ["qcli"])}


def main(target: str) -> None:
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.1"):
        old.unlink()
    for name, text in render().items():
        (out / name).write_text(text)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "man")
