"""The one retry engine: when to retry (a classifier) and how long to wait (a policy, counted
by an Attempts object). Used by the HTTP client, tus uploads and ranged downloads; the statuses
each retries are declared here, once. Pure functions, unit-tested with respx.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

# -- retryable statuses, declared once ------------------------------------------------------------
THROTTLED = frozenset({429})  # Retry-After says how long
GATEWAY = frozenset({502, 503, 504})  # a proxy or an overloaded server: try again later
SERVER_ERROR = frozenset({500})
LOCKED = frozenset({423})  # tus: a lock held by an earlier (dead) PATCH
OFFSET_CONFLICT = frozenset({409})  # tus: the offset moved; a HEAD tells where
RETRY_STATUSES = GATEWAY  # kept for readers of the old name: what the HTTP client retries
STALE_UPLOAD = frozenset({403, 404, 410})  # tus HEAD: the upload is gone (not retried)


@dataclass(frozen=True)
class Classifier:
    """What may be tried again. `any_method` statuses are retried whatever the method;
    `idempotent` ones (and transport errors after the request may have been sent) only for
    the methods in `safe_methods`. A transport error that proves nothing was sent is always
    retryable."""

    any_method: frozenset[int]
    idempotent: frozenset[int] = frozenset()
    safe_methods: frozenset[str] = IDEMPOTENT_METHODS

    def status(self, method: str, status: int) -> bool:
        if status in self.any_method:
            return True
        return status in self.idempotent and method.upper() in self.safe_methods

    def error(self, method: str, *, sent: bool = True) -> bool:
        return not sent or method.upper() in self.safe_methods


# The HTTP client: 429 for any method, gateway errors only where repeating is harmless.
HTTP = Classifier(any_method=THROTTLED, idempotent=GATEWAY)
# tus: every request is made safe to repeat by a HEAD before it (the server's offset is trusted)
_TUS_METHODS = frozenset({"POST", "HEAD", "PATCH", "DELETE"})
TUS = Classifier(any_method=THROTTLED | GATEWAY | SERVER_ERROR | LOCKED | OFFSET_CONFLICT,
                 safe_methods=_TUS_METHODS)
# tus creation: a 409 to a POST is a real conflict, not a moved offset
TUS_CREATE = Classifier(any_method=THROTTLED | GATEWAY | SERVER_ERROR | LOCKED,
                        safe_methods=_TUS_METHODS)
# ranged downloads: a GET that resumes from what the .part holds; network errors only
DOWNLOAD = Classifier(any_method=frozenset(), safe_methods=frozenset({"GET"}))


@dataclass
class RetryPolicy:
    attempts: int = 5  # total tries, the first included
    base: float = 0.5  # seconds; exponential backoff base
    cap: float = 8.0  # longest backoff between tries
    max_retry_after: float = 300.0  # a Retry-After longer than this fails instead of waiting
    floor: float = 0.0  # the least share of the step waited: 0 is full jitter, 0.5 equal jitter
    # 429s counted apart, when set: bulk commands share one Gate and meet the rate limits by
    # design, so a request may be throttled more often than it may fail
    throttle_attempts: int | None = None

    def backoff(self, retry: int) -> float:
        """Uniform in [floor * step, step] with step = min(cap, base * 2**retry) (retry counts
        from 0): full jitter by default, for many clients sharing one server."""
        step = min(self.cap, self.base * (2**retry))
        return random.uniform(self.floor * step, step)


@dataclass
class Attempts:
    """The tries of one operation under a policy: whether one more is allowed, how long to
    wait before it (Retry-After when the server sent one, else backoff), and the wait itself."""

    policy: RetryPolicy
    sleep: Callable[[float], None] = time.sleep
    log: Callable[[str], None] | None = None
    failures: int = field(default=0)
    throttles: int = field(default=0)

    def left(self, throttled: bool = False) -> bool:
        """Whether one more try is allowed (after a 429: within throttle_attempts, if set)."""
        if throttled and self.policy.throttle_attempts is not None:
            return self.throttles + 1 < self.policy.throttle_attempts
        return self.failures + 1 < self.policy.attempts

    def backoff(self) -> float:
        """The policy's jittered wait before the next try."""
        return self.policy.backoff(self.failures)

    def delay(self, retry_after: str | None = None) -> float | None:
        """The wait before the next try, or None when the tries are used up or the server
        asks for a wait longer than the policy allows."""
        if not self.left():
            return None
        after = parse_retry_after(retry_after)
        if after is None:
            return self.backoff()
        return after if after <= self.policy.max_retry_after else None

    def wait(self, seconds: float, note: str | None = None, throttled: bool = False) -> None:
        if note is not None and self.log is not None:
            self.log(note.format(wait=seconds))
        self.sleep(seconds)
        if throttled and self.policy.throttle_attempts is not None:
            self.throttles += 1
        else:
            self.failures += 1

    def succeeded(self) -> None:
        """Progress was made: the next failure counts from the first try again."""
        self.failures = 0


class Gate:
    """One pause shared by the threads of a bulk command: a 429's Retry-After seen by one
    worker holds every worker's next request until then, so they back off together instead of
    each finding the limit on its own."""

    def __init__(self, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic):
        self._sleep = sleep
        self._clock = clock
        self._until = 0.0
        self._lock = threading.Lock()
        self.throttled = 0  # 429s seen, for a progress display

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, self._clock() + seconds)
            self.throttled += 1

    def wait(self) -> float:
        """Sleep until the pause ends; the seconds waited."""
        with self._lock:
            left = self._until - self._clock()
        if left <= 0:
            return 0.0
        self._sleep(left)
        return left


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)
