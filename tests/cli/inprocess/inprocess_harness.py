"""The `inproc` fixture: in-process runs of qcli against the emulator's ASGI app (no subprocess,
no socket): the Application's one (sync) HTTP client gets an httpx.MockTransport that hands each request to an
httpx.ASGITransport over the emulator's app on one event loop, wrapped in the contract
middleware like every emulator of the suite. For parsing and command logic; kills, TLS,
completion and whatever a real process must show stay subprocess tests."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import Result

SERVER = "http://qcli.inprocess"
API_KEY = "inprocess-key-5d1e9a"


class InProcess:
    """`inproc("data-asset", "get", ID, "--json")`: one command, in this process."""

    def __init__(self, tmp_path: Path, transport: httpx.BaseTransport):
        self.tmp_path = tmp_path
        self.transport = transport
        self.contract_checked = False

    def __call__(self, *args: str, input: str = "") -> Result:
        from qcli.app import Application
        from qcli.cli.root import run
        from qcli.iostreams import IOStreams

        out, err = io.StringIO(), io.StringIO()
        env = {"QCLI_SERVER": SERVER, "QCLI_API_KEY": API_KEY, "NO_COLOR": "1",
               "QCLI_CONFIG_DIR": str(self.tmp_path / "config"), "HOME": str(self.tmp_path)}
        stdin = io.TextIOWrapper(io.BytesIO(input.encode()), encoding="utf-8")
        streams = IOStreams(stdin=stdin, stdout=out, stderr=err, env=env)
        code = run(list(args), Application(streams, transport=self.transport))
        return Result(code, out.getvalue(), err.getvalue())


def asgi_transport(app: Any) -> tuple[httpx.MockTransport, asyncio.AbstractEventLoop]:
    """A sync transport over an ASGI app: each request is sent through httpx.ASGITransport on
    one event loop (the caller closes it)."""
    loop = asyncio.new_event_loop()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=SERVER)

    async def send(request: httpx.Request) -> httpx.Response:
        inner = client.build_request(request.method, request.url, headers=request.headers,
                                     content=request.read())
        answer = await client.send(inner)
        headers = [(k, v) for k, v in answer.headers.multi_items()
                   if k.lower() != "content-encoding"]
        return httpx.Response(answer.status_code, headers=headers, content=await answer.aread())

    return httpx.MockTransport(lambda request: loop.run_until_complete(send(request))), loop


def _suite_contract_log(config: pytest.Config) -> Any:
    """tests/conftest.py's contract log (that module is `conftest` too: found by its file)."""
    root = Path(__file__).resolve().parents[2] / "conftest.py"
    for plugin in config.pluginmanager.get_plugins():
        where = getattr(plugin, "__file__", None)
        if where and Path(where).resolve() == root:
            return plugin.CONTRACT_LOG
    return None


@pytest.fixture(name="inproc")
def inproc_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                   request: pytest.FixtureRequest) -> Iterator[InProcess]:
    """`inproc`: import `inproc_fixture` from this module into a test module to use it (a
    conftest.py here would take the suite's `conftest` module name)."""
    from qcli.emulator.app import EmulatorConfig, create_app

    log = _suite_contract_log(request.config)
    if log is not None:  # every exchange checked against the specs, as for every emulator
        monkeypatch.setenv("QCLI_EMULATOR_WRAP", "contract.middleware:wrap")
        monkeypatch.setenv("QCLI_CONTRACT_LOG", str(log))
    data_dir = tmp_path / "emulator"
    data_dir.mkdir()
    app = create_app(EmulatorConfig(data_dir=data_dir, api_key=API_KEY))
    transport, loop = asgi_transport(app)
    runner = InProcess(tmp_path, transport)
    runner.contract_checked = type(getattr(app, "app", None)).__name__ == "ContractMiddleware"
    try:
        yield runner
    finally:
        loop.close()
