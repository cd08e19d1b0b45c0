"""Uploads, downloads and credentials under hostile input and odd files (issue #10, items 1-5, 7
and the transfer items of 17), against the emulator or a small misbehaving server in the test."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import API_KEY, Emulator, Qcli

MiB = 1024 * 1024


def _env(url: str) -> dict[str, str]:
    return {"QCLI_SERVER": url, "QCLI_API_KEY": API_KEY}


def _data_files(qcli: Qcli, emu: Emulator, name: str) -> list[dict[str, Any]]:
    listed = qcli("data-file", "ls", "--name", name, "--json", env=_env(emu.url))
    assert listed.code == 0, listed.err
    return [f for f in listed.json() if f["name"] == name]


def _rm_data_files(qcli: Qcli, emu: Emulator, name: str) -> None:
    ids = [f["id"] for f in _data_files(qcli, emu, name)]
    if ids:
        qcli("data-file", "rm", *ids, "--yes", env=_env(emu.url))


def _download(qcli: Qcli, emu: Emulator, temp_id: str) -> bytes:
    got = subprocess.run([sys.executable, "-m", "qcli", "temp-content", "download", temp_id,
                          "--output-file", "-"], env=dict(qcli.env, **_env(emu.url)),
                         capture_output=True, timeout=60)
    assert got.returncode == 0, got.stderr
    return got.stdout


def _popen(qcli: Qcli, url: str, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "qcli", *args], env=dict(qcli.env, **_env(url)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=qcli.home, **kwargs)


# -- 1. a repeated data-file create never reports content it never stored ----------------------

def test_repeated_create_onto_an_existing_name_exits_5_every_time(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    src = tmp_path / "sales-409.qvd"
    src.write_bytes(os.urandom(2 * MiB))
    try:
        made = qcli("data-file", "create", str(src), "--resumable", "--chunk-size", "1MiB", "-q",
                    env=_env(emu.url))
        assert made.code == 0, made.err
        old_id = made.out.strip()
        src.write_bytes(os.urandom(2 * MiB))  # other content, the same size
        # the second run used to read the first run's 409 as its own success (exit 0, old ID)
        runs = [qcli("data-file", "create", str(src), "--resumable", "--chunk-size", "1MiB",
                     "-q", env=_env(emu.url)) for _ in range(2)]
        assert [r.code for r in runs] == [5, 5], [(r.out, r.err) for r in runs]
        for again in runs:
            assert again.out == ""
            assert old_id in again.err
            assert f"qcli data-file update {old_id} " in again.err
        assert [f["id"] for f in _data_files(qcli, emu, src.name)] == [old_id]
    finally:
        _rm_data_files(qcli, emu, src.name)


def test_ctrl_c_then_someone_else_takes_the_name_exits_5(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    src = tmp_path / "raced.qvd"
    src.write_bytes(os.urandom(8 * MiB))
    other = tmp_path / "other" / "raced.qvd"
    other.parent.mkdir()
    other.write_bytes(os.urandom(8 * MiB))  # the same name and size, other bytes
    try:
        # our second PATCH is held before its answer: we are mid-upload while they create
        emu.add_faults({"delay": 60, "at": "response", "method": "PATCH",
                        "path": "/api/v1/temp-contents/files/*", "nth": [2]})
        proc = _popen(qcli, emu.url, "data-file", "create", str(src), "--chunk-size", "1MiB",
                      "--resumable", "-q")
        emu.wait_for(lambda r: r.get("held") and r["method"] == "PATCH", alive=proc)
        theirs = qcli("data-file", "create", str(other), "--no-resumable", "-q",
                      env=_env(emu.url))
        assert theirs.code == 0, theirs.err
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == 130, err  # stopped mid-upload, its resume entry kept
        emu.clear_faults()
        again = qcli("data-file", "create", str(src), "--chunk-size", "1MiB", "--resumable", "-q",
                     env=_env(emu.url))
        assert again.code == 5, (again.out, again.err)
        assert again.out == ""
        assert theirs.out.strip() in again.err
    finally:
        emu.clear_faults()
        _rm_data_files(qcli, emu, src.name)


def test_small_create_onto_an_existing_name_names_the_file_and_the_update(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    src = tmp_path / "small-409.csv"
    src.write_text("a,b\n1,2\n")
    try:
        made = qcli("data-file", "create", str(src), "-q", env=_env(emu.url))
        assert made.code == 0, made.err
        dup = qcli("data-file", "create", str(src), "-q", env=_env(emu.url))
        assert dup.code == 5
        assert f"qcli data-file update {made.out.strip()} " in dup.err
    finally:
        _rm_data_files(qcli, emu, src.name)


# -- 2. a resumed download never splices two contents -------------------------------------------

def test_a_part_file_of_another_content_is_not_resumed(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    a, b = tmp_path / "a" / "same.bin", tmp_path / "b" / "same.bin"
    for path in (a, b):
        path.parent.mkdir()
        path.write_bytes(os.urandom(2 * MiB))
    ids = []
    for path in (a, b):
        made = qcli("temp-content", "create", str(path), "-q", env=_env(emu.url))
        assert made.code == 0, made.err
        ids.append(made.out.strip())
    emu.add_faults({"drop": True, "at": "response", "afterBytes": 300_000, "method": "GET",
                    "path": f"/api/v1/temp-contents/{ids[0]}", "times": 20})
    cut = qcli("temp-content", "download", ids[0], "--output-file", "same.bin",
               env=dict(_env(emu.url), QCLI_TIMEOUT="5"))
    assert cut.code == 6, cut.err  # a network failure, after the retries
    assert (qcli.home / "same.bin.part").exists()  # A's head
    emu.clear_faults()
    whole = qcli("temp-content", "download", ids[1], "--output-file", "same.bin",
                 env=_env(emu.url))
    assert whole.code == 0, whole.err
    assert (qcli.home / "same.bin").read_bytes() == b.read_bytes()
    assert not list(qcli.home.glob("same.bin.part*"))
    # and A's own .part still resumes
    emu.add_faults({"drop": True, "at": "response", "afterBytes": 300_000, "method": "GET",
                    "path": f"/api/v1/temp-contents/{ids[0]}", "times": 20})
    qcli("temp-content", "download", ids[0], "--output-file", "a.bin", env=_env(emu.url))
    emu.clear_faults()
    emu.clear_requests()
    resumed = qcli("temp-content", "download", ids[0], "--output-file", "a.bin",
                   env=_env(emu.url))
    assert resumed.code == 0, resumed.err
    assert (qcli.home / "a.bin").read_bytes() == a.read_bytes()
    get = next(r for r in emu.requests() if r["method"] == "GET")
    assert get["status"] == 206 and get["headers"]["range"].startswith("bytes=")
    assert "if-range" in get["headers"]


# -- 3. pipes and FIFOs never lose a byte ---------------------------------------------------------

def _bash(qcli: Qcli, emu: Emulator, line: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", line], env=dict(qcli.env, **_env(emu.url)),
                          capture_output=True, text=True, timeout=60, cwd=qcli.home)


def test_process_substitution_uploads_every_byte(qcli: Qcli, emu: Emulator) -> None:
    py = f"{sys.executable} -m qcli"
    small = _bash(qcli, emu, f"{py} temp-content create <(printf 'a,b\\n1,2\\n') "
                  "--filename x.csv -q")
    assert small.returncode == 0, small.stderr
    assert _download(qcli, emu, small.stdout.strip()) == b"a,b\n1,2\n"
    expected = "".join(f"{n}\n" for n in range(1, 100001)).encode()
    for extra in ("--single", ""):
        big = _bash(qcli, emu, f"{py} temp-content create <(seq 1 100000) --filename n.txt "
                    f"{extra} -q")
        assert big.returncode == 0, big.stderr
        assert _download(qcli, emu, big.stdout.strip()) == expected


def test_data_file_create_from_a_pipe_and_from_stdin(qcli: Qcli, emu: Emulator) -> None:
    py = f"{sys.executable} -m qcli"
    try:
        piped = _bash(qcli, emu, f"{py} data-file create <(seq 1 100000) --name piped.txt --json")
        assert piped.returncode == 0, piped.stderr
        assert json.loads(piped.stdout)["size"] == len("".join(f"{n}\n" for n in range(1, 100001)))
        nameless = qcli("data-file", "create", "-", input="x\n", env=_env(emu.url))
        assert nameless.code == 2
        assert "--name" in nameless.err and "no such file" not in nameless.err
        stdin = qcli("data-file", "create", "-", "--name", "stdin.csv", "--json",
                     input="a,b\n1,2\n", env=_env(emu.url))
        assert stdin.code == 0, stdin.err
        assert stdin.json()["size"] == 8 and stdin.json()["name"] == "stdin.csv"
    finally:
        _rm_data_files(qcli, emu, "piped.txt")
        _rm_data_files(qcli, emu, "stdin.csv")


def test_a_fifo_with_a_writer_and_without_one(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    payload = os.urandom(3 * MiB + 5)

    def write() -> None:
        with open(fifo, "wb") as fh:
            fh.write(payload)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    made = qcli("temp-content", "create", str(fifo), "-q", env=_env(emu.url), timeout=60)
    writer.join(10)
    assert made.code == 0, made.err
    assert _download(qcli, emu, made.out.strip()) == payload
    # nobody ever opens it for writing: qcli says what it waits for and gives up
    lonely = tmp_path / "lonely.fifo"
    os.mkfifo(lonely)
    waited = qcli("temp-content", "create", str(lonely), "--timeout", "2", env=_env(emu.url),
                  timeout=60)
    assert waited.code == 2, waited.err
    assert "waiting for a writer" in waited.err
    assert "no process opened" in waited.err and "Traceback" not in waited.err


# -- 4. a file that changes under the upload ------------------------------------------------------

def test_a_file_that_grows_during_the_upload_fails(qcli: Qcli, emu: Emulator,
                                                   tmp_path: Path) -> None:
    src = tmp_path / "growing.log"
    src.write_bytes(os.urandom(6 * MiB))
    # the second PATCH is held before its answer; the file grows meanwhile
    emu.add_faults({"delay": 60, "at": "response", "method": "PATCH",
                    "path": "/api/v1/temp-contents/files/*", "nth": [2]})
    proc = _popen(qcli, emu.url, "temp-content", "create", str(src), "--chunk-size", "1MiB", "-q")
    try:
        emu.wait_for(lambda r: r.get("held") and r["method"] == "PATCH", alive=proc)
        with open(src, "ab") as fh:
            fh.write(os.urandom(MiB))
        emu.clear_faults()
        out, err = proc.communicate(timeout=60)
    finally:
        emu.clear_faults()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert out == ""
    assert "changed while it was being uploaded" in err


# -- 7. the API key goes only to the context's own origin ----------------------------------------

class _Recorder(BaseHTTPRequestHandler):
    """Records every request (with its Authorization and X-Secret) and answers like a tus
    server that accepts everything, or with a fixed reply set on the server."""

    def _answer(self) -> None:
        server: Any = self.server
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        server.seen.append({"method": self.command, "path": self.path,
                            "authorization": self.headers.get("Authorization"),
                            "secret": self.headers.get("X-Secret")})
        status, headers, reply = server.reply(self, body)
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply)

    do_GET = do_POST = do_PATCH = do_HEAD = do_DELETE = _answer

    def log_message(self, *args: Any) -> None:
        pass


def _tus_reply(handler: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
    offset = int(handler.headers.get("Upload-Offset") or 0) + len(body)
    return 204, {"Upload-Offset": str(offset), "Upload-Length": "3", "Tus-Resumable": "1.0.0"}, b""


@pytest.fixture
def servers() -> Iterator[tuple[Any, Any]]:
    """A fake tenant on 127.0.0.1 and another origin on 127.0.0.2, both recording requests."""
    made = []
    for host in ("127.0.0.1", "127.0.0.2"):
        server: Any = ThreadingHTTPServer((host, 0), _Recorder)
        server.seen = []
        server.reply = _tus_reply
        server.url = f"http://{host}:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        made.append(server)
    try:
        yield made[0], made[1]
    finally:
        for server in made:
            server.shutdown()
            server.server_close()


def test_a_cross_origin_tus_location_gets_no_key(qcli: Qcli, servers: tuple[Any, Any],
                                                 tmp_path: Path) -> None:
    tenant, elsewhere = servers
    tenant.reply = lambda h, body: (201, {"Location": f"{elsewhere.url}/files/evil",
                                          "Tus-Resumable": "1.0.0"}, b"")
    src = tmp_path / "three.bin"
    src.write_bytes(b"abc")
    result = qcli("temp-content", "create", str(src), "-q", env=_env(tenant.url))
    assert elsewhere.seen == []
    assert result.code == 1, result.err
    assert elsewhere.url in result.err and "another origin" in result.err
    assert API_KEY not in result.err


def test_a_cross_origin_saved_resume_url_gets_no_key(qcli: Qcli, servers: tuple[Any, Any],
                                                     tmp_path: Path) -> None:
    from qcli.transfer.resume import ResumeStore

    tenant, elsewhere = servers
    src = tmp_path / "three.bin"
    src.write_bytes(b"abc")
    stat = src.stat()
    folder = qcli.home / "state" / "qcli" / "uploads"
    folder.mkdir(parents=True)
    key = ResumeStore.key(src, 3, stat.st_mtime_ns, tenant.url)
    (folder / f"{key}.json").write_text(json.dumps({
        "url": f"{elsewhere.url}/files/planted", "path": str(src.resolve()), "size": 3,
        "mtimeNs": stat.st_mtime_ns, "server": tenant.url, "filename": "three.bin", "ttl": 3600}))
    result = qcli("temp-content", "create", str(src), "-q", env=_env(tenant.url))
    assert elsewhere.seen == []
    assert result.code == 1, result.err
    assert elsewhere.url in result.err and "another origin" in result.err
    assert not (folder / f"{key}.json").exists()  # the next run starts a new upload
    # --no-resume would end the planted upload with a DELETE: not there either
    (folder / f"{key}.json").write_text(json.dumps({
        "url": f"{elsewhere.url}/files/planted", "size": 3, "filename": "other", "ttl": 3600}))
    qcli("temp-content", "create", str(src), "--no-resume", "-q", env=_env(tenant.url))
    assert elsewhere.seen == []


def test_a_cross_origin_redirect_drops_custom_headers_and_is_shown(
    qcli: Qcli, servers: tuple[Any, Any]
) -> None:
    tenant, elsewhere = servers
    file_id = "1f7b6d0e-7b51-4f83-9a1c-8a6a3e4e0c11"
    tenant.reply = lambda h, body: (302, {"Location": f"{elsewhere.url}/moved/{file_id}"}, b"")
    elsewhere.reply = lambda h, body: (200, {"Content-Type": "application/json"},
                                       json.dumps({"id": file_id, "name": "x"}).encode())
    result = qcli("data-file", "get", file_id, "-H", "X-Secret: s3cr3t-value", "--verbose",
                  "--json", env=_env(tenant.url))
    assert tenant.seen and tenant.seen[0]["secret"] == "s3cr3t-value"
    assert elsewhere.seen, result.err
    assert elsewhere.seen[0]["secret"] is None
    assert elsewhere.seen[0]["authorization"] is None
    assert result.code == 0, result.err
    assert f"redirect to {elsewhere.url}/moved/{file_id}" in result.err
    assert "s3cr3t-value" not in result.err


# -- 17. the transfer items -----------------------------------------------------------------------

def test_ctrl_c_before_any_byte_does_not_claim_a_part_file(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    src = tmp_path / "dl.bin"
    src.write_bytes(os.urandom(1000))
    temp_id = qcli("temp-content", "create", str(src), "-q", env=_env(emu.url)).out.strip()
    emu.add_faults({"delay": 20, "method": "GET", "path": f"/api/v1/temp-contents/{temp_id}"})
    proc = _popen(qcli, emu.url, "temp-content", "download", temp_id, "--output-file", "dl.bin")
    try:
        emu.wait_for(lambda r: r.get("held") and r["path"].endswith(temp_id), alive=proc)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        emu.clear_faults()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert not (qcli.home / "dl.bin.part").exists()
    assert "is kept" not in err
    assert "interrupted" in err


def test_a_very_long_content_name_is_shortened_keeping_the_extension(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    src = tmp_path / "long.csv"
    src.write_bytes(b"a,b\n")
    name = "é" * 140 + ".csv"  # 284 bytes in UTF-8
    made = qcli("temp-content", "create", str(src), "--filename", name, "-q", env=_env(emu.url))
    assert made.code == 0, made.err
    got = qcli("temp-content", "download", made.out.strip(), env=_env(emu.url))
    assert got.code == 0, got.err
    saved = [p for p in qcli.home.iterdir() if p.name.startswith("éé")]
    assert len(saved) == 1
    assert saved[0].name.endswith(".csv") and len(saved[0].name.encode()) <= 240
    assert saved[0].read_bytes() == b"a,b\n"


@pytest.mark.parametrize("command", [["temp-content", "create", ""],
                                     ["data-file", "create", ""]])
def test_an_empty_path_is_named(qcli: Qcli, emu: Emulator, command: list[str]) -> None:
    result = qcli(*command, env=_env(emu.url))
    assert result.code == 2
    assert "empty" in result.err and "directory" not in result.err

