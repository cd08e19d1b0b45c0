"""Bearer-key check, /api/v1/users/me and /oauth/token (client credentials)."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from qcli.emulator.envelopes import errors_response

OPEN_ADMIN_PATHS = ("/__emulator/health",)  # a readiness probe: says nothing about the tenant


class AuthMiddleware:
    """Every /api/ request needs `Authorization: Bearer <api key or issued token>`; the
    emulator's own fixture API (/__emulator/*, but its health probe) needs the API key itself:
    it can read the request log, inject faults and seed data."""

    def __init__(self, app: Any, emulator: Any):
        self.app = app
        self.emulator = emulator

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (scope["type"] == "http" and scope["path"].startswith("/__emulator/")
                and scope["path"] not in OPEN_ADMIN_PATHS):
            auth = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not secrets.compare_digest(
                    token.strip().encode(), self.emulator.config.api_key.encode()):
                response = errors_response(
                    401, "the emulator's fixture API needs its API key "
                    "(Authorization: Bearer KEY)", code="HTTP-401",
                    headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            auth = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
            scheme, _, token = auth.partition(" ")
            if scheme.lower() != "bearer" or not self.emulator.accepts(token.strip()):
                detail = "no bearer token" if not auth else "invalid API key or token"
                response = errors_response(401, detail, code="HTTP-401",
                                           headers={"WWW-Authenticate": "Bearer"})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def users_me(request: Request) -> Response:
    emu = request.app.state.emulator
    return JSONResponse({
        "id": emu.user_id,
        "tenantId": emu.tenant_id,
        "name": "Emulator Admin",
        "email": "admin@emulator.invalid",
        "status": "active",
        "roles": ["TenantAdmin"],
    })


async def oauth_token(request: Request) -> Response:
    emu = request.app.state.emulator
    ctype = request.headers.get("content-type", "")
    fields: dict[str, Any]
    if ctype.startswith("application/json"):
        try:
            fields = json.loads(await request.body() or b"{}")
        except ValueError:
            return errors_response(400, "malformed JSON body")
    else:
        fields = dict(await request.form())
    if fields.get("grant_type") != "client_credentials":
        return errors_response(400, "grant_type must be client_credentials",
                               code="unsupported_grant_type")
    client_id, secret = str(fields.get("client_id", "")), str(fields.get("client_secret", ""))
    expected = emu.oauth_clients.get(client_id)
    if expected is None or not secrets.compare_digest(expected, secret):
        return errors_response(401, "invalid client credentials", code="invalid_client")
    token = secrets.token_urlsafe(32)
    emu.tokens[token] = time.time() + emu.token_ttl
    emu.tokens_issued += 1
    return JSONResponse({"access_token": token, "token_type": "bearer",
                         "expires_in": emu.token_ttl})


routes = [
    Route("/api/v1/users/me", users_me, methods=["GET"]),
    Route("/oauth/token", oauth_token, methods=["POST"]),
]
