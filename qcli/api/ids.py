"""IDs in URL paths: quoted, and never empty (an empty ID would address the collection)."""

from __future__ import annotations

from urllib.parse import quote

from qcli.errors import UsageError


def segment(value: str, what: str = "ID", *, safe: str = "") -> str:
    if not value or not value.strip():
        raise UsageError(f"the {what} is empty")
    return quote(value, safe=safe)
