"""Data-stores API (/api/v1/data-stores): ten operations on data stores, data assets and
data sets. Lists use page numbers (`page`, `pages`, `total`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from qcli.api import parse
from qcli.api.ids import check_ids, id_list, segment
from qcli.api.limits import CATALOG_PAGE_SIZE as MAX_PAGE_SIZE
from qcli.http.client import HttpClient

if TYPE_CHECKING:
    from qcli.api.models import DataStore

BASE = "/api/v1/data-stores"


def _id(value: str) -> str:
    return segment(value, "data store ID")


def _ids(values: list[str], what: str = "data store ID") -> str:
    """Comma-separated IDs, or '*' for all."""
    return id_list(values, what)


def _sets_path(store_ids: list[str], asset_ids: list[str]) -> str:
    assets = _ids(asset_ids, "data asset ID")
    return f"{BASE}/{_ids(store_ids)}/data-assets/{assets}/data-sets"


def _list_params(projections: list[str] | None, sort: list[str] | None) -> dict[str, Any]:
    return {"projections": ",".join(projections) if projections else None,
            "sort": ",".join(sort) if sort else None}


# DataStore properties the spec marks readOnly (a test keeps this equal to the spec digest):
# the server sets them, so they are never sent, neither in a POST nor in a PUT
READ_ONLY = frozenset({"tenantId", "createdBy", "createdTime", "lastModifiedBy",
                       "lastModifiedTime"})


def writable(body: dict[str, Any]) -> dict[str, Any]:
    """The body less what the spec marks readOnly."""
    return {k: v for k, v in body.items() if k not in READ_ONLY}


class DataStoresApi:
    def __init__(self, http: HttpClient):
        self.http = http

    def list_data_stores(self, *, projections: list[str] | None = None,
                         sort: list[str] | None = None, limit: int | None = None,
                         page_size: int | None = None) -> Iterator[dict[str, Any]]:
        """GET /v1/data-stores, every page."""
        return self.http.paginate(BASE, _list_params(projections, sort), limit=limit,
                                  page_size=page_size, max_page_size=MAX_PAGE_SIZE)

    def create_data_store(self, body: dict[str, Any]) -> DataStore:
        """POST /v1/data-stores, less what the spec marks readOnly."""
        return parse("DataStore", self.http.json("POST", BASE, json=writable(body)))

    def delete_data_stores(self, ids: list[str]) -> None:
        """DELETE /v1/data-stores with {"ids": [...]}: only stores without data assets."""
        self.http.request("DELETE", BASE, json={"ids": check_ids(ids, "data store ID")})

    def get_data_store(self, store_id: str, *, projections: list[str] | None = None
                       ) -> DataStore:
        """GET /v1/data-stores/{data-store-id}"""
        return parse("DataStore", self.http.json("GET", f"{BASE}/{_id(store_id)}",
                                          params=_list_params(projections, None)))

    def patch_data_store(self, store_id: str, operations: list[dict[str, Any]]) -> None:
        """PATCH /v1/data-stores/{data-store-id} with an RFC 6902 array."""
        self.http.request("PATCH", f"{BASE}/{_id(store_id)}", json=operations,
                          headers={"Content-Type": "application/json"})

    def update_data_store(self, store_id: str, body: dict[str, Any]) -> DataStore:
        """PUT /v1/data-stores/{data-store-id}: the whole resource, with its current version,
        less what the spec marks readOnly (the server sets those)."""
        return parse("DataStore", self.http.json("PUT", f"{BASE}/{_id(store_id)}",
                                          json=writable(body)))

    def list_data_assets(self, store_ids: list[str], *, projections: list[str] | None = None,
                         sort: list[str] | None = None, limit: int | None = None,
                         page_size: int | None = None) -> Iterator[dict[str, Any]]:
        """GET /v1/data-stores/{data-store-ids}/data-assets"""
        return self.http.paginate(f"{BASE}/{_ids(store_ids)}/data-assets",
                                  _list_params(projections, sort), limit=limit,
                                  page_size=page_size, max_page_size=MAX_PAGE_SIZE)

    def delete_data_assets(self, store_ids: list[str]) -> None:
        """DELETE /v1/data-stores/{data-store-ids}/data-assets (and their data sets)"""
        self.http.request("DELETE", f"{BASE}/{_ids(store_ids)}/data-assets")

    def list_data_sets(self, store_ids: list[str], asset_ids: list[str], *,
                       projections: list[str] | None = None, sort: list[str] | None = None,
                       limit: int | None = None, page_size: int | None = None
                       ) -> Iterator[dict[str, Any]]:
        """GET /v1/data-stores/{data-store-ids}/data-assets/{data-asset-ids}/data-sets"""
        return self.http.paginate(
            _sets_path(store_ids, asset_ids),
            _list_params(projections, sort), limit=limit, page_size=page_size, max_page_size=MAX_PAGE_SIZE)

    def delete_data_sets(self, store_ids: list[str], asset_ids: list[str]) -> None:
        """DELETE /v1/data-stores/{data-store-ids}/data-assets/{data-asset-ids}/data-sets"""
        self.http.request("DELETE", _sets_path(store_ids, asset_ids))
