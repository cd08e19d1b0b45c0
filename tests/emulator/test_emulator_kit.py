"""What the emulator kit makes the same for every API: one timestamp format, empty query values
refused wherever a spec has query parameters, and each API's own error envelope from the one
exception handler."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from conftest import Emulator

STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")  # RFC 3339, UTC, milliseconds


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=emu.url, headers={"Authorization": f"Bearer {emu.api_key}"},
                      timeout=20) as client:
        yield client


def _ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 201), r.text
    return r.json()


def _extension_zip(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"{name}/{name}.qext", json.dumps({"name": name, "type": "visualization"}))
        zf.writestr(f"{name}/{name}.js", "define([], function () { return {}; });\n")
    return buf.getvalue()


def test_every_api_writes_timestamps_one_way(http: httpx.Client) -> None:
    tag = uuid.uuid4().hex[:8]
    data_file = _ok(http.post("/api/v1/data-files", files={
        "Json": (None, json.dumps({"name": f"kit-{tag}.csv"})), "File": ("x.csv", b"a\n1\n")}))
    extension = _ok(http.post("/api/v1/extensions", files={
        "file": (f"{tag}.zip", _extension_zip(f"kit{tag}"), "application/zip")}))
    store = _ok(http.post("/api/v1/data-stores", json={"type": "t", "technicalName": f"k{tag}"}))
    asset = _ok(http.post("/api/v1/data-assets", json={
        "appType": "QIX-DF", "technicalName": "a", "dataStoreInfo": {"id": store["id"]}}))
    up = http.post("/api/v1/temp-contents", params={"filename": "t.csv"}, content=b"x",
                   headers={"Content-Type": "application/octet-stream"})
    assert up.status_code == 201, up.text
    temp = _ok(http.get(up.headers["location"] + "/details"))
    stamps = {
        "data file": [data_file["createdDate"], data_file["modifiedDate"]],
        "extension": [extension["createdAt"], extension["updateAt"]],
        "data store": [store["createdTime"], store["lastModifiedTime"]],
        "data asset": [asset["createdTime"], asset["lastModifiedTime"]],
        "temporary content": [temp["CreatedAt"], temp["UpdatedAt"], temp["Expires"]],
    }
    odd = {what: values for what, values in stamps.items()
           if not all(STAMP.match(v) for v in values)}
    assert not odd, odd


@pytest.mark.parametrize("path", [
    "/api/v1/data-files?appId=", "/api/v1/data-files/connections?spaceId=",
    "/api/v1/data-stores?sort=", "/api/v1/data-assets/any?projections=",
    "/api/v1/data-sets/any/profiles?limit=",
])
def test_an_empty_query_value_is_refused(http: httpx.Client, path: str) -> None:
    r = http.get(path)
    assert r.status_code == 400, r.text
    assert "without a value" in r.json()["errors"][0]["detail"]


def test_each_api_answers_a_problem_in_its_own_envelope(http: httpx.Client) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    files = http.get(f"/api/v1/data-files/{missing}")
    assert files.status_code == 404 and set(files.json()) == {"errors"}  # no traceId here
    assert files.json()["errors"][0]["code"] == "HTTP-404"
    for path in ("/api/v1/data-stores/nope", "/api/v1/data-assets/nope", "/api/v1/data-sets/nope",
                 "/api/v1/temp-contents/nope"):
        r = http.get(path)
        assert r.status_code == 404 and set(r.json()) == {"errors", "traceId"}, (path, r.text)
    tus = http.head("/api/v1/temp-contents/files/nope", headers={"Tus-Resumable": "1.0.0"})
    assert tus.status_code == 404 and tus.headers["tus-resumable"] == "1.0.0"
    ext = http.get("/api/v1/extensions/nope")
    assert ext.status_code == 404 and ext.json()["status"] == 404
    assert "nope" in ext.json()["meta"]["message"]
