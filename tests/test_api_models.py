"""The resource models API methods return: typed fields, the server's JSON kept as it came."""

from __future__ import annotations

import json

from qcli.api.models import Extension


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
