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
from http import HTTPStatus
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from qcli.emulator import kit
from qcli.emulator.kit import Problem, emulator, json_body, json_part, now
from qcli.emulator.pagination import cursor_page
from qcli.emulator.repos.datafiles import FileQuery, NotAFolder

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


def _files(request: Request) -> Any:
    return emulator(request).store.data_files


ZERO_STATS = {k: 0 for k in (
    "aggregateAppScopedFileSize", "aggregateFileSize", "aggregateInternalFileSize",
    "directAppScopedFileCount", "directFileCount", "directFolderCount", "directInternalFileCount",
    "totalAppScopedFileCount", "totalFileCount", "totalFolderCount", "totalInternalFileCount")}


def _folder_stats(files: Any, row: Any) -> dict[str, int]:
    """FolderStatsResponse of a folder (zeros for a file)."""
    stats = dict(ZERO_STATS)
    if not row["folder"]:
        return stats
    for item in files.below(row):
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


def _view(row: Any, files: Any) -> dict[str, Any]:
    name = row["name"]
    parent, _, base = name.rpartition("/")
    return {"id": row["id"], "name": name, "baseName": base, "folder": bool(row["folder"]),
            "folderId": row["folder_id"], "folderPath": parent or None, "appId": row["app_id"],
            "size": row["size"], "createdDate": row["created"], "modifiedDate": row["modified"],
            "spaceId": row["space_id"], "ownerId": row["owner_id"], "actions": list(ACTIONS),
            "folderStats": _folder_stats(files, row)}


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
    row = _files(request).get(file_id)
    if row is None:
        raise Problem(404, f"a data file with ID {file_id} was not found")
    return row


def _locked(request: Request, file_id: str) -> asyncio.Lock:
    locks: dict[str, asyncio.Lock] = emulator(request).data_file_locks
    return locks.setdefault(file_id, asyncio.Lock())


def _check_unlocked(request: Request, file_id: str) -> None:
    if _locked(request, file_id).locked():
        raise Problem(423, "the file is already locked for read or write by another client")


def _name_taken(request: Request, name: str, space_id: str | None, app_id: str | None,
                except_id: str | None = None) -> bool:
    return _files(request).name_taken(name, space_id, app_id, except_id)


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
    model = await json_part(form, "Json", 400)
    if model is None:
        raise Problem(400, "the 'Json' part is required")
    _check_model(model, put=put)
    upload = form.get("File")
    return model, (None if isinstance(upload, str) else upload)


async def _content(request: Request, model: dict[str, Any], upload: Any, target: Path, *,
                   folder: bool) -> int | None:
    """Store the new content (from File, tempContentFileId or sourceId) at `target`, through a
    temporary file removed if that fails; its size, or None when the request carries none."""
    sources = [k for k in ("tempContentFileId", "sourceId") if model.get(k)]
    if upload is not None:
        sources.append("File")
    if len(sources) > 1:
        raise Problem(400, f"give one content source, not {' and '.join(sources)}")
    if sources and folder:
        raise Problem(400, "a folder has no content: give no File, tempContentFileId or "
                      "sourceId for a folder")
    if not sources:
        return None
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        size = await _copy_content(request, model, upload, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(target)
    return size


async def _copy_content(request: Request, model: dict[str, Any], upload: Any, dest: Path
                        ) -> int:
    emu = emulator(request)
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
        row = emu.store.temp_contents.get(temp_id)
        if row is None or time.time() > row["created"] + row["ttl"]:
            raise Problem(400, f"temporary content {temp_id} does not exist or has expired",
                          NO_TEMP_CONTENT)
        if row["offset"] < row["length"]:
            raise Problem(400, f"temporary content {temp_id} is not completely uploaded")
        if row["length"] > emu.config.max_upload_size:
            raise Problem(413, "the file exceeds the maximum large file size")
        shutil.copyfile(emu.store.temp_contents.path(temp_id), dest)
        return int(row["length"])
    source = _files(request).get(str(model["sourceId"]))
    if source is None:
        raise Problem(400, f"the source data file {model['sourceId']} does not exist", NO_SOURCE)
    shutil.copyfile(_files(request).content(source["blob"]), dest)
    return int(source["size"])


def _validate_name(name: Any) -> str:
    if not isinstance(name, str) or not name or not NAME.match(name):
        raise Problem(400, f"invalid file name {name!r}: it must match ^[^<>\":\\u0000|?*]+$")
    return name


def _folder_row(request: Request, folder_id: str, space_id: str | None) -> Any:
    row = _files(request).get(folder_id)
    if row is None:
        raise Problem(400, f"the parent folder {folder_id} does not exist", NO_PARENT)
    if not row["folder"]:
        raise Problem(400, f"{folder_id} is a file, not a folder", NOT_A_FOLDER)
    if row["space_id"] != space_id:
        raise Problem(400, f"the folder {folder_id} is not in the target space", "DF-020")
    return row


def _place(request: Request, model: dict[str, Any], name: str, space_id: str | None) -> str:
    """The full name: a folderId puts the item in that folder."""
    if model.get("folderId"):
        parent = _folder_row(request, model["folderId"], space_id)
        return f"{parent['name']}/{name.rpartition('/')[2]}"
    return name


def _not_a_folder(exc: NotAFolder) -> Problem:
    return Problem(409, f"{exc.args[0]!r} is a file, so it cannot hold other items")


async def upload_data_file(request: Request) -> Response:
    emu, files = emulator(request), _files(request)
    model, upload = await _parts(request)
    name = _validate_name(model.get("name") or getattr(upload, "filename", None))
    space_id = _space_of_connection(model.get("connectionId"))
    app_id, folder = model.get("appId"), bool(model.get("folder"))
    name = _place(request, model, name, space_id)
    if _name_taken(request, name, space_id, app_id):
        raise Problem(409, f"a file named {name!r} already exists in this scope")
    file_id = str(uuid.uuid4())
    async with _locked(request, file_id):
        size = await _content(request, model, upload, files.content(file_id), folder=folder)
        if size is None and not folder:
            raise Problem(400, "give the content: a 'File' part, tempContentFileId or "
                          "sourceId (or folder: true for a folder)")
        try:
            if not files.add(file_id, name, app_id, space_id, emu.user_id, size or 0, now(),
                             folder=folder):
                raise Problem(409, f"a {'folder' if folder else 'file'} named {name!r} already "
                              "exists in this scope")
        except (NotAFolder, Problem) as exc:
            files.content(file_id).unlink(missing_ok=True)
            raise _not_a_folder(exc) if isinstance(exc, NotAFolder) else exc from None
    return JSONResponse(_view(_row(request, file_id), files), status_code=201)


async def update_data_file(request: Request) -> Response:
    emu, files = emulator(request), _files(request)
    file_id = request.path_params["id"]
    row = _row(request, file_id)
    _check_unlocked(request, file_id)
    async with _locked(request, file_id):  # held while the new content streams in: others get 423
        model, upload = await _parts(request, put=True)
        name = _validate_name(model["name"]) if model.get("name") else row["name"]
        space_id = (_space_of_connection(model["connectionId"]) if model.get("connectionId")
                    else row["space_id"])
        app_id = model.get("appId", row["app_id"])
        name = _place(request, model, name, space_id)
        if _name_taken(request, name, space_id, app_id, except_id=file_id):
            raise Problem(409, f"a file named {name!r} already exists in the target scope")
        size = await _content(request, model, upload, files.content(row["blob"] or file_id),
                              folder=bool(row["folder"]))
        try:
            files.update(row, name, space_id, app_id, size, emu.user_id, now())
        except NotAFolder as exc:
            raise _not_a_folder(exc) from None
    return JSONResponse(_view(_row(request, file_id), files), status_code=201)


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "false")
    if raw.lower() not in ("true", "false"):
        raise Problem(400, f"{name} must be true or false, not {raw!r}")
    return raw.lower() == "true"


def _root(request: Request, space_id: str | None) -> Any:
    """The folder a list is below (folderId or folderPath), if any."""
    q = request.query_params
    if q.get("folderId") and q.get("folderPath"):
        raise Problem(400, "folderId and folderPath are mutually exclusive", FOLDER_ID_AND_PATH)
    if q.get("folderId"):
        row = _files(request).get(q["folderId"])
        if row is None or not row["folder"]:
            raise Problem(404 if row is None else 400, f"no folder with ID {q['folderId']}",
                          NO_PARENT if row is None else NOT_A_FOLDER)
        return row
    if q.get("folderPath"):
        path = q["folderPath"].strip("/")
        row = _files(request).folder_named(path, space_id)
        if row is None:
            raise Problem(404, f"no folder {path!r} in this space", "DF-020")
        return row
    return None


async def list_data_files(request: Request) -> Response:
    q = request.query_params
    files = _files(request)
    query = FileQuery(owner=q.get("ownerId"), not_owner=q.get("notOwnerId"), app=q.get("appId"),
                      name=q.get("name"), wildcard=q.get("baseNameWildcard"))
    if q.get("connectionId"):
        query.space = _space_of_connection(q["connectionId"])
    elif q.get("ownerId") or _flag(request, "includeAllSpaces"):
        query.spaces = [None, *TEAM_SPACES]  # every space the caller can reach
    query.root = _root(request, query.space)
    query.direct = _flag(request, "excludeSubFolders")
    query.files = not _flag(request, "excludeFiles")
    query.folders = _flag(request, "includeFolders")
    if not _flag(request, "allowInternalFiles"):  # the spec's default: false
        query.hidden_suffixes = INTERNAL_EXTENSIONS
    _flag(request, "includeFolderStats")  # folderStats is always there (the spec requires it)
    sort = q.get("sort", "name")
    field = sort[1:] if sort[:1] in "+-" and sort else sort
    if field not in SORT_FIELDS:
        raise Problem(400, f"cannot sort by {sort!r}: use one of {', '.join(SORT_FIELDS)} "
                      "(with + or - before it)", BAD_SORT)
    query.order, query.descending = SORT_FIELDS[field], sort.startswith("-")
    return JSONResponse(cursor_page(request, lambda start, count: [
        _view(r, files) for r in files.page(query, start, count)], code=BAD_CURSOR))


async def get_data_file(request: Request) -> Response:
    return JSONResponse(_view(_row(request, request.path_params["id"]), _files(request)))


def _delete(request: Request, file_id: str) -> None:
    """Delete a file, or a folder with everything in it."""
    row = _row(request, file_id)
    _check_unlocked(request, file_id)
    _files(request).delete([row, *(_files(request).below(row) if row["folder"] else [])])


async def delete_data_file(request: Request) -> Response:
    _delete(request, request.path_params["id"])
    return Response(status_code=204)


async def change_owner(request: Request) -> Response:
    file_id = request.path_params["id"]
    _row(request, file_id)
    body = await json_body(request)
    owner = body.get("ownerId") if isinstance(body, dict) else None
    if not isinstance(owner, str) or set(body) != {"ownerId"}:
        raise Problem(400, 'the body must be {"ownerId": "..."}')
    if owner not in USERS:
        raise Problem(400, f"an owner with ID {owner!r} does not exist", NO_OWNER)
    _check_unlocked(request, file_id)
    _files(request).set(file_id, now(), owner_id=owner)
    return Response(status_code=204)


def _change_space(request: Request, file_id: str, space_id: str | None) -> None:
    row = _row(request, file_id)
    _check_space(space_id)
    _check_unlocked(request, file_id)
    if _name_taken(request, row["name"], space_id, row["app_id"], except_id=file_id):
        raise Problem(409, f"a file named {row['name']!r} already exists in the target space")
    _files(request).set(file_id, now(), space_id=space_id)


async def change_space(request: Request) -> Response:
    body = await json_body(request)
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
            data.append({"id": item_id, "status": problem.status,
                         "title": HTTPStatus(problem.status).phrase,
                         "code": problem.code or f"HTTP-{problem.status}",
                         "detail": problem.detail})
    return JSONResponse({"data": data}, status_code=207)


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


async def batch_delete(request: Request) -> Response:
    body = await json_body(request)
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
    scopes: list[str | None] = [s["id"] for s in spaces or []] + ([None] if personal else [])
    for space_id in scopes:
        _check_space(space_id)
    for space_id in scopes:  # the personal space: the caller's own files there
        ids = _files(request).top_level(space_id, emulator(request).user_id if space_id is None
                                        else None)
        results += _each([{"id": i} for i in ids], lambda item: _delete(request, item["id"]))
    return _multi_status(results)


async def batch_change_space(request: Request) -> Response:
    items = _batch(await json_body(request), "change-space", {"change-space"}, {"id", "spaceId"})
    if not all(isinstance(i.get("spaceId"), str | None) for i in items):
        raise Problem(400, "each spaceId must be a string or null")
    return _multi_status(_each(items, lambda item: _change_space(request, item["id"],
                                                                 item.get("spaceId"))))


async def quotas(request: Request) -> Response:
    return JSONResponse(quotas_of(emulator(request), _files(request).used()))


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
    return JSONResponse(cursor_page(request, found, code=BAD_CURSOR))


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
    return emu.store.data_files.seed(count, prefix, space_id, emu.user_id, now())


routes = kit.routes(BASE, {
    "/quotas": {"GET": quotas},
    "/connections": {"GET": list_connections},
    "/connections/{id}": {"GET": get_connection},
    "/actions/delete": {"POST": batch_delete},
    "/actions/change-space": {"POST": batch_change_space},
    "": {"POST": upload_data_file, "GET": list_data_files},
    "/{id}": {"GET": get_data_file, "PUT": update_data_file, "DELETE": delete_data_file},
    "/{id}/actions/change-owner": {"POST": change_owner},
    "/{id}/actions/change-space": {"POST": change_space},
})
