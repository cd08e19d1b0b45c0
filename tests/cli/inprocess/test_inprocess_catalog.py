"""qcli data-asset and qcli data-set in-process (parsing, bodies, verbs): the subprocess
round trip is tests/cli/test_data_catalog.py."""

from __future__ import annotations

import json
from typing import Any

from inprocess_harness import inproc_fixture  # noqa: F401 - the `inproc` fixture


def _store(inproc: Any) -> str:
    made = inproc("data-store", "create", "--type", "qix-datafiles", "--technical-name", "s1",
                  "--json")
    assert made.code == 0, made.err
    return str(made.json()["id"])


def _asset(inproc: Any, store: str, *extra: str) -> dict[str, Any]:
    """A data asset `a1` in `store` (with EXTRA options), as created."""
    made = inproc("data-asset", "create", "--data-store-id", store, "--app-type", "QIX-DF",
                  "--technical-name", "a1", *extra, "--json")
    assert made.code == 0, made.err
    asset: dict[str, Any] = made.json()
    return asset


def test_data_asset_verbs_with_camel_case_flags(inproc) -> None:  # type: ignore[no-untyped-def]
    store = _store(inproc)
    made = inproc("data-asset", "create", "--dataStoreId", store, "--appType", "QIX-DF",
                  "--technicalName", "sales", "--name", "Sales", "--property", "k=v", "--json")
    assert made.code == 0, made.err
    asset = made.json()
    assert asset["dataStoreInfo"]["id"] == store and asset["properties"] == {"k": "v"}
    listed = inproc("data-store", "data-asset", "ls", store, "--json")
    assert [a["id"] for a in listed.json()] == [asset["id"]]
    assert inproc("data-asset", "patch", asset["id"], "--op", "replace", "--path", "/name",
                  "--value", '"Sales EU"').code == 0
    changed = inproc("data-asset", "update", asset["id"], "--description", "EU", "--json")
    assert changed.code == 0, changed.err
    assert changed.json()["name"] == "Sales EU" and changed.json()["description"] == "EU"
    shown = inproc("data-asset", "get", asset["id"], "--json").json()
    assert shown["description"] == "EU"
    assert inproc("data-asset", "rm", asset["id"], "--yes").code == 0
    assert inproc("data-asset", "get", asset["id"]).code == 4


def test_data_set_verbs_and_profiles(inproc) -> None:  # type: ignore[no-untyped-def]
    store = _store(inproc)
    asset = _asset(inproc, store)
    body = {"technicalName": "orders", "qri": "qri:db:orders", "secureQri": "qri:db:orders",
            "dataAssetInfo": {"id": asset["id"]},
            "schema": {"dataFields": [{"name": "id", "dataType": {"type": "INTEGER"}}]}}
    made = inproc("data-set", "create", "--file", "-", "--json", input=json.dumps(body))
    assert made.code == 0, made.err
    data_set = made.json()
    assert data_set["dataAssetInfo"]["id"] == asset["id"]
    profiles = inproc("data-set", "profiles", data_set["id"], "--json")
    assert profiles.code == 0, profiles.err
    assert profiles.json()[0]["meta"]["dataSetId"] == data_set["id"]
    assert inproc("data-set", "update", data_set["id"], "--tag", "eu", "--json").json()[
        "tags"] == ["eu"]
    assert inproc("data-set", "rm", data_set["id"], "--yes").code == 0
    assert inproc("data-set", "get", data_set["id"]).code == 4


def test_bodies_are_checked_before_sending(inproc) -> None:  # type: ignore[no-untyped-def]
    missing = inproc("data-asset", "create", "--technical-name", "x")
    assert missing.code == 2 and "appType" in missing.err
    both = inproc("data-set", "create", "--file", "-", "--name", "x", input="{}")
    assert both.code == 2 and "not both" in both.err
    bad = inproc("data-asset", "rm", "a/b", "--yes")
    assert bad.code == 2


def test_data_asset_and_data_set_ids_complete(inproc) -> None:  # type: ignore[no-untyped-def]
    """The completers list IDs through the API layer (DataStoresApi, every store's assets)."""
    from inprocess_harness import API_KEY, SERVER

    from qcli.cli import completers
    from qcli.config.settings import Connection
    from qcli.http.client import HttpClient

    store = _store(inproc)
    asset = _asset(inproc, store)["id"]
    body = {"technicalName": "t", "qri": "qri:db:t", "secureQri": "qri:db:t",
            "dataAssetInfo": {"id": asset}}
    data_set = inproc("data-set", "create", "--file", "-", "-q", input=json.dumps(body))
    conn = Connection(server=SERVER, auth="api-key", api_key=API_KEY)
    with HttpClient(conn, transport=inproc.transport) as http:
        assert completers._data_assets(http) == [asset]
        assert completers._data_sets(http) == [data_set.out.strip()]


def test_the_specs_length_limits_are_checked_before_sending(inproc) -> None:  # type: ignore[no-untyped-def]
    short = inproc("data-set", "create", "--data-asset-id", "a1", "--technical-name", "t",
                   "--qri", "q", "--secure-qri", "q")
    assert short.code == 2 and "qri" in short.err
    long_name = inproc("data-asset", "create", "--data-store-id", "s1", "--app-type", "QIX-DF",
                       "--technical-name", "x" * 256)
    assert long_name.code == 2 and "technicalName" in long_name.err


def test_a_tag_or_id_given_twice_is_sent_once(inproc) -> None:  # type: ignore[no-untyped-def]
    """The specs want tags and batch IDs unique (the emulator refuses repeats with 400)."""
    store = _store(inproc)
    asset = _asset(inproc, store, "--tag", "eu", "--tag", "eu")
    assert asset["tags"] == ["eu"]
    gone = inproc("data-asset", "rm", f"{asset['id']},{asset['id']}", asset["id"], "--yes")
    assert gone.code == 0, gone.err
    assert f"Deleted data asset {asset['id']}." in gone.err


def test_a_catalog_document_prints_as_the_server_sent_it_in_every_format(inproc) -> None:  # type: ignore[no-untyped-def]
    """get, create and update return models; what they print is the server's JSON, the same
    bytes as `raw` prints for the same document, in every output format."""
    store = _store(inproc)
    asset = _asset(inproc, store, "--property", "k=v")
    body = {"technicalName": "orders", "qri": "qri:db:orders", "secureQri": "qri:db:orders",
            "dataAssetInfo": {"id": asset["id"]}, "operational": {"rowCount": 3}}
    data_set = inproc("data-set", "create", "--file", "-", "--json",
                      input=json.dumps(body)).json()
    for group, path, item in (("data-store", "data-stores", store),
                              ("data-asset", "data-assets", asset["id"]),
                              ("data-set", "data-sets", data_set["id"])):
        for fmt in (["-o", "json"], ["-o", "yaml"], ["-o", "table"], ["-o", "csv"], ["-q"]):
            shown = inproc(group, "get", item, *fmt)
            raw = inproc("raw", "get", f"v1/{path}/{item}", *fmt)
            assert shown.code == raw.code == 0, shown.err + raw.err
            assert shown.out == raw.out and shown.out.strip(), (group, fmt)
        updated = inproc(group, "update", item, "--description", "d", "--json")
        assert updated.code == 0, updated.err
        assert updated.out == inproc("raw", "get", f"v1/{path}/{item}", "--json").out


def test_the_catalog_apis_return_models(inproc) -> None:  # type: ignore[no-untyped-def]
    from inprocess_harness import API_KEY, SERVER

    from qcli.api.catalog import DataAssetsApi
    from qcli.api.models import DataAsset, DataStore
    from qcli.app import Application
    from qcli.iostreams import IOStreams

    a = Application(IOStreams(env={"QCLI_SERVER": SERVER, "QCLI_API_KEY": API_KEY,
                                   "QCLI_CONFIG_DIR": str(inproc.tmp_path / "config")}),
                    transport=inproc.transport)
    store = a.data_stores.create_data_store({"type": "t", "technicalName": "s"})
    assert isinstance(store, DataStore) and store.version == 1
    assert store.id is not None
    asset = a.api(DataAssetsApi).create({"appType": "QIX-DF", "technicalName": "a",
                                         "dataStoreInfo": {"id": store.id}})
    assert isinstance(asset, DataAsset)
    again = a.data_stores.update_data_store(store.id, {**store.to_json(), "name": "N"})
    assert isinstance(again, DataStore) and again.version == 2
    assert a.data_stores.get_data_store(store.id).to_json() == again.to_json()
