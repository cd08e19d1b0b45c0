"""Data-files API (/api/v1/data-files): the twelve operations of the reference."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from qcli.api import parse
from qcli.api.ids import check_ids, segment
from qcli.http.client import HttpClient

if TYPE_CHECKING:
    from qcli.api.models import DataFile, DataFileConnection, DataFileQuota

BASE = "/api/v1/data-files"


def _id(value: str) -> str:
    return segment(value, "data file ID")


def _parts(model: dict[str, Any], content: tuple[str, IO[bytes]] | None) -> dict[str, Any]:
    """Multipart parts as the reference names them: `Json` (the request model) and `File`."""
    parts: dict[str, Any] = {"Json": (None, json.dumps(model), "application/json")}
    if content is not None:
        parts["File"] = (content[0], content[1], "application/octet-stream")
    return parts


class DataFilesApi:
    def __init__(self, http: HttpClient):
        self.http = http

    def get_quotas(self) -> DataFileQuota:
        """GET /data-files/quotas"""
        from qcli.api.models import DataFileQuota

        return DataFileQuota.from_json(self.http.json("GET", f"{BASE}/quotas"))

    def get_connection(self, connection_id: str) -> DataFileConnection:
        """GET /data-files/connections/{id}"""
        from qcli.api.models import DataFileConnection

        return DataFileConnection.from_json(
            self.http.json("GET", f"{BASE}/connections/{_id(connection_id)}"))

    def list_connections(self, params: dict[str, Any], *, limit: int | None = None,
                         page_size: int | None = None) -> Iterator[dict[str, Any]]:
        """GET /data-files/connections, every page."""
        return self.http.paginate(f"{BASE}/connections", params, limit=limit,
                                  page_size=page_size)

    def upload_data_file(self, model: dict[str, Any],
                         content: tuple[str, IO[bytes]] | None) -> DataFile:
        """POST /data-files: multipart `Json` + `File` (or a tempContentFileId/sourceId copy)."""
        return parse("DataFile", self.http.json("POST", BASE, files=_parts(model, content)))

    def list_data_files(self, params: dict[str, Any], *, limit: int | None = None,
                        page_size: int | None = None) -> Iterator[dict[str, Any]]:
        """GET /data-files, following links.next through every page."""
        return self.http.paginate(BASE, params, limit=limit, page_size=page_size)

    def update_data_file(self, file_id: str, model: dict[str, Any],
                         content: tuple[str, IO[bytes]] | None) -> DataFile:
        """PUT /data-files/{id}: re-upload and/or rename or move."""
        return parse("DataFile", self.http.json(
            "PUT", f"{BASE}/{_id(file_id)}", files=_parts(model, content)))

    def get_data_file(self, file_id: str) -> DataFile:
        """GET /data-files/{id}"""
        return parse("DataFile", self.http.json("GET", f"{BASE}/{_id(file_id)}"))

    def delete_data_file(self, file_id: str) -> None:
        """DELETE /data-files/{id}"""
        self.http.request("DELETE", f"{BASE}/{_id(file_id)}")

    def change_owner(self, file_id: str, owner_id: str) -> None:
        """POST /data-files/{id}/actions/change-owner"""
        self.http.request("POST", f"{BASE}/{_id(file_id)}/actions/change-owner",
                          json={"ownerId": owner_id})

    def change_space(self, file_id: str, space_id: str | None) -> None:
        """POST /data-files/{id}/actions/change-space (null: the owner's personal space)"""
        self.http.request("POST", f"{BASE}/{_id(file_id)}/actions/change-space",
                          json={"spaceId": space_id})

    def delete_data_files(self, file_ids: list[str], *, all_by_space: list[str] | None = None,
                          all_personal: bool = False) -> list[dict[str, Any]]:
        """POST /data-files/actions/delete: 207 with one result per file. `all_by_space`
        (deleteAllBySpace) and `all_personal` (deleteAllFromPersonalSpace) add every file of
        those spaces."""
        request: dict[str, Any] = {"delete": [{"id": i} for i in check_ids(file_ids, "data file ID")]}
        if all_by_space:
            request["deleteAllBySpace"] = [{"id": s} for s in check_ids(all_by_space, "space ID")]
        if all_personal:
            request["deleteAllFromPersonalSpace"] = True
        body = self.http.json("POST", f"{BASE}/actions/delete", json=request)
        return list((body or {}).get("data", []))

    def change_spaces(self, file_ids: list[str], space_id: str | None) -> list[dict[str, Any]]:
        """POST /data-files/actions/change-space: 207 with one result per file."""
        body = self.http.json("POST", f"{BASE}/actions/change-space", json={
            "change-space": [{"id": i, "spaceId": space_id}
                             for i in check_ids(file_ids, "data file ID")]})
        return list((body or {}).get("data", []))
