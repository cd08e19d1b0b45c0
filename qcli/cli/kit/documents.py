"""Resources that are JSON documents (the data catalog: data stores, data assets, data sets):
create from field options or a --file body, replace (PUT with the current version), and JSON
Patch (RFC 6902) from --op/--path/--value/--from or a file. Every body is checked against the
resource's model before it is sent."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import typer

from qcli.cli.kit import options as opts
from qcli.cli.kit.fields import option, wire_fields
from qcli.errors import UsageError

if TYPE_CHECKING:
    from qcli.api.models import CatalogDocument
    from qcli.app import Application

TechnicalName = typer.Option(None, "--technical-name", help="Technical name (required without "
                             "--file)")


@dataclass
class DocumentFields:
    """The fields every catalog document has, as options (after the resource's own)."""

    name: str | None = option(opts.Name())
    description: str | None = option(opts.Description)
    technical_description: str | None = option("--technical-description",
                                               help="Technical description")
    space_id: str | None = option(opts.SpaceId)
    tag: list[str] | None = option(opts.Tag, wire="tags")
    property_: list[str] | None = option("--property", help="Property K=V (repeatable)",
                                         wire="properties")


@dataclass
class PatchOptions:
    """One operation from options, or an RFC 6902 array from --file."""

    file: str | None = option("--file", help="An RFC 6902 array from a file ('-' for stdin)")
    op: str | None = option("--op", help="add, remove, replace, move, copy or test")
    path: str | None = option("--path", help="JSON pointer, e.g. /name")
    value: str | None = option("--value", help="The value, as JSON (a string needs quotes: "
                               "'\"text\"')")
    from_: str | None = option("--from", help="JSON pointer to move/copy from")


def fields_body(*groups: Any) -> dict[str, Any]:
    """The options given, by wire name, from one or more option structures; --property K=V
    pairs become the `properties` object."""
    body: dict[str, Any] = {}
    for group in groups:
        body.update(wire_fields(group))
    if "tags" in body:  # a tag given twice is one tag (the API wants them unique)
        body["tags"] = list(dict.fromkeys(body["tags"]))
    if "properties" in body:
        props: dict[str, str] = {}
        for item in body["properties"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise UsageError(f"invalid --property {item!r}: expected K=V")
            props[key] = value
        body["properties"] = props
    return body


def read_json_file(a: Application, path: str, flag: str) -> Any:
    from qcli.cli.inputs import parse_json, read_file_bytes

    raw = read_file_bytes(path, a.io.in_binary())
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{flag} {path} is not UTF-8 text") from None
    return parse_json(text, f"{flag} {path}")


def checked_body(a: Application, file: str | None, fields: dict[str, Any], model: type,
                 what: str) -> dict[str, Any]:
    """--file's body or the field options (not both), validated against `model`."""
    from qcli.api.models import validate

    if file is not None and fields:
        raise UsageError("give --file or field options, not both")
    body = read_json_file(a, file, "--file") if file is not None else fields
    if not isinstance(body, dict):
        raise UsageError(f"the {what} body must be a JSON object")
    return validate(model, body, what)


def create_document(a: Application, file: str | None, fields: dict[str, Any], model: type,
                    what: str, create: Callable[[dict[str, Any]], Any]) -> None:
    """POST a new document (the server assigns its id) and print it."""
    body = checked_body(a, file, fields, model, what)
    if body.get("id") is not None:
        raise UsageError(f"a new {what} has no id: the server assigns it (remove 'id')")
    a.printer.item(create(body))


def update_document(a: Application, file: str | None, changes: dict[str, Any], model: type,
                    what: str, current: Callable[[], CatalogDocument],
                    replace: Callable[[dict[str, Any]], Any]) -> None:
    """PUT the whole document: field options change the current one; a --file body without
    a version is sent with the current version (a stale one exits 5)."""
    from qcli.api.models import validate

    if file is not None:
        body = checked_body(a, file, changes, model, what)
        if body.get("version") is None:
            body["version"] = current().version
    else:
        if not changes:
            raise UsageError("nothing to change: give --file or a field option")
        body = validate(model, {**current().to_json(), **changes}, what)
    a.printer.item(replace(body))


def patch_document(a: Application, item_id: str, patch: PatchOptions, what: str,
                   send: Callable[[list[dict[str, Any]]], Any]) -> None:
    """Check the operations, send them, say how many were applied."""
    from qcli.api.models import validate_patch

    if patch.file is not None:
        if any(v is not None for v in (patch.op, patch.path, patch.value, patch.from_)):
            raise UsageError("give --file or --op/--path/--value/--from, not both")
        doc = read_json_file(a, patch.file, "--file")
    else:
        if patch.op is None:
            raise UsageError("give --file PATCH.json or --op OP --path POINTER")
        operation: dict[str, Any] = {"op": patch.op, "path": patch.path}
        if patch.value is not None:
            operation["value"] = json_value(patch.value)
        if patch.from_ is not None:
            operation["from"] = patch.from_
        doc = [operation]
    operations = validate_patch(doc)
    send(operations)
    a.say(f"Patched {what} {item_id} ({len(operations)} operation"
          f"{'s' if len(operations) != 1 else ''}).")


def json_value(value: str) -> Any:
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


@dataclass(frozen=True)
class Resource:
    """A catalog resource declared for `document_verbs`: its noun, its API class and model
    (imported on first use), its own option structure, an ID completer and help examples."""

    noun: str  # "data asset"
    api: str  # "qcli.api.catalog:DataAssetsApi"
    model: str  # its request model, a class of qcli.api.models
    fields: type  # the resource's own option structure (before DocumentFields)
    complete: Callable[..., list[str]] | None = None
    examples: tuple[tuple[str, str], ...] = ()  # (verb, example lines)

    def api_of(self, a: Application) -> Any:
        import importlib

        module, _, name = self.api.partition(":")
        return a.api(getattr(importlib.import_module(module), name))

    def model_class(self) -> type:
        from qcli.api import models

        return getattr(models, self.model)

    def help(self, verb: str, text: str) -> str:
        lines = [line for v, line in self.examples if v == verb]
        if not lines:
            return text
        shown = "\n".join(f"  {line}" for line in lines)
        return f"{text}\n\n\b\nExample{'s' if len(lines) > 1 else ''}:\n{shown}"


def document_verbs(app: typer.Typer, r: Resource) -> None:
    """Register create, get, update, patch and rm (IDs in one request's body) for `r`."""
    from qcli.cli.kit.commands import application, command
    from qcli.cli.kit.fields import with_options
    from qcli.cli.kit.verbs import delete_in_body, show

    label = f"{r.noun[0].upper()}{r.noun[1:]} ID"
    id_arg = opts.IdArgument(label, r.complete)

    def create(ctx: Any, fields: Any, common: Any, file: Any = opts.BodyFile) -> None:
        a = application(ctx)
        create_document(a, file, fields_body(fields, common), r.model_class(), r.noun,
                        r.api_of(a).create)

    def get(ctx: Any, item_id: Any = id_arg, projections: Any = opts.Projections) -> None:
        a = application(ctx)
        show(a, r.api_of(a).get(item_id, projections=opts.split(projections)))

    def update(ctx: Any, fields: Any, common: Any, item_id: Any = id_arg,
               file: Any = opts.BodyFile) -> None:
        a = application(ctx)
        api = r.api_of(a)
        update_document(a, file, fields_body(fields, common), r.model_class(), r.noun,
                        lambda: api.get(item_id), lambda body: api.update(item_id, body))

    def patch(ctx: Any, ops: Any, item_id: Any = id_arg) -> None:
        a = application(ctx)
        patch_document(a, item_id, ops, r.noun, lambda o: r.api_of(a).patch(item_id, o))

    def rm(ctx: Any, item_ids: Any = opts.IdsArgument(label, r.complete),
           yes: Any = opts.Yes) -> None:
        a = application(ctx)
        delete_in_body(a, opts.split(item_ids) or [], r.api_of(a).delete_many, r.noun, yes=yes)

    types = {"ctx": typer.Context, "file": str | None, "item_id": str, "fields": r.fields,
             "common": DocumentFields, "projections": list[str] | None, "ops": PatchOptions,
             "item_ids": list[str], "yes": bool}
    for verb in (create, get, update, patch, rm):  # what typer reads, for these closures
        verb.__annotations__ = {name: types[name] for name in verb.__code__.co_varnames[
            :verb.__code__.co_argcount]}
    noun = r.noun
    command(app, "create", help=r.help("create", f"Create a {noun} from field options or a "
                                       "JSON body (checked before sending)."))(
        with_options(create))
    command(app, "get", help=r.help("get", f"Show one {noun}."))(get)
    command(app, "update", help=r.help("update", f"Replace a {noun} (PUT). Field options "
                                       f"change the current {noun}; a --file body without a "
                                       "version is sent with the current one; a stale "
                                       "version exits 5."))(with_options(update))
    command(app, "patch", help=r.help("patch", f"Apply a JSON Patch (RFC 6902) to a {noun}, "
                                      "checked before sending."))(with_options(patch))
    command(app, "rm", help=r.help("rm", f"Delete {noun}s (one request: all or none)."))(rm)
