"""qcli data-file: data files (as `qlik data-file`), with large files through resumable uploads."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import typer

from qcli.cli._typer import application, command, new_typer
from qcli.cli.completers import complete_data_file
from qcli.cli.inputs import check_counts
from qcli.errors import ApiError, ExitCode, QcliError, UsageError

if TYPE_CHECKING:
    from qcli.app import Application

app = new_typer("Manage data files.")
connection_app = new_typer("The built-in connections used to load and write data files.")
app.add_typer(connection_app, name="connection")

COLUMNS = [("ID", "id"), ("NAME", "name"), ("SIZE", "size"), ("SPACE", "spaceId"),
           ("APP", "appId"), ("MODIFIED", "modifiedDate")]
CONNECTION_COLUMNS = [("ID", "id"), ("NAME", "name"), ("SPACE", "spaceId"), ("TYPE", "type")]
RESULT_COLUMNS = [("ID", "id"), ("STATUS", "status"), ("TITLE", "title"), ("DETAIL", "detail")]
NAME = re.compile(r'^[^<>":\u0000|?*]+$')
STAGING_TTL = 86400  # a large file's temporary content outlives an interrupted run by a day
DEFAULT_THRESHOLD = 8 * 1024 * 1024

MAX_PAGE_SIZE = 1000
IdArg = typer.Argument(..., help="Data file ID", autocompletion=complete_data_file)
ConnectionOpt = typer.Option(None, "--connection-id", help="DataFiles connection (its space)")
AppOpt = typer.Option(None, "--app-id", help="App the file is bound to ('*' in ls: all apps)")
NameOpt = typer.Option(None, "--name", help="File name")
LimitOpt = typer.Option(None, "--limit", help="Stop after N items (default: every page)")
PageSizeOpt = typer.Option(None, "--page-size", help="Items per request (1 to 1000)")
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
YesOpt = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation")
ResumableOpt = typer.Option(None, "--resumable/--no-resumable", help="Force the upload through "
                            "resumable temp content, or force one multipart request (default: "
                            "resumable above the chunk size)")
ChunkOpt = typer.Option(None, "--chunk-size", help="Chunk size of a resumable upload "
                        "(default: 8MiB, growing on a fast link)")
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


@command(app, "ls")
def ls(
    ctx: typer.Context,
    connection_id: str | None = ConnectionOpt,
    app_id: str | None = AppOpt,
    name: str | None = NameOpt,
    owner_id: str | None = typer.Option(None, "--owner-id", help="Files of this owner"),
    allow_internal_files: bool | None = typer.Option(None, "--allow-internal-files/"
                                                     "--no-internal-files",
                                                     help="Include files with internal extensions"),
    base_name_wildcard: str | None = typer.Option(
        None, "--base-name-wildcard", help="Only items whose base name (no folder path) matches "
        "this pattern, with * and ? wildcards, e.g. 'sales_*.csv'"),
    folder_id: str | None = typer.Option(None, "--folder-id", help="Only items under this "
                                         "folder (default: the space's root)"),
    folder_path: str | None = typer.Option(None, "--folder-path", help="Only items under the "
                                           "folder at this path, e.g. 2024/q1"),
    exclude_sub_folders: bool = typer.Option(False, "--exclude-sub-folders", help="Only the "
                                             "direct children of the folder searched (default: "
                                             "its whole tree)"),
    include_folders: bool = typer.Option(False, "--include-folders", help="List folders too"),
    exclude_files: bool = typer.Option(False, "--exclude-files", help="Leave files out (with "
                                       "--include-folders: folders only)"),
    include_folder_stats: bool = typer.Option(False, "--include-folder-stats", help="Fill in "
                                              "each folder's folderStats"),
    not_owner_id: str | None = typer.Option(None, "--not-owner-id", help="Only items of other "
                                            "owners than this one"),
    include_all_spaces: bool = typer.Option(False, "--include-all-spaces", help="Every space "
                                            "you can access, the personal one included "
                                            "(ignored with --connection-id)"),
    sort: str | None = SortOpt,
    limit: int | None = LimitOpt,
    page_size: int | None = LsPageSizeOpt,
) -> None:
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
    check_counts(limit, page_size, MAX_PAGE_SIZE)
    if folder_id and folder_path:
        raise UsageError("give --folder-id or --folder-path, not both")
    params = {"connectionId": connection_id, "appId": app_id, "name": name, "ownerId": owner_id,
              "sort": check_sort(sort, FILE_SORTS), "baseNameWildcard": base_name_wildcard,
              "folderId": folder_id, "folderPath": folder_path, "notOwnerId": not_owner_id}
    if allow_internal_files is not None:
        params["allowInternalFiles"] = "true" if allow_internal_files else "false"
    switches = {"excludeSubFolders": exclude_sub_folders, "includeFolders": include_folders,
                "excludeFiles": exclude_files, "includeFolderStats": include_folder_stats,
                "includeAllSpaces": include_all_spaces}
    params.update({k: "true" for k, on in switches.items() if on})  # the spec's default: false
    # the spec's largest page unless told otherwise: 10,000 files in 10 requests, not 500 of the
    # server's default 20 (on a link with a 40 ms round trip, 20 s of waiting)
    items = a.data_files.list_data_files(params, limit=limit,
                                         page_size=page_size or MAX_PAGE_SIZE)
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


def _send(a: Application, source: str, model: dict[str, Any], resumable: bool | None,
          chunk_size: str | None, file_id: str | None) -> dict[str, Any]:
    """Send a file's content: one multipart request, or resumable temp content then its ID; a
    stream (stdin, a pipe, a FIFO) goes through one streamed temp content."""
    from qcli.cli.uploads import check_unchanged, is_stream, parse_chunk_size, readable_file

    chunk = parse_chunk_size(chunk_size)
    if is_stream(source):
        return _streamed(a, source, model, resumable, file_id)
    path = readable_file(source)
    threshold = chunk or DEFAULT_THRESHOLD
    before = path.stat()
    staged = resumable if resumable is not None else before.st_size > threshold
    if not staged:
        try:
            with open(path, "rb") as fh:
                written = _write(a, file_id, model, (model["name"], fh))
        except ApiError as exc:
            if exc.status != 413 or resumable is not None:
                raise
            a.say("The file is over the tenant's maxFileSize for one request: "
                  "sending it through temporary content.")
        else:
            check_unchanged(path, before, f"data file {written.get('id')} holds what was read "
                            f"(qcli data-file update {written.get('id')} FILE sends it again)")
            return written
    return _staged(a, path, source, model, chunk, file_id)


def _streamed(a: Application, source: str, model: dict[str, Any], resumable: bool | None,
              file_id: str | None) -> dict[str, Any]:
    """A stream can't be resumed or re-read: one streamed temp content, then its ID. Exit 1
    unless the data file holds as many bytes as were read."""
    from qcli.cli.uploads import CountingReader, open_stream
    from qcli.transfer.progress import progress_bar

    if resumable:
        a.say(f"{source} is a stream: it is sent in one request (not resumable).")
    if file_id is None:
        _refuse_if_taken(a, model, source)  # before reading what can't be read twice
    with open_stream(a, source) as fh, progress_bar(a.io, None, model["name"]) as bar:
        reader = CountingReader(fh, bar)
        temp_id = a.temp_contents.upload_temp_content(reader, model["name"], STAGING_TTL)
    written = _write(a, file_id, dict(model, tempContentFileId=temp_id), None)
    size = written.get("size")
    if isinstance(size, int) and size != reader.count:
        raise QcliError(f"data file {written.get('id')} holds {size} bytes of the {reader.count} "
                        f"read from {source}")
    return written


def _write(a: Application, file_id: str | None, model: dict[str, Any],
           content: Any) -> dict[str, Any]:
    if file_id is None:
        return a.data_files.upload_data_file(model, content)
    return a.data_files.update_data_file(file_id, model, content)


def _existing(a: Application, model: dict[str, Any]) -> dict[str, Any] | None:
    """The data file that holds model's name in its scope (connection's space, app), if any."""
    params = {"name": model["name"], "connectionId": model.get("connectionId"),
              "appId": model.get("appId"), "folderId": model.get("folderId")}
    in_folder = bool(model.get("folderId"))
    for item in a.data_files.list_data_files(params, limit=50):
        if model["name"] in (item.get("name"), item.get("baseName") if in_folder else None):
            return item
    return None


def _taken(model: dict[str, Any], existing: dict[str, Any], source: str,
           answer: ApiError | None = None) -> QcliError:
    """Exit 5 naming the data file that holds the name, and how to replace its content."""
    import shlex

    file_id = existing.get("id")
    what = (f"{answer.message}; the existing data file is {file_id}" if answer else
            f"a data file named {model['name']!r} already exists there (ID {file_id})")
    return QcliError(what,
                     hint=f"to replace its content: qcli data-file update {file_id} "
                          f"{shlex.quote(source)}", exit_code=ExitCode.CONFLICT)


def _refuse_if_taken(a: Application, model: dict[str, Any], source: str) -> None:
    existing = _existing(a, model)
    if existing is not None:
        raise _taken(model, existing, source)


def _posted_before(entry: dict[str, Any] | None, model: dict[str, Any],
                   temp_id: str | None = None) -> bool:
    """Did an earlier run send the data-file POST for this upload and never hear the answer?"""
    posting = (entry or {}).get("posting")
    if not isinstance(posting, dict):
        return False
    scope = {k: model.get(k) for k in ("name", "connectionId", "appId")}
    return posting.get("scope") == scope and (temp_id is None
                                              or posting.get("tempContentId") == temp_id)


def _staged(a: Application, path: Any, source: str, model: dict[str, Any], chunk: int | None,
            file_id: str | None) -> dict[str, Any]:
    """Resumable temp-content upload, then tempContentFileId. The resume entry is kept until the
    data file exists, so a re-run after any interruption finishes without a second file.

    A create answered 409 is taken for this upload's own earlier success only when an earlier
    run sent its POST (recorded just before sending, right after checking that the name was
    free) and never heard the answer, and the file has this upload's size; otherwise exit 5
    naming the file that holds the name."""
    from qcli.cli.uploads import saved_entry, upload_resumable

    creating = file_id is None
    if creating and not _posted_before(saved_entry(a, path), model):
        _refuse_if_taken(a, model, source)  # before sending a byte
    result, uploader = upload_resumable(a, path, model["name"], ttl=STAGING_TTL, chunk=chunk,
                                        resume=True, keep_entry=True)
    store = uploader.store
    assert store is not None
    entry = store.load(result.key) or {}
    posted = creating and _posted_before(entry, model, result.id)
    if creating and not posted:
        _refuse_if_taken(a, model, source)
        entry = dict(entry, posting={
            "tempContentId": result.id,
            "scope": {k: model.get(k) for k in ("name", "connectionId", "appId")}})
        store.save(result.key, entry)  # before the POST: a re-run knows it may have landed
    staged = dict(model, tempContentFileId=result.id)
    try:
        created = _write(a, file_id, staged, None)
    except KeyboardInterrupt:
        raise QcliError("interrupted after the upload, while the data file was being written; "
                        "run the same command again to finish (nothing is uploaded twice)",
                        exit_code=ExitCode.INTERRUPTED) from None
    except ApiError as exc:
        if creating:  # the answer was heard: this POST made nothing
            store.save(result.key, {k: v for k, v in entry.items() if k != "posting"})
        if exc.status != 409 or not creating:
            raise
        existing = _existing(a, model)
        if existing is None:
            raise
        if not (posted and existing.get("size") == result.size):
            raise _taken(model, existing, source, exc) from None
        created = existing  # the earlier run's POST made it
    uploader.forget(result.key)
    return created


@command(app, "create")
def create(
    ctx: typer.Context,
    source: str | None = typer.Argument(None, help="File to upload ('-': stdin, with --name)"),
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
) -> None:
    """Upload a data file, or make a folder (--folder). Files over the chunk size go through
    resumable temporary content: re-running an interrupted create resumes it and makes no
    second file.

    \b
    Examples:
      qcli data-file create sales.csv
      qcli data-file create big.qvd --connection-id ee6a390c-5d33-11e8-9c2d-fa7ae01bbebc
      qcli data-file create --name copy.csv --source-id 1f7b6d0e-7b51-4f83-9a1c-8a6a3e4e0c11
      qcli data-file create --folder --name 2024
      qcli data-file create q1.csv --folder-id 5f0c7e43-1b1a-4f6e-9d55-0f3b1f6f2a10
    """
    from pathlib import Path

    a = application(ctx)
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
    if source is None:
        created = a.data_files.upload_data_file(model, None)
    else:
        try:
            created = _send(a, source, model, resumable, chunk_size, None)
        except ApiError as exc:
            existing = _existing(a, model) if exc.status == 409 else None
            if existing is None:
                raise
            raise _taken(model, existing, source, exc) from None
    a.printer.item(created)


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
        name = str(current["name"])
    model = _model(name, connection_id, app_id, source_id, temp_content_id, folder_id)
    if folder_merge_behavior is not None:
        model["folderMergeBehavior"] = folder_merge_behavior
    if source is None:
        updated = a.data_files.update_data_file(file_id, model, None)
    else:
        updated = _send(a, source, model, resumable, chunk_size, file_id)
    a.printer.item(updated)


def _report(a: Application, results: list[dict[str, Any]], action: str) -> None:
    """Print a 207 result item by item, each failure also on stderr; then the batch rule
    (errors.batch_error): a partial failure exits 1, all failed for one reason its code."""
    from qcli.errors import batch_error, exit_code_for_status

    a.printer.items(results, columns=RESULT_COLUMNS)
    failed = [r for r in results if not 200 <= int(r.get("status") or 0) < 300]
    for item in failed:
        a.io.error_line(f"{item.get('id')}: {item.get('status')} {item.get('title') or ''}: "
                        f"{item.get('detail') or ''}".rstrip(": "))
    if failed:
        raise batch_error([exit_code_for_status(int(r.get("status") or 0)) for r in failed],
                          len(results), action)


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
    yes: bool = YesOpt,
) -> None:
    """Delete data files (several: one batch request). Asks first on a terminal; needs --yes
    otherwise. Deleting a whole space's files needs --yes even on a terminal.

    \b
    Examples:
      qcli data-file rm 1f7b6d0e-7b51-4f83-9a1c-8a6a3e4e0c11
      qcli data-file ls --name old.csv -q | xargs qcli data-file rm --yes
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
        _report(a, a.data_files.delete_data_files(file_ids, all_by_space=spaces,
                                                  all_personal=all_personal), "deletions")
        return
    if not file_ids:
        raise UsageError("give data file IDs, --delete-all-by-space SPACE_ID or "
                         "--delete-all-from-personal-space")
    what = (f"delete data file {file_ids[0]}" if len(file_ids) == 1
            else f"delete {len(file_ids)} data files")
    a.confirm_destructive(what, yes=yes)
    if len(file_ids) == 1:
        a.data_files.delete_data_file(file_ids[0])
        a.say(f"Deleted data file {file_ids[0]}.")
        return
    _report(a, a.data_files.delete_data_files(file_ids), "deletions")


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
    _report(a, a.data_files.change_spaces(file_ids, target), "moves")


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
    limit: int | None = LimitOpt,
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
