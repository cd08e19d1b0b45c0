"""The data-assets API: create, batch delete, get, patch and update data assets.

A data asset lives in the data store its `dataStoreInfo.id` names (required here: the catalog
lists assets by store) and stays there; its technicalName is unique in that store. Deleting data
assets deletes their data sets. The rest is the catalog's (`catalog.Resource`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from qcli.emulator import catalog
from qcli.emulator.datastores import DATA_STORES
from qcli.emulator.kit import Problem, emulator


def _complete(request: Request, body: dict[str, Any], old: dict[str, Any] | None
              ) -> tuple[dict[str, Any], dict[str, str]]:
    """The stored document: unique in its store, with its store's info (and space)."""
    store_id = body["dataStoreInfo"].get("id")
    if not isinstance(store_id, str) or not store_id:
        raise Problem(400, "dataStoreInfo.id is required: the data store of the data asset")
    store = DATA_STORES.get(request, store_id)
    if old is not None and store_id != old["dataStoreInfo"]["id"]:
        raise Problem(400, "dataStoreInfo.id cannot change: a data asset stays in its data store")
    siblings = emulator(request).store.data_assets.all(store_id=[store_id])
    if any(a["technicalName"] == body["technicalName"] and a["id"] != (old or {}).get("id")
           for a in siblings):
        raise Problem(409, f"data store {store_id} has a data asset with technicalName "
                      f"{body['technicalName']!r}")
    doc = catalog.stamp(request, body, old)
    doc["dataStoreInfo"] = catalog.store_info(store)
    if "spaceId" not in doc and store.get("spaceId"):
        doc["spaceId"] = store["spaceId"]
    return doc, {"store_id": store_id}


DATA_ASSETS = catalog.Resource(
    "data asset", "/api/v1/data-assets", "data_assets",
    {**catalog.COMMON, "appId": str, "appType": str, "dataFreshness": str, "dataStoreInfo": dict},
    ("appType", "technicalName", "dataStoreInfo"), _complete, children=("data_sets", "asset_id"))
routes = DATA_ASSETS.routes()
