"""Reads the YAML qcli writes (contexts.yml, credentials.yml) without importing PyYAML.

Importing PyYAML costs ~8.5 ms of a command run from a saved context (its reader compiles a
regex of every printable Unicode range, its resolver and constructor a dozen more), about a
tenth of `qcli extension ls`. The files qcli writes are nested mappings of plain or
single-quoted scalars, one per line: `load` reads exactly that and returns None for anything
else (a list, a double-quoted or folded scalar, an anchor, a tab, a comment after a value, a
number, a control character, an indentation other than two spaces a level, ...), and the
caller then asks PyYAML. So a hand-edited file is never read differently from PyYAML, only more
slowly. tests/config/test_plainyaml.py holds `load` to `yaml.safe_load` over files qcli writes
and over random edits of them.
"""

from __future__ import annotations

from typing import Any

# Plain scalars taken here: ASCII letters, digits and these, starting with a letter, "/" or a
# digit (never an indicator, a sign or a dot). One that starts with a digit is taken only where
# none of YAML 1.1's implicit types can match it: a float needs ".", a sexagesimal number ":",
# a date "-", and an integer is made of digits and "_" alone, or starts 0b or 0x.
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                   " -._/:@+=%~,'")
_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz/")
_DIGITS = frozenset("0123456789")
_DECIMAL = frozenset("0123456789_")
# plain words YAML 1.1 (PyYAML) reads as booleans or null: the three taken, the rest left to PyYAML
_WORDS = {"true": True, "false": False, "null": None}
_OTHER_WORDS = frozenset({"yes", "no", "on", "off", "true", "false", "null"})
_NO = object()  # not a scalar `load` takes
MAX_KEY = 128  # PyYAML refuses a plain key over 1024 characters; its dumper writes longer than
# 128 in another form ("? key")
MAX_DEPTH = 50  # PyYAML's recursion gives out near 1000 levels; qcli writes 3


class Invalid(ValueError):
    """PyYAML refused the text: its problem, and the line (from 1) where it says."""

    def __init__(self, problem: str, line: int | None):
        super().__init__(problem)
        self.problem = problem
        self.line = line


def safe_load(text: str) -> Any:
    """What `yaml.safe_load(text)` gives: read by `load` where it can, else by PyYAML (imported
    only then); Invalid where PyYAML refuses the text."""
    doc = load(text)
    if doc is not None:
        return doc
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise Invalid(getattr(exc, "problem", None) or "invalid YAML",
                      None if mark is None else mark.line + 1) from None


def load(text: str) -> dict[str, Any] | None:
    """The mapping `text` holds if it is in the subset described above, else None."""
    # PyYAML breaks lines at \r, \x85 and \u2028 too, and refuses control characters anywhere
    # (in a comment as well)
    if not text.replace("\n", "").replace("\t", "").isprintable():
        return None
    root: dict[str, Any] = {}
    stack = [root]  # stack[d]: the mapping whose keys are indented 2 * d spaces
    opened, pending = False, ""  # the line before was `pending:`, which opens a mapping
    for line in text.split("\n"):
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        indent = len(line) - len(body)
        if indent % 2:
            return None
        depth = indent // 2
        if depth > MAX_DEPTH:
            return None
        if depth > len(stack) - 1 + opened or (opened and depth != len(stack)):
            return None
        if opened:
            child: dict[str, Any] = {}
            stack[-1][pending] = child
            stack.append(child)
        del stack[depth + 1:]
        key_text, colon, rest = body.partition(":")
        if len(key_text) > MAX_KEY:
            return None
        key = _scalar(key_text)
        if not colon or not isinstance(key, str):  # a repeated key: the last wins, as in PyYAML
            return None
        if rest == "":
            opened, pending = True, key
            continue
        value = _scalar(rest[1:]) if rest.startswith(" ") else _NO
        if value is _NO:
            return None
        stack[depth][key] = value
        opened = False
    return None if opened or not root else root


def _scalar(text: str) -> Any:
    """The value of one scalar written on one line, or _NO if it is not one `load` takes."""
    if len(text) >= 2 and text[0] == "'" and text[-1] == "'":
        inner = text[1:-1]
        if "'" in inner.replace("''", ""):
            return _NO
        return inner.replace("''", "'")
    if text in _WORDS:
        return _WORDS[text]
    chars = set(text)
    if (not text or not chars <= _PLAIN or text.lower() in _OTHER_WORDS
            or text.endswith((" ", ":")) or ": " in text):  # (no "#" in _PLAIN: no comment)
        return _NO
    if text[0] in _START:
        return text
    if text[0] in _DIGITS and not chars & set(".:-") and not chars <= _DECIMAL and (
            text[:2].lower() not in ("0b", "0x")):
        return text
    return _NO
