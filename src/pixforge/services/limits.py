"""Per-key request rate limiting (token bucket); the concurrency cap lives in generations.py."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from pixforge.domain.errors import RateLimitError


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated_at: float


class RateLimiter:
    """Allows `burst` requests at once and `per_s` per second sustained, per API key."""

    def __init__(self, per_s: float, burst: int) -> None:
        self.per_s = per_s
        self.burst = burst
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, api_key_id: int, per_s: float | None = None, burst: int | None = None) -> None:
        """Take one request from the key's bucket; `per_s` and `burst` override the server's
        (an API plan's rate)."""
        per_s = per_s or self.per_s
        burst = burst or self.burst
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(api_key_id)
            if bucket is None:
                bucket = self._buckets[api_key_id] = _Bucket(float(burst), now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated_at) * per_s)
            bucket.updated_at = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return
            wait_s = (1.0 - bucket.tokens) / per_s
        raise RateLimitError(
            f"API-KEY: rate limit of {per_s:g} requests/s (burst {burst}) exceeded; "
            f"retry after {wait_s:.2f} s",
            retry_after_s=wait_s,
        )
