"""Write the static completion scripts into completions/ and the completion index into the
package (`make completions`).

The index (qcli/cli/completion_index.py) is the command tree as shell completion needs it:
each command's subcommands, options and arguments, with choices and the live-value kind of
those completed from the tenant. qcli.cli.fastcomplete answers a TAB from it without loading
typer, httpx or rich; tests/docs/test_generated.py fails when it is stale. It is a Python
literal, not JSON: read from its byte-compiled form it needs neither the json module nor re
(~5 ms of a TAB).
"""

from __future__ import annotations

import json
import pprint
import sys
from pathlib import Path
from typing import Any

from qcli.cli.completion import script
from qcli.cli.kit.adapter import choice_text, custom_completer

FILES = {"bash": "qcli.bash", "zsh": "_qcli", "fish": "qcli.fish", "powershell": "qcli.ps1"}
INDEX = Path(__file__).parents[1] / "qcli" / "cli" / "completion_index.py"

# completers of live values, by function name (qcli.cli.completers and qcli.cli.kit.globals)
LIVE = {
    "complete_extension": "extensions",
    "complete_data_file": "data-files",
    "complete_data_store": "data-stores",
    "complete_data_asset": "data-assets",
    "complete_data_set": "data-sets",
    "complete_context": "contexts",
    "_complete_contexts": "contexts",
    "complete_temp_content": "temp-contents",
}
# completers whose words never change: expanded into the index
STATIC = {"_complete_formats", "_complete_file_sort", "_complete_connection_sort", "_complete_merge"}


def render() -> dict[str, str]:
    return {name: script(shell) for shell, name in FILES.items()}


def _completer(param: Any) -> Any:
    """The qcli function behind a parameter's autocompletion (inside typer's wrappers)."""
    seen: set[int] = set()
    todo = [custom_completer(param)]
    while todo:
        fn = todo.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        module = sys.modules.get(getattr(fn, "__module__", None) or "")
        name = getattr(fn, "__name__", "")
        if name in (*LIVE, *STATIC) and getattr(module, name, None) is fn:  # not a wrapper
            return fn
        for cell in getattr(fn, "__closure__", None) or ():
            if callable(cell.cell_contents):
                todo.append(cell.cell_contents)
    return None


def _param(param: Any, is_help: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": param.param_type_name,
        "name": param.name,
        "nargs": param.nargs,
    }
    if param.param_type_name == "option":
        # click builds the help option's names from a set: their order changes from run to run
        opts = sorted(param.opts, key=lambda o: (o.startswith("--"), o)) if is_help else param.opts
        out.update(opts=list(opts), secondary=list(param.secondary_opts),
                   help=param.help or None, flag=bool(param.is_flag or param.count),
                   multiple=bool(param.multiple), hidden=bool(param.hidden))
    if custom_completer(param) is not None:
        fn = _completer(param)
        if fn is None:
            raise SystemExit(f"{param.name}: a completer the index does not know; add it to "
                             "LIVE or STATIC in scripts/gen_completions.py")
        if fn.__name__ in STATIC:
            out["choices"] = list(fn(""))
        else:
            out["complete"] = LIVE[fn.__name__]
        return out
    desc = getattr(param, "type_descriptor", None)
    if desc is not None and desc.is_choice and desc.choices is not None:
        out["choices"] = [choice_text(c) for c in desc.choices]
        out["case_sensitive"] = bool(desc.case_sensitive)
    elif desc is not None and desc.is_file:
        out["file"] = True
    return out


def render_index() -> str:
    from typer.core import TyperGroup

    from qcli.cli.root import build

    params: list[dict[str, Any]] = []
    ids: dict[str, int] = {}

    def param_id(param: Any, is_help: bool) -> int:
        entry = _param(param, is_help)
        key = json.dumps(entry, sort_keys=True)
        if key not in ids:
            ids[key] = len(params)
            params.append(entry)
        return ids[key]

    def node(cmd: Any, ctx: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"help": cmd.get_short_help_str() or None,
                               "params": [param_id(p, p is cmd.get_help_option(ctx))
                                          for p in cmd.get_params(ctx)]}
        if cmd.hidden:
            out["hidden"] = True
        if not ctx.allow_interspersed_args:
            out["interspersed"] = False
        if ctx.ignore_unknown_options:
            out["ignore_unknown"] = True
        if isinstance(cmd, TyperGroup):
            out["commands"] = {}
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None:
                    sub_ctx = sub.make_context(name, [], parent=ctx, resilient_parsing=True)
                    out["commands"][name] = node(sub, sub_ctx)
        return out

    root = build()
    root_ctx = root.make_context("qcli", [], resilient_parsing=True)
    tree = node(root, root_ctx)
    del tree["help"]
    doc = {"format": 1, "generated_by": "scripts/gen_completions.py (make completions)",
           "root": tree, "params": params}
    return (f'"""The command tree for shell completion (qcli.cli.fastcomplete). Generated by '
            f'{doc["generated_by"]}: do not edit."""\n\n'
            f"INDEX = {pprint.pformat(doc, width=100, sort_dicts=False)}\n")


def main(target: str) -> None:
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (out / name).write_text(text)
    INDEX.write_text(render_index())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "completions")
