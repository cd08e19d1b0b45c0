"""#11 item 5: every query parameter and request-body field (a "mode") that the spec digest
documents for the four APIs is reachable from a qcli flag, or listed in the README's "Left out
on purpose" with the reason. A new parameter in the spec fails this test until it is one or
the other."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qcli.cli.root import build

ROOT = Path(__file__).parents[2]
DIGEST = json.loads((ROOT / "tests" / "contract" / "specs.json").read_text())
APIS = ("temp-contents", "data-files", "data-stores", "extensions")
BODY = "(body)"  # a whole body that is not a JSON object (bytes, a JSON Patch array)
ANY = "*"  # every field of the body, from one flag that takes the whole body

DF = "/api/v1/data-files"
DS = "/api/v1/data-stores"
ASSETS = f"{DS}/{{data-store-ids}}/data-assets"
SETS = f"{ASSETS}/{{data-asset-ids}}/data-sets"
TC = "/api/v1/temp-contents"
EXT = "/api/v1/extensions"

# (operation, parameter or body field) -> (command, its flag or argument name)
REACH: dict[tuple[str, str], tuple[str, str]] = {
    (f"POST {TC}", "filename"): ("temp-content create", "--filename"),
    (f"POST {TC}", "ttl"): ("temp-content create", "--ttl"),
    (f"POST {TC}", BODY): ("temp-content create", "source"),
    (f"PATCH {TC}/files/{{id}}", BODY): ("temp-content create", "source"),
    (f"GET {TC}/{{id}}", "inline"): ("temp-content download", "--inline"),
    **{(f"GET {DF}", p): ("data-file ls", f) for p, f in {
        "allowInternalFiles": "--allow-internal-files", "appId": "--app-id",
        "baseNameWildcard": "--base-name-wildcard", "connectionId": "--connection-id",
        "excludeFiles": "--exclude-files", "excludeSubFolders": "--exclude-sub-folders",
        "folderId": "--folder-id", "folderPath": "--folder-path",
        "includeAllSpaces": "--include-all-spaces", "includeFolders": "--include-folders",
        "includeFolderStats": "--include-folder-stats", "limit": "--page-size",
        "name": "--name", "notOwnerId": "--not-owner-id", "ownerId": "--owner-id",
        "sort": "--sort"}.items()},
    **{(f"POST {DF}", p): ("data-file create", f) for p, f in {
        "File": "sources", "Json.appId": "--app-id", "Json.connectionId": "--connection-id",
        "Json.folder": "--folder", "Json.folderId": "--folder-id", "Json.name": "--name",
        "Json.sourceId": "--source-id", "Json.tempContentFileId": "--temp-content-id"}.items()},
    **{(f"PUT {DF}/{{id}}", p): ("data-file update", f) for p, f in {
        "File": "source", "Json.appId": "--app-id", "Json.connectionId": "--connection-id",
        "Json.folderId": "--folder-id", "Json.folderMergeBehavior": "--folder-merge-behavior",
        "Json.name": "--name", "Json.sourceId": "--source-id",
        "Json.tempContentFileId": "--temp-content-id"}.items()},
    (f"POST {DF}/actions/change-space", "change-space"): ("data-file change-space", "file_ids"),
    (f"POST {DF}/actions/delete", "delete"): ("data-file rm", "file_ids"),
    (f"POST {DF}/actions/delete", "deleteAllBySpace"): ("data-file rm",
                                                        "--delete-all-by-space"),
    (f"POST {DF}/actions/delete", "deleteAllFromPersonalSpace"): (
        "data-file rm", "--delete-all-from-personal-space"),
    **{(f"GET {DF}/connections", p): ("data-file connection ls", f) for p, f in {
        "appId": "--app-id", "includeSpaceStats": "--include-space-stats",
        "limit": "--page-size", "name": "--name", "personal": "--personal", "sort": "--sort",
        "spaceId": "--space-id"}.items()},
    (f"POST {DF}/{{id}}/actions/change-owner", "ownerId"): ("data-file change-owner",
                                                            "--owner-id"),
    (f"POST {DF}/{{id}}/actions/change-space", "spaceId"): ("data-file change-space",
                                                            "--space-id"),
    (f"DELETE {DS}", "ids"): ("data-store rm", "store_ids"),
    **{(f"GET {path}", p): (cmd, f) for path, cmd in (
        (DS, "data-store ls"), (ASSETS, "data-store data-asset ls"),
        (SETS, "data-store data-set ls")) for p, f in (
        ("limit", "--page-size"), ("projections", "--projections"), ("sort", "--sort"))},
    (f"GET {DS}/{{data-store-id}}", "projections"): ("data-store get", "--projections"),
    (f"POST {DS}", ANY): ("data-store create", "--file"),
    (f"PUT {DS}/{{data-store-id}}", ANY): ("data-store update", "--file"),
    (f"PATCH {DS}/{{data-store-id}}", BODY): ("data-store patch", "--file"),
    (f"POST {EXT}", ANY): ("extension create", "--data"),
    (f"POST {EXT}", "file"): ("extension create", "source"),
    (f"PATCH {EXT}/{{id}}", ANY): ("extension patch", "--data"),
    (f"PATCH {EXT}/{{id}}", "file"): ("extension patch", "source"),
}


def _resolve(doc: dict[str, Any], schema: Any) -> Any:
    while isinstance(schema, dict) and "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _fields(doc: dict[str, Any], schema: Any) -> Iterator[str]:
    for name, sub in (schema.get("properties") or {}).items():
        if not _resolve(doc, sub).get("readOnly"):  # the server's to set, never sent
            yield name


def documented() -> Iterator[tuple[str, str]]:
    """(operation, name): query parameters, and the fields of request bodies (a multipart
    part that is a JSON object counts by its fields: `Json.folder`)."""
    for api in APIS:
        doc = DIGEST[api]
        for path, ops in doc["paths"].items():
            for method, op in ops.items():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                key = f"{method.upper()} {path}"
                for param in op.get("parameters", []):
                    if param["in"] == "query":
                        yield key, param["name"]
                for ctype, media in (op.get("requestBody") or {}).get("content", {}).items():
                    schema = _resolve(doc, media.get("schema", {}))
                    if ctype.startswith("multipart/"):
                        for part, sub in schema.get("properties", {}).items():
                            sub = _resolve(doc, sub)
                            if sub.get("properties"):
                                yield from ((key, f"{part}.{f}") for f in _fields(doc, sub))
                            else:
                                yield key, part
                    elif schema.get("properties"):
                        yield from ((key, f) for f in _fields(doc, schema))
                    else:
                        yield key, BODY


def left_out() -> dict[tuple[str, str], str]:
    """The README's "Left out on purpose" list: `name` of `METHOD /path`, ...: reason."""
    text = (ROOT / "README.md").read_text()
    section = text.split("### Left out on purpose", 1)[1].split("\n#", 1)[0]
    found: dict[tuple[str, str], str] = {}
    for line in re.split(r"\n(?=- )", section.strip()):
        if not line.startswith("- "):
            continue
        head, _, reason = line.partition(": ")
        ticks = re.findall(r"`([^`]+)`", head)
        ops = [t for t in ticks if re.match(r"^(GET|POST|PUT|PATCH|DELETE) /", t)]
        names = [t for t in ticks if t not in ops]
        for op in ops:
            for name in names:
                found[(op, name)] = " ".join(reason.split())
    return found


def _command(path: str) -> Any:
    root = build()
    ctx = root.context_class(root, info_name="qcli")
    cmd: Any = root
    for word in path.split():
        cmd = cmd.get_command(ctx, word)
        assert cmd is not None, f"no command `qcli {path}`"
    return cmd


def _has(cmd: Any, flag: str) -> bool:
    for param in cmd.params:
        if flag.startswith("--"):
            if flag in (*param.opts, *getattr(param, "secondary_opts", ())):
                return True
        elif param.param_type_name == "argument" and param.name == flag:
            return True
    return False


def test_every_documented_parameter_and_mode_is_reachable_or_left_out_with_why() -> None:
    items = sorted(set(documented()))
    assert len(items) > 100  # the walk found the four APIs
    out = left_out()
    assert all(len(why) > 15 for why in out.values()), out  # each one says why
    missing = [f"{op} {name}" for op, name in items
               if (op, name) not in REACH and (op, ANY) not in REACH and (op, name) not in out]
    assert missing == [], ("reachable from no flag and not in the README's 'Left out on "
                           "purpose':\n  " + "\n  ".join(missing))
    both = [f"{op} {name}" for op, name in items if (op, name) in REACH and (op, name) in out]
    assert both == []
    stale = sorted({k for k in [*REACH, *out] if k[1] != ANY} - set(items))
    assert stale == []  # nothing mapped or excused that the spec no longer has


@pytest.mark.parametrize("reach", sorted(set(REACH.values())), ids=lambda r: " ".join(r))
def test_each_flag_named_exists(reach: tuple[str, str]) -> None:
    path, flag = reach
    assert _has(_command(path), flag), f"`qcli {path}` has no {flag}"
