"""Temporary contents API (/api/v1/temp-contents): the five operations of the reference.

The tus operations are single attempts; qcli.transfer.tus decides when to retry (a HEAD first).
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

import httpx

from qcli.api import parse
from qcli.api.ids import segment
from qcli.errors import ApiError, NetworkError, QcliError
from qcli.http.client import HttpClient, same_origin
from qcli.http.download import Download

if TYPE_CHECKING:
    from qcli.api.models import TempContentDetails

BASE = "/api/v1/temp-contents"
FILES = f"{BASE}/files"
TUS_VERSION = "1.0.0"


def encode_metadata(pairs: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


def id_from_location(location: str) -> str:
    """The temp content ID: the last path segment of a Location, relative or absolute."""
    last = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
    if not last:
        raise QcliError(f"the server's Location {location!r} names no upload")
    return last


class TempContentsApi:
    def __init__(self, http: HttpClient):
        self.http = http

    # -- tus (POST /files, HEAD, PATCH, DELETE): qcli.transfer.tus.UploadEndpoint -------------
    def error_for(self, response: httpx.Response) -> ApiError:
        return self.http.error_for(response)

    def network_error(self, exc: Exception, method: str, url: str, *, tries: int = 1,
                      since: float | None = None) -> NetworkError:
        return self.http.network_error(exc, method, url, tries=tries, since=since)

    def announce_retry(self, retry: int, exc: BaseException | None,
                       response: httpx.Response | None, pause: float, method: str, url: str,
                       attempts: int) -> None:
        self.http.announce_retry(retry, exc, response, pause, method, url, attempts)

    def upload_id(self, url: str) -> str:
        return id_from_location(url)

    def create_upload(self, length: int, metadata: dict[str, str],
                      deadline: float | None = None) -> httpx.Response:
        """POST /v1/temp-contents/files: create a tus upload of `length` bytes."""
        return self.http.send_once("POST", FILES, deadline=deadline, headers={
            "Tus-Resumable": TUS_VERSION,
            "Upload-Length": str(length),
            "Upload-Metadata": encode_metadata(metadata),
        })

    def upload_url(self, response: httpx.Response) -> str:
        """The upload's URL from the creation answer; one on another origin (scheme, host,
        port) than the context's server is refused: the API key goes nowhere else."""
        location = response.headers.get("Location")
        if not location:
            raise QcliError("the server created an upload but sent no Location header")
        url = urljoin(str(response.request.url), location)
        server = self.http.conn.server
        if not same_origin(url, server):
            raise QcliError(f"the server put the upload on another origin ({url}) than the "
                            f"context's server {server}: qcli sends the API key only to its "
                            "own server, so the upload stopped")
        return url

    def get_upload_offset(self, url: str, deadline: float | None = None) -> httpx.Response:
        """HEAD on the upload: its Upload-Offset."""
        return self.http.send_once("HEAD", url, deadline=deadline,
                                   headers={"Tus-Resumable": TUS_VERSION})

    def patch_upload(self, url: str, offset: int, body: Iterable[bytes], length: int,
                     timeout: httpx.Timeout | None = None) -> httpx.Response:
        """PATCH /v1/temp-contents/files/{id}: `length` bytes at `offset`, streamed."""
        return self.http.send_once("PATCH", url, content=body, timeout=timeout, headers={
            "Tus-Resumable": TUS_VERSION,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(length),
        })

    def delete_upload(self, url: str, deadline: float | None = None) -> httpx.Response:
        """DELETE on the upload (tus termination)."""
        return self.http.send_once("DELETE", url, deadline=deadline,
                                   headers={"Tus-Resumable": TUS_VERSION})

    # -- single-shot, download, details --------------------------------------------------------
    def upload_temp_content(self, body: Iterable[bytes], filename: str, ttl: int) -> str:
        """POST /v1/temp-contents?filename&ttl with a streamed body; returns the new ID.

        Sent once: a streamed body (stdin) cannot be replayed."""
        try:
            response = self.http.send_once(
                "POST", BASE, content=body, params={"filename": filename, "ttl": ttl},
                headers={"Content-Type": "application/octet-stream"})
        except httpx.TransportError as exc:
            raise self.http.network_error(exc, "POST", BASE) from None
        if response.status_code != 201:
            raise self.http.error_for(response)
        return id_from_location(response.headers.get("Location", ""))

    @contextlib.contextmanager
    def get_temp_content(self, temp_id: str, *, start: int = 0, inline: bool = False,
                         if_range: str | None = None) -> Iterator[Download]:
        """GET /v1/temp-contents/{id}, from byte `start` (Range) when it is not 0; with
        `if_range` (an ETag or HTTP date) the server sends the whole content if it changed."""
        headers = {"Accept": "*/*"}
        if start:
            headers["Range"] = f"bytes={start}-"
            if if_range:
                headers["If-Range"] = if_range
        path = f"{BASE}/{segment(temp_id, 'temporary content ID')}"
        with self.http.download("GET", path, headers=headers,
                                params={"inline": "1"} if inline else None,
                                ok=lambda s: 200 <= s < 300 or s == 416) as download:
            yield download

    def get_temp_content_details(self, temp_id: str) -> TempContentDetails | None:
        """GET /v1/temp-contents/{id}/details; None while the upload is incomplete (204)."""
        result = self.http.json("GET", f"{BASE}/{segment(temp_id, 'temporary content ID')}/details")
        if not isinstance(result, dict):
            return None
        return parse("TempContentDetails", result)
