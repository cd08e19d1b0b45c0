"""Plain aligned tables for people at a terminal (no rich import on this path)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return ", ".join(cell(v) for v in value)
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value).replace("\n", " ")


def _clip(text: str, width: int) -> str:
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…"


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, width: int, bold: bool
) -> str:
    """Columns separated by two spaces; the widest columns shrink (with …) to fit `width`."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, text in enumerate(row):
            widths[i] = max(widths[i], len(text))
    gap = 2
    budget = max(width - gap * (len(widths) - 1), len(widths) * 4)
    while sum(widths) > budget:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= 8:
            break
        widths[widest] -= 1
    lines = []
    head = (" " * gap).join(_clip(h, w).ljust(w) for h, w in zip(headers, widths, strict=True))
    lines.append(f"\x1b[1m{head.rstrip()}\x1b[0m" if bold else head.rstrip())
    for row in rows:
        line = (" " * gap).join(_clip(t, w).ljust(w) for t, w in zip(row, widths, strict=True))
        lines.append(line.rstrip())
    return "\n".join(lines) + "\n"
