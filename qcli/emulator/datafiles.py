"""The data-files API: twelve operations with the reference's status codes.

Spaces: the caller's personal space (spaceId null), two team spaces it can reach, and one it can
not (403). Connections: one built-in personal connection and one per reachable team space.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qcli.emulator.envelopes import errors_response
from qcli.emulator.pagination import BadPage, cursor_page

NAME = re.compile(r'^[^<>":\u0000|?*]+$')
PERSONAL_CONNECTION = "ee6a390c-5d33-11e8-9c2d-fa7ae01bbebc"
TEAM_SPACES = {"617979737a9f56e49dea2e6e": "Sales", "61797a2b7a9f56e49dea2e6f": "Finance"}
FORBIDDEN_SPACE = "6179800000000000000000ff"
USERS = {"emulator-user", "user-2", "user-3"}
INTERNAL_EXTENSIONS = (".qvd.tmp", ".parquet.tmp")
# the spec's GetDataFileInfosSortField and GetConnectionsSortField
SORT_FIELDS = {"name": "name", "size": "size", "modifiedDate": "modified", "folder": "folder",
               "baseName": "base_name"}
CONNECTION_SORT = ("spaceId",)
ACTIONS = ["read", "update", "delete", "list", "change_owner", "change_space"]
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
BASE = "/api/v1/data-files"
SEED_BLOB = "seed-blob"  # shared by every seeded file
MAX_SIZE = 100 * 1024**3  # the space quota a tenant reports (2^63-1 is not exact in JavaScript)
# the spec's fine-grained error codes (ErrorCode); other errors carry HTTP-<status>
BAD_CURSOR, BAD_SORT, FOLDER_ID_AND_PATH, NO_PARENT, NO_OWNER = (
    "DF-001", "DF-002", "DF-003", "DF-005", "DF-006")
NOT_A_FOLDER, NO_SPACE, NO_TEMP_CONTENT, SPACE_FORBIDDEN, NO_CONNECTION, NO_SOURCE = (
    "DF-008", "DF-009", "DF-012", "DF-013", "DF-014", "DF-017")


def connection_for(space_id: str | None) -> dict[str, Any]:
    if space_id is None:
        cid, name = PERSONAL_CONNECTION, "DataFiles"
        path = "mydatafiles"
    else:
        cid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"qcli-emulator/space/{space_id}"))
        name = f"DataFiles_{TEAM_SPACES[space_id]}"
        path = f"space/{space_id}"
    return {"id": cid, "name": name, "type": "qix-datafiles.exe",
            "connectStatement": f'CUSTOM CONNECT TO "provider=qix-datafiles.exe;path={path};"',
            "spaceId": space_id}


CONNECTIONS = [connection_for(None), *(connection_for(s) for s in TEAM_SPACES)]
BY_CONNECTION = {c["id"]: c["spaceId"] for c in CONNECTIONS}
FORBIDDEN_CONNECTION = str(uuid.uuid5(uuid.NAMESPACE_URL, f"qcli-emulator/space/{FORBIDDEN_SPACE}"))


class Problem(Exception):
    def __init__(self, status: int, detail: str, code: str | None = None):
        self.status, self.detail, self.code = status, detail, code or f"HTTP-{status}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def _emu(request: Request) -> Any:
    return request.app.state.emulator


ZERO_STATS = {k: 0 for k in (
    "aggregateAppScopedFileSize", "aggregateFileSize", "aggregateInternalFileSize",
    "directAppScopedFileCount", "directFileCount", "directFolderCount", "directInternalFileCount",
    "totalAppScopedFileCount", "totalFileCount", "totalFolderCount", "totalInternalFileCount")}


def _folder_stats(store: Any, row: Any) -> dict[str, int]:
    """FolderStatsResponse of a folder (zeros for a file)."""
    stats = dict(ZERO_STATS)
    if not row["folder"]:
        return stats
    below = store.query("SELECT * FROM data_files WHERE space_id IS ? AND name LIKE ? ESCAPE '\\'",
                        row["space_id"], _like_prefix(row["name"]))
    for item in below:
        direct = item["folder_id"] == row["id"]
        if item["folder"]:
            stats["totalFolderCount"] += 1
            stats["directFolderCount"] += direct
            continue
        internal = item["name"].endswith(INTERNAL_EXTENSIONS)
        scoped = item["app_id"] is not None
        kind = "Internal" if internal else "AppScoped" if scoped else ""
        stats["totalFileCount"] += 1
        stats["directFileCount"] += direct
        stats["aggregateFileSize"] += item["size"]
        if kind:
            stats[f"total{kind}FileCount"] += 1
            stats[f"direct{kind}FileCount"] += direct
            stats[f"aggregate{kind}FileSize"] += item["size"]
    return stats


def _like_prefix(name: str) -> str:
    return name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"


def _view(row: Any, store: Any = None) -> dict[str, Any]:
    name = row["name"]
    parent, _, base = name.rpartition("/")
    return {"id": row["id"], "name": name, "baseName": base, "folder": bool(row["folder"]),
            "folderId": row["folder_id"], "folderPath": parent or None, "appId": row["app_id"],
            "size": row["size"], "createdDate": row["created"], "modifiedDate": row["modified"],
            "spaceId": row["space_id"], "ownerId": row["owner_id"], "actions": list(ACTIONS),
            "folderStats": _folder_stats(store, row) if store is not None else dict(ZERO_STATS)}


def _guard(handler: Any) -> Any:
    async def wrapped(request: Request) -> Response:
        try:
            _no_empty_values(request)
            return await handler(request)
        except Problem as exc:
            return errors_response(exc.status, exc.detail, code=exc.code, trace=False)
        except BadPage as exc:
            return errors_response(400, str(exc), code=BAD_CURSOR, trace=False)

    return wrapped


def _no_empty_values(request: Request) -> None:
    """The spec allows no empty query values (allowEmptyValue is never set): `?appId=` is bad
    input, not 'no appId'."""
    empty = sorted({k for k, v in request.query_params.multi_items() if v == ""})
    if empty:
        raise Problem(400, f"query parameters without a value: {', '.join(empty)}")


def _space_of_connection(connection_id: str | None) -> str | None:
    if connection_id is None:
        return None
    if connection_id == FORBIDDEN_CONNECTION:
        raise Problem(403, "the space of this connection is not accessible to the current user",
                      SPACE_FORBIDDEN)
    if connection_id not in BY_CONNECTION:
        raise Problem(404, f"a connection with ID {connection_id} was not found", NO_CONNECTION)
    return BY_CONNECTION[connection_id]


def _check_space(space_id: Any) -> None:
    if space_id is not None and not isinstance(space_id, str):
        raise Problem(400, f"spaceId must be a string or null, not {json.dumps(space_id)}")
    if space_id is None or space_id in TEAM_SPACES:
        return
    if space_id == FORBIDDEN_SPACE:
        raise Problem(403, f"the user does not have access to space {space_id}", SPACE_FORBIDDEN)
    raise Problem(400, f"a space with ID {space_id} does not exist", NO_SPACE)


def _row(request: Request, file_id: str) -> Any:
    rows = _emu(request).store.query("SELECT * FROM data_files WHERE id = ?", file_id)
    if not rows:
        raise Problem(404, f"a data file with ID {file_id} was not found")
    return rows[0]


def _locked(request: Request, file_id: str) -> asyncio.Lock:
    locks: dict[str, asyncio.Lock] = _emu(request).data_file_locks
    return locks.setdefault(file_id, asyncio.Lock())


def _check_unlocked(request: Request, file_id: str) -> None:
    if _locked(request, file_id).locked():
        raise Problem(423, "the file is already locked for read or write by another client")


def _name_taken(request: Request, name: str, space_id: str | None, app_id: str | None,
                except_id: str | None = None) -> bool:
    rows = _emu(request).store.query(
        "SELECT id FROM data_files WHERE name = ? AND space_id IS ? AND app_id IS ?",
        name, space_id, app_id)
    return any(r["id"] != except_id for r in rows)


def _used(request: Request) -> int:
    rows = _emu(request).store.query("SELECT COALESCE(SUM(size), 0) AS used FROM data_files")
    return int(rows[0]["used"])


def quotas_of(emu: Any, used: int) -> dict[str, Any]:
    return {"maxFileSize": emu.config.max_file_size, "maxLargeFileSize": emu.config.max_upload_size,
            "maxSize": MAX_SIZE, "size": used, "allowedExtensions": [],
            "allowedInternalExtensions": list(INTERNAL_EXTENSIONS)}


# the Json part's properties (the spec's multipart schema) and their types
MODEL_FIELDS: dict[str, tuple[type, ...]] = {
    "name": (str,), "appId": (str, type(None)), "connectionId": (str, type(None)),
    "folder": (bool,), "folderId": (str, type(None)), "sourceId": (str, type(None)),
    "tempContentFileId": (str, type(None)), "folderMergeBehavior": (str,)}
UUID_FIELDS = ("connectionId", "folderId", "sourceId")


def _check_model(model: dict[str, Any], *, put: bool) -> None:
    allowed = set(MODEL_FIELDS) - ({"folder"} if put else {"folderMergeBehavior"})
    unknown = sorted(set(model) - allowed)
    if unknown:
        raise Problem(400, f"unknown properties in the 'Json' part: {', '.join(unknown)}")
    for key, value in model.items():
        if not isinstance(value, MODEL_FIELDS[key]) or (
                MODEL_FIELDS[key] == (str,) and isinstance(value, bool)):
            raise Problem(400, f"Json.{key} has the wrong type: {json.dumps(value)}")
        if key in UUID_FIELDS and isinstance(value, str) and not UUID.match(value):
            raise Problem(400, f"Json.{key} must be a UUID, not {value!r}")
    if model.get("folderMergeBehavior", "merge") not in ("merge", "replace"):
        raise Problem(400, "Json.folderMergeBehavior must be merge or replace")
    if not put and "name" not in model:
        raise Problem(400, "the 'Json' part needs a name")


async def _parts(request: Request, *, put: bool = False) -> tuple[dict[str, Any], Any]:
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        raise Problem(400, "expected multipart/form-data with parts 'Json' and 'File'")
    try:
        form = await request.form(max_part_size=64 * 1024 * 1024)
    except (HTTPException, MultiPartException) as exc:
        detail = getattr(exc, "detail", None) or getattr(exc, "message", None) or str(exc)
        raise Problem(400, f"the multipart body is malformed: {detail}") from None
    raw = form.get("Json")
    if raw is None:
        raise Problem(400, "the 'Json' part is required")
    text = raw if isinstance(raw, str) else (await raw.read()).decode("utf-8", "replace")
    try:
        model = json.loads(text)
    except ValueError:
        raise Problem(400, "the 'Json' part is not valid JSON") from None
    if not isinstance(model, dict):
        raise Problem(400, "the 'Json' part must be a JSON object")
    _check_model(model, put=put)
    upload = form.get("File")
    return model, (None if isinstance(upload, str) else upload)


async def _content(request: Request, model: dict[str, Any], upload: Any, dest: Any
                   ) -> int | None:
    """Write the new content to `dest` from File, tempContentFileId or sourceId; its size, or
    None when the request carries no content."""
    emu = _emu(request)
    sources = [k for k in ("tempContentFileId", "sourceId") if model.get(k)]
    if upload is not None:
        sources.append("File")
    if len(sources) > 1:
        raise Problem(400, f"give one content source, not {' and '.join(sources)}")
    if not sources:
        return None
    if upload is not None:
        size = 0
        with open(dest, "wb") as fh:
            while chunk := await upload.read(1024 * 1024):
                size += len(chunk)
                if size > emu.config.max_file_size:
                    raise Problem(413, f"the file exceeds the maximum file size of "
                                  f"{emu.config.max_file_size} bytes for a direct upload")
                fh.write(chunk)
        return size
    if model.get("tempContentFileId"):
        temp_id = str(model["tempContentFileId"])
        row = emu.store.get_temp(temp_id)
        if row is None or time.time() > row["created"] + row["ttl"]:
            raise Problem(400, f"temporary content {temp_id} does not exist or has expired",
                          NO_TEMP_CONTENT)
        if row["offset"] < row["length"]:
            raise Problem(400, f"temporary content {temp_id} is not completely uploaded")
        if row["length"] > emu.config.max_upload_size:
            raise Problem(413, "the file exceeds the maximum large file size")
        shutil.copyfile(emu.store.temp_path(temp_id), dest)
        return int(row["length"])
    source = str(model["sourceId"])
    rows = emu.store.query("SELECT * FROM data_files WHERE id = ?", source)
    if not rows:
        raise Problem(400, f"the source data file {source} does not exist", NO_SOURCE)
    shutil.copyfile(emu.store.data_dir / "datafiles" / rows[0]["blob"], dest)
    return int(rows[0]["size"])


def _validate_name(name: Any) -> str:
    if not isinstance(name, str) or not name or not NAME.match(name):
        raise Problem(400, f"invalid file name {name!r}: it must match ^[^<>\":\\u0000|?*]+$")
    return name


INSERT = ("INSERT INTO data_files (id, name, app_id, space_id, owner_id, size, blob, created, "
          "modified, folder, folder_id, base_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def _folder_row(request: Request, folder_id: str, space_id: str | None) -> Any:
    rows = _emu(request).store.query("SELECT * FROM data_files WHERE id = ?", folder_id)
    if not rows:
        raise Problem(400, f"the parent folder {folder_id} does not exist", NO_PARENT)
    if not rows[0]["folder"]:
        raise Problem(400, f"{folder_id} is a file, not a folder", NOT_A_FOLDER)
    if rows[0]["space_id"] != space_id:
        raise Problem(400, f"the folder {folder_id} is not in the target space", "DF-020")
    return rows[0]


def _ensure_folders(db: Any, emu: Any, path: str, space_id: str | None, stamp: str
                    ) -> str | None:
    """The ID of the folder `path` (a/b/c) in the space, made (with its parents) if missing."""
    parent: str | None = None
    sofar = ""
    for part in [p for p in path.split("/") if p]:
        sofar = f"{sofar}/{part}" if sofar else part
        row = db.execute("SELECT id, folder FROM data_files WHERE name = ? AND space_id IS ? "
                         "AND app_id IS NULL", (sofar, space_id)).fetchone()
        if row is not None and not row["folder"]:
            raise Problem(409, f"{sofar!r} is a file, so it cannot hold other items")
        if row is None:
            folder_id = str(uuid.uuid4())
            db.execute(INSERT, (folder_id, sofar, None, space_id, emu.user_id, 0, "", stamp,
                                stamp, 1, parent, part))
            parent = folder_id
        else:
            parent = row["id"]
    return parent


def _place(request: Request, model: dict[str, Any], name: str, space_id: str | None
           ) -> tuple[str, str | None]:
    """(full name, parent folder path or None): a folderId puts the item in that folder."""
    if model.get("folderId"):
        parent = _folder_row(request, model["folderId"], space_id)
        base = name.rpartition("/")[2]
        return f"{parent['name']}/{base}", parent["name"]
    folder_path = name.rpartition("/")[0]
    return name, folder_path or None


@_guard
async def upload_data_file(request: Request) -> Response:
    emu = _emu(request)
    model, upload = await _parts(request)
    name = _validate_name(model.get("name") or getattr(upload, "filename", None))
    space_id = _space_of_connection(model.get("connectionId"))
    app_id = model.get("appId")
    name, folder_path = _place(request, model, name, space_id)
    if _name_taken(request, name, space_id, app_id):
        raise Problem(409, f"a file named {name!r} already exists in this scope")
    file_id = str(uuid.uuid4())
    if model.get("folder"):
        if upload is not None or model.get("tempContentFileId") or model.get("sourceId"):
            raise Problem(400, "a folder has no content: give no File, tempContentFileId or "
                          "sourceId with folder: true")
        stamp = _now()
        with emu.store.transaction() as db:
            parent = _ensure_folders(db, emu, folder_path, space_id, stamp) if folder_path else None
            if _name_taken(request, name, space_id, app_id):
                raise Problem(409, f"a folder named {name!r} already exists in this scope")
            db.execute(INSERT, (file_id, name, app_id, space_id, emu.user_id, 0, "", stamp, stamp,
                                1, parent, name.rpartition("/")[2]))
        return JSONResponse(_view(_row(request, file_id), emu.store), status_code=201)
    folder = emu.store.data_dir / "datafiles"
    folder.mkdir(exist_ok=True)
    tmp = folder / f".{file_id}.tmp"
    lock = _locked(request, file_id)
    async with lock:
        try:
            size = await _content(request, model, upload, tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if size is None:
            raise Problem(400, "give the content: a 'File' part, tempContentFileId or sourceId "
                          "(or folder: true for a folder)")
        tmp.rename(folder / file_id)
        stamp = _now()
        with emu.store.transaction() as db:
            if _name_taken(request, name, space_id, app_id):
                (folder / file_id).unlink()
                raise Problem(409, f"a file named {name!r} already exists in this scope")
            parent = _ensure_folders(db, emu, folder_path, space_id, stamp) if folder_path else None
            db.execute(INSERT, (file_id, name, app_id, space_id, emu.user_id, size, file_id, stamp,
                                stamp, 0, parent, name.rpartition("/")[2]))
    return JSONResponse(_view(_row(request, file_id), emu.store), status_code=201)


@_guard
async def update_data_file(request: Request) -> Response:
    emu = _emu(request)
    file_id = request.path_params["id"]
    row = _row(request, file_id)
    _check_unlocked(request, file_id)
    async with _locked(request, file_id):  # held while the new content streams in: others get 423
        model, upload = await _parts(request, put=True)
        name = _validate_name(model["name"]) if model.get("name") else row["name"]
        space_id = (_space_of_connection(model["connectionId"]) if model.get("connectionId")
                    else row["space_id"])
        app_id = model.get("appId", row["app_id"])
        if model.get("folderId"):
            name, _ = _place(request, model, name, space_id)
        if _name_taken(request, name, space_id, app_id, except_id=file_id):
            raise Problem(409, f"a file named {name!r} already exists in the target scope")
        if row["folder"] and (upload is not None or model.get("tempContentFileId")
                              or model.get("sourceId")):
            raise Problem(400, "a folder has no content to replace")
        folder = emu.store.data_dir / "datafiles"
        tmp = folder / f".{file_id}.put"
        try:
            size = await _content(request, model, upload, tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if size is not None:
            tmp.replace(folder / row["blob"])
        stamp = _now()
        with emu.store.transaction() as db:
            folder_path = name.rpartition("/")[0]
            parent = (_ensure_folders(db, emu, folder_path, space_id, stamp) if folder_path
                      else None)
            db.execute("UPDATE data_files SET name = ?, space_id = ?, app_id = ?, size = ?, "
                       "owner_id = ?, modified = ?, folder_id = ?, base_name = ? WHERE id = ?",
                       (name, space_id, app_id, row["size"] if size is None else size,
                        emu.user_id if size is not None else row["owner_id"], stamp, parent,
                        name.rpartition("/")[2], file_id))
            if row["folder"] and name != row["name"]:  # a renamed folder takes its items along
                for item in db.execute("SELECT id, name FROM data_files WHERE space_id IS ? AND "
                                       "name LIKE ? ESCAPE '\\'",
                                       (row["space_id"], _like_prefix(row["name"]))).fetchall():
                    db.execute("UPDATE data_files SET name = ?, space_id = ? WHERE id = ?",
                               (name + item["name"][len(row["name"]):], space_id, item["id"]))
    return JSONResponse(_view(_row(request, file_id), emu.store), status_code=201)


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "false")
    if raw.lower() not in ("true", "false"):
        raise Problem(400, f"{name} must be true or false, not {raw!r}")
    return raw.lower() == "true"


@_guard
async def list_data_files(request: Request) -> Response:
    q = request.query_params
    store = _emu(request).store
    sql = "SELECT * FROM data_files WHERE 1 = 1"
    args: list[Any] = []
    space_filter = True
    if q.get("connectionId"):
        space_id = _space_of_connection(q["connectionId"])
    elif q.get("ownerId") or _flag(request, "includeAllSpaces"):
        space_filter, space_id = False, None  # every space the caller can reach
        marks = ",".join("?" * len(TEAM_SPACES))
        sql += f" AND (space_id IS NULL OR space_id IN ({marks}))"
        args.extend(TEAM_SPACES)
    else:
        space_id = None
    if space_filter:
        sql += " AND space_id IS ?"
        args.append(space_id)
    if q.get("ownerId"):
        sql += " AND owner_id = ?"
        args.append(q["ownerId"])
    if q.get("notOwnerId"):
        sql += " AND owner_id != ?"
        args.append(q["notOwnerId"])
    app_id = q.get("appId")
    if app_id == "*":
        sql += " AND app_id IS NOT NULL"
    elif app_id:
        sql += " AND app_id = ?"
        args.append(app_id)
    else:
        sql += " AND app_id IS NULL"
    if q.get("name"):
        sql += " AND name = ?"
        args.append(q["name"])
    if q.get("baseNameWildcard"):
        sql += " AND wildcard(?, base_name)"
        args.append(q["baseNameWildcard"])
    if q.get("folderId") and q.get("folderPath"):
        raise Problem(400, "folderId and folderPath are mutually exclusive", FOLDER_ID_AND_PATH)
    root: str | None = None
    if q.get("folderId"):
        rows = store.query("SELECT * FROM data_files WHERE id = ?", q["folderId"])
        if not rows or not rows[0]["folder"]:
            raise Problem(404 if not rows else 400, f"no folder with ID {q['folderId']}",
                          NO_PARENT if not rows else NOT_A_FOLDER)
        root = rows[0]["id"]
        root_name = rows[0]["name"]
    elif q.get("folderPath"):
        path = q["folderPath"].strip("/")
        rows = store.query("SELECT * FROM data_files WHERE name = ? AND folder = 1 AND "
                           "space_id IS ?", path, space_id)
        if not rows:
            raise Problem(404, f"no folder {path!r} in this space", "DF-020")
        root, root_name = rows[0]["id"], rows[0]["name"]
    sub = _flag(request, "excludeSubFolders")
    if root is not None:
        if sub:
            sql += " AND folder_id = ?"
            args.append(root)
        else:
            sql += " AND name LIKE ? ESCAPE '\\'"
            args.append(_like_prefix(root_name))
    elif sub:
        sql += " AND folder_id IS NULL"
    if _flag(request, "excludeFiles"):
        sql += " AND folder = 1"
    elif not _flag(request, "includeFolders"):
        sql += " AND folder = 0"
    if not _flag(request, "allowInternalFiles"):  # the spec's default: false
        for ext in INTERNAL_EXTENSIONS:
            sql += " AND name NOT LIKE ?"
            args.append(f"%{ext}")
    _flag(request, "includeFolderStats")  # folderStats is always there (the spec requires it)
    sort = q.get("sort", "name")
    field = sort[1:] if sort[:1] in "+-" and sort else sort
    if field not in SORT_FIELDS:
        raise Problem(400, f"cannot sort by {sort!r}: use one of {', '.join(SORT_FIELDS)} "
                      "(with + or - before it)", BAD_SORT)
    sql += f" ORDER BY {SORT_FIELDS[field]} {'DESC' if sort.startswith('-') else 'ASC'}, id"

    def fetch(start: int, count: int) -> list[dict[str, Any]]:
        rows = store.query(sql + " LIMIT ? OFFSET ?", *args, count, start)
        return [_view(r, store) for r in rows]

    return JSONResponse(cursor_page(request, fetch))


@_guard
async def get_data_file(request: Request) -> Response:
    return JSONResponse(_view(_row(request, request.path_params["id"]), _emu(request).store))


def _delete(request: Request, file_id: str) -> None:
    """Delete a file, or a folder with everything in it."""
    emu = _emu(request)
    row = _row(request, file_id)
    _check_unlocked(request, file_id)
    rows = [row]
    if row["folder"]:
        rows += emu.store.query("SELECT * FROM data_files WHERE space_id IS ? AND name LIKE ? "
                                "ESCAPE '\\'", row["space_id"], _like_prefix(row["name"]))
    with emu.store.transaction() as db:
        db.executemany("DELETE FROM data_files WHERE id = ?", [(r["id"],) for r in rows])
    for r in rows:
        if r["blob"] and r["blob"] != SEED_BLOB:
            (emu.store.data_dir / "datafiles" / r["blob"]).unlink(missing_ok=True)


@_guard
async def delete_data_file(request: Request) -> Response:
    _delete(request, request.path_params["id"])
    return Response(status_code=204)


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise Problem(400, "the body is not valid JSON") from None


@_guard
async def change_owner(request: Request) -> Response:
    file_id = request.path_params["id"]
    _row(request, file_id)
    body = await _json_body(request)
    owner = body.get("ownerId") if isinstance(body, dict) else None
    if not isinstance(owner, str) or set(body) != {"ownerId"}:
        raise Problem(400, 'the body must be {"ownerId": "..."}')
    if owner not in USERS:
        raise Problem(400, f"an owner with ID {owner!r} does not exist", NO_OWNER)
    _check_unlocked(request, file_id)
    with _emu(request).store.transaction() as db:
        db.execute("UPDATE data_files SET owner_id = ?, modified = ? WHERE id = ?",
                   (owner, _now(), file_id))
    return Response(status_code=204)


def _change_space(request: Request, file_id: str, space_id: str | None) -> None:
    row = _row(request, file_id)
    _check_space(space_id)
    _check_unlocked(request, file_id)
    if _name_taken(request, row["name"], space_id, row["app_id"], except_id=file_id):
        raise Problem(409, f"a file named {row['name']!r} already exists in the target space")
    with _emu(request).store.transaction() as db:
        db.execute("UPDATE data_files SET space_id = ?, modified = ? WHERE id = ?",
                   (space_id, _now(), file_id))


@_guard
async def change_space(request: Request) -> Response:
    body = await _json_body(request)
    if not isinstance(body, dict) or set(body) - {"spaceId"}:
        raise Problem(400, "the body must be {\"spaceId\": ID or null}")
    _check_space(body.get("spaceId"))
    _change_space(request, request.path_params["id"], body.get("spaceId"))
    return Response(status_code=204)


def _multi_status(results: list[tuple[str, Problem | None]]) -> Response:
    """MultiStatusResponse: every item has code, id and status."""
    data = []
    for item_id, problem in results:
        if problem is None:
            data.append({"id": item_id, "status": 204, "code": "HTTP-204"})
        else:
            data.append({"id": item_id, "status": problem.status, "title": _title(problem.status),
                         "code": problem.code, "detail": problem.detail})
    return JSONResponse({"data": data}, status_code=207)


def _title(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase


def _batch(body: Any, key: str, allowed: set[str], item_keys: set[str]) -> list[dict[str, Any]]:
    """The items of a batch body; an empty list is fine (the spec sets no minimum)."""
    shape = f"the body must be {{\"{key}\": [{{\"id\": UUID}}, ...]}}"
    if not isinstance(body, dict) or key not in body or set(body) - allowed:
        raise Problem(400, shape)
    items = body[key]
    if not isinstance(items, list) or not all(
            isinstance(i, dict) and isinstance(i.get("id"), str) and not set(i) - item_keys
            for i in items):
        raise Problem(400, shape)
    bad = [i["id"] for i in items if not UUID.match(i["id"])]
    if bad:
        raise Problem(400, f"not a data file ID (a UUID): {', '.join(bad)}")
    return list(items)


def _each(items: list[dict[str, Any]], action: Any) -> list[tuple[str, Problem | None]]:
    """Apply `action` to every item of a batch: one result per item."""
    results: list[tuple[str, Problem | None]] = []
    for item in items:
        try:
            action(item)
            results.append((item["id"], None))
        except Problem as exc:
            results.append((item["id"], exc))
    return results


@_guard
async def batch_delete(request: Request) -> Response:
    body = await _json_body(request)
    items = _batch(body, "delete", {"delete", "deleteAllBySpace", "deleteAllFromPersonalSpace"},
                   {"id"})
    spaces = body.get("deleteAllBySpace")
    personal = body.get("deleteAllFromPersonalSpace")
    if spaces is not None and not (isinstance(spaces, list) and all(
            isinstance(s, dict) and set(s) == {"id"} and isinstance(s["id"], str) and s["id"]
            for s in spaces)):
        raise Problem(400, 'deleteAllBySpace must be [{"id": SPACE_ID}, ...]')
    if personal is not None and not isinstance(personal, bool):
        raise Problem(400, "deleteAllFromPersonalSpace must be true or false")
    results = _each(items, lambda item: _delete(request, item["id"]))
    store = _emu(request).store
    scopes: list[str | None] = []
    for space in spaces or []:
        try:
            _check_space(space["id"])
        except Problem as exc:
            raise Problem(exc.status, exc.detail, exc.code) from None
        scopes.append(space["id"])
    if personal:
        scopes.append(None)
    for space_id in scopes:
        extra = "" if space_id is not None else " AND owner_id = ?"
        args: list[Any] = [space_id] + ([] if space_id is not None else [_emu(request).user_id])
        rows = store.query(f"SELECT id FROM data_files WHERE space_id IS ? AND folder_id IS NULL"
                           f"{extra}", *args)
        results += _each([{"id": r["id"]} for r in rows], lambda item: _delete(request, item["id"]))
    return _multi_status(results)


@_guard
async def batch_change_space(request: Request) -> Response:
    items = _batch(await _json_body(request), "change-space", {"change-space"}, {"id", "spaceId"})
    if not all(isinstance(i.get("spaceId"), str | None) for i in items):
        raise Problem(400, "each spaceId must be a string or null")
    return _multi_status(_each(items, lambda item: _change_space(request, item["id"],
                                                                 item.get("spaceId"))))


@_guard
async def quotas(request: Request) -> Response:
    return JSONResponse(quotas_of(_emu(request), _used(request)))


@_guard
async def list_connections(request: Request) -> Response:
    q = request.query_params
    found = list(CONNECTIONS)
    if q.get("spaceId"):
        _check_space(q["spaceId"])
        found = [c for c in found if c["spaceId"] == q["spaceId"]]
    if q.get("personal", "false").lower() == "true":
        found = [c for c in found if c["spaceId"] is None]
    if q.get("name"):
        found = [c for c in found if c["name"] == q["name"]]
    if q.get("appId"):
        found = [dict(c, connectStatement=c["connectStatement"].replace(
            ';"', f';appId={q["appId"]};"')) for c in found]
    sort = q.get("sort")
    if sort:
        field = sort[1:] if sort[:1] in "+-" else sort
        if field not in CONNECTION_SORT:
            raise Problem(400, f"cannot sort connections by {sort!r}: use spaceId, +spaceId or "
                          "-spaceId", BAD_SORT)
        found.sort(key=lambda c: str(c.get(field) or ""), reverse=sort.startswith("-"))
    return JSONResponse(cursor_page(request, found))


@_guard
async def get_connection(request: Request) -> Response:
    cid = request.path_params["id"]
    if cid == FORBIDDEN_CONNECTION:
        raise Problem(403, "the space referenced by this connection is not accessible")
    for connection in CONNECTIONS:
        if connection["id"] == cid:
            return JSONResponse(connection)
    raise Problem(404, f"a connection with ID {cid} was not found")


def seed(emu: Any, count: int, prefix: str, space_id: str | None = None) -> list[str]:
    """Fixture API: `count` small files, straight into the store (for listing tests)."""
    folder = emu.store.data_dir / "datafiles"
    folder.mkdir(exist_ok=True)
    blob = SEED_BLOB
    (folder / blob).write_bytes(b"seeded\n")
    ids = []
    stamp = _now()
    with emu.store.transaction() as db:
        for i in range(count):
            file_id = str(uuid.uuid4())
            ids.append(file_id)
            name = f"{prefix}{i:05d}.csv"
            db.execute(INSERT, (file_id, name, None, space_id, emu.user_id, 7, blob, stamp, stamp,
                                0, None, name))
    return ids


routes = [
    Route(f"{BASE}/quotas", quotas, methods=["GET"]),
    Route(f"{BASE}/connections", list_connections, methods=["GET"]),
    Route(f"{BASE}/connections/{{id}}", get_connection, methods=["GET"]),
    Route(f"{BASE}/actions/delete", batch_delete, methods=["POST"]),
    Route(f"{BASE}/actions/change-space", batch_change_space, methods=["POST"]),
    Route(BASE, upload_data_file, methods=["POST"]),
    Route(BASE, list_data_files, methods=["GET"]),
    Route(f"{BASE}/{{id}}", get_data_file, methods=["GET"]),
    Route(f"{BASE}/{{id}}", update_data_file, methods=["PUT"]),
    Route(f"{BASE}/{{id}}", delete_data_file, methods=["DELETE"]),
    Route(f"{BASE}/{{id}}/actions/change-owner", change_owner, methods=["POST"]),
    Route(f"{BASE}/{{id}}/actions/change-space", change_space, methods=["POST"]),
]
