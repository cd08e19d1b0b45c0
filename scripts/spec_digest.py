"""Digest Qlik's OpenAPI documents into the facts the contract tests need, and nothing else.

    python scripts/spec_digest.py [SPEC_DIR] [OUT]     (`make specs`)

Kept: paths, methods, operationIds, parameters (name, in, required, style, explode, schema),
request bodies and responses (media types, schemas, headers), status codes, and every schema
keyword that constrains a value (type, format, enum, required, readOnly, nullable, pattern,
minimum/maximum, lengths, items, properties, additionalProperties, allOf/oneOf/anyOf, default,
$ref). Dropped: all prose and samples (description, summary, title, example(s), externalDocs,
tags, info) and vendor extensions (x-*). The output is sorted, so a regenerated digest diffs
cleanly; `tests/contract/test_digest.py` fails when the committed one is stale.

It also writes qcli/api/schemas.json from the digest: each component schema's properties
(type, item type, string lengths, readOnly) and required list, what qcli/api/models.py builds
its models from.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def find_spec_dir() -> Path | None:
    """`shared/api-specs` beside the repository or beside one of its parents (a worktree)."""
    for parent in ROOT.parents:
        candidate = parent / "shared" / "api-specs"
        if candidate.is_dir():
            return candidate
    return None


OUT = ROOT / "tests" / "contract" / "specs.json"
MODEL_FACTS = ROOT / "qcli" / "api" / "schemas.json"

# keywords whose value is prose or a sample: never copied
DROP = {"description", "summary", "title", "example", "examples", "externalDocs", "tags", "info",
        "servers", "deprecated"}
# keywords whose value maps names (chosen by the spec's authors) to objects: keep every name
NAME_MAPS = {"properties", "paths", "responses", "content", "schemas", "headers", "encoding",
             "patternProperties", "parameters_by_name", "variables"}
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _strip(node: Any, key: str | None = None) -> Any:
    if isinstance(node, list):
        return [_strip(v) for v in node]
    if not isinstance(node, dict):
        return node
    if key in NAME_MAPS:
        return {name: _strip(value) for name, value in node.items()}
    out = {}
    for k, v in node.items():
        if k in DROP or k.startswith("x-"):
            continue
        out[k] = _strip(v, k)
    return out


def digest_one(doc: dict[str, Any]) -> dict[str, Any]:
    paths = {}
    for path, item in doc.get("paths", {}).items():
        kept = {m: _strip(op) for m, op in item.items() if m in METHODS}
        if "parameters" in item:
            kept["parameters"] = _strip(item["parameters"])
        paths[path] = kept
    components = doc.get("components", {})
    return {
        "openapi": doc.get("openapi"),
        "paths": paths,
        "components": {k: _strip(v, k if k in NAME_MAPS else "schemas")
                       for k, v in components.items() if k in ("schemas", "headers", "parameters",
                                                               "responses", "requestBodies")},
    }


def digest(spec_dir: Path) -> dict[str, Any]:
    files = sorted(spec_dir.glob("*.json"))
    if not files:
        raise SystemExit(f"no *.json specs in {spec_dir}")
    return {f.stem: digest_one(json.loads(f.read_text(encoding="utf-8"))) for f in files}


def _kind(prop: dict[str, Any]) -> str:
    return "ref" if "$ref" in prop else str(prop.get("type", "object"))


def model_facts(digest_: dict[str, Any]) -> dict[str, Any]:
    """What models need of each component schema with properties: per property its type ("ref"
    for a $ref), an array's item type, string lengths and readOnly; the required list."""
    facts: dict[str, Any] = {}
    for spec, doc in digest_.items():
        for name, schema in doc["components"].get("schemas", {}).items():
            if not schema.get("properties"):
                continue
            props = {}
            for prop, value in schema["properties"].items():
                kept = {"type": _kind(value)}
                if "items" in value:
                    kept["items"] = _kind(value["items"])
                kept.update({k: value[k] for k in ("maxLength", "minLength", "readOnly")
                             if k in value})
                props[prop] = kept
            facts.setdefault(spec, {})[name] = {"properties": props,
                                                "required": schema.get("required", [])}
    return facts


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    spec_dir = Path(argv[1]) if len(argv) > 1 else find_spec_dir()
    if spec_dir is None:
        print("no shared/api-specs beside the repository: give SPEC_DIR", file=sys.stderr)
        return 2
    out = Path(argv[2]) if len(argv) > 2 else OUT
    data = digest(spec_dir)
    text = render(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"{out}: {len(text)} bytes from {spec_dir}")
    if len(argv) <= 2:  # the repository's digest: the models' facts follow it
        facts = render(model_facts(data))
        MODEL_FACTS.write_text(facts, encoding="utf-8")
        print(f"{MODEL_FACTS}: {len(facts)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
