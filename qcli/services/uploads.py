"""The upload steps shared by `temp-content create` and `data-file create|update`: which file,
how to read it (a regular file, or a stream: stdin, a pipe, a FIFO), and the resumable upload."""

from __future__ import annotations

import errno
import os
import stat as stat_mod
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from qcli.errors import ExitCode, QcliError, UsageError

if TYPE_CHECKING:
    from qcli.app import Application
    from qcli.transfer.tus import TusUploader, UploadResult

FIRST_WAIT = 1.0  # seconds before "waiting for a writer" is said


def readable_file(source: str) -> Path:
    """A file we can read, or exit 2 naming the problem (before any request). A regular file is
    probed with a one-byte read; a pipe or FIFO never is (that byte would be lost)."""
    if source == "":
        raise UsageError("the file path is empty: give a file to upload ('-' for stdin)")
    path = Path(source)
    try:
        info = path.stat()
    except FileNotFoundError:
        if source == "-":
            raise UsageError("- (stdin) is not accepted here") from None
        raise UsageError(f"no such file: {source}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
    if stat_mod.S_ISDIR(info.st_mode):
        raise UsageError(f"{source} is a directory, not a file")
    if not stat_mod.S_ISREG(info.st_mode):
        if not os.access(path, os.R_OK):
            raise UsageError(f"cannot read {source}: permission denied")
        return path
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
    return path


def is_stream(source: str) -> bool:
    """'-' (stdin) and anything that is not a regular file (a pipe, a FIFO, a device): read once,
    front to back, with no size known before the end."""
    if source == "-":
        return True
    try:
        return not stat_mod.S_ISREG(os.stat(source).st_mode)
    except OSError:
        return False


def open_stream(a: Application, source: str) -> IO[bytes]:
    """stdin for '-'; a FIFO nobody has opened for writing is waited on for at most --timeout
    seconds (saying so on stderr after a second), so that it never hangs silently. Once a writer
    is there, a slow one is waited for as long as it takes (like `cat`)."""
    if source == "-":
        return a.io.in_binary()
    if not stat_mod.S_ISFIFO(os.stat(source).st_mode):
        return open(source, "rb")
    import contextlib
    import threading

    timeout = a.connection.timeout
    box: dict[str, Any] = {}

    def opener() -> None:  # blocks until a writer opens the FIFO (a pipe never blocks)
        try:
            box["fd"] = os.open(source, os.O_RDONLY)
        except OSError as exc:
            box["error"] = exc

    waiter = threading.Thread(target=opener, daemon=True)
    waiter.start()
    waiter.join(min(FIRST_WAIT, timeout))
    if waiter.is_alive():
        a.say(f"waiting for a writer on FIFO {source} (up to {timeout:g} s; --timeout)")
        waiter.join(max(timeout - FIRST_WAIT, 0))
    if waiter.is_alive():
        with contextlib.suppress(OSError):  # be the writer for a moment: the open returns
            os.close(os.open(source, os.O_WRONLY | os.O_NONBLOCK))
        waiter.join(5)
        if "fd" in box:
            os.close(box["fd"])
        raise UsageError(f"no process opened FIFO {source} for writing within {timeout:g} s: "
                         "start the writer first, or raise --timeout")
    if "error" in box:
        error = box["error"]
        raise UsageError(f"cannot read {source}: {error.strerror or error}")
    return os.fdopen(box["fd"], "rb")


class CountingReader:
    """Iterates a stream in 1 MiB pieces, counting the bytes it hands out (and advancing a bar)."""

    def __init__(self, fh: IO[bytes], bar: Any = None):
        self.fh = fh
        self.bar = bar
        self.count = 0

    def __iter__(self) -> Iterator[bytes]:
        while True:
            piece = self.fh.read(1024 * 1024)
            if not piece:
                return
            self.count += len(piece)
            if self.bar is not None:
                self.bar.advance(len(piece))
            yield piece


def check_unchanged(path: Path, before: os.stat_result, what: str) -> None:
    """Exit 1 when the file's size or mtime moved while it was being uploaded."""
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns):
        return
    grew = (f" (from {before.st_size} to {after.st_size} bytes)"
            if after.st_size != before.st_size else "")
    raise QcliError(f"{path} changed while it was being uploaded{grew}: {what}; run the "
                    "command again once the file is complete")


def parse_chunk_size(text: str | None) -> int | None:
    from qcli.transfer.sizes import parse_size

    return parse_size(text, option="--chunk-size", minimum=1024) if text else None


def make_uploader(a: Application, chunk: int | None) -> TusUploader:
    import httpx

    from qcli.config.paths import ensure_private_dir, state_dir
    from qcli.transfer.resume import ResumeStore
    from qcli.transfer.tus import TusUploader

    timeout = a.connection.timeout
    folder = state_dir() / "uploads"
    store: ResumeStore | None = ResumeStore(folder)
    try:
        ensure_private_dir(folder)
        if not os.access(folder, os.W_OK):  # there, but another user's (a container's image)
            raise PermissionError(errno.EACCES, "Permission denied")
    except OSError as exc:  # a read-only HOME (a container run as another user): upload anyway
        a.io.warn(f"cannot keep upload state in {folder} ({exc.strerror or exc}): an interrupted "
                  "upload will start again; set XDG_STATE_HOME to a writable folder to resume "
                  "uploads", once_key="no-upload-state")
        store = None
    return TusUploader(
        a.temp_contents,
        chunk_size=chunk,
        store=store,
        server=a.connection.server,
        log=a.say,
        # a PATCH's answer may come after the server has written the whole chunk (fsync, a
        # part flushed to object storage; chunks grow to seconds of throughput): at least 120 s
        patch_timeout=httpx.Timeout(timeout, read=max(timeout, 120.0)),
        timeout=timeout,
    )


def saved_entry(a: Application, path: Path) -> dict[str, Any] | None:
    """The resume entry an earlier run of this upload left, if any."""
    from qcli.config.paths import state_dir
    from qcli.transfer.resume import ResumeStore

    info = path.stat()
    key = ResumeStore.key(path, info.st_size, info.st_mtime_ns, a.connection.server)
    return ResumeStore(state_dir() / "uploads").load(key)


def upload_resumable(a: Application, path: Path, name: str, *, ttl: int, chunk: int | None,
                     resume: bool, keep_entry: bool = False) -> tuple[UploadResult, TusUploader]:
    """Upload through tus with a progress bar; Ctrl-C says how to resume and exits 130."""
    from qcli.transfer.progress import progress_bar

    uploader = make_uploader(a, chunk)
    try:
        with progress_bar(a.io, path.stat().st_size, name) as bar:
            result = uploader.upload(path, filename=name, ttl=ttl, resume=resume, bar=bar,
                                     keep_entry=keep_entry)
    except KeyboardInterrupt:
        raise QcliError(
            f"interrupted at byte {uploader.offset} of {uploader.size}; run the same command "
            "again to resume", exit_code=ExitCode.INTERRUPTED) from None
    resumed = f", resumed at byte {result.resumed_from}" if result.resumed_from else ""
    a.say(f"Uploaded {path.name} ({result.size} bytes{resumed}) as temporary content "
          f"{result.id}.")
    return result, uploader
