"""Stream a response body to a file (atomically, via a .part file) or to stdout."""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

import httpx

from qcli.errors import UsageError
from qcli.iostreams import IOStreams
from qcli.transfer.progress import progress_bar


def filename_from_disposition(header: str | None) -> str | None:
    if not header:
        return None
    match = re.search(r"filename\*=UTF-8''([^;]+)", header) or re.search(
        r'filename="?([^";]+)"?', header
    )
    if not match:
        return None
    from urllib.parse import unquote

    name = os.path.basename(unquote(match.group(1)).strip())
    return name or None


MAX_NAME_BYTES = 240  # 255 (most file systems) less ".part.json", the download's sidecar


def fit_file_name(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """A default file name short enough to create: over `limit` UTF-8 bytes, the stem is cut
    (at a character boundary) and the extension kept."""
    if len(name.encode()) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext.encode()) > 16:
        stem, ext = name, ""
    tail = f".{ext}" if ext else ""
    room = limit - len(tail.encode())
    cut = stem.encode()[:room].decode("utf-8", "ignore")
    return cut + tail


def check_destination(dest: str) -> None:
    """Fail before any request when the file can't be written."""
    if dest == "-":
        return
    path = Path(dest)
    if path.is_dir():
        raise UsageError(f"{dest} is a directory: give a file name")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"cannot write {dest}: no such directory {parent}")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"cannot write {dest}: permission denied")


def save_response(response: httpx.Response, dest: str, io: IOStreams, label: str) -> int:
    """Write the body to `dest` ('-' is stdout); returns the byte count."""
    total = response.headers.get("Content-Length")
    size = int(total) if total and total.isdigit() else None
    written = 0
    with progress_bar(io, size, label) as bar:
        if dest == "-":
            out = io.out_binary()
            for chunk in response.iter_bytes():
                out.write(chunk)
                written += len(chunk)
                bar.advance(len(chunk))
            out.flush()
            return written
        path = Path(dest)
        part = path.with_name(path.name + ".part")
        try:
            with open(part, "wb") as fh:
                for chunk in response.iter_bytes():
                    fh.write(chunk)
                    written += len(chunk)
                    bar.advance(len(chunk))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(part, path)
        except BaseException:
            with contextlib.suppress(OSError):
                part.unlink()
            raise
    return written
