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
