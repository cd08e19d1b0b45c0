"""qcli data-file: data files (as `qlik data-file`), with large files through resumable uploads."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from qcli.cli.completers import complete_data_file
from qcli.cli.inputs import check_counts
from qcli.cli.kit import application, command, new_typer
from qcli.cli.kit import options as opts
from qcli.cli.kit.fields import option, wire_fields, with_options
from qcli.cli.kit.verbs import delete_batch, report_results, split_impossible
from qcli.errors import UsageError

if TYPE_CHECKING:
    pass

app = new_typer("Manage data files.")
connection_app = new_typer("The built-in connections used to load and write data files.")
app.add_typer(connection_app, name="connection")

COLUMNS = [("ID", "id"), ("NAME", "name"), ("SIZE", "size"), ("SPACE", "spaceId"),
           ("APP", "appId"), ("MODIFIED", "modifiedDate")]
CONNECTION_COLUMNS = [("ID", "id"), ("NAME", "name"), ("SPACE", "spaceId"), ("TYPE", "type")]
NAME = re.compile(r'^[^<>":\u0000|?*]+$')

MAX_PAGE_SIZE = 1000
IdArg = typer.Argument(..., help="Data file ID", autocompletion=complete_data_file)
ConnectionOpt = typer.Option(None, "--connection-id", help="DataFiles connection (its space)")
AppOpt = typer.Option(None, "--app-id", help="App the file is bound to ('*' in ls: all apps)")
NameOpt = opts.Name("File name")
PageSizeOpt = opts.PageSize(MAX_PAGE_SIZE)
LsPageSizeOpt = typer.Option(None, "--page-size", help="Items per request (1 to 1000; default "
                             "1000, the API's largest: each page is a round trip)")

# the spec's sort values (a test keeps them equal to the digest's enums): each field, and each
# with '+' (ascending) or '-' (descending)
FILE_SORT_FIELDS = ("name", "size", "modifiedDate", "folder", "baseName")
CONNECTION_SORT_FIELDS = ("spaceId",)


def sort_values(fields: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v for f in fields for v in (f, f"+{f}", f"-{f}"))


FILE_SORTS = sort_values(FILE_SORT_FIELDS)
CONNECTION_SORTS = sort_values(CONNECTION_SORT_FIELDS)


def _complete_file_sort(incomplete: str) -> list[str]:
    return [v for v in FILE_SORTS if v.startswith(incomplete)]


def _complete_connection_sort(incomplete: str) -> list[str]:
    return [v for v in CONNECTION_SORTS if v.startswith(incomplete)]


def check_sort(value: str | None, allowed: tuple[str, ...]) -> str | None:
    """Exit 2 for a sort the spec does not allow, naming the ones it does."""
    if value is not None and value not in allowed:
        raise UsageError(f"invalid --sort {value!r}: choose one of {', '.join(allowed)}")
    return value


SortOpt = typer.Option(None, "--sort", autocompletion=_complete_file_sort,
                       help=f"Sort by {', '.join(FILE_SORT_FIELDS)}; '+' or no prefix ascending, "
                       "'-' descending (--sort=-size)")
ConnectionSortOpt = typer.Option(None, "--sort", autocompletion=_complete_connection_sort,
                                 help="Sort by spaceId, +spaceId or -spaceId")
ResumableOpt = typer.Option(None, "--resumable/--no-resumable", help="Force the upload through "
                            "resumable temp content, or force one multipart request (default: "
                            "resumable above the chunk size)")
ChunkOpt = typer.Option(None, "--chunk-size", help="Chunk size of a resumable upload "
                        "(default: 8MiB, growing on a fast link)")
ParallelOpt = typer.Option(None, "--parallel", help="Files sent at once (default 4, at most "
                           "32); a 429 pauses every worker until its Retry-After")
SourceOpt = typer.Option(None, "--source-id", help="Copy the content of this data file")
TempOpt = typer.Option(None, "--temp-content-id", help="Use this temporary content as content")
FolderIdOpt = typer.Option(None, "--folder-id", help="The folder to put it in (its ID)")
MERGE_BEHAVIORS = ("merge", "replace")


def _complete_merge(incomplete: str) -> list[str]:
    return [v for v in MERGE_BEHAVIORS if v.startswith(incomplete)]


def validate_name(name: str) -> str:
    if not name or not NAME.match(name):
        raise UsageError(f"invalid file name {name!r}: it may not contain < > \" : | ? * or NUL")
    return name


@dataclass
class FileFilters:
    """data-file ls's filters: each is sent, when given, as the query parameter of its name in
    camelCase (a switch only when on: the spec's default is off)."""

    connection_id: str | None = option(ConnectionOpt)
    app_id: str | None = option(AppOpt)
    name: str | None = option(NameOpt)
    owner_id: str | None = option("--owner-id", help="Files of this owner")
    allow_internal_files: bool | None = option("--allow-internal-files/--no-internal-files",
                                               help="Include files with internal extensions")
    base_name_wildcard: str | None = option(
        "--base-name-wildcard", help="Only items whose base name (no folder path) matches this "
        "pattern, with * and ? wildcards, e.g. 'sales_*.csv'")
    folder_id: str | None = option("--folder-id", help="Only items under this folder "
                                   "(default: the space's root)")
    folder_path: str | None = option("--folder-path", help="Only items under the folder at "
                                     "this path, e.g. 2024/q1")
    exclude_sub_folders: bool | None = option(
        "--exclude-sub-folders", help="Only the direct children of the folder searched "
        "(default: its whole tree)")
    include_folders: bool | None = option("--include-folders", help="List folders too")
    exclude_files: bool | None = option("--exclude-files", help="Leave files out (with "
                                        "--include-folders: folders only)")
    include_folder_stats: bool | None = option("--include-folder-stats",
                                               help="Fill in each folder's folderStats")
    not_owner_id: str | None = option("--not-owner-id", help="Only items of other owners "
                                      "than this one")
    include_all_spaces: bool | None = option(
        "--include-all-spaces", help="Every space you can access, the personal one included "
        "(ignored with --connection-id)")


@dataclass
class Paging:
    """data-file ls's order and paging, listed after its filters."""

    sort: str | None = option(SortOpt)
    limit: int | None = option(opts.Limit)
    page_size: int | None = option(LsPageSizeOpt)


@command(app, "ls")
@with_options
def ls(ctx: typer.Context, filters: FileFilters, paging: Paging) -> None:
    """List data files (every page by default).

    Pages are followed through links.next and rows are printed as pages arrive; --limit stops
    at exactly N.

    \b
    Examples:
      qcli data-file ls
      qcli data-file ls --connection-id ee6a390c-5d33-11e8-9c2d-fa7ae01bbebc --sort -size
      qcli data-file ls --limit 100 --json --query '[].name'
      qcli data-file ls --folder-path 2024 --include-folders --base-name-wildcard 'q*'
    """
    a = application(ctx)
    check_counts(paging.limit, paging.page_size, MAX_PAGE_SIZE)
    if filters.folder_id and filters.folder_path:
        raise UsageError("give --folder-id or --folder-path, not both")
    params = {**wire_fields(filters), "sort": check_sort(paging.sort, FILE_SORTS)}
    # the spec's largest page unless told otherwise: 10,000 files in 10 requests, not 500 of the
    # server's default 20 (on a link with a 40 ms round trip, 20 s of waiting)
    items = a.data_files.list_data_files(params, limit=paging.limit,
                                         page_size=paging.page_size or MAX_PAGE_SIZE)
    a.printer.items(items, columns=COLUMNS)


@command(app, "get")
def get(ctx: typer.Context, file_id: str = IdArg) -> None:
    """Show one data file.

    \b
    Example:
      qcli data-file get 1f7b6d0e-7b51-4f83-9a1c-8a6a3e4e0c11 -o yaml
    """
    a = application(ctx)
    a.printer.item(a.data_files.get_data_file(file_id))


def _model(name: str | None, connection_id: str | None, app_id: str | None,
           source_id: str | None, temp_content_id: str | None,
           folder_id: str | None = None) -> dict[str, Any]:
    model = {"name": name, "connectionId": connection_id, "appId": app_id, "sourceId": source_id,
             "tempContentFileId": temp_content_id, "folderId": folder_id}
    return {k: v for k, v in model.items() if v is not None}


def _one_source(source: str | None, source_id: str | None, temp_content_id: str | None) -> None:
    if source is not None and (source_id or temp_content_id):
        raise UsageError("give a FILE or --source-id/--temp-content-id, not both")
    if source_id and temp_content_id:
        raise UsageError("give --source-id or --temp-content-id, not both")


@command(app, "create")
def create(
    ctx: typer.Context,
    sources: list[str] | None = typer.Argument(None, help="Files to upload ('-': stdin, with "
                                               "--name); several: in parallel"),
    name: str | None = typer.Option(None, "--name", help="File name (default: the file's name)"),
    connection_id: str | None = ConnectionOpt,
    app_id: str | None = AppOpt,
    source_id: str | None = SourceOpt,
    temp_content_id: str | None = TempOpt,
    folder_id: str | None = FolderIdOpt,
    folder: bool = typer.Option(False, "--folder", help="Create a folder named --name (no "
                                "content)"),
    resumable: bool | None = ResumableOpt,
    chunk_size: str | None = ChunkOpt,
    parallel: int | None = ParallelOpt,
) -> None:
    """Upload data files, or make a folder (--folder). Files over the chunk size go through
    resumable temporary content: re-running an interrupted create resumes it and makes no
    second file. Several files go on --parallel workers with one progress line and one
    result each (exit 1 when some failed, the rest done).

    \b
    Examples:
      qcli data-file create sales.csv
      qcli data-file create big.qvd --connection-id ee6a390c-5d33-11e8-9c2d-fa7ae01bbebc
      qcli data-file create --name copy.csv --source-id 1f7b6d0e-7b51-4f83-9a1c-8a6a3e4e0c11
      qcli data-file create --folder --name 2024
      qcli data-file create q1.csv --folder-id 5f0c7e43-1b1a-4f6e-9d55-0f3b1f6f2a10
      qcli data-file create exports/*.csv --parallel 8 -o json
    """
    from pathlib import Path

    a = application(ctx)
    files = list(sources or [])
    if len(files) > 1:
        if name or folder or source_id or temp_content_id or "-" in files:
            raise UsageError("several FILEs take no --name, --folder, --source-id, "
                             "--temp-content-id or '-': each is named after its file")
        for path in files:
            validate_name(Path(path).name)
        from qcli.services.sync import create_many

        create_many(a, files, {"connectionId": connection_id, "appId": app_id,
                               "folderId": folder_id}, parallel, resumable=resumable,
                    chunk_size=chunk_size)
        return
    source = files[0] if files else None
    if folder:
        if source is not None or source_id or temp_content_id:
            raise UsageError("a folder has no content: give --folder --name NAME and no FILE, "
                             "--source-id or --temp-content-id")
        if not name:
            raise UsageError("--folder needs --name NAME")
        model = dict(_model(validate_name(name), connection_id, app_id, None, None, folder_id),
                     folder=True)
        a.printer.item(a.data_files.upload_data_file(model, None))
        return
    _one_source(source, source_id, temp_content_id)
    if source is None:
        if not (source_id or temp_content_id):
            raise UsageError("give a FILE to upload, or --source-id or --temp-content-id")
        if not name:
            raise UsageError("--name is required with --source-id or --temp-content-id")
    if source == "":
        raise UsageError("the file path is empty: give a file to upload ('-' for stdin)")
    if source == "-" and not name:
        raise UsageError("reading the content from stdin (-) needs --name NAME")
    model = _model(validate_name(name or Path(str(source)).name), connection_id, app_id,
                   source_id, temp_content_id, folder_id)
    from qcli.services.data_files import create_data_file

    a.printer.item(create_data_file(a, source, model, resumable=resumable,
                                    chunk_size=chunk_size))


@command(app, "sync")
def sync(
    ctx: typer.Context,
    directory: str = typer.Argument(..., help="The local folder to mirror"),
    connection_id: str | None = ConnectionOpt,
    prefix: str | None = typer.Option(None, "--prefix", help="Folder in the space the names "
                                      "go under (e.g. nightly/); --delete acts only there"),
    include: list[str] | None = typer.Option(None, "--include", help="Only relative paths "
                                             "matching this glob (repeatable; * crosses /)"),
    exclude: list[str] | None = typer.Option(None, "--exclude", help="Leave out relative paths "
                                             "matching this glob (repeatable); never deleted"),
    delete: bool = typer.Option(False, "--delete", help="Delete data files under --prefix that "
                                "have no local file (needs --prefix; --yes off a terminal)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan; send nothing that "
                                 "changes the tenant"),
    parallel: int | None = ParallelOpt,
    yes: bool = opts.Yes,
) -> None:
    """Make the data files of a space match a local folder: create what is missing, update what
    differs (size, or a local mtime later than modifiedDate), skip the rest, and with --delete
    remove names under --prefix that have no local file.

    A relative path a/b.csv becomes the name PREFIX + a/b.csv. Results go to stdout, one per
    file ({name, action, id, status, error} with -o json); a progress line on stderr when it is
    a terminal. Exit 0: all done; 1: some failed (the rest done). Killed, the same command
    again finishes the job: nothing finished is sent twice, large files resume.

    \b
    Examples:
      qcli data-file sync ./exports --prefix nightly/ --dry-run
      qcli data-file sync ./exports --prefix nightly/ --delete --yes -o json
      qcli data-file sync ./data --include '*.csv' --exclude 'tmp/*' --parallel 8
    """
    from qcli.services.sync import Options
    from qcli.services.sync import sync as run

    a = application(ctx)
    run(a, Options(directory, connection_id, prefix or "", tuple(include or ()),
                   tuple(exclude or ()), delete, dry_run, parallel, yes))


@command(app, "update")
def update(
    ctx: typer.Context,
    file_id: str = IdArg,
    source: str | None = typer.Argument(None, help="New content (optional)"),
    name: str | None = typer.Option(None, "--name", help="New name"),
    connection_id: str | None = ConnectionOpt,
    app_id: str | None = AppOpt,
    source_id: str | None = SourceOpt,
    temp_content_id: str | None = TempOpt,
    folder_id: str | None = typer.Option(None, "--folder-id", help="Move it into this folder "
                                         "(its ID)"),
    folder_merge_behavior: str | None = typer.Option(
        None, "--folder-merge-behavior", autocompletion=_complete_merge,
        help="Moving a folder onto one of the same name: merge (the default) or replace"),
    resumable: bool | None = ResumableOpt,
    chunk_size: str | None = ChunkOpt,
) -> None:
    """Re-upload, rename or move a data file or folder (PUT).

    \b
    Examples:
      qcli data-file update 1f7b6d0e-7b51-4f83-9a1c-8a6a3e4e0c11 sales.csv
      qcli data-file update 1f7b6d0e-7b51-4f83-9a1c-8a6a3e4e0c11 --name 2024/sales.csv
      qcli data-file update FOLDER_ID --folder-id PARENT_ID --folder-merge-behavior replace
    """
    a = application(ctx)
    _one_source(source, source_id, temp_content_id)
    if name is not None:
        validate_name(name)
    if folder_merge_behavior is not None and folder_merge_behavior not in MERGE_BEHAVIORS:
        raise UsageError(f"invalid --folder-merge-behavior {folder_merge_behavior!r}: choose "
                         "merge or replace")
    if not any((source, name, connection_id, app_id, source_id, temp_content_id, folder_id,
                folder_merge_behavior)):
        raise UsageError("nothing to change: give a FILE, --name, --connection-id, --app-id, "
                         "--source-id, --temp-content-id or --folder-id")
    if source is not None and name is None:
        current = a.data_files.get_data_file(file_id)
        if not current.name:
            raise UsageError(f"data file {file_id} has no name on the server: give --name")
        name = str(current.name)
    model = _model(name, connection_id, app_id, source_id, temp_content_id, folder_id)
    if folder_merge_behavior is not None:
        model["folderMergeBehavior"] = folder_merge_behavior
    from qcli.services.data_files import update_data_file

    a.printer.item(update_data_file(a, file_id, source, model, resumable=resumable,
                                    chunk_size=chunk_size))


@command(app, "rm")
def rm(
    ctx: typer.Context,
    file_ids: list[str] | None = typer.Argument(None, help="Data file IDs",
                                                autocompletion=complete_data_file),
    all_by_space: list[str] | None = typer.Option(
        None, "--delete-all-by-space", help="Also delete every data file of this shared space "
        "(repeatable; needs --yes)"),
    all_personal: bool = typer.Option(False, "--delete-all-from-personal-space",
                                      help="Also delete every data file of your personal space "
                                      "(needs --yes)"),
    yes: bool = opts.Yes,
) -> None:
    """Delete data files (several: one batch request). Asks first on a terminal; needs --yes
    otherwise. Deleting a whole space's files needs --yes even on a terminal.

    \b
    Examples:
      qcli data-file rm 1f7b6d0e-7b51-4f83-9a1c-8a6a3e4e0c11
      qcli data-file ls --name old.csv -q | xargs -r qcli data-file rm --yes
      qcli data-file rm --delete-all-by-space 617979737a9f56e49dea2e6e --yes
      qcli data-file rm --delete-all-from-personal-space --yes
    """
    from qcli.api.ids import check_ids

    a = application(ctx)
    file_ids = list(file_ids or [])
    spaces = list(all_by_space or [])
    if any(not s.strip() for s in spaces):
        raise UsageError("the space ID of --delete-all-by-space is empty")
    check_ids(file_ids, "data file ID")
    check_ids(spaces, "space ID")
    if spaces or all_personal:
        targets = [f"space {s}" for s in spaces] + (["your personal space"] if all_personal
                                                     else [])
        if not yes:
            raise UsageError(f"refusing to delete every data file of {', '.join(targets)} "
                             "without --yes")
        sent, refused = split_impossible(file_ids, _not_a_file_id)
        report_results(a, [*refused, *a.data_files.delete_data_files(
            sent, all_by_space=spaces, all_personal=all_personal)], "deletions")
        return
    if not file_ids:
        raise UsageError("give data file IDs, --delete-all-by-space SPACE_ID or "
                         "--delete-all-from-personal-space")
    delete_batch(a, file_ids, a.data_files.delete_data_files, "data file", yes=yes,
                 delete_one=a.data_files.delete_data_file, impossible=_not_a_file_id)


def _not_a_file_id(file_id: str) -> str | None:
    """Data file IDs are UUIDs (the spec's format): a batch with another ID is refused whole."""
    import uuid

    try:
        canonical = str(uuid.UUID(file_id)) == file_id.lower()  # not {...}, urn:uuid:, bare hex
    except ValueError:
        canonical = False
    return None if canonical else "no data file has this ID (data file IDs are UUIDs)"


@command(app, "change-owner")
def change_owner(
    ctx: typer.Context,
    file_id: str = IdArg,
    owner_id: str = typer.Option(..., "--owner-id", help="The new owner's user ID"),
) -> None:
    """Change the owner of a data file.

    \b
    Example:
      qcli data-file change-owner 1f7b6d0e-7b51-4f83-9a1c-8a6a3e4e0c11 --owner-id USER_ID
    """
    a = application(ctx)
    a.data_files.change_owner(file_id, owner_id)
    a.say(f"Changed the owner of {file_id} to {owner_id}.")


@command(app, "change-space")
def change_space(
    ctx: typer.Context,
    file_ids: list[str] = typer.Argument(..., help="Data file IDs",
                                         autocompletion=complete_data_file),
    space_id: str | None = typer.Option(None, "--space-id", help="The new space"),
    personal: bool = typer.Option(False, "--personal", help="Move to the owner's personal space"),
) -> None:
    """Move data files to a space (several: one batch request).

    \b
    Examples:
      qcli data-file change-space 1f7b6d0e-7b51-4f83-9a1c-8a6a3e4e0c11 --space-id SPACE_ID
      qcli data-file change-space ID1 ID2 --personal
    """
    from qcli.api.ids import check_ids

    a = application(ctx)
    check_ids(file_ids, "data file ID")
    if bool(space_id) == personal:
        raise UsageError("give --space-id ID or --personal (exactly one)")
    target = None if personal else space_id
    if len(file_ids) == 1:
        a.data_files.change_space(file_ids[0], target)
        a.say(f"Moved {file_ids[0]} to {target or 'the personal space'}.")
        return
    report_results(a, a.data_files.change_spaces(file_ids, target), "moves")


@command(app, "quotas")
def quotas(ctx: typer.Context) -> None:
    """Show the data-file quotas of the calling user.

    \b
    Example:
      qcli data-file quotas -o yaml
    """
    a = application(ctx)
    a.printer.item(a.data_files.get_quotas())


@command(connection_app, "ls")
def connection_ls(
    ctx: typer.Context,
    app_id: str | None = typer.Option(None, "--app-id", help="Scope connect statements to an app"),
    name: str | None = typer.Option(None, "--name", help="Only connections with this name"),
    space_id: str | None = typer.Option(None, "--space-id", help="Only this space's connection"),
    personal: bool = typer.Option(False, "--personal", help="Only personal-space connections"),
    include_space_stats: bool = typer.Option(False, "--include-space-stats", help="Fill in "
                                             "each connection's spaceStats"),
    sort: str | None = ConnectionSortOpt,
    limit: int | None = opts.Limit,
    page_size: int | None = PageSizeOpt,
) -> None:
    """List the built-in data-file connections (every page).

    \b
    Examples:
      qcli data-file connection ls --personal
      qcli data-file connection ls --sort -spaceId --include-space-stats -o yaml
    """
    a = application(ctx)
    check_counts(limit, page_size, MAX_PAGE_SIZE)
    params = {"appId": app_id, "name": name, "spaceId": space_id,
              "personal": "true" if personal else None,
              "includeSpaceStats": "true" if include_space_stats else None,
              "sort": check_sort(sort, CONNECTION_SORTS)}
    a.printer.items(a.data_files.list_connections(params, limit=limit, page_size=page_size),
                    columns=CONNECTION_COLUMNS)


@command(connection_app, "get")
def connection_get(ctx: typer.Context,
                   connection_id: str = typer.Argument(..., help="Connection ID")) -> None:
    """Show one data-file connection.

    \b
    Example:
      qcli data-file connection get ee6a390c-5d33-11e8-9c2d-fa7ae01bbebc
    """
    a = application(ctx)
    a.printer.item(a.data_files.get_connection(connection_id))
