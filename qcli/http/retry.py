"""When to retry, and how long to wait. Pure functions, unit-tested with respx."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({502, 503, 504})


@dataclass
class RetryPolicy:
    attempts: int = 5  # total tries, the first included
    base: float = 0.5  # seconds; exponential backoff base
    cap: float = 8.0  # longest backoff between tries
    max_retry_after: float = 300.0  # a Retry-After longer than this fails instead of waiting
    floor: float = 0.0  # the least share of the step waited: 0 is full jitter, 0.5 equal jitter

    def backoff(self, retry: int) -> float:
        """Uniform in [floor * step, step] with step = min(cap, base * 2**retry) (retry counts
        from 0): full jitter by default, for many clients sharing one server."""
        step = min(self.cap, self.base * (2**retry))
        return random.uniform(self.floor * step, step)


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
