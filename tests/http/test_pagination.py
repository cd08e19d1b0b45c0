"""The one pagination iterator, against the emulator's synthetic lists over real HTTP."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import Emulator

from qcli.config.settings import Connection
from qcli.errors import ApiError
from qcli.http.client import HttpClient, _Pages


def _client(emu: Emulator) -> HttpClient:
    return HttpClient(Connection(server=emu.url, auth="api-key", api_key=emu.api_key))


def test_cursor_pages_followed_to_the_end(emu: Emulator) -> None:
    with _client(emu) as http:
        items = list(http.paginate("/__emulator/items/cursor", {"count": 95}, page_size=20))
    assert [i["n"] for i in items] == list(range(95))


def test_cursor_stops_exactly_at_limit(emu: Emulator) -> None:
    with _client(emu) as http:
        items = list(http.paginate("/__emulator/items/cursor", {"count": 95}, page_size=10,
                                   limit=33))
    assert [i["n"] for i in items] == list(range(33))


def test_numbered_pages_followed_to_the_end(emu: Emulator) -> None:
    with _client(emu) as http:
        items = list(http.paginate("/__emulator/items/pages", {"count": 47}, page_size=10))
        few = list(http.paginate("/__emulator/items/pages", {"count": 47}, limit=5))
    assert [i["n"] for i in items] == list(range(47))
    assert [i["n"] for i in few] == list(range(5))


def _listing(emu: Emulator) -> list[dict]:
    emu._call("POST", "/__emulator/data-files", {"count": 25, "prefix": "ahead-"})
    with _client(emu) as http:
        return list(http.paginate("/api/v1/data-files", {}, page_size=10))


def _gets(r: dict) -> bool:
    return bool(r["method"] == "GET" and r["path"] == "/api/v1/data-files")


def test_the_next_page_is_fetched_while_this_one_is_taken(emu: Emulator) -> None:
    everything = _listing(emu)
    emu.clear_requests()
    taken = []
    with _client(emu) as http:
        for item in http.paginate("/api/v1/data-files", {}, page_size=10):
            if not taken:  # the first page is out; its caller has not asked for more yet
                assert len(emu.wait_for(_gets, count=2, timeout=10)) == 2
            taken.append(item)
    assert [i["id"] for i in taken] == [i["id"] for i in everything]  # the same order
    assert len([r for r in emu.requests() if _gets(r)]) == (len(everything) + 9) // 10


def test_a_failing_page_is_raised_after_every_item_before_it(emu: Emulator) -> None:
    everything = _listing(emu)
    assert len(everything) > 20
    emu.add_faults({"status": 403, "method": "GET", "path": "/api/v1/data-files", "nth": [3]})
    taken = []
    with _client(emu) as http, pytest.raises(ApiError) as failed:
        for item in http.paginate("/api/v1/data-files", {}, page_size=10):
            taken.append(item)
    assert failed.value.status == 403
    assert [i["id"] for i in taken] == [i["id"] for i in everything[:20]]


def test_no_page_is_fetched_past_the_limit(emu: Emulator) -> None:
    _listing(emu)
    emu.clear_requests()
    with _client(emu) as http:
        items = list(http.paginate("/api/v1/data-files", {}, page_size=10, limit=20))
    assert len(items) == 20
    time.sleep(0.3)  # a page fetched ahead by mistake would be logged by now
    assert len([r for r in emu.requests() if _gets(r)]) == 2


def test_memory_of_given_items_stays_flat_on_a_long_list() -> None:
    """The keys that tell items apart are kept for the last REMEMBERED items, not for all: a
    list of 30 pages of 1000 holds no more than that (and a page repeated is still dropped)."""
    pages = _Pages(None)
    window = _Pages.REMEMBERED
    for n in range(30):
        page = {"data": [{"id": f"{n}-{i}"} for i in range(1000)]}
        assert len(pages.take(page)) == 1000
        assert len(pages.take(page)) == 0  # the same page again: nothing new
        assert len(pages.given) <= window + 1000
    assert pages.count == 30_000
    recent = {"data": [{"id": f"{n}-{i}"} for n in range(30 - window // 1000, 30)
                       for i in range(1000)]}
    assert pages.take(recent) == []  # what came within the window is still known
    assert len(pages.take({"data": [{"id": "1-5"}]})) == 1  # long before it: given again
    assert pages.take({"data": [{"id": "0-5"}]}) == []  # the list's first items are kept


@pytest.mark.parametrize("period", [12_000, 12_500, 30_001])
def test_a_cursor_that_wraps_around_past_the_window_ends_the_list(period: int) -> None:
    """A server whose next links go on for ever, its items starting over after `period` (more
    than the REMEMBERED window, aligned with the pages or not): the list ends where it starts
    again, each item given once (it went round until the script's cap of 200,000 before)."""
    import httpx

    requests = []

    def answer(request: httpx.Request) -> httpx.Response:
        k = int(request.url.params.get("cursor", "0"))
        requests.append(k)
        if k > 200:
            return httpx.Response(500, json={"errors": [{"title": "gone round too often"}]})
        items = [{"id": f"item-{(k * 1000 + i) % period}"} for i in range(1000)]
        return httpx.Response(200, json={"data": items,
                                         "links": {"next": {"href": f"/things?cursor={k + 1}"}}})

    http = HttpClient(Connection(server="http://tenant.test", auth="api-key", api_key="k"),
                      transport=httpx.MockTransport(answer), sleep=lambda s: None)
    with http:
        ids = [item["id"] for item in http.paginate("/things")]
    assert len(ids) == period and len(set(ids)) == period
    assert max(requests) <= period // 1000 + 2


def test_one_early_item_coming_again_late_is_skipped_and_the_list_goes_on() -> None:
    """An item of the list's start that comes again far later (moved by a change while the
    list is read) is not given twice, and what follows it still is: only two of the start's
    items again in their order end a list."""
    pages = _Pages(None)
    for n in range(15):
        pages.take({"data": [{"id": f"{n}-{i}"} for i in range(1000)]})
    late = pages.take({"data": [{"id": "15-0"}, {"id": "0-7"}, {"id": "15-1"}, {"id": "0-9"}]})
    assert [item["id"] for item in late] == ["15-0", "15-1"]
    assert not pages.wrapped
    assert pages.take({"data": [{"id": "0-3"}, {"id": "0-4"}, {"id": "16-0"}]}) == []
    assert pages.wrapped


def test_a_list_left_while_a_page_is_fetched_ahead_closes_quietly_after_it() -> None:
    """The caller leaves the list (a closed pipe, an error) and closes the client while page 2
    is on its way: its socket is not closed under the thread reading it (that thread closes the
    client once done), and its failure is neither retried nor announced."""
    import threading

    import httpx

    release = threading.Event()

    def second(calls: list[str]) -> httpx.Response:
        release.wait(10)
        raise httpx.ReadError("connection reset")  # what a socket closed under it gives

    notices: list[str] = []
    http, calls = _two_page_client(second, notice=notices.append)
    items = http.paginate("/things")
    assert next(items) == {"id": "a"}  # page 2 is now being fetched ahead
    http.close()
    assert not http._client.is_closed  # not under the thread still reading page 2
    release.set()
    for _ in range(500):
        if http._client.is_closed:
            break
        time.sleep(0.01)
    assert http._client.is_closed  # closed by that thread once it was done
    assert calls == ["first", "2"]  # no retry after close
    assert notices == []


def _two_page_client(second: Callable[[list[str]], httpx.Response], **hooks: Any
                     ) -> tuple[HttpClient, list[str]]:
    """A client of a two-page list at /things (item a, then page 2: `second(calls)`), with
    `hooks` (log=, notice=); `calls` is the pages asked for so far ("first", "2", ...)."""
    calls: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.params.get("cursor", "first"))
        if "cursor" not in request.url.params:
            return httpx.Response(200, json={"data": [{"id": "a"}],
                                             "links": {"next": {"href": "/things?cursor=2"}}})
        return second(calls)

    http = HttpClient(Connection(server="http://tenant.test", auth="api-key", api_key="k"),
                      transport=httpx.MockTransport(answer), sleep=lambda s: None, **hooks)
    return http, calls


def _held_trace_client(second: Callable[[], httpx.Response]
                       ) -> tuple[HttpClient, list[str], list[str]]:
    """A client of the two-page list, its --verbose trace in `log`; page 2 answers `second()`."""
    log: list[str] = []
    http, calls = _two_page_client(lambda calls: second(), log=log.append)
    return http, calls, log


def _until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def test_the_page_aheads_trace_comes_after_the_items_before_it() -> None:
    """--verbose: the request of the page fetched ahead is traced when that page is handed
    over, after the items of the page before it (it was traced at once, above them); a failing
    page's trace still comes before its error."""
    http, calls, log = _held_trace_client(lambda: httpx.Response(
        403, json={"errors": [{"code": "HTTP-403", "title": "Forbidden"}]}))
    events: list[str] = []
    with http, pytest.raises(ApiError) as failed:
        for item in http.paginate("/things"):
            _until(lambda: calls == ["first", "2"])  # page 2 is being fetched meanwhile
            time.sleep(0.05)
            events.extend(log)
            log.clear()
            events.append(f"item {item['id']}")
    events.extend(log)
    assert failed.value.status == 403
    assert [e.split(" (")[0] for e in events] == [
        "> GET http://tenant.test/things", "< 200 OK", "item a",
        "> GET http://tenant.test/things?cursor=2", "< 403 Forbidden"]


@pytest.mark.parametrize("leave", ["close the list", "close the client"])
def test_no_trace_line_of_the_page_ahead_is_lost_when_the_list_is_left(leave: str) -> None:
    """The list is left (a closed pipe, an error: the generator is closed) or not even that
    (Ctrl-C while a page is printed: the client is closed) while page 2 is on its way: its
    trace so far is written then, and the rest as it comes."""
    answered = threading.Event()

    def second() -> httpx.Response:
        answered.wait(10)
        return httpx.Response(200, json={"data": [{"id": "b"}]})

    http, calls, log = _held_trace_client(second)
    items = http.paginate("/things")
    assert next(items) == {"id": "a"}
    _until(lambda: calls == ["first", "2"])
    assert not any("cursor=2" in line for line in log)  # held while page 1 is printed
    if leave == "close the list":
        items.close()
    else:
        http.close()
    assert log[-1] == "> GET http://tenant.test/things?cursor=2"
    answered.set()
    _until(lambda: len(log) == 4)
    assert log[-1].startswith("< 200 OK (")
    http.close()


def test_closing_the_client_when_stderr_is_gone_still_closes_its_connections() -> None:
    """close() writes what the page fetched ahead said; a write that fails (stderr's reader is
    gone) neither escapes close() nor keeps it from closing the connections."""
    http, calls, _log = _held_trace_client(lambda: httpx.Response(200, json={"data": []}))
    items = http.paginate("/things")
    assert next(items) == {"id": "a"}
    _until(lambda: calls == ["first", "2"] and http._ahead == 0)

    def broken(line: str) -> None:
        raise BrokenPipeError(32, "Broken pipe")

    http._log = broken
    for held in list(http._held):  # the lines held so far now go to the broken stderr
        held._lines = type(held._lines)((broken, line) for _, line in held._lines or ())
    http.close()
    assert http._client.is_closed
    items.close()  # the generator's own release has nothing left to write


def test_a_retry_of_the_page_ahead_is_announced_after_the_items_before_it() -> None:
    """Without --verbose, the `retrying` line of the page fetched ahead follows the items of the
    page before it too."""
    notices: list[str] = []

    def second(calls: list[str]) -> httpx.Response:
        if calls.count("2") == 1:
            return httpx.Response(503, json={"errors": [{"title": "busy"}]})
        return httpx.Response(200, json={"data": [{"id": "b"}]})

    http, calls = _two_page_client(second, notice=notices.append)
    events: list[str] = []
    with http:
        for item in http.paginate("/things"):
            if item["id"] == "a":
                _until(lambda: calls == ["first", "2", "2"])  # retried meanwhile
                time.sleep(0.05)
            events.extend(notices)
            notices.clear()
            events.append(f"item {item['id']}")
    assert [e.split(",")[0] for e in events] == [
        "item a", "retrying (2/5) after 503 Service Unavailable", "item b"]
