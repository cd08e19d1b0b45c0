"""The data-stores API (the catalog): data stores, their data assets and data sets.

Ten operations: list/create/delete stores, get/patch/put one store, list/delete data assets of
stores, list/delete data sets of assets. IDs and versions are the server's; PUT checks the
version (409 on a mismatch); PATCH is RFC 6902 applied by the `jsonpatch` package; a store with
data assets cannot be deleted (409); deleting assets deletes their data sets.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

import jsonpatch
import jsonpointer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qcli.emulator.envelopes import errors_response
from qcli.emulator.pagination import BadPage, numbered_page

BASE = "/api/v1/data-stores"
READ_ONLY = ("id", "version", "tenantId", "createdBy", "createdTime", "lastModifiedBy",
             "lastModifiedTime", "ownerId")
REQUIRED = ("type", "technicalName")
STRINGS = {"name", "type", "spaceId", "description", "technicalName", "technicalDescription"}
STORE_FIELDS = {"id", "uri", "name", "tags", "type", "ownerId", "spaceId", "version", "tenantId",
                "createdBy", "properties", "createdTime", "description", "technicalName",
                "lastModifiedBy", "lastModifiedTime", "technicalDescription"}


class Problem(Exception):
    def __init__(self, status: int, detail: str):
        self.status, self.detail = status, detail


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _emu(request: Request) -> Any:
    return request.app.state.emulator


def _guard(handler: Any) -> Any:
    async def wrapped(request: Request) -> Response:
        try:
            empty = sorted({k for k, v in request.query_params.multi_items() if v == ""})
            if empty:  # the spec allows no empty query values
                raise Problem(400, f"query parameters without a value: {', '.join(empty)}")
            return await handler(request)
        except Problem as exc:
            return errors_response(exc.status, exc.detail)
        except BadPage as exc:
            return errors_response(400, str(exc))

    return wrapped


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise Problem(400, "the body is not valid JSON") from None


def _csv_param(request: Request, name: str) -> list[str]:
    values: list[str] = []
    for raw in request.query_params.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values


def _project_sort(request: Request, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for field in reversed(_csv_param(request, "sort")):
        key = field.lstrip("+-")
        docs.sort(key=lambda d, k=key: (d.get(k) is None, str(d.get(k, ""))),  # type: ignore[misc]
                  reverse=field.startswith("-"))
    fields = _csv_param(request, "projections")
    if fields:
        docs = [{k: d[k] for k in fields if k in d} for d in docs]
    return docs


def _page(request: Request, docs: list[dict[str, Any]]) -> Response:
    body = numbered_page(request, _project_sort(request, docs))
    body["limit"] = len(body["data"]) if not request.query_params.get("limit") else int(
        request.query_params["limit"])
    return JSONResponse(body)


def _stores(request: Request) -> list[dict[str, Any]]:
    return [json.loads(r["doc"]) for r in
            _emu(request).store.query("SELECT doc FROM data_stores ORDER BY seq")]


def _store_doc(request: Request, store_id: str) -> dict[str, Any]:
    rows = _emu(request).store.query("SELECT doc FROM data_stores WHERE id = ?", store_id)
    if not rows:
        raise Problem(404, f"data store {store_id} does not exist")
    return json.loads(rows[0]["doc"])


def _check_store(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise Problem(400, "the body must be a JSON object")
    unknown = sorted(set(body) - STORE_FIELDS)
    if unknown:
        raise Problem(400, f"unknown properties: {', '.join(unknown)}")
    for field in REQUIRED:
        if not isinstance(body.get(field), str) or not body[field]:
            raise Problem(400, f"{field} is required")
    if "tags" in body and not (isinstance(body["tags"], list)
                               and all(isinstance(t, str) for t in body["tags"])):
        raise Problem(400, "tags must be an array of strings")
    if "tags" in body and len(set(body["tags"])) != len(body["tags"]):
        raise Problem(400, "tags must be unique")
    for field in sorted(STRINGS & set(body)):
        if not isinstance(body[field], str):
            raise Problem(400, f"{field} must be a string")
    if "properties" in body and not isinstance(body["properties"], dict):
        raise Problem(400, "properties must be an object")
    return body


def _technical_name_taken(request: Request, name: str, except_id: str | None = None) -> bool:
    return any(d["technicalName"] == name and d["id"] != except_id for d in _stores(request))


def _save(request: Request, doc: dict[str, Any], *, new: bool) -> None:
    with _emu(request).store.transaction() as db:
        if new:
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM data_stores").fetchone()[0]
            db.execute("INSERT INTO data_stores VALUES (?, ?, ?)", (doc["id"], json.dumps(doc), seq))
        else:
            db.execute("UPDATE data_stores SET doc = ? WHERE id = ?", (json.dumps(doc), doc["id"]))


def _stamp(request: Request, doc: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    emu = _emu(request)
    now = _now()
    base = old or {"id": secrets.token_hex(12), "version": 0, "tenantId": emu.tenant_id,
                   "createdBy": emu.user_id, "createdTime": now, "ownerId": emu.user_id}
    doc = {k: v for k, v in doc.items() if k not in READ_ONLY}
    for key in ("id", "tenantId", "createdBy", "createdTime", "ownerId"):
        doc[key] = base[key]
    doc["version"] = int(base["version"]) + 1
    doc["lastModifiedBy"] = emu.user_id
    doc["lastModifiedTime"] = now
    return doc


@_guard
async def list_data_stores(request: Request) -> Response:
    return _page(request, _stores(request))


@_guard
async def create_data_store(request: Request) -> Response:
    body = _check_store(await _body(request))
    if body.get("id") is not None:
        raise Problem(400, "id must be null for a new data store: the server assigns it")
    if _technical_name_taken(request, body["technicalName"]):
        raise Problem(409, f"a data store with technicalName {body['technicalName']!r} exists")
    doc = _stamp(request, body, None)
    _save(request, doc, new=True)
    return JSONResponse(doc, status_code=201)


@_guard
async def delete_data_stores(request: Request) -> Response:
    body = await _body(request)
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise Problem(400, 'the body must be {"ids": ["...", ...]}')
    if len(set(ids)) != len(ids):
        raise Problem(400, "ids must be unique")
    store = _emu(request).store
    for store_id in ids:
        _store_doc(request, store_id)
        assets = store.query("SELECT COUNT(*) AS n FROM data_assets WHERE store_id = ?", store_id)
        if assets[0]["n"]:
            raise Problem(409, f"data store {store_id} contains {assets[0]['n']} data assets: "
                          "a data store can be deleted only when it holds none")
    with store.transaction() as db:
        db.executemany("DELETE FROM data_stores WHERE id = ?", [(i,) for i in ids])
    return Response(status_code=204)


@_guard
async def get_data_store(request: Request) -> Response:
    doc = _store_doc(request, request.path_params["id"])
    return JSONResponse(_project_sort(request, [doc])[0])


@_guard
async def put_data_store(request: Request) -> Response:
    store_id = request.path_params["id"]
    old = _store_doc(request, store_id)
    body = _check_store(await _body(request))
    if body.get("id") not in (None, store_id):
        raise Problem(400, f"the body's id {body['id']!r} is not the path's {store_id!r}")
    if body.get("version") != old["version"]:
        raise Problem(409, f"version {body.get('version')!r} is stale: the data store is at "
                      f"version {old['version']}")
    if _technical_name_taken(request, body["technicalName"], except_id=store_id):
        raise Problem(409, f"a data store with technicalName {body['technicalName']!r} exists")
    doc = _stamp(request, body, old)
    _save(request, doc, new=False)
    return JSONResponse(doc)


@_guard
async def patch_data_store(request: Request) -> Response:
    store_id = request.path_params["id"]
    old = _store_doc(request, store_id)
    ops = await _body(request)
    if not isinstance(ops, list):
        raise Problem(400, "the body must be an array of RFC 6902 operations")
    for op in ops:
        path = op.get("path", "") if isinstance(op, dict) else ""
        if str(path).split("/")[1:2] and str(path).split("/")[1] in READ_ONLY:
            raise Problem(400, f"{path} is read-only")
    try:
        patched = jsonpatch.JsonPatch(ops).apply(old)
    except jsonpatch.JsonPatchTestFailed as exc:
        raise Problem(400, f"test operation failed: {exc}") from None
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError,
            KeyError, AttributeError, ValueError) as exc:
        raise Problem(400, f"invalid JSON patch: {exc}") from None
    _check_store(patched)
    if _technical_name_taken(request, patched["technicalName"], except_id=store_id):
        raise Problem(409, f"a data store with technicalName {patched['technicalName']!r} exists")
    doc = _stamp(request, patched, old)
    _save(request, doc, new=False)
    return JSONResponse(doc)  # the spec (and @qlik/api's types): the patched DataStore


def _ids(request: Request, name: str) -> list[str] | None:
    raw = request.path_params[name]
    if raw == "*":
        return None
    return [i for i in raw.split(",") if i]


def _assets(request: Request, store_ids: list[str] | None) -> list[Any]:
    store = _emu(request).store
    if store_ids is None:
        return store.query("SELECT * FROM data_assets ORDER BY seq")
    for store_id in store_ids:
        _store_doc(request, store_id)
    marks = ",".join("?" * len(store_ids))
    return store.query(f"SELECT * FROM data_assets WHERE store_id IN ({marks}) ORDER BY seq",
                       *store_ids)


def _data_sets(request: Request) -> list[Any]:
    store_ids, asset_ids = _ids(request, "store_ids"), _ids(request, "asset_ids")
    assets = {r["id"] for r in _assets(request, store_ids)}
    if asset_ids is not None:
        missing = [a for a in asset_ids if a not in assets]
        if missing:
            raise Problem(404, f"data assets {', '.join(missing)} do not exist in those stores")
        assets = set(asset_ids)
    rows = _emu(request).store.query("SELECT * FROM data_sets ORDER BY seq")
    return [r for r in rows if r["asset_id"] in assets]


@_guard
async def list_data_assets(request: Request) -> Response:
    return _page(request, [json.loads(r["doc"]) for r in
                           _assets(request, _ids(request, "store_ids"))])


@_guard
async def delete_data_assets(request: Request) -> Response:
    ids = [r["id"] for r in _assets(request, _ids(request, "store_ids"))]
    with _emu(request).store.transaction() as db:
        db.executemany("DELETE FROM data_sets WHERE asset_id = ?", [(i,) for i in ids])
        db.executemany("DELETE FROM data_assets WHERE id = ?", [(i,) for i in ids])
    return Response(status_code=204)


@_guard
async def list_data_sets(request: Request) -> Response:
    return _page(request, [json.loads(r["doc"]) for r in _data_sets(request)])


@_guard
async def delete_data_sets(request: Request) -> Response:
    ids = [r["id"] for r in _data_sets(request)]
    with _emu(request).store.transaction() as db:
        db.executemany("DELETE FROM data_sets WHERE id = ?", [(i,) for i in ids])
    return Response(status_code=204)


def add_assets(emu: Any, store_id: str, assets: int, data_sets: int) -> dict[str, Any]:
    """Fixture API: data assets (each with data sets) under a store."""
    rows = emu.store.query("SELECT doc FROM data_stores WHERE id = ?", store_id)
    if not rows:
        raise Problem(404, f"data store {store_id} does not exist")
    store = json.loads(rows[0]["doc"])
    made: dict[str, Any] = {"dataAssets": [], "dataSets": []}
    now = _now()
    with emu.store.transaction() as db:
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM data_assets").fetchone()[0]
        dseq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM data_sets").fetchone()[0]
        for a in range(assets):
            asset_id = secrets.token_hex(12)
            seq += 1
            asset = {"id": asset_id, "name": f"{store.get('name') or store['technicalName']} "
                     f"asset {a + 1}", "technicalName": f"asset_{asset_id[:6]}",
                     "appType": "QIX-DF", "ownerId": emu.user_id, "version": 1,
                     "tenantId": emu.tenant_id, "createdBy": emu.user_id,
                     "createdTime": now, "lastModifiedTime": now, "tags": [],
                     "dataStoreInfo": {k: v for k, v in (("id", store_id), ("name", store.get("name")),
                                                          ("type", store["type"])) if v is not None}}
            if store.get("spaceId"):  # a string in the spec: absent for a personal store
                asset["spaceId"] = store["spaceId"]
            db.execute("INSERT INTO data_assets VALUES (?, ?, ?, ?)",
                       (asset_id, store_id, json.dumps(asset), seq))
            made["dataAssets"].append(asset_id)
            for s in range(data_sets):
                set_id = secrets.token_hex(12)
                dseq += 1
                data_set = {"id": set_id, "name": f"table_{s + 1}.csv", "type": "delimited",
                            "technicalName": f"table_{s + 1}", "ownerId": emu.user_id,
                            "qri": f"qdf:{store['type']}:{emu.tenant_id}:sid@x:table_{s + 1}.csv",
                            "secureQri": f"qri:{store['type']}:{set_id}",
                            "dataAssetInfo": {"id": asset_id, "name": asset["name"],
                                              "dataStoreInfo": asset["dataStoreInfo"]},
                            "version": 1, "tenantId": emu.tenant_id, "createdTime": now,
                            "operational": {"rowCount": 100 * (s + 1), "size": 2048 * (s + 1)},
                            "schema": {"dataFields": [{"name": "id", "dataType": {"type": "INTEGER"}}]}}
                db.execute("INSERT INTO data_sets VALUES (?, ?, ?, ?, ?)",
                           (set_id, asset_id, store_id, json.dumps(data_set), dseq))
                made["dataSets"].append(set_id)
    return made


def seed(emu: Any, stores: int) -> None:
    """`--seed N`: N data stores, each with two data assets of two data sets."""
    for n in range(stores):
        existing = emu.store.query("SELECT doc FROM data_stores")
        names = {json.loads(r["doc"])["technicalName"] for r in existing}
        technical = f"seed_store_{n + 1}"
        if technical in names:
            continue
        now = _now()
        doc = {"id": secrets.token_hex(12), "name": f"Seed store {n + 1}", "type": "qix-datafiles",
               "technicalName": technical, "description": "seeded by the emulator", "tags": ["seed"],
               "properties": {}, "version": 1, "tenantId": emu.tenant_id, "createdBy": emu.user_id,
               "ownerId": emu.user_id, "createdTime": now, "lastModifiedBy": emu.user_id,
               "lastModifiedTime": now}
        with emu.store.transaction() as db:
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM data_stores").fetchone()[0]
            db.execute("INSERT INTO data_stores VALUES (?, ?, ?)", (doc["id"], json.dumps(doc), seq))
        add_assets(emu, doc["id"], 2, 2)


routes = [
    Route(BASE, list_data_stores, methods=["GET"]),
    Route(BASE, create_data_store, methods=["POST"]),
    Route(BASE, delete_data_stores, methods=["DELETE"]),
    Route(f"{BASE}/{{id}}", get_data_store, methods=["GET"]),
    Route(f"{BASE}/{{id}}", patch_data_store, methods=["PATCH"]),
    Route(f"{BASE}/{{id}}", put_data_store, methods=["PUT"]),
    Route(f"{BASE}/{{store_ids}}/data-assets", list_data_assets, methods=["GET"]),
    Route(f"{BASE}/{{store_ids}}/data-assets", delete_data_assets, methods=["DELETE"]),
    Route(f"{BASE}/{{store_ids}}/data-assets/{{asset_ids}}/data-sets", list_data_sets,
          methods=["GET"]),
    Route(f"{BASE}/{{store_ids}}/data-assets/{{asset_ids}}/data-sets", delete_data_sets,
          methods=["DELETE"]),
]
