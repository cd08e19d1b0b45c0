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
from qcli.emulator.kit import Problem


def _complete(request: Request, body: dict[str, Any], old: dict[str, Any] | None
              ) -> tuple[dict[str, Any], dict[str, str]]:
    """The stored document: unique in its store, with its store's info (and space)."""
    _check_date_time(body.get("dataFreshness"))
    store = DATA_STORES.parent(request, body, old, "dataStoreInfo", "data asset")
    DATA_ASSETS.unique(request, body, old, " in that data store", store_id=[store["id"]])
    doc = catalog.stamp(request, body, old)
    doc["dataStoreInfo"] = catalog.store_info(store)
    if "spaceId" not in doc and store.get("spaceId"):
        doc["spaceId"] = store["spaceId"]
    return doc, {"store_id": store["id"]}


def _check_date_time(value: Any) -> None:
    """`dataFreshness` is a date-time (RFC 3339), as the spec's format says."""
    from datetime import datetime

    if value is None:
        return
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00") if isinstance(value, str) else "")
        if "T" not in value.upper():
            raise ValueError
    except ValueError:
        raise Problem(400, f"dataFreshness must be a date-time such as "
                              f"2024-01-31T12:00:00Z, not {value!r}") from None


DATA_ASSETS = catalog.Resource(
    "data asset", "/api/v1/data-assets", "data_assets",
    {**catalog.COMMON, "appId": str, "appType": str, "dataFreshness": str, "dataStoreInfo": dict},
    ("appType", "technicalName", "dataStoreInfo"), _complete, children=("data_sets", "asset_id"))
routes = DATA_ASSETS.routes()
