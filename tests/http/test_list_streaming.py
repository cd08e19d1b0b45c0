"""Long lists stream: with -o json, -o csv and -q each page's rows are written before the next
page's rows are taken (the next page is fetched meanwhile, one ahead, no more), so memory does not
grow with the number of rows (bench/list_memory.py measures it over 100,000 data files)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import API_KEY, Emulator

from qcli.config.settings import Connection
from qcli.http.client import HttpClient
from qcli.iostreams import IOStreams
from qcli.output.printer import Printer


def _rows(fmt: str, quiet: bool, text: str) -> int:
    lines = text.splitlines()
    if quiet:
        return len(lines)
    if fmt == "csv":
        return max(len(lines) - 1, 0)  # the header
    return sum(line == "  {" for line in lines)  # an item of the streamed array opens


@pytest.mark.parametrize(("fmt", "quiet"), [("json", False), ("csv", False), ("json", True)])
def test_each_page_is_written_before_the_next_is_fetched(
        emu: Emulator, fmt: str, quiet: bool) -> None:
    emu._call("POST", "/__emulator/data-files", {"count": 25})
    out = io.StringIO()
    printer = Printer(IOStreams(stdout=out, stderr=io.StringIO(), env={}), fmt, quiet=quiet)
    written_at_page_start: list[int] = []
    with HttpClient(Connection(server=emu.url, auth="api-key", api_key=API_KEY)) as http:
        pages_fetched = 0

        def counted(items: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
            nonlocal pages_fetched
            for n, item in enumerate(items):
                if n % 10 == 0:  # the first row of a page: that page has just been fetched
                    pages_fetched += 1
                    written_at_page_start.append(_rows(fmt, quiet, out.getvalue()))
                yield item

        total = sum(1 for _ in http.paginate("/api/v1/data-files", {}, page_size=100))
        rows = http.paginate("/api/v1/data-files", {}, page_size=10)
        printer.items(counted(rows), columns=[("ID", "id"), ("NAME", "name")])
    assert total >= 25 and pages_fetched == (total + 9) // 10
    # every page's rows were out before the next page came
    assert written_at_page_start == [10 * page for page in range(pages_fetched)]
    assert _rows(fmt, quiet, out.getvalue()) == total
