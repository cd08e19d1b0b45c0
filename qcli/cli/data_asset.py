"""qcli data-asset: data assets of the data catalog (as `qlik data-asset`); the assets of a
data store are listed by `qcli data-store data-asset ls`."""

from __future__ import annotations

from dataclasses import dataclass

from qcli.cli.completers import complete_data_asset
from qcli.cli.kit import new_typer
from qcli.cli.kit.documents import Resource, TechnicalName, document_verbs
from qcli.cli.kit.fields import option

app = new_typer("Data assets of the data catalog.")


@dataclass
class AssetFields:
    app_type: str | None = option("--app-type", help="App type, e.g. QIX-DF (required without "
                                  "--file)")
    technical_name: str | None = option(TechnicalName)
    data_store_id: str | None = option("--data-store-id", wire="dataStoreInfo.id",
                                       help="Its data store (required without --file)")
    app_id: str | None = option("--app-id", help="App ID")
    data_freshness: str | None = option("--data-freshness", help="Data freshness")


document_verbs(app, Resource(
    "data asset", "qcli.api.catalog:DataAssetsApi", "DataAssetBody", AssetFields,
    complete_data_asset, examples=(
        ("create", "qcli data-asset create --data-store-id STORE_ID --app-type QIX-DF "
                   "--technical-name sales --name Sales"),
        ("create", "qcli data-asset create --file asset.json -q"),
        ("get", "qcli data-asset get 65a1f3c2e4b0a1b2c3d4e5f7 -o yaml"),
        ("update", "qcli data-asset update ID --description 'Sales, EU'"),
        ("patch", "qcli data-asset patch ID --op replace --path /name --value '\"Sales EU\"'"),
        ("rm", "qcli data-asset rm ID1,ID2 --yes"))))
