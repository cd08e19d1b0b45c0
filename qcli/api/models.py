"""Models from the reference (pydantic v2): requests, checked before any request is sent, and
the resources the API methods return (qcli.api imports this module only where one is needed:
pydantic stays off the startup path of commands that print lists of plain dicts)."""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from qcli.errors import UsageError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ExtensionBundle(_Strict):
    id: str | None = None
    name: str | None = None
    description: str | None = None


class ExtensionData(_Strict):
    """The `data` part of POST/PATCH /v1/extensions."""

    file: dict[str, Any] | None = None
    icon: str | None = None
    name: str | None = None
    tags: list[str] | None = None
    type: str | None = None
    author: str | None = None
    bundle: ExtensionBundle | None = None
    bundled: bool | None = None
    license: str | None = None
    preview: str | None = None
    version: str | None = None
    checksum: str | None = None
    homepage: str | None = None
    keywords: str | None = None
    loadpath: str | None = None
    supplier: str | None = None
    supernova: bool | None = None
    deprecated: str | None = None
    repository: str | None = None
    description: str | None = None
    qextVersion: str | None = None
    dependencies: dict[str, Any] | None = None
    qextFilename: str | None = None


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
    return parsed.model_dump(exclude_none=True, by_alias=True)


NAME = Field(default=None, max_length=255)
TEXT = Field(default=None, max_length=1024)
TECHNICAL_NAME = Field(min_length=1, max_length=255)


class _CatalogDocument(_Strict):
    """What data stores, data assets and data sets share (the spec's common properties, with
    its length limits)."""

    id: str | None = None
    name: str | None = NAME
    tags: list[str] | None = None
    ownerId: str | None = None
    spaceId: str | None = None
    version: int | None = None
    tenantId: str | None = None
    createdBy: str | None = None
    properties: dict[str, Any] | None = None
    createdTime: str | None = None
    description: str | None = TEXT
    lastModifiedBy: str | None = None
    lastModifiedTime: str | None = None
    technicalDescription: str | None = TEXT


class DataStore(_CatalogDocument):
    """A data store as POST/PUT /v1/data-stores take it (type and technicalName required)."""

    uri: str | None = Field(default=None, max_length=512)
    type: str = Field(min_length=1, max_length=64)
    technicalName: str = TECHNICAL_NAME


class DataAsset(_CatalogDocument):
    """A data asset as POST/PUT /v1/data-assets take it (appType and technicalName required;
    dataStoreInfo.id names its data store)."""

    appId: str | None = None
    appType: str
    technicalName: str = TECHNICAL_NAME
    dataFreshness: str | None = None
    dataStoreInfo: dict[str, Any] | None = None


class DataSet(_CatalogDocument):
    """A data set as POST/PUT /v1/data-sets take it (dataAssetInfo, qri, secureQri and
    technicalName required)."""

    technicalName: str = TECHNICAL_NAME
    qri: str = Field(min_length=8, max_length=1024)
    type: str | None = None
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    secureQri: str
    operational: dict[str, Any] | None = None
    dataAssetInfo: dict[str, Any]
    appTypeOverride: str | None = None
    additionalSchemas: list[Any] | None = None
    createdByConnectionId: str | None = None


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

    model_config = ConfigDict(extra="allow")
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


class BundleMeta(Resource):
    id: str | None = None
    name: str | None = None
    description: str | None = None


class Extension(Resource):
    """GET/POST/PATCH /v1/extensions(/{id}): the reference's `extension`."""

    id: str | None = None
    name: str | None = None
    type: str | None = None
    tags: list[str] | None = None
    icon: str | None = None
    file: dict[str, Any] | None = None
    author: str | None = None
    bundle: BundleMeta | None = None
    bundled: bool | None = None
    license: str | None = None
    preview: str | None = None
    version: str | None = None
    checksum: str | None = None
    homepage: str | None = None
    keywords: str | None = None
    loadpath: str | None = None
    supplier: str | None = None
    supernova: bool | None = None
    deprecated: str | None = None
    repository: str | None = None
    description: str | None = None
    qextVersion: str | None = None
    dependencies: dict[str, Any] | None = None
    qextFilename: str | None = None
    migrationState: str | None = None
    tenantId: str | None = None
    userId: str | None = None
    createdAt: str | None = None
    updateAt: str | None = None


class DataFile(Resource):
    """A data file as GET/POST/PUT /v1/data-files(/{id}) answer it (DataFileUploadResponse)."""

    id: str | None = None
    name: str | None = None
    size: int | None = None
    qri: str | None = None
    appId: str | None = None
    folder: bool | None = None
    actions: list[str] | None = None
    ownerId: str | None = None
    spaceId: str | None = None
    baseName: str | None = None
    folderId: str | None = None
    folderPath: str | None = None
    folderStats: dict[str, Any] | None = None
    createdDate: str | None = None
    modifiedDate: str | None = None
    contentUpdatedDate: str | None = None


class DataFileQuota(Resource):
    """GET /v1/data-files/quotas (QuotaResponse)."""

    size: int | None = None
    maxSize: int | None = None
    maxFileSize: int | None = None
    maxLargeFileSize: int | None = None
    allowedExtensions: list[str] | None = None
    allowedInternalExtensions: list[str] | None = None


class DataFileConnection(Resource):
    """GET /v1/data-files/connections/{id} (ConnectionsResponse)."""

    id: str | None = None
    name: str | None = None
    type: str | None = None
    spaceId: str | None = None
    spaceStats: dict[str, Any] | None = None
    connectStatement: str | None = None


class TempContentDetails(Resource):
    """GET /v1/temp-contents/{id}/details (detailResponse): Size is a string there."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    id: str | None = Field(default=None, alias="ID")
    name: str | None = Field(default=None, alias="Name")
    size: str | None = Field(default=None, alias="Size")
    expires: str | None = Field(default=None, alias="Expires")
    created_at: str | None = Field(default=None, alias="CreatedAt")
    updated_at: str | None = Field(default=None, alias="UpdatedAt")
    creator_id: str | None = Field(default=None, alias="CreatorID")
    ttl_seconds: int | None = Field(default=None, alias="TTLSeconds")
