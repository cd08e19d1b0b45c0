"""The package layers, read from the source: no cycle between qcli.api and qcli.transfer, and
the CLI layer holds no HTTP details (status codes, Content-Disposition, httpx.Timeout, paths)."""

from __future__ import annotations

import ast
from pathlib import Path

import qcli

ROOT = Path(qcli.__file__).parent


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = names
    return found


def test_api_and_transfer_do_not_import_each_other() -> None:
    for module, names in _imports("api").items():
        assert not [n for n in names if n.startswith("qcli.transfer")], module
    for module, names in _imports("transfer").items():
        assert not [n for n in names if n.startswith("qcli.api")], module


def test_app_api_builds_each_api_once_on_the_one_client() -> None:
    from qcli.app import Application

    class FakeApi:
        def __init__(self, http: object):
            self.http = http

    app = Application()
    app.__dict__["http"] = sentinel = object()
    first = app.api(FakeApi)
    assert first is app.api(FakeApi) and first.http is sentinel
    from qcli.api.extensions import ExtensionsApi

    assert isinstance(app.extensions, ExtensionsApi) and app.extensions is app.api(ExtensionsApi)
