"""The data-stores API (the catalog): data stores, their data assets and data sets.

Ten operations: list/create/delete stores, get/patch/put one store, list/delete data assets of
stores, list/delete data sets of assets. IDs and versions are the server's; PUT checks the
version (409 on a mismatch); PATCH is RFC 6902 applied by the `jsonpatch` package; a store with
data assets cannot be deleted (409); deleting assets deletes their data sets.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from qcli.emulator import catalog, kit
from qcli.emulator.kit import Problem, emulator, now

BASE = "/api/v1/data-stores"


def _repo(request: Request) -> Any:
    return emulator(request).store


def _complete(request: Request, body: dict[str, Any], old: dict[str, Any] | None
              ) -> tuple[dict[str, Any], dict[str, str]]:
    """The stored document, its technicalName unique."""
    DATA_STORES.unique(request, body, old)
    return catalog.stamp(request, body, old), {}


def _empty(request: Request, ids: list[str]) -> None:
    for store_id in ids:
        assets = len(_repo(request).data_assets.all(store_id=[store_id]))
        if assets:
            raise Problem(409, f"data store {store_id} contains {assets} data assets: "
                          "a data store can be deleted only when it holds none")


DATA_STORES = catalog.Resource("data store", BASE, "data_stores",
                               {**catalog.COMMON, "uri": str, "type": str},
                               ("type", "technicalName"), _complete, deletable=_empty)


def _ids(request: Request, name: str) -> list[str] | None:
    raw = request.path_params[name]
    if raw == "*":
        return None
    return [i for i in raw.split(",") if i]


def _assets(request: Request, store_ids: list[str] | None) -> list[dict[str, Any]]:
    for store_id in store_ids or []:
        DATA_STORES.get(request, store_id)
    return _repo(request).data_assets.all(store_id=store_ids)


def _data_sets(request: Request) -> list[dict[str, Any]]:
    store_ids, asset_ids = _ids(request, "store_ids"), _ids(request, "asset_ids")
    assets = [a["id"] for a in _assets(request, store_ids)]
    if asset_ids is not None:
        missing = [a for a in asset_ids if a not in assets]
        if missing:
            raise Problem(404, f"data assets {', '.join(missing)} do not exist in those stores")
        assets = asset_ids
    return _repo(request).data_sets.all(asset_id=assets)


async def list_data_assets(request: Request) -> Response:
    return catalog.page(request, _assets(request, _ids(request, "store_ids")))


async def delete_data_assets(request: Request) -> Response:
    repo = _repo(request)
    ids = [a["id"] for a in _assets(request, _ids(request, "store_ids"))]
    repo.data_assets.delete(ids, children=repo.data_sets, column="asset_id")
    return Response(status_code=204)


async def list_data_sets(request: Request) -> Response:
    return catalog.page(request, _data_sets(request))


async def delete_data_sets(request: Request) -> Response:
    _repo(request).data_sets.delete([d["id"] for d in _data_sets(request)])
    return Response(status_code=204)


def add_assets(emu: Any, store_id: str, assets: int, data_sets: int) -> dict[str, Any]:
    """Fixture API: data assets (each with data sets) under a store."""
    store = catalog.found(emu.store.data_stores.get(store_id), "data store", store_id)
    made: dict[str, Any] = {"dataAssets": [], "dataSets": []}
    time = now()
    for a in range(assets):
        asset_id = secrets.token_hex(12)
        asset = {"id": asset_id, "name": f"{store.get('name') or store['technicalName']} "
                 f"asset {a + 1}", "technicalName": f"asset_{asset_id[:6]}",
                 "appType": "QIX-DF", "ownerId": emu.user_id, "version": 1,
                 "tenantId": emu.tenant_id, "createdBy": emu.user_id,
                 "createdTime": time, "lastModifiedTime": time, "tags": [],
                 "dataStoreInfo": catalog.store_info(store)}
        if store.get("spaceId"):  # a string in the spec: absent for a personal store
            asset["spaceId"] = store["spaceId"]
        emu.store.data_assets.add(asset, store_id=store_id)
        made["dataAssets"].append(asset_id)
        for s in range(data_sets):
            set_id = secrets.token_hex(12)
            data_set = {"id": set_id, "name": f"table_{s + 1}.csv", "type": "delimited",
                        "technicalName": f"table_{s + 1}", "ownerId": emu.user_id,
                        "qri": f"qdf:{store['type']}:{emu.tenant_id}:sid@x:table_{s + 1}.csv",
                        "secureQri": f"qri:{store['type']}:{set_id}",
                        "dataAssetInfo": catalog.asset_info(asset),
                        "version": 1, "tenantId": emu.tenant_id, "createdTime": time,
                        "createdBy": emu.user_id, "lastModifiedTime": time,
                        "operational": {"rowCount": 100 * (s + 1), "size": 2048 * (s + 1)},
                        "schema": {"dataFields": [{"name": "id", "dataType": {"type": "INTEGER"}}]}}
            emu.store.data_sets.add(data_set, asset_id=asset_id, store_id=store_id)
            made["dataSets"].append(set_id)
    return made


def seed(emu: Any, stores: int) -> None:
    """`--seed N`: N data stores, each with two data assets of two data sets."""
    names = {d["technicalName"] for d in emu.store.data_stores.all()}
    for n in range(stores):
        technical = f"seed_store_{n + 1}"
        if technical in names:
            continue
        time = now()
        doc = {"id": secrets.token_hex(12), "name": f"Seed store {n + 1}", "type": "qix-datafiles",
               "technicalName": technical, "description": "seeded by the emulator", "tags": ["seed"],
               "properties": {}, "version": 1, "tenantId": emu.tenant_id, "createdBy": emu.user_id,
               "ownerId": emu.user_id, "createdTime": time, "lastModifiedBy": emu.user_id,
               "lastModifiedTime": time}
        emu.store.data_stores.add(doc)
        add_assets(emu, doc["id"], 2, 2)


routes = [*DATA_STORES.routes(listed=True), *kit.routes(BASE, {
    "/{store_ids}/data-assets": {"GET": list_data_assets, "DELETE": delete_data_assets},
    "/{store_ids}/data-assets/{asset_ids}/data-sets": {"GET": list_data_sets,
                                                       "DELETE": delete_data_sets},
})]
