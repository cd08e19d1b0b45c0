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


def _complete(request: Request, body: dict[str, Any], old: dict[str, Any] | None
              ) -> tuple[dict[str, Any], dict[str, str]]:
    """The stored document: unique in its store, with its store's info (and space)."""
    store = DATA_STORES.parent(request, body, old, "dataStoreInfo", "data asset")
    DATA_ASSETS.unique(request, body, old, " in that data store", store_id=[store["id"]])
    doc = catalog.stamp(request, body, old)
    doc["dataStoreInfo"] = catalog.store_info(store)
    if "spaceId" not in doc and store.get("spaceId"):
        doc["spaceId"] = store["spaceId"]
    return doc, {"store_id": store["id"]}


DATA_ASSETS = catalog.Resource(
    "data asset", "/api/v1/data-assets", "data_assets",
    {**catalog.COMMON, "appId": str, "appType": str, "dataFreshness": str, "dataStoreInfo": dict},
    ("appType", "technicalName", "dataStoreInfo"), _complete, children=("data_sets", "asset_id"))
routes = DATA_ASSETS.routes()
