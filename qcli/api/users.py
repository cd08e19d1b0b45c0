"""The one users operation qcli needs: who am I (used by `context test`)."""

from __future__ import annotations

from typing import Any

from qcli.http.client import HttpClient


class UsersApi:
    def __init__(self, http: HttpClient):
        self.http = http

    def get_me(self) -> dict[str, Any]:
        """GET /api/v1/users/me"""
        result = self.http.json("GET", "/api/v1/users/me")
        return result if isinstance(result, dict) else {}
