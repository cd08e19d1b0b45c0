"""qcli data-file sync (and data-file create FILE...) against the emulator: the plan, --dry-run
from the request log, a 429 storm, a partial failure, and SIGKILL then the same command again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from conftest import API_KEY, Emulator, Qcli, module_emulator

FILES = "/api/v1/data-files"
WRITES = ("POST", "PUT", "PATCH", "DELETE")


own_emulator, emu = module_emulator("sync")


def _env(emu: Emulator) -> dict[str, str]:
    return {"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY}


def _tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return root


def _prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}/"


def _remote(qcli: Qcli, emu: Emulator, prefix: str) -> dict[str, dict[str, Any]]:
    result = qcli("data-file", "ls", "--folder-path", prefix.rstrip("/"), "-o", "json",
                  env=_env(emu))
    if result.code == 4 and "no folder" in result.err:  # nothing made under the prefix yet
        return {}
    assert result.code == 0, result.err
    items = result.json()
    names = [i["name"] for i in items]
    assert len(names) == len(set(names)), f"duplicate names: {names}"
    return {i["name"]: i for i in items}


def _sync(qcli: Qcli, emu: Emulator, *args: str) -> Any:
    return qcli("data-file", "sync", *args, "-o", "json", env=_env(emu))


def _changing(emu: Emulator) -> list[dict[str, Any]]:
    return [r for r in emu.requests() if r["method"] in WRITES]


def test_plan_create_update_skip_delete_with_unicode_nested_and_globs(
        qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    prefix = _prefix()
    tree = _tree(tmp_path / "src", {
        "same.csv": b"a" * 10, "grown.csv": b"b" * 10, "newer.csv": b"c" * 10,
        "deep/er/nested.csv": b"d" * 5, "café/naïve ü.csv": "é".encode() * 3,
        "skip.tmp": b"x", "logs/drop.log": b"y", "logs/keep.csv": b"z"})
    first = _sync(qcli, emu, str(tree), "--prefix", prefix)
    assert first.code == 0, first.err
    assert {r["action"] for r in first.json()} == {"create"}
    # the tenant now holds them all; change the folder in every way the plan reads
    (tree / "grown.csv").write_bytes(b"b" * 11)
    later = time.time() + 5
    os.utime(tree / "newer.csv", (later, later))
    (tree / "same.csv").write_bytes(b"a" * 10)
    os.utime(tree / "same.csv", (time.time() - 3600, time.time() - 3600))
    (tree / "deep/er/nested.csv").unlink()
    (tree / "fresh/ñew.csv").parent.mkdir()
    (tree / "fresh/ñew.csv").write_bytes(b"n")
    outside = qcli("data-file", "create", str(tree / "logs/keep.csv"), "--name",
                   f"elsewhere-{prefix.rstrip('/')}.csv", "-o", "json", env=_env(emu))
    assert outside.code == 0, outside.err
    emu.clear_requests()
    plan = _sync(qcli, emu, str(tree), "--prefix", prefix, "--include", "*.csv",
                 "--include", "logs/*", "--exclude", "logs/*.log", "--delete", "--dry-run")
    assert plan.code == 0, plan.err
    actions = {r["name"]: r["action"] for r in plan.json()}
    assert actions == {
        f"{prefix}same.csv": "skip", f"{prefix}grown.csv": "update",
        f"{prefix}newer.csv": "update", f"{prefix}deep/er/nested.csv": "delete",
        f"{prefix}café/naïve ü.csv": "skip", f"{prefix}fresh/ñew.csv": "create",
        f"{prefix}logs/keep.csv": "skip"}  # skip.tmp: not included; drop.log: excluded, kept
    assert {r["status"] for r in plan.json()} == {"planned"}
    names = qcli("data-file", "sync", str(tree), "--prefix", prefix, "--include", "*.csv",
                 "--include", "logs/*", "--exclude", "logs/*.log", "--delete", "--dry-run",
                 "-q", env=_env(emu))  # -q: the names, as without --dry-run
    assert sorted(names.out.splitlines()) == sorted(actions), names.err
    assert _changing(emu) == [], "--dry-run sent a request that changes the tenant"
    assert emu.requests(), "the plan reads the tenant"
    before = _remote(qcli, emu, prefix)
    assert f"{prefix}deep/er/nested.csv" in before and f"{prefix}logs/drop.log" in before

    done = _sync(qcli, emu, str(tree), "--prefix", prefix, "--include", "*.csv",
                 "--include", "logs/*", "--exclude", "logs/*.log", "--delete", "--yes")
    assert done.code == 0, done.err
    assert {r["name"]: r["action"] for r in done.json()} == actions
    assert {r["status"] for r in done.json()} == {"ok"}
    after = _remote(qcli, emu, prefix)
    assert set(after) == {f"{prefix}{n}" for n in (
        "same.csv", "grown.csv", "newer.csv", "café/naïve ü.csv", "fresh/ñew.csv",
        "logs/keep.csv", "logs/drop.log", "skip.tmp")}  # left out by the globs: kept
    assert after[f"{prefix}grown.csv"]["size"] == 11


def test_second_sync_with_nothing_changed_only_lists(qcli: Qcli, emu: Emulator,
                                                     tmp_path: Path) -> None:
    prefix = _prefix()
    tree = _tree(tmp_path / "src", {f"d{i}/f{i}.csv": os.urandom(100 + i) for i in range(12)})
    assert _sync(qcli, emu, str(tree), "--prefix", prefix).code == 0
    emu.clear_requests()
    again = _sync(qcli, emu, str(tree), "--prefix", prefix)
    assert again.code == 0, again.err
    assert {r["action"] for r in again.json()} == {"skip"}
    log = emu.requests()
    assert log and all(r["method"] == "GET" and r["path"] == FILES for r in log), log


def test_delete_off_a_terminal_needs_yes_before_any_request(qcli: Qcli, emu: Emulator,
                                                            tmp_path: Path) -> None:
    tree = _tree(tmp_path / "src", {"a.csv": b"a"})
    result = _sync(qcli, emu, str(tree), "--prefix", _prefix(), "--delete")
    assert result.code == 2
    assert "--yes" in result.err and result.out == ""
    no_prefix = _sync(qcli, emu, str(tree), "--delete", "--yes")
    assert no_prefix.code == 2 and "--prefix" in no_prefix.err
    missing = _sync(qcli, emu, str(tmp_path / "nope"))
    assert missing.code == 2 and "no such directory" in missing.err
    assert emu.requests() == []


def test_a_429_storm_is_survived_with_no_failure(qcli: Qcli, emu: Emulator,
                                                 tmp_path: Path) -> None:
    prefix = _prefix()
    tree = _tree(tmp_path / "src", {f"f{i:02}.csv": os.urandom(200) for i in range(20)})
    # 36 creates in a row answered 429: each of the 6 workers' first request meets six of them,
    # more than the five tries a request has for other failures
    emu.add_faults({"status": 429, "retryAfter": "0.2", "method": "POST", "path": FILES,
                    "times": 36})
    result = qcli("data-file", "sync", str(tree), "--prefix", prefix, "--parallel", "6",
                  "-o", "json", env=_env(emu))
    assert result.code == 0, result.err
    assert {r["status"] for r in result.json()} == {"ok"}
    assert "retrying" not in result.err  # the 429s are counted, not announced one by one
    throttled = [r for r in emu.requests() if r.get("status") == 429]
    assert len(throttled) == 36
    assert set(_remote(qcli, emu, prefix)) == {f"{prefix}f{i:02}.csv" for i in range(20)}


def test_a_429_holds_every_worker_until_its_retry_after(qcli: Qcli, emu: Emulator,
                                                        tmp_path: Path) -> None:
    tree = _tree(tmp_path / "src", {f"f{i:03}.csv": os.urandom(50) for i in range(150)})
    emu.add_faults({"status": 429, "retryAfter": "1", "method": "POST", "path": FILES,
                    "nth": [4]})
    result = qcli("data-file", "sync", str(tree), "--prefix", _prefix(), "--parallel", "4",
                  "-o", "json", env=_env(emu))
    assert result.code == 0, result.err
    log = emu.requests()
    limited = next(r for r in log if r.get("status") == 429)
    # requests already on their way may still arrive; then nothing until the second is over
    quiet = [r for r in log if limited["time"] + 0.2 < r["time"] < limited["time"] + 0.9]
    assert quiet == [], f"{len(quiet)} requests sent while every worker should wait"
    assert any(r["time"] >= limited["time"] + 0.95 for r in log)


def test_tiers_on_all_workers_back_off_together(qcli: Qcli, tmp_path: Path) -> None:
    # Tier 2: a burst of 100 writes, then 100 a 6-second "minute" (16.7 a second)
    emu = Emulator(tmp_path / "emu", extra=["--faults", "rate-limit scale=0.1"]).start()
    try:
        tree = _tree(tmp_path / "src", {f"f{i:03}.csv": b"x" * 50 for i in range(140)})
        started = time.monotonic()
        result = qcli("data-file", "sync", str(tree), "--parallel", "8", "-o", "json",
                      env=_env(emu))
        elapsed = time.monotonic() - started
        assert result.code == 0, result.err
        assert len(result.json()) == 140 and {r["status"] for r in result.json()} == {"ok"}
        limited = [r for r in emu.requests() if r.get("fault") == "rate-limit"]
        assert limited, "the tier was not reached: the test proves nothing"
        # a 429 holds every worker: far fewer 429s than requests past the tier's burst
        assert len(limited) < 40, len(limited)
        assert elapsed < 2.4 * 1.5 + 2  # the tier's least time for 140 writes, plus start-up
    finally:
        emu.stop()


def test_partial_failure_exits_1_with_the_rest_done(qcli: Qcli, emu: Emulator,
                                                    tmp_path: Path) -> None:
    prefix = _prefix()
    tree = _tree(tmp_path / "src", {f"f{i}.csv": os.urandom(300) for i in range(6)})
    emu.add_faults({"status": 400, "method": "POST", "path": FILES, "nth": [3]})
    result = _sync(qcli, emu, str(tree), "--prefix", prefix)
    assert result.code == 1
    rows = result.json()
    failed = [r for r in rows if r["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["error"]
    assert len([r for r in rows if r["status"] == "ok" and r["id"]]) == 5
    assert f"{failed[0]['name']}:" in result.err and "1 of 6 items failed" in result.err
    assert len(_remote(qcli, emu, prefix)) == 5
    emu.clear_faults()
    again = _sync(qcli, emu, str(tree), "--prefix", prefix)
    assert again.code == 0
    assert [r["name"] for r in again.json() if r["action"] == "create"] == [failed[0]["name"]]


def test_create_several_files_in_parallel(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    paths = []
    for i in range(5):
        path = tmp_path / f"{tag}-{i}.csv"
        path.write_bytes(os.urandom(500))
        paths.append(str(path))
    result = qcli("data-file", "create", *paths, "--parallel", "3", "-o", "json", env=_env(emu))
    assert result.code == 0, result.err
    rows = result.json()
    assert sorted(r["name"] for r in rows) == sorted(Path(p).name for p in paths)
    assert all(r["action"] == "create" and r["status"] == "ok" and r["id"] for r in rows)
    again = qcli("data-file", "create", *paths, "-o", "json", env=_env(emu))
    assert again.code == 5, again.err  # every name is taken: each fails as a single create does
    assert {r["status"] for r in again.json()} == {"failed"}
    assert "5 of 5 uploads failed" in again.err
    clash = tmp_path / "other"
    clash.mkdir()
    (clash / f"{tag}-0.csv").write_bytes(b"different size")
    (clash / f"{tag}-new.csv").write_bytes(b"new")
    mixed = qcli("data-file", "create", str(clash / f"{tag}-0.csv"), str(clash / f"{tag}-new.csv"),
                 "-o", "json", env=_env(emu))
    assert mixed.code == 1  # some failed, the rest done
    assert [r["status"] for r in mixed.json()] == ["failed", "ok"]
    assert "already exists" in mixed.json()[0]["error"]
    dup = qcli("data-file", "create", paths[0], str(clash / f"{tag}-0.csv"), env=_env(emu))
    assert dup.code == 2 and "same name" in dup.err


# -- SIGKILL, then the same command again -------------------------------------------------------

# over the 8 MiB threshold: through resumable temp content; over 12 MiB: two PATCHes (8 MiB,
# then the rest; a rest of at most half the first chunk would go with it)
BIG = 13 * 1024 * 1024
KILL_POINTS = [
    ("after the 3rd create landed, answer unheard", "POST", FILES, 3, "response"),
    ("before the 7th create is read", "POST", FILES, 7, "request"),
    ("mid the large file's 2nd PATCH", "PATCH", "/api/v1/temp-contents/files/*", 2, "body"),
]


def _kill_at(qcli: Qcli, emu: Emulator, args: list[str],
             point: tuple[str, str, str, int, str]) -> None:
    """Run qcli, SIGKILL it once the emulator holds the request of `point`, and let that held
    request end on the server's side (landing or not)."""
    import fnmatch

    _, method, glob, nth, at = point
    emu.add_faults({"delay": 1.0, "at": at, "afterBytes": 512 * 1024, "method": method,
                    "path": glob, "nth": [nth]})
    proc = subprocess.Popen([sys.executable, "-m", "qcli", *args],
                            env=dict(qcli.env, **_env(emu)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    emu.wait_for(lambda r: bool(r.get("held")) and r["method"] == method
                 and fnmatch.fnmatchcase(r["path"], glob), alive=proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    emu.clear_faults()
    time.sleep(1.2)


def _rerun_sends_nothing_finished(qcli: Qcli, emu: Emulator, tree: Path, prefix: str,
                                  then: tuple[str, str, str, int, str] | None = None,
                                  parallel: str = "2") -> None:
    """The tenant as it is; then the same sync again (killed at `then`, or to the end): no
    file that was there is sent again."""
    there = _remote(qcli, emu, prefix)
    emu.clear_requests()
    if then is None:
        again = _sync(qcli, emu, str(tree), "--prefix", prefix)
        assert again.code == 0, again.err
        for name in there:
            assert next(r for r in again.json() if r["name"] == name)["action"] == "skip"
    else:
        _kill_at(qcli, emu, ["data-file", "sync", str(tree), "--prefix", prefix,
                             "--parallel", parallel], then)
    for request in emu.requests():
        if request["method"] == "POST" and request["path"] == FILES and request["body"]:
            model = json.loads(request["body"].split("\r\n\r\n", 1)[1].split("\r\n", 1)[0])
            assert model["name"] not in there, f"{model['name']} was sent again"
        if request["method"] == "PATCH":  # a large file's bytes: only while it is not there
            assert prefix + "big.bin" not in there


def _matches(qcli: Qcli, emu: Emulator, prefix: str, files: dict[str, bytes]) -> None:
    after = _remote(qcli, emu, prefix)
    assert set(after) == {prefix + n for n in files}
    assert all(after[prefix + n]["size"] == len(c) for n, c in files.items())


def _kill_tree(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    files = {f"s/f{i:02}.csv": os.urandom(1000 + i) for i in range(10)}
    files["big.bin"] = os.urandom(BIG)
    return _tree(tmp_path / "src", files), files


@pytest.mark.parametrize("point", KILL_POINTS, ids=[p[0] for p in KILL_POINTS])
def test_sigkill_then_rerun_matches_the_folder(qcli: Qcli, emu: Emulator, tmp_path: Path,
                                               point: tuple[str, str, str, int, str]) -> None:
    prefix = _prefix()
    tree, files = _kill_tree(tmp_path)
    _kill_at(qcli, emu, ["data-file", "sync", str(tree), "--prefix", prefix, "--parallel", "2"],
             point)
    _rerun_sends_nothing_finished(qcli, emu, tree, prefix)
    _matches(qcli, emu, prefix, files)
    third = _sync(qcli, emu, str(tree), "--prefix", prefix)
    assert {r["action"] for r in third.json()} == {"skip"}


def test_killed_again_and_again_then_finished(qcli: Qcli, emu: Emulator,
                                              tmp_path: Path) -> None:
    """Three runs killed at different points, each re-run going on from the last (one worker:
    the large file first, so each point is reached); the fourth finishes: the space matches
    the folder and nothing finished was ever sent again."""
    prefix = _prefix()
    tree, files = _kill_tree(tmp_path)
    args = ["data-file", "sync", str(tree), "--prefix", prefix, "--parallel", "1"]
    _kill_at(qcli, emu, args, ("mid the large file's first PATCH", "PATCH",
                               "/api/v1/temp-contents/files/*", 1, "body"))
    _rerun_sends_nothing_finished(qcli, emu, tree, prefix, parallel="1", then=(
        "the large file's data-file POST landed, answer unheard", "POST", FILES, 1, "response"))
    assert _remote(qcli, emu, prefix).keys() == {prefix + "big.bin"}
    _rerun_sends_nothing_finished(qcli, emu, tree, prefix, parallel="1", then=(
        "before the 4th small create is read", "POST", FILES, 4, "request"))
    _rerun_sends_nothing_finished(qcli, emu, tree, prefix)
    _matches(qcli, emu, prefix, files)


def test_ctrl_c_stops_at_once_and_the_rerun_finishes(qcli: Qcli, emu: Emulator,
                                                    tmp_path: Path) -> None:
    prefix = _prefix()
    tree, files = _kill_tree(tmp_path)
    emu.add_faults({"delay": 4, "method": "POST", "path": FILES, "nth": [2]})
    proc = subprocess.Popen([sys.executable, "-m", "qcli", "data-file", "sync", str(tree),
                             "--prefix", prefix, "--parallel", "3"],
                            env=dict(qcli.env, **_env(emu)), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    emu.wait_for(lambda r: bool(r.get("held")), alive=proc)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert time.monotonic() - sent < 2.5, "waited for the held request"
    assert "interrupted" in err and "Traceback" not in err
    emu.clear_faults()
    time.sleep(4.2)  # the held request ends on the server's side
    _rerun_sends_nothing_finished(qcli, emu, tree, prefix)
    _matches(qcli, emu, prefix, files)


def test_one_progress_line_on_a_terminal_none_without_or_with_q(qcli: Qcli, emu: Emulator,
                                                                tmp_path: Path) -> None:
    tree = _tree(tmp_path / "src", {f"f{i:02}.csv": os.urandom(2000) for i in range(29)})
    (tree / "big.bin").write_bytes(os.urandom(BIG))  # its upload draws no bar of its own
    # the display updates as files finish: hold a few creates so it is drawn more than once
    emu.add_faults({"delay": 0.3, "method": "POST", "path": FILES, "nth": [5, 15, 25]})
    code, text, out = qcli.on_a_terminal("data-file", "sync", str(tree), "--prefix", _prefix(),
                                         "-o", "json", "--parallel", "2", env=_env(emu))
    assert code == 0, text[-1000:]
    assert "/30 files" in text and "Traceback" not in text, text[-500:]
    assert json.loads(out) and b"files" not in out  # stdout: data only
    code, text, out = qcli.on_a_terminal("data-file", "sync", str(tree), "--prefix", _prefix(),
                                         "-o", "json", "-q", env=_env(emu))
    assert code == 0 and "files" not in text and text.strip() == ""
    plain = _sync(qcli, emu, str(tree), "--prefix", _prefix())  # stderr is a pipe here
    assert plain.code == 0 and plain.err == ""


def test_sync_into_a_shared_space_leaves_the_personal_one_alone(qcli: Qcli, emu: Emulator,
                                                               tmp_path: Path) -> None:
    conns = qcli("data-file", "connection", "ls", "-o", "json", env=_env(emu)).json()
    shared = next(c for c in conns if c.get("spaceId"))
    prefix = _prefix()
    tree = _tree(tmp_path / "src", {"a.csv": b"a", "b/c.csv": b"bc"})
    personal = _sync(qcli, emu, str(tree), "--prefix", prefix)  # the same names, personal space
    assert personal.code == 0
    (tree / "a.csv").unlink()
    done = _sync(qcli, emu, str(tree), "--prefix", prefix, "--connection-id", shared["id"])
    assert done.code == 0, done.err
    assert [r["action"] for r in done.json()] == ["create"]  # b/c.csv: that space had none
    listed = qcli("data-file", "ls", "--connection-id", shared["id"], "--folder-path",
                  prefix.rstrip("/"), "-o", "json", env=_env(emu)).json()
    assert [(i["name"], i["spaceId"]) for i in listed] == [(f"{prefix}b/c.csv", shared["spaceId"])]
    gone = _sync(qcli, emu, str(tree), "--prefix", prefix, "--connection-id", shared["id"],
                 "--delete", "--yes")
    assert [r["action"] for r in gone.json()] == ["skip"]
    assert set(_remote(qcli, emu, prefix)) == {f"{prefix}a.csv", f"{prefix}b/c.csv"}


def test_the_display_counts_a_large_files_bytes_as_they_go(qcli: Qcli, emu: Emulator,
                                                           tmp_path: Path) -> None:
    import re

    tree = _tree(tmp_path / "src", {"big.bin": os.urandom(BIG)})
    # hold the answer to the second PATCH: the first 8 MiB are sent, the file is not done
    emu.add_faults({"delay": 1.0, "at": "response", "method": "PATCH",
                    "path": "/api/v1/temp-contents/files/*", "nth": [2]})
    code, text, _ = qcli.on_a_terminal("data-file", "sync", str(tree), "--prefix", _prefix(),
                                       "-o", "json", env=_env(emu))
    assert code == 0, text[-1000:]
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    part = [float(m) for m in re.findall(r"0/1 files\s+([0-9.]+)/", plain)]
    assert any(p > 0 for p in part), text[-1000:]
