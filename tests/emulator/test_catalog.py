"""The data-assets and data-sets APIs of the emulator, every operation over HTTP (and checked by
the contract middleware like every exchange), sharing the catalog with the data-stores API."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import Emulator

STORES, ASSETS, SETS = "/api/v1/data-stores", "/api/v1/data-assets", "/api/v1/data-sets"


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.url, headers={"Authorization": f"Bearer {emu.api_key}"},
                      timeout=20) as client:
        yield client


def _made(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _store(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    name = f"store_{uuid.uuid4().hex[:8]}"
    return _made(http.post(STORES, json={"type": "qix-datafiles", "technicalName": name,
                                         "name": name, **fields}))


def _asset(http: httpx.Client, store: dict[str, Any], name: str = "orders") -> dict[str, Any]:
    return _made(http.post(ASSETS, json={"appType": "QIX-DF", "technicalName": name,
                                         "name": name.title(), "tags": ["t1"],
                                         "dataStoreInfo": {"id": store["id"]}}))


def _data_set(http: httpx.Client, asset: dict[str, Any], name: str = "orders_csv",
              **fields: Any) -> dict[str, Any]:
    return _made(http.post(SETS, json={
        "technicalName": name, "name": f"{name}.csv", "type": "delimited",
        "qri": f"qdf:qix-datafiles:t:sid@x:{name}.csv", "secureQri": f"qri:x:{name}",
        "dataAssetInfo": {"id": asset["id"]}, "operational": {"rowCount": 12, "size": 345},
        "schema": {"dataFields": [{"name": "id", "dataType": {"type": "INTEGER"}},
                                  {"name": "city", "dataType": {"type": "STRING"}}]},
        **fields}))


def _delete(http: httpx.Client, path: str, ids: list[str]) -> httpx.Response:
    return http.request("DELETE", path, json={"ids": ids})


def test_a_data_asset_made_by_post_is_listed_in_its_data_store(http: httpx.Client) -> None:
    store = _store(http, spaceId="617979737a9f56e49dea2e6e")
    asset = _asset(http, store)
    assert asset["version"] == 1 and asset["createdBy"] == asset["ownerId"]
    assert asset["dataStoreInfo"] == {"id": store["id"], "name": store["name"],
                                      "type": "qix-datafiles"}
    assert asset["spaceId"] == store["spaceId"]  # from its store when the body has none
    listed = http.get(f"{STORES}/{store['id']}/data-assets").json()["data"]
    assert [a["id"] for a in listed] == [asset["id"]]
    assert http.get(f"{ASSETS}/{asset['id']}").json() == asset
    assert http.get(f"{ASSETS}/{asset['id']}", params={"projections": "id,name"}
                    ).json() == {"id": asset["id"], "name": "Orders"}


def test_data_asset_put_needs_the_current_version_and_patch_is_rfc_6902(
        http: httpx.Client) -> None:
    store = _store(http)
    asset = _asset(http, store)
    body = {k: asset[k] for k in ("id", "appType", "technicalName", "dataStoreInfo", "version")}
    body["dataStoreInfo"] = {"id": store["id"]}
    stale = http.put(f"{ASSETS}/{asset['id']}", json={**body, "version": 0})
    assert stale.status_code == 409 and "stale" in stale.json()["errors"][0]["detail"]
    put = http.put(f"{ASSETS}/{asset['id']}", json={**body, "description": "all orders"})
    assert put.status_code == 200, put.text
    assert put.json()["version"] == 2 and put.json()["description"] == "all orders"
    assert "name" not in put.json()  # PUT replaces the document
    patch = http.patch(f"{ASSETS}/{asset['id']}", json=[
        {"op": "add", "path": "/name", "value": "Orders"},
        {"op": "add", "path": "/tags", "value": ["a", "b"]}])
    assert patch.status_code == 200, patch.text
    assert patch.json()["name"] == "Orders" and patch.json()["tags"] == ["a", "b"]
    assert patch.json()["version"] == 3
    assert http.get(f"{ASSETS}/{asset['id']}").json() == patch.json()
    for ops in ([{"op": "replace", "path": "/version", "value": 9}],
                [{"op": "remove", "path": "/nothing"}],
                [{"op": "replace", "path": "/dataStoreInfo/id", "value": _store(http)["id"]}]):
        r = http.patch(f"{ASSETS}/{asset['id']}", json=ops)
        assert r.status_code == 400, (ops, r.text)
    assert http.get(f"{ASSETS}/{asset['id']}").json()["version"] == 3  # nothing changed


@pytest.mark.parametrize("change,status", [
    ({"appType": None}, 400), ({"technicalName": ""}, 400), ({"dataStoreInfo": {}}, 400),
    ({"dataStoreInfo": {"id": "no-such-store"}}, 404), ({"id": "mine"}, 400),
    ({"tags": "one"}, 400), ({"colour": "red"}, 400), ({"technicalName": "orders"}, 409),
    ({"dataFreshness": "v-22-"}, 400), ({"dataFreshness": "2024-01-31"}, 400),
])
def test_a_bad_data_asset_is_refused(http: httpx.Client, change: dict[str, Any],
                                     status: int) -> None:
    store = _store(http)
    _asset(http, store)  # technicalName "orders"
    body = {"appType": "QIX-DF", "technicalName": "other", "dataStoreInfo": {"id": store["id"]},
            **change}
    r = http.post(ASSETS, json={k: v for k, v in body.items() if v is not None})
    assert r.status_code == status, r.text
    assert r.json()["errors"][0]["code"] == f"HTTP-{status}"
    assert len(http.get(f"{STORES}/{store['id']}/data-assets").json()["data"]) == 1


def test_deleting_data_assets_deletes_their_data_sets(http: httpx.Client) -> None:
    store = _store(http)
    kept, gone = _asset(http, store, "kept"), _asset(http, store, "gone")
    data_set = _data_set(http, gone)
    assert _delete(http, ASSETS, [gone["id"], "no-such-asset"]).status_code == 404
    assert http.get(f"{ASSETS}/{gone['id']}").status_code == 200  # all or nothing
    assert _delete(http, ASSETS, [gone["id"]]).status_code == 204
    assert http.get(f"{ASSETS}/{gone['id']}").status_code == 404
    assert http.get(f"{SETS}/{data_set['id']}").status_code == 404
    assert [a["id"] for a in http.get(f"{STORES}/{store['id']}/data-assets").json()["data"]
            ] == [kept["id"]]
    assert _delete(http, STORES, [store["id"]]).status_code == 409  # it still holds one
    assert _delete(http, ASSETS, [kept["id"]]).status_code == 204
    assert _delete(http, STORES, [store["id"]]).status_code == 204


def test_a_data_set_made_by_post_is_listed_in_its_data_asset(http: httpx.Client) -> None:
    store = _store(http)
    asset = _asset(http, store)
    data_set = _data_set(http, asset)
    assert data_set["dataAssetInfo"] == {"id": asset["id"], "name": asset["name"],
                                         "dataStoreInfo": asset["dataStoreInfo"]}
    listed = http.get(f"{STORES}/{store['id']}/data-assets/{asset['id']}/data-sets").json()
    assert [d["id"] for d in listed["data"]] == [data_set["id"]]
    assert http.get(f"{SETS}/{data_set['id']}").json() == data_set
    assert http.get(f"{SETS}/{data_set['id']}", params={"projections": "qri"}).json() == {
        "qri": data_set["qri"]}
    for missing in ("qri", "secureQri", "dataAssetInfo"):
        body = {k: v for k, v in data_set.items() if k not in (missing, "id")}
        r = http.post(SETS, json=body)
        assert r.status_code == 400 and missing in r.json()["errors"][0]["detail"], r.text
    again = http.post(SETS, json={k: v for k, v in data_set.items() if k != "id"})
    assert again.status_code == 409, again.text  # technicalName is unique in the asset
    other = http.post(SETS, json={**{k: v for k, v in data_set.items() if k != "id"},
                                  "dataAssetInfo": {"id": "no-such-asset"}})
    assert other.status_code == 404, other.text


def test_data_set_put_patch_and_batch_delete(http: httpx.Client) -> None:
    asset = _asset(http, _store(http))
    data_set = _data_set(http, asset)
    body = {k: v for k, v in data_set.items() if k in (
        "id", "version", "technicalName", "qri", "secureQri", "schema")}
    body["dataAssetInfo"] = {"id": asset["id"]}
    assert http.put(f"{SETS}/{data_set['id']}", json={**body, "version": 7}).status_code == 409
    put = http.put(f"{SETS}/{data_set['id']}", json={**body, "description": "d"})
    assert put.status_code == 200 and put.json()["version"] == 2, put.text
    assert "operational" not in put.json()
    patch = http.patch(f"{SETS}/{data_set['id']}", json=[
        {"op": "replace", "path": "/description", "value": "e"},
        {"op": "test", "path": "/version", "value": 2}])
    assert patch.status_code == 200 and patch.json()["description"] == "e", patch.text
    failed = http.patch(f"{SETS}/{data_set['id']}", json=[
        {"op": "test", "path": "/description", "value": "d"}])
    assert failed.status_code == 400
    second = _data_set(http, asset, "second")
    assert _delete(http, SETS, [data_set["id"], second["id"]]).status_code == 204
    for gone in (data_set, second):
        assert http.get(f"{SETS}/{gone['id']}").status_code == 404
    assert http.get(f"{ASSETS}/{asset['id']}").status_code == 200  # the asset stays
    assert _delete(http, SETS, []).status_code == 400


def test_a_data_sets_profile_follows_its_schema(http: httpx.Client) -> None:
    asset = _asset(http, _store(http))
    data_set = _data_set(http, asset, createdByConnectionId="conn-1")
    r = http.get(f"{SETS}/{data_set['id']}/profiles")
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 1 and page["page"] == 0
    profile = page["data"][0]
    assert profile["meta"]["dataSetId"] == data_set["id"]
    assert profile["meta"]["status"] == "FINISHED"
    table = profile["profiles"][0]
    assert table["numberOfRows"] == 12 and table["sizeInBytes"] == 345
    assert [(f["name"], f["dataType"]) for f in table["fieldProfiles"]] == [
        ("id", "INTEGER"), ("city", "STRING")]
    by = http.get(f"{SETS}/{data_set['id']}/profiles", params={"dataConnectionIds": "conn-1"})
    assert by.json()["total"] == 1
    other = http.get(f"{SETS}/{data_set['id']}/profiles", params={"dataConnectionIds": "conn-2"})
    assert other.json()["total"] == 0 and other.json()["data"] == []
    assert http.get(f"{SETS}/no-such-set/profiles").status_code == 404
    assert http.get(f"{SETS}/{data_set['id']}/profiles", params={"limit": 101}
                    ).status_code == 400


def test_a_seeded_data_set_is_complete_and_can_be_replaced(http: httpx.Client) -> None:
    """The fixture API's data sets carry what POST would have stamped (createdBy ...), so a PUT
    of one is a 200, not a 500 for the missing field."""
    store = _store(http)
    made = http.post(f"/__emulator/data-stores/{store['id']}/data-assets",
                     json={"assets": 1, "dataSets": 1})
    assert made.status_code == 201, made.text
    [set_id] = made.json()["dataSets"]
    seeded = http.get(f"{SETS}/{set_id}").json()
    assert seeded["createdBy"] and seeded["lastModifiedTime"]
    body = {k: v for k, v in seeded.items() if k in (
        "id", "version", "technicalName", "qri", "secureQri", "schema", "type", "name")}
    body["dataAssetInfo"] = {"id": seeded["dataAssetInfo"]["id"]}
    put = http.put(f"{SETS}/{set_id}", json={**body, "description": "replaced"})
    assert put.status_code == 200, put.text
    assert put.json()["createdBy"] == seeded["createdBy"] and put.json()["version"] == 2
