"""qcli extension: visualization extensions (as `qlik extension`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from qcli.cli.completers import complete_extension
from qcli.cli.kit import application, command, new_typer
from qcli.cli.kit.fields import option, wire_fields, with_options
from qcli.cli.kit.options import Yes
from qcli.cli.kit.verbs import delete_each

if TYPE_CHECKING:
    from qcli.app import Application

app = new_typer("Manage visualization extensions.")
file_app = new_typer("Files inside an extension's archive.")
app.add_typer(file_app, name="file")

COLUMNS = [("ID", "id"), ("NAME", "name"), ("TYPE", "type"), ("VERSION", "version"),
           ("QEXT", "qextFilename"), ("UPDATED", "updateAt")]
FILE_COLUMNS = [("PATH", "path"), ("SIZE", "size"), ("MODIFIED", "modified")]

IdArg = typer.Argument(..., help="Extension ID or qext name", autocompletion=complete_extension)
DownloadFile = typer.Option(
    None, "--output-file", help="Where to write, replacing FILE ('-' for stdout; default: the "
    "server's name, a leading '.' made '_', never replacing an existing file)")
DataOpt = typer.Option(None, "--data", help="Extension fields as JSON, or @FILE")


@dataclass
class ExtensionFields:
    """The extension model's fields as options (create and patch), by their wire names."""

    name: str | None = option("--name", help="Display name")
    tag: list[str] | None = option("--tag", help="Tag (repeatable)", wire="tags")
    description: str | None = option("--description", help="Description")
    type_: str | None = option("--type", help="Type (visualization, ...)")
    author: str | None = option("--author", help="Author")
    license_: str | None = option("--license", help="License")
    homepage: str | None = option("--homepage", help="Home page URL")
    repository: str | None = option("--repository", help="Source repository URL")
    supplier: str | None = option("--supplier", help="Supplier")
    keywords: str | None = option("--keywords", help="Keywords")
    icon: str | None = option("--icon", help="Icon to show in the client")
    preview: str | None = option("--preview", help="Path of a preview image")
    loadpath: str | None = option("--loadpath", help="Relative path of the entry file")
    deprecated: str | None = option("--deprecated", help="Date when deprecated")


def _data(a: Application, data: str | None, fields: ExtensionFields) -> dict[str, Any] | None:
    from qcli.api.models import ExtensionData, validate
    from qcli.cli.inputs import json_object_argument

    body: dict[str, Any] = {}
    if data is not None:
        body.update(json_object_argument(data, "--data", a.io.in_binary()))
    body.update(wire_fields(fields))
    return validate(ExtensionData, body, "extension data") if body else None


def _archive(a: Application, source: str | None) -> Any:
    from qcli.services.extensions import load_archive

    return load_archive(a, source)


@command(app, "ls")
def ls(ctx: typer.Context) -> None:
    """List all extensions.

    \b
    Examples:
      qcli extension ls
      qcli extension ls --json --query '[].{name: name, version: version}'
      qcli extension ls -q
    """
    a = application(ctx)
    a.printer.items(a.extensions.list_extensions(), columns=COLUMNS)


@command(app, "get")
def get(ctx: typer.Context, extension_id: str = IdArg) -> None:
    """Show one extension, by ID or qext name.

    \b
    Examples:
      qcli extension get 62d9e4b1c4a1e10001c2f2b4
      qcli extension get my-chart -o yaml
    """
    a = application(ctx)
    a.printer.item(a.extensions.get_extension(extension_id))


@command(app, "create")
@with_options
def create(
    ctx: typer.Context,
    fields: ExtensionFields,
    source: str = typer.Argument(..., help="Extension .zip, or a directory holding a .qext"),
    data: str | None = DataOpt,
) -> None:
    """Import an extension from a .zip or a directory.

    A directory is zipped on the fly; either way it must hold a .qext file.

    \b
    Examples:
      qcli extension create ./my-chart
      qcli extension create my-chart.zip --tag maps --tag beta
      qcli extension create my-chart.zip --data '{"author": "BI team"}' -q
    """
    a = application(ctx)
    archive = _archive(a, source)
    body = _data(a, data, fields)
    a.printer.item(a.extensions.create_extension(archive, body))


@command(app, "deploy")
def deploy(
    ctx: typer.Context,
    paths: list[str] = typer.Argument(..., help="Extension folders (holding a .qext) or .zip "
                                      "files"),
    parallel: int | None = typer.Option(None, "--parallel", help="Extensions sent at once "
                                        "(default 4, at most 32)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; send nothing"),
) -> None:
    """Deploy extensions: create each one, or update the one with the same qextFilename, or
    skip it when the tenant's checksum shows the same archive (without a checksum: the same
    .qext version and archive size).

    Folders are zipped with one date for every entry, so an unchanged folder is skipped even
    in a fresh checkout. One result per PATH on stdout ({name, action, id, status, error} with
    -o json), a progress line on stderr on a terminal; exit 0: all done, 1: some failed.

    \b
    Examples:
      qcli extension deploy ./extensions/*/
      qcli extension deploy my-chart.zip ./maps --dry-run -o json
    """
    from qcli.services.deploy import deploy as run

    run(application(ctx), list(paths), parallel, dry_run)


@command(app, "patch")
@with_options
def patch(
    ctx: typer.Context,
    fields: ExtensionFields,
    extension_id: str = IdArg,
    source: str | None = typer.Argument(None, help="New .zip, directory, or '-' for a zip on stdin"),
    data: str | None = DataOpt,
) -> None:
    """Update an extension: a new archive, changed fields, or both.

    \b
    Examples:
      qcli extension patch my-chart ./my-chart
      qcli extension patch 62d9e4b1c4a1e10001c2f2b4 --description "Map chart v2"
    """
    from qcli.errors import UsageError

    a = application(ctx)
    archive = _archive(a, source)
    body = _data(a, data, fields)
    if archive is None and body is None:
        raise UsageError("nothing to change: give an archive, --data or a field option")
    a.printer.item(a.extensions.patch_extension(extension_id, archive, body))


@command(app, "rm")
def rm(
    ctx: typer.Context,
    extension_ids: list[str] = typer.Argument(..., help="Extension IDs or qext names",
                                              autocompletion=complete_extension),
    yes: bool = Yes,
) -> None:
    """Delete extensions. Asks first on a terminal; needs --yes otherwise.

    \b
    Examples:
      qcli extension rm my-chart
      qcli extension ls -q | xargs -r qcli extension rm --yes
    """
    a = application(ctx)
    delete_each(a, extension_ids, a.extensions.delete_extension, "extension", yes=yes)


@command(app, "download")
def download(
    ctx: typer.Context,
    extension_id: str = IdArg,
    output_file: str | None = DownloadFile,
) -> None:
    """Download an extension's archive.

    The default file name is the one the server gives (or ID.zip); '-' writes to stdout.

    \b
    Examples:
      qcli extension download my-chart
      qcli extension download my-chart --output-file backup/my-chart.zip
      qcli extension download my-chart --output-file - | sha256sum
    """
    from qcli.services.extensions import download_archive

    download_archive(application(ctx), extension_id, output_file)


@command(file_app, "ls")
def file_ls(ctx: typer.Context, extension_id: str = IdArg) -> None:
    """List the files inside an extension's archive.

    \b
    Example:
      qcli extension file ls my-chart
    """
    from qcli.services.extensions import archive_entries

    a = application(ctx)
    a.printer.items(archive_entries(a, extension_id), columns=FILE_COLUMNS, id_key="path")


@command(file_app, "get")
def file_get(
    ctx: typer.Context,
    extension_id: str = IdArg,
    filepath: str = typer.Argument(..., help="Path inside the archive, e.g. my-chart.js"),
    output_file: str | None = DownloadFile,
) -> None:
    """Download one file from an extension's archive.

    The default file name is the file's base name, in the current folder.

    \b
    Examples:
      qcli extension file get my-chart my-chart.qext --output-file -
      qcli extension file get my-chart lib/d3.js --output-file d3.js
    """
    from qcli.services.extensions import download_file

    download_file(application(ctx), extension_id, filepath, output_file)
