"""The resource models API methods return: typed fields, the server's JSON kept as it came."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from qcli.api.models import Extension

ROOT = Path(__file__).resolve().parents[1]


def test_a_resource_prints_as_the_server_sent_it_keys_order_and_extras() -> None:
    raw = {"updateAt": "2026-01-01T00:00:00Z", "name": "Map", "x-new": {"b": 1, "a": 2},
           "bundle": {"name": "B", "id": "b1", "extra": True}, "id": "e1", "tags": ["maps"]}
    model = Extension.from_json(json.loads(json.dumps(raw)))
    assert (model.id, model.name, model.tags) == ("e1", "Map", ["maps"])
    assert model.bundle is not None and model.bundle.name == "B"
    assert json.dumps(model.to_json()) == json.dumps(raw)  # same keys, same order
    assert model.model_extra == {"x-new": {"b": 1, "a": 2}}


def test_an_answer_off_the_reference_still_prints_unchanged() -> None:
    raw = {"id": 7, "tags": "not-a-list", "name": "odd"}
    model = Extension.from_json(raw)
    assert model.to_json() == raw and model.name == "odd"


def test_temp_content_details_read_by_the_references_names() -> None:
    from qcli.api.models import TempContentDetails

    raw = {"ID": "t1", "Name": "a.csv", "Size": "12", "TTLSeconds": 60, "Other": 1}
    details = TempContentDetails.from_json(raw)
    assert (details.id, details.name, details.size, details.ttl_seconds) == ("t1", "a.csv", "12", 60)
    assert details.to_json() is raw


def test_a_data_file_keeps_its_nested_objects_as_sent() -> None:
    from qcli.api.models import DataFile

    raw = {"id": "f1", "size": 3, "folderStats": {"z": 1, "a": 2}, "actions": ["read"]}
    model = DataFile.from_json(raw)
    assert (model.id, model.size, model.actions) == ("f1", 3, ["read"])
    assert json.dumps(model.to_json()) == json.dumps(raw)


def test_catalog_documents_are_typed_and_print_as_the_server_sent_them() -> None:
    from qcli.api.models import DataAsset, DataSet, DataStore

    raw = {"version": 3, "technicalName": "t", "zNew": [1], "schema": {"dataFields": []},
           "id": "x"}
    for model in (DataStore, DataAsset, DataSet):
        document = model.from_json(json.loads(json.dumps(raw)))
        assert document.version == 3 and document.technicalName == "t"  # type: ignore[attr-defined]
        assert json.dumps(document.to_json()) == json.dumps(raw)
    assert DataSet.from_json(raw).schema_ == {"dataFields": []}  # type: ignore[attr-defined]
    assert DataStore.from_json(raw).model_extra == {"zNew": [1], "schema": {"dataFields": []}}


def _digest_schema(spec: str, name: str) -> dict[str, Any]:
    digest = json.loads((ROOT / "tests" / "contract" / "specs.json").read_text(encoding="utf-8"))
    schema: dict[str, Any] = digest[spec]["components"]["schemas"][name]
    return schema


def test_every_model_has_the_properties_of_its_schema_in_the_digest() -> None:
    from qcli.api import models

    for model, spec, name in [
            (models.Extension, "extensions", "extension"),
            (models.BundleMeta, "extensions", "bundleMeta"),
            (models.DataFile, "data-files", "DataFileUploadResponse"),
            (models.DataFileQuota, "data-files", "QuotaResponse"),
            (models.DataFileConnection, "data-files", "ConnectionsResponse"),
            (models.TempContentDetails, "temp-contents", "detailResponse"),
            (models.DataStore, "data-stores", "DataStore"),
            (models.DataAsset, "data-assets", "DataAsset"),
            (models.DataSet, "data-sets", "DataSet"),
            (models.DataStoreBody, "data-stores", "DataStore"),
            (models.DataAssetBody, "data-assets", "DataAsset"),
            (models.DataSetBody, "data-sets", "DataSet")]:
        schema = _digest_schema(spec, name)
        fields = model.model_fields
        assert {f.alias or n for n, f in fields.items()} == set(schema["properties"]), model
        if issubclass(model, models.Resource):
            assert not any(f.is_required() for f in fields.values()), model
        else:
            assert {f.alias or n for n, f in fields.items() if f.is_required()} == set(
                schema.get("required", [])), model
    extension = _digest_schema("extensions", "extension")["properties"]
    assert set(models.ExtensionData.model_fields) == {
        k for k, v in extension.items() if not v.get("readOnly")}


def test_a_checked_body_keeps_the_order_it_was_given_in() -> None:
    from qcli.api.models import DataSetBody, validate

    given = {"technicalName": "t", "secureQri": "qri:x", "qri": "qri:db:x",
             "dataAssetInfo": {"id": "a1", "dataStoreInfo": {"id": "s1"}}, "name": None,
             "schema": {"z": 1, "a": 2}, "tags": ["b", "a"]}
    checked = validate(DataSetBody, given, "data set")
    assert list(checked) == ["technicalName", "secureQri", "qri", "dataAssetInfo", "schema",
                             "tags"]
    assert json.dumps(checked) == json.dumps({k: v for k, v in given.items() if v is not None})
