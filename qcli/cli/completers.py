"""Shell completion of live values. A completer never prints an error or blocks the shell:
remote values come from the current context's tenant within 1 s in all and no retries, are
cached for 60 s under user_cache_dir("qcli") (qcli.config.completion_cache, which a TAB reads
without this module), and any failure completes nothing."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from qcli.config.completion_cache import (
    cached_values,
    context_names,
    fresh_values,
    recent_temp_contents,
    save_values,
)

TIMEOUT = 1.0
COMPLETION_ITEMS = 100  # IDs offered per resource kind


def complete_context(incomplete: str) -> list[str]:
    return context_names(incomplete)


def remote_values(kind: str, incomplete: str, options: dict[str, Any]) -> list[str]:
    """Shell completion of IDs (qcli.cli.fastcomplete): a fresh cache answers without the HTTP
    client; otherwise one fetch within TIMEOUT. `options`: the global options on the line."""
    try:
        values = cached_values(kind, options)
        if values is None:
            from qcli.app import Application

            app = Application()
            for name, value in options.items():  # as typer's callbacks would have set them
                if name == "headers":
                    app.options.headers.extend(value)
                else:
                    setattr(app.options, name, value)
            values = _remote(app, kind, FETCHERS[kind])
    except BaseException:  # a completion must stay silent
        return []
    return [v for v in values if v.startswith(incomplete)]


def _remote(ctx: Any, kind: str, fetch: Callable[[Any], list[str]]) -> list[str]:
    from qcli.app import Application
    from qcli.config.settings import resolve_connection

    if isinstance(ctx, Application):
        app = ctx
    else:
        app = (ctx.find_object(Application) if ctx is not None else None) or Application()
    conn = resolve_connection(app.options, dict(os.environ), app.contexts, app.credentials)
    values = fresh_values(kind, conn.server)
    if values is not None:
        return values
    from qcli.http.client import HttpClient
    from qcli.http.retry import RetryPolicy

    conn.timeout = TIMEOUT
    with _deadline(TIMEOUT), HttpClient(conn, retry=RetryPolicy(attempts=1)) as http:
        values = fetch(http)
    save_values(kind, conn.server, values)
    return values


@contextlib.contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """One limit for the whole fetch (httpx's timeout is per phase: a server that drips bytes
    could hold the shell far longer). SIGALRM where it exists, in the main thread only."""
    import signal
    import threading

    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError("completion took too long")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _values(ctx: Any, incomplete: str, kind: str, fetch: Callable[[Any], list[str]]) -> list[str]:
    try:
        values = _remote(ctx, kind, fetch)
    except BaseException:
        return []
    return [v for v in values if v.startswith(incomplete)]


def _extensions(http: Any) -> list[str]:
    from qcli.api.extensions import ExtensionsApi

    data = ExtensionsApi(http).list_extensions()
    ids = [str(e["id"]) for e in data if e.get("id")]
    return ids + [str(e["qextFilename"]) for e in data if e.get("qextFilename")]


def _data_files(http: Any) -> list[str]:
    from qcli.api.data_files import DataFilesApi

    return _ids(DataFilesApi(http).list_data_files({}, limit=COMPLETION_ITEMS))


def _data_stores(http: Any) -> list[str]:
    from qcli.api.data_stores import DataStoresApi

    return _ids(DataStoresApi(http).list_data_stores(limit=COMPLETION_ITEMS))


def _data_assets(http: Any) -> list[str]:
    from qcli.api.data_stores import DataStoresApi

    return _ids(DataStoresApi(http).list_data_assets(["*"], limit=COMPLETION_ITEMS))


def _data_sets(http: Any) -> list[str]:
    from qcli.api.data_stores import DataStoresApi

    return _ids(DataStoresApi(http).list_data_sets(["*"], ["*"], limit=COMPLETION_ITEMS))


def _ids(items: Iterable[dict[str, Any]]) -> list[str]:
    return [str(item["id"]) for item in items if item.get("id")]


FETCHERS: dict[str, Callable[[Any], list[str]]] = {
    "extensions": _extensions, "data-files": _data_files, "data-stores": _data_stores,
    "data-assets": _data_assets, "data-sets": _data_sets}


# typer passes the click context to a parameter named ctx (annotated Any: no typer import here)
def complete_extension(ctx: Any, incomplete: str) -> list[str]:
    return _values(ctx, incomplete, "extensions", _extensions)


def complete_data_file(ctx: Any, incomplete: str) -> list[str]:
    return _values(ctx, incomplete, "data-files", _data_files)


def complete_data_store(ctx: Any, incomplete: str) -> list[str]:
    return _values(ctx, incomplete, "data-stores", _data_stores)


def complete_data_asset(ctx: Any, incomplete: str) -> list[str]:
    return _values(ctx, incomplete, "data-assets", _data_assets)


def complete_data_set(ctx: Any, incomplete: str) -> list[str]:
    return _values(ctx, incomplete, "data-sets", _data_sets)


def complete_temp_content(incomplete: str) -> list[str]:
    return [i for i in recent_temp_contents() if i.startswith(incomplete)]
