"""What every emulated API shares: one problem type, answered by one exception handler in the API's
own error envelope; one clock; the emulator of a request; its JSON body."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from qcli.emulator.envelopes import errors_response, extension_error


class Problem(Exception):
    """An error answer: status, detail, the spec's code (HTTP-<status> when it has none), headers
    and, for the extensions API's envelope, the resource it is about."""

    def __init__(self, status: int, detail: str, code: str | None = None,
                 resource: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status, self.detail, self.code, self.resource = status, detail, code, resource
        self.headers = headers


def timestamp(seconds: float) -> str:
    """The one timestamp format, the specs' date-time: RFC 3339 in UTC with milliseconds and a Z
    (2026-01-02T03:04:05.678Z)."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def now() -> str:
    """The one clock: the time now, as a timestamp."""
    return timestamp(time.time())


def emulator(request: Request) -> Any:
    return request.app.state.emulator


async def json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        raise Problem(400, "the body is not valid JSON") from None


async def json_part(form: Any, name: str, status: int) -> dict[str, Any] | None:
    """A multipart form's JSON object part `name` (None when absent); `status` when it is not
    a JSON object."""
    raw = form.get(name)
    if raw is None:
        return None
    text = raw if isinstance(raw, str) else (await raw.read()).decode("utf-8", "replace")
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise Problem(status, f"the {name!r} part is not a JSON object")
    return value


def no_empty_values(request: Request) -> None:
    """The specs allow no empty query values (allowEmptyValue is never set): `?appId=` is bad
    input, not 'no appId'."""
    empty = sorted({k for k, v in request.query_params.multi_items() if v == ""})
    if empty:
        raise Problem(400, f"query parameters without a value: {', '.join(empty)}")


Handler = Callable[[Request], Awaitable[Response]]


def checked(handler: Handler) -> Handler:
    """A handler that first refuses empty query values."""
    async def wrapped(request: Request) -> Response:
        no_empty_values(request)
        return await handler(request)

    wrapped.__name__ = handler.__name__
    return wrapped


def routes(base: str, table: dict[str, dict[str, Handler]], *, check: bool = True
           ) -> list[Route]:
    """An API's routes, {path below `base`: {method: handler}} in matching order; `check`:
    empty query values are refused (the specs that have query parameters)."""
    return [Route(base + path, checked(handler) if check else handler, methods=[method])
            for path, handlers in table.items() for method, handler in handlers.items()]


async def problem_response(request: Request, exc: Exception) -> Response:
    """The one exception handler: a Problem in the envelope of the API it came from."""
    assert isinstance(exc, Problem)
    path = request.url.path
    if path.startswith("/api/v1/extensions"):
        return extension_error(exc.status, exc.detail, resource=exc.resource)
    # the data-files API's ErrorResponse allows no traceId
    return errors_response(exc.status, exc.detail, code=exc.code, headers=exc.headers,
                           trace=not path.startswith("/api/v1/data-files"))
