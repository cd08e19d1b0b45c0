"""The emulator's answers as the specs have them (issue #11, items 6-13), checked explicitly here;
the contract middleware checks the same shapes on every exchange of the suite."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import API_KEY, Emulator

SALES = "617979737a9f56e49dea2e6e"
SALES_CONNECTION = "921104eb-5ba3-586a-8d9a-3e4f569a5c37"
FILES = "/api/v1/data-files"
STORES = "/api/v1/data-stores"


@pytest.fixture(scope="module")
def tenant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """A private emulator (the lists below count what is there), contract-checked like all."""
    emu = Emulator(tmp_path_factory.mktemp("contract-emulator")).start()
    yield emu
    emu.stop()


@pytest.fixture
def http(tenant: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=tenant.url, headers={"Authorization": f"Bearer {API_KEY}"},
                      timeout=20) as client:
        yield client


def _upload(http: httpx.Client, name: str, content: bytes = b"a,b\n1,2\n",
            **model: Any) -> dict[str, Any]:
    r = http.post(FILES, files={"Json": (None, json.dumps({"name": name, **model})),
                                "File": (name, content)})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _folder(http: httpx.Client, name: str, **model: Any) -> dict[str, Any]:
    r = http.post(FILES, files={"Json": (None, json.dumps({"name": name, "folder": True,
                                                            **model}))})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _names(http: httpx.Client, **params: Any) -> list[str]:
    r = http.get(FILES, params={"limit": 1000, **params})
    assert r.status_code == 200, r.text
    return sorted(f["name"] for f in r.json()["data"])


def _wipe(http: httpx.Client) -> None:
    r = http.post(f"{FILES}/actions/delete", json={
        "delete": [], "deleteAllFromPersonalSpace": True, "deleteAllBySpace": [{"id": SALES}]})
    assert r.status_code == 207, r.text


def _only_code_title_detail(body: dict[str, Any]) -> None:
    assert set(body) == {"errors"}
    for item in body["errors"]:
        assert set(item) <= {"code", "title", "detail"} and "code" in item


# -- item 6 ---------------------------------------------------------------------------------------
def test_data_files_carry_actions_folder_stats_and_all_three_links(http: httpx.Client) -> None:
    made = _upload(http, "shape.csv")
    assert set(made["actions"]) == {"read", "update", "delete", "list", "change_owner",
                                    "change_space"}
    assert made["folderStats"]["totalFileCount"] == 0 and made["folder"] is False
    page = http.get(FILES, params={"limit": 1000}).json()
    assert set(page["links"]) == {"next", "prev", "self"}
    assert page["links"]["next"] == {"href": None} and page["links"]["prev"] == {"href": None}
    got = http.get(f"{FILES}/{made['id']}").json()
    assert got["actions"] and "folderStats" in got and got["baseName"] == "shape.csv"
    _wipe(http)


# -- item 7 ---------------------------------------------------------------------------------------
def test_error_envelopes_use_the_spec_codes_and_fields(http: httpx.Client) -> None:
    missing = http.get(f"{FILES}/{uuid.uuid4()}")
    assert missing.status_code == 404
    _only_code_title_detail(missing.json())
    assert missing.json()["errors"][0]["code"] == "HTTP-404"
    bad_sort = http.get(FILES, params={"sort": "owner"})
    assert bad_sort.status_code == 400 and bad_sort.json()["errors"][0]["code"] == "DF-002"
    bad_cursor = http.get(FILES, params={"page": "!!"})
    assert bad_cursor.json()["errors"][0]["code"] == "DF-001"
    made = _upload(http, "multi.csv")
    gone = str(uuid.uuid4())
    r = http.post(f"{FILES}/actions/delete", json={"delete": [{"id": made["id"]}, {"id": gone}]})
    assert r.status_code == 207
    items = {i["id"]: i for i in r.json()["data"]}
    assert items[made["id"]] == {"id": made["id"], "status": 204, "code": "HTTP-204"}
    assert items[gone]["status"] == 404 and items[gone]["code"] == "HTTP-404"


# -- item 8 ---------------------------------------------------------------------------------------
def test_sorting_takes_exactly_the_spec_fields(http: httpx.Client) -> None:
    _folder(http, "zeta")
    _upload(http, "zeta/b.csv")
    _upload(http, "a.csv")
    r = http.get(FILES, params={"sort": "-baseName", "includeFolders": "true"})
    assert r.status_code == 200
    assert [f["baseName"] for f in r.json()["data"]] == ["zeta", "b.csv", "a.csv"]
    folders_first = http.get(FILES, params={"sort": "-folder", "includeFolders": "true"}).json()
    assert folders_first["data"][0]["folder"] is True
    assert http.get(FILES, params={"sort": "createdDate"}).status_code == 400
    assert http.get(FILES, params={"sort": "+modifiedDate"}).status_code == 200
    for field in ("id", "name", "type", "-name"):
        assert http.get(f"{FILES}/connections", params={"sort": field}).status_code == 400
    spaces = http.get(f"{FILES}/connections", params={"sort": "-spaceId"}).json()["data"]
    order = [c["spaceId"] or "" for c in spaces]
    assert order == sorted(order, reverse=True) and len(order) == 3
    _wipe(http)


# -- item 9 ---------------------------------------------------------------------------------------
def test_folders_and_the_list_filters(http: httpx.Client) -> None:
    top = _folder(http, "reports")
    assert top["folder"] is True and top["size"] == 0 and top["baseName"] == "reports"
    inner = _upload(http, "page1.csv", folderId=top["id"])
    assert inner["name"] == "reports/page1.csv" and inner["folderId"] == top["id"]
    assert inner["folderPath"] == "reports"
    _upload(http, "reports/2024/page2.csv")  # the missing folder is made on the way
    _upload(http, "other.csv")
    _upload(http, "team.csv", connectionId=SALES_CONNECTION)
    stats = http.get(f"{FILES}/{top['id']}").json()["folderStats"]
    assert (stats["directFileCount"], stats["totalFileCount"], stats["directFolderCount"]) == (1, 2, 1)

    assert _names(http) == ["other.csv", "reports/2024/page2.csv", "reports/page1.csv"]
    assert _names(http, baseNameWildcard="page*") == ["reports/2024/page2.csv",
                                                      "reports/page1.csv"]
    assert _names(http, baseNameWildcard="?ther.CSV") == ["other.csv"]
    assert _names(http, includeFolders="true", excludeFiles="true") == ["reports", "reports/2024"]
    assert "reports" in _names(http, includeFolders="true")
    assert _names(http, folderId=top["id"]) == ["reports/2024/page2.csv", "reports/page1.csv"]
    assert _names(http, folderPath="reports", excludeSubFolders="true") == ["reports/page1.csv"]
    assert _names(http, excludeSubFolders="true") == ["other.csv"]
    assert http.get(FILES, params={"folderId": top["id"], "folderPath": "reports"}
                    ).json()["errors"][0]["code"] == "DF-003"
    assert _names(http, notOwnerId="emulator-user") == []
    assert _names(http, notOwnerId="someone-else") == _names(http)
    assert "team.csv" in _names(http, includeAllSpaces="true")
    assert "team.csv" not in _names(http)

    # the two batch delete modes, and an empty list (the spec sets no minimum)
    empty = http.post(f"{FILES}/actions/delete", json={"delete": []})
    assert empty.status_code == 207 and empty.json() == {"data": []}
    by_space = http.post(f"{FILES}/actions/delete",
                         json={"delete": [], "deleteAllBySpace": [{"id": SALES}]})
    assert by_space.status_code == 207
    assert [i["status"] for i in by_space.json()["data"]] == [204]
    assert "team.csv" not in _names(http, includeAllSpaces="true")
    personal = http.post(f"{FILES}/actions/delete",
                         json={"delete": [], "deleteAllFromPersonalSpace": True})
    assert personal.status_code == 207
    assert _names(http, includeFolders="true") == []
    assert http.post(f"{FILES}/actions/change-space", json={"change-space": []}).status_code == 207


# -- item 10 --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path_tail,body", [
    ("actions/change-space", {"spaceId": {}}),
    ("actions/change-owner", {"ownerId": []}),
    ("actions/change-owner", {"ownerId": "user-2", "extra": 1}),
])
def test_bad_json_bodies_get_400_with_the_envelope(http: httpx.Client, path_tail: str,
                                                   body: dict[str, Any]) -> None:
    made = _upload(http, f"victim-{uuid.uuid4().hex[:6]}.csv")
    r = http.post(f"{FILES}/{made['id']}/{path_tail}", json=body)
    assert r.status_code == 400 and r.headers["content-type"] == "application/json"
    _only_code_title_detail(r.json())
    _wipe(http)


@pytest.mark.parametrize("model", [{"name": "x.csv", "appId": [1]}, {"name": 5},
                                   {"name": "x.csv", "connectionId": "not-a-uuid"},
                                   {"name": "x.csv", "colour": "red"}, {"folder": True}])
def test_bad_json_parts_get_400_with_the_envelope(http: httpx.Client,
                                                  model: dict[str, Any]) -> None:
    r = http.post(FILES, files={"Json": (None, json.dumps(model)), "File": ("x.csv", b"x")})
    assert r.status_code == 400 and r.headers["content-type"] == "application/json", r.text
    _only_code_title_detail(r.json())


def test_a_malformed_multipart_body_gets_400_with_the_envelope(http: httpx.Client) -> None:
    r = http.post(FILES, content=b"--nope\r\nContent-Disposition: form-data\r\n\r\nx",
                  headers={"Content-Type": "multipart/form-data; boundary=b0und"})
    broken = http.post(FILES, content=b"garbage",
                       headers={"Content-Type": "multipart/form-data"})  # no boundary
    for answer in (r, broken):
        assert answer.status_code == 400 and answer.headers["content-type"] == "application/json"
        _only_code_title_detail(answer.json())


# -- items 11 and 12 ------------------------------------------------------------------------------
def _store(http: httpx.Client, n: int) -> dict[str, Any]:
    r = http.post(STORES, json={"type": "qix-datafiles", "technicalName": f"contract_{n}"})
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def test_data_sets_and_assets_have_the_required_fields(http: httpx.Client,
                                                        tenant: Emulator) -> None:
    store = _store(http, 1)
    tenant._call("POST", f"/__emulator/data-stores/{store['id']}/data-assets",
                 {"assets": 1, "dataSets": 2})
    assets = http.get(f"{STORES}/{store['id']}/data-assets").json()["data"]
    assert assets and all("spaceId" not in a or isinstance(a["spaceId"], str) for a in assets)
    sets = http.get(f"{STORES}/{store['id']}/data-assets/{assets[0]['id']}/data-sets"
                    ).json()["data"]
    assert len(sets) == 2
    for data_set in sets:
        assert isinstance(data_set["secureQri"], str) and data_set["secureQri"]
        assert data_set["dataAssetInfo"]["id"] == assets[0]["id"]
        assert data_set["dataAssetInfo"]["dataStoreInfo"]["id"] == store["id"]


def test_patch_answers_the_data_store_and_pages_count_from_0(http: httpx.Client) -> None:
    store = _store(http, 2)
    r = http.patch(f"{STORES}/{store['id']}", json=[{"op": "add", "path": "/name",
                                                     "value": "renamed"}])
    assert r.status_code == 200
    assert r.json()["name"] == "renamed" and r.json()["version"] == store["version"] + 1
    for n in range(3, 6):
        _store(http, n)
    first = http.get(STORES, params={"limit": 2}).json()
    assert first["page"] == 0 and first["pages"] == 3 and first["total"] == 5
    assert "page=1" in first["links"]["next"]["href"] and "prev" not in first["links"]
    again = http.get(STORES, params={"limit": 2, "page": 0}).json()
    assert [s["id"] for s in again["data"]] == [s["id"] for s in first["data"]]
    last = http.get(STORES, params={"limit": 2, "page": 2}).json()
    assert len(last["data"]) == 1 and "next" not in last["links"]
    seen: list[str] = []
    url: str | None = f"{STORES}?limit=2"
    while url:
        page = http.get(url).json()
        seen += [s["id"] for s in page["data"]]
        url = page["links"].get("next", {}).get("href")
    assert len(seen) == 5 == len(set(seen))
    assert http.get(STORES, params={"page": -1}).status_code == 400


# -- item 13 --------------------------------------------------------------------------------------
def test_quotas_are_exact_in_javascript(http: httpx.Client) -> None:
    quotas = http.get(f"{FILES}/quotas").json()
    assert all(v <= 2**53 - 1 for v in quotas.values() if isinstance(v, int))


# -- the wiring: an emulator started by the suite reports what breaks the contract ------------
def test_the_suite_emulators_report_contract_violations(tmp_path: Path) -> None:
    log = tmp_path / "violations.jsonl"
    emu = Emulator(tmp_path / "data", contract_log=log).start()
    try:
        auth = {"Authorization": f"Bearer {API_KEY}"}
        store = httpx.post(f"{emu.url}{STORES}", json={"type": "t", "technicalName": "w"},
                           headers=auth).json()
        # read-only fields are ignored by the server (as the reference says), but a client must
        # not send them (the spec): the request is accepted, and the checker reports it
        r = httpx.put(f"{emu.url}{STORES}/{store['id']}", headers=auth, json={
            "type": "t", "technicalName": "w", "version": store["version"], "tenantId": "x"})
        assert r.status_code == 200
        assert httpx.get(f"{emu.url}{STORES}/{store['id']}?sort=", headers=auth
                         ).status_code == 400  # refused: not a violation
    finally:
        emu.stop()
    found = [json.loads(line)["violation"] for line in log.read_text().splitlines()]
    assert len(found) == 1, found
    assert "updateDataStore" in found[0] and "'x'" in found[0] and "answered 200" in found[0]
