"""Plain aligned tables for people at a terminal (no rich import on this path).

Widths are display widths (terminal cells): an East Asian wide or full-width character or an
emoji takes two cells, a combining mark or zero-width character none, so CJK and emoji align.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import Any

MIN_WIDTH = 8  # a column is not shrunk below this (nor below its header, if shorter)
# shrink classes (render_table's `shrink`): names and text first, other columns next, IDs of
# other resources last; None: never clipped (the rows' own ID)
NAMES, OTHER, IDS = 0, 1, 2


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


def char_width(ch: str) -> int:
    """Terminal cells of one code point (a wcwidth-like estimate from unicodedata)."""
    code = ord(ch)
    if code < 0x7F:
        return 1 if code >= 0x20 else 0
    if ch in "\u200b\u200c\u200d\u2060\ufeff" or 0xFE00 <= code <= 0xFE0F \
            or 0xE0100 <= code <= 0xE01EF:
        return 0  # zero-width spaces, joiners, variation selectors
    category = unicodedata.category(ch)
    if category in ("Mn", "Me", "Cf", "Cc"):
        return 0
    if unicodedata.east_asian_width(ch) in ("W", "F") or 0x1F300 <= code <= 0x1FAFF:
        return 2
    return 1


def _widths(text: str) -> list[int]:
    """The cells of each code point of `text`; a text-style symbol followed by VS16 is shown
    as an emoji (❤️), two cells."""
    cells = [char_width(ch) for ch in text]
    for i in range(1, len(text)):
        if text[i] == "\ufe0f" and cells[i - 1] == 1:
            cells[i - 1] = 2
    return cells


def display_width(text: str) -> int:
    return sum(_widths(text))


def shrink_class(key: str, id_key: str) -> int | None:
    """How readily a column of `key` gives up width: never the rows' own ID (`id_key`)."""
    if key == id_key:
        return None
    last = key.rsplit(".", 1)[-1]
    if last == "id" or last.endswith("Id") or last.endswith("_id"):
        return IDS
    if "name" in last.lower() or last in ("title", "detail", "description", "path"):
        return NAMES
    return OTHER


def _clip(text: str, width: int) -> str:
    """`text` cut to `width` cells (with …), padded with spaces to exactly `width` cells."""
    used = display_width(text)
    if used <= width:
        return text + " " * (width - used)
    out, used = [], 0
    for ch, w in zip(text, _widths(text), strict=True):
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…" + " " * (width - 1 - used)


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, width: int, bold: bool,
    shrink: Sequence[int | None] | None = None,
) -> str:
    """Columns separated by two spaces. Over `width`, columns shrink (cut with …) by class
    (`shrink`: NAMES, then OTHER, then IDS, widest first within a class, to MIN_WIDTH); a
    column of class None is never cut, so a table of long IDs may run wider than `width`."""
    widths = [display_width(h) for h in headers]
    for row in rows:
        for i, text in enumerate(row):
            widths[i] = max(widths[i], display_width(text))
    classes = list(shrink) if shrink is not None else [OTHER] * len(widths)
    floors = [min(w, max(MIN_WIDTH, display_width(h))) for w, h in zip(widths, headers,
                                                                        strict=True)]
    gap = 2
    budget = width - gap * (len(widths) - 1)
    for level in (NAMES, OTHER, IDS):
        while sum(widths) > budget:
            candidates = [i for i, c in enumerate(classes) if c == level and widths[i] > floors[i]]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: widths[i])
            widths[widest] -= 1
    lines = []
    head = (" " * gap).join(_clip(h, w) for h, w in zip(headers, widths, strict=True))
    lines.append(f"\x1b[1m{head.rstrip()}\x1b[0m" if bold else head.rstrip())
    for row in rows:
        line = (" " * gap).join(_clip(t, w) for t, w in zip(row, widths, strict=True))
        lines.append(line.rstrip())
    return "\n".join(lines) + "\n"
