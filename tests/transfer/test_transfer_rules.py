"""Unit rules of the transfer code (issue #10): a PATCH answered 2xx without progress stops the
upload instead of looping; origins compare scheme, host and port; long names keep their
extension. Mocked HTTP (respx) as in test_tus_client.py."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import respx

from qcli.api.temp_contents import TempContentsApi
from qcli.config.settings import Connection
from qcli.errors import QcliError
from qcli.http.client import HttpClient, same_origin
from qcli.transfer.download import fit_file_name
from qcli.transfer.progress import Bar
from qcli.transfer.tus import TusUploader

BASE = "https://tenant.example"
FILES = f"{BASE}/api/v1/temp-contents/files"


# "5": the first PATCH moves the offset from 0 to 5, then it never moves again
@pytest.mark.parametrize("answer", [{"Upload-Offset": "0"}, {"Upload-Offset": "5"}])
def test_a_patch_that_never_advances_the_offset_stops(tmp_path: Path,
                                                      answer: dict[str, str]) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(b"x" * 5000)
    patches: list[int] = []

    def patch(request: httpx.Request) -> httpx.Response:
        request.read()
        patches.append(int(request.headers["Upload-Offset"]))
        if len(patches) > 50:
            raise RuntimeError("still PATCHing after 50 requests without progress")
        return httpx.Response(204, headers={**answer, "Tus-Resumable": "1.0.0"})

    with respx.mock:
        respx.post(FILES).mock(return_value=httpx.Response(
            201, headers={"Location": "/api/v1/temp-contents/files/abc"}))
        respx.patch(f"{FILES}/abc").mock(side_effect=patch)
        conn = Connection(server=BASE, auth="api-key", api_key="k" * 12)
        with HttpClient(conn) as http:
            uploader = TusUploader(TempContentsApi(http), chunk_size=1024, store=None,
                                   server=BASE, sleep=lambda s: None)
            with pytest.raises(QcliError) as caught:
                uploader.upload(src, filename="f.bin", ttl=60, resume=False, bar=Bar())
    assert caught.value.exit_code == 1
    assert "Upload-Offset" in caught.value.message and "not storing" in caught.value.message
    assert len(patches) <= 5  # a few, then it stops


@pytest.mark.parametrize("url, same", [
    ("/api/v1/x", True),
    ("https://tenant.example/api", True),
    ("https://TENANT.example:443/api", True),
    ("http://tenant.example/api", False),
    ("https://tenant.example:8443/api", False),
    ("https://tenant.example.evil/api", False),
    ("https://127.0.0.2/api", False),
])
def test_same_origin_is_scheme_host_and_port(url: str, same: bool) -> None:
    assert same_origin(url, "https://tenant.example") is same


def test_a_long_name_is_cut_keeping_its_extension() -> None:
    name = "é" * 200 + ".qvd"
    short = fit_file_name(name)
    assert short.endswith(".qvd") and len(short.encode()) <= 240
    assert short.startswith("éé") and "\ufffd" not in short
    assert fit_file_name("sales.csv") == "sales.csv"
