"""Downloads that survive interruptions: bytes go to PATH.part, a re-run continues it with
`Range: bytes=N-` (206), and the file is renamed into place only at its full, verified size.

A .part is tied to what it holds by a sidecar, PATH.part.json: the content's ID, its total size
and the server's ETag / Last-Modified (sent back as If-Range). A .part whose sidecar is missing or
names another content or size is started over, never continued: two contents are never spliced.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qcli.errors import ExitCode, QcliError
from qcli.http.retry import DOWNLOAD, Attempts, RetryPolicy
from qcli.iostreams import IOStreams
from qcli.transfer.download import Download
from qcli.transfer.progress import progress_bar

CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
UNSATISFIED = re.compile(r"bytes \*/(\d+)")

# open(start, if_range) -> a context manager yielding the Download of bytes from `start`
Opener = Callable[[int, str | None], Any]


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def sidecar_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part.json")


def _load_sidecar(dest: Path) -> dict[str, Any]:
    try:
        doc = json.loads(sidecar_path(dest).read_text())
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _save_sidecar(dest: Path, doc: dict[str, Any]) -> None:
    sidecar_path(dest).write_text(json.dumps(doc))


def _validator(download: Download) -> dict[str, str]:
    """What If-Range can send back: a strong ETag, else Last-Modified."""
    etag = download.etag
    if etag and not etag.startswith("W/"):
        return {"etag": etag}
    modified = download.last_modified
    return {"lastModified": modified} if modified else {}


def _start_over(dest: Path) -> None:
    part_path(dest).unlink(missing_ok=True)
    sidecar_path(dest).unlink(missing_ok=True)


def _total(download: Download, start: int) -> int | None:
    match = CONTENT_RANGE.match(download.content_range or "")
    if match and match.group(3) != "*":
        return int(match.group(3))
    return start + download.size if download.size is not None else None


def download_resumable(
    open_at: Opener, dest: Path, io: IOStreams, label: str, *,
    retry: RetryPolicy | None = None, sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] | None = None,
) -> int:
    """Fetch into dest (via dest.part), resuming a partial file; returns the final size."""
    tries = Attempts(retry or RetryPolicy(attempts=5), sleep, log)
    part = part_path(dest)
    total: int | None = None
    side = _load_sidecar(dest)
    if part.exists() and side.get("id") != label:
        if log:
            held = f"content {side['id']}" if side.get("id") else "a content qcli can't identify"
            log(f"{part} holds {held}, not {label}: starting the download over")
        _start_over(dest)
        side = {}
    start = part.stat().st_size if part.exists() else 0
    if start and log:
        log(f"resuming the download at byte {start}")
    with progress_bar(io, None, label, done=start) as bar:
        while True:
            start = part.stat().st_size if part.exists() else 0
            if_range = (side.get("etag") or side.get("lastModified")) if start else None
            answered = False
            try:
                with open_at(start, if_range) as download:
                    answered = True
                    status = download.status
                    if status == 204:
                        raise QcliError(f"{label} is not complete yet (204): the upload is still "
                                        "in progress")
                    if status == 416:
                        match = UNSATISFIED.match(download.content_range or "")
                        if match and int(match.group(1)) == start and side.get("size") in (
                                None, start):
                            total = start  # the partial file already holds every byte
                            break
                        _start_over(dest)  # larger than the content: start again
                        side = {}
                        continue
                    mode = "ab"
                    if status == 200 or not start:
                        mode, start = "wb", 0  # the server sent the whole file
                    elif status == 206:
                        match = CONTENT_RANGE.match(download.content_range or "")
                        if not match or int(match.group(1)) != start:
                            raise QcliError(f"the server answered a different range "
                                            f"({download.content_range!r})")
                    total = _total(download, start)
                    if (start and side.get("size") is not None and total is not None
                            and total != side["size"]):
                        if log:
                            log(f"{label} is now {total} bytes, not {side['size']}: starting "
                                "the download over")
                        _start_over(dest)
                        side = {}
                        continue
                    if mode == "wb" or not side:
                        side = {"id": label, "size": total, **_validator(download)}
                        _save_sidecar(dest, side)
                    bar.set(start)
                    if total is not None:
                        bar.set_total(total)
                    with open(part, mode) as fh:
                        # as the socket delivers them (iter_bytes(N) re-chunked through a
                        # buffer and made downloads 2.7x slower), straight from it when it can
                        for chunk in download.chunks():
                            fh.write(chunk)
                            bar.advance(len(chunk))
                        fh.flush()
                        os.fsync(fh.fileno())
                break
            except QcliError as exc:  # the .part keeps what came: the next try resumes
                # a body cut after the answer began is tried again; a request that got no
                # answer already spent --timeout in the HTTP client's own tries (a server that
                # never answers)
                retryable = (exc.exit_code == ExitCode.NETWORK and DOWNLOAD.error("GET")
                             and answered)
                wait = tries.delay() if retryable else None
                if wait is None:
                    raise
                tries.wait(wait, f"download interrupted ({exc}); resuming in {{wait:.1f}} s")
    size = part.stat().st_size
    if total is not None and size != total:
        raise QcliError(f"{dest}.part holds {size} of {total} bytes; run the same command again "
                        "to resume")
    os.replace(part, dest)
    with contextlib.suppress(OSError):
        sidecar_path(dest).unlink()
    return size
