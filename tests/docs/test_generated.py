"""completions/ and man/ are generated from the command tree and must be current."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import gen_completions  # noqa: E402
import gen_man  # noqa: E402


def test_completion_scripts_are_current() -> None:
    for name, text in gen_completions.render().items():
        committed = (ROOT / "completions" / name).read_text()
        assert committed == text, f"completions/{name} is stale: run 'make completions'"
    assert (ROOT / "completions" / "_qcli").read_text().startswith("#compdef qcli\n")


def test_completion_index_is_current() -> None:
    """qcli/cli/completion_index.py answers a TAB without loading typer: it must be the
    command tree as it is now (a new command, option or choice not in it would never complete)."""
    committed = gen_completions.INDEX.read_text()
    assert committed == gen_completions.render_index(), (
        "qcli/cli/completion_index.py is stale: run 'make completions'")


def test_the_json_the_package_reads_is_package_data() -> None:
    import tomllib

    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = conf["tool"]["setuptools"]["package-data"]["qcli"]
    assert "api/schemas.json" in data  # qcli.api.models builds its models from it


def test_man_pages_are_current_and_carry_options_and_examples() -> None:
    pages = gen_man.render()
    committed = {p.name for p in (ROOT / "man").glob("*.1")}
    assert committed == set(pages), "man/ is stale: run 'make man'"
    for name, text in pages.items():
        assert (ROOT / "man" / name).read_text() == text, f"man/{name} is stale: run 'make man'"
    create = pages["qcli-extension-create.1"]
    assert "\\-\\-tag TAG" in create
    assert "qcli extension create ./my\\-chart" in create
    assert "QCLI_API_KEY" in pages["qcli.1"]


def test_man_pages_render_without_groff_warnings() -> None:
    if shutil.which("groff") is None:
        pytest.skip("groff is not installed here (Debian package groff-base)")
    for page in sorted((ROOT / "man").glob("*.1")):
        proc = subprocess.run(["groff", "-ww", "-man", "-Tutf8", str(page)],
                              capture_output=True, text=True)
        assert proc.returncode == 0
        assert proc.stderr == "", f"{page.name}: {proc.stderr}"
