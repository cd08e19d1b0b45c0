"""The emulator's tus endpoint and temp-contents downloads, status by status (raw httpx)."""

from __future__ import annotations

import base64
import threading
import time

import httpx
import pytest
from conftest import API_KEY, Emulator

FILES = "/api/v1/temp-contents/files"
TUS = {"Tus-Resumable": "1.0.0"}
OCTET = {"Content-Type": "application/offset+octet-stream"}


@pytest.fixture
def http(emu: Emulator) -> httpx.Client:
    with httpx.Client(base_url=emu.url, headers={"Authorization": f"Bearer {API_KEY}"},
                      timeout=10) as client:
        yield client


def _create(http: httpx.Client, length: int, ttl: int = 600) -> str:
    ttl_b64 = base64.b64encode(str(ttl).encode()).decode()
    meta = f"filename {base64.b64encode(b'f.bin').decode()},ttl {ttl_b64}"
    r = http.post(FILES, headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": meta})
    assert r.status_code == 201
    assert r.headers["Location"].startswith(f"{FILES}/")
    return r.headers["Location"]


def test_status_codes(http: httpx.Client) -> None:
    assert http.post(FILES, headers={"Upload-Length": "5"}).status_code == 412
    assert http.post(FILES, headers={**TUS, "Upload-Length": "-1"}).status_code == 400
    assert http.post(FILES, headers={**TUS, "Upload-Length": str(7 * 1024**3)}).status_code == 413
    bad_ttl = http.post(FILES, headers={**TUS, "Upload-Length": "5",
                                        "Upload-Metadata": "ttl " + base64.b64encode(b"0").decode()})
    assert bad_ttl.status_code == 400
    url = _create(http, 10)
    assert http.head(url, headers=TUS).headers["Upload-Offset"] == "0"
    assert http.patch(url, content=b"abc", headers={**TUS, "Upload-Offset": "0",
                                                     "Content-Type": "text/plain"}).status_code == 415
    assert http.patch(url, content=b"abc", headers={**TUS, **OCTET}).status_code == 400
    assert http.patch(url, content=b"abc", headers={"Upload-Offset": "0", **OCTET}).status_code == 412
    ok = http.patch(url, content=b"abc", headers={**TUS, **OCTET, "Upload-Offset": "0"})
    assert ok.status_code == 204 and ok.headers["Upload-Offset"] == "3"
    stale = http.patch(url, content=b"abc", headers={**TUS, **OCTET, "Upload-Offset": "0"})
    assert stale.status_code == 409
    too_long = http.patch(url, content=b"x" * 20, headers={**TUS, **OCTET, "Upload-Offset": "3"})
    assert too_long.status_code == 413
    temp_id = url.rsplit("/", 1)[1]
    assert http.get(f"/api/v1/temp-contents/{temp_id}").status_code == 204  # incomplete
    assert http.get(f"/api/v1/temp-contents/{temp_id}/details").status_code == 204
    done = http.patch(url, content=b"defghij", headers={**TUS, **OCTET, "Upload-Offset": "3"})
    assert done.status_code == 204 and done.headers["Upload-Offset"] == "10"
    full = http.get(f"/api/v1/temp-contents/{temp_id}")
    assert full.status_code == 200 and full.content == b"abcdefghij"
    assert full.headers["Content-Disposition"] == 'attachment; filename="f.bin"'
    part = http.get(f"/api/v1/temp-contents/{temp_id}", headers={"Range": "bytes=2-4"})
    assert part.status_code == 206 and part.content == b"cde"
    assert part.headers["Content-Range"] == "bytes 2-4/10"
    assert http.get(f"/api/v1/temp-contents/{temp_id}", headers={"Range": "bytes=-3"}).content == b"hij"
    assert http.get(f"/api/v1/temp-contents/{temp_id}", headers={"Range": "bytes=10-"}).status_code == 416
    inline = http.get(f"/api/v1/temp-contents/{temp_id}", params={"inline": "1"})
    assert inline.headers["Content-Disposition"].startswith("inline")
    assert http.delete(url, headers=TUS).status_code == 204
    assert http.head(url, headers=TUS).status_code == 404
    assert http.get("/api/v1/temp-contents/nope/details").status_code == 404


def test_concurrent_access_is_locked(emu: Emulator, http: httpx.Client) -> None:
    url = _create(http, 4 * 1024 * 1024)
    # the PATCH is held part way through its body (the upload's lock taken) until the rules clear
    emu.add_faults({"delay": 60, "at": "body", "afterBytes": 512 * 1024, "method": "PATCH",
                    "path": url})
    result: dict[str, int] = {}

    def patch() -> None:
        with httpx.Client(base_url=emu.url, headers={"Authorization": f"Bearer {API_KEY}"},
                          timeout=30) as other:
            r = other.patch(url, content=iter([b"x" * (512 * 1024)] * 8), headers={
                **TUS, **OCTET, "Upload-Offset": "0", "Content-Length": str(4 * 1024 * 1024)})
            result["status"] = r.status_code

    worker = threading.Thread(target=patch)
    worker.start()
    try:
        emu.wait_for(lambda r: r.get("held") and r["method"] == "PATCH")
        assert http.head(url, headers=TUS).status_code == 423
        assert http.patch(url, content=b"y", headers={**TUS, **OCTET, "Upload-Offset": "0"}
                          ).status_code == 423
    finally:
        emu.clear_faults()
        worker.join(20)
    assert result["status"] == 204
    assert http.head(url, headers=TUS).headers["Upload-Offset"] == str(4 * 1024 * 1024)


def test_expiry_counts_from_creation(http: httpx.Client) -> None:
    url = _create(http, 4, ttl=1)
    time.sleep(1.3)
    assert http.head(url, headers=TUS).status_code == 410
    assert http.patch(url, content=b"abcd", headers={**TUS, **OCTET, "Upload-Offset": "0"}
                      ).status_code == 410


def test_single_shot_upload(http: httpx.Client) -> None:
    r = http.post("/api/v1/temp-contents", params={"filename": "a.txt", "ttl": "60"},
                  content=b"hello", headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201
    temp_id = r.headers["Location"].rsplit("/", 1)[1]
    details = http.get(f"/api/v1/temp-contents/{temp_id}/details").json()
    assert details["Name"] == "a.txt" and details["Size"] == "5" and details["TTLSeconds"] == 60
    assert http.post("/api/v1/temp-contents", params={"ttl": "60"}, content=b"x").status_code == 400
    assert http.post("/api/v1/temp-contents", params={"filename": "a", "ttl": "259201"},
                     content=b"x").status_code == 400
