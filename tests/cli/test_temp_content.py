"""qcli temp-content ... against the emulator: tus uploads, resume, faults, downloads."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import API_KEY, Emulator, Qcli

MiB = 1024 * 1024


def _file(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return path


def _env(emu: Emulator) -> dict[str, str]:
    return {"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY}


def _download(qcli: Qcli, emu: Emulator, temp_id: str, tmp_path: Path) -> bytes:
    out = tmp_path / f"dl-{temp_id}"
    result = qcli("temp-content", "download", temp_id, "--output-file", str(out), env=_env(emu))
    assert result.code == 0, result.err
    return out.read_bytes()


def _patches(emu: Emulator) -> list[dict]:
    return [r for r in emu.requests() if r["method"] == "PATCH"]


def test_multi_chunk_upload_and_details(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = _file(tmp_path, "data.bin", 3 * MiB + 12345)
    result = qcli("temp-content", "create", str(src), "--chunk-size", "1MiB", "--ttl", "600",
                  "-o", "json", env=_env(emu))
    assert result.code == 0, result.err
    details = result.json()
    assert details["Name"] == "data.bin"
    assert details["Size"] == str(src.stat().st_size)
    assert details["TTLSeconds"] == 600
    posts = [r for r in emu.requests() if r["method"] == "POST"]
    assert posts[0]["path"] == "/api/v1/temp-contents/files"
    assert posts[0]["headers"]["tus-resumable"] == "1.0.0"
    assert posts[0]["headers"]["upload-length"] == str(src.stat().st_size)
    # filename and ttl, base64-encoded
    assert posts[0]["headers"]["upload-metadata"] == "filename ZGF0YS5iaW4=,ttl NjAw"
    patches = _patches(emu)
    assert [p["headers"]["upload-offset"] for p in patches] == [
        str(i * MiB) for i in range(4)]
    assert all(p["headers"]["content-type"] == "application/offset+octet-stream" for p in patches)
    assert sum(p["bodySize"] for p in patches) == src.stat().st_size
    # one keep-alive connection: every request after the first reuses it
    assert _download(qcli, emu, details["ID"], tmp_path) == src.read_bytes()


def test_empty_file_single_and_stdin(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    result = qcli("temp-content", "create", str(empty), "-q", env=_env(emu))
    assert result.code == 0, result.err
    assert _download(qcli, emu, result.out.strip(), tmp_path) == b""
    assert _patches(emu) == []

    src = _file(tmp_path, "single.bin", 200_000)
    single = qcli("temp-content", "create", str(src), "--single", "-q", env=_env(emu))
    assert single.code == 0, single.err
    assert _download(qcli, emu, single.out.strip(), tmp_path) == src.read_bytes()
    sent = next(r for r in emu.requests() if r["path"] == "/api/v1/temp-contents")
    assert sent["query"] == "filename=single.bin&ttl=3600"

    piped = qcli("temp-content", "create", "-", "--filename", "p.txt", "-q", input="hello\n",
                 env=_env(emu))
    assert piped.code == 0, piped.err
    assert _download(qcli, emu, piped.out.strip(), tmp_path) == b"hello\n"


def test_bad_input(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    env = _env(emu)
    src = _file(tmp_path, "x.bin", 10)
    cases = [
        (["temp-content", "create", str(tmp_path / "missing.bin")], 2, "no such file"),
        (["temp-content", "create", str(tmp_path)], 2, "is a directory"),
        (["temp-content", "create", str(src), "--ttl", "0"], 2, "invalid --ttl 0"),
        (["temp-content", "create", str(src), "--ttl", "259201"], 2, "invalid --ttl 259201"),
        (["temp-content", "create", str(src), "--chunk-size", "lots"], 2, "invalid --chunk-size"),
        (["temp-content", "get", "000000000000000000000000"], 4, "404 Not Found"),
        (["temp-content", "download", "000000000000000000000000", "--output-file",
          str(tmp_path / "o")], 4, "404 Not Found"),
    ]
    if os.geteuid() == 0:
        cases.append((["temp-content", "create", "/proc/self/mem"], 2, "cannot read"))
    for args, code, text in cases:
        result = qcli(*args, env=env)
        assert result.code == code, (args, result.err)
        assert text in result.err, (args, result.err)
        assert "Traceback" not in result.err
        assert len(result.err.strip().splitlines()) == 1, result.err
    assert [r for r in emu.requests() if r["method"] in ("POST", "PATCH")] == []


def test_expired_content_is_gone(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = _file(tmp_path, "short.bin", 100)
    made = qcli("temp-content", "create", str(src), "--ttl", "1", "-q", env=_env(emu))
    assert made.code == 0, made.err
    time.sleep(1.5)
    result = qcli("temp-content", "get", made.out.strip(), env=_env(emu))
    assert result.code == 4
    assert "410 Gone" in result.err


@pytest.mark.parametrize("fault", [
    {"status": 423},
    {"status": 409},
    {"status": 503},
    {"drop": True},
    {"status": 429, "retryAfter": "1"},
])
def test_faults_on_patches_are_survived(qcli: Qcli, emu: Emulator, tmp_path: Path,
                                        fault: dict) -> None:
    src = _file(tmp_path, "faulty.bin", 4 * MiB + 7)
    emu.add_faults(dict(fault, method="PATCH", path="/api/v1/temp-contents/files/*", nth=[2, 3]))
    result = qcli("temp-content", "create", str(src), "--chunk-size", "1MiB", "-q",
                  env=_env(emu))
    assert result.code == 0, result.err
    faulted = [p for p in _patches(emu) if p.get("fault")]
    assert len(faulted) == 2
    heads = [r for r in emu.requests() if r["method"] == "HEAD"]
    assert len(heads) >= 2  # a HEAD before each retry
    emu.clear_faults()
    assert _download(qcli, emu, result.out.strip(), tmp_path) == src.read_bytes()


def test_other_4xx_fails_fast(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = _file(tmp_path, "four.bin", 2 * MiB)
    emu.add_faults({"status": 403, "method": "PATCH", "path": "/api/v1/temp-contents/files/*",
                    "nth": [1]})
    result = qcli("temp-content", "create", str(src), "--chunk-size", "1MiB", env=_env(emu))
    assert result.code == 3
    assert "403 Forbidden" in result.err
    assert len(_patches(emu)) == 1


def _start_upload(qcli: Qcli, emu: Emulator, src: Path, *extra: str) -> subprocess.Popen:
    env = dict(qcli.env, **_env(emu))
    return subprocess.Popen([sys.executable, "-m", "qcli", "temp-content", "create", str(src),
                             "--chunk-size", "1MiB", "-q", *extra], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _hold_patch(emu: Emulator, nth: int) -> None:
    """The nth PATCH is held before the emulator reads it, until the rules are cleared."""
    emu.add_faults({"delay": 60, "method": "PATCH", "path": "/api/v1/temp-contents/files/*",
                    "nth": [nth]})


def _wait_held(emu: Emulator, proc: subprocess.Popen | None = None) -> None:
    emu.wait_for(lambda r: r.get("held") and r["method"] == "PATCH", alive=proc)


def _start_slow_upload(qcli: Qcli, emu: Emulator, src: Path, done: int) -> subprocess.Popen:
    """An upload in 1 MiB PATCHes that stops, held by the emulator, once `done` PATCHes are
    through: it returns when the next one is held."""
    _hold_patch(emu, done + 1)
    proc = _start_upload(qcli, emu, src)
    _wait_held(emu, proc)
    assert len([r for r in emu.requests() if r["method"] == "PATCH" and r["status"] == 204]
               ) == done
    return proc


def _kill_after_patches(qcli: Qcli, emu: Emulator, src: Path, count: int) -> None:
    """SIGKILL an upload once `count` PATCHes are done (the next one held); the faults are
    cleared, which ends the hold."""
    proc = _start_slow_upload(qcli, emu, src, count)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    emu.clear_faults()


def test_sigkill_then_rerun_resumes_and_sends_only_the_rest(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    src = _file(tmp_path, "killed.bin", 10 * MiB + 3)
    size = src.stat().st_size
    _kill_after_patches(qcli, emu, src, 3)
    state = list((qcli.home / "state" / "qcli" / "uploads").glob("*.json"))
    assert len(state) == 1  # the saved upload URL survived the kill
    before = len(emu.requests())

    result = qcli("temp-content", "create", str(src), "--chunk-size", "1MiB", "-q",
                  env=_env(emu))
    assert result.code == 0, result.err
    second = emu.requests()[before:]
    assert second[0]["method"] == "HEAD"  # asks the server where it stands
    assert not [r for r in second if r["method"] == "POST"]  # no new upload
    first_patch = next(i for i, r in enumerate(second) if r["method"] == "PATCH")
    # HEADs until the server lets go of the killed PATCH (423 while it still holds it)
    assert {r["method"] for r in second[:first_patch]} == {"HEAD"}
    assert {r["status"] for r in second[:first_patch]} <= {200, 423}
    patches = [r for r in second if r["method"] == "PATCH"]
    assert int(patches[0]["headers"]["upload-offset"]) >= 3 * MiB
    # The killed PATCH may still land after the re-run's first HEAD (it sat in the emulator's
    # delay, before the upload's lock): the re-run's PATCH at the old offset is then refused
    # (409) and it continues from the offset the server returns. Accepted PATCHes are one
    # contiguous run to the end, and nothing before the killed process's last offset is resent.
    accepted = [r for r in patches if r["status"] == 204]
    assert {r["status"] for r in patches} - {204} <= {409, 423}
    resumed_at = int(accepted[0]["headers"]["upload-offset"])
    assert resumed_at >= 3 * MiB
    offset = resumed_at
    for r in accepted:
        assert int(r["headers"]["upload-offset"]) == offset
        offset += r["bodySize"]
    assert offset == size
    assert sum(r["bodySize"] for r in patches) <= size - 3 * MiB
    assert not list((qcli.home / "state" / "qcli" / "uploads").glob("*.json"))
    assert _download(qcli, emu, result.out.strip(), tmp_path) == src.read_bytes()


def test_ctrl_c_says_how_to_resume(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = _file(tmp_path, "interrupted.bin", 6 * MiB)
    proc = _start_slow_upload(qcli, emu, src, 2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    emu.clear_faults()
    assert proc.returncode == 130
    assert "run the same command again to resume" in err
    assert "Traceback" not in err
    again = qcli("temp-content", "create", str(src), "--chunk-size", "1MiB", "-q", env=_env(emu))
    assert again.code == 0, again.err
    assert _download(qcli, emu, again.out.strip(), tmp_path) == src.read_bytes()


def test_stale_saved_upload_starts_afresh_and_no_resume(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    src = _file(tmp_path, "stale.bin", 4 * MiB)
    _kill_after_patches(qcli, emu, src, 1)
    upload_url = next(r for r in emu.requests() if r["method"] == "PATCH")["path"]
    # the server forgets the upload (tus termination)
    import urllib.error
    import urllib.request

    req = urllib.request.Request(emu.url + upload_url, method="DELETE",
                                 headers={"Tus-Resumable": "1.0.0",
                                          "Authorization": f"Bearer {API_KEY}"})
    for _ in range(200):  # 423 while the server still holds the killed PATCH
        try:
            assert urllib.request.urlopen(req, timeout=10).status == 204
            break
        except urllib.error.HTTPError as exc:
            assert exc.code == 423
            time.sleep(0.1)
    else:
        raise AssertionError("the upload stayed locked")
    emu.clear_requests()
    result = qcli("temp-content", "create", str(src), "--chunk-size", "1MiB", "-q", env=_env(emu))
    assert result.code == 0, result.err
    assert "starting a new one" not in result.err  # -q keeps it quiet
    methods = [r["method"] for r in emu.requests()]
    assert methods[:2] == ["HEAD", "POST"]
    assert _download(qcli, emu, result.out.strip(), tmp_path) == src.read_bytes()

    # --no-resume: a saved entry is not resumed (no HEAD); its upload is ended, a new one made
    emu.clear_requests()
    _kill_after_patches(qcli, emu, src, 1)
    assert len(list((qcli.home / "state" / "qcli" / "uploads").glob("*.json"))) == 1
    killed = emu.requests()
    emu.clear_requests()
    fresh = qcli("temp-content", "create", str(src), "--no-resume", env=_env(emu))
    assert fresh.code == 0, fresh.err
    sent = emu.requests()
    # the saved upload is ended on the server (tus termination), not left until its TTL
    assert [r["method"] for r in sent[:2]] == ["DELETE", "POST"]
    assert sent[0]["path"] == next(r for r in killed if r["method"] == "PATCH")["path"]
    assert "HEAD" not in [r["method"] for r in sent]
    if sent[0]["status"] == 204:
        assert "discarded the earlier partial upload" in fresh.err


def test_emulator_restart_mid_upload_keeps_the_offset(qcli: Qcli, tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "tenant", extra=["--faults",  # the third PATCH is held
                   "delay=60 method=PATCH path=/api/v1/temp-contents/files/* nth=3"]).start()
    src = _file(tmp_path, "restart.bin", 5 * MiB)
    try:
        proc = _start_upload(qcli, emu, src)
        _wait_held(emu, proc)
        emu.stop(signal.SIGKILL)
        proc.kill()  # (it would retry for about half a minute, then say how to resume)
        proc.wait(10)
    finally:
        emu.stop()
    again = Emulator(tmp_path / "tenant").start(port=emu.port)
    try:
        result = qcli("temp-content", "create", str(src), "--chunk-size", "1MiB", "-q",
                      env=_env(again))
        assert result.code == 0, result.err
        first_patch = next(r for r in again.requests() if r["method"] == "PATCH")
        assert int(first_patch["headers"]["upload-offset"]) >= 2 * MiB
        assert _download(qcli, again, result.out.strip(), tmp_path) == src.read_bytes()
    finally:
        again.stop()


def test_download_resumes_a_partial_file_with_range(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    src = _file(tmp_path, "ranged.bin", 3 * MiB + 99)
    temp_id = qcli("temp-content", "create", str(src), "-q", env=_env(emu)).out.strip()
    out = tmp_path / "copy.bin"
    (tmp_path / "copy.bin.part").write_bytes(src.read_bytes()[:MiB])
    # what an interrupted run leaves beside it: the content it holds (else it starts over)
    (tmp_path / "copy.bin.part.json").write_text(json.dumps({"id": temp_id, "size": 3 * MiB + 99}))
    emu.clear_requests()
    result = qcli("temp-content", "download", temp_id, "--output-file", str(out), env=_env(emu))
    assert result.code == 0, result.err
    assert out.read_bytes() == src.read_bytes()
    assert not (tmp_path / "copy.bin.part").exists()
    get = next(r for r in emu.requests() if r["method"] == "GET")
    assert get["headers"]["range"] == f"bytes={MiB}-"
    assert get["status"] == 206
    # a complete .part left behind: 416, nothing re-downloaded
    (tmp_path / "copy2.bin.part").write_bytes(src.read_bytes())
    again = qcli("temp-content", "download", temp_id, "--output-file", str(tmp_path / "copy2.bin"),
                 env=_env(emu))
    assert again.code == 0, again.err
    assert (tmp_path / "copy2.bin").read_bytes() == src.read_bytes()
    # default name: the content's name; stdout with -
    # default name: the content's name, which is the source's here (cwd is tmp_path): kept
    default = qcli("temp-content", "download", temp_id, env=_env(emu))
    assert default.code == 2 and "ranged.bin exists; pass --output-file" in default.err
    streamed = subprocess.run([sys.executable, "-m", "qcli", "temp-content", "download", temp_id,
                               "--output-file", "-"], env=dict(qcli.env, **_env(emu)),
                              capture_output=True)
    assert hashlib.sha256(streamed.stdout).digest() == hashlib.sha256(src.read_bytes()).digest()


def test_download_survives_a_dropped_connection(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = _file(tmp_path, "dropped.bin", 2 * MiB)
    temp_id = qcli("temp-content", "create", str(src), "-q", env=_env(emu)).out.strip()
    emu.add_faults({"drop": True, "method": "GET", "path": f"/api/v1/temp-contents/{temp_id}",
                    "nth": [1]})
    assert _download(qcli, emu, temp_id, tmp_path) == src.read_bytes()


def test_download_cut_part_way_resumes_from_the_bytes_it_has(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    src = _file(tmp_path, "cut.bin", 2 * MiB)
    temp_id = qcli("temp-content", "create", str(src), "-q", env=_env(emu)).out.strip()
    emu.clear_requests()
    # the real content, cut after 300,000 bytes
    emu.add_faults({"drop": True, "at": "response", "afterBytes": 300_000, "method": "GET",
                    "path": f"/api/v1/temp-contents/{temp_id}", "nth": [1]})
    assert _download(qcli, emu, temp_id, tmp_path) == src.read_bytes()
    gets = [r for r in emu.requests() if r["method"] == "GET"]
    assert gets[0]["cut"] == 300_000
    assert gets[1]["headers"]["range"] == "bytes=300000-"  # kept what arrived, asked for the rest
    assert gets[1]["status"] == 206


def test_automatic_chunk_size_starts_at_8_mib_then_follows_the_link(qcli: Qcli, emu: Emulator,
                                                                     tmp_path: Path) -> None:
    src = _file(tmp_path, "auto.bin", 40 * MiB)
    result = qcli("temp-content", "create", str(src), "-q", env=_env(emu))
    assert result.code == 0, result.err
    sizes = [p["bodySize"] for p in _patches(emu)]
    assert sizes[0] == 8 * MiB  # the documented default first
    # then whole MiB, at most 128 times the chunk before (how large depends on how fast each
    # PATCH was: tests/transfer/test_tus_client.py checks that rule with a fake clock)
    for before, after in itertools.pairwise(sizes[:-1]):
        assert after % MiB == 0 and MiB <= after <= 128 * before
    assert sum(sizes) == 40 * MiB
    assert _download(qcli, emu, result.out.strip(), tmp_path) == src.read_bytes()


def test_two_processes_uploading_one_file(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = _file(tmp_path, "shared.bin", 5 * MiB)
    # the first run's second PATCH is held before its answer until the rules are cleared
    emu.add_faults({"delay": 60, "at": "response", "method": "PATCH",
                    "path": "/api/v1/temp-contents/files/*", "nth": [2]})
    first = _start_upload(qcli, emu, src)
    try:
        emu.wait_for(lambda r: r.get("held") and r["method"] == "PATCH", alive=first)
        second = qcli("temp-content", "create", str(src), "--chunk-size", "1MiB", "-q",
                      env=_env(emu))
    finally:
        emu.clear_faults()
    assert second.code == 5
    assert "another qcli process is uploading" in second.err
    assert len(second.err.strip().splitlines()) == 1
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    posts = [r for r in emu.requests() if r["method"] == "POST"]
    assert len(posts) == 1  # the second process never created an upload
    assert _download(qcli, emu, out.strip(), tmp_path) == src.read_bytes()


def test_download_never_replaces_an_existing_file_under_the_contents_name(
    qcli: Qcli, emu: Emulator, tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()
    src = _file(tmp_path / "src", "report.csv", 2048)
    temp_id = qcli("temp-content", "create", str(src), "-q", env=_env(emu)).out.strip()
    precious = qcli.home / "report.csv"
    precious.write_text("precious\n")
    emu.clear_requests()
    result = qcli("temp-content", "download", temp_id, env=_env(emu))
    assert result.code == 2, result.err
    assert result.err == ("error: report.csv exists; pass --output-file report.csv to replace it, "
                          "or another name\n")
    assert precious.read_text() == "precious\n"
    assert not (qcli.home / "report.csv.part").exists()
    assert not [r for r in emu.requests() if r["path"].endswith(f"/{temp_id}")
                and r["method"] == "GET"]  # only the details were asked for
    # a .part of the same content under the default name still resumes
    precious.unlink()
    (qcli.home / "report.csv.part").write_bytes(src.read_bytes()[:1000])
    (qcli.home / "report.csv.part.json").write_text(json.dumps({"id": temp_id, "size": 2048}))
    resumed = qcli("temp-content", "download", temp_id, env=_env(emu))
    assert resumed.code == 0, resumed.err
    assert precious.read_bytes() == src.read_bytes()
    assert any(r["headers"].get("range") == "bytes=1000-" for r in emu.requests())
    precious.write_text("precious\n")
    # --output-file is explicit: replaced, as curl -o does
    again = qcli("temp-content", "download", temp_id, "--output-file", "report.csv",
                 env=_env(emu))
    assert again.code == 0, again.err
    assert precious.read_bytes() == src.read_bytes()
    # a name starting with '.' is not saved hidden (nor over a dot file)
    dot = qcli("temp-content", "create", str(src), "--filename", ".bashrc", "-q", env=_env(emu))
    assert dot.code == 0, dot.err
    saved = qcli("temp-content", "download", dot.out.strip(), env=_env(emu))
    assert saved.code == 0, saved.err
    assert not (qcli.home / ".bashrc").exists()
    assert (qcli.home / "_bashrc").read_bytes() == src.read_bytes()


def test_shown_details_are_the_servers_json_byte_for_byte(
        qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = _file(tmp_path, "bytes.bin", 1000)
    for how in ((), ("--single",)):
        made = qcli("temp-content", "create", str(src), *how, "-o", "json", env=_env(emu))
        assert made.code == 0, made.err
        temp_id = made.json()["ID"]
        raw_json = qcli("raw", "get", f"v1/temp-contents/{temp_id}/details", "-o", "json",
                        env=_env(emu))
        assert made.out == raw_json.out  # create prints the details as they came
        for fmt in ("json", "yaml", "table"):
            shown = qcli("temp-content", "get", temp_id, "-o", fmt, env=_env(emu))
            raw = qcli("raw", "get", f"v1/temp-contents/{temp_id}/details", "-o", fmt,
                       env=_env(emu))
            assert shown.code == raw.code == 0, shown.err + raw.err
            assert shown.out == raw.out and shown.out.strip(), fmt


def test_q_draws_no_progress_on_a_terminal(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    """A transfer draws a bar on a terminal's stderr; with -q the terminal gets nothing at all
    (upload, download, data-file create), and stdout has the ID alone."""
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 * 1024 * 1024))
    # hold one PATCH so that the bar is drawn while the upload is under way
    emu.add_faults({"delay": 0.5, "method": "PATCH", "path": "/api/v1/temp-contents/files/*",
                    "nth": [1]})
    code, text, out = qcli.on_a_terminal("temp-content", "create", str(big), "-o", "json",
                                         env=_env(emu))
    assert code == 0 and "MB" in text, text[-500:]
    temp_id = json.loads(out)["ID"]
    code, text, _ = qcli.on_a_terminal("data-file", "create", str(big), "--resumable",
                                       "--name", f"bar-{os.getpid()}.bin", env=_env(emu))
    assert code == 0 and "MB" in text, text[-500:]  # without -q: a bar
    emu.add_faults({"delay": 0.5, "method": "PATCH", "path": "/api/v1/temp-contents/files/*",
                    "nth": [1]})
    for args in (["temp-content", "create", str(big), "-q"],
                 ["temp-content", "download", temp_id, "--output-file", str(tmp_path / "back"),
                  "-q"],
                 ["data-file", "create", str(big), "--resumable", "--name",
                  f"q-{os.getpid()}.bin", "-q"]):  # staged: the upload draws a bar
        code, text, out = qcli.on_a_terminal(*args, env=_env(emu))
        assert code == 0 and text.strip() == "", (args, text[-500:])
        assert args[1] == "download" or len(out.split()) == 1, out
    assert (tmp_path / "back").read_bytes() == big.read_bytes()


def test_an_upload_without_a_writable_state_folder_still_goes(qcli: Qcli, emu: Emulator,
                                                              tmp_path: Path) -> None:
    """A container run as another user, its HOME read-only: the resumable upload goes without
    saving its state, with one warning naming the folder and XDG_STATE_HOME."""
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(3 * 1024 * 1024))
    no_state = {**_env(emu), "XDG_STATE_HOME": "/dev/null/state"}
    result = qcli("temp-content", "create", str(src), "--chunk-size", "1MiB", "-q", env=no_state)
    assert result.code == 0, result.err
    assert emu.download(f"/api/v1/temp-contents/{result.out.strip()}") == src.read_bytes()
    assert result.err.startswith("warning: cannot keep upload state in /dev/null/state/qcli/")
    assert "XDG_STATE_HOME" in result.err and len(result.err.splitlines()) == 1
    # a data file staged through temporary content, too (it keeps a note of its POST there)
    name = f"no-state-{os.getpid()}.bin"
    made = qcli("data-file", "create", str(src), "--resumable", "--chunk-size", "1MiB",
                "--name", name, "-o", "json", env=no_state)
    assert made.code == 0, made.err
    assert emu.data_file_bytes(made.json()["id"]) == src.read_bytes()


def test_a_download_from_a_server_that_never_answers_ends_near_timeout(qcli: Qcli,
                                                                       tmp_path: Path) -> None:
    """A request that got no answer is not tried again: the HTTP client's own tries already
    spent --timeout (five more tries took 5 x --timeout). A body cut after the answer began is
    (test_download_survives_a_dropped_connection, test_download_cut_part_way_...)."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:  # accept, read nothing, answer nothing
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        result = qcli("temp-content", "download", "abc", "--output-file",
                      str(tmp_path / "x.bin"), "--timeout", "2",
                      env={"QCLI_SERVER": f"http://127.0.0.1:{server.getsockname()[1]}",
                           "QCLI_API_KEY": API_KEY}, timeout=9)  # 5 x 2 s fails the test
    finally:
        stop.set()
        thread.join(5)
        for conn in accepted:
            conn.close()
        server.close()
    assert result.code == 6, result.err
    assert "timed out" in result.err and "resuming" not in result.err, result.err
