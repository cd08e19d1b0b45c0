"""Parsing and command logic, in-process against the emulator's ASGI app (fixture: inproc)."""

from __future__ import annotations

from inprocess_harness import inproc_fixture  # noqa: F401 - the `inproc` fixture


def test_a_data_store_round_trip_in_process(inproc) -> None:  # type: ignore[no-untyped-def]
    assert inproc.contract_checked  # the specs check every exchange, as over a socket
    made = inproc("data-store", "create", "--type", "qix-datafiles", "--technicalName", "sales",
                  "--name", "Sales", "--tag", "eu", "--json")
    assert made.code == 0, made.err
    store = made.json()
    assert store["technicalName"] == "sales" and store["tags"] == ["eu"]
    listed = inproc("data-store", "ls", "--json")
    assert [s["id"] for s in listed.json()] == [store["id"]]
    gone = inproc("data-store", "rm", store["id"])  # no terminal: --yes is needed
    assert gone.code == 2 and "pass --yes" in gone.err
    assert inproc("data-store", "rm", store["id"], "--yes").code == 0
    missing = inproc("data-store", "get", store["id"])
    assert missing.code == 4 and missing.out == ""


def test_usage_errors_exit_2_before_any_request(inproc) -> None:  # type: ignore[no-untyped-def]
    bad = inproc("data-store", "ls", "--page-size", "101")
    assert bad.code == 2 and "--page-size" in bad.err
    patch = inproc("data-store", "patch", "x1", "--op", "replace", "--path", "/name",
                   "--value", "plain text")
    assert patch.code == 2 and "--value" in patch.err and "quotes" in patch.err

