"""What the catalog's three APIs (data-stores, data-assets, data-sets) share.

Documents are JSON objects kept whole (`store.Documents`); IDs, versions, owners and times are
the server's (fields a client sends for them are ignored, as the reference says); PUT needs the
current version (409 otherwise); PATCH is RFC 6902 applied by the `jsonpatch` package and may not
touch the read-only fields; GET takes `projections`, lists take `sort` and `projections` and
count pages from 0.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jsonpatch
import jsonpointer
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qcli.emulator.kit import Handler, Problem, emulator, json_body, now, routes
from qcli.emulator.pagination import numbered_page

READ_ONLY = ("id", "version", "tenantId", "createdBy", "createdTime", "lastModifiedBy",
             "lastModifiedTime", "ownerId")
# what every catalog document may hold, with its JSON type(s)
COMMON: dict[str, type | tuple[type, ...]] = {
    "id": (str, type(None)), "name": str, "tags": list, "ownerId": str, "spaceId": str,
    "version": (int, type(None)), "tenantId": str, "createdBy": str, "properties": dict,
    "createdTime": str, "description": str, "technicalName": str, "lastModifiedBy": str,
    "lastModifiedTime": str, "technicalDescription": str}


def check(body: Any, fields: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    """The body as a document of these fields (name: JSON type), with the required ones."""
    if not isinstance(body, dict):
        raise Problem(400, "the body must be a JSON object")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise Problem(400, f"unknown properties: {', '.join(unknown)}")
    for field in required:
        if body.get(field) in (None, ""):
            raise Problem(400, f"{field} is required")
    for field, value in body.items():
        kinds = fields[field] if isinstance(fields[field], tuple) else (fields[field],)
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise Problem(400, f"{field} must be a string" if kinds == (str,)
                          else f"{field} has the wrong type")
    if not all(isinstance(t, str) for t in body.get("tags", [])):
        raise Problem(400, "tags must be an array of strings")
    if len(set(body.get("tags", []))) != len(body.get("tags", [])):
        raise Problem(400, "tags must be unique")
    return body


def stamp(request: Request, body: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """The document to store: the client's fields, the server's read-only ones, the next version."""
    emu = emulator(request)
    time = now()
    made = {"id": secrets.token_hex(12), "version": 0, "tenantId": emu.tenant_id,
            "createdBy": emu.user_id, "createdTime": time, "ownerId": emu.user_id}
    base = {**made, **old} if old else made  # a stored document lacking one keeps the default
    doc = {k: v for k, v in body.items() if k not in READ_ONLY}
    for key in ("id", "tenantId", "createdBy", "createdTime", "ownerId"):
        doc[key] = base[key]
    doc["version"] = int(base["version"]) + 1
    doc["lastModifiedBy"] = emu.user_id
    doc["lastModifiedTime"] = time
    return doc


def new(body: dict[str, Any], noun: str) -> None:
    if body.get("id") is not None:
        raise Problem(400, f"id must be null for a new {noun}: the server assigns it")


def replacing(old: dict[str, Any], body: dict[str, Any], noun: str) -> None:
    """A PUT's body must name the document and its current version."""
    if body.get("id") not in (None, old["id"]):
        raise Problem(400, f"the body's id {body['id']!r} is not the path's {old['id']!r}")
    if body.get("version") != old["version"]:
        raise Problem(409, f"version {body.get('version')!r} is stale: the {noun} is at "
                      f"version {old['version']}")


async def patched(request: Request, old: dict[str, Any]) -> dict[str, Any]:
    """The document with the request's RFC 6902 operations applied."""
    ops = await json_body(request)
    if not isinstance(ops, list):
        raise Problem(400, "the body must be an array of RFC 6902 operations")
    for op in ops:  # a test reads; a move takes from one place too
        op = op if isinstance(op, dict) else {}
        changed = [op.get("path")] if op.get("op") != "test" else []
        for path in [*changed, *([op.get("from")] if op.get("op") == "move" else [])]:
            if str(path).split("/")[1:2] and str(path).split("/")[1] in READ_ONLY:
                raise Problem(400, f"{path} is read-only")
    try:
        return jsonpatch.JsonPatch(ops).apply(old)
    except jsonpatch.JsonPatchTestFailed as exc:
        raise Problem(400, f"test operation failed: {exc}") from None
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException, TypeError,
            KeyError, AttributeError, ValueError) as exc:
        raise Problem(400, f"invalid JSON patch: {exc}") from None


async def batch_ids(request: Request) -> list[str]:
    """The IDs of a BatchIdDto body."""
    body = await json_body(request)
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise Problem(400, 'the body must be {"ids": ["...", ...]}')
    if len(set(ids)) != len(ids):
        raise Problem(400, "ids must be unique")
    return ids


def found(doc: dict[str, Any] | None, noun: str, doc_id: str) -> dict[str, Any]:
    if doc is None:
        raise Problem(404, f"{noun} {doc_id} does not exist")
    return doc


def store_info(store: dict[str, Any]) -> dict[str, Any]:
    """A data asset's DataStoreInfo of its data store."""
    return {k: store[k] for k in ("id", "name", "type") if store.get(k) is not None}


def asset_info(asset: dict[str, Any]) -> dict[str, Any]:
    """A data set's DataAssetInfo of its data asset."""
    return {k: asset[k] for k in ("id", "name", "dataStoreInfo") if asset.get(k) is not None}


def csv_param(request: Request, name: str) -> list[str]:
    values: list[str] = []
    for raw in request.query_params.getlist(name):
        values.extend(v.strip() for v in raw.split(",") if v.strip())
    return values


def project_sort(request: Request, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for field in reversed(csv_param(request, "sort")):
        key = field.lstrip("+-")
        docs.sort(key=lambda d, k=key: (d.get(k) is None, str(d.get(k, ""))),  # type: ignore[misc]
                  reverse=field.startswith("-"))
    fields = csv_param(request, "projections")
    if fields:
        docs = [{k: d[k] for k in fields if k in d} for d in docs]
    return docs


def one(request: Request, doc: dict[str, Any], status: int = 200) -> Response:
    """One document, with the request's projections."""
    return JSONResponse(project_sort(request, [doc])[0], status_code=status)


def page(request: Request, docs: list[dict[str, Any]]) -> Response:
    body = numbered_page(request, project_sort(request, docs))
    body["limit"] = len(body["data"]) if not request.query_params.get("limit") else int(
        request.query_params["limit"])
    return JSONResponse(body)


# a resource's stored document (stamped) and its parents' IDs, from a checked body and the old one
Complete = Callable[[Request, dict[str, Any], "dict[str, Any] | None"],
                    tuple[dict[str, Any], dict[str, str]]]


def _no_check(request: Request, ids: list[str]) -> None:
    pass


@dataclass
class Resource:
    """One catalog resource, declared: its noun, path, repository (a `Store` attribute), fields,
    required fields and how a body becomes a stored document; the five (or six, with a list)
    operations are the same for all."""

    noun: str
    base: str
    repo: str
    fields: dict[str, Any]
    required: tuple[str, ...]
    complete: Complete
    deletable: Callable[[Request, list[str]], None] = _no_check  # raises when refused
    children: tuple[str, str] | None = None  # (repository, its column naming ours): deleted too

    def documents(self, request: Request) -> Any:
        return getattr(emulator(request).store, self.repo)

    def get(self, request: Request, doc_id: str) -> dict[str, Any]:
        return found(self.documents(request).get(doc_id), self.noun, doc_id)

    def unique(self, request: Request, body: dict[str, Any], old: dict[str, Any] | None,
               where: str = "", **within: list[str]) -> None:
        """No other document (of those `within` a parent) has the body's technicalName."""
        name = body["technicalName"]
        if any(d["technicalName"] == name and d["id"] != (old or {}).get("id")
               for d in self.documents(request).all(**within)):
            raise Problem(409, f"a {self.noun} with technicalName {name!r} exists{where}")

    def parent(self, request: Request, body: dict[str, Any], old: dict[str, Any] | None,
               link: str, child: str) -> dict[str, Any]:
        """The document of ours that `body[link]["id"]` names: required, and an update of the
        `child` may not change it."""
        doc_id = body[link].get("id")
        if not isinstance(doc_id, str) or not doc_id:
            raise Problem(400, f"{link}.id is required: the {self.noun} of the {child}")
        if old is not None and doc_id != old[link]["id"]:
            raise Problem(400, f"{link}.id cannot change: a {child} stays in its {self.noun}")
        return self.get(request, doc_id)

    async def listing(self, request: Request) -> Response:
        return page(request, self.documents(request).all())

    async def create(self, request: Request) -> Response:
        body = check(await json_body(request), self.fields, self.required)
        new(body, self.noun)
        doc, parents = self.complete(request, body, None)
        self.documents(request).add(doc, **parents)
        return one(request, doc, 201)

    async def delete(self, request: Request) -> Response:
        ids = await batch_ids(request)
        for doc_id in ids:
            self.get(request, doc_id)
        self.deletable(request, ids)
        children = (getattr(emulator(request).store, self.children[0]), self.children[1]
                    ) if self.children else (None, "")
        self.documents(request).delete(ids, children=children[0], column=children[1])
        return Response(status_code=204)

    async def read(self, request: Request) -> Response:
        return one(request, self.get(request, request.path_params["id"]))

    async def _save(self, request: Request, old: dict[str, Any], body: Any) -> Response:
        doc, _ = self.complete(request, check(body, self.fields, self.required), old)
        self.documents(request).put(doc)
        return one(request, doc)

    async def update(self, request: Request) -> Response:
        old = self.get(request, request.path_params["id"])
        body = check(await json_body(request), self.fields, self.required)
        replacing(old, body, self.noun)
        return await self._save(request, old, body)

    async def patch(self, request: Request) -> Response:
        old = self.get(request, request.path_params["id"])
        return await self._save(request, old, await patched(request, old))  # the patched doc

    def routes(self, *, listed: bool = False) -> list[Route]:
        base: dict[str, Handler] = {"GET": self.listing} if listed else {}
        return routes(self.base, {"": {**base, "POST": self.create, "DELETE": self.delete},
                                  "/{id}": {"GET": self.read, "PATCH": self.patch,
                                            "PUT": self.update}})
