"""The one pagination iterator, against the emulator's synthetic lists over real HTTP."""

from __future__ import annotations

from conftest import Emulator

from qcli.config.settings import Connection
from qcli.http.client import HttpClient


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
