"""Data-file create and update: one multipart request, or a resumable staged upload through
temporary content (with recovery after an interrupted run), or one streamed temp content for
stdin, a pipe or a FIFO. The 413 fallback and the 409 readings live here, not in the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qcli.errors import ApiError, ExitCode, QcliError

if TYPE_CHECKING:
    from qcli.api.models import DataFile
    from qcli.app import Application

STAGING_TTL = 86400  # a large file's temporary content outlives an interrupted run by a day
DEFAULT_THRESHOLD = 8 * 1024 * 1024


def create_data_file(a: Application, source: str | None, model: dict[str, Any], *,
                     resumable: bool | None = None, chunk_size: str | None = None
                     ) -> DataFile:
    """POST a data file: from `source` (a path, '-' or a stream) or, without one, from the
    model's sourceId / tempContentFileId. A name taken in that scope exits 5 naming the file
    that holds it."""
    if source is None:
        return a.data_files.upload_data_file(model, None)
    try:
        return _send(a, source, model, resumable, chunk_size, None)
    except ApiError as exc:
        existing = _existing(a, model) if exc.status == 409 else None
        if existing is None:
            raise
        raise _taken(model, existing, source, exc) from None


def update_data_file(a: Application, file_id: str, source: str | None, model: dict[str, Any],
                     *, resumable: bool | None = None, chunk_size: str | None = None
                     ) -> DataFile:
    """PUT a data file: new content from `source` and/or a changed model."""
    if source is None:
        return a.data_files.update_data_file(file_id, model, None)
    return _send(a, source, model, resumable, chunk_size, file_id)


def _send(a: Application, source: str, model: dict[str, Any], resumable: bool | None,
          chunk_size: str | None, file_id: str | None) -> DataFile:
    """Send a file's content: one multipart request, or resumable temp content then its ID; a
    stream (stdin, a pipe, a FIFO) goes through one streamed temp content."""
    from qcli.services.uploads import check_unchanged, is_stream, parse_chunk_size, readable_file

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
            check_unchanged(path, before, f"data file {written.id} holds what was read "
                            f"(qcli data-file update {written.id} FILE sends it again)")
            return written
    return _staged(a, path, source, model, chunk, file_id)


def _streamed(a: Application, source: str, model: dict[str, Any], resumable: bool | None,
              file_id: str | None) -> DataFile:
    """A stream can't be resumed or re-read: one streamed temp content, then its ID. Exit 1
    unless the data file holds as many bytes as were read."""
    from qcli.services.uploads import CountingReader, open_stream
    from qcli.transfer.progress import progress_bar

    if resumable:
        a.say(f"{source} is a stream: it is sent in one request (not resumable).")
    if file_id is None:
        _refuse_if_taken(a, model, source)  # before reading what can't be read twice
    with open_stream(a, source) as fh, progress_bar(a.io, None, model["name"]) as bar:
        reader = CountingReader(fh, bar)
        temp_id = a.temp_contents.upload_temp_content(reader, model["name"], STAGING_TTL)
    written = _write(a, file_id, dict(model, tempContentFileId=temp_id), None)
    size = written.size
    if isinstance(size, int) and size != reader.count:
        raise QcliError(f"data file {written.id} holds {size} bytes of the {reader.count} "
                        f"read from {source}")
    return written


def _write(a: Application, file_id: str | None, model: dict[str, Any],
           content: Any) -> DataFile:
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
            file_id: str | None) -> DataFile:
    """Resumable temp-content upload, then tempContentFileId. The resume entry is kept until the
    data file exists, so a re-run after any interruption finishes without a second file.

    A create answered 409 is taken for this upload's own earlier success only when an earlier
    run sent its POST (recorded just before sending, right after checking that the name was
    free) and never heard the answer, and the file has this upload's size; otherwise exit 5
    naming the file that holds the name."""
    from qcli.services.uploads import saved_entry, upload_resumable

    creating = file_id is None
    if creating and not _posted_before(saved_entry(a, path), model):
        _refuse_if_taken(a, model, source)  # before sending a byte
    result, uploader = upload_resumable(a, path, model["name"], ttl=STAGING_TTL, chunk=chunk,
                                        resume=True, keep_entry=True)
    store = uploader.store  # None: no state folder to write (a read-only HOME)
    entry = (store.load(result.key) if store is not None else None) or {}
    posted = creating and _posted_before(entry, model, result.id)
    if creating and not posted:
        _refuse_if_taken(a, model, source)
        entry = dict(entry, posting={
            "tempContentId": result.id,
            "scope": {k: model.get(k) for k in ("name", "connectionId", "appId")}})
        if store is not None:  # before the POST: a re-run knows it may have landed
            store.save(result.key, entry)
    staged = dict(model, tempContentFileId=result.id)
    try:
        created = _write(a, file_id, staged, None)
    except KeyboardInterrupt:
        raise QcliError("interrupted after the upload, while the data file was being written; "
                        "run the same command again to finish (nothing is uploaded twice)",
                        exit_code=ExitCode.INTERRUPTED) from None
    except ApiError as exc:
        if creating and store is not None:  # the answer was heard: this POST made nothing
            store.save(result.key, {k: v for k, v in entry.items() if k != "posting"})
        if exc.status != 409 or not creating:
            raise
        existing = _existing(a, model)
        if existing is None:
            raise
        if not (posted and existing.get("size") == result.size):
            raise _taken(model, existing, source, exc) from None
        from qcli.api.models import DataFile

        created = DataFile.from_json(existing)  # the earlier run's POST made it
    uploader.forget(result.key)
    return created
