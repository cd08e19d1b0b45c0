"""An ASGI middleware that checks every exchange with the emulator against the spec digest.

The test suite's emulators load it (conftest sets QCLI_EMULATOR_WRAP=contract.middleware:wrap and
QCLI_CONTRACT_LOG=FILE); it sits inside the fault middleware (an injected fault is the test's
deliberate misbehaviour, not the emulator's answer) and outside the auth check (so 401s are
checked too). It never changes an exchange: it records what it saw and, once the response has
gone, appends each broken rule as a JSON line to the log, which conftest turns into failures.
"""

from __future__ import annotations

import json
import os
import traceback
from typing import Any
from urllib.parse import parse_qsl

from contract.validator import Contract, Exchange

KEEP_REQUEST = 16 * 1024 * 1024  # a JSON or multipart body is checked when it is no bigger
KEEP_RESPONSE = 4 * 1024 * 1024
BINARY_REQUEST = ("application/octet-stream", "application/offset+octet-stream")


class ContractMiddleware:
    def __init__(self, app: Any, log_path: str):
        self.app = app
        self.log_path = log_path
        self.contract = Contract()

    def record(self, violations: list[str], ex: Exchange | None = None) -> None:
        lines = "".join(json.dumps({"violation": v, "method": ex.method if ex else None,
                                    "path": ex.path if ex else None}) + "\n" for v in violations)
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, lines.encode())
        finally:
            os.close(fd)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not self.contract.covers(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        keep_body = not headers.get("content-type", "").startswith(BINARY_REQUEST)
        body = bytearray()
        complete = False
        kept = True
        seen = 0
        gone = False

        async def tee_receive() -> Any:
            nonlocal complete, kept, seen, gone
            message = await receive()
            if message["type"] == "http.disconnect":
                gone = True  # nobody hears the answer: there is nothing to check
            elif message["type"] == "http.request":
                chunk = message.get("body", b"")
                seen += len(chunk)
                if keep_body and len(body) + len(chunk) <= KEEP_REQUEST:
                    body.extend(chunk)
                elif chunk:
                    kept = False
                if not message.get("more_body", False):
                    complete = True
            return message

        status = 0
        response_headers: dict[str, str] = {}
        response_body = bytearray()

        async def tee_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers.update({k.decode("latin-1").lower(): v.decode("latin-1")
                                         for k, v in message.get("headers", [])})
            elif message["type"] == "http.response.body":
                chunk = message.get("body", b"")
                room = KEEP_RESPONSE - len(response_body)
                response_body.extend(chunk[:max(room, 0)] if room < len(chunk) else chunk)
                if not message.get("more_body", False):
                    check()  # before the client has the whole answer: the test is still on
            await send(message)

        checked = False

        def check() -> None:
            nonlocal checked
            if checked or not status or gone:
                return
            checked = True
            ex = Exchange(
                method=scope["method"], path=scope["path"],
                query=parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                keep_blank_values=True),
                headers=headers,
                body=_body(bytes(body), complete, kept, keep_body, seen),
                status=status, response_headers=response_headers,
                response_body=bytes(response_body))
            try:
                violations = self.contract.check(ex)
            except Exception:  # a bug in the checker must not pass silently either
                violations = [f"{ex.method} {ex.path}: the contract check crashed: "
                              f"{traceback.format_exc(limit=3)}"]
            if violations:
                self.record(violations, ex)

        try:
            await self.app(scope, tee_receive, tee_send)
        finally:
            check()


def _body(kept_bytes: bytes, complete: bool, kept: bool, keep_body: bool, seen: int
          ) -> bytes | None:
    """The request body as the checker sees it: None when the handler did not read all of it
    (or it was too big to keep); a binary body is not kept, only whether there was one."""
    if not complete:
        return None
    if not keep_body:
        return b"(binary)" if seen else b""
    return kept_bytes if kept else None


def wrap(app: Any) -> Any:
    return ContractMiddleware(app, os.environ["QCLI_CONTRACT_LOG"])
