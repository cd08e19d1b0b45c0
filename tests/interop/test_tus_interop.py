"""Interop with tus implementations nobody here wrote, in both directions.

- qcli's tus client uploads to @tus/server + @tus/file-store (npm, pinned by package-lock.json);
  killed part way through a large automatic chunk, it resumes from the bytes the server kept.
- tuspy uploads to the emulator's tus endpoint; qcli downloads what it stored.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import API_KEY, Emulator, Qcli, first_line

ROOT = Path(__file__).parents[2]
SERVER_JS = Path(__file__).parent / "tus_server.mjs"
MiB = 1024 * 1024


@pytest.fixture
def tus_server(tmp_path: Path) -> Any:
    if shutil.which("node") is None:
        pytest.fail("node is needed for the @tus/server interop test (Node.js 20+)")
    if not (ROOT / "node_modules" / "@tus" / "server").exists():
        pytest.fail("node_modules is missing: run 'npm ci' (make test does)")
    store = tmp_path / "tus-store"
    store.mkdir()
    proc = subprocess.Popen(["node", str(SERVER_JS), str(store)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    port = int(first_line(proc, "@tus/server"))
    yield f"http://127.0.0.1:{port}", store
    proc.terminate()
    proc.wait(10)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("size,chunk", [(0, "1MiB"), (5 * MiB + 11, "1MiB"), (3 * MiB, "8MiB")])
def test_qcli_uploads_to_tus_server(qcli: Qcli, tus_server: Any, tmp_path: Path, size: int,
                                    chunk: str) -> None:
    url, store = tus_server
    src = tmp_path / "payload.bin"
    src.write_bytes(os.urandom(size))
    result = qcli("temp-content", "create", str(src), "--chunk-size", chunk, "-q",
                  env={"QCLI_SERVER": url, "QCLI_API_KEY": "not-checked-by-tus-server"})
    assert result.code == 0, result.err
    upload_id = result.out.strip()
    stored = store / upload_id  # the Location was absolute; its last segment is the ID
    assert stored.exists(), sorted(p.name for p in store.iterdir())
    assert _sha(stored.read_bytes()) == _sha(src.read_bytes())
    assert '"filename":"payload.bin"' in (store / f"{upload_id}.json").read_text()


def test_a_large_chunk_killed_part_way_resumes_from_what_tus_server_kept(
        qcli: Qcli, tus_server: Any, tmp_path: Path) -> None:
    """Automatic chunks are large (8 MiB, then about 8 s of the link: here the rest of the file),
    which costs nothing on resume only if the server keeps the bytes of a PATCH cut short. Through
    a 200 Mbit/s link (bench/link.py, holding at most 1 MiB), qcli is killed once @tus/server
    holds over 12 MiB: the server's offset is past the first chunk and short of the end, and the
    same command continues that upload from there."""
    url, store = tus_server
    size = 48 * MiB
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(size))
    link = subprocess.Popen([sys.executable, str(ROOT / "bench" / "link.py"), "--target",
                             url.removeprefix("http://"), "--rtt-ms", "0", "--rate-mbit", "200",
                             "--window-mib", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        slow = f"http://127.0.0.1:{first_line(link, 'bench/link.py')}"
        env = {"QCLI_SERVER": slow, "QCLI_API_KEY": "not-checked-by-tus-server"}
        proc = subprocess.Popen([sys.executable, "-m", "qcli", "temp-content", "create",
                                 str(src), "-q"], env=dict(qcli.env, **env),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        held = 0
        deadline = time.monotonic() + 30
        while held <= 12 * MiB and proc.poll() is None and time.monotonic() < deadline:
            held = max([f.stat().st_size for f in store.iterdir() if f.suffix != ".json"],
                       default=0)
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert 12 * MiB < held < size, held  # killed part way through the second PATCH
        upload_id = next(f.name for f in store.iterdir() if f.suffix != ".json")
        head = urllib.request.Request(f"{url}/api/v1/temp-contents/files/{upload_id}",
                                      method="HEAD", headers={"Tus-Resumable": "1.0.0"})
        with urllib.request.urlopen(head, timeout=10) as response:
            offset = int(response.headers["Upload-Offset"])
        assert 8 * MiB < offset < size  # the cut PATCH's bytes were kept, not dropped
        result = qcli("--verbose", "temp-content", "create", str(src), "-q", env=env)
    finally:
        link.terminate()
        link.wait(10)
    assert result.code == 0, result.err
    assert result.out.strip() == upload_id
    # the saved upload: asked for its offset and continued (8 MiB, then the rest: 2 PATCHes
    # unless the machine is very slow), not created again
    requests = re.findall(r"^> (\w+) ", result.err, re.M)
    assert requests[0] == "HEAD" and set(requests[1:]) == {"PATCH"}, result.err
    assert _sha((store / upload_id).read_bytes()) == _sha(src.read_bytes())


def test_tuspy_uploads_to_the_emulator(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    from tusclient import client

    src = tmp_path / "from-tuspy.bin"
    src.write_bytes(os.urandom(2 * MiB + 5))
    tus = client.TusClient(f"{emu.url}/api/v1/temp-contents/files",
                           headers={"Authorization": f"Bearer {API_KEY}"})
    uploader = tus.uploader(str(src), chunk_size=512 * 1024,
                            metadata={"filename": "from-tuspy.bin", "ttl": "600"})
    uploader.upload()
    temp_id = uploader.url.rstrip("/").rsplit("/", 1)[-1]
    out = tmp_path / "back.bin"
    result = qcli("temp-content", "download", temp_id, "--output-file", str(out),
                  env={"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY})
    assert result.code == 0, result.err
    assert _sha(out.read_bytes()) == _sha(src.read_bytes())
    details = qcli("temp-content", "get", temp_id, "--json",
                   env={"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY}).json()
    assert details["Name"] == "from-tuspy.bin"
    assert details["TTLSeconds"] == 600
