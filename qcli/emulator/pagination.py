"""The two pagination styles of the reference, for the emulator's list endpoints.

- cursor (data-files): `limit` and `page` (an opaque cursor); `links.next.href` while more remain
- page numbers (data-stores): `page` (from 0, the spec's default) and `limit`; `page`, `pages`,
  `total`, `links` (first, last, self, and next/prev where there is one)
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from qcli.emulator.kit import Problem


class BadPage(Problem):
    """A bad limit or page (400)."""

    def __init__(self, detail: str):
        super().__init__(400, detail)


def _limit(request: Request, default: int, maximum: int) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise BadPage(f"limit must be an integer, got {raw!r}") from None
    if not 1 <= limit <= maximum:
        raise BadPage(f"limit must be between 1 and {maximum}")
    return limit


def _href(request: Request, **changes: Any) -> str:
    params = dict(request.query_params)
    params.update({k: str(v) for k, v in changes.items()})
    return f"{request.url.scheme}://{request.url.netloc}{request.url.path}?{urlencode(params)}"


def cursor_page(
    request: Request, items: Sequence[Any] | Callable[[int, int], list[Any]], *,
    default: int = 20, maximum: int = 1000, code: str | None = None,
) -> dict[str, Any]:
    """One page; `items` is the whole list, or fetch(start, count) for a database query; a bad
    limit or cursor is a 400 with the API's `code` for it."""
    try:
        return _cursor_page(request, items, default, maximum)
    except BadPage as exc:
        exc.code = code
        raise


def _cursor_page(request: Request, items: Sequence[Any] | Callable[[int, int], list[Any]],
                 default: int, maximum: int) -> dict[str, Any]:
    fetch = items if callable(items) else (lambda start, count: list(items[start:start + count]))
    limit = _limit(request, default, maximum)
    cursor = request.query_params.get("page")
    start = 0
    if cursor:
        try:
            start = int(base64.urlsafe_b64decode(cursor.encode()).decode())
        except (ValueError, UnicodeDecodeError):
            raise BadPage(f"invalid page cursor {cursor!r}") from None
    page = fetch(start, limit + 1)  # one more than a page tells whether another follows
    more = len(page) > limit
    page = page[:limit]
    # the data-files LinksResponse: next, prev and self always there, href null at an end
    links: dict[str, Any] = {"self": {"href": _href(request)}, "next": {"href": None},
                             "prev": {"href": None}}
    if more:
        token = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
        links["next"] = {"href": _href(request, page=token)}
    if start > 0:
        token = base64.urlsafe_b64encode(str(max(start - limit, 0)).encode()).decode()
        links["prev"] = {"href": _href(request, page=token)}
    return {"data": page, "links": links}


def numbered_page(
    request: Request, items: Sequence[Any], *, default: int = 20, maximum: int = 100,
    base: int = 0,
) -> dict[str, Any]:
    """One numbered page; pages count from `base` (the catalog's spec: 0, its `page` default)."""
    limit = _limit(request, default, maximum)
    raw = request.query_params.get("page", str(base))
    try:
        page = int(raw)
    except ValueError:
        raise BadPage(f"page must be an integer, got {raw!r}") from None
    if page < base:
        raise BadPage(f"page must be {base} or more (pages count from {base})")
    total = len(items)
    pages = max(1, -(-total // limit))
    last = base + pages - 1
    start = (page - base) * limit
    links: dict[str, Any] = {"self": {"href": _href(request)},
                             "first": {"href": _href(request, page=base)},
                             "last": {"href": _href(request, page=last)}}
    if page < last:
        links["next"] = {"href": _href(request, page=page + 1)}
    if page > base:
        links["prev"] = {"href": _href(request, page=min(page - 1, last))}
    return {"data": list(items[start:start + limit]), "links": links, "page": page,
            "pages": pages, "total": total}
