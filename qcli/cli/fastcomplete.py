"""Shell completion without loading the CLI: typer, httpx and rich stay unimported.

A shell asks for completions by running `qcli` with _QCLI_COMPLETE set (the scripts in
completions/). Static words (groups, commands, options, choices) come from completion_index.py,
generated from the command tree by scripts/gen_completions.py (`make completions`) and shipped in
the package; a test fails when it is stale. The line is resolved as click's resilient parser
would (the same options consume values, `--` and `--opt=` behave the same); a test compares the
answers with typer's own for every command. Live values (IDs, qext names, context names) come
from the completion cache while it is fresh; only a cold fetch imports the HTTP client, with the
1 s deadline of qcli.cli.completers.

answer() returns None when it cannot answer (no index, an unknown shell instruction); qcli.main
then lets typer answer as before.
"""

from __future__ import annotations

import os
import sys

# Nothing here imports re (nor json, typing or shlex, which import it): ~5 ms of a static TAB.
# tests/cli/test_fastcomplete.py runs a TAB and checks re stays unloaded.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    Live = Callable[[str, str, dict[str, Any]], list[str]]  # kind, incomplete, global options

SHELLS = ("bash", "zsh", "fish", "powershell", "pwsh")

# global options that change which tenant a live value comes from, or how it is reached
CONNECTION_OPTIONS = ("context", "server", "insecure", "ca_cert", "headers", "timeout")

Item = tuple[str, str | None]  # value, help


def load_index() -> dict[str, Any] | None:
    try:
        from qcli.cli.completion_index import INDEX
    except Exception:  # a broken install (missing, or a damaged file): typer answers
        return None
    index: dict[str, Any] = INDEX
    return index if index.get("format") == 1 else None


# -- the command line, parsed as click parses it with resilient_parsing=True ----------------------
class _Node:
    """One command of the index with its parameters resolved."""

    def __init__(self, index: dict[str, Any], node: dict[str, Any]):
        self.raw = node
        self.params = [index["params"][i] for i in node["params"]]
        self.options = [p for p in self.params if p["kind"] == "option"]
        self.arguments = [p for p in self.params if p["kind"] == "argument"]
        self.long: dict[str, dict[str, Any]] = {}
        self.short: dict[str, dict[str, Any]] = {}
        for opt in self.options:
            for name in [*opt["opts"], *opt["secondary"]]:
                prefix = name[:2] if name[1:2] == "-" else name[:1]
                (self.short if len(prefix) == 1 and len(name) == 2 else self.long)[name] = opt
        self.names = set(self.long) | set(self.short)
        self.seen: set[str] = set()  # options given on the command line (by param name)
        self.positional = 0
        self.values: dict[str, Any] = {}

    @property
    def is_group(self) -> bool:
        return "commands" in self.raw


class _ParseStop(Exception):
    """What click's parser raises as a UsageError; resilient parsing stops there."""


def _kebab(args: list[str], names: set[str]) -> list[str]:
    from qcli.cli._aliases import kebab_aliases

    return kebab_aliases(args, names)


def _parse(node: _Node, args: list[str]) -> list[str]:
    """Parse `args` for one command; return what is left for a subcommand (groups)."""
    if any(t.startswith("--") and any(c.isupper() for c in t) for t in args):
        args = _kebab(args, node.names)
    rargs = list(args)
    largs: list[str] = []
    interspersed = node.raw.get("interspersed", True)
    ignore_unknown = node.raw.get("ignore_unknown", False)

    def take(option: dict[str, Any], name: str) -> None:
        value: Any = None
        if not option["flag"]:
            nargs = option["nargs"]
            if len(rargs) < nargs:
                raise _ParseStop
            value = rargs.pop(0) if nargs == 1 else [rargs.pop(0) for _ in range(nargs)]
        node.seen.add(option["name"])
        if option["name"] in CONNECTION_OPTIONS:
            if option["flag"]:
                node.values[option["name"]] = True
            elif option["multiple"]:
                node.values.setdefault(option["name"], []).append(value)
            else:
                node.values[option["name"]] = value

    try:
        while rargs:
            arg = rargs.pop(0)
            if arg == "--":
                break
            if arg[:1] == "-" and len(arg) > 1:
                long_opt, eq, explicit = arg.partition("=")
                option = node.long.get(long_opt)
                if option is not None:
                    if eq:
                        if option["flag"]:
                            raise _ParseStop
                        rargs.insert(0, explicit)
                    take(option, long_opt)
                elif arg[:2] != "--":  # a cluster of short options: -qv, -ojson
                    unknown = []
                    for i, ch in enumerate(arg[1:], start=2):
                        option = node.short.get("-" + ch)
                        if option is None:
                            if ignore_unknown:
                                unknown.append(ch)
                                continue
                            raise _ParseStop
                        stop = False
                        if not option["flag"] and i < len(arg):
                            rargs.insert(0, arg[i:])
                            stop = True
                        take(option, "-" + ch)
                        if stop:
                            break
                    if unknown:
                        largs.append("-" + "".join(unknown))
                elif ignore_unknown:
                    largs.append(arg)
                else:
                    raise _ParseStop
            elif interspersed:
                largs.append(arg)
            else:
                rargs.insert(0, arg)
                break
    except _ParseStop:  # what was parsed counts; nothing reaches a subcommand or argument
        return []
    rest = largs + rargs
    if node.is_group:
        return rest
    node.positional = len(rest)
    return []


def resolve(index: dict[str, Any], args: list[str]) -> list[_Node]:
    """The chain of commands `args` leads to (root first), each with what it parsed."""
    chain = [_Node(index, index["root"])]
    rest = _parse(chain[0], args)
    while rest and chain[-1].is_group:
        child = chain[-1].raw["commands"].get(rest[0])
        if child is None:
            break
        chain.append(_Node(index, child))
        rest = _parse(chain[-1], rest[1:])
    return chain


def completions(index: dict[str, Any], args: list[str], incomplete: str,
                live: Live | None = None) -> list[Item]:
    """What typer would offer for `incomplete` after `args` (the words after `qcli`)."""
    args = list(args)
    chain = resolve(index, args)
    node = chain[-1]
    if incomplete == "=":
        incomplete = ""
    elif "=" in incomplete and incomplete[:1] == "-":
        name, _, incomplete = incomplete.partition("=")
        args.append(name)
    if "--" not in args and incomplete[:1] == "-":
        return _command_words(node, incomplete)
    last = args[-1] if args else None
    if last is not None and last[:1] == "-":
        for option in node.options:
            if not option["flag"] and option["nargs"] == 1 and last in option["opts"]:
                return _values(option, incomplete, chain, live)
    given = node.positional
    for argument in node.arguments:
        nargs = argument["nargs"]
        if nargs == -1:
            return _values(argument, incomplete, chain, live)
        if given < nargs:
            return _values(argument, incomplete, chain, live)
        given -= nargs
    return _command_words(node, incomplete)


def _command_words(node: _Node, incomplete: str) -> list[Item]:
    out: list[Item] = []
    for name, child in (node.raw.get("commands") or {}).items():
        if name.startswith(incomplete) and not child.get("hidden"):
            out.append((name, child.get("help")))
    if incomplete and not incomplete[0].isalnum():
        for option in node.options:
            if option["hidden"] or (not option["multiple"] and option["name"] in node.seen):
                continue
            out.extend((n, option["help"]) for n in [*option["opts"], *option["secondary"]]
                       if n.startswith(incomplete))
    return out


def _values(param: dict[str, Any], incomplete: str, chain: list[_Node],
            live: Live | None) -> list[Item]:
    kind = param.get("complete")
    if kind is not None:
        options: dict[str, Any] = {}
        for node in chain:  # a global option given at any level (the last one wins)
            for name, value in node.values.items():
                if isinstance(value, list):
                    options[name] = [*options.get(name, []), *value]
                else:
                    options[name] = value
        values = (live or live_values)(kind, incomplete, options)
        return [(v, None) for v in values if v.startswith(incomplete)]
    choices = param.get("choices")
    if choices is not None:
        if param.get("case_sensitive", True):
            return [(c, None) for c in choices if c.startswith(incomplete)]
        low = incomplete.lower()
        return [(c, None) for c in choices if c.lower().startswith(low)]
    if param.get("file"):
        return [(incomplete, None)]
    return []


# -- live values ----------------------------------------------------------------------------------
def live_values(kind: str, incomplete: str, options: dict[str, Any]) -> list[str]:
    """IDs and names: from a fresh cache without the HTTP client (qcli.config.completion_cache,
    which needs no re either), else fetched (qcli.cli.completers: 1 s deadline)."""
    from qcli.config import completion_cache

    if kind == "contexts":
        return completion_cache.context_names(incomplete)
    if kind == "temp-contents":
        return [i for i in completion_cache.recent_temp_contents() if i.startswith(incomplete)]
    try:
        values = completion_cache.cached_values(kind, options)
    except Exception:  # a completion must stay silent
        return []
    if values is None:  # a cold fetch (which looks at the cache once more first: one small read)
        from qcli.cli import completers

        return completers.remote_values(kind, incomplete, options)
    return [v for v in values if v.startswith(incomplete)]


# -- the shells' protocols (typer's, see typer._completion_classes) -------------------------------
def _split(line: str) -> list[str]:
    """The words of a command line as shlex.shlex(line, posix=True) with whitespace_split and no
    comments gives them (click's split_arg_string), an unclosed quote or a trailing backslash
    ending the last word as it stands. Written out because shlex imports re; a test holds the two
    to the same words."""
    words: list[str] = []
    token = ""
    state = " "  # " " between words, "a" in a word (quoted parts too: '' is a word), or a quote
    chars = iter(line)
    for char in chars:
        if state in "'\"":
            if char == state:
                state = "a"
            elif char == "\\" and state == '"':
                nxt = next(chars, None)
                if nxt is None:
                    break
                token += nxt if nxt in '"\\' else char + nxt
            else:
                token += char
        elif char in " \t\r\n":
            if state == "a":
                words.append(token)
                token, state = "", " "
        elif char in "'\"":
            state = char
        elif char == "\\":
            nxt = next(chars, None)
            state = "a"
            if nxt is None:
                break
            token += nxt
        else:
            token += char
            state = "a"
    if state != " ":
        words.append(token)
    return words


def _request(shell: str, env: dict[str, str] | os._Environ[str]) -> tuple[list[str], str]:
    if shell == "bash":
        words = _split(env.get("COMP_WORDS", ""))
        cword = int(env.get("COMP_CWORD", "0"))
        return words[1:cword], (words[cword] if cword < len(words) else "")
    line = env.get("_TYPER_COMPLETE_ARGS", "")
    words = _split(line)[1:]
    if shell in ("powershell", "pwsh"):
        incomplete = env.get("_TYPER_COMPLETE_WORD_TO_COMPLETE", "")
        return (words[:-1] if incomplete else words), incomplete
    if words and not line.endswith(" "):
        return words[:-1], words[-1]
    return words, ""


def _zsh_escape(s: str) -> str:
    return (s.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`")
            .replace(":", r"\\:"))


def render(shell: str, items: list[Item], fish_action: str = "") -> tuple[str, int]:
    """The text a shell's script reads, and the exit code."""
    if shell == "bash":
        return "\n".join(v for v, _ in items), 0
    if shell == "zsh":
        if not items:
            return "_files", 0
        rows = [f'"{_zsh_escape(v)}":"{_zsh_escape(h)}"' if h else f'"{_zsh_escape(v)}"'
                for v, h in items]
        return "_arguments '*: :((" + "\n".join(rows) + "))'", 0
    if shell == "fish":
        if fish_action == "is-args":
            return "", 0 if items else 1
        if fish_action != "get-args":
            return "", 0
        return "\n".join(f"{v}\t{' '.join(h.split())}" if h else v for v, h in items), 0
    return "\n".join(f"{v}:::{h or ' '}" for v, h in items), 0  # powershell


def answer(env: dict[str, str] | os._Environ[str] | None = None) -> int | None:
    """Answer a shell's completion request on stdout; None: leave it to typer."""
    env = os.environ if env is None else env
    instruction = env.get("_QCLI_COMPLETE", "")
    action, _, shell = instruction.partition("_")
    if action != "complete" or shell not in SHELLS:
        return None
    index = load_index()
    if index is None:
        return None
    args, incomplete = _request(shell, env)
    items = completions(index, args, incomplete)
    text, code = render(shell, items, env.get("_TYPER_COMPLETE_FISH_ACTION", ""))
    if not (shell == "fish" and env.get("_TYPER_COMPLETE_FISH_ACTION") == "is-args"):
        sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return code
