"""The emulator's fault rules: parsing, and where a held request stops (over loopback HTTP)."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from conftest import API_KEY, Emulator

from qcli.emulator.faults import FaultRule, parse_rules


def test_rules_parse_from_the_command_line() -> None:
    rules = parse_rules("delay=2 at=body after-bytes=100 method=PATCH path=/x/*; status=503 nth=1,3")
    assert (rules[0].at, rules[0].after_bytes, rules[0].delay, rules[0].method) == (
        "body", 100, 2.0, "PATCH")
    assert (rules[1].status, rules[1].nth, rules[1].at) == (503, [1, 3], "request")


@pytest.mark.parametrize("spec, problem", [
    ("delay=1 at=later", "at= must be one of"),
    ("status=500 at=response", "go with delay=SECONDS or drop"),
    ("drop at=body", "drop goes with at=request or at=response"),
    ("drop delay=1 at=response", "not both"),
    ("at=body", "needs status=CODE, drop or delay"),
    ("delay=1 colour=red", "unknown fault setting"),
])
def test_bad_rules_name_the_problem(spec: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_rules(spec)


def test_a_response_hold_does_the_work_first(emu: Emulator) -> None:
    emu.add_faults({"delay": 1.5, "at": "response", "method": "POST",
                    "path": "/api/v1/data-stores", "nth": [1]})
    headers = {"Authorization": f"Bearer {API_KEY}"}
    result: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: result.append(httpx.post(
        f"{emu.url}/api/v1/data-stores", json={"type": "t", "technicalName": "held"},
        headers=headers, timeout=10)))
    started = time.monotonic()
    thread.start()
    emu.wait_for(lambda r: r.get("held"), timeout=5)
    # held before its answer, yet the store already exists
    listed = httpx.get(f"{emu.url}/api/v1/data-stores", headers=headers, timeout=10).json()
    assert "held" in [s["technicalName"] for s in listed["data"]]
    thread.join(10)
    assert result[0].status_code == 201
    assert time.monotonic() - started >= 1.5


def test_a_body_hold_stops_after_the_given_bytes(emu: Emulator) -> None:
    emu.add_faults({"delay": 1.0, "at": "body", "afterBytes": 64 * 1024, "method": "POST",
                    "path": "/api/v1/temp-contents"})
    body = b"x" * (1024 * 1024)
    result: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: result.append(httpx.post(
        f"{emu.url}/api/v1/temp-contents?filename=held.bin", content=iter([body[i:i + 16384]
                                                   for i in range(0, len(body), 16384)]),
        headers={"Authorization": f"Bearer {API_KEY}",
                 "Content-Type": "application/octet-stream"}, timeout=10)))
    thread.start()
    held = emu.wait_for(lambda r: r.get("held"), timeout=5)
    assert 64 * 1024 <= held[0]["bodySize"] < len(body)
    thread.join(10)
    assert result[0].status_code == 201  # then the rest of the body arrives
    assert FaultRule.from_dict({"delay": 1}).at == "request"


def test_clearing_the_rules_ends_a_hold(emu: Emulator) -> None:
    emu.add_faults({"delay": 60, "method": "POST", "path": "/api/v1/data-stores", "nth": [1]})
    result: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: result.append(httpx.post(
        f"{emu.url}/api/v1/data-stores", json={"type": "t", "technicalName": "released"},
        headers={"Authorization": f"Bearer {API_KEY}"}, timeout=30)))
    thread.start()
    emu.wait_for(lambda r: r.get("held"), timeout=5)
    assert result == []
    emu.clear_faults()
    thread.join(20)  # long before the 60 s hold
    assert not thread.is_alive()
    assert result[0].status_code == 201
