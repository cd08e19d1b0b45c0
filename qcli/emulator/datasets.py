"""The data-sets API: create, batch delete, get, patch and update data sets, and their profiles.

A data set belongs to the data asset its `dataAssetInfo.id` names, and stays there; its
technicalName is unique in that asset. A data set's profile is made from its schema when asked
for (status FINISHED, one table, a profile per field, no samples); `dataConnectionIds` keeps the
profiles made through those connections (the data set's `createdByConnectionId`). The rest is
the catalog's (`catalog.Resource`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from qcli.emulator import catalog, kit
from qcli.emulator.dataassets import DATA_ASSETS
from qcli.emulator.kit import Problem, now


def _complete(request: Request, body: dict[str, Any], old: dict[str, Any] | None
              ) -> tuple[dict[str, Any], dict[str, str]]:
    """The stored document: unique in its asset, with the asset's info."""
    asset = DATA_ASSETS.parent(request, body, old, "dataAssetInfo", "data set")
    if not isinstance(body.get("schema", {}).get("dataFields", []), list):
        raise Problem(400, "schema.dataFields must be an array")
    DATA_SETS.unique(request, body, old, " in that data asset", asset_id=[asset["id"]])
    doc = catalog.stamp(request, body, old)
    doc["dataAssetInfo"] = catalog.asset_info(asset)
    return doc, {"asset_id": asset["id"], "store_id": asset["dataStoreInfo"]["id"]}


DATA_SETS = catalog.Resource(
    "data set", "/api/v1/data-sets", "data_sets",
    {**catalog.COMMON, "qri": str, "type": str, "schema": dict, "secureQri": str,
     "operational": dict, "dataAssetInfo": dict, "appTypeOverride": str,
     "additionalSchemas": list, "createdByConnectionId": str},
    ("dataAssetInfo", "qri", "secureQri", "technicalName"), _complete)


def _profile(data_set: dict[str, Any]) -> dict[str, Any]:
    fields = data_set.get("schema", {}).get("dataFields", [])
    rows = int(data_set.get("operational", {}).get("rowCount", 0))
    meta = {"status": "FINISHED", "dataSetId": data_set["id"], "resultType": "NORMAL",
            "computationStartTime": data_set["lastModifiedTime"],
            "computationEndTime": data_set["lastModifiedTime"], "messages": []}
    if data_set.get("createdByConnectionId"):
        meta["connectionId"] = data_set["createdByConnectionId"]
    return {"meta": meta, "samples": [], "profiles": [{
        "name": data_set.get("name") or data_set["technicalName"], "numberOfRows": rows,
        "sizeInBytes": int(data_set.get("operational", {}).get("size", 0)),
        "fieldProfiles": [{"name": f.get("name"), "index": i, "nullValueCount": 0,
                           "dataType": f.get("dataType", {}).get("type", "STRING"),
                           "distinctValueCount": rows} for i, f in enumerate(fields)]}]}


async def profiles(request: Request) -> Response:
    data_set = DATA_SETS.get(request, request.path_params["id"])
    data_set.setdefault("lastModifiedTime", data_set.get("createdTime", now()))
    found = [_profile(data_set)]
    connections = catalog.csv_param(request, "dataConnectionIds")
    if connections:
        found = [p for p in found if p["meta"].get("connectionId") in connections]
    return catalog.page(request, found)


routes = [*DATA_SETS.routes(), *kit.routes(DATA_SETS.base, {"/{id}/profiles": {"GET": profiles}})]
