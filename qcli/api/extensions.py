"""Extensions API (/api/v1/extensions): seven operations, named as in the reference."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

from qcli.api import parse
from qcli.api.ids import segment, segments
from qcli.http.client import HttpClient
from qcli.http.download import Download

if TYPE_CHECKING:
    from qcli.api.models import Extension

BASE = "/api/v1/extensions"


class Archive(Protocol):
    """The `file` part: a zip's name and bytes (qcli.transfer.archive.Archive is one)."""

    @property
    def filename(self) -> str: ...
    @property
    def content(self) -> bytes: ...


def _id(extension_id: str) -> str:
    return segment(extension_id, "extension ID")


class ExtensionsApi:
    def __init__(self, http: HttpClient):
        self.http = http

    def list_extensions(self) -> list[dict[str, Any]]:
        """GET /v1/extensions: lists all imported extensions."""
        return list(self.http.paginate(BASE))

    def get_extension(self, extension_id: str) -> Extension:
        """GET /v1/extensions/{id}: by ID or qextFilename."""
        return parse("Extension", self.http.json("GET", f"{BASE}/{_id(extension_id)}"))

    def create_extension(
        self, archive: Archive | None, data: dict[str, Any] | None
    ) -> Extension:
        """POST /v1/extensions: multipart parts `file` (the archive) and `data` (the model)."""
        return parse("Extension", self.http.json("POST", BASE, files=_parts(archive, data)))

    def patch_extension(
        self, extension_id: str, archive: Archive | None, data: dict[str, Any] | None
    ) -> Extension:
        """PATCH /v1/extensions/{id}: a new archive and/or changed fields."""
        return parse("Extension", self.http.json(
            "PATCH", f"{BASE}/{_id(extension_id)}", files=_parts(archive, data)
        ))

    def delete_extension(self, extension_id: str) -> None:
        """DELETE /v1/extensions/{id}: soft delete."""
        self.http.request("DELETE", f"{BASE}/{_id(extension_id)}")

    @contextlib.contextmanager
    def download_extension(self, extension_id: str) -> Iterator[Download]:
        """GET /v1/extensions/{id}/file: the whole archive, streamed."""
        with self.http.download("GET", f"{BASE}/{_id(extension_id)}/file",
                                headers={"Accept": "*/*"}) as download:
            yield download

    @contextlib.contextmanager
    def download_extension_file(self, extension_id: str, filepath: str) -> Iterator[Download]:
        """GET /v1/extensions/{id}/file/{filepath}: one file from the archive, streamed."""
        inner = segments(filepath, "file path")
        path = f"{BASE}/{_id(extension_id)}/file/{inner}"
        with self.http.download("GET", path, headers={"Accept": "*/*"}) as download:
            yield download


def _parts(archive: Archive | None, data: dict[str, Any] | None) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    if data:
        parts["data"] = (None, json.dumps(data), "application/json")
    if archive is not None:
        parts["file"] = (archive.filename, archive.content, "application/zip")
    return parts
