"""#11 items 2 and 6: paging proven both ways. Every list command runs against a server that
counts pages from 0 (the spec) and one that counts from 1, each with and without `links.next`
(and the cursor lists with their next links), and gets every item exactly once, in order.

The server here is small and strict on purpose: a page number outside its range is a 400, so a
client that asks for one more page than there is fails too."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from conftest import Qcli

TOTAL = 7  # with 3 a page: pages of 3, 3 and 1
DEFAULT_LIMIT = 3


class PagingServer(ThreadingHTTPServer):
    base = 0
    next_links = True
    page_field = True  # does an answer carry its own page number?
    log: list[tuple[str, int]]


class Handler(BaseHTTPRequestHandler):
    server: PagingServer

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.server.log.append((self.path, status))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _href(self, path: str, query: dict[str, str], **changes: Any) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}?{urlencode({**query, **changes})}"

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query))
        path = parts.path
        kind = path.rstrip("/").rsplit("/", 1)[-1]
        items = [{"id": f"{kind}-{n}", "name": f"{kind} {n}"} for n in range(TOTAL)]
        limit = int(query.get("limit", DEFAULT_LIMIT))
        if path in ("/api/v1/data-files", "/api/v1/data-files/connections"):
            start = int(query.get("page", "0"))  # an opaque cursor to the client
            more = start + limit < TOTAL
            nxt = self._href(path, query, page=start + limit) if more else None
            self._send(200, {"data": items[start:start + limit],
                             "links": {"self": {"href": self._href(path, query)},
                                       "next": {"href": nxt}, "prev": {"href": None}}})
            return
        if path == "/api/v1/extensions":
            self._send(200, {"data": items})
            return
        base = self.server.base
        pages = -(-TOTAL // limit)
        last = base + pages - 1
        page = int(query.get("page", str(base)))
        if not base <= page <= last:
            self._send(400, {"errors": [{"code": "HTTP-400", "title": f"no page {page}"}]})
            return
        start = (page - base) * limit
        links: dict[str, Any] = {"self": {"href": self._href(path, query)},
                                 "first": {"href": self._href(path, query, page=base)},
                                 "last": {"href": self._href(path, query, page=last)}}
        if self.server.next_links and page < last:
            links["next"] = {"href": self._href(path, query, page=page + 1)}
        body: dict[str, Any] = {"data": items[start:start + limit], "links": links,
                                "pages": pages, "total": TOTAL}
        if self.server.page_field:
            body["page"] = page
        self._send(200, body)


@pytest.fixture
def server() -> Iterator[PagingServer]:
    srv = PagingServer(("127.0.0.1", 0), Handler)
    srv.log = []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


NUMBERED = {
    "data-stores": ["data-store", "ls"],
    "data-assets": ["data-store", "data-asset", "ls", "*"],
    "data-sets": ["data-store", "data-set", "ls", "*", "*"],
}
CURSOR = {
    "data-files": ["data-file", "ls", "--page-size", str(DEFAULT_LIMIT)],  # (1000 by default)
    "connections": ["data-file", "connection", "ls"],
    "extensions": ["extension", "ls"],
}


def _ids(qcli: Qcli, server: PagingServer, *args: str) -> list[str]:
    host, port = server.server_address[:2]
    result = qcli(*args, "--json", env={"QCLI_SERVER": f"http://{host}:{port}",
                                        "QCLI_API_KEY": "k"})
    assert result.code == 0, (args, result.err)
    return [item["id"] for item in result.json()]


@pytest.mark.parametrize("base", [0, 1])
@pytest.mark.parametrize("next_links", [True, False], ids=["links.next", "no-links.next"])
def test_every_numbered_list_gives_each_item_once(qcli: Qcli, server: PagingServer, base: int,
                                                  next_links: bool) -> None:
    server.base, server.next_links = base, next_links
    for kind, args in NUMBERED.items():
        server.log.clear()
        assert _ids(qcli, server, *args) == [f"{kind}-{n}" for n in range(TOTAL)], args
        assert [status for _, status in server.log] == [200, 200, 200], server.log  # 3 pages
    server.log.clear()
    assert _ids(qcli, server, "data-store", "ls", "--page-size", "2", "--limit", "5") == [
        f"data-stores-{n}" for n in range(5)]
    assert [status for _, status in server.log] == [200, 200, 200]


@pytest.mark.parametrize("base", [0, 1])
def test_numbered_pages_without_their_own_page_number(qcli: Qcli, server: PagingServer,
                                                      base: int) -> None:
    """An answer without `page` (and without links.next): the client counts from the spec's 0
    and, against a server that counts from 1, sees the repeated first page and moves on."""
    server.base, server.next_links, server.page_field = base, False, False
    assert _ids(qcli, server, "data-store", "ls") == [f"data-stores-{n}" for n in range(TOTAL)]
    assert all(status == 200 for _, status in server.log), server.log


def test_every_cursor_list_follows_next_links(qcli: Qcli, server: PagingServer) -> None:
    for kind, args in CURSOR.items():
        server.log.clear()
        assert _ids(qcli, server, *args) == [f"{kind}-{n}" for n in range(TOTAL)], args
        assert len(server.log) == (1 if kind == "extensions" else 3), server.log


def test_data_file_ls_asks_for_the_largest_page(qcli: Qcli, server: PagingServer) -> None:
    """#14: every page is a round trip, so `data-file ls` asks for the spec's largest page (1000)
    unless --page-size says otherwise; --limit below it asks for just that many."""
    def limits(*args: str) -> list[str]:
        server.log.clear()
        _ids(qcli, server, "data-file", "ls", *args)
        return [dict(parse_qsl(urlsplit(path).query)).get("limit", "") for path, _ in server.log]

    assert limits() == ["1000"]
    assert limits("--limit", "5") == ["5"]
    assert limits("--page-size", "2") == ["2", "2", "2", "2"]
