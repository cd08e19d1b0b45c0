"""qcli data-file ... against the emulator."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl

from conftest import API_KEY, Emulator, Qcli

MiB = 1024 * 1024
FINANCE = "61797a2b7a9f56e49dea2e6f"
FINANCE_CONNECTION = "517cd6af-b593-51f4-9567-49bb802eeb87"
SALES = "617979737a9f56e49dea2e6e"


def _env(emu: Emulator) -> dict[str, str]:
    return {"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY}


def _mine(qcli: Qcli, emu: Emulator, *args: str) -> list[dict]:
    result = qcli("data-file", "ls", "--json", *args, env=_env(emu))
    assert result.code == 0, result.err
    return result.json()


def _cleanup(qcli: Qcli, emu: Emulator, ids: list[str]) -> None:
    if ids:
        qcli("data-file", "rm", *ids, "--yes", env=_env(emu))


def test_create_get_update_move_and_remove(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = tmp_path / "orders.csv"
    src.write_text("id,amount\n1,10\n")
    made = qcli("data-file", "create", str(src), "--json", env=_env(emu))
    assert made.code == 0, made.err
    file = made.json()
    assert file["name"] == "orders.csv"
    assert file["size"] == src.stat().st_size
    post = next(r for r in emu.requests() if r["method"] == "POST")
    assert post["path"] == "/api/v1/data-files"
    assert 'name="Json"' in post["body"] and 'name="File"; filename="orders.csv"' in post["body"]
    assert '{"name": "orders.csv"}' in post["body"]

    assert qcli("data-file", "get", file["id"], "--json", env=_env(emu)).json()["id"] == file["id"]

    src.write_text("id,amount\n1,10\n2,20\n")
    emu.clear_requests()
    updated = qcli("data-file", "update", file["id"], str(src), "--json", env=_env(emu))
    assert updated.code == 0, updated.err
    assert updated.json()["size"] == src.stat().st_size
    put = next(r for r in emu.requests() if r["method"] == "PUT")
    assert '"name": "orders.csv"' in put["body"]

    renamed = qcli("data-file", "update", file["id"], "--name", "2024/orders.csv", "--json",
                   env=_env(emu))
    assert renamed.json()["name"] == "2024/orders.csv"

    emu.clear_requests()
    assert qcli("data-file", "change-space", file["id"], "--space-id", SALES,
                env=_env(emu)).code == 0
    assert json.loads(emu.requests()[0]["body"]) == {"spaceId": SALES}
    assert qcli("data-file", "get", file["id"], "--json", env=_env(emu)).json()["spaceId"] == SALES
    emu.clear_requests()
    assert qcli("data-file", "change-space", file["id"], "--personal", env=_env(emu)).code == 0
    assert json.loads(emu.requests()[0]["body"]) == {"spaceId": None}

    emu.clear_requests()
    owner = qcli("data-file", "change-owner", file["id"], "--owner-id", "user-2", env=_env(emu))
    assert owner.code == 0, owner.err
    assert json.loads(emu.requests()[0]["body"]) == {"ownerId": "user-2"}
    bad_owner = qcli("data-file", "change-owner", file["id"], "--owner-id", "ghost", env=_env(emu))
    assert bad_owner.code == 1
    assert "an owner with ID 'ghost' does not exist" in bad_owner.err

    copy = qcli("data-file", "create", "--name", "copy.csv", "--source-id", file["id"], "--json",
                env=_env(emu))
    assert copy.code == 0, copy.err
    assert copy.json()["size"] == src.stat().st_size

    assert qcli("data-file", "rm", file["id"], "--yes", env=_env(emu)).code == 0
    assert qcli("data-file", "get", file["id"], env=_env(emu)).code == 4
    _cleanup(qcli, emu, [copy.json()["id"]])


def test_large_file_goes_through_temp_content(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = tmp_path / "large.bin"
    src.write_bytes(os.urandom(40 * MiB))
    made = qcli("data-file", "create", str(src), "--chunk-size", "4MiB", "--json", env=_env(emu))
    assert made.code == 0, made.err
    requests = emu.requests()
    tus = [r for r in requests if r["path"].startswith("/api/v1/temp-contents/files")]
    assert tus[0]["method"] == "POST" and len([r for r in tus if r["method"] == "PATCH"]) == 10
    final = [r for r in requests if r["path"] == "/api/v1/data-files" and r["method"] == "POST"]
    assert len(final) == 1
    assert "tempContentFileId" in final[0]["body"]
    assert 'name="File"' not in final[0]["body"]
    assert requests.index(final[0]) > requests.index(tus[-1])
    assert made.json()["size"] == 40 * MiB
    # the resume entry is gone once the data file exists
    assert not list((qcli.home / "state" / "qcli" / "uploads").glob("*.json"))
    _cleanup(qcli, emu, [made.json()["id"]])


def test_interrupted_create_resumes_and_makes_one_file(qcli: Qcli, emu: Emulator,
                                                       tmp_path: Path) -> None:
    src = tmp_path / "resume-me.bin"
    src.write_bytes(os.urandom(12 * MiB))
    # the fifth PATCH is held before the emulator reads it, until the rules are cleared
    emu.add_faults({"delay": 60, "method": "PATCH", "path": "/api/v1/temp-contents/files/*",
                    "nth": [5]})
    proc = subprocess.Popen([sys.executable, "-m", "qcli", "data-file", "create", str(src),
                             "--chunk-size", "1MiB", "-q"], env=dict(qcli.env, **_env(emu)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    emu.wait_for(lambda r: r.get("held") and r["method"] == "PATCH", alive=proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    emu.clear_faults()
    again = qcli("data-file", "create", str(src), "--chunk-size", "1MiB", "--json", env=_env(emu))
    assert again.code == 0, again.err
    assert not [r for r in emu.requests() if r["method"] == "POST"
                and r["path"] == "/api/v1/temp-contents/files"][1:]  # one tus upload in all
    named = [f for f in _mine(qcli, emu) if f["name"] == "resume-me.bin"]
    assert len(named) == 1
    assert named[0]["size"] == 12 * MiB
    _cleanup(qcli, emu, [named[0]["id"]])


def test_ctrl_c_while_the_data_file_is_written_says_how_to_finish(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    src = tmp_path / "ctrl-c.bin"
    src.write_bytes(os.urandom(3 * MiB))
    emu.add_faults({"delay": 3, "method": "POST", "path": "/api/v1/data-files", "nth": [1]})
    proc = subprocess.Popen([sys.executable, "-m", "qcli", "data-file", "create", str(src),
                             "--chunk-size", "1MiB", "-q"], env=dict(qcli.env, **_env(emu)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    emu.wait_for(lambda r: r.get("held") and r["path"] == "/api/v1/data-files")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert "run the same command again to finish" in err
    assert "Traceback" not in err
    emu.clear_faults()
    again = qcli("data-file", "create", str(src), "--chunk-size", "1MiB", "--json", env=_env(emu))
    assert again.code == 0, again.err
    patched = sum(r["bodySize"] for r in emu.requests() if r["method"] == "PATCH")
    assert patched == 3 * MiB  # nothing uploaded twice
    named = [f for f in _mine(qcli, emu) if f["name"] == "ctrl-c.bin"]
    assert len(named) == 1
    _cleanup(qcli, emu, [named[0]["id"]])


def test_listing_follows_every_page_and_stops_at_limit(qcli: Qcli, emu: Emulator) -> None:
    emu._call("POST", "/__emulator/data-files", {"count": 2500, "prefix": "bulk-",
                                                 "spaceId": FINANCE})
    try:
        emu.clear_requests()
        everything = _mine(qcli, emu, "--connection-id", FINANCE_CONNECTION)
        assert len(everything) == 2500
        assert len({f["id"] for f in everything}) == 2500
        pages = [r for r in emu.requests() if r["path"] == "/api/v1/data-files"]
        assert len(pages) == 3  # qcli asks for the spec's largest page, 1000 (the API's is 20)
        emu.clear_requests()
        small = _mine(qcli, emu, "--connection-id", FINANCE_CONNECTION, "--page-size", "20")
        assert [f["id"] for f in small] == [f["id"] for f in everything]
        pages = [r for r in emu.requests() if r["path"] == "/api/v1/data-files"]
        assert len(pages) == 125
        emu.clear_requests()
        capped = _mine(qcli, emu, "--connectionId", FINANCE_CONNECTION, "--limit", "1234")
        assert len(capped) == 1234
        assert [f["name"] for f in capped] == [f["name"] for f in everything[:1234]]
        sized = _mine(qcli, emu, "--connection-id", FINANCE_CONNECTION, "--page-size", "1000",
                      "--sort", "-name", "--limit", "3")
        assert [f["name"] for f in sized] == ["bulk-02499.csv", "bulk-02498.csv", "bulk-02497.csv"]
        quiet = qcli("data-file", "ls", "--connection-id", FINANCE_CONNECTION, "-q",
                     env=_env(emu))
        assert len(quiet.out.splitlines()) == 2500
    finally:
        ids = [f["id"] for f in _mine(qcli, emu, "--connection-id", FINANCE_CONNECTION)]
        for start in range(0, len(ids), 500):
            _cleanup(qcli, emu, ids[start:start + 500])


def _paged_listing(qcli: Qcli, emu: Emulator) -> list[str]:
    """25 more data files; the IDs of the whole listing, in order (3+ pages of 10)."""
    emu._call("POST", "/__emulator/data-files", {"count": 25, "prefix": "paged-"})
    ids = qcli("data-file", "ls", "-q", env=_env(emu)).out.split()
    assert len(ids) >= 25
    return ids


def test_a_failing_third_page_leaves_the_first_two_printed(qcli: Qcli, emu: Emulator) -> None:
    ids = _paged_listing(qcli, emu)
    for args in (["-q"], ["-o", "csv"]):
        emu.clear_faults()  # (counts the matching requests afresh)
        emu.add_faults({"status": 403, "method": "GET", "path": "/api/v1/data-files",
                        "nth": [3]})
        result = qcli("data-file", "ls", "--page-size", "10", *args, env=_env(emu))
        assert result.code == 3, (args, result.err)  # the documented code of a 403
        assert result.err.startswith("error: 403") and "Traceback" not in result.err
        if args == ["-q"]:
            printed = result.out.split()
        else:
            rows = list(csv.reader(result.out.splitlines()))
            printed = [row[rows[0].index("id")] for row in rows[1:]]
        assert printed == ids[:20], args


def test_ctrl_c_while_the_next_page_is_fetched_exits_130_at_once(qcli: Qcli,
                                                                 emu: Emulator) -> None:
    ids = _paged_listing(qcli, emu)
    emu.add_faults({"delay": 60, "method": "GET", "path": "/api/v1/data-files", "nth": [2]})
    proc = subprocess.Popen([sys.executable, "-m", "qcli", "data-file", "ls", "--page-size",
                             "10", "-q"], env=dict(qcli.env, **_env(emu)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    emu.wait_for(lambda r: bool(r.get("held")) and r["path"] == "/api/v1/data-files",
                 alive=proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)  # not the 60 s the page is held
    assert proc.returncode == 130
    assert err == "interrupted\n"
    assert out.split() == ids[:10]  # the page before stays printed


def test_a_closed_pipe_mid_listing_exits_0_silently(qcli: Qcli, emu: Emulator) -> None:
    _paged_listing(qcli, emu)
    read_end, write_end = os.pipe()
    os.close(read_end)  # as after `| head -1`: the first page's output fails, the next is due
    try:
        for args in (["-q"], ["-o", "json"]) * 3:  # (a race between the two threads, once)
            proc = subprocess.run([sys.executable, "-m", "qcli", "data-file", "ls",
                                   "--page-size", "10", *args], stdout=write_end,
                                  stderr=subprocess.PIPE, text=True,
                                  env=dict(qcli.env, **_env(emu)), timeout=60)
            assert (proc.returncode, proc.stderr) == (0, ""), args
    finally:
        os.close(write_end)


def test_batch_delete_with_an_unknown_id_reports_both(qcli: Qcli, emu: Emulator,
                                                      tmp_path: Path) -> None:
    src = tmp_path / "doomed.csv"
    src.write_text("x\n")
    made = qcli("data-file", "create", str(src), "--json", env=_env(emu)).json()
    emu.clear_requests()
    gone = "00000000-0000-4000-8000-000000000404"  # a well-formed ID no file has (the spec's uuid)
    result = qcli("data-file", "rm", made["id"], gone, "--yes", "--json", env=_env(emu))
    assert result.code == 1
    assert json.loads(emu.requests()[0]["body"]) == {
        "delete": [{"id": made["id"]}, {"id": gone}]}
    items = {i["id"]: i["status"] for i in result.json()}
    assert items == {made["id"]: 204, gone: 404}
    assert f"{gone}: 404" in result.err
    assert "1 of 2 deletions failed" in result.err


def test_batch_change_space(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    ids = []
    for n in range(2):
        src = tmp_path / f"move{n}.csv"
        src.write_text("x\n")
        ids.append(qcli("data-file", "create", str(src), "--json", env=_env(emu)).json()["id"])
    emu.clear_requests()
    result = qcli("data-file", "change-space", *ids, "--space-id", SALES, "--json", env=_env(emu))
    assert result.code == 0, result.err
    assert json.loads(emu.requests()[0]["body"]) == {
        "change-space": [{"id": i, "spaceId": SALES} for i in ids]}
    assert [i["status"] for i in result.json()] == [204, 204]
    back = qcli("data-file", "change-space", *ids, "--personal", env=_env(emu))
    assert back.code == 0
    _cleanup(qcli, emu, ids)


def test_errors_and_bad_input(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = tmp_path / "dupe.csv"
    src.write_text("x\n")
    made = qcli("data-file", "create", str(src), "--json", env=_env(emu)).json()
    dup = qcli("data-file", "create", str(src), env=_env(emu))
    assert dup.code == 5
    assert "409 Conflict" in dup.err
    emu.clear_requests()
    bad = qcli("data-file", "create", str(src), "--name", 'what?.csv', env=_env(emu))
    assert bad.code == 2
    assert "invalid file name" in bad.err
    no_tty = qcli("data-file", "rm", made["id"], env=_env(emu))
    assert no_tty.code == 2
    assert "pass --yes" in no_tty.err
    missing = qcli("data-file", "create", "--source-id", "x", env=_env(emu))
    assert missing.code == 2
    assert "--name is required" in missing.err
    page = qcli("data-file", "ls", "--page-size", "5000", env=_env(emu))
    assert page.code == 2
    assert emu.requests() == []
    forbidden = qcli("data-file", "ls", "--connection-id",
                     "unknown-connection", env=_env(emu))
    assert forbidden.code == 4
    _cleanup(qcli, emu, [made["id"]])


def test_over_quota_for_a_direct_upload(qcli: Qcli, tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "small-tenant", extra=["--max-file-size", "1MiB",
                                                     "--max-large-file-size", "3MiB"]).start()
    try:
        src = tmp_path / "two-mib.bin"
        src.write_bytes(os.urandom(2 * MiB))
        forced = qcli("data-file", "create", str(src), "--no-resumable", env=_env(emu))
        assert forced.code == 1
        assert "413 Request Entity Too Large" in forced.err
        assert "maximum file size" in forced.err
        # without forcing, the 413 sends it through temporary content instead
        auto = qcli("data-file", "create", str(src), "--json", "--chunk-size", "4MiB",
                    env=_env(emu))
        assert auto.code == 0, auto.err
        assert auto.json()["size"] == 2 * MiB
        huge = tmp_path / "four-mib.bin"
        huge.write_bytes(os.urandom(4 * MiB))
        over = qcli("data-file", "create", str(huge), env=_env(emu))
        assert over.code == 1
        assert "413" in over.err
        quotas = qcli("data-file", "quotas", "--json", env=_env(emu)).json()
        assert quotas["maxFileSize"] == MiB
        assert quotas["size"] == 2 * MiB
    finally:
        emu.stop()


def test_connections(qcli: Qcli, emu: Emulator) -> None:
    listed = qcli("data-file", "connection", "ls", "--json", env=_env(emu)).json()
    assert len(listed) == 3
    personal = qcli("data-file", "connection", "ls", "--personal", "--json", env=_env(emu)).json()
    assert [c["spaceId"] for c in personal] == [None]
    one = qcli("data-file", "connection", "get", FINANCE_CONNECTION, "--json", env=_env(emu))
    assert one.json()["spaceId"] == FINANCE
    assert qcli("data-file", "connection", "get", "nope", env=_env(emu)).code == 4


def test_a_space_the_caller_cannot_reach_is_403(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = tmp_path / "private.csv"
    src.write_text("x\n")
    made = qcli("data-file", "create", str(src), "--json", env=_env(emu)).json()
    result = qcli("data-file", "change-space", made["id"], "--space-id",
                  "6179800000000000000000ff", env=_env(emu))
    assert result.code == 3
    assert "403 Forbidden" in result.err
    unknown = qcli("data-file", "change-space", made["id"], "--space-id", "nope", env=_env(emu))
    assert unknown.code == 1
    assert "does not exist" in unknown.err
    _cleanup(qcli, emu, [made["id"]])


def test_a_file_being_rewritten_is_locked(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    import threading

    import httpx

    src = tmp_path / "busy.csv"
    src.write_text("x\n")
    made = qcli("data-file", "create", str(src), "--json", env=_env(emu)).json()
    # the PUT is held part way through its body (the file's lock taken) until the rules clear
    emu.add_faults({"delay": 60, "at": "body", "afterBytes": 1024, "method": "PUT",
                    "path": f"/api/v1/data-files/{made['id']}"})

    def put() -> None:
        with httpx.Client(base_url=emu.url, headers={"Authorization": f"Bearer {API_KEY}"},
                          timeout=30) as client:
            response = client.put(f"/api/v1/data-files/{made['id']}", files={
                "Json": (None, '{"name": "busy.csv"}', "application/json"),
                "File": ("busy.csv", b"y" * 8 * 1024, "text/csv")})
            outcome["status"] = response.status_code

    outcome: dict[str, int] = {}
    worker = threading.Thread(target=put)
    worker.start()
    try:
        emu.wait_for(lambda r: r.get("held") and r["method"] == "PUT")
        locked = qcli("data-file", "rm", made["id"], "--yes", env=_env(emu))
    finally:
        emu.clear_faults()  # the PUT goes on
        worker.join(30)
    assert locked.code == 5
    assert "423 Locked" in locked.err
    assert outcome["status"] == 201
    assert qcli("data-file", "get", made["id"], "--json", env=_env(emu)).json()["size"] == 8 * 1024
    _cleanup(qcli, emu, [made["id"]])


def test_sort_takes_exactly_the_specs_values(qcli: Qcli, emu: Emulator) -> None:
    """#11 item 4: the spec's sort enums, and nothing else (exit 2 before any request)."""
    from qcli.cli.data_file import CONNECTION_SORTS, FILE_SORTS

    digest = json.loads((Path(__file__).parents[1] / "contract" / "specs.json").read_text())
    schemas = digest["data-files"]["components"]["schemas"]
    assert list(FILE_SORTS) == schemas["GetDataFileInfosSortField"]["enum"]
    assert list(CONNECTION_SORTS) == schemas["GetConnectionsSortField"]["enum"]
    emu.clear_requests()
    for args in (["connection", "ls", "--sort", "-name"], ["ls", "--sort", "createdDate"],
                 ["ls", "--sort", ""]):
        refused = qcli("data-file", *args, env=_env(emu))
        assert refused.code == 2, args
        assert "invalid --sort" in refused.err and refused.out == ""
    assert emu.requests() == []
    for args in (["connection", "ls", "--sort", "-spaceId"], ["ls", "--sort", "-baseName"]):
        assert qcli("data-file", *args, env=_env(emu)).code == 0, args
    assert [r["query"] for r in emu.requests()] == ["sort=-spaceId", "sort=-baseName&limit=1000"]


def test_folders_and_the_specs_list_filters(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    """#11 item 5: a folder is made with `create --folder`, a file put in it with --folder-id,
    and each list filter of the spec reaches the server from its flag (camelCase too)."""
    made = qcli("data-file", "create", "--folder", "--name", "f_item5", "--json", env=_env(emu))
    assert made.code == 0, made.err
    folder = made.json()
    assert folder["folder"] is True
    post = next(r for r in emu.requests() if r["method"] == "POST")
    assert '{"name": "f_item5", "folder": true}' in post["body"] and 'name="File"' not in post["body"]
    src = tmp_path / "page_1.csv"
    src.write_text("a\n1\n")
    inside = qcli("data-file", "create", str(src), "--folder-id", folder["id"], "--json",
                  env=_env(emu))
    assert inside.code == 0, inside.err
    try:
        assert inside.json()["folderId"] == folder["id"]
        assert [f["id"] for f in _mine(qcli, emu, "--folder-id", folder["id"])] == [
            inside.json()["id"]]
        assert [f["id"] for f in _mine(qcli, emu, "--folderPath", "f_item5",
                                       "--baseNameWildcard", "page_?.csv")] == [
            inside.json()["id"]]
        folders = _mine(qcli, emu, "--include-folders", "--exclude-files",
                        "--base-name-wildcard", "f_item*", "--include-folder-stats")
        assert [f["id"] for f in folders] == [folder["id"]]
        emu.clear_requests()
        everything = ["--not-owner-id", "someone-else", "--include-all-spaces",
                      "--exclude-sub-folders", "--folder-path", "f_item5", "--include-folders"]
        assert qcli("data-file", "ls", *everything, env=_env(emu)).code == 0
        sent = dict(parse_qsl(emu.requests()[0]["query"]))
        assert sent == {"notOwnerId": "someone-else", "includeAllSpaces": "true",
                        "excludeSubFolders": "true", "folderPath": "f_item5",
                        "includeFolders": "true", "limit": "1000"}  # (the largest page)
        both = qcli("data-file", "ls", "--folder-id", folder["id"], "--folder-path", "x",
                    env=_env(emu))
        assert both.code == 2 and "not both" in both.err
        not_a_folder = qcli("data-file", "create", str(src), "--folder", "--name", "x",
                            env=_env(emu))
        assert not_a_folder.code == 2 and "a folder has no content" in not_a_folder.err
        emu.clear_requests()
        moved = qcli("data-file", "update", inside.json()["id"], "--folder-id", folder["id"],
                     "--folder-merge-behavior", "replace", env=_env(emu))
        assert moved.code == 0, moved.err
        sent_model = emu.requests()[0]["body"]
        assert f'"folderId": "{folder["id"]}", "folderMergeBehavior": "replace"' in sent_model
        assert qcli("data-file", "update", folder["id"], "--folder-merge-behavior", "keep",
                    env=_env(emu)).code == 2
        stats = qcli("data-file", "connection", "ls", "--include-space-stats", "--page-size",
                     "1", "--json", env=_env(emu))
        assert stats.code == 0, stats.err
        assert "includeSpaceStats=true" in emu.requests()[-1]["query"]
    finally:
        _cleanup(qcli, emu, [inside.json()["id"], folder["id"]])


def test_delete_every_file_of_a_space_needs_yes(qcli: Qcli, tmp_path: Path) -> None:
    """#11 item 5: the batch delete modes deleteAllBySpace and deleteAllFromPersonalSpace,
    behind --yes even on a terminal (an emulator of its own: they empty whole spaces)."""
    emu = Emulator(tmp_path / "wipe").start()
    try:
        src = tmp_path / "x.csv"
        src.write_text("x\n")
        for args in ([], ["--connection-id", FINANCE_CONNECTION]):
            assert qcli("data-file", "create", str(src), *args, env=_env(emu)).code == 0
        emu.clear_requests()
        for args in (["--delete-all-from-personal-space"], ["--delete-all-by-space", FINANCE]):
            refused = qcli("data-file", "rm", *args, env=_env(emu))
            assert refused.code == 2 and "without --yes" in refused.err
        assert emu.requests() == []
        nothing = qcli("data-file", "rm", "--yes", env=_env(emu))
        assert nothing.code == 2 and "--delete-all-by-space" in nothing.err
        mine = qcli("data-file", "rm", "--deleteAllFromPersonalSpace", "--yes", "--json",
                    env=_env(emu))
        assert mine.code == 0, mine.err
        assert json.loads(emu.requests()[0]["body"]) == {"delete": [],
                                                         "deleteAllFromPersonalSpace": True}
        assert [i["status"] for i in mine.json()] == [204]
        assert _mine(qcli, emu) == []
        emu.clear_requests()
        shared = qcli("data-file", "rm", "--delete-all-by-space", FINANCE, "--yes", "--json",
                      env=_env(emu))
        assert shared.code == 0, shared.err
        assert json.loads(emu.requests()[0]["body"]) == {"delete": [],
                                                         "deleteAllBySpace": [{"id": FINANCE}]}
        assert len(shared.json()) == 1
        assert _mine(qcli, emu, "--connection-id", FINANCE_CONNECTION) == []
    finally:
        emu.stop()


def test_shown_data_file_quota_and_connection_are_the_servers_json_byte_for_byte(
        qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = tmp_path / "bytes.csv"
    src.write_text("a\n1\n")
    made = qcli("data-file", "create", str(src), "--json", env=_env(emu))
    assert made.code == 0, made.err
    file_id = made.json()["id"]
    pairs = [(("data-file", "get", file_id), f"v1/data-files/{file_id}"),
             (("data-file", "quotas"), "v1/data-files/quotas"),
             (("data-file", "connection", "get", FINANCE_CONNECTION),
              f"v1/data-files/connections/{FINANCE_CONNECTION}")]
    try:
        for args, path in pairs:
            for fmt in ("json", "yaml", "table"):
                shown = qcli(*args, "-o", fmt, env=_env(emu))
                raw = qcli("raw", "get", path, "-o", fmt, env=_env(emu))
                assert shown.code == raw.code == 0, shown.err + raw.err
                assert shown.out == raw.out and shown.out.strip(), (args, fmt)
    finally:
        _cleanup(qcli, emu, [file_id])
