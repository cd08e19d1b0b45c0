"""Request models from the reference, checked before any request is sent (pydantic v2)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

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
    return parsed.model_dump(exclude_none=True)
