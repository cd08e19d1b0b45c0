"""qcli extension deploy PATH...: create, update by qextFilename, skip on the same checksum (or
version and size without one), the output and exit rules, and a re-run after SIGKILL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

from conftest import API_KEY, Emulator, Qcli, make_extension_dir, module_emulator

EXT = "/api/v1/extensions"


own_emulator, emu = module_emulator("deploy")


def _env(emu: Emulator) -> dict[str, str]:
    return {"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY}


def _deploy(qcli: Qcli, emu: Emulator, *paths: Path | str, extra: tuple[str, ...] = ()) -> Any:
    return qcli("extension", "deploy", *map(str, paths), *extra, "-o", "json", env=_env(emu))


def _names() -> tuple[str, str]:
    tag = uuid.uuid4().hex[:6]
    return f"chart-{tag}", f"maps-{tag}"


def _tenant(emu: Emulator) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for ext in emu._call("GET", EXT)["data"]:
        assert ext["qextFilename"] not in found, "two extensions with one qextFilename"
        found[ext["qextFilename"]] = ext
    return found


def test_create_then_skip_then_update_only_what_changed(qcli: Qcli, emu: Emulator,
                                                        tmp_path: Path) -> None:
    chart, maps = _names()
    one = make_extension_dir(tmp_path / "src", chart)
    two = make_extension_dir(tmp_path / "src", maps)
    plan = _deploy(qcli, emu, one, two, extra=("--dry-run",))
    assert plan.code == 0, plan.err
    assert [(r["action"], r["status"]) for r in plan.json()] == [("create", "planned")] * 2
    assert [r["method"] for r in emu.requests()] == ["GET"]
    first = _deploy(qcli, emu, one, two)
    assert first.code == 0, first.err
    assert [(r["name"], r["action"], r["status"]) for r in first.json()] == [
        (chart, "create", "ok"), (maps, "create", "ok")]
    ids = {r["name"]: r["id"] for r in first.json()}
    assert {n: _tenant(emu)[n]["id"] for n in ids} == ids

    # a fresh checkout: same files, new mtimes; the stable zip keeps the checksum
    copy = tmp_path / "checkout"
    shutil.copytree(tmp_path / "src", copy)
    later = time.time() + 86400
    for path in copy.rglob("*"):
        os.utime(path, (later, later))
    emu.clear_requests()
    again = _deploy(qcli, emu, copy / chart, copy / maps)
    assert again.code == 0, again.err
    assert [r["action"] for r in again.json()] == ["skip", "skip"]
    assert [r["method"] for r in emu.requests()] == ["GET"]

    (copy / maps / "lib" / "helper.js").write_text("// changed\n")
    emu.clear_requests()
    third = _deploy(qcli, emu, copy / chart, copy / maps)
    assert third.code == 0, third.err
    assert [(r["name"], r["action"], r["id"]) for r in third.json()] == [
        (chart, "skip", ids[chart]), (maps, "update", ids[maps])]
    assert [(r["method"], r["path"]) for r in emu.requests()] == [
        ("GET", EXT), ("PATCH", f"{EXT}/{ids[maps]}")]
    assert _tenant(emu)[maps]["id"] == ids[maps]  # updated in place, not a second one


def test_zip_and_version_and_size_without_a_checksum(qcli: Qcli, emu: Emulator,
                                                     tmp_path: Path) -> None:
    from qcli.services.deploy import Local, unchanged

    chart, _ = _names()
    folder = make_extension_dir(tmp_path / "src", chart)
    archive = tmp_path / f"{chart}.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    created = _deploy(qcli, emu, archive)
    assert created.code == 0 and created.json()[0]["action"] == "create"
    assert _deploy(qcli, emu, archive).json()[0]["action"] == "skip"
    there = dict(_tenant(emu)[chart], checksum=None)
    from qcli.transfer.archive import load_archive

    local = Local(str(archive), load_archive(str(archive)), chart, "1.2.3", "x" * 64)
    assert unchanged(local, there)  # no checksum: version and size agree
    assert not unchanged(Local(local.path, local.archive, chart, "1.2.4", "x" * 64), there)


def test_bad_path_exits_2_before_any_request_and_partial_failure_exits_1(
        qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    chart, maps = _names()
    good = make_extension_dir(tmp_path / "src", chart)
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = _deploy(qcli, emu, good, empty)
    assert bad.code == 2 and "no .qext" in bad.err and bad.out == ""
    twice = _deploy(qcli, emu, good, good)
    assert twice.code == 2 and "same extension" in twice.err
    assert emu.requests() == []
    other = make_extension_dir(tmp_path / "src", maps)
    emu.add_faults({"status": 500, "method": "POST", "path": EXT, "nth": [1]})
    result = _deploy(qcli, emu, good, other, extra=("--parallel", "1"))
    assert result.code == 1
    assert [r["status"] for r in result.json()] == ["failed", "ok"]
    assert f"{chart}:" in result.err and "1 of 2 extensions failed" in result.err
    emu.clear_faults()
    rerun = _deploy(qcli, emu, good, other)
    assert [r["action"] for r in rerun.json()] == ["create", "skip"]


def test_sigkill_after_a_create_landed_then_rerun_skips_it(qcli: Qcli, emu: Emulator,
                                                           tmp_path: Path) -> None:
    chart, maps = _names()
    paths = [make_extension_dir(tmp_path / "src", n) for n in (chart, maps)]
    emu.add_faults({"delay": 1.5, "at": "response", "method": "POST", "path": EXT, "nth": [1]})
    proc = subprocess.Popen([sys.executable, "-m", "qcli", "extension", "deploy",
                             *map(str, paths), "--parallel", "1"],
                            env=dict(qcli.env, **_env(emu)), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    emu.wait_for(lambda r: bool(r.get("held")) and r["method"] == "POST", alive=proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    emu.clear_faults()
    time.sleep(1.7)
    rerun = _deploy(qcli, emu, *paths)
    assert rerun.code == 0, rerun.err
    assert [r["action"] for r in rerun.json()] == ["skip", "create"]
    tenant = _tenant(emu)
    assert chart in tenant and maps in tenant
    assert json.dumps(rerun.json())  # the results are JSON
