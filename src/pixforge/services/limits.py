"""Per-key request rate limiting: a token bucket per process, or one window shared by every API
replica through Redis (the `limits` library); the concurrency cap lives in generations.py."""

from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from typing import Any, Protocol

from pixforge.domain.errors import RateLimitError

log = logging.getLogger(__name__)


class KeyRateLimit(Protocol):
    def check(self, api_key_id: int, per_s: float | None = None, burst: int | None = None) -> None:
        """Raise RateLimitError when this key is over its rate (`per_s` and `burst` override
        the server's: an API plan's rate)."""
        ...


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


class SharedRateLimiter:
    """The same limit, counted in Redis for all API replicas: at most `burst` requests in any
    moving window of burst/per_s seconds (rounded up to whole seconds). When Redis cannot be
    reached the process's own bucket decides, so an outage never refuses every request."""

    def __init__(self, redis_url: str, per_s: float, burst: int, prefix: str) -> None:
        from limits import RateLimitItemPerSecond
        from limits.storage import RedisStorage
        from limits.strategies import MovingWindowRateLimiter

        self._item_type: Any = RateLimitItemPerSecond
        self._items: dict[tuple[float, int], Any] = {}
        self.storage: Any = RedisStorage(
            redis_url, key_prefix=f"{prefix}:rate", wrap_exceptions=True, socket_timeout=1.0
        )
        self.limiter: Any = MovingWindowRateLimiter(self.storage)
        self.per_s = per_s
        self.burst = burst
        self.fallback = RateLimiter(per_s, burst)

    def _item(self, per_s: float, burst: int) -> Any:
        item = self._items.get((per_s, burst))
        if item is None:
            window_s = max(1, math.ceil(burst / per_s))
            item = self._item_type(max(burst, round(per_s * window_s)), window_s)
            self._items[(per_s, burst)] = item
        return item

    def check(self, api_key_id: int, per_s: float | None = None, burst: int | None = None) -> None:
        per_s = per_s or self.per_s
        burst = burst or self.burst
        item = self._item(per_s, burst)
        # A plan's own rate counts in its own window.
        key = (
            str(api_key_id)
            if item is self._item(self.per_s, self.burst)
            else (f"{api_key_id}:{per_s:g}:{burst}")
        )
        try:
            allowed = bool(self.limiter.hit(item, key))
            if allowed:
                return
            reset_at = float(self.limiter.get_window_stats(item, key).reset_time)
        except Exception:
            log.warning("shared rate limit unavailable; using this process's", exc_info=True)
            self.fallback.check(api_key_id, per_s, burst)
            return
        wait_s = max(0.01, reset_at - time.time())
        raise RateLimitError(
            f"API-KEY: rate limit of {per_s:g} requests/s (burst {burst}) exceeded; "
            f"retry after {wait_s:.2f} s",
            retry_after_s=wait_s,
        )
