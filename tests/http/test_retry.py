"""Retry and rate-limit timing of the HTTP layer: mocked HTTP (respx), a recorded sleep."""

from __future__ import annotations

import httpx
import pytest
import respx

from qcli.config.settings import Connection
from qcli.errors import ApiError, NetworkError
from qcli.http.client import HttpClient
from qcli.http.retry import Attempts, Gate, RetryPolicy, parse_retry_after

BASE = "https://tenant.example"


def client(sleeps: list[float], attempts: int = 4) -> HttpClient:
    conn = Connection(server=BASE, auth="api-key", api_key="k" * 12)
    return HttpClient(conn, retry=RetryPolicy(attempts=attempts), sleep=sleeps.append)


@respx.mock
def test_get_retries_503_with_growing_jittered_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    route = respx.get(f"{BASE}/api/v1/x").mock(side_effect=[
        httpx.Response(503), httpx.Response(502), httpx.Response(200, json={"ok": True})])
    ranges: list[tuple[float, float]] = []

    def uniform(low: float, high: float) -> float:  # records the jitter range, takes its middle
        ranges.append((low, high))
        return (low + high) / 2

    monkeypatch.setattr("qcli.http.retry.random.uniform", uniform)
    sleeps: list[float] = []
    assert client(sleeps).json("GET", "/api/v1/x") == {"ok": True}
    assert route.call_count == 3
    assert ranges == [(0.0, 0.5), (0.0, 1.0)]  # jittered over a step that doubles
    assert sleeps == [0.25, 0.5]  # the drawn waits are the ones slept
    assert sleeps[1] > sleeps[0]


def test_equal_jitter_waits_at_least_half_of_each_step() -> None:
    policy = RetryPolicy(base=0.5, cap=10.0, floor=0.5)
    for retry, step in enumerate([0.5, 1, 2, 4, 8, 10, 10]):
        waits = [policy.backoff(retry) for _ in range(200)]
        assert step / 2 <= min(waits) and max(waits) <= step
    full = [RetryPolicy(base=0.5).backoff(0) for _ in range(200)]
    assert min(full) < 0.25  # full jitter by default (may go near 0)


@respx.mock
def test_post_is_not_repeated_after_an_ambiguous_failure() -> None:
    route = respx.post(f"{BASE}/api/v1/x").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(NetworkError, match="timed out"):
        client([]).request("POST", "/api/v1/x", json={})
    assert route.call_count == 1


@respx.mock
def test_post_is_repeated_when_the_connection_never_opened() -> None:
    route = respx.post(f"{BASE}/api/v1/x").mock(side_effect=[
        httpx.ConnectError("refused"), httpx.Response(201, json={"id": "1"})])
    sleeps: list[float] = []
    assert client(sleeps).json("POST", "/api/v1/x", json={}) == {"id": "1"}
    assert route.call_count == 2


@respx.mock
def test_post_is_not_retried_on_503() -> None:
    route = respx.post(f"{BASE}/api/v1/x").mock(return_value=httpx.Response(503))
    with pytest.raises(ApiError) as info:
        client([]).request("POST", "/api/v1/x")
    assert info.value.status == 503
    assert route.call_count == 1


@respx.mock
def test_429_honours_retry_after_for_every_method() -> None:
    route = respx.post(f"{BASE}/api/v1/x").mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={})])
    sleeps: list[float] = []
    client(sleeps).request("POST", "/api/v1/x")
    assert sleeps == [7.0]
    assert route.call_count == 2


@respx.mock
def test_gives_up_after_the_attempt_budget() -> None:
    route = respx.get(f"{BASE}/api/v1/x").mock(return_value=httpx.Response(
        429, headers={"Retry-After": "1"}, json={"errors": [{"title": "Too Many Requests",
                                                             "code": "RATE"}]}))
    sleeps: list[float] = []
    with pytest.raises(ApiError) as info:
        client(sleeps, attempts=3).request("GET", "/api/v1/x")
    assert route.call_count == 3
    assert sleeps == [1.0, 1.0]
    assert info.value.exit_code == 1


def test_parse_retry_after_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(" 0 ") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0


# -- the one retry engine: statuses declared once, shared by the client, tus and downloads ----
def test_the_classifiers_declare_each_sites_statuses() -> None:
    from qcli.http.retry import DOWNLOAD, HTTP, TUS, TUS_CREATE

    assert HTTP.status("POST", 429) and not HTTP.status("POST", 503)
    assert HTTP.status("GET", 503) and not HTTP.status("GET", 500)
    assert HTTP.error("GET") and not HTTP.error("POST") and HTTP.error("POST", sent=False)
    for status in (409, 423, 429, 500, 502, 503, 504):
        assert TUS.status("PATCH", status) and TUS.status("HEAD", status)
    assert not TUS_CREATE.status("POST", 409) and TUS_CREATE.status("POST", 423)
    assert not TUS.status("PATCH", 400) and not TUS.status("PATCH", 404)
    assert DOWNLOAD.error("GET") and not DOWNLOAD.status("GET", 503)


def test_attempts_count_the_budget_and_cap_retry_after() -> None:
    from qcli.http.retry import Attempts

    sleeps: list[float] = []
    notes: list[str] = []
    tries = Attempts(RetryPolicy(attempts=3, max_retry_after=60), sleeps.append, notes.append)
    wait = tries.delay("2")
    assert wait == 2.0
    tries.wait(wait, "retrying in {wait:.1f} s")
    assert tries.delay("61") is None  # longer than the policy allows: fail instead of waiting
    backoff = tries.delay()
    assert backoff is not None and 0 <= backoff <= 1.0
    tries.wait(backoff)
    assert tries.delay() is None  # three tries used
    tries.succeeded()
    assert tries.delay() is not None
    assert sleeps == [2.0, backoff] and notes == ["retrying in 2.0 s"]


@respx.mock
def test_503_with_retry_after_waits_what_the_server_asks() -> None:
    route = respx.get(f"{BASE}/api/v1/x").mock(side_effect=[
        httpx.Response(503, headers={"Retry-After": "3"}), httpx.Response(200, json={})])
    sleeps: list[float] = []
    client(sleeps).request("GET", "/api/v1/x")
    assert sleeps == [3.0] and route.call_count == 2


@respx.mock
def test_tus_patch_uses_the_same_engine(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from qcli.api.temp_contents import TempContentsApi
    from qcli.transfer.progress import Bar
    from qcli.transfer.tus import TusUploader

    files = f"{BASE}/api/v1/temp-contents/files"
    src = tmp_path / "f.bin"
    src.write_bytes(b"x" * 10)
    respx.post(files).mock(return_value=httpx.Response(
        201, headers={"Location": "/api/v1/temp-contents/files/abc", "Tus-Resumable": "1.0.0"}))
    patch = respx.patch(f"{files}/abc").mock(side_effect=[
        httpx.Response(423, headers={"Retry-After": "4"}),
        httpx.Response(204, headers={"Upload-Offset": "10"})])
    respx.head(f"{files}/abc").mock(return_value=httpx.Response(
        200, headers={"Upload-Offset": "0", "Upload-Length": "10"}))
    sleeps: list[float] = []
    conn = Connection(server=BASE, auth="api-key", api_key="k" * 12)
    with HttpClient(conn) as http:
        uploader = TusUploader(TempContentsApi(http), chunk_size=None, store=None, server=BASE,
                               sleep=sleeps.append, retry=RetryPolicy(attempts=2))
        assert uploader.upload(src, filename="f.bin", ttl=60, resume=False, bar=Bar()).id == "abc"
        assert sleeps == [4.0] and patch.call_count == 2
        patch.side_effect = [httpx.Response(423)] * 2
        with pytest.raises(ApiError) as info:
            uploader.upload(src, filename="f.bin", ttl=60, resume=False, bar=Bar())
        assert info.value.status == 423 and len(sleeps) == 2  # two tries: one wait, then fail


def test_gate_holds_until_the_latest_retry_after() -> None:
    now = [100.0]
    sleeps: list[float] = []
    gate = Gate(sleep=sleeps.append, clock=lambda: now[0])
    assert gate.wait() == 0.0 and sleeps == []
    gate.hold(2.0)
    gate.hold(0.5)  # a shorter pause does not cut the longer one
    assert gate.wait() == 2.0 and sleeps == [2.0] and gate.throttled == 2
    now[0] = 102.5
    assert gate.wait() == 0.0


@respx.mock
def test_429s_counted_apart_with_a_gate_and_shared_with_it() -> None:
    route = respx.post(f"{BASE}/api/v1/x").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "1"})] * 6
        + [httpx.Response(200, json={})])
    sleeps: list[float] = []
    http = client(sleeps, attempts=3)
    http.retry.throttle_attempts = 10
    http.gate = Gate(sleep=sleeps.append)
    http.announce_throttled = False
    http.json("POST", "/api/v1/x")
    assert route.call_count == 7  # six 429s: more than attempts=3 allows for other failures
    assert http.gate.throttled == 6 and 1.0 in sleeps
    assert Attempts(RetryPolicy(attempts=3)).left(throttled=True)  # unset: the one budget
