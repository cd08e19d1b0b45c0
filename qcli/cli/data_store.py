"""qcli data-store: the data catalog (data stores, data assets, data sets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from qcli.api.limits import CATALOG_PAGE_SIZE
from qcli.cli.completers import complete_data_store
from qcli.cli.kit import application, command, new_typer
from qcli.cli.kit import options as opts
from qcli.cli.kit.documents import (
    DocumentFields,
    PatchOptions,
    TechnicalName,
    create_document,
    fields_body,
    patch_document,
    update_document,
)
from qcli.cli.kit.fields import option, with_options
from qcli.cli.kit.verbs import delete_in_body, list_pages
from qcli.errors import UsageError

if TYPE_CHECKING:
    pass

app = new_typer("The data catalog: data stores, their data assets and data sets.")
asset_app = new_typer("Data assets of data stores.")
set_app = new_typer("Data sets of data assets.")
app.add_typer(asset_app, name="data-asset")
app.add_typer(set_app, name="data-set")

COLUMNS = [("ID", "id"), ("NAME", "name"), ("TYPE", "type"), ("TECHNICAL NAME", "technicalName"),
           ("SPACE", "spaceId"), ("MODIFIED", "lastModifiedTime")]
ASSET_COLUMNS = [("ID", "id"), ("NAME", "name"), ("TECHNICAL NAME", "technicalName"),
                 ("APP TYPE", "appType"), ("STORE", "dataStoreInfo.id"), ("SPACE", "spaceId")]
SET_COLUMNS = [("ID", "id"), ("NAME", "name"), ("TYPE", "type"), ("TECHNICAL NAME", "technicalName"),
               ("ROWS", "operational.rowCount")]

MAX_PAGE_SIZE = CATALOG_PAGE_SIZE
IdArg = typer.Argument(..., help="Data store ID", autocompletion=complete_data_store)
PageSize = opts.PageSize(MAX_PAGE_SIZE)


@dataclass
class StoreFields:
    """The data store's own fields as options (before the catalog's common ones)."""

    type_: str | None = option("--type", help="Data store type (required without --file)")
    technical_name: str | None = option(TechnicalName)


def _model() -> type:
    from qcli.api.models import DataStoreBody

    return DataStoreBody


def _ids(values: list[str], what: str) -> list[str]:
    ids = opts.split(values) or []
    if not ids:
        raise UsageError(f"give {what} IDs (comma-separated or several) or '*' for all")
    if "*" in ids and len(ids) > 1:
        raise UsageError(f"'*' stands for all {what}s: give it alone")
    ids = list(dict.fromkeys(ids))  # an ID given twice is one ID (the API wants them unique)
    if ids != ["*"]:
        from qcli.api.ids import check_ids

        check_ids(ids, f"{what} ID")
    return ids


def _columns(default: list[tuple[str, str]], projections: list[str] | None) -> Any:
    return None if projections else default


@command(app, "ls")
def ls(ctx: typer.Context, projections: list[str] | None = opts.Projections,
       sort: list[str] | None = opts.Sort, limit: int | None = opts.Limit,
       page_size: int | None = PageSize) -> None:
    """List data stores (every page by default).

    Pages are followed by number and rows are printed as pages arrive; --limit stops at
    exactly N.

    \b
    Examples:
      qcli data-store ls
      qcli data-store ls --sort -lastModifiedTime --limit 10
      qcli data-store ls --projections id,name --json
    """
    a = application(ctx)
    fields = opts.split(projections)
    list_pages(a, lambda lim, size: a.data_stores.list_data_stores(
        projections=fields, sort=opts.split(sort), limit=lim, page_size=size),
        limit=limit, page_size=page_size, maximum=MAX_PAGE_SIZE, columns=_columns(COLUMNS, fields))


@command(app, "get")
def get(ctx: typer.Context, store_id: str = IdArg,
        projections: list[str] | None = opts.Projections) -> None:
    """Show one data store.

    \b
    Example:
      qcli data-store get 65a1f3c2e4b0a1b2c3d4e5f6 -o yaml
    """
    a = application(ctx)
    a.printer.item(a.data_stores.get_data_store(store_id, projections=opts.split(projections)))


@command(app, "create")
@with_options
def create(
    ctx: typer.Context, fields: StoreFields, common: DocumentFields,
    file: str | None = opts.BodyFile,
) -> None:
    """Create a data store from field options or a JSON body (checked before sending).

    \b
    Examples:
      qcli data-store create --type qix-datafiles --technical-name sales --name Sales --tag eu
      qcli data-store create --file store.json -q
    """
    a = application(ctx)
    create_document(a, file, fields_body(fields, common), _model(), "data store",
                    a.data_stores.create_data_store)


@command(app, "update")
@with_options
def update(
    ctx: typer.Context, fields: StoreFields, common: DocumentFields, store_id: str = IdArg,
    file: str | None = opts.BodyFile,
) -> None:
    """Replace a data store (PUT). Field options change the current resource; a --file body
    without a version is sent with the current one; a stale version exits 5.

    \b
    Examples:
      qcli data-store update 65a1f3c2e4b0a1b2c3d4e5f6 --description "EU sales"
      qcli data-store get ID --json > s.json; $EDITOR s.json; qcli data-store update ID --file s.json
    """
    a = application(ctx)
    update_document(a, file, fields_body(fields, common), _model(), "data store",
                    lambda: a.data_stores.get_data_store(store_id),
                    lambda body: a.data_stores.update_data_store(store_id, body))


@command(app, "patch")
@with_options
def patch(ctx: typer.Context, ops: PatchOptions, store_id: str = IdArg) -> None:
    """Apply a JSON Patch (RFC 6902) to a data store, checked before sending.

    \b
    Examples:
      qcli data-store patch ID --op replace --path /name --value '"Sales EU"'
      qcli data-store patch ID --op test --path /version --value 3
      qcli data-store patch ID --file changes.json
    """
    a = application(ctx)
    patch_document(a, store_id, ops, "data store",
                   lambda operations: a.data_stores.patch_data_store(store_id, operations))


@command(app, "rm")
def rm(ctx: typer.Context,
       store_ids: list[str] = typer.Argument(..., help="Data store IDs",
                                             autocompletion=complete_data_store),
       yes: bool = opts.Yes) -> None:
    """Delete data stores (one request). A store that holds data assets cannot be deleted.

    \b
    Examples:
      qcli data-store rm 65a1f3c2e4b0a1b2c3d4e5f6 --yes
      qcli data-store data-asset rm ID --yes && qcli data-store rm ID --yes
    """
    from qcli.services.catalog import delete_data_stores

    a = application(ctx)
    ids = _ids(store_ids, "data store")
    if "*" in ids:
        raise UsageError("data-store rm takes IDs, not '*'")
    delete_in_body(a, ids, lambda chosen: delete_data_stores(a, chosen), "data store", yes=yes)


@command(asset_app, "ls")
def asset_ls(ctx: typer.Context,
             store_ids: list[str] = typer.Argument(..., help="Data store IDs or '*'"),
             projections: list[str] | None = opts.Projections, sort: list[str] | None = opts.Sort,
             limit: int | None = opts.Limit, page_size: int | None = PageSize) -> None:
    """List the data assets of data stores ('*': of all).

    \b
    Examples:
      qcli data-store data-asset ls '*'
      qcli data-store data-asset ls ID1,ID2 --sort name
    """
    a = application(ctx)
    fields = opts.split(projections)
    list_pages(a, lambda lim, size: a.data_stores.list_data_assets(
        _ids(store_ids, "data store"), projections=fields, sort=opts.split(sort), limit=lim,
        page_size=size), limit=limit, page_size=page_size, maximum=MAX_PAGE_SIZE,
        columns=_columns(ASSET_COLUMNS, fields))


@command(asset_app, "rm")
def asset_rm(ctx: typer.Context,
             store_ids: list[str] = typer.Argument(..., help="Data store IDs or '*'"),
             yes: bool = opts.Yes) -> None:
    """Delete the data assets (and their data sets) of data stores.

    \b
    Example:
      qcli data-store data-asset rm 65a1f3c2e4b0a1b2c3d4e5f6 --yes
    """
    a = application(ctx)
    ids = _ids(store_ids, "data store")
    target = "every data store" if ids == ["*"] else ", ".join(ids)
    a.confirm_destructive(f"delete the data assets of {target}", yes=yes)
    a.data_stores.delete_data_assets(ids)
    a.say(f"Deleted the data assets of {target}.")


@command(set_app, "ls")
def set_ls(ctx: typer.Context,
           store_ids: str = typer.Argument(..., help="Data store IDs (comma-separated) or '*'"),
           asset_ids: str = typer.Argument(..., help="Data asset IDs (comma-separated) or '*'"),
           projections: list[str] | None = opts.Projections, sort: list[str] | None = opts.Sort,
           limit: int | None = opts.Limit, page_size: int | None = PageSize) -> None:
    """List the data sets of data assets.

    \b
    Examples:
      qcli data-store data-set ls '*' '*'
      qcli data-store data-set ls STORE_ID ASSET_ID1,ASSET_ID2 -o yaml
    """
    a = application(ctx)
    fields = opts.split(projections)
    list_pages(a, lambda lim, size: a.data_stores.list_data_sets(
        _ids([store_ids], "data store"), _ids([asset_ids], "data asset"), projections=fields,
        sort=opts.split(sort), limit=lim, page_size=size), limit=limit, page_size=page_size,
        maximum=MAX_PAGE_SIZE, columns=_columns(SET_COLUMNS, fields))


@command(set_app, "rm")
def set_rm(ctx: typer.Context,
           store_ids: str = typer.Argument(..., help="Data store IDs (comma-separated) or '*'"),
           asset_ids: str = typer.Argument(..., help="Data asset IDs (comma-separated) or '*'"),
           yes: bool = opts.Yes) -> None:
    """Delete the data sets of data assets.

    \b
    Example:
      qcli data-store data-set rm STORE_ID ASSET_ID --yes
    """
    a = application(ctx)
    stores, assets = _ids([store_ids], "data store"), _ids([asset_ids], "data asset")
    a.confirm_destructive(f"delete the data sets of data assets {','.join(assets)}", yes=yes)
    a.data_stores.delete_data_sets(stores, assets)
    a.say(f"Deleted the data sets of {','.join(assets)}.")
