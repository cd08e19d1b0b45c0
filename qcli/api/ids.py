"""IDs and path segments in URL paths: checked, then percent-encoded.

An empty ID, `.` or `..` would address the collection or another resource (`data-file get .`
is `GET /api/v1/data-files/`), and a `/`, `\\` or control character in an ID has no place in
one; all are refused with a usage error (exit 2) before any request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote

from qcli.errors import UsageError

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_id(value: str, what: str = "ID") -> str:
    """`value` if it can be one path segment; otherwise a UsageError naming the problem."""
    if not value or not value.strip():
        raise UsageError(f"the {what} is empty")
    if value in (".", ".."):
        raise UsageError(f"invalid {what} {value!r}: '.' and '..' would address another "
                         "resource")
    if "/" in value or "\\" in value:
        raise UsageError(f"invalid {what} {value!r}: an ID has no '/' or '\\'")
    if _CONTROL.search(value):
        raise UsageError(f"invalid {what} {value!r}: it contains a control character")
    return value


def check_ids(values: Iterable[str], what: str = "ID") -> list[str]:
    """Every ID of a list checked (before the first request of a command that sends several)."""
    return [check_id(v, what) for v in values]


def check_path(value: str, what: str = "path") -> str:
    """A relative path of segments (`lib/d3.js`): no empty, `.` or `..` segment, no control
    character; a leading or trailing `/` is dropped."""
    inner = value.strip("/")
    if not inner.strip():
        raise UsageError(f"the {what} is empty")
    if _CONTROL.search(inner):
        raise UsageError(f"invalid {what} {value!r}: it contains a control character")
    for part in re.split(r"[/\\]", inner):
        if part in ("", ".", ".."):
            raise UsageError(f"invalid {what} {value!r}: empty, '.' and '..' segments are not "
                             "allowed")
    return inner


def segment(value: str, what: str = "ID") -> str:
    """One checked, percent-encoded path segment (`/` encoded too)."""
    return quote(check_id(value, what), safe="")


def segments(value: str, what: str = "path") -> str:
    """A checked relative path, each segment percent-encoded, `/` kept between them."""
    return quote(check_path(value, what), safe="/")


def id_list(values: list[str], what: str = "ID") -> str:
    """Comma-separated IDs, or `*` alone for all: each checked, then encoded (`,` kept)."""
    if values == ["*"]:
        return "*"
    for v in values:
        check_id(v, what)
        if "," in v or "*" in v:
            raise UsageError(f"invalid {what} {v!r}")
    return quote(",".join(values), safe=",")
