"""`--verbose` and a list of several pages: the request of a page fetched ahead is traced when
that page's rows come, so with stdout and stderr in one pipe (`2>&1`) each page's `> GET` line
follows the rows of the page before it and precedes its own rows."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import API_KEY, Emulator, Qcli

PAGE = 10


@pytest.mark.parametrize("fmt", [["-q"], ["-o", "csv"]], ids=["quiet", "csv"])
def test_each_page_is_traced_between_the_rows_before_it_and_its_own(
        qcli: Qcli, emu: Emulator, fmt: list[str]) -> None:
    emu._call("POST", "/__emulator/data-files", {"count": 3 * PAGE + 5, "prefix": "order-"})
    env = dict(qcli.env, QCLI_SERVER=emu.url, QCLI_API_KEY=API_KEY)
    env.pop("PYTHONUNBUFFERED", None)  # stdout to a pipe is block-buffered, as in real use
    proc = subprocess.run(
        [sys.executable, "-m", "qcli", "data-file", "ls", "--page-size", str(PAGE), "--verbose",
         *fmt],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=env, timeout=60, cwd=qcli.home)
    assert proc.returncode == 0, proc.stdout
    lines = proc.stdout.splitlines()
    if fmt != ["-q"]:
        header = [line for line in lines if line.startswith("id,name,")]
        assert len(header) == 1, lines
        lines.remove(header[0])
    rows_before = []  # how many rows were out when each page's request was traced
    rows = 0
    for line in lines:
        if line.startswith("> GET") and "/api/v1/data-files" in line:
            rows_before.append(rows)
        elif not line.startswith(("> ", "< ")):
            rows += 1
    assert rows >= 3 * PAGE + 5
    pages = -(-rows // PAGE)
    # the request of page n came after the n full pages before it, and before any of its rows
    assert rows_before == [PAGE * n for n in range(pages)], "\n".join(lines)
    assert API_KEY not in proc.stdout


def test_ctrl_c_while_a_page_is_printed_traces_the_page_ahead_before_interrupted() -> None:
    """In-process: Ctrl-C on the second row of page 1 while page 2 is on its way: its `> GET`
    (held until page 2 would be printed) comes before `interrupted`, not after it."""
    import io
    import threading

    import httpx

    from qcli.app import Application
    from qcli.cli.root import run
    from qcli.iostreams import IOStreams

    gate = threading.Event()
    asked = threading.Event()  # page 2 was asked for: its `> GET` line is held by now
    combined: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if "cursor" in request.url.params:
            asked.set()
            gate.wait(5)
            return httpx.Response(200, json={"data": []})
        return httpx.Response(200, json={
            "data": [{"id": f"id{i}", "name": f"n{i}"} for i in range(3)],
            "links": {"next": {"href": "/api/v1/data-files?cursor=2"}}})

    class Out(io.StringIO):
        def write(self, text: str) -> int:
            if combined.count("OUT") == 1:
                assert asked.wait(5)
                raise KeyboardInterrupt
            combined.append("OUT")
            return len(text)

    class Err(io.StringIO):
        def write(self, text: str) -> int:
            combined.append(text.strip())
            return len(text)

    app = Application(IOStreams(stdout=Out(), stderr=Err(), stdin=io.StringIO(),
                                env={"QCLI_SERVER": "http://tenant.test", "QCLI_API_KEY": "k"}),
                      transport=httpx.MockTransport(answer))
    try:
        assert run(["-v", "data-file", "ls", "-q"], app) == 130
    finally:
        gate.set()
    ahead = next((i for i, line in enumerate(combined) if "cursor=2" in line), None)
    assert ahead is not None and ahead < combined.index("interrupted"), combined
