"""The data catalog's document APIs: /api/v1/data-assets and /api/v1/data-sets (create, batch
delete, get, patch, update; and a data set's profiles). Both are one `DocumentsApi` over a base
path; what the spec marks readOnly is never sent. Documents come back as their model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from qcli.api import parse
from qcli.api.data_stores import writable
from qcli.api.ids import check_ids, segment
from qcli.api.limits import CATALOG_PAGE_SIZE
from qcli.http.client import HttpClient

if TYPE_CHECKING:
    from qcli.api.models import CatalogDocument


def _strip(body: dict[str, Any], path: str) -> dict[str, Any]:
    """A copy of body without the dotted path (copies only what it changes)."""
    head, _, rest = path.partition(".")
    if head not in body:
        return body
    if not rest:
        return {k: v for k, v in body.items() if k != head}
    inner = body[head]
    return {**body, head: _strip(inner, rest)} if isinstance(inner, dict) else body


class DocumentsApi:
    BASE = ""
    WHAT = ""  # "data asset": names the ID in errors
    MODEL = ""  # "DataAsset": the qcli.api.models class of what the server answers
    # nested properties the spec marks readOnly (a test keeps these equal to the spec digest)
    READ_ONLY_PATHS: tuple[str, ...] = ()

    def writable(self, body: dict[str, Any]) -> dict[str, Any]:
        """The body less what the spec marks readOnly, at the top and nested."""
        body = writable(body)
        for path in self.READ_ONLY_PATHS:
            body = _strip(body, path)
        return body

    def __init__(self, http: HttpClient):
        self.http = http

    def _path(self, item_id: str, *rest: str) -> str:
        return "/".join([self.BASE, segment(item_id, f"{self.WHAT} ID"), *rest])

    def create(self, body: dict[str, Any]) -> CatalogDocument:
        """POST BASE, less what the spec marks readOnly."""
        return parse(self.MODEL, self.http.json("POST", self.BASE, json=self.writable(body)))

    def delete_many(self, ids: list[str]) -> None:
        """DELETE BASE with {"ids": [...]}: all or none (204)."""
        self.http.request("DELETE", self.BASE, json={"ids": check_ids(ids, f"{self.WHAT} ID")})

    def get(self, item_id: str, *, projections: list[str] | None = None) -> CatalogDocument:
        """GET BASE/{id}"""
        return parse(self.MODEL, self.http.json("GET", self._path(item_id), params={
            "projections": ",".join(projections) if projections else None}))

    def patch(self, item_id: str, operations: list[dict[str, Any]]) -> None:
        """PATCH BASE/{id} with an RFC 6902 array."""
        self.http.request("PATCH", self._path(item_id), json=operations,
                          headers={"Content-Type": "application/json"})

    def update(self, item_id: str, body: dict[str, Any]) -> CatalogDocument:
        """PUT BASE/{id}: the whole document with its current version."""
        return parse(self.MODEL, self.http.json("PUT", self._path(item_id),
                                             json=self.writable(body)))


class DataAssetsApi(DocumentsApi):
    BASE = "/api/v1/data-assets"
    WHAT = "data asset"
    MODEL = "DataAsset"
    READ_ONLY_PATHS = ("dataStoreInfo.name", "dataStoreInfo.type")


class DataSetsApi(DocumentsApi):
    BASE = "/api/v1/data-sets"
    WHAT = "data set"
    MODEL = "DataSet"
    READ_ONLY_PATHS = ("dataAssetInfo.name", "dataAssetInfo.dataStoreInfo.name",
                       "dataAssetInfo.dataStoreInfo.type")

    def profiles(self, item_id: str, *, connection_ids: list[str] | None = None,
                 projections: list[str] | None = None, sort: list[str] | None = None,
                 limit: int | None = None, page_size: int | None = None
                 ) -> Iterator[dict[str, Any]]:
        """GET /v1/data-sets/{id}/profiles, every page."""
        params = {"dataConnectionIds": ",".join(connection_ids) if connection_ids else None,
                  "projections": ",".join(projections) if projections else None,
                  "sort": ",".join(sort) if sort else None}
        return self.http.paginate(self._path(item_id, "profiles"), params, limit=limit,
                                  page_size=page_size, max_page_size=CATALOG_PAGE_SIZE)
