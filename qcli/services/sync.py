"""data-file sync: make the data files of a space (under a prefix) match a local folder.

The plan compares the folder's files with one listing of the space (all pages):
  create  a local file whose name is not there;
  update  its size differs, or the local mtime is later than the tenant's modifiedDate;
  skip    the same;
  delete  a tenant file under --prefix with no local file (only with --delete).
Names are the paths relative to the folder with '/' (NFC), after --prefix; --include and
--exclude are globs on that relative path (`*` crosses '/'), and a name they leave out is
neither sent nor deleted.

Kill-safe: what a killed run finished is in the tenant and reads as `skip` on the next run
(its modifiedDate is later than the file's mtime); a create that landed without its answer being
heard is found by name (409) and taken when it has the file's size; a large file's upload
resumes from its resume entry (services.data_files)."""

from __future__ import annotations

import fnmatch
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qcli.errors import ExitCode, QcliError, UsageError
from qcli.services.bulk import Item, check_parallel, finish, run_items

if TYPE_CHECKING:
    from qcli.app import Application

DELETE_BATCH = 100  # IDs per batch-delete request
INVALID = re.compile(r'[<>":\u0000|?*]')


@dataclass
class Options:
    directory: str
    connection_id: str | None = None
    prefix: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    delete: bool = False
    dry_run: bool = False
    parallel: int | None = None
    yes: bool = False


@dataclass
class Local:
    name: str  # the data file's name (prefix included)
    path: Path
    size: int
    mtime: float


def normalise_prefix(prefix: str | None) -> str:
    """'' or a folder path ending in '/' ('a/b' and '/a/b/' give 'a/b/')."""
    prefix = (prefix or "").strip("/")
    if not prefix:
        return ""
    if INVALID.search(prefix) or any(not part for part in prefix.split("/")):
        raise UsageError(f"invalid --prefix {prefix!r}: a folder path such as 2024/sales/ "
                         "(no < > \" : | ? * and no empty folder names)")
    return unicodedata.normalize("NFC", prefix) + "/"


def selected(rel: str, include: tuple[str, ...], exclude: tuple[str, ...]) -> bool:
    if include and not any(fnmatch.fnmatchcase(rel, g) for g in include):
        return False
    return not any(fnmatch.fnmatchcase(rel, g) for g in exclude)


def walk(directory: Path, prefix: str, include: tuple[str, ...],
         exclude: tuple[str, ...]) -> list[Local]:
    """The regular files under `directory` (following no symlinked folder), sorted by name."""
    found: list[Local] = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in files:
            path = Path(root) / name
            try:
                info = path.stat()
            except OSError:
                continue
            if not path.is_file():
                continue
            rel = unicodedata.normalize("NFC", path.relative_to(directory).as_posix())
            if selected(rel, include, exclude):
                found.append(Local(prefix + rel, path, info.st_size, info.st_mtime))
    return sorted(found, key=lambda f: f.name)


def parse_date(value: Any) -> float | None:
    """An RFC 3339 date (any number of fraction digits) as a POSIX time."""
    if not isinstance(value, str):
        return None
    match = re.match(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$", value)
    if not match:
        return None
    base, fraction, zone = match.groups()
    when = datetime.fromisoformat(base + ("+00:00" if zone in (None, "Z") else zone))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp() + (float(f"0.{fraction}") if fraction else 0.0)


def remote_files(a: Application, connection_id: str | None, prefix: str) -> dict[str, dict]:
    """The space's data files (every page, 1000 a page; internal ones too), by NFC name; under
    the prefix, the listing is narrowed server-side by folderPath (no such folder: none)."""
    from qcli.errors import ApiError

    params: dict[str, Any] = {"connectionId": connection_id, "allowInternalFiles": "true"}
    if prefix:
        params["folderPath"] = prefix.rstrip("/")
    found: dict[str, dict] = {}
    try:
        for item in a.data_files.list_data_files(params, page_size=1000):
            if item.get("folder"):
                continue
            found[unicodedata.normalize("NFC", str(item.get("name")))] = item
    except ApiError as exc:
        if not (prefix and exc.status == 404):
            raise
    return found


def plan(locals_: list[Local], remote: dict[str, dict], options: Options,
         prefix: str) -> list[tuple[str, Local | None, dict | None]]:
    """(action, local, remote) per name, sorted by name: create, update, skip, delete."""
    steps: list[tuple[str, Local | None, dict | None]] = []
    seen = set()
    for local in locals_:
        seen.add(local.name)
        there = remote.get(local.name)
        if there is None:
            steps.append(("create", local, None))
            continue
        modified = parse_date(there.get("modifiedDate"))
        newer = modified is not None and local.mtime > modified
        steps.append(("update" if there.get("size") != local.size or newer else "skip",
                      local, there))
    if options.delete:
        for name, there in remote.items():
            rel = name[len(prefix):]
            if (name in seen or not name.startswith(prefix)
                    or not selected(rel, options.include, options.exclude)):
                continue
            steps.append(("delete", None, there))
    return sorted(steps, key=lambda s: (s[1].name if s[1] else str(s[2]["name"])))  # type: ignore[index]


def sync(a: Application, options: Options) -> None:
    """Plan, ask (or need --yes) for deletes, carry out with N workers, print the results."""
    parallel = check_parallel(options.parallel)
    directory = Path(options.directory)
    if not directory.is_dir():
        raise UsageError(f"{options.directory} is not a directory" if directory.exists()
                         else f"no such directory: {options.directory}")
    prefix = normalise_prefix(options.prefix)
    if options.delete and not prefix:
        raise UsageError("--delete needs --prefix FOLDER/: it deletes only names under it")
    if options.delete and not options.dry_run and not options.yes and not a.io.can_prompt:
        raise UsageError("refusing to delete data files without confirmation: pass --yes")
    locals_ = walk(directory, prefix, options.include, options.exclude)
    steps = plan(locals_, remote_files(a, options.connection_id, prefix), options, prefix)
    items = [_item(a, action, local, there, options) for action, local, there in steps]
    deletes = [i for i in items if i.action == "delete"]
    if options.dry_run:
        for item in items:
            item.outcome("planned")
        a.printer.items([i.result for i in items], columns=_columns(), id_key="name")
        return
    if deletes and not options.yes:
        a.confirm_destructive(f"delete {len(deletes)} data file"
                              f"{'' if len(deletes) == 1 else 's'} under {prefix}", yes=False)
    work = [i for i in items if i.action != "delete"]
    work.sort(key=lambda i: -i.size)  # large files first: they overlap the many small ones
    run_items(a, work, parallel, "sync")
    _delete(a, deletes)
    finish(a, items, "items")


def _columns() -> list[tuple[str, str]]:
    from qcli.services.bulk import RESULT_COLUMNS

    return RESULT_COLUMNS


def _item(a: Application, action: str, local: Local | None, there: dict | None,
          options: Options) -> Item:
    name = local.name if local else str((there or {}).get("name"))
    file_id = (there or {}).get("id")
    if action in ("skip", "delete"):
        return Item(name, action, id=file_id)
    assert local is not None
    if INVALID.search(name):
        item = Item(name, action)
        item.run = _refuse(name)
        return item
    model = {"name": name, **({"connectionId": options.connection_id}
                              if options.connection_id else {})}
    if action == "update":
        return Item(name, action, local.size, file_id,
                    run=lambda: _update(a, str(file_id), local, model))
    return Item(name, action, local.size, run=lambda: create_one(a, local.path, model))


def _refuse(name: str) -> Any:
    def run() -> str | None:
        raise QcliError(f"invalid data-file name {name!r}: it may not contain < > \" : | ? * "
                        "or NUL (rename the file or --exclude it)")
    return run


def create_many(a: Application, files: list[str], scope: dict[str, Any], parallel: int | None,
                *, resumable: bool | None = None, chunk_size: str | None = None) -> None:
    """data-file create FILE...: each file under its own name, on the bulk engine. A name
    already taken fails that file (as `data-file create` of one file does: exit 5 when all
    do); `data-file sync` is the re-runnable way."""
    from qcli.services.data_files import create_data_file
    from qcli.services.uploads import readable_file

    workers = check_parallel(parallel)
    paths = [readable_file(f) for f in files]  # exit 2 before any request
    names = [p.name for p in paths]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise UsageError(f"several files would get the same name: {', '.join(twice)}")
    base = {k: v for k, v in scope.items() if v is not None}
    import functools

    items = [Item(p.name, "create", p.stat().st_size,
                  run=functools.partial(_created, create_data_file, a, str(p),
                                        dict(base, name=p.name), resumable=resumable,
                                        chunk_size=chunk_size))
             for p in paths]
    run_items(a, items, workers, "create")
    finish(a, items, "uploads")


def _created(create: Any, *args: Any, **kwargs: Any) -> str | None:
    return create(*args, **kwargs).id


def create_one(a: Application, path: Path, model: dict[str, Any], *,
               resumable: bool | None = None, chunk_size: str | None = None) -> str | None:
    """data-file create for one file of a sync. A name already taken by a file of this file's
    size is what the plan would skip: an earlier run's create whose answer was never heard (or
    a listing that missed it)."""
    from qcli.services.data_files import _existing, create_data_file

    try:
        return create_data_file(a, str(path), dict(model), resumable=resumable,
                                chunk_size=chunk_size).id
    except QcliError as exc:
        if exc.exit_code != ExitCode.CONFLICT:
            raise
        existing = _existing(a, model)
        if existing is None or existing.get("size") != path.stat().st_size:
            raise
        return existing.get("id")


def _update(a: Application, file_id: str, local: Local, model: dict[str, Any]) -> str | None:
    from qcli.services.data_files import update_data_file

    return update_data_file(a, file_id, str(local.path), dict(model)).id or file_id


def _delete(a: Application, deletes: list[Item]) -> None:
    """Batch deletes (DELETE_BATCH IDs a request), each answered item by item."""
    for start in range(0, len(deletes), DELETE_BATCH):
        chunk = deletes[start:start + DELETE_BATCH]
        try:
            answers = a.data_files.delete_data_files([str(i.id) for i in chunk])
        except QcliError as exc:
            for item in chunk:
                item.outcome("failed", exc.message, code=exc.exit_code)
            continue
        by_id = {str(r.get("id")): r for r in answers}
        for item in chunk:
            answer = by_id.get(str(item.id), {})
            status = int(answer.get("status") or 0)
            if 200 <= status < 300 or status == 404:  # gone already: what --delete wants
                item.outcome("ok")
            else:
                item.outcome("failed", f"{status} {answer.get('title') or ''} "
                             f"{answer.get('detail') or ''}".strip())
