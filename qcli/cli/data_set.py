"""qcli data-set: data sets of the data catalog (as `qlik data-set`), and their profiles; the
sets of data assets are listed by `qcli data-store data-set ls`."""

from __future__ import annotations

from dataclasses import dataclass

import typer

from qcli.api.limits import CATALOG_PAGE_SIZE
from qcli.cli.completers import complete_data_set
from qcli.cli.kit import application, command, new_typer
from qcli.cli.kit import options as opts
from qcli.cli.kit.documents import Resource, TechnicalName, document_verbs
from qcli.cli.kit.fields import option
from qcli.cli.kit.verbs import list_pages

app = new_typer("Data sets of the data catalog, and their profiles.")
PROFILE_COLUMNS = [("DATA SET", "meta.dataSetId"), ("STATUS", "meta.status"),
                   ("CONNECTION", "meta.connectionId"), ("TABLES", "profiles")]


@dataclass
class SetFields:
    technical_name: str | None = option(TechnicalName)
    qri: str | None = option("--qri", help="Qlik resource identifier (required without --file)")
    secure_qri: str | None = option("--secure-qri", help="Secure QRI (required without --file)")
    data_asset_id: str | None = option("--data-asset-id", wire="dataAssetInfo.id",
                                       help="Its data asset (required without --file)")
    type_: str | None = option("--type", help="Type")
    app_type_override: str | None = option("--app-type-override", help="App type override")
    created_by_connection_id: str | None = option("--created-by-connection-id",
                                                  help="Connection that made it")


document_verbs(app, Resource(
    "data set", "qcli.api.catalog:DataSetsApi", "DataSetBody", SetFields, complete_data_set,
    examples=(
        ("create", "qcli data-set create --data-asset-id ASSET_ID --technical-name orders "
                   "--qri qri:db:x --secure-qri qri:db:x"),
        ("create", "qcli data-set create --file set.json -q"),
        ("get", "qcli data-set get 65a1f3c2e4b0a1b2c3d4e5f8 --projections id,name"),
        ("update", "qcli data-set update ID --tag eu --tag sales"),
        ("patch", "qcli data-set patch ID --op add --path /tags/- --value '\"eu\"'"),
        ("rm", "qcli data-set rm ID --yes"))))


@command(app, "profiles")
def profiles(ctx: typer.Context,
             set_id: str = opts.IdArgument("Data set ID", complete_data_set),
             connection_ids: list[str] | None = typer.Option(
                 None, "--data-connection-ids", help="Only profiles made through these "
                 "connections (comma-separated or repeated)"),
             projections: list[str] | None = opts.Projections, sort: list[str] | None = opts.Sort,
             limit: int | None = opts.Limit,
             page_size: int | None = opts.PageSize(CATALOG_PAGE_SIZE)) -> None:
    """List a data set's profiles (every page).

    \b
    Example:
      qcli data-set profiles 65a1f3c2e4b0a1b2c3d4e5f8 -o yaml
    """
    from qcli.api.catalog import DataSetsApi

    a = application(ctx)
    fields = opts.split(projections)
    list_pages(a, lambda lim, size: a.api(DataSetsApi).profiles(
        set_id, connection_ids=opts.split(connection_ids), projections=fields,
        sort=opts.split(sort), limit=lim, page_size=size), limit=limit, page_size=page_size,
        maximum=CATALOG_PAGE_SIZE, columns=None if fields else PROFILE_COLUMNS)
