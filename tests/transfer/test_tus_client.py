"""The tus client's timing and bookkeeping rules, unit-tested with mocked HTTP (respx) and a
fake clock: the automatic chunk size (8 MiB first; then the throughput the last full PATCH
measured times 8 s, at most 128 times that chunk, 1 MiB to 1 GiB; a rest of at most half a chunk
goes with the chunk before it; --chunk-size fixes it), and --no-resume ending the saved upload."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx

from qcli.api.temp_contents import TempContentsApi
from qcli.config.settings import Connection
from qcli.http.client import HttpClient
from qcli.transfer.progress import Bar
from qcli.transfer.tus import MAX_AUTO_CHUNK, MIN_AUTO_CHUNK, TusUploader, fold_tail, next_chunk

BASE = "https://tenant.example"
FILES = f"{BASE}/api/v1/temp-contents/files"
MiB = 1024 * 1024


def _upload(tmp_path: Path, size: int, seconds_per_patch: list[float],
            chunk_size: int | None = None) -> list[int]:
    """Upload a sparse file of `size` bytes; the Nth PATCH 'takes' seconds_per_patch[N]
    (the last value repeats). Returns the PATCH body sizes."""
    src = tmp_path / "big.bin"
    with open(src, "wb") as fh:
        fh.truncate(size)
    now = [0.0]
    sizes: list[int] = []

    def patch(request: httpx.Request) -> httpx.Response:
        received = sum(len(piece) for piece in request.stream)  # a GiB is not held
        assert received == int(request.headers["Content-Length"])
        assert int(request.headers["Upload-Offset"]) == sum(sizes)
        sizes.append(received)
        now[0] += seconds_per_patch[min(len(sizes) - 1, len(seconds_per_patch) - 1)]
        return httpx.Response(204, headers={"Upload-Offset": str(sum(sizes)),
                                            "Tus-Resumable": "1.0.0"})

    with respx.mock:
        respx.post(FILES).mock(return_value=httpx.Response(
            201, headers={"Location": "/api/v1/temp-contents/files/abc", "Tus-Resumable": "1.0.0"}))
        respx.patch(f"{FILES}/abc").mock(side_effect=patch)
        conn = Connection(server=BASE, auth="api-key", api_key="k" * 12)
        with HttpClient(conn) as http:
            uploader = TusUploader(TempContentsApi(http), chunk_size=chunk_size, store=None,
                                   server=BASE, clock=lambda: now[0], sleep=lambda s: None)
            result = uploader.upload(src, filename="big.bin", ttl=60, resume=False, bar=Bar())
    assert result.id == "abc" and sum(sizes) == size
    return sizes


def test_chunks_follow_the_measured_throughput(tmp_path: Path) -> None:
    # 8 MiB in 4 s: 2 MiB/s, so 16 MiB (8 s of it) next, then 32 MiB, then the rest
    assert _upload(tmp_path, 76 * MiB, [4.0]) == [8 * MiB, 16 * MiB, 32 * MiB, 20 * MiB]


def test_a_short_rest_goes_with_the_chunk_before_it(tmp_path: Path) -> None:
    # 32 MiB would leave 4 MiB: one PATCH of 36 MiB instead of a round trip for the last 4
    assert _upload(tmp_path, 60 * MiB, [4.0]) == [8 * MiB, 16 * MiB, 36 * MiB]


def test_a_fast_link_gets_large_chunks_at_once(tmp_path: Path) -> None:
    # 10 MiB/s: 80 MiB (8 s of it) next, not 16 then 32 then 64 (the doubling rule's 64 MiB
    # cap meant 16 PATCHes per GiB, each costing a round trip); the last 100 MiB in one
    sizes = _upload(tmp_path, 268 * MiB, [0.8, 8.0])
    assert sizes == [8 * MiB, 80 * MiB, 80 * MiB, 100 * MiB]


def test_a_fast_link_sends_the_rest_of_a_gib_after_the_first_chunk(tmp_path: Path) -> None:
    # 8 MiB in 50 ms (a 40 ms round trip and 160 MiB/s, or loopback): 1 GiB at most, and the
    # 1016 MiB left go in one PATCH (2 in all, as measured to @tus/server; 3-4 with 2 s of
    # throughput at most 16 times the chunk before)
    assert _upload(tmp_path, 1024 * MiB, [0.05]) == [8 * MiB, 1016 * MiB]



def test_a_slow_patch_shrinks_only_the_next_chunk(tmp_path: Path) -> None:
    # the second PATCH (16 MiB) takes 32 s: 0.5 MiB/s, so 4 MiB next; quick again, it grows
    sizes = _upload(tmp_path, 60 * MiB, [4.0, 32.0, 2.0])
    assert sizes == [8 * MiB, 16 * MiB, 4 * MiB, 16 * MiB, 16 * MiB]


def test_a_slow_link_gets_small_chunks(tmp_path: Path) -> None:
    # 8 MiB in 32 s (256 KiB/s): 2 MiB per PATCH after the first, while the link stays that slow
    assert _upload(tmp_path, 14 * MiB, [32.0, 8.0]) == [8 * MiB, 2 * MiB, 2 * MiB, 2 * MiB]


@pytest.mark.parametrize("length, seconds, expected", [
    (512 * MiB, 0.25, MAX_AUTO_CHUNK),  # 4 GiB/s: capped at 1 GiB
    (8 * MiB, 600.0, MIN_AUTO_CHUNK),   # 14 KB/s: never below 1 MiB
    (2 * MiB, 0.0, 256 * MiB),          # a clock that did not move: 128 times, no division by 0
    (8 * MiB, 0.0, MAX_AUTO_CHUNK),     # (128 times 8 MiB is the cap)
    (10 * MiB, 1.5, 53 * MiB),          # whole MiB, rounded down
])
def test_next_chunk_bounds(length: int, seconds: float, expected: int) -> None:
    assert next_chunk(length, seconds) == expected


@pytest.mark.parametrize("length, left, expected", [
    (32 * MiB, 48 * MiB, 48 * MiB),    # a rest of half the chunk goes with it
    (32 * MiB, 48 * MiB + 1, 32 * MiB),  # more than half: a PATCH of its own
    (32 * MiB, 32 * MiB, 32 * MiB),    # the last chunk as it is
    (32 * MiB, 8 * MiB, 32 * MiB),     # (the caller already cut it to what is left)
    (MAX_AUTO_CHUNK, MAX_AUTO_CHUNK + MiB, MAX_AUTO_CHUNK),  # never past the 1 GiB cap
    (800 * MiB, 1000 * MiB, 1000 * MiB),
])
def test_fold_tail(length: int, left: int, expected: int) -> None:
    assert fold_tail(length, left) == expected


@pytest.mark.parametrize("fixed", [1 * MiB, 32 * MiB])
def test_chunk_size_given_is_never_changed(tmp_path: Path, fixed: int) -> None:
    sizes = _upload(tmp_path, 70 * MiB, [0.01], chunk_size=fixed)
    assert set(sizes[:-1]) == {fixed}


@pytest.mark.parametrize("status, said", [
    (204, "discarded the earlier partial upload"),
    (405, "stays there until its TTL ends"),  # a server without tus termination
])
def test_no_resume_ends_the_saved_upload_first(tmp_path: Path, status: int, said: str) -> None:
    from qcli.transfer.resume import ResumeStore

    src = tmp_path / "again.bin"
    src.write_bytes(b"x" * 1000)
    stat = src.stat()
    store = ResumeStore(tmp_path / "uploads")
    key = ResumeStore.key(src, stat.st_size, stat.st_mtime_ns, BASE)
    store.save(key, {"url": f"{FILES}/old", "size": 1000, "filename": "again.bin"})
    said_lines: list[str] = []
    with respx.mock:
        deleted = respx.delete(f"{FILES}/old").mock(return_value=httpx.Response(status))
        respx.post(FILES).mock(return_value=httpx.Response(
            201, headers={"Location": f"{FILES}/new"}))
        respx.patch(f"{FILES}/new").mock(return_value=httpx.Response(
            204, headers={"Upload-Offset": "1000"}))
        conn = Connection(server=BASE, auth="api-key", api_key="k" * 12)
        with HttpClient(conn) as http:
            uploader = TusUploader(TempContentsApi(http), chunk_size=None, store=store,
                                   server=BASE, log=said_lines.append)
            result = uploader.upload(src, filename="again.bin", ttl=60, resume=False, bar=Bar())
    assert deleted.call_count == 1
    assert result.id == "new" and result.bytes_sent == 1000
    assert any(said in line for line in said_lines), said_lines
    assert store.load(key) is None  # removed on success
