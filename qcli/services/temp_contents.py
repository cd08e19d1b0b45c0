"""Temporary contents: create (tus, resumable; or one streamed POST) and download (ranged,
resumed from a .part)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from qcli.errors import ExitCode, QcliError

if TYPE_CHECKING:
    from qcli.api.models import TempContentDetails
    from qcli.app import Application


def create_temp_content(a: Application, source: str, filename: str | None, *, ttl: int,
                        chunk_size: str | None, single: bool, resume: bool
                        ) -> tuple[str, TempContentDetails | None]:
    """Upload `source`; returns the temp content's ID and its details when already fetched.
    stdin, a pipe or a FIFO go in one streamed POST (never probed); --single does the same for
    a file; otherwise tus, resumable."""
    from qcli.services.uploads import (
        check_unchanged,
        is_stream,
        open_stream,
        parse_chunk_size,
        readable_file,
        upload_resumable,
    )

    chunk = parse_chunk_size(chunk_size)
    if is_stream(source):
        name = filename or ("stdin" if source == "-" else readable_file(source).name)
        with open_stream(a, source) as fh:
            return _single(a, fh, name, ttl, None)
    path = readable_file(source)
    name = filename or path.name
    if single:
        before = path.stat()
        with open(path, "rb") as fh:
            temp_id, details = _single(a, fh, name, ttl, before.st_size)
        check_unchanged(path, before, f"temporary content {temp_id} holds what was read")
        return temp_id, details
    result, _ = upload_resumable(a, path, name, ttl=ttl, chunk=chunk, resume=resume)
    return result.id, None


def _single(a: Application, fh: Any, name: str, ttl: int, size: int | None
            ) -> tuple[str, TempContentDetails | None]:
    """One streamed POST; exit 1 unless the server holds as many bytes as were read."""
    from qcli.services.uploads import CountingReader
    from qcli.transfer.progress import progress_bar

    with progress_bar(a.io, size, name) as bar:
        reader = CountingReader(fh, bar)
        temp_id = a.temp_contents.upload_temp_content(reader, name, ttl)
    details = a.temp_contents.get_temp_content_details(temp_id)
    stored = str(details.size) if details is not None and details.size is not None else ""
    if stored.isdigit() and int(stored) != reader.count:
        raise QcliError(f"the server holds {stored} bytes of the {reader.count} read: temporary "
                        f"content {temp_id} is incomplete")
    return temp_id, details


def download_temp_content(a: Application, temp_id: str, output_file: str | None, *,
                          inline: bool = False) -> None:
    """To stdout ('-', one GET) or a file (ranged, resuming a .part; the default name is the
    content's own)."""
    from qcli.transfer.download import (
        check_default_destination,
        check_destination,
        default_name,
        save_response,
    )
    from qcli.transfer.ranged import download_resumable, part_path

    api = a.temp_contents
    if output_file == "-":
        with api.get_temp_content(temp_id, inline=inline) as download:
            if download.status == 204:
                raise QcliError(f"{temp_id} is not complete yet (204)")
            save_response(download, "-", a.io, temp_id)
        return
    dest = output_file
    if dest is None:  # the content's own name: an existing file is not replaced
        details = api.get_temp_content_details(temp_id)
        dest = default_name(Path((details.name if details is not None else None)
                                 or temp_id).name)
        check_default_destination(dest)
    else:  # --output-file: replaced, as curl -o does
        check_destination(dest)
    try:
        size = download_resumable(
            lambda start, if_range: api.get_temp_content(temp_id, start=start, inline=inline,
                                                         if_range=if_range),
            Path(dest), a.io, temp_id, log=a.say)
    except KeyboardInterrupt:
        from qcli.transfer.ranged import sidecar_path

        part = part_path(Path(dest))
        if part.exists() and part.stat().st_size:
            kept = f"{part} is kept: run the same command again to resume"
        else:
            part.unlink(missing_ok=True)
            sidecar_path(Path(dest)).unlink(missing_ok=True)
            kept = "nothing was saved"
        raise QcliError(f"interrupted; {kept}", exit_code=ExitCode.INTERRUPTED) from None
    a.say(f"Saved {dest} ({size} bytes).")
