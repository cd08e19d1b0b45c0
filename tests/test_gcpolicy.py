"""qcli/gcpolicy.py: the start-up thresholds end when the command is ready to work (so a long
listing collects garbage as Python would), and a process where main did not start the policy
(the in-process tests) keeps Python's collector untouched. Each check runs in a fresh Python."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _run(code: str, home: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QCLI_")}
    env["QCLI_CONFIG_DIR"] = str(home)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_building_the_http_client_brings_back_pythons_thresholds_and_freezes_startup(
        tmp_path: Path) -> None:
    out = _run(
        "import gc; from qcli import gcpolicy; default = gc.get_threshold(); "
        "gcpolicy.starting(); during = gc.get_threshold(); "
        "from qcli.app import Application; app = Application(); "
        "app.options.server = 'http://127.0.0.1:9'; app.env['QCLI_API_KEY'] = 'k'; app.http; "
        "print(during[0] > default[0], gc.get_threshold() == default, gc.get_freeze_count() > 0)",
        tmp_path)
    assert out == "True True True"


def test_without_starting_ready_and_ending_change_nothing(tmp_path: Path) -> None:
    out = _run(
        "import gc; from qcli import gcpolicy; default = gc.get_threshold(); "
        "gcpolicy.ready(); gcpolicy.ending(); "
        "print(gc.get_threshold() == default, gc.get_freeze_count())", tmp_path)
    assert out == "True 0"


def test_main_leaves_pythons_thresholds_after_a_command(tmp_path: Path) -> None:
    out = _run(
        "import gc, io, sys; from qcli.main import main; default = gc.get_threshold(); "
        "sys.stdout = io.StringIO(); rc = main(['context', 'ls', '-o', 'json']); "
        "sys.stdout = sys.__stdout__; print(rc, gc.get_threshold() == default)", tmp_path)
    assert out == "0 True"
