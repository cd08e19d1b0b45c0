"""The reference's two error envelopes."""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def trace_id() -> str:
    return uuid.uuid4().hex


def errors_response(
    status: int, detail: str, *, code: str | None = None, title: str | None = None,
    headers: dict[str, str] | None = None, trace: bool = True,
) -> JSONResponse:
    """{"errors": [{"code", "title", "detail"}], "traceId"}; the data-files API's ErrorResponse
    allows no traceId (trace=False)."""
    body: dict[str, Any] = {
        "errors": [{
            "code": code or f"HTTP-{status}",
            "title": title or _title(status),
            "detail": detail,
        }],
    }
    if trace:
        body["traceId"] = trace_id()
    return JSONResponse(body, status_code=status, headers=headers)


def extension_error(status: int, message: str, *, resource: str | None = None) -> JSONResponse:
    """{"title", "status", "meta": {"message", "resourceName"}} (the extensions API)."""
    meta: dict[str, Any] = {"message": message}
    if resource:
        meta["resourceName"] = resource
    return JSONResponse({"title": _title(status), "status": status, "meta": meta},
                        status_code=status)
