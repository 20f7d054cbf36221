"""SlowWork: per-account and overall bounds on slow requests, released whatever happens."""

from __future__ import annotations

import errno
from contextlib import ExitStack

import pytest

from pixforge.domain.errors import RateLimitError, StorageFullError
from pixforge.services.workload import SlowWork, storage_errors


def test_bounds_per_account_and_in_all() -> None:
    work = SlowWork(per_account=2, total=3)
    with ExitStack() as held:
        held.enter_context(work.slot(1, "uploads"))
        held.enter_context(work.slot(1, "uploads"))
        with pytest.raises(RateLimitError, match="this account already has 2") as refused:
            held.enter_context(work.slot(1, "uploads"))
        assert refused.value.err_code == 500069 and refused.value.retry_after_s > 0
        held.enter_context(work.slot(2, "mask/selection"))
        with pytest.raises(RateLimitError, match="server is busy"):
            held.enter_context(work.slot(3, "uploads"))
    # All released: the same account may start again, also after a failure inside.
    with pytest.raises(ValueError), work.slot(1, "uploads"):
        raise ValueError("the request failed")
    with work.slot(1, "uploads"), work.slot(1, "uploads"), work.slot(2, "uploads"):
        pass


def test_a_full_disk_is_the_storage_full_answer() -> None:
    with pytest.raises(StorageFullError) as caught, storage_errors():
        raise OSError(errno.ENOSPC, "No space left on device")
    assert caught.value.err_code == 500100 and caught.value.http_status == 503
    with pytest.raises(PermissionError), storage_errors():
        raise PermissionError(errno.EACCES, "other errors pass through")
