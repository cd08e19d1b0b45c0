"""qcli temp-content: resumable tus uploads, single-shot uploads, ranged downloads."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from qcli.cli._typer import application, command, new_typer
from qcli.cli.completers import complete_temp_content, remember_temp_content
from qcli.errors import ExitCode, QcliError, UsageError

if TYPE_CHECKING:
    from qcli.app import Application

app = new_typer("Temporary contents: resumable uploads and ranged downloads.")

MAX_TTL = 259200
IdArg = typer.Argument(..., help="Temporary content ID", autocompletion=complete_temp_content)


def _check_ttl(ttl: int) -> int:
    if not 1 <= ttl <= MAX_TTL:
        raise UsageError(f"invalid --ttl {ttl}: must be between 1 and {MAX_TTL} seconds (3 days)")
    return ttl


def _show(a: Application, temp_id: str, details: dict[str, Any] | None = None) -> None:
    """The result of an upload: the ID with -q, else the details object."""
    remember_temp_content(temp_id)
    if a.options.quiet and a.options.query is None:
        a.io.out(f"{temp_id}\n")
        return
    details = details or a.temp_contents.get_temp_content_details(temp_id)
    a.printer.item(details or {"ID": temp_id}, id_key="ID")


@command(app, "create")
def create(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="File to upload, or '-' for stdin"),
    filename: str | None = typer.Option(None, "--filename", help="Name on the server "
                                        "(default: the file's name; 'stdin' for -)"),
    ttl: int = typer.Option(3600, "--ttl", help="Seconds the content is kept (1 to 259200)"),
    chunk_size: str | None = typer.Option(None, "--chunk-size", help="Bytes per PATCH, e.g. "
                                          "32MiB, 1GB (default: 8MiB first, then what the link "
                                          "moves in about 2 s, 1MiB to 1GiB)"),
    single: bool = typer.Option(False, "--single", help="One streamed POST instead of tus"),
    no_resume: bool = typer.Option(False, "--no-resume", help="Start afresh: a saved interrupted "
                                   "upload of this file is ended on the server, not resumed"),
) -> None:
    """Upload a file as temporary content (tus, resumable; the ID is printed with -q).

    An interrupted upload (Ctrl-C, kill -9, a lost network) resumes when the same command runs
    again: the upload URL is saved before the first byte, keyed by the file's path, size, mtime
    and the server.

    \b
    Examples:
      qcli temp-content create sales.csv
      qcli temp-content create big.qvd --chunk-size 32MiB --ttl 86400 -q
      gzip -c sales.csv | qcli temp-content create - --filename sales.csv.gz -q
    """
    from qcli.cli.uploads import (
        check_unchanged,
        is_stream,
        open_stream,
        parse_chunk_size,
        readable_file,
        upload_resumable,
    )

    a = application(ctx)
    _check_ttl(ttl)
    chunk = parse_chunk_size(chunk_size)
    if is_stream(source):  # stdin, a pipe, a FIFO: one streamed POST, never probed
        name = filename or ("stdin" if source == "-" else readable_file(source).name)
        with open_stream(a, source) as fh:
            temp_id, details = _single(a, fh, name, ttl, None)
        _show(a, temp_id, details)
        return
    path = readable_file(source)
    name = filename or path.name
    if single:
        before = path.stat()
        with open(path, "rb") as fh:
            temp_id, details = _single(a, fh, name, ttl, before.st_size)
        check_unchanged(path, before, f"temporary content {temp_id} holds what was read")
        _show(a, temp_id, details)
        return
    result, _ = upload_resumable(a, path, name, ttl=ttl, chunk=chunk, resume=not no_resume)
    _show(a, result.id)


def _single(a: Application, fh: Any, name: str, ttl: int, size: int | None
            ) -> tuple[str, dict[str, Any] | None]:
    """One streamed POST; exit 1 unless the server holds as many bytes as were read."""
    from qcli.cli.uploads import CountingReader
    from qcli.transfer.progress import progress_bar

    with progress_bar(a.io, size, name) as bar:
        reader = CountingReader(fh, bar)
        temp_id = a.temp_contents.upload_temp_content(reader, name, ttl)
    details = a.temp_contents.get_temp_content_details(temp_id)
    stored = str((details or {}).get("Size", ""))
    if stored.isdigit() and int(stored) != reader.count:
        raise QcliError(f"the server holds {stored} bytes of the {reader.count} read: temporary "
                        f"content {temp_id} is incomplete")
    return temp_id, details


@command(app, "get")
def get(ctx: typer.Context, temp_id: str = IdArg) -> None:
    """Show a temporary content's details (name, size, expiry).

    \b
    Example:
      qcli temp-content get 624b0f54459f1c00018dade4 -o yaml
    """
    a = application(ctx)
    details = a.temp_contents.get_temp_content_details(temp_id)
    if details is None:
        a.io.err(f"{temp_id} is still being uploaded (204): no details yet.")
        details = {"ID": temp_id, "complete": False}
    a.printer.item(details, id_key="ID")


@command(app, "download")
def download(
    ctx: typer.Context,
    temp_id: str = IdArg,
    output_file: str | None = typer.Option(None, "--output-file", help="Where to write "
                                           "('-' for stdout; default: the content's name)"),
    inline: bool = typer.Option(False, "--inline", help="Ask for inline disposition (inline=1)"),
) -> None:
    """Download a temporary content; a partial file from an interrupted run is resumed (Range).

    \b
    Examples:
      qcli temp-content download 624b0f54459f1c00018dade4
      qcli temp-content download 624b0f54459f1c00018dade4 --output-file - | wc -c
    """
    from qcli.transfer.download import check_destination, fit_file_name, save_response
    from qcli.transfer.ranged import download_resumable, part_path

    a = application(ctx)
    api = a.temp_contents
    if output_file == "-":
        with api.get_temp_content(temp_id, inline=inline) as response:
            if response.status_code == 204:
                raise QcliError(f"{temp_id} is not complete yet (204)")
            save_response(response, "-", a.io, temp_id)
        return
    dest = output_file
    if dest is None:
        details = api.get_temp_content_details(temp_id)
        dest = fit_file_name(Path((details or {}).get("Name") or temp_id).name)
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
