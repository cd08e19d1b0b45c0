"""Shell completion of live values. A completer never prints an error or blocks the shell:
remote values come from the current context's tenant within 1 s in all and no retries, are
cached for 60 s under user_cache_dir("qcli"), and any failure completes nothing."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from qcli.config.paths import completion_cache_file

CACHE_SECONDS = 60.0
TIMEOUT = 1.0
COMPLETION_ITEMS = 100  # IDs offered per resource kind
RECENT_TEMP = "recent-temp-contents.json"


def context_names(incomplete: str) -> list[str]:
    try:
        names = _contexts()[1]
    except Exception:  # a completion must stay silent
        return []
    return sorted(n for n in names if n.startswith(incomplete))


def _contexts() -> tuple[str | None, dict[str, str]]:
    """The current context and each context's server (qcli.config.summary: no YAML parser
    while contexts.yml is unchanged)."""
    from qcli.config.summary import contexts

    return contexts()


def complete_context(incomplete: str) -> list[str]:
    return context_names(incomplete)


def _cached(kind: str, server: str) -> list[str] | None:
    """The cached values while they are fresh (no HTTP client needed)."""
    try:
        entry = json.loads(completion_cache_file(kind, server).read_text())
        if time.time() - float(entry["time"]) < CACHE_SECONDS:
            return [str(v) for v in entry["values"]]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def _server_of(options: dict[str, Any]) -> str | None:
    """The tenant a completion talks to, by resolve_connection's precedence (flag, environment,
    context), reading contexts.yml only when neither flag nor environment names a server."""
    server = options.get("server") or os.environ.get("QCLI_SERVER")
    if server:
        return str(server)
    current, servers = _contexts()
    name = options.get("context") or os.environ.get("QCLI_CONTEXT") or current
    return servers.get(name) if name else None


def remote_values(kind: str, incomplete: str, options: dict[str, Any]) -> list[str]:
    """Shell completion of IDs (qcli.cli.fastcomplete): a fresh cache answers without the HTTP
    client; otherwise one fetch within TIMEOUT. `options`: the global options on the line."""
    try:
        server = _server_of(options)
        values = _cached(kind, server) if server else None
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
    cache = completion_cache_file(kind, conn.server)
    values = _cached(kind, conn.server)
    if values is not None:
        return values
    from qcli.http.client import HttpClient
    from qcli.http.retry import RetryPolicy

    conn.timeout = TIMEOUT
    with _deadline(TIMEOUT), HttpClient(conn, retry=RetryPolicy(attempts=1)) as http:
        values = fetch(http)
    from qcli.config.atomic import write_private
    from qcli.config.paths import ensure_private_dir

    ensure_private_dir(cache.parent)
    write_private(cache, json.dumps({"time": time.time(), "values": values}).encode())
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


def remember_temp_content(temp_id: str) -> None:
    """Keep the last 20 uploaded temp content IDs for completion (no request needed)."""
    try:
        from qcli.config.atomic import write_private
        from qcli.config.paths import cache_dir, ensure_private_dir

        path = cache_dir() / "completion" / RECENT_TEMP
        try:
            recent = [str(i) for i in json.loads(path.read_text())]
        except (OSError, ValueError, TypeError):
            recent = []
        recent = [temp_id, *[i for i in recent if i != temp_id]][:20]
        ensure_private_dir(path.parent)
        write_private(path, json.dumps(recent).encode())
    except OSError:
        pass


def recent_temp_contents() -> list[str]:
    try:
        from qcli.config.paths import cache_dir

        recent = json.loads((cache_dir() / "completion" / RECENT_TEMP).read_text())
        return [str(i) for i in recent]
    except (OSError, ValueError, TypeError):
        return []


def complete_temp_content(incomplete: str) -> list[str]:
    return [i for i in recent_temp_contents() if i.startswith(incomplete)]
