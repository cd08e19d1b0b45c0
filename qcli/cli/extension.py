"""qcli extension: visualization extensions (as `qlik extension`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from qcli.cli._typer import application, command, new_typer
from qcli.cli.completers import complete_extension
from qcli.errors import ApiError, QcliError, batch_error

if TYPE_CHECKING:
    from qcli.app import Application

app = new_typer("Manage visualization extensions.")
file_app = new_typer("Files inside an extension's archive.")
app.add_typer(file_app, name="file")

COLUMNS = [("ID", "id"), ("NAME", "name"), ("TYPE", "type"), ("VERSION", "version"),
           ("QEXT", "qextFilename"), ("UPDATED", "updateAt")]
FILE_COLUMNS = [("PATH", "path"), ("SIZE", "size"), ("MODIFIED", "modified")]

IdArg = typer.Argument(..., help="Extension ID or qext name", autocompletion=complete_extension)
DataOpt = typer.Option(None, "--data", help="Extension fields as JSON, or @FILE")
NameOpt = typer.Option(None, "--name", help="Display name")
TagOpt = typer.Option(None, "--tag", help="Tag (repeatable)")
DescriptionOpt = typer.Option(None, "--description", help="Description")
TypeOpt = typer.Option(None, "--type", help="Type (visualization, ...)")
AuthorOpt = typer.Option(None, "--author", help="Author")
LicenseOpt = typer.Option(None, "--license", help="License")
HomepageOpt = typer.Option(None, "--homepage", help="Home page URL")
RepositoryOpt = typer.Option(None, "--repository", help="Source repository URL")
SupplierOpt = typer.Option(None, "--supplier", help="Supplier")
KeywordsOpt = typer.Option(None, "--keywords", help="Keywords")
IconOpt = typer.Option(None, "--icon", help="Icon to show in the client")
PreviewOpt = typer.Option(None, "--preview", help="Path of a preview image")
LoadpathOpt = typer.Option(None, "--loadpath", help="Relative path of the entry file")
DeprecatedOpt = typer.Option(None, "--deprecated", help="Date when deprecated")
OutputFileOpt = typer.Option(None, "--output-file", help="Where to write ('-' for stdout)")


# field options -> wire names of the extension model
FIELD_OPTIONS = {"name": "name", "tag": "tags", "description": "description", "type_": "type",
                 "author": "author", "license_": "license", "homepage": "homepage",
                 "repository": "repository", "supplier": "supplier", "keywords": "keywords",
                 "icon": "icon", "preview": "preview", "loadpath": "loadpath",
                 "deprecated": "deprecated"}


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    """The field options a command was given, by their wire names."""
    return {wire: values[param] for param, wire in FIELD_OPTIONS.items()}


def _data(a: Application, data: str | None, fields: dict[str, Any]) -> dict[str, Any] | None:
    from qcli.api.models import ExtensionData, validate
    from qcli.cli.inputs import json_object_argument

    body: dict[str, Any] = {}
    if data is not None:
        body.update(json_object_argument(data, "--data", a.io.in_binary()))
    body.update({k: v for k, v in fields.items() if v not in (None, [])})
    return validate(ExtensionData, body, "extension data") if body else None


def _archive(a: Application, source: str | None) -> Any:
    if source is None:
        return None
    from qcli.transfer.archive import load_archive

    return load_archive(source, a.io.in_binary())


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
def create(
    ctx: typer.Context,
    source: str = typer.Argument(..., help="Extension .zip, or a directory holding a .qext"),
    data: str | None = DataOpt,
    name: str | None = NameOpt,
    tag: list[str] | None = TagOpt,
    description: str | None = DescriptionOpt,
    type_: str | None = TypeOpt,
    author: str | None = AuthorOpt,
    license_: str | None = LicenseOpt,
    homepage: str | None = HomepageOpt,
    repository: str | None = RepositoryOpt,
    supplier: str | None = SupplierOpt,
    keywords: str | None = KeywordsOpt,
    icon: str | None = IconOpt,
    preview: str | None = PreviewOpt,
    loadpath: str | None = LoadpathOpt,
    deprecated: str | None = DeprecatedOpt,
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
    body = _data(a, data, _fields(locals()))
    a.printer.item(a.extensions.create_extension(archive, body))


@command(app, "patch")
def patch(
    ctx: typer.Context,
    extension_id: str = IdArg,
    source: str | None = typer.Argument(None, help="New .zip, directory, or '-' for a zip on stdin"),
    data: str | None = DataOpt,
    name: str | None = NameOpt,
    tag: list[str] | None = TagOpt,
    description: str | None = DescriptionOpt,
    type_: str | None = TypeOpt,
    author: str | None = AuthorOpt,
    license_: str | None = LicenseOpt,
    homepage: str | None = HomepageOpt,
    repository: str | None = RepositoryOpt,
    supplier: str | None = SupplierOpt,
    keywords: str | None = KeywordsOpt,
    icon: str | None = IconOpt,
    preview: str | None = PreviewOpt,
    loadpath: str | None = LoadpathOpt,
    deprecated: str | None = DeprecatedOpt,
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
    body = _data(a, data, _fields(locals()))
    if archive is None and body is None:
        raise UsageError("nothing to change: give an archive, --data or a field option")
    a.printer.item(a.extensions.patch_extension(extension_id, archive, body))


@command(app, "rm")
def rm(
    ctx: typer.Context,
    extension_ids: list[str] = typer.Argument(..., help="Extension IDs or qext names",
                                              autocompletion=complete_extension),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation"),
) -> None:
    """Delete extensions. Asks first on a terminal; needs --yes otherwise.

    \b
    Examples:
      qcli extension rm my-chart
      qcli extension ls -q | xargs qcli extension rm --yes
    """
    from qcli.api.ids import check_ids

    a = application(ctx)
    check_ids(extension_ids, "extension ID")  # every one, before the first DELETE
    what = (f"delete extension {extension_ids[0]}" if len(extension_ids) == 1
            else f"delete {len(extension_ids)} extensions")
    a.confirm_destructive(what, yes=yes)
    failures: list[QcliError] = []
    for ext_id in extension_ids:
        try:
            a.extensions.delete_extension(ext_id)
        except ApiError as exc:
            failures.append(exc)
            if len(extension_ids) > 1:
                a.io.error_line(f"{ext_id}: {exc.message}")
            continue
        a.say(f"Deleted extension {ext_id}.")
    if failures:
        if len(extension_ids) == 1:
            raise failures[0]
        raise batch_error([f.exit_code for f in failures], len(extension_ids), "deletions")


def _save(a: Application, response: Any, dest: str | None, default: str, label: str) -> None:
    from qcli.transfer.download import check_destination, filename_from_disposition, save_response

    target = dest or filename_from_disposition(response.headers.get("Content-Disposition")) \
        or default
    check_destination(target)
    size = save_response(response, target, a.io, label)
    if target != "-":
        a.say(f"Saved {target} ({size} bytes).")


@command(app, "download")
def download(
    ctx: typer.Context,
    extension_id: str = IdArg,
    output_file: str | None = OutputFileOpt,
) -> None:
    """Download an extension's archive.

    The default file name is the one the server gives (or ID.zip); '-' writes to stdout.

    \b
    Examples:
      qcli extension download my-chart
      qcli extension download my-chart --output-file backup/my-chart.zip
      qcli extension download my-chart --output-file - | sha256sum
    """
    from qcli.transfer.download import check_destination

    a = application(ctx)
    if output_file:
        check_destination(output_file)
    with a.extensions.download_extension(extension_id) as response:
        _save(a, response, output_file, f"{extension_id}.zip", f"extension {extension_id}")


@command(file_app, "ls")
def file_ls(ctx: typer.Context, extension_id: str = IdArg) -> None:
    """List the files inside an extension's archive.

    \b
    Example:
      qcli extension file ls my-chart
    """
    from qcli.transfer.archive import list_entries

    a = application(ctx)
    with a.extensions.download_extension(extension_id) as response:
        content = response.read()
    try:
        rows = list_entries(content)
    except Exception:  # zipfile raises several kinds for a bad archive
        raise QcliError(f"the archive of {extension_id} is not a valid zip file") from None
    a.printer.items(rows, columns=FILE_COLUMNS, id_key="path")


@command(file_app, "get")
def file_get(
    ctx: typer.Context,
    extension_id: str = IdArg,
    filepath: str = typer.Argument(..., help="Path inside the archive, e.g. my-chart.js"),
    output_file: str | None = OutputFileOpt,
) -> None:
    """Download one file from an extension's archive.

    The default file name is the file's base name, in the current folder.

    \b
    Examples:
      qcli extension file get my-chart my-chart.qext --output-file -
      qcli extension file get my-chart lib/d3.js --output-file d3.js
    """
    import posixpath

    from qcli.transfer.download import check_destination

    a = application(ctx)
    if output_file:
        check_destination(output_file)
    default = posixpath.basename(filepath.rstrip("/")) or "file"
    with a.extensions.download_extension_file(extension_id, filepath) as response:
        _save(a, response, output_file, default, filepath)
