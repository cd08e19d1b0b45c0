"""Stream a response body to a file (atomically, via a .part file) or to stdout."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from qcli.errors import UsageError
from qcli.http.download import BODY_BUFFER, Download, filename_from_disposition, iter_body
from qcli.iostreams import IOStreams
from qcli.transfer.progress import progress_bar

__all__ = ["BODY_BUFFER", "Download", "filename_from_disposition", "iter_body"]

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


def default_name(name: str) -> str:
    """A file name the server chose, made safe to create in the current directory: short
    enough (fit_file_name) and never hidden: a leading '.' becomes '_' ('.bashrc' is saved as
    '_bashrc')."""
    if name.startswith("."):
        name = "_" + name[1:]
    return fit_file_name(name)


def check_default_destination(dest: str) -> None:
    """Like check_destination, for a name qcli chose (no --output-file): an existing file is
    never replaced (a .part beside it may still be resumed). Exit 2 before any byte is
    written."""
    check_destination(dest)
    if os.path.lexists(dest):
        import shlex

        raise UsageError(f"{dest} exists; pass --output-file {shlex.quote(dest)} to replace it, "
                         "or another name")


def save_response(download: Download, dest: str, io: IOStreams, label: str) -> int:
    """Write the body to `dest` ('-' is stdout); returns the byte count."""
    size = download.size
    written = 0
    with progress_bar(io, size, label) as bar:
        if dest == "-":
            out = io.out_binary()
            for chunk in download.chunks():
                out.write(chunk)
                written += len(chunk)
                bar.advance(len(chunk))
            out.flush()
            return written
        path = Path(dest)
        part = path.with_name(path.name + ".part")
        try:
            with open(part, "wb") as fh:
                for chunk in download.chunks():
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
