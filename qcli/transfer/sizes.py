"""Byte sizes as people write them: 8MiB, 32MB, 1GB, 1024."""

from __future__ import annotations

import re

from qcli.errors import UsageError

UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 1000**2, "mb": 1000**2,
         "mib": 1024**2, "g": 1000**3, "gb": 1000**3, "gib": 1024**3}
PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str, *, option: str, minimum: int = 1, maximum: int = 4 * 1024**3) -> int:
    match = PATTERN.match(text)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in UNITS:
        raise UsageError(f"invalid {option} {text!r}: expected a size such as 8MiB, 32MB or 1GB")
    value = int(float(match.group(1)) * UNITS[unit])
    if not minimum <= value <= maximum:
        raise UsageError(f"invalid {option} {text!r}: must be between {human(minimum)} and "
                         f"{human(maximum)}")
    return value


def human(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
