"""Qlik's own API client, `@qlik/api` (npm, pinned by package-lock.json), against the emulator.

tests/interop/qlik_api.mjs calls list (following `next`), get, create, update and delete for
extensions, data files (a folder, a batch delete, the owner and space actions), data stores,
data assets and data sets (and a data set's profiles), plus temp-contents' one-request upload and
download, and checks every answer against the status
and shapes the client's types promise. The contract middleware checks the same exchanges against
the OpenAPI specs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import API_KEY, Emulator

ROOT = Path(__file__).parents[2]
SCRIPT = Path(__file__).with_name("qlik_api.mjs")
# what the script calls against a fresh emulator with --seed 2 (3 data stores of its own on top
# of the 2 seeded, listed 2 a page: 3 pages; the seeded catalog 1 item a page: 2 + 2 pages;
# then 17 for a data asset and a data set made, listed, changed, profiled and deleted)
EXPECTED_CALLS = 68
EVERY_OPERATION = {
    "extensions.getExtensions", "extensions.getExtension", "extensions.uploadExtension",
    "extensions.patchExtension", "extensions.deleteExtension", "extensions.downloadExtension",
    "extensions.downloadFileFromExtension",
    "dataFiles.getDataFiles", "dataFiles.getDataFile", "dataFiles.uploadDataFile",
    "dataFiles.reuploadDataFile", "dataFiles.deleteDataFile", "dataFiles.deleteDataFiles",
    "dataFiles.getDataFilesQuotas", "dataFiles.getDataFilesConnections",
    "dataFiles.getDataFileConnection", "dataFiles.changeDataFileOwner", "dataFiles.moveDataFile",
    "dataFiles.moveDataFiles",
    "tempContents.uploadTempFile", "tempContents.getTempFileDetails",
    "tempContents.downloadTempFile",
    "dataStores.getDataStores", "dataStores.getDataStore", "dataStores.createDataStore",
    "dataStores.updateDataStore", "dataStores.patchDataStore", "dataStores.deleteDataStores",
    "dataStores.getDataStoreDataAssets", "dataStores.getDataStoreDataAssetDataSets",
    "dataAssets.createDataAsset", "dataAssets.getDataAsset", "dataAssets.updateDataAsset",
    "dataAssets.patchDataAsset", "dataAssets.deleteDataAssets",
    "dataSets.createDataSet", "dataSets.getDataSet", "dataSets.updateDataSet",
    "dataSets.patchDataSet", "dataSets.deleteDataSets", "dataSets.getDataSetProfiles",
}


def _node(url: str, api_key: str = API_KEY) -> subprocess.CompletedProcess[str]:
    if shutil.which("node") is None:
        pytest.fail("node is needed for the @qlik/api interop test (Node.js 20+)")
    if not (ROOT / "node_modules" / "@qlik" / "api").exists():
        pytest.fail("node_modules is missing @qlik/api: run 'npm ci' (make test does)")
    return subprocess.run(["node", str(SCRIPT), url, api_key], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture
def fresh_emulator(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Emulator]:
    extra = ["--seed", "2", *getattr(request, "param", [])]
    emu = Emulator(tmp_path / "emulator", extra=extra).start()
    yield emu
    emu.stop()


def test_qlik_api_passes_against_the_emulator(fresh_emulator: Emulator) -> None:
    run = _node(fresh_emulator.url)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    done = [line.removeprefix("ok ") for line in lines if line.startswith("ok ")]
    assert lines[-1] == f"calls: {len(done)}"
    assert len(done) == EXPECTED_CALLS, done
    called = {name.split(" ")[0] for name in done}
    assert called == EVERY_OPERATION, called ^ EVERY_OPERATION
    # next was followed: more than one page of each list
    for listing in ("dataFiles.getDataFiles", "dataStores.getDataStores",
                    "dataStores.getDataStoreDataAssets (seeded)",
                    "dataStores.getDataStoreDataAssetDataSets"):
        assert f"{listing} page 2" in done, listing


@pytest.mark.parametrize("fresh_emulator", [
    ["--faults", "status=503 method=POST path=/api/v1/data-stores nth=2"]], indirect=True)
def test_a_failing_call_is_named_and_fails_the_run(fresh_emulator: Emulator) -> None:
    run = _node(fresh_emulator.url)
    assert run.returncode == 1
    assert run.stderr.startswith("FAILED dataStores.createDataStore (2): HTTP 503"), run.stderr
    assert "calls:" not in run.stdout


class _WrongShapes(BaseHTTPRequestHandler):
    """Answers every request 201 with an extension whose id is a number."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"id": 5, "name": "x", "tags": ["a"]}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_an_answer_off_the_types_fails_the_run() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WrongShapes)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        run = _node(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
    assert run.returncode == 1
    assert run.stderr.strip() == ("FAILED extensions.uploadExtension: data.id: number where the "
                                  "types promise string"), run.stderr
