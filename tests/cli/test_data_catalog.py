"""qcli data-asset and qcli data-set against the emulator, as a subprocess (the verbs' details
are tested in-process: tests/cli/inprocess/test_inprocess_catalog.py)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import API_KEY, Emulator, Qcli


def _env(emu: Emulator) -> dict[str, str]:
    return {"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY}


def test_what_data_asset_create_makes_is_listed_by_data_store_data_asset_ls(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    env = _env(emu)
    store = qcli("data-store", "create", "--type", "qix-datafiles", "--technical-name",
                 "catalog_cli", "--json", env=env).json()
    made = qcli("data-asset", "create", "--dataStoreId", store["id"], "--appType", "QIX-DF",
                "--technicalName", "orders_asset", "--json", env=env)
    assert made.code == 0, made.err
    asset = made.json()
    listed = qcli("data-store", "data-asset", "ls", store["id"], "-q", env=env)
    assert listed.out.split() == [asset["id"]]
    body = {"technicalName": "orders", "qri": "qri:db:orders", "secureQri": "qri:db:orders",
            "dataAssetInfo": {"id": asset["id"]}}
    (tmp_path / "set.json").write_text(json.dumps(body))
    data_set = qcli("data-set", "create", "--file", str(tmp_path / "set.json"), "-q", env=env)
    assert data_set.code == 0, data_set.err
    set_id = data_set.out.strip()
    sets = qcli("data-store", "data-set", "ls", store["id"], asset["id"], "-q", env=env)
    assert sets.out.split() == [set_id]
    refused = qcli("data-asset", "rm", asset["id"], env=env)  # not a terminal: needs --yes
    assert refused.code == 2 and "--yes" in refused.err
    gone = qcli("data-asset", "rm", asset["id"], "--yes", env=env)
    assert gone.code == 0 and gone.out == "" and f"Deleted data asset {asset['id']}" in gone.err
    assert qcli("data-set", "get", set_id, env=env).code == 4  # its data sets went with it
    assert qcli("data-store", "rm", store["id"], "--yes", env=env).code == 0


def test_read_only_paths_match_the_spec() -> None:
    """What the data-assets and data-sets specs mark readOnly inside dataStoreInfo and
    dataAssetInfo is never sent (the top-level ones: api.data_stores.READ_ONLY)."""
    from qcli.api.catalog import DataAssetsApi, DataSetsApi
    from qcli.api.data_stores import READ_ONLY

    digest = json.loads((Path(__file__).parents[1] / "contract" / "specs.json").read_text())

    def read_only(spec: str, schema: str, prefix: str = "", depth: int = 0) -> set[str]:
        found: set[str] = set()
        props = digest[spec]["components"]["schemas"][schema].get("properties", {})
        for name, prop in props.items():
            if prop.get("readOnly"):
                found.add(prefix + name)
            ref = prop.get("$ref", "")
            if ref and depth < 2 and name.endswith("Info"):
                found |= read_only(spec, ref.rsplit("/", 1)[1], f"{prefix}{name}.", depth + 1)
        return found

    for api, spec, schema in ((DataAssetsApi, "data-assets", "DataAsset"),
                              (DataSetsApi, "data-sets", "DataSet")):
        assert read_only(spec, schema) == READ_ONLY | set(api.READ_ONLY_PATHS), spec
