"""Reading user input (JSON arguments, files, stdin) with one clear error per problem."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import IO, Any

from qcli.errors import UsageError


def check_counts(limit: int | None, page_size: int | None, max_page_size: int) -> None:
    """--limit and --page-size of a list command, before any request."""
    if limit is not None and limit < 1:
        raise UsageError(f"invalid --limit {limit}: must be 1 or more")
    if page_size is not None and not 1 <= page_size <= max_page_size:
        raise UsageError(f"invalid --page-size {page_size}: must be between 1 and "
                         f"{max_page_size}")


def parse_json(text: str, source: str) -> Any:
    """Strict JSON: NaN, Infinity and numbers too large for a double are refused (no JSON
    encoder can send them on)."""

    def constant(name: str) -> Any:
        raise UsageError(f"malformed JSON in {source}: {name} is not a JSON number")

    def number(literal: str) -> float:
        value = float(literal)
        if math.isinf(value):
            shown = literal if len(literal) <= 30 else literal[:27] + "..."
            raise UsageError(f"malformed JSON in {source}: the number {shown} is too large")
        return value

    try:
        return json.loads(text, parse_constant=constant, parse_float=number)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"malformed JSON in {source}: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None


def read_file_bytes(path: str, stdin: IO[bytes] | None = None) -> bytes:
    """A file's bytes, or stdin's for '-'; exit 2 when it can't be read."""
    if path == "-":
        if stdin is None:
            raise UsageError("nothing to read on stdin")
        return stdin.read()
    if not path.strip():  # Path("") is the current folder
        raise UsageError("the file path is empty: give a file ('-' for stdin)")
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{path} is a directory, not a file")
    try:
        return p.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no such file: {path}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None


def json_argument(value: str, flag: str, stdin: IO[bytes] | None = None) -> Any:
    """`--data '{"name": "x"}'` or `--data @file.json` (or `@-` for stdin)."""
    if value.startswith("@"):
        raw = read_file_bytes(value[1:], stdin)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{value[1:]} is not UTF-8 text") from None
        return parse_json(text, f"{flag} {value}")
    return parse_json(value, flag)


def json_object_argument(value: str, flag: str, stdin: IO[bytes] | None = None) -> dict[str, Any]:
    doc = json_argument(value, flag, stdin)
    if not isinstance(doc, dict):
        raise UsageError(f"{flag} must be a JSON object")
    return doc
