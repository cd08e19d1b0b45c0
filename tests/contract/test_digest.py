"""The committed spec digest: current with ../shared/api-specs, and facts only."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIGEST = ROOT / "tests" / "contract" / "specs.json"


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("spec_digest", ROOT / "scripts" / "spec_digest.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["spec_digest"] = module
    spec.loader.exec_module(module)
    return module


def _assert_current(spec_dir: Path, digest: Path) -> None:
    fresh = _script().render(_script().digest(spec_dir))
    assert digest.read_text(encoding="utf-8") == fresh, (
        f"tests/contract/specs.json is stale against {spec_dir}: run `make specs` and commit it")


def test_the_digest_is_current_with_the_specs() -> None:
    spec_dir = _script().find_spec_dir()
    if spec_dir is None:
        pytest.skip("no shared/api-specs beside this clone: the committed digest is used as is")
    _assert_current(spec_dir, DIGEST)


def test_a_stale_digest_fails_and_make_specs_mends_it(tmp_path: Path) -> None:
    """One new enum value in a spec makes the committed digest stale; the script's output (what
    `make specs` writes) is current again."""
    spec_dir = _script().find_spec_dir()
    if spec_dir is None:
        pytest.skip("no shared/api-specs beside this clone")
    specs = tmp_path / "api-specs"
    shutil.copytree(spec_dir, specs)
    files = json.loads((specs / "data-files.json").read_text(encoding="utf-8"))
    files["components"]["schemas"]["ErrorCode"]["enum"].append("DF-027")
    (specs / "data-files.json").write_text(json.dumps(files), encoding="utf-8")
    with pytest.raises(AssertionError, match=r"stale against .*: run `make specs` and commit it"):
        _assert_current(specs, DIGEST)
    out = tmp_path / "specs.json"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "spec_digest.py"), str(specs),
                          str(out)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    _assert_current(specs, out)
    assert "DF-027" in out.read_text(encoding="utf-8")
    assert "DF-027" not in DIGEST.read_text(encoding="utf-8")


def _keyword_keys(node: Any, key: str | None = None) -> set[str]:
    """Every key used as an OpenAPI/JSON Schema keyword (not a name in a map of names)."""
    script = sys.modules.get("spec_digest") or _script()
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= _keyword_keys(item)
    elif isinstance(node, dict):
        names = key in script.NAME_MAPS
        for k, v in node.items():
            if not names:
                found.add(k)
            found |= _keyword_keys(v, None if names else k)
    return found


def test_the_digest_holds_no_prose_or_samples() -> None:
    digest = json.loads(DIGEST.read_text(encoding="utf-8"))
    assert set(digest) == {"data-assets", "data-files", "data-sets", "data-stores", "extensions",
                           "temp-contents"}
    keywords = set()
    for api in digest.values():
        keywords |= _keyword_keys(api["paths"], "paths")
        keywords |= _keyword_keys(api["components"])
    assert not keywords & {"description", "summary", "title", "example", "examples", "externalDocs",
                           "tags", "info"}
    assert not [k for k in keywords if k.startswith("x-")]
    # and the facts are there: an enum, a required list, readOnly, a parameter default
    files = digest["data-files"]["components"]["schemas"]
    assert "DF-026" in files["ErrorCode"]["enum"]
    assert files["DataFileUploadResponse"]["required"][:2] == ["actions", "createdDate"]
    stores = digest["data-stores"]
    assert stores["components"]["schemas"]["DataStore"]["properties"]["tenantId"]["readOnly"]
    page = [p for p in stores["paths"]["/api/v1/data-stores"]["get"]["parameters"]
            if p["name"] == "page"]
    assert page[0]["schema"]["default"] == 0


def test_the_script_keeps_property_names_that_look_like_prose(tmp_path: Path) -> None:
    spec = {"openapi": "3.0.0", "info": {"title": "t", "description": "d"}, "paths": {},
            "components": {"schemas": {"S": {"type": "object", "description": "prose",
                                              "example": {"a": 1},
                                              "properties": {"description": {
                                                  "type": "string", "description": "prose"}}}}}}
    (tmp_path / "x.json").write_text(json.dumps(spec))
    script = _script()
    out = script.digest(tmp_path)["x"]["components"]["schemas"]["S"]
    assert out == {"type": "object", "properties": {"description": {"type": "string"}}}


def test_the_models_facts_are_current_with_the_digest() -> None:
    """qcli/api/schemas.json (what qcli.api.models builds its models from) is what `make specs`
    derives from the committed digest."""
    script = _script()
    facts = ROOT / "qcli" / "api" / "schemas.json"
    fresh = script.render(script.model_facts(json.loads(DIGEST.read_text(encoding="utf-8"))))
    assert facts.read_text(encoding="utf-8") == fresh, (
        "qcli/api/schemas.json is stale against tests/contract/specs.json: run `make specs`")
    store = json.loads(fresh)["data-stores"]["DataStore"]
    assert store["properties"]["type"] == {"maxLength": 64, "minLength": 1, "type": "string"}
    assert store["properties"]["tags"] == {"items": "string", "type": "array"}
    assert store["properties"]["tenantId"]["readOnly"] and store["required"] == [
        "technicalName", "type"]
