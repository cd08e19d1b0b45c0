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


def _stream(fh: Any, bar: Any) -> Any:
    while True:
        piece = fh.read(1024 * 1024)
        if not piece:
            return
        bar.advance(len(piece))
        yield piece


def _show(a: Application, temp_id: str) -> None:
    """The result of an upload: the ID with -q, else the details object."""
    remember_temp_content(temp_id)
    if a.options.quiet and a.options.query is None:
        a.io.out(f"{temp_id}\n")
        return
    details = a.temp_contents.get_temp_content_details(temp_id)
    a.printer.item(details or {"ID": temp_id}, id_key="ID")


@command(app, "create")
def create(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="File to upload, or '-' for stdin"),
    filename: str | None = typer.Option(None, "--filename", help="Name on the server "
                                        "(default: the file's name; 'stdin' for -)"),
    ttl: int = typer.Option(3600, "--ttl", help="Seconds the content is kept (1 to 259200)"),
    chunk_size: str | None = typer.Option(None, "--chunk-size", help="Bytes per PATCH, e.g. "
                                          "32MiB, 1GB (default: 8MiB, doubled after each PATCH "
                                          "that takes under 1 s, up to 64MiB)"),
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
    from qcli.cli.uploads import parse_chunk_size, readable_file, upload_resumable

    a = application(ctx)
    _check_ttl(ttl)
    chunk = parse_chunk_size(chunk_size)
    if source == "-":
        name = filename or "stdin"
        temp_id = _single(a, a.io.in_binary(), name, ttl, None)
        _show(a, temp_id)
        return
    path = readable_file(source)
    name = filename or path.name
    if single:
        with open(path, "rb") as fh:
            temp_id = _single(a, fh, name, ttl, path.stat().st_size)
        _show(a, temp_id)
        return
    result, _ = upload_resumable(a, path, name, ttl=ttl, chunk=chunk, resume=not no_resume)
    _show(a, result.id)


def _single(a: Application, fh: Any, name: str, ttl: int, size: int | None) -> str:
    from qcli.transfer.progress import progress_bar

    with progress_bar(a.io, size, name) as bar:
        return a.temp_contents.upload_temp_content(_stream(fh, bar), name, ttl)


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
    from qcli.transfer.download import check_destination, save_response
    from qcli.transfer.ranged import download_resumable

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
        dest = Path((details or {}).get("Name") or temp_id).name
    check_destination(dest)
    try:
        size = download_resumable(
            lambda start: api.get_temp_content(temp_id, start=start, inline=inline),
            Path(dest), a.io, temp_id, log=a.say)
    except KeyboardInterrupt:
        raise QcliError(f"interrupted; {dest}.part is kept: run the same command again to resume",
                        exit_code=ExitCode.INTERRUPTED) from None
    a.say(f"Saved {dest} ({size} bytes).")
