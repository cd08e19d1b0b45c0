"""The resumable upload step shared by `temp-content create` and `data-file create|update`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qcli.errors import ExitCode, QcliError, UsageError

if TYPE_CHECKING:
    from qcli.app import Application
    from qcli.transfer.tus import TusUploader, UploadResult


def readable_file(source: str) -> Path:
    """A regular file we can read, or exit 2 naming the problem (before any request)."""
    path = Path(source)
    if not path.exists():
        raise UsageError(f"no such file: {source}")
    if path.is_dir():
        raise UsageError(f"{source} is a directory, not a file")
    try:
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
    return path


def parse_chunk_size(text: str | None) -> int | None:
    from qcli.transfer.sizes import parse_size

    return parse_size(text, option="--chunk-size", minimum=1024) if text else None


def upload_resumable(a: Application, path: Path, name: str, *, ttl: int, chunk: int | None,
                     resume: bool, keep_entry: bool = False) -> tuple[UploadResult, TusUploader]:
    """Upload through tus with a progress bar; Ctrl-C says how to resume and exits 130."""
    import httpx

    from qcli.config.paths import state_dir
    from qcli.transfer.progress import progress_bar
    from qcli.transfer.resume import ResumeStore
    from qcli.transfer.tus import TusUploader

    timeout = a.connection.timeout
    uploader = TusUploader(
        a.temp_contents,
        chunk_size=chunk,
        store=ResumeStore(state_dir() / "uploads"),
        server=a.connection.server,
        log=a.say,
        patch_timeout=httpx.Timeout(timeout, read=max(timeout, 120.0)),
    )
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
