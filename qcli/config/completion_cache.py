"""The completion cache's files: live values by tenant (IDs and qext names, fresh for 60 s), the
temp contents uploaded last, and the summary of contexts.yml (qcli.config.summary).

A TAB reads them, so this module uses os and os.path only (no pathlib, json or typing, which
import re: ~5 ms of a TAB's ~10). A file is lines of text: the first names the format, each
string after it is one line, written with Python's unicode_escape codec (a newline or a
backslash in a value is escaped, so one line is one value, and the file is ASCII). A file
that is missing, of another format or unreadable is a miss, never an error.
"""

from __future__ import annotations

import os
import time

from qcli.config.paths import completion_cache_name, completion_folder

FORMAT = "qcli-cache 1"
FRESH_SECONDS = 60.0  # live values are fetched again after this
RECENT_TEMP = "recent-temp-contents.txt"
RECENT_TEMP_KEPT = 20


def encode(lines: list[str], form: str = FORMAT) -> bytes:
    return b"".join(line.encode("unicode_escape") + b"\n" for line in [form, *lines])


def decode(data: bytes, form: str = FORMAT) -> list[str]:
    """The lines `encode` was given for `form`; ValueError for anything else (another format,
    a truncated file)."""
    if not data.endswith(b"\n"):
        raise ValueError("not a cache file")
    head, *lines = data[:-1].split(b"\n")
    if head.decode("ascii") != form:
        raise ValueError("not a cache file")
    return [line.decode("unicode_escape") for line in lines]


def read(path: str, form: str = FORMAT) -> list[str] | None:
    try:
        with open(path, "rb") as fh:
            return decode(fh.read(), form)
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        return None


def write(path: str, lines: list[str], form: str = FORMAT) -> None:
    """Write the file atomically, 0600, in a 0700 folder; OSError if it cannot be written."""
    from pathlib import Path

    from qcli.config.atomic import write_private
    from qcli.config.paths import ensure_private_dir

    ensure_private_dir(Path(path).parent)
    write_private(Path(path), encode(lines, form))


# -- live values ----------------------------------------------------------------------------------
def fresh_values(kind: str, server: str) -> list[str] | None:
    """The values of `kind` cached for `server` while they are fresh, else None."""
    lines = read(completion_cache_name(kind, server))
    if not lines:
        return None
    try:
        age = time.time() - float(lines[0])
    except ValueError:
        return None
    return lines[1:] if 0 <= age < FRESH_SECONDS else None


def cached_values(kind: str, options: dict[str, object]) -> list[str] | None:
    """The fresh values of `kind` for the tenant the global options on the line name (see
    server_of), else None."""
    server = server_of(options)
    return fresh_values(kind, server) if server else None


def save_values(kind: str, server: str, values: list[str], at: float | None = None) -> None:
    """Cache `values` of `kind` for `server`, fetched at `at` (now)."""
    stamp = time.time() if at is None else at
    write(completion_cache_name(kind, server), [repr(stamp), *values])


# -- temp contents uploaded last ------------------------------------------------------------------
def recent_temp_contents() -> list[str]:
    return read(os.path.join(completion_folder(), RECENT_TEMP)) or []


def remember_temp_content(temp_id: str) -> None:
    """Keep the last RECENT_TEMP_KEPT uploaded temp content IDs (no request needed to complete
    them); a cache that cannot be written is let go."""
    import contextlib

    recent = [temp_id, *[i for i in recent_temp_contents() if i != temp_id]][:RECENT_TEMP_KEPT]
    with contextlib.suppress(OSError):
        write(os.path.join(completion_folder(), RECENT_TEMP), recent)


# -- the tenant and the contexts a TAB completes from ---------------------------------------------
def context_names(incomplete: str) -> list[str]:
    """The saved contexts' names that start with `incomplete` (qcli.config.summary: no YAML
    parser while contexts.yml is unchanged); nothing if they cannot be read."""
    from qcli.config.summary import contexts

    try:
        names = contexts()[1]
    except Exception:  # a completion must stay silent
        return []
    return sorted(n for n in names if n.startswith(incomplete))


def server_of(options: dict[str, object]) -> str | None:
    """The tenant a completion talks to, by resolve_connection's precedence (flag, environment,
    context), reading contexts.yml only when neither flag nor environment names a server.
    `options`: the global options on the line."""
    server = options.get("server") or os.environ.get("QCLI_SERVER")
    if server:
        return str(server)
    from qcli.config.summary import contexts

    current, servers, _ = contexts()
    name = options.get("context") or os.environ.get("QCLI_CONTEXT") or current
    return servers.get(str(name)) if name else None
