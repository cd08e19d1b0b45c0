"""Fault injection and the request log, as one pure ASGI middleware.

A rule matches requests by method and path glob and faults the Nth matching ones:
  --faults 'status=503 method=PATCH path=/api/v1/temp-contents/files/* nth=2,3'
  --faults 'status=429 retry-after=1 path=/api/v1/extensions nth=1'
  --faults 'drop path=/api/v1/extensions/*/file nth=1'
  --faults 'delay=5 at=body after-bytes=524288 method=PATCH path=/api/v1/temp-contents/files/*'
A delay holds the request before the handler (at=request, the default), part way through its
body once after-bytes have been read (at=body), or after the handler has done its work and
before the response goes out (at=response). The log entry of a held request gets "held": true.
Clearing the rules (DELETE /__emulator/faults) ends every hold under way.
A drop cuts the connection before the handler runs (at=request), or lets the handler answer and
cuts its body after after-bytes, by default half of its first piece (at=response; "cut" in the
log says where).
Rules are separated by ';' (or given as repeated --faults). Tests may also POST the same rules
as JSON to /__emulator/faults.
"""

from __future__ import annotations

import fnmatch
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from qcli.emulator.envelopes import errors_response

BODY_LOG_LIMIT = 64 * 1024


@dataclass
class FaultRule:
    status: int | None = None  # answer with this status (and the errors envelope)
    drop: bool = False  # cut the connection part way through the response
    method: str = "*"
    path: str = "*"
    nth: list[int] = field(default_factory=list)  # which matching requests (1-based); [] = all
    times: int | None = None  # or: the first N matching requests
    retry_after: str | None = None
    delay: float = 0.0  # seconds to wait before answering
    at: str = "request"  # where a delay holds the request: request, body or response
    after_bytes: int = 0  # with at=body: hold once this many body bytes have been read
    seen: int = 0

    STAGES: ClassVar[tuple[str, ...]] = ("request", "body", "response")

    def matches(self, method: str, path: str) -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path)

    def fires(self) -> bool:
        """Count a matching request; True if this one is faulted."""
        self.seen += 1
        if self.nth:
            return self.seen in self.nth
        if self.times is not None:
            return self.seen <= self.times
        return True

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FaultRule:
        rule = cls(
            status=int(d["status"]) if d.get("status") is not None else None,
            drop=bool(d.get("drop", False)),
            method=str(d.get("method", "*")),
            path=str(d.get("path", "*")),
            nth=[int(n) for n in d.get("nth", [])],
            times=int(d["times"]) if d.get("times") is not None else None,
            retry_after=str(d["retryAfter"]) if d.get("retryAfter") is not None else None,
            delay=float(d.get("delay", 0.0)),
            at=str(d.get("at", "request")),
            after_bytes=int(d.get("afterBytes", 0)),
        )
        if rule.status is None and not rule.drop and not rule.delay:
            raise ValueError("a fault rule needs status=CODE, drop or delay=SECONDS")
        if rule.at not in cls.STAGES:
            raise ValueError(f"at= must be one of {', '.join(cls.STAGES)}")
        if rule.at != "request" and rule.status is not None:
            raise ValueError("at=body and at=response go with delay=SECONDS or drop")
        if rule.at == "body" and rule.drop:
            raise ValueError("drop goes with at=request or at=response")
        if rule.at == "response" and rule.drop and rule.delay:
            raise ValueError("at=response takes delay=SECONDS or drop, not both")
        return rule


class RateLimiter:
    """The reference's rate-limit tiers, as token buckets per tier: Tier 1 (1000 requests a
    minute) for reads, Tier 2 (100) for writes, 800 for tus uploads. `scale` shortens the minute
    (0.05: a 3-second window) so tests can reach the limits quickly."""

    TIERS: ClassVar[dict[str, int]] = {"tier1": 1000, "tier2": 100, "tus": 800}

    def __init__(self, scale: float = 1.0):
        self.window = 60.0 * scale
        self.buckets: dict[str, tuple[float, float]] = {}  # tier -> (tokens, last refill)
        self.lock = threading.Lock()

    @staticmethod
    def tier(method: str, path: str) -> str:
        if path.startswith("/api/v1/temp-contents/files"):
            return "tus"
        return "tier1" if method in ("GET", "HEAD") else "tier2"

    def retry_after(self, method: str, path: str) -> int | None:
        """None when the request may go; else whole seconds until a token is free."""
        import math

        tier = self.tier(method, path)
        limit = self.TIERS[tier]
        rate = limit / self.window
        now = time.monotonic()
        with self.lock:
            tokens, last = self.buckets.get(tier, (float(limit), now))
            tokens = min(float(limit), tokens + (now - last) * rate)
            if tokens >= 1:
                self.buckets[tier] = (tokens - 1, now)
                return None
            self.buckets[tier] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / rate))


def parse_rules(spec: str) -> list[FaultRule]:
    rules = []
    for text in spec.split(";"):
        words = text.split()
        if not words or words[0] == "rate-limit":
            continue
        d: dict[str, Any] = {}
        for word in words:
            key, sep, value = word.partition("=")
            if key == "drop" and not sep:
                d["drop"] = True
            elif key in ("status", "method", "path", "times", "delay", "at"):
                d[key] = value
            elif key == "retry-after":
                d["retryAfter"] = value
            elif key == "after-bytes":
                d["afterBytes"] = value
            elif key == "nth":
                d["nth"] = [int(n) for n in value.split(",") if n]
            else:
                raise ValueError(f"unknown fault setting {word!r}")
        rules.append(FaultRule.from_dict(d))
    return rules


class Faults:
    def __init__(self, rules: list[FaultRule] | None = None, limiter: RateLimiter | None = None):
        self.rules = list(rules or [])
        self.limiter = limiter
        self.log: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._release: Any = None  # an asyncio.Event that ends the holds under way

    async def hold(self, seconds: float) -> None:
        """Wait `seconds`, or until the rules are cleared (DELETE /__emulator/faults ends every
        hold under way, so a test can hold a request until it has done what it must)."""
        import asyncio
        import contextlib

        if self._release is None:
            self._release = asyncio.Event()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._release.wait(), seconds)

    def clear(self) -> None:
        """No rules, and the holds under way end now (call on the server's event loop)."""
        with self.lock:
            self.rules.clear()
        if self._release is not None:
            self._release.set()
            self._release = None

    def pick(self, method: str, path: str) -> FaultRule | None:
        with self.lock:
            for rule in self.rules:
                if rule.matches(method, path) and rule.fires():
                    return rule
        return None


class FaultMiddleware:
    def __init__(self, app: Any, faults: Faults):
        self.app = app
        self.faults = faults

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/__emulator"):
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        entry: dict[str, Any] = {
            "time": time.time(),
            "method": method,
            "path": path,
            "query": scope.get("query_string", b"").decode("latin-1"),
            "headers": {k: v for k, v in headers.items() if k != "authorization"},
            "bodySize": 0,
            "body": "",
            "status": None,
        }
        with self.faults.lock:
            self.faults.log.append(entry)
        body_parts: list[bytes] = []
        binary = "octet-stream" in headers.get("content-type", "")  # sizes only, not bytes

        async def logged_receive() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                entry["bodySize"] += len(chunk)
                if binary:
                    return message
                if sum(map(len, body_parts)) < BODY_LOG_LIMIT:
                    body_parts.append(chunk)
                    entry["body"] = b"".join(body_parts)[:BODY_LOG_LIMIT].decode("utf-8",
                                                                                "replace")
            return message

        async def logged_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        limiter = self.faults.limiter
        wait = limiter.retry_after(method, path) if limiter is not None else None
        if limiter is not None and wait is not None:
            entry["fault"] = "rate-limit"
            entry["retryAfter"] = wait
            response = errors_response(429, f"rate limit of {limiter.tier(method, path)} exceeded",
                                       code="HTTP-429", headers={"Retry-After": str(wait)})
            await response(scope, receive, logged_send)
            return
        rule = self.faults.pick(method, path)
        if rule is not None and rule.at != "request":
            entry["fault"] = "drop" if rule.drop else "delay"
            await self.app(scope, *_held(rule, entry, logged_receive, logged_send,
                                         self.faults.hold))
            return
        if rule is not None:
            entry["fault"] = "drop" if rule.drop else rule.status or "delay"
            if rule.delay:
                entry["held"] = True
                await self.faults.hold(rule.delay)
            if rule.drop:
                # Promise a body and send none of it: uvicorn then closes the connection. The
                # server did nothing; the client sees its connection cut before any content.
                await logged_send({"type": "http.response.start", "status": 200,
                                   "headers": [(b"content-length", b"1024"),
                                               (b"content-type", b"application/json")]})
                return
            if rule.status is not None:
                extra = {"Retry-After": rule.retry_after} if rule.retry_after else None
                response = errors_response(rule.status, "fault injected by the emulator",
                                           code="EMULATOR-FAULT", headers=extra)
                await response(scope, logged_receive, logged_send)
                return
        await self.app(scope, logged_receive, logged_send)


def _held(rule: FaultRule, entry: dict[str, Any], receive: Any, send: Any,
          hold: Any) -> tuple[Any, Any]:
    """receive/send that hold the request part way through its body or before its response."""
    async def held_receive() -> dict[str, Any]:
        message = await receive()
        if (rule.at == "body" and not entry.get("held")
                and (entry["bodySize"] >= rule.after_bytes or not message.get("more_body"))):
            entry["held"] = True
            await hold(rule.delay)
        return message

    passed = 0  # body bytes let through before a drop's cut (entry["cut"] once it is made)

    async def held_send(message: Any) -> None:
        nonlocal passed
        if rule.at == "response" and message["type"] == "http.response.start" and rule.delay:
            entry["held"] = True
            await hold(rule.delay)
        if rule.drop and message["type"] == "http.response.body":
            # the real answer, cut after after-bytes (default: half of its first piece); the
            # rest is swallowed and uvicorn closes the connection on the unfinished body
            body = message.get("body", b"")
            if "cut" in entry or not body:
                return
            room = (rule.after_bytes or max(1, len(body) // 2)) - passed
            if len(body) >= room:
                entry["cut"] = passed + room
                await send({"type": "http.response.body", "body": body[:room], "more_body": True})
                return
            passed += len(body)
            message = dict(message, more_body=True)
        await send(message)

    return held_receive, held_send


def parse_rate_limit(spec: str) -> RateLimiter | None:
    """`rate-limit` (or `rate-limit scale=0.05`) among the --faults rules."""
    for text in spec.split(";"):
        words = text.split()
        if words and words[0] == "rate-limit":
            scale = 1.0
            for word in words[1:]:
                key, _, value = word.partition("=")
                if key != "scale":
                    raise ValueError(f"unknown rate-limit setting {word!r}")
                scale = float(value)
                if not 0 < scale <= 10:
                    raise ValueError("rate-limit scale must be between 0 and 10")
            return RateLimiter(scale)
    return None


def rules_from_json(body: bytes) -> list[FaultRule]:
    doc = json.loads(body or b"[]")
    if isinstance(doc, dict):
        doc = [doc]
    return [FaultRule.from_dict(d) for d in doc]
