"""Bounds on slow requests (URL fetches, uploads being decoded and probed, mask selections):
how many may run at once per account and in all, so one key can never take every request
thread while other clients' polls and balance calls wait."""

from __future__ import annotations

import errno
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pixforge.domain.errors import RateLimitError, StorageFullError

# What a refused request is told to wait before retrying (a slow request takes seconds).
RETRY_AFTER_S = 2.0


class SlowWork:
    """Counts the slow requests in progress; one over a bound is refused at once (500069 with
    Retry-After), never queued behind the others."""

    def __init__(self, per_account: int, total: int) -> None:
        self.per_account = per_account
        self.total = total
        self._running: dict[int, int] = {}
        self._in_all = 0
        self._lock = threading.Lock()

    @contextmanager
    def slot(self, account_id: int, what: str) -> Iterator[None]:
        with self._lock:
            mine = self._running.get(account_id, 0)
            if mine >= self.per_account:
                raise RateLimitError(
                    f"{what}: this account already has {mine} in progress (at most "
                    f"{self.per_account} at once); retry when one has finished",
                    retry_after_s=RETRY_AFTER_S,
                )
            if self._in_all >= self.total:
                raise RateLimitError(
                    f"{what}: the server is busy with {self._in_all} slow requests; retry shortly",
                    retry_after_s=RETRY_AFTER_S,
                )
            self._running[account_id] = mine + 1
            self._in_all += 1
        try:
            yield
        finally:
            with self._lock:
                self._in_all -= 1
                left = self._running[account_id] - 1
                if left:
                    self._running[account_id] = left
                else:
                    del self._running[account_id]


@contextmanager
def storage_errors() -> Iterator[None]:
    """A full disk while storing a blob is the documented 'storage is full' answer."""
    try:
        yield
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        raise StorageFullError(
            "the server's storage is full: nothing was stored; retry once an operator has "
            "freed disk space"
        ) from error
