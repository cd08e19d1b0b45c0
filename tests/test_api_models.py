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
