"""qcli data-store: the data catalog (data stores, data assets, data sets)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from qcli.cli._typer import application, command, new_typer
from qcli.cli.completers import complete_data_store
from qcli.cli.inputs import check_counts
from qcli.errors import ApiError, UsageError

if TYPE_CHECKING:
    from qcli.app import Application

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

MAX_PAGE_SIZE = 100
IdArg = typer.Argument(..., help="Data store ID", autocompletion=complete_data_store)
ProjectionsOpt = typer.Option(None, "--projections", help="Fields to return, comma-separated "
                              "(repeatable)")
SortOpt = typer.Option(None, "--sort", help="Sort fields, comma-separated; '-' for descending")
LimitOpt = typer.Option(None, "--limit", help="Stop after N items (default: every page)")
PageSizeOpt = typer.Option(None, "--page-size", help="Items per request (1 to 100)")
YesOpt = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation")
FileOpt = typer.Option(None, "--file", help="The body as JSON, from a file ('-' for stdin)")
TypeOpt = typer.Option(None, "--type", help="Data store type (required without --file)")
TechnicalNameOpt = typer.Option(None, "--technical-name", help="Technical name (required "
                                "without --file)")
NameOpt = typer.Option(None, "--name", help="Display name")
DescriptionOpt = typer.Option(None, "--description", help="Description")
TechDescriptionOpt = typer.Option(None, "--technical-description", help="Technical description")
SpaceOpt = typer.Option(None, "--space-id", help="Space ID")
TagOpt = typer.Option(None, "--tag", help="Tag (repeatable)")
PropertyOpt = typer.Option(None, "--property", help="Property K=V (repeatable)")


def _split(values: list[str] | None) -> list[str] | None:
    """Comma-separated and/or repeated values as one list."""
    if not values:
        return None
    out = [v.strip() for raw in values for v in raw.split(",") if v.strip()]
    return out or None


def _ids(values: list[str], what: str) -> list[str]:
    ids = _split(values) or []
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


def _read_json_file(a: Application, path: str, flag: str) -> Any:
    from qcli.cli.inputs import parse_json, read_file_bytes

    raw = read_file_bytes(path, a.io.in_binary())
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{flag} {path} is not UTF-8 text") from None
    return parse_json(text, f"{flag} {path}")


def _fields(type_: str | None, technical_name: str | None, name: str | None,
            description: str | None, technical_description: str | None, space_id: str | None,
            tags: list[str] | None, properties: list[str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": type_, "technicalName": technical_name, "name": name,
                            "description": description,
                            "technicalDescription": technical_description, "spaceId": space_id}
    body = {k: v for k, v in body.items() if v is not None}
    if tags:
        body["tags"] = list(dict.fromkeys(tags))  # a tag given twice is one tag (the API wants them unique)
    if properties:
        props: dict[str, str] = {}
        for item in properties:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise UsageError(f"invalid --property {item!r}: expected K=V")
            props[key] = value
        body["properties"] = props
    return body


def _body(a: Application, file: str | None, fields: dict[str, Any]) -> dict[str, Any]:
    from qcli.api.models import DataStore, validate

    if file is not None and fields:
        raise UsageError("give --file or field options, not both")
    body = _read_json_file(a, file, "--file") if file is not None else fields
    if not isinstance(body, dict):
        raise UsageError("the data store body must be a JSON object")
    return validate(DataStore, body, "data store")


@command(app, "ls")
def ls(ctx: typer.Context, projections: list[str] | None = ProjectionsOpt,
       sort: list[str] | None = SortOpt, limit: int | None = LimitOpt,
       page_size: int | None = PageSizeOpt) -> None:
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
    check_counts(limit, page_size, MAX_PAGE_SIZE)
    fields = _split(projections)
    items = a.data_stores.list_data_stores(projections=fields, sort=_split(sort), limit=limit,
                                           page_size=page_size)
    a.printer.items(items, columns=_columns(COLUMNS, fields))


@command(app, "get")
def get(ctx: typer.Context, store_id: str = IdArg,
        projections: list[str] | None = ProjectionsOpt) -> None:
    """Show one data store.

    \b
    Example:
      qcli data-store get 65a1f3c2e4b0a1b2c3d4e5f6 -o yaml
    """
    a = application(ctx)
    a.printer.item(a.data_stores.get_data_store(store_id, projections=_split(projections)))


@command(app, "create")
def create(
    ctx: typer.Context, file: str | None = FileOpt, type_: str | None = TypeOpt,
    technical_name: str | None = TechnicalNameOpt, name: str | None = NameOpt,
    description: str | None = DescriptionOpt, technical_description: str | None = TechDescriptionOpt,
    space_id: str | None = SpaceOpt, tag: list[str] | None = TagOpt,
    property_: list[str] | None = PropertyOpt,
) -> None:
    """Create a data store from field options or a JSON body (checked before sending).

    \b
    Examples:
      qcli data-store create --type qix-datafiles --technical-name sales --name Sales --tag eu
      qcli data-store create --file store.json -q
    """
    a = application(ctx)
    body = _body(a, file, _fields(type_, technical_name, name, description, technical_description,
                                  space_id, tag, property_))
    if body.get("id") is not None:
        raise UsageError("a new data store has no id: the server assigns it (remove 'id')")
    a.printer.item(a.data_stores.create_data_store(body))


@command(app, "update")
def update(
    ctx: typer.Context, store_id: str = IdArg, file: str | None = FileOpt,
    type_: str | None = TypeOpt, technical_name: str | None = TechnicalNameOpt,
    name: str | None = NameOpt, description: str | None = DescriptionOpt,
    technical_description: str | None = TechDescriptionOpt, space_id: str | None = SpaceOpt,
    tag: list[str] | None = TagOpt, property_: list[str] | None = PropertyOpt,
) -> None:
    """Replace a data store (PUT). Field options change the current resource; a --file body
    without a version is sent with the current one; a stale version exits 5.

    \b
    Examples:
      qcli data-store update 65a1f3c2e4b0a1b2c3d4e5f6 --description "EU sales"
      qcli data-store get ID --json > s.json; $EDITOR s.json; qcli data-store update ID --file s.json
    """
    from qcli.api.models import DataStore, validate

    a = application(ctx)
    fields = _fields(type_, technical_name, name, description, technical_description, space_id,
                     tag, property_)
    if file is not None:
        body = _body(a, file, fields)
        if body.get("version") is None:
            body["version"] = a.data_stores.get_data_store(store_id)["version"]
    else:
        if not fields:
            raise UsageError("nothing to change: give --file or a field option")
        current = a.data_stores.get_data_store(store_id)
        body = validate(DataStore, {**current, **fields}, "data store")
    a.printer.item(a.data_stores.update_data_store(store_id, body))


@command(app, "patch")
def patch(
    ctx: typer.Context, store_id: str = IdArg,
    file: str | None = typer.Option(None, "--file", help="An RFC 6902 array from a file "
                                    "('-' for stdin)"),
    op: str | None = typer.Option(None, "--op", help="add, remove, replace, move, copy or test"),
    path: str | None = typer.Option(None, "--path", help="JSON pointer, e.g. /name"),
    value: str | None = typer.Option(None, "--value", help="The value, as JSON (a string needs "
                                     "quotes: '\"text\"')"),
    from_: str | None = typer.Option(None, "--from", help="JSON pointer to move/copy from"),
) -> None:
    """Apply a JSON Patch (RFC 6902) to a data store, checked before sending.

    \b
    Examples:
      qcli data-store patch ID --op replace --path /name --value '"Sales EU"'
      qcli data-store patch ID --op test --path /version --value 3
      qcli data-store patch ID --file changes.json
    """
    from qcli.api.models import validate_patch

    a = application(ctx)
    if file is not None:
        if any(v is not None for v in (op, path, value, from_)):
            raise UsageError("give --file or --op/--path/--value/--from, not both")
        doc = _read_json_file(a, file, "--file")
    else:
        if op is None:
            raise UsageError("give --file PATCH.json or --op OP --path POINTER")
        operation: dict[str, Any] = {"op": op, "path": path}
        if value is not None:
            operation["value"] = _json_value(value)
        if from_ is not None:
            operation["from"] = from_
        doc = [operation]
    operations = validate_patch(doc)
    a.data_stores.patch_data_store(store_id, operations)
    a.say(f"Patched data store {store_id} ({len(operations)} operation"
          f"{'s' if len(operations) != 1 else ''}).")


def _json_value(value: str) -> Any:
    """--value as JSON; text that isn't JSON gets a hint showing it quoted as a JSON string."""
    import json
    import shlex

    from qcli.cli.inputs import parse_json

    try:
        return parse_json(value, "--value")
    except UsageError as exc:
        exc.hint = ("--value is JSON: a text needs double quotes inside the shell's quotes, "
                    f"--value {shlex.quote(json.dumps(value, ensure_ascii=False))}")
        raise


@command(app, "rm")
def rm(ctx: typer.Context,
       store_ids: list[str] = typer.Argument(..., help="Data store IDs",
                                             autocompletion=complete_data_store),
       yes: bool = YesOpt) -> None:
    """Delete data stores (one request). A store that holds data assets cannot be deleted.

    \b
    Examples:
      qcli data-store rm 65a1f3c2e4b0a1b2c3d4e5f6 --yes
      qcli data-store data-asset rm ID --yes && qcli data-store rm ID --yes
    """
    a = application(ctx)
    ids = _ids(store_ids, "data store")
    if "*" in ids:
        raise UsageError("data-store rm takes IDs, not '*'")
    a.confirm_destructive(f"delete {len(ids)} data store{'s' if len(ids) > 1 else ''}", yes=yes)
    try:
        a.data_stores.delete_data_stores(ids)
    except ApiError as exc:
        if exc.status == 409:
            exc.hint = f"delete its data assets first: qcli data-store data-asset rm {','.join(ids)} --yes"
        raise
    a.say(f"Deleted {', '.join(ids)}.")


@command(asset_app, "ls")
def asset_ls(ctx: typer.Context,
             store_ids: list[str] = typer.Argument(..., help="Data store IDs or '*'"),
             projections: list[str] | None = ProjectionsOpt, sort: list[str] | None = SortOpt,
             limit: int | None = LimitOpt, page_size: int | None = PageSizeOpt) -> None:
    """List the data assets of data stores ('*': of all).

    \b
    Examples:
      qcli data-store data-asset ls '*'
      qcli data-store data-asset ls ID1,ID2 --sort name
    """
    a = application(ctx)
    check_counts(limit, page_size, MAX_PAGE_SIZE)
    fields = _split(projections)
    items = a.data_stores.list_data_assets(_ids(store_ids, "data store"), projections=fields,
                                           sort=_split(sort), limit=limit, page_size=page_size)
    a.printer.items(items, columns=_columns(ASSET_COLUMNS, fields))


@command(asset_app, "rm")
def asset_rm(ctx: typer.Context,
             store_ids: list[str] = typer.Argument(..., help="Data store IDs or '*'"),
             yes: bool = YesOpt) -> None:
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
           projections: list[str] | None = ProjectionsOpt, sort: list[str] | None = SortOpt,
           limit: int | None = LimitOpt, page_size: int | None = PageSizeOpt) -> None:
    """List the data sets of data assets.

    \b
    Examples:
      qcli data-store data-set ls '*' '*'
      qcli data-store data-set ls STORE_ID ASSET_ID1,ASSET_ID2 -o yaml
    """
    a = application(ctx)
    check_counts(limit, page_size, MAX_PAGE_SIZE)
    fields = _split(projections)
    items = a.data_stores.list_data_sets(_ids([store_ids], "data store"),
                                         _ids([asset_ids], "data asset"), projections=fields,
                                         sort=_split(sort), limit=limit, page_size=page_size)
    a.printer.items(items, columns=_columns(SET_COLUMNS, fields))


@command(set_app, "rm")
def set_rm(ctx: typer.Context,
           store_ids: str = typer.Argument(..., help="Data store IDs (comma-separated) or '*'"),
           asset_ids: str = typer.Argument(..., help="Data asset IDs (comma-separated) or '*'"),
           yes: bool = YesOpt) -> None:
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
