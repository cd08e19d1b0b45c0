"""Both error envelopes of the reference become one ApiError.

- most APIs: {"errors": [{"code", "title", "detail", "status"}], "traceId"}
- extensions: {"title", "status", "meta": {"message", "resourceName"}}
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from qcli.errors import ApiError

# paths every Qlik Cloud tenant serves: a 404, 405 or 501 there means another kind of server
TENANT_PATHS = frozenset({
    "/api/v1/users/me", "/api/v1/extensions", "/api/v1/data-files", "/api/v1/temp-contents",
    "/api/v1/temp-contents/files", "/api/v1/data-stores", "/api/v1/data-assets",
    "/api/v1/data-sets", "/api/v1/data-files/quotas", "/api/v1/data-files/connections",
    "/oauth/token",
})


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "HTTP error"


def parse_error(
    status: int,
    body: bytes,
    *,
    headers: dict[str, str] | None = None,
    method: str | None = None,
    url: str | None = None,
) -> ApiError:
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    title = _reason(status)
    detail: str | None = None
    code: str | None = None
    trace_id: str | None = headers.get("x-request-id") or headers.get("traceparent")
    doc: Any = None
    if body:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            doc = None
    if isinstance(doc, dict):
        errors = doc.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            title = str(first.get("title") or title)
            detail = _str_or_none(first.get("detail"))
            code = _str_or_none(first.get("code"))
            if len(errors) > 1:
                more = "; ".join(
                    str(e.get("detail") or e.get("title")) for e in errors[1:] if isinstance(e, dict)
                )
                detail = f"{detail}; {more}" if detail else more
        elif "title" in doc or "meta" in doc:
            title = str(doc.get("title") or title)
            meta = doc.get("meta")
            if isinstance(meta, dict):
                detail = _str_or_none(meta.get("message"))
            detail = detail or _str_or_none(doc.get("detail"))
            code = _str_or_none(doc.get("code"))
        elif isinstance(doc.get("message"), str):
            detail = doc["message"]
        trace_id = _str_or_none(doc.get("traceId")) or trace_id
    elif body and status >= 400:
        text = body.decode("utf-8", "replace").strip()
        if text and not text.lstrip().startswith("<"):
            detail = text.splitlines()[0][:300]
    error = ApiError(status, title, detail, code=code, trace_id=trace_id, method=method, url=url)
    if status in (404, 405, 501) and url and method:
        parts = urlsplit(url)
        if parts.path.rstrip("/") in TENANT_PATHS:
            error.hint = (f"{parts.scheme}://{parts.netloc} does not look like a Qlik Cloud "
                          f"tenant: every tenant answers {parts.path.rstrip('/')}; check the "
                          "server URL (--server, QCLI_SERVER or the context's)")
    return error


def _str_or_none(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)
