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
SORT_FIELDS = {"name": "name", "size": "size", "modifiedDate": "modified", "createdDate": "created"}
BASE = "/api/v1/data-files"


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
        self.status, self.detail, self.code = status, detail, code or f"DATAFILES-{status}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def _emu(request: Request) -> Any:
    return request.app.state.emulator


def _view(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "name": row["name"], "appId": row["app_id"], "size": row["size"],
            "createdDate": row["created"], "modifiedDate": row["modified"],
            "spaceId": row["space_id"], "ownerId": row["owner_id"]}


def _guard(handler: Any) -> Any:
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except Problem as exc:
            return errors_response(exc.status, exc.detail, code=exc.code)
        except BadPage as exc:
            return errors_response(400, str(exc), code="DATAFILES-400")

    return wrapped


def _space_of_connection(connection_id: str | None) -> str | None:
    if connection_id is None:
        return None
    if connection_id == FORBIDDEN_CONNECTION:
        raise Problem(403, "the space of this connection is not accessible to the current user")
    if connection_id not in BY_CONNECTION:
        raise Problem(404, f"a connection with ID {connection_id} was not found")
    return BY_CONNECTION[connection_id]


def _check_space(space_id: str | None) -> None:
    if space_id is None or space_id in TEAM_SPACES:
        return
    if space_id == FORBIDDEN_SPACE:
        raise Problem(403, f"the user does not have access to space {space_id}")
    raise Problem(400, f"a space with ID {space_id} does not exist")


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
            "maxSize": 9223372036854775807, "size": used, "allowedExtensions": [],
            "allowedInternalExtensions": list(INTERNAL_EXTENSIONS)}


async def _parts(request: Request) -> tuple[dict[str, Any], Any]:
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        raise Problem(400, "expected multipart/form-data with parts 'Json' and 'File'")
    form = await request.form(max_part_size=64 * 1024 * 1024)
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
            raise Problem(400, f"temporary content {temp_id} does not exist or has expired")
        if row["offset"] < row["length"]:
            raise Problem(400, f"temporary content {temp_id} is not completely uploaded")
        if row["length"] > emu.config.max_upload_size:
            raise Problem(413, "the file exceeds the maximum large file size")
        shutil.copyfile(emu.store.temp_path(temp_id), dest)
        return int(row["length"])
    source = str(model["sourceId"])
    rows = emu.store.query("SELECT * FROM data_files WHERE id = ?", source)
    if not rows:
        raise Problem(400, f"the source data file {source} does not exist")
    shutil.copyfile(emu.store.data_dir / "datafiles" / rows[0]["blob"], dest)
    return int(rows[0]["size"])


def _validate_name(name: Any) -> str:
    if not isinstance(name, str) or not name or not NAME.match(name):
        raise Problem(400, f"invalid file name {name!r}: it must match ^[^<>\":\\u0000|?*]+$")
    return name


@_guard
async def upload_data_file(request: Request) -> Response:
    emu = _emu(request)
    model, upload = await _parts(request)
    name = _validate_name(model.get("name") or getattr(upload, "filename", None))
    space_id = _space_of_connection(model.get("connectionId"))
    app_id = model.get("appId")
    if _name_taken(request, name, space_id, app_id):
        raise Problem(409, f"a file named {name!r} already exists in this scope")
    file_id = str(uuid.uuid4())
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
            raise Problem(400, "give the content: a 'File' part, tempContentFileId or sourceId")
        tmp.rename(folder / file_id)
        stamp = _now()
        with emu.store.transaction() as db:
            if _name_taken(request, name, space_id, app_id):
                (folder / file_id).unlink()
                raise Problem(409, f"a file named {name!r} already exists in this scope")
            db.execute("INSERT INTO data_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (file_id, name, app_id, space_id, emu.user_id, size, file_id, stamp, stamp))
    return JSONResponse(_view(_row(request, file_id)), status_code=201)


@_guard
async def update_data_file(request: Request) -> Response:
    emu = _emu(request)
    file_id = request.path_params["id"]
    row = _row(request, file_id)
    _check_unlocked(request, file_id)
    async with _locked(request, file_id):  # held while the new content streams in: others get 423
        model, upload = await _parts(request)
        name = _validate_name(model["name"]) if model.get("name") else row["name"]
        space_id = (_space_of_connection(model["connectionId"]) if model.get("connectionId")
                    else row["space_id"])
        app_id = model.get("appId", row["app_id"])
        if _name_taken(request, name, space_id, app_id, except_id=file_id):
            raise Problem(409, f"a file named {name!r} already exists in the target scope")
        folder = emu.store.data_dir / "datafiles"
        tmp = folder / f".{file_id}.put"
        try:
            size = await _content(request, model, upload, tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if size is not None:
            tmp.replace(folder / row["blob"])
        with emu.store.transaction() as db:
            db.execute("UPDATE data_files SET name = ?, space_id = ?, app_id = ?, size = ?, "
                       "owner_id = ?, modified = ? WHERE id = ?",
                       (name, space_id, app_id, row["size"] if size is None else size,
                        emu.user_id if size is not None else row["owner_id"], _now(), file_id))
    return JSONResponse(_view(_row(request, file_id)), status_code=201)


@_guard
async def list_data_files(request: Request) -> Response:
    q = request.query_params
    sql = "SELECT * FROM data_files WHERE 1 = 1"
    args: list[Any] = []
    if q.get("connectionId"):
        sql += " AND space_id IS ?"
        args.append(_space_of_connection(q["connectionId"]))
    elif not q.get("ownerId"):
        sql += " AND space_id IS NULL"
    if q.get("ownerId"):
        sql += " AND owner_id = ?"
        args.append(q["ownerId"])
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
    if q.get("allowInternalFiles", "true").lower() == "false":
        for ext in INTERNAL_EXTENSIONS:
            sql += " AND name NOT LIKE ?"
            args.append(f"%{ext}")
    sort = q.get("sort", "name")
    field = sort.lstrip("+-")
    if field not in SORT_FIELDS:
        raise Problem(400, f"cannot sort by {field!r}: use one of {', '.join(SORT_FIELDS)}")
    sql += f" ORDER BY {SORT_FIELDS[field]} {'DESC' if sort.startswith('-') else 'ASC'}, id"
    store = _emu(request).store

    def fetch(start: int, count: int) -> list[dict[str, Any]]:
        rows = store.query(sql + " LIMIT ? OFFSET ?", *args, count, start)
        return [_view(r) for r in rows]

    return JSONResponse(cursor_page(request, fetch))


@_guard
async def get_data_file(request: Request) -> Response:
    return JSONResponse(_view(_row(request, request.path_params["id"])))


def _delete(request: Request, file_id: str) -> None:
    emu = _emu(request)
    row = _row(request, file_id)
    _check_unlocked(request, file_id)
    with emu.store.transaction() as db:
        db.execute("DELETE FROM data_files WHERE id = ?", (file_id,))
    (emu.store.data_dir / "datafiles" / row["blob"]).unlink(missing_ok=True)


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
    if owner not in USERS:
        raise Problem(400, f"an owner with ID {owner!r} does not exist")
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
    if not isinstance(body, dict) or "spaceId" not in body:
        raise Problem(400, "the body must be {\"spaceId\": ID or null}")
    _change_space(request, request.path_params["id"], body["spaceId"])
    return Response(status_code=204)


def _multi_status(results: list[tuple[str, Problem | None]]) -> Response:
    data = []
    for item_id, problem in results:
        if problem is None:
            data.append({"id": item_id, "status": 204})
        else:
            data.append({"id": item_id, "status": problem.status, "title": _title(problem.status),
                         "code": problem.code, "detail": problem.detail})
    return JSONResponse({"data": data}, status_code=207)


def _title(status: int) -> str:
    from http import HTTPStatus

    return HTTPStatus(status).phrase


def _batch(body: Any, key: str) -> list[dict[str, Any]]:
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not items or not all(
            isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        raise Problem(400, f"the body must be {{\"{key}\": [{{\"id\": ...}}, ...]}}")
    return items


def _each(items: list[dict[str, Any]], action: Any) -> Response:
    """Apply `action` to every item of a batch; a 207 with one result per item."""
    results: list[tuple[str, Problem | None]] = []
    for item in items:
        try:
            action(item)
            results.append((item["id"], None))
        except Problem as exc:
            results.append((item["id"], exc))
    return _multi_status(results)


@_guard
async def batch_delete(request: Request) -> Response:
    items = _batch(await _json_body(request), "delete")
    return _each(items, lambda item: _delete(request, item["id"]))


@_guard
async def batch_change_space(request: Request) -> Response:
    items = _batch(await _json_body(request), "change-space")
    return _each(items, lambda item: _change_space(request, item["id"], item.get("spaceId")))


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
        field = sort.lstrip("+-")
        if field not in ("id", "name", "spaceId", "type"):
            raise Problem(400, f"cannot sort connections by {field!r}")
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
    blob = "seed-blob"
    (folder / blob).write_bytes(b"seeded\n")
    ids = []
    stamp = _now()
    with emu.store.transaction() as db:
        for i in range(count):
            file_id = str(uuid.uuid4())
            ids.append(file_id)
            db.execute("INSERT INTO data_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (file_id, f"{prefix}{i:05d}.csv", None, space_id, emu.user_id, 7, blob,
                        stamp, stamp))
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
