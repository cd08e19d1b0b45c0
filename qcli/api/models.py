"""Models from the reference (pydantic v2): requests, checked before any request is sent, and
the resources the API methods return (qcli.api imports this module only where one is needed:
pydantic stays off the startup path of commands that print lists of plain dicts).

Their fields come from the reference itself: qcli/api/schemas.json, which `make specs` derives
from the spec digest (tests/contract/test_digest.py keeps it current). A request model is built
whole from its schema (`body_model`); a resource's class body declares only the attributes qcli
reads, typed for mypy, and `from_schema` adds the schema's other properties as optional fields."""

from __future__ import annotations

import json
import keyword
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, create_model

from qcli.errors import UsageError

SCALARS: dict[str, Any] = {"string": str, "integer": int, "number": float, "boolean": bool}
STRICT = ConfigDict(extra="forbid", strict=True, defer_build=True)  # built when first used


@cache
def _schemas() -> dict[str, Any]:
    return json.loads(Path(__file__).with_name("schemas.json").read_text(encoding="utf-8"))


def schema(spec: str, name: str) -> dict[str, Any]:
    """A component schema's facts: {"properties": {name: facts}, "required": [...]}."""
    facts: dict[str, Any] = _schemas()[spec][name]
    return facts


def _type(facts: dict[str, Any]) -> Any:
    """A property's Python type: scalars as they are, an array as a list of its items, an
    object or a $ref as a dict (kept as sent)."""
    if facts["type"] == "array":
        return list[SCALARS.get(facts.get("items", ""), Any)]  # type: ignore[misc]
    return SCALARS.get(facts["type"], dict[str, Any])


def _attr(prop: str, names: Callable[[str], str] | None = None) -> str:
    """The attribute for a property: its own name unless that is a keyword or a BaseModel
    name (`schema`), then with a trailing underscore (the property stays its alias)."""
    attr = names(prop) if names else prop
    return f"{attr}_" if keyword.iskeyword(attr) or hasattr(BaseModel, attr) else attr


def body_model(spec: str, name: str, *, writable_only: bool = False,
               nested: dict[str, type[BaseModel]] | None = None) -> type[BaseModel]:
    """A strict request model of a schema: unknown fields refused, the required ones required,
    string lengths as the spec has them; `writable_only` leaves out what the spec marks
    readOnly; `nested` types some properties with a model of their own."""
    facts = schema(spec, name)
    required = set(facts["required"])
    fields: dict[str, Any] = {}
    for prop, f in facts["properties"].items():
        if writable_only and f.get("readOnly"):
            continue
        attr = _attr(prop)
        kind = (nested or {}).get(prop) or _type(f)
        field = Field(... if prop in required else None, alias=prop if attr != prop else None,
                      max_length=f.get("maxLength"), min_length=f.get("minLength"))
        fields[attr] = (kind if prop in required else kind | None, field)
    return create_model(name, __config__=STRICT, **fields)


def validate(model: type[BaseModel], data: dict[str, Any], source: str) -> dict[str, Any]:
    """Validate `data`; exit 2 with the first problem named (field and reason)."""
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "(body)"
        reason = first.get("msg", "invalid")
        if first.get("type") == "extra_forbidden":
            reason = "unknown field"
        raise UsageError(f"invalid {source}: {where}: {reason}") from None
    return _as_given(parsed.model_dump(exclude_none=True, by_alias=True), data)


def _as_given(value: Any, given: Any) -> Any:
    """The checked body with its keys in the order they were given (a model dumps its own)."""
    if isinstance(value, dict) and isinstance(given, dict):
        return {k: _as_given(value[k], given[k]) for k in given if k in value}
    return value


ExtensionBundle = body_model("extensions", "bundleMeta")
# the `data` part of POST/PATCH /v1/extensions: what the client may set
ExtensionData = body_model("extensions", "extension", writable_only=True,
                           nested={"bundle": ExtensionBundle})
# data stores, data assets and data sets as POST/PUT take them (readOnly fields allowed: an
# update is the current document with changes; the API classes leave those out when sending)
DataStoreBody = body_model("data-stores", "DataStore")
DataAssetBody = body_model("data-assets", "DataAsset")
DataSetBody = body_model("data-sets", "DataSet")


POINTER = r"^(/([^~/]|~[01])*)*$"
PATCH_OPS = ("add", "remove", "replace", "move", "copy", "test")


class PatchOperation:
    """One RFC 6902 operation: op and path always; value for add/replace/test; from for
    move/copy."""

    @classmethod
    def check(cls, raw: Any, index: int) -> dict[str, Any]:
        import re

        where = f"operation {index}"
        if not isinstance(raw, dict):
            raise UsageError(f"invalid JSON patch: {where} is not an object")
        unknown = sorted(set(raw) - {"op", "path", "value", "from"})
        if unknown:
            raise UsageError(f"invalid JSON patch: {where}: unknown field {unknown[0]!r}")
        op = raw.get("op")
        if op not in PATCH_OPS:
            raise UsageError(f"invalid JSON patch: {where}: op must be one of "
                             f"{', '.join(PATCH_OPS)}, not {op!r}")
        for field in ("path", "from") if op in ("move", "copy") else ("path",):
            pointer = raw.get(field)
            if not isinstance(pointer, str):
                raise UsageError(f"invalid JSON patch: {where}: {op} needs {field!r}")
            if not re.match(POINTER, pointer):
                raise UsageError(f"invalid JSON patch: {where}: {field} {pointer!r} is not a "
                                 "JSON pointer (e.g. /name or /tags/0)")
        if op in ("add", "replace", "test") and "value" not in raw:
            raise UsageError(f"invalid JSON patch: {where}: {op} needs a value")
        return raw


def validate_patch(doc: Any) -> list[dict[str, Any]]:
    """An RFC 6902 array, checked before sending (exit 2 naming the first problem)."""
    if not isinstance(doc, list) or not doc:
        raise UsageError("invalid JSON patch: expected a non-empty array of operations")
    return [PatchOperation.check(op, i) for i, op in enumerate(doc)]


# -- responses -------------------------------------------------------------------------------------
class Resource(BaseModel):
    """A resource as the server sent it: the reference's fields typed for qcli, any other field
    kept (extra allowed). to_json() is the server's JSON as it came (same keys, order and
    values), which is what the printer prints."""

    model_config = ConfigDict(extra="allow", defer_build=True)  # built when first used
    _raw: Any = PrivateAttr(default=None)

    @classmethod
    def from_json(cls, raw: Any) -> Self:
        """Typed, when the answer matches the reference; else its fields as they are (an answer
        that is off the reference still prints as before)."""
        try:
            model = cls.model_validate(raw)
        except ValidationError:
            model = cls.model_construct(**raw) if isinstance(raw, dict) else cls.model_construct()
        model._raw = raw
        return model

    def to_json(self) -> Any:
        if self._raw is not None:
            return self._raw
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


R = TypeVar("R", bound=Resource)


def from_schema(spec: str, name: str, *, names: Callable[[str], str] | None = None
                ) -> Callable[[type[R]], type[R]]:
    """Class decorator: the resource with every other property of the reference's schema added
    as an optional field (`names` turns a property's name into its attribute's)."""
    def build(cls: type[R]) -> type[R]:
        declared = set(cls.model_fields) | {f.alias for f in cls.model_fields.values()}
        fields: dict[str, Any] = {}
        for prop, facts in schema(spec, name)["properties"].items():
            attr = _attr(prop, names)
            if prop not in declared and attr not in declared:
                fields[attr] = (_type(facts) | None,
                                Field(None, alias=prop if attr != prop else None))
        return create_model(cls.__name__, __base__=cls, __module__=cls.__module__,
                            __doc__=cls.__doc__, **fields)
    return build


def snake(name: str) -> str:
    """CreatorID -> creator_id, TTLSeconds -> ttl_seconds."""
    import re

    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


@from_schema("extensions", "bundleMeta")
class BundleMeta(Resource):
    name: str | None = None


@from_schema("extensions", "extension")
class Extension(Resource):
    """GET/POST/PATCH /v1/extensions(/{id}): the reference's `extension`."""

    id: str | None = None
    name: str | None = None
    bundle: BundleMeta | None = None


@from_schema("data-files", "DataFileUploadResponse")
class DataFile(Resource):
    """A data file as GET/POST/PUT /v1/data-files(/{id}) answer it."""

    id: str | None = None
    name: str | None = None
    size: int | None = None


@from_schema("data-files", "QuotaResponse")
class DataFileQuota(Resource):
    """GET /v1/data-files/quotas."""


@from_schema("data-files", "ConnectionsResponse")
class DataFileConnection(Resource):
    """GET /v1/data-files/connections/{id}."""


@from_schema("temp-contents", "detailResponse", names=snake)
class TempContentDetails(Resource):
    """GET /v1/temp-contents/{id}/details (detailResponse: ID, Name, Size (a string there),
    TTLSeconds... as id, name, size, ttl_seconds)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)

    name: str | None = Field(default=None, alias="Name")
    size: str | None = Field(default=None, alias="Size")


class CatalogDocument(Resource):
    """What qcli reads of a data store, data asset or data set: its version (a PUT sends the
    current one)."""

    version: int | None = None


@from_schema("data-stores", "DataStore")
class DataStore(CatalogDocument):
    """GET/POST/PUT /v1/data-stores(/{id})."""


@from_schema("data-assets", "DataAsset")
class DataAsset(CatalogDocument):
    """GET/POST/PUT /v1/data-assets(/{id})."""


@from_schema("data-sets", "DataSet")
class DataSet(CatalogDocument):
    """GET/POST/PUT /v1/data-sets(/{id})."""
