"""Assemble the emulator: state, routes, auth and fault middleware."""

from __future__ import annotations

import importlib
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qcli.emulator import dataassets, datafiles, datasets, datastores, extensions, identity, tempcontents
from qcli.emulator.envelopes import errors_response
from qcli.emulator.faults import FaultMiddleware, FaultRule, Faults, rules_from_json
from qcli.emulator.identity import AuthMiddleware
from qcli.emulator.kit import Problem, problem_response
from qcli.emulator.pagination import BadPage, cursor_page, numbered_page
from qcli.emulator.store import Store


@dataclass
class EmulatorConfig:
    data_dir: Path
    api_key: str
    oauth_clients: dict[str, str] = field(default_factory=dict)
    faults: list[FaultRule] = field(default_factory=list)
    rate_limit: Any = None  # a faults.RateLimiter, from `--faults rate-limit`
    token_ttl: int = 3600
    max_upload_size: int = 6 * 1024**3  # maxLargeFileSize of the data-files quotas
    max_file_size: int = 500 * 1024**2  # maxFileSize: the largest direct (multipart) upload
    seed: int = 0  # data stores (with data assets and data sets) made at start


class Emulator:
    tenant_id = "emulator-tenant"
    user_id = "emulator-user"

    def __init__(self, config: EmulatorConfig):
        self.config = config
        self.store = Store(config.data_dir)
        self.faults = Faults(config.faults, config.rate_limit)
        self.oauth_clients = dict(config.oauth_clients)
        self.token_ttl = config.token_ttl
        self.tokens: dict[str, float] = {}
        self.tokens_issued = 0
        self.upload_locks: dict[str, Any] = {}
        self.data_file_locks: dict[str, Any] = {}

    def accepts(self, token: str) -> bool:
        if token and secrets.compare_digest(token, self.config.api_key):
            return True
        expires = self.tokens.get(token)
        return expires is not None and expires > time.time()


# -- the emulator's own fixture API, for tests: needs the API key (identity.AuthMiddleware) -----
async def add_faults(request: Request) -> Response:
    emu: Emulator = request.app.state.emulator
    try:
        rules = rules_from_json(await request.body())
    except (ValueError, KeyError, TypeError) as exc:
        return errors_response(400, f"invalid fault rules: {exc}")
    with emu.faults.lock:
        emu.faults.rules.extend(rules)
    return JSONResponse({"rules": len(emu.faults.rules)}, status_code=201)


async def clear_faults(request: Request) -> Response:
    request.app.state.emulator.faults.clear()  # and the holds under way end
    return Response(status_code=204)


def _clear(request: Request, what: str) -> Response:
    """Empty the fault rules or the request log."""
    emu: Emulator = request.app.state.emulator
    with emu.faults.lock:
        getattr(emu.faults, what).clear()
    return Response(status_code=204)


async def get_requests(request: Request) -> Response:
    """The request log, with secrets redacted (the API key, OAuth client secrets and issued
    tokens wherever they appear; values of secret-named headers, query parameters and body
    fields)."""
    from qcli.emulator.redact import Redactor

    emu: Emulator = request.app.state.emulator
    redactor = Redactor([emu.config.api_key, *emu.oauth_clients.values(), *emu.tokens])
    with emu.faults.lock:
        entries = [dict(e, headers=dict(e["headers"])) for e in emu.faults.log]
    return JSONResponse({"data": [redactor.entry(e) for e in entries]})


async def clear_requests(request: Request) -> Response:
    return _clear(request, "log")


async def expire_tokens(request: Request) -> Response:
    emu: Emulator = request.app.state.emulator
    emu.tokens.clear()
    return JSONResponse({"tokensIssued": emu.tokens_issued})


async def sample_items(request: Request) -> Response:
    """A synthetic list in either pagination style: /__emulator/items/{cursor|pages}?count=N."""
    count = int(request.query_params.get("count", "0"))
    items = [{"id": f"item-{i:05d}", "n": i} for i in range(count)]
    try:
        if request.path_params["style"] == "cursor":
            return JSONResponse(cursor_page(request, items))
        return JSONResponse(numbered_page(request, items,
                                          base=int(request.query_params.get("base", "1"))))
    except BadPage as exc:
        return errors_response(400, str(exc))


async def seed_data_files(request: Request) -> Response:
    body = json.loads(await request.body() or b"{}")
    ids = datafiles.seed(request.app.state.emulator, int(body.get("count", 0)),
                         str(body.get("prefix", "seed-")), body.get("spaceId"))
    return JSONResponse({"ids": ids}, status_code=201)


async def data_file_content(request: Request) -> Response:
    """The stored bytes of a data file (the API has no download: tests compare through this)."""
    from starlette.responses import FileResponse

    emu: Emulator = request.app.state.emulator
    rows = emu.store.query("SELECT blob, folder FROM data_files WHERE id = ?",
                           request.path_params["id"])
    if not rows or rows[0]["folder"]:
        return errors_response(404, "no such data file")
    return FileResponse(emu.store.data_dir / "datafiles" / rows[0]["blob"],
                        media_type="application/octet-stream")


async def add_data_assets(request: Request) -> Response:
    body = json.loads(await request.body() or b"{}")
    made = datastores.add_assets(request.app.state.emulator, request.path_params["id"],
                                 int(body.get("assets", 1)), int(body.get("dataSets", 1)))
    return JSONResponse(made, status_code=201)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


admin_routes = [
    Route("/__emulator/health", health, methods=["GET"]),
    Route("/__emulator/faults", add_faults, methods=["POST"]),
    Route("/__emulator/faults", clear_faults, methods=["DELETE"]),
    Route("/__emulator/requests", get_requests, methods=["GET"]),
    Route("/__emulator/requests", clear_requests, methods=["DELETE"]),
    Route("/__emulator/tokens", expire_tokens, methods=["DELETE"]),
    Route("/__emulator/items/{style}", sample_items, methods=["GET"]),
    Route("/__emulator/data-files", seed_data_files, methods=["POST"]),
    Route("/__emulator/data-files/{id}/content", data_file_content, methods=["GET"]),
    Route("/__emulator/data-stores/{id}/data-assets", add_data_assets, methods=["POST"]),
]


async def not_found(request: Request, exc: Exception) -> Response:
    return errors_response(404, f"no route for {request.method} {request.url.path}")


async def method_not_allowed(request: Request, exc: Exception) -> Response:
    return errors_response(405, f"{request.method} is not allowed on {request.url.path}")


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client left while its body was read (Ctrl-C, a kill): nobody reads the answer, and
    nothing is logged (a tenant does not print a traceback for it either)."""
    return Response(status_code=400)


def create_app(config: EmulatorConfig, emulator: Emulator | None = None) -> Any:
    emulator = emulator or Emulator(config)
    if config.seed:
        datastores.seed(emulator, config.seed)
    app = Starlette(
        routes=[*admin_routes, *identity.routes, *extensions.routes, *tempcontents.routes,
                *datafiles.routes, *datastores.routes, *dataassets.routes, *datasets.routes],
        exception_handlers={404: not_found, 405: method_not_allowed, Problem: problem_response,
                            ClientDisconnect: client_gone},
    )
    app.state.emulator = emulator
    return FaultMiddleware(_wrapped(AuthMiddleware(app, emulator)), emulator.faults)


def _wrapped(app: Any) -> Any:
    """QCLI_EMULATOR_WRAP=module:callable wraps the API in a middleware of the caller's, imported
    only then (the test suite's contract checker, which needs test-only packages)."""
    spec = os.environ.get("QCLI_EMULATOR_WRAP")
    if not spec:
        return app
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)(app)
