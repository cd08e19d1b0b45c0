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


def test_the_layers_below_the_cli_never_import_it() -> None:
    for package in ("api", "http", "config", "transfer", "output"):
        for module, names in _imports(package).items():
            assert not [n for n in names if n.startswith("qcli.cli")], module


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


def test_the_cli_layer_holds_no_http_details() -> None:
    """Status codes, Content-Disposition, timeouts and API paths belong to qcli.services and
    qcli.api: a command parses, calls one function, prints."""
    import re

    banned = re.compile(r"status_code|\.status\s*[=!]=|exc\.status\b|Content-Disposition|"
                        r"httpx\.Timeout")
    for path in (ROOT / "cli").rglob("*.py"):
        text = path.read_text()
        assert not banned.findall(text), (path.name, banned.findall(text))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and node.args:  # http.json("GET", "/api/v1/...")
                first = [a for a in node.args if isinstance(a, ast.Constant)
                         and isinstance(a.value, str) and a.value.startswith("/api/")]
                assert not first, (path.name, node.lineno)


def test_services_never_touch_an_http_response() -> None:
    """Downloads reach qcli.services as qcli.http.download.Download (status, filename, size,
    bytes): no status_code, headers or httpx.Response there."""
    import re

    banned = re.compile(r"status_code|\.headers\b|httpx\.Response")
    for path in (ROOT / "services").rglob("*.py"):
        text = path.read_text()
        assert not banned.findall(text), (path.name, banned.findall(text))
