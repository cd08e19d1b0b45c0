"""qcli temp-content: resumable tus uploads, single-shot uploads, ranged downloads."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from qcli.cli.completers import complete_temp_content
from qcli.cli.kit import application, command, new_typer
from qcli.config.completion_cache import remember_temp_content
from qcli.errors import UsageError

if TYPE_CHECKING:
    from qcli.api.models import TempContentDetails
    from qcli.app import Application

app = new_typer("Temporary contents: resumable uploads and ranged downloads.")

MAX_TTL = 259200
IdArg = typer.Argument(..., help="Temporary content ID", autocompletion=complete_temp_content)


def _check_ttl(ttl: int) -> int:
    if not 1 <= ttl <= MAX_TTL:
        raise UsageError(f"invalid --ttl {ttl}: must be between 1 and {MAX_TTL} seconds (3 days)")
    return ttl


def _show(a: Application, temp_id: str, details: TempContentDetails | None = None) -> None:
    """The result of an upload: the ID with -q, else the details object."""
    remember_temp_content(temp_id)
    if a.options.quiet and a.options.query is None:
        a.io.out(f"{temp_id}\n")
        return
    if details is None or not details.to_json():
        details = a.temp_contents.get_temp_content_details(temp_id)
    a.printer.item((details.to_json() if details is not None else None) or {"ID": temp_id},
                   id_key="ID")


@command(app, "create")
def create(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="File to upload, or '-' for stdin"),
    filename: str | None = typer.Option(None, "--filename", help="Name on the server "
                                        "(default: the file's name; 'stdin' for -)"),
    ttl: int = typer.Option(3600, "--ttl", help="Seconds the content is kept (1 to 259200)"),
    chunk_size: str | None = typer.Option(None, "--chunk-size", help="Bytes per PATCH, e.g. "
                                          "32MiB, 1GB (default: 8MiB first, then what the link "
                                          "moves in about 8 s, 1MiB to 1GiB)"),
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
    from qcli.services.temp_contents import create_temp_content

    a = application(ctx)
    _check_ttl(ttl)
    _show(a, *create_temp_content(a, source, filename, ttl=ttl, chunk_size=chunk_size,
                                  single=single, resume=not no_resume))


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
        a.printer.item({"ID": temp_id, "complete": False}, id_key="ID")
        return
    a.printer.item(details, id_key="ID")


@command(app, "download")
def download(
    ctx: typer.Context,
    temp_id: str = IdArg,
    output_file: str | None = typer.Option(
        None, "--output-file", help="Where to write, replacing FILE ('-' for stdout; default: "
        "the content's name, a leading '.' made '_', never replacing an existing file)"),
    inline: bool = typer.Option(False, "--inline", help="Ask for inline disposition (inline=1)"),
) -> None:
    """Download a temporary content; a partial file from an interrupted run is resumed (Range).

    \b
    Examples:
      qcli temp-content download 624b0f54459f1c00018dade4
      qcli temp-content download 624b0f54459f1c00018dade4 --output-file - | wc -c
    """
    from qcli.services.temp_contents import download_temp_content

    a = application(ctx)
    download_temp_content(a, temp_id, output_file, inline=inline)
