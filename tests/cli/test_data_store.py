"""qcli data-store ... against the emulator."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from conftest import API_KEY, Emulator, Qcli

SERVER_FIELDS = {"id", "version", "tenantId", "createdBy", "createdTime", "ownerId",
                 "lastModifiedBy", "lastModifiedTime"}


def _env(emu: Emulator) -> dict[str, str]:
    return {"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY}


@pytest.fixture
def store(qcli: Qcli, emu: Emulator, request: pytest.FixtureRequest) -> dict:
    name = f"t_{request.node.name[:40]}"
    made = qcli("data-store", "create", "--type", "qix-datafiles", "--technical-name", name,
                "--name", "Test store", "--json", env=_env(emu))
    assert made.code == 0, made.err
    doc = made.json()
    yield doc
    qcli("data-store", "data-asset", "rm", doc["id"], "--yes", env=_env(emu))
    qcli("data-store", "rm", doc["id"], "--yes", env=_env(emu))


def _assets(emu: Emulator, store_id: str, assets: int = 2, data_sets: int = 2) -> dict:
    return emu._call("POST", f"/__emulator/data-stores/{store_id}/data-assets",
                     {"assets": assets, "dataSets": data_sets})


def test_create_with_flags_and_with_a_file_give_the_same_resource(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    flags = qcli("data-store", "create", "--type", "qix-datafiles", "--technical-name", "same_a",
                 "--name", "Same", "--description", "d", "--space-id", "sp1", "--tag", "a",
                 "--tag", "b", "--property", "region=eu", "--property", "tier=gold", "--json",
                 env=_env(emu))
    assert flags.code == 0, flags.err
    sent = json.loads(emu.requests()[0]["body"])
    assert sent == {"type": "qix-datafiles", "technicalName": "same_a", "name": "Same",
                    "description": "d", "spaceId": "sp1", "tags": ["a", "b"],
                    "properties": {"region": "eu", "tier": "gold"}}
    body = dict(sent, technicalName="same_b")
    path = tmp_path / "store.json"
    path.write_text(json.dumps(body))
    from_file = qcli("data-store", "create", "--file", str(path), "--json", env=_env(emu))
    assert from_file.code == 0, from_file.err
    a, b = flags.json(), from_file.json()
    assert a["version"] == b["version"] == 1
    strip = SERVER_FIELDS | {"technicalName"}
    assert {k: v for k, v in a.items() if k not in strip} == \
        {k: v for k, v in b.items() if k not in strip}
    piped = qcli("data-store", "create", "--file", "-", "-q",
                 input=json.dumps(dict(body, technicalName="same_c")), env=_env(emu))
    assert piped.code == 0, piped.err
    ids = [a["id"], b["id"], piped.out.strip()]
    emu.clear_requests()
    assert qcli("data-store", "rm", *ids, "--yes", env=_env(emu)).code == 0
    assert json.loads(emu.requests()[0]["body"]) == {"ids": ids}


def test_bad_bodies_are_caught_before_sending(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    missing = qcli("data-store", "create", "--name", "x", "--technical-name", "t",
                   env=_env(emu))
    assert missing.code == 2
    assert "invalid data store: type: Field required" in missing.err
    with_id = tmp_path / "id.json"
    with_id.write_text('{"id": "abc", "type": "t", "technicalName": "n"}')
    assert qcli("data-store", "create", "--file", str(with_id), env=_env(emu)).code == 2
    bad_tags = qcli("data-store", "create", "--file", "-", input='{"type": "t", '
                    '"technicalName": "n", "tags": "x"}', env=_env(emu))
    assert bad_tags.code == 2
    assert "tags" in bad_tags.err
    assert emu.requests() == []
    # the emulator itself refuses a client id on create
    req = urllib.request.Request(f"{emu.url}/api/v1/data-stores", method="POST",
                                 data=b'{"id": "x", "type": "t", "technicalName": "n"}',
                                 headers={"Authorization": f"Bearer {API_KEY}",
                                          "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 400


@pytest.mark.parametrize("args,check", [
    (["--op", "add", "--path", "/description", "--value", '"added"'],
     lambda d: d["description"] == "added"),
    (["--op", "replace", "--path", "/name", "--value", '"Renamed"'],
     lambda d: d["name"] == "Renamed"),
    (["--op", "remove", "--path", "/name"], lambda d: "name" not in d),
    (["--op", "copy", "--from", "/name", "--path", "/description"],
     lambda d: d["description"] == "Test store"),
    (["--op", "move", "--from", "/name", "--path", "/technicalDescription"],
     lambda d: d["technicalDescription"] == "Test store" and "name" not in d),
    (["--op", "test", "--path", "/name", "--value", '"Test store"'],
     lambda d: d["name"] == "Test store"),
])
def test_patch_each_op(qcli: Qcli, emu: Emulator, store: dict, args: list[str], check) -> None:
    emu.clear_requests()
    result = qcli("data-store", "patch", store["id"], *args, env=_env(emu))
    assert result.code == 0, result.err
    sent = json.loads(emu.requests()[0]["body"])
    assert sent[0]["op"] == args[1]
    after = qcli("data-store", "get", store["id"], "--json", env=_env(emu)).json()
    assert check(after)
    assert after["version"] == store["version"] + 1


def test_failing_test_op_and_invalid_patches(qcli: Qcli, emu: Emulator, store: dict,
                                            tmp_path: Path) -> None:
    failed = qcli("data-store", "patch", store["id"], "--op", "test", "--path", "/name",
                  "--value", '"other"', env=_env(emu))
    assert failed.code == 1
    assert failed.err.startswith("error: 400 Bad Request: test operation failed")
    emu.clear_requests()
    for args, text in [
        (["--op", "frobnicate", "--path", "/name"], "op must be one of"),
        (["--op", "move", "--path", "/name"], "move needs 'from'"),
        (["--op", "replace", "--path", "name", "--value", "1"], "is not a JSON pointer"),
        (["--op", "add", "--path", "/x"], "add needs a value"),
        (["--op", "add", "--path", "/x", "--value", "not json"], "malformed JSON in --value"),
    ]:
        result = qcli("data-store", "patch", store["id"], *args, env=_env(emu))
        assert result.code == 2, (args, result.err)
        assert text in result.err, (args, result.err)
    patch_file = tmp_path / "p.json"
    patch_file.write_text('{"op": "add"}')
    assert qcli("data-store", "patch", store["id"], "--file", str(patch_file),
                env=_env(emu)).code == 2
    assert emu.requests() == []
    patch_file.write_text(json.dumps([{"op": "replace", "path": "/name", "value": "F"},
                                      {"op": "add", "path": "/tags", "value": ["x"]}]))
    assert qcli("data-store", "patch", store["id"], "--file", str(patch_file),
                env=_env(emu)).code == 0
    assert qcli("data-store", "get", store["id"], "--json", env=_env(emu)).json()["tags"] == ["x"]


def test_update_put_and_stale_version(qcli: Qcli, emu: Emulator, store: dict,
                                      tmp_path: Path) -> None:
    emu.clear_requests()
    updated = qcli("data-store", "update", store["id"], "--description", "v2", "--json",
                   env=_env(emu))
    assert updated.code == 0, updated.err
    put = next(r for r in emu.requests() if r["method"] == "PUT")
    body = json.loads(put["body"])
    assert body["version"] == store["version"] and body["description"] == "v2"
    assert body["technicalName"] == store["technicalName"]  # the whole resource
    assert updated.json()["version"] == store["version"] + 1
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(dict(store, description="stale")))  # version 1, now 2
    result = qcli("data-store", "update", store["id"], "--file", str(stale), env=_env(emu))
    assert result.code == 5
    assert "409 Conflict" in result.err and "stale" in result.err


def test_non_empty_store_delete_then_assets_first(qcli: Qcli, emu: Emulator,
                                                  store: dict) -> None:
    made = _assets(emu, store["id"])
    refused = qcli("data-store", "rm", store["id"], "--yes", env=_env(emu))
    assert refused.code == 5
    assert "contains 2 data assets" in refused.err
    assert f"qcli data-store data-asset rm {store['id']} --yes" in refused.err
    assets = qcli("data-store", "data-asset", "ls", store["id"], "--json", env=_env(emu)).json()
    assert {a["id"] for a in assets} == set(made["dataAssets"])
    sets = qcli("data-store", "data-set", "ls", store["id"], made["dataAssets"][0], "--json",
                env=_env(emu)).json()
    assert len(sets) == 2
    emu.clear_requests()
    gone = qcli("data-store", "data-set", "rm", store["id"], made["dataAssets"][0], "--yes",
                env=_env(emu))
    assert gone.code == 0
    assert emu.requests()[0]["path"] == (
        f"/api/v1/data-stores/{store['id']}/data-assets/{made['dataAssets'][0]}/data-sets")
    assert qcli("data-store", "data-set", "ls", store["id"], made["dataAssets"][0], "--json",
                env=_env(emu)).json() == []
    assert qcli("data-store", "data-asset", "rm", store["id"], "--yes", env=_env(emu)).code == 0
    assert qcli("data-store", "data-set", "ls", store["id"], "*", "--json",
                env=_env(emu)).json() == []  # the cascade took the other asset's sets
    assert qcli("data-store", "rm", store["id"], "--yes", env=_env(emu)).code == 0
    assert qcli("data-store", "get", store["id"], env=_env(emu)).code == 4
    no_tty = qcli("data-store", "data-asset", "rm", "*", env=_env(emu))
    assert no_tty.code == 2


def test_star_and_comma_separated_ids(qcli: Qcli, emu: Emulator, store: dict) -> None:
    made = _assets(emu, store["id"], assets=3, data_sets=1)
    emu.clear_requests()
    everything = qcli("data-store", "data-asset", "ls", "*", "--json", env=_env(emu)).json()
    assert set(made["dataAssets"]) <= {a["id"] for a in everything}
    assert emu.requests()[0]["path"] == "/api/v1/data-stores/*/data-assets"
    two = ",".join(made["dataAssets"][:2])
    sets = qcli("data-store", "data-set", "ls", "*", two, "--json", env=_env(emu)).json()
    assert len(sets) == 2
    both = qcli("data-store", "data-asset", "ls", store["id"], store["id"], "--json",
                env=_env(emu))
    assert both.code == 0
    mixed = qcli("data-store", "data-asset", "ls", "*", store["id"], env=_env(emu))
    assert mixed.code == 2
    assert qcli("data-store", "data-asset", "ls", "no-such-store", env=_env(emu)).code == 4


def test_pages_limit_and_projections(qcli: Qcli, tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "catalog").start()
    try:
        for n in range(250):
            req = urllib.request.Request(
                f"{emu.url}/api/v1/data-stores", method="POST",
                data=json.dumps({"type": "t", "technicalName": f"s{n:03d}",
                                 "name": f"Store {n:03d}"}).encode(),
                headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=10).read()
        emu.clear_requests()
        everything = qcli("data-store", "ls", "--json", env=_env(emu)).json()
        assert len(everything) == 250
        assert len({s["id"] for s in everything}) == 250
        pages = [r for r in emu.requests() if r["path"] == "/api/v1/data-stores"]
        assert len(pages) == 13  # page numbers 0..12 of 20 (the spec counts from 0)
        assert "page=12" in pages[-1]["query"]
        capped = qcli("data-store", "ls", "--json", "--limit", "99", env=_env(emu)).json()
        assert [s["technicalName"] for s in capped] == [f"s{n:03d}" for n in range(99)]
        desc = qcli("data-store", "ls", "--json", "--sort", "-technicalName", "--limit", "2",
                    env=_env(emu)).json()
        assert [s["technicalName"] for s in desc] == ["s249", "s248"]
        projected = qcli("data-store", "ls", "--projections", "id,name", "--limit", "3",
                         "--json", env=_env(emu)).json()
        assert all(set(s) == {"id", "name"} for s in projected)
        table = qcli("data-store", "ls", "--projections", "name", "--limit", "2", "-o", "table",
                     env=_env(emu))
        assert table.out.splitlines()[0].split() == ["NAME"]
        one = qcli("data-store", "get", everything[0]["id"], "--projections", "technicalName",
                   "--json", env=_env(emu)).json()
        assert one == {"technicalName": "s000"}
    finally:
        emu.stop()


def test_read_only_fields_are_never_sent(qcli: Qcli, emu: Emulator, store: dict,
                                         tmp_path: Path) -> None:
    """#11 item 3: what the spec marks readOnly (the server sets it) is left out of every PUT
    and POST body, whether the body comes from the current resource, a file or `get --json`."""
    from qcli.api.data_stores import READ_ONLY

    digest = json.loads((Path(__file__).parents[1] / "contract" / "specs.json").read_text())
    schema = digest["data-stores"]["components"]["schemas"]["DataStore"]["properties"]
    assert {k for k, v in schema.items() if v.get("readOnly")} == READ_ONLY
    current = qcli("data-store", "get", store["id"], "--json", env=_env(emu)).json()
    assert set(current) >= READ_ONLY  # the GET gives them: a body made from it carries them
    saved = tmp_path / "s.json"
    saved.write_text(json.dumps(dict(current, description="from a file")))
    copy = {k: v for k, v in current.items() if k not in ("id", "version")}
    new = tmp_path / "new.json"
    new.write_text(json.dumps(dict(copy, technicalName="t_readonly_copy")))
    emu.clear_requests()
    runs = [("update", store["id"], "--file", str(saved)),  # at the version it was saved at
            ("update", store["id"], "--description", "fields"), ("create", "--file", str(new))]
    for args in runs:
        result = qcli("data-store", *args, "--json", env=_env(emu))
        assert result.code == 0, (args, result.err)
        if args[0] == "create":
            qcli("data-store", "rm", result.json()["id"], "--yes", env=_env(emu))
    bodies = [json.loads(r["body"]) for r in emu.requests() if r["method"] in ("PUT", "POST")]
    assert len(bodies) == 3
    assert [sorted(READ_ONLY & set(b)) for b in bodies] == [[], [], []]
    assert bodies[0]["description"] == "from a file" and bodies[2]["name"] == current["name"]


def test_a_tag_given_twice_is_sent_once_and_the_api_refuses_repeats(qcli: Qcli, emu: Emulator
                                                                     ) -> None:
    import urllib.error

    made = qcli("data-store", "create", "--type", "qix-datafiles", "--technical-name",
                "twice_tagged", "--tag", "eu", "--tag", "é😀", "--tag", "eu", "--json",
                env=_env(emu))
    assert made.code == 0, made.err
    assert made.json()["tags"] == ["eu", "é😀"]
    try:
        emu.api("POST", "/api/v1/data-stores", {"type": "t", "technicalName": "dup_tags",
                                                 "tags": ["a", "a"]})
    except urllib.error.HTTPError as exc:
        assert exc.code == 400
    else:
        raise AssertionError("the emulator took repeated tags")


def test_an_id_given_twice_is_deleted_once_and_patches_keep_types(qcli: Qcli, emu: Emulator,
                                                                   store: dict) -> None:
    other = qcli("data-store", "create", "--type", "qix-datafiles", "--technical-name",
                 "second_of_two", "--json", env=_env(emu)).json()
    emu.clear_requests()
    both = f"{store['id']},{other['id']}"
    gone = qcli("data-store", "rm", both, store["id"], other["id"], "--yes", env=_env(emu))
    assert gone.code == 0, gone.err
    sent = next(r for r in emu.requests() if r["method"] == "DELETE")
    assert json.loads(sent["body"]) == {"ids": [store["id"], other["id"]]}
    again = qcli("data-store", "create", "--type", "qix-datafiles", "--technical-name",
                 "typed_name", "--name", "Typed", "--json", env=_env(emu)).json()
    numbered = qcli("data-store", "patch", again["id"], "--op", "replace", "--path", "/name",
                    "--value", "3", env=_env(emu))
    assert numbered.code == 1  # the emulator refuses a name that is not a string
    assert "name must be a string" in numbered.err
