"""Rate limits: the emulator enforces the reference's tiers (`--faults rate-limit`, with a
shortened minute), and a bulk run through qcli's HTTP layer loses no request and waits out every
Retry-After. How close the run comes to the tier's minimum time is a benchmark
(bench/rate_limits.py), not a timed test."""

from __future__ import annotations

from pathlib import Path

from conftest import API_KEY, Emulator

from qcli.api.data_files import DataFilesApi
from qcli.api.extensions import ExtensionsApi
from qcli.config.settings import Connection
from qcli.http.client import HttpClient
from qcli.http.retry import RetryPolicy

SCALE = 0.05  # a 3-second "minute": Tier 2 is 100 requests per 3 s, refilling 33.3 per second
COUNT = 250


def test_bulk_deletes_honour_retry_after(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "tenant", extra=["--faults", f"rate-limit scale={SCALE}"]).start()
    try:
        ids = emu._call("POST", "/__emulator/data-files", {"count": COUNT})["ids"]
        conn = Connection(server=emu.url, auth="api-key", api_key=API_KEY)
        with HttpClient(conn, retry=RetryPolicy(attempts=10)) as http:
            api = DataFilesApi(http)
            for file_id in ids:
                api.delete_data_file(file_id)  # raises on any failed request
            remaining = list(api.list_data_files({}, page_size=1000))
        log = [r for r in emu.requests() if r["method"] == "DELETE"]
    finally:
        emu.stop()
    assert remaining == []
    limited = [i for i, r in enumerate(log) if r.get("fault") == "rate-limit"]
    assert limited, "the tier was never reached"
    assert all(log[i]["status"] == 429 for i in limited)
    assert len(log) - len(limited) == COUNT  # every file deleted once, no request failed
    for i in limited:  # one request at a time: the next one came after the Retry-After
        assert log[i + 1]["time"] - log[i]["time"] >= log[i]["retryAfter"] - 0.01, log[i]


def test_reads_use_tier_1(tmp_path: Path) -> None:
    emu = Emulator(tmp_path / "tenant", extra=["--faults", "rate-limit scale=0.01"]).start()
    try:
        conn = Connection(server=emu.url, auth="api-key", api_key=API_KEY)
        with HttpClient(conn, retry=RetryPolicy(attempts=10)) as http:
            api = ExtensionsApi(http)
            for _ in range(300):
                api.list_extensions()
        statuses = {r["status"] for r in emu.requests()}
        assert statuses == {200}  # 300 reads fit in Tier 1's 1000
    finally:
        emu.stop()
