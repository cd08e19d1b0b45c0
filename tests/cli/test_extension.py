"""qcli extension ... against the emulator over loopback HTTP."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path

from conftest import Emulator, Qcli, make_extension_dir


def _create(qcli: Qcli, tmp_path: Path, name: str) -> dict:
    folder = make_extension_dir(tmp_path / "src", name)
    result = qcli("extension", "create", str(folder), "--tag", "maps", "-o", "json")
    assert result.code == 0, result.err
    return result.json()


def test_full_lifecycle(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    created = _create(qcli, tmp_path, "life-chart")
    assert created["qextFilename"] == "life-chart"
    assert created["tags"] == ["maps"]
    assert created["version"] == "1.2.3"

    # the request carried the reference's multipart parts: file and data
    posts = [r for r in emu.requests() if r["method"] == "POST" and r["path"] == "/api/v1/extensions"]
    assert len(posts) == 1
    assert posts[0]["headers"]["content-type"].startswith("multipart/form-data")
    assert 'name="file"; filename="life-chart.zip"' in posts[0]["body"]
    assert 'name="data"' in posts[0]["body"]
    assert posts[0]["headers"]["user-agent"].startswith("qcli/")

    listed = qcli("extension", "ls", "-o", "json").json()
    assert created["id"] in [e["id"] for e in listed]

    by_name = qcli("extension", "get", "life-chart", "--json").json()
    assert by_name["id"] == created["id"]

    patched = qcli("extension", "patch", created["id"], "--description", "v2", "-o", "json")
    assert patched.code == 0, patched.err
    assert patched.json()["description"] == "v2"

    out = tmp_path / "dl" / "copy.zip"
    out.parent.mkdir()
    dl = qcli("extension", "download", "life-chart", "--output-file", str(out))
    assert dl.code == 0, dl.err
    assert dl.out == ""
    with zipfile.ZipFile(out) as zf:
        assert set(zf.namelist()) == {"life-chart.js", "life-chart.qext", "lib/helper.js"}
    assert not list(out.parent.glob("*.part"))

    files = qcli("extension", "file", "ls", "life-chart", "-o", "json").json()
    assert {f["path"] for f in files} == {"life-chart.js", "life-chart.qext", "lib/helper.js"}

    one = qcli("extension", "file", "get", "life-chart", "life-chart.qext", "--output-file", "-")
    assert one.code == 0
    assert json.loads(one.out)["version"] == "1.2.3"

    rm = qcli("extension", "rm", created["id"], "--yes")
    assert rm.code == 0, rm.err
    gone = qcli("extension", "get", created["id"])
    assert gone.code == 4
    assert "410" in gone.err


def test_create_from_zip_and_data_file(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("zipped/zipped.qext", json.dumps({"name": "Zipped", "type": "visualization"}))
        zf.writestr("zipped/zipped.js", "x")
    archive = tmp_path / "zipped.zip"
    archive.write_bytes(buffer.getvalue())
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"author": "BI team", "tags": ["a", "b"]}))
    result = qcli("extension", "create", str(archive), "--data", f"@{data}", "-o", "json")
    assert result.code == 0, result.err
    body = result.json()
    assert body["author"] == "BI team"
    assert body["tags"] == ["a", "b"]
    assert body["loadpath"] == "zipped/zipped.js"
    qcli("extension", "rm", body["id"], "--yes")


def test_quiet_prints_ids_only(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    made = _create(qcli, tmp_path, "quiet-chart")
    result = qcli("extension", "ls", "-q")
    assert result.code == 0
    # exactly the IDs the API lists, one a line, nothing else (whatever else the tenant holds)
    assert result.out.splitlines() == [e["id"] for e in emu.api("GET", "/api/v1/extensions")["data"]]
    assert made["id"] in result.out.splitlines()
    assert re.fullmatch(r"[0-9a-f]{24}", made["id"])


def test_duplicate_name_is_a_conflict(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    made = _create(qcli, tmp_path, "twice-chart")
    again = qcli("extension", "create", str(tmp_path / "src" / "twice-chart"))
    assert again.code == 5
    assert again.err.startswith("error: 409 Conflict")
    assert len(again.err.strip().splitlines()) == 1
    qcli("extension", "rm", made["id"], "--yes")


def test_unknown_extension_exits_4(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    result = qcli("extension", "get", "no-such-extension")
    assert result.code == 4
    assert result.out == ""
    assert result.err.strip() == (
        "error: 404 Not Found: could not find the extension with no-such-extension "
        f"(GET {emu.url}/api/v1/extensions/no-such-extension)")


def test_directory_without_qext_exits_2_before_any_request(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    qcli.login(emu)
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "index.js").write_text("x")
    result = qcli("extension", "create", str(folder))
    assert result.code == 2
    assert "has no .qext file" in result.err
    assert "Traceback" not in result.err
    assert not [r for r in emu.requests() if r["path"].startswith("/api/v1/extensions")]


def test_unreadable_and_missing_files_exit_2(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    missing = qcli("extension", "create", str(tmp_path / "nope.zip"))
    assert missing.code == 2
    assert "no such file or directory" in missing.err
    if os.geteuid() == 0:
        unreadable = "/proc/self/mem"  # root reads any mode; this file refuses plain reads
    else:
        locked = tmp_path / "locked.zip"
        locked.write_bytes(b"PK")
        locked.chmod(0)
        unreadable = str(locked)
    result = qcli("extension", "create", unreadable)
    assert result.code == 2
    assert result.err.startswith(f"error: cannot read {unreadable}")
    not_zip = tmp_path / "notes.txt"
    not_zip.write_text("hello")
    result = qcli("extension", "create", str(not_zip))
    assert result.code == 2
    assert "not a zip archive" in result.err


def test_rm_without_terminal_needs_yes(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu)
    result = qcli("extension", "rm", "anything")
    assert result.code == 2
    assert result.err.strip() == (
        "error: refusing to delete extension anything without confirmation: pass --yes")
    assert not [r for r in emu.requests() if r["method"] == "DELETE"]


def test_invalid_data_is_caught_before_sending(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    folder = make_extension_dir(tmp_path, "bad-data")
    result = qcli("extension", "create", str(folder), "--data", '{"tags": "not-a-list"}')
    assert result.code == 2
    assert "tags" in result.err
    result = qcli("extension", "create", str(folder), "--data", '{"nonsense": 1}')
    assert result.code == 2
    assert "nonsense: unknown field" in result.err
    result = qcli("extension", "create", str(folder), "--data", "{oops")
    assert result.code == 2
    assert "malformed JSON in --data" in result.err
    assert not [r for r in emu.requests() if r["path"].startswith("/api/v1/extensions")]


def test_rate_limited_then_success(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    made = _create(qcli, tmp_path, "limited-chart")
    emu.clear_requests()
    emu.add_faults({"status": 429, "retryAfter": "1", "method": "GET",
                    "path": "/api/v1/extensions", "nth": [1]})
    result = qcli("extension", "ls", "--json", "-v")
    assert result.code == 0, result.err
    assert made["id"] in [e["id"] for e in json.loads(result.out)]  # the listing after the 429
    assert "< 429" in result.err
    assert "retrying (2/5) after 429 Too Many Requests, in 1.0 s: GET " in result.err
    statuses = [r["status"] for r in emu.requests() if r["path"] == "/api/v1/extensions"]
    assert statuses == [429, 200]


def test_emulator_restart_keeps_extensions(qcli: Qcli, tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "tenant").start()
    try:
        qcli.login(emu, "restart")
        made = _create(qcli, tmp_path, "durable-chart")
    finally:
        emu.stop()
    again = Emulator(tmp_path / "tenant").start(port=emu.port)
    try:
        result = qcli("extension", "get", made["id"], "--json")
        assert result.code == 0, result.err
        assert result.json()["name"] == made["name"]
        out = tmp_path / "after.zip"
        assert qcli("extension", "download", made["id"], "--output-file", str(out)).code == 0
        assert "durable-chart/durable-chart.qext" not in zipfile.ZipFile(out).namelist()
        assert "durable-chart.qext" in zipfile.ZipFile(out).namelist()
    finally:
        again.stop()


def test_deprecated_must_be_a_date(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    folder = make_extension_dir(tmp_path / "src", "dated-chart")
    bad = qcli("extension", "create", str(folder), "--deprecated", "soon")
    assert bad.code == 1
    assert "deprecated must be a date such as 2024-01-31, not 'soon'" in bad.err
    good = qcli("extension", "create", str(folder), "--deprecated", "2024-01-31", "--json")
    assert good.code == 0, good.err
    assert good.json()["deprecated"] == "2024-01-31"


def test_an_empty_path_is_not_the_current_folder(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    make_extension_dir(qcli.home, "here-chart")  # the current folder of the run holds one
    (qcli.home / "here-chart.qext").write_text((qcli.home / "here-chart" / "here-chart.qext")
                                               .read_text())
    for source in ("", " "):
        result = qcli("extension", "create", source)
        assert result.code == 2
        assert result.err == ("error: the extension path is empty: give a folder, a .zip or '-' "
                              "for stdin\n")
    assert not [r for r in emu.requests() if r["method"] == "POST"]


def test_default_download_names_never_replace_an_existing_file(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    qcli.login(emu)
    _create(qcli, tmp_path, "keep-chart")
    archive = qcli.home / "keep-chart.zip"
    archive.write_text("precious\n")
    result = qcli("extension", "download", "keep-chart")
    assert result.code == 2, result.err
    assert result.err == ("error: keep-chart.zip exists; pass --output-file keep-chart.zip to "
                          "replace it, or another name\n")
    assert archive.read_text() == "precious\n"
    assert not (qcli.home / "keep-chart.zip.part").exists()
    qext = qcli.home / "keep-chart.qext"
    qext.write_text("mine\n")
    one = qcli("extension", "file", "get", "keep-chart", "keep-chart.qext")
    assert one.code == 2 and "keep-chart.qext exists; pass --output-file" in one.err
    assert qext.read_text() == "mine\n"
    # explicit --output-file replaces
    assert qcli("extension", "download", "keep-chart", "--output-file", "keep-chart.zip").code == 0
    assert zipfile.is_zipfile(archive)
    assert qcli("extension", "file", "get", "keep-chart", "keep-chart.qext",
                "--output-file", "keep-chart.qext").code == 0
    assert json.loads(qext.read_text())["name"]


def test_shown_extension_is_the_servers_json_byte_for_byte(
        qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    qcli.login(emu)
    created = _create(qcli, tmp_path, "bytes-chart")
    for fmt in ("json", "yaml", "table"):
        shown = qcli("extension", "get", created["id"], "-o", fmt)
        raw = qcli("raw", "get", f"v1/extensions/{created['id']}", "-o", fmt)
        assert shown.code == raw.code == 0, shown.err + raw.err
        assert shown.out == raw.out and shown.out.strip()
