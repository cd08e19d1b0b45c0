"""Bearer authentication: an API key, or an OAuth2 client-credentials token cached until expiry."""

from __future__ import annotations

import json
import time
from typing import Any, Protocol

import httpx

from qcli.config.settings import OAUTH_TOKEN, Connection
from qcli.errors import ApiError, QcliError
from qcli.http.envelope import parse_error

EXPIRY_MARGIN = 60.0  # seconds before expiry that a cached token is renewed


class TokenCache(Protocol):
    def get(self, context: str, kind: str, where: str | None = None) -> str | None: ...
    def set(self, context: str, kind: str, secret: str) -> str: ...


class Authenticator:
    def __init__(self, conn: Connection, client: httpx.Client, credential_cache: Any = None):
        self.conn = conn
        self._client = client
        self._cache: TokenCache | None = credential_cache
        self._token: str | None = None

    @property
    def can_refresh(self) -> bool:
        return self.conn.auth == "oauth"

    def header(self) -> str:
        if self.conn.auth != "oauth":
            return f"Bearer {self.conn.api_key}"
        if self._token is None:
            self._token = self._cached_token() or self._fetch_token()
        return f"Bearer {self._token}"

    def invalidate(self) -> None:
        self._token = None
        if self._cache is not None and self.conn.context:
            self._cache.set(self.conn.context, OAUTH_TOKEN, json.dumps({}))

    def _cached_token(self) -> str | None:
        if self._cache is None or not self.conn.context:
            return None
        raw = self._cache.get(self.conn.context, OAUTH_TOKEN)
        if not raw:
            return None
        try:
            entry = json.loads(raw)
        except ValueError:
            return None
        token = entry.get("access_token")
        expires_at = float(entry.get("expires_at") or 0)
        if token and expires_at - EXPIRY_MARGIN > time.time():
            return str(token)
        return None

    def _fetch_token(self) -> str:
        try:
            response = self._client.post(
                "/oauth/token",
                json={
                    "client_id": self.conn.oauth_client_id,
                    "client_secret": self.conn.oauth_client_secret,
                    "grant_type": "client_credentials",
                },
            )
        except httpx.TooManyRedirects:
            raise QcliError(f"POST {self.conn.server}/oauth/token: too many redirects "
                            "(the server redirects in a loop)") from None
        except httpx.TransportError as exc:
            raise QcliError(f"cannot get an OAuth token from {self.conn.server}: {exc}",
                            exit_code=6) from None
        if response.status_code != 200:
            error: ApiError = parse_error(response.status_code, response.content,
                                          method="POST", url=str(response.request.url))
            error.message = f"OAuth token request failed: {error.message}"
            if response.status_code in (400, 401, 403):
                name = self.conn.context or "NAME"
                error.hint = ("the OAuth client ID or secret was refused: 'qcli context update "
                              f"{name} --oauth-client-id ID --oauth-client-secret-stdin'")
            raise error
        body = response.json()
        token = body.get("access_token")
        if not token:
            raise QcliError("OAuth token response has no access_token")
        expires_in = float(body.get("expires_in") or 3600)
        if self._cache is not None and self.conn.context:
            entry = {"access_token": token, "expires_at": time.time() + expires_in}
            self._cache.set(self.conn.context, OAUTH_TOKEN, json.dumps(entry))
        return str(token)
