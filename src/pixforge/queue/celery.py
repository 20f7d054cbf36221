"""Celery as transport: the app's settings in one place, the dispatcher that publishes a
generation id to its route's queue, and the reaper that re-publishes work whose message may be
lost. The database row stays the truth; a message is only a doorbell (at-least-once, and a
duplicate costs one refused claim).

Imported only when PIXFORGE_DISPATCHER=celery (celery, kombu and redis are an extra).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from celery import Celery

log = logging.getLogger(__name__)

TASK_NAME = "pixforge.render"
# Rows re-published per reaper pass (the rest wait for the next pass).
REAP_BATCH = 500
Due = list[tuple[int, str]]


@dataclass(frozen=True, slots=True)
class CeleryOptions:
    broker_url: str
    queue_prefix: str
    visibility_timeout_s: float
    # Celery's hard time limit: a backstop behind the runner's own render deadline.
    time_limit_s: float


def queue_name(prefix: str, route: str) -> str:
    return f"{prefix}.{route}"


def make_celery(options: CeleryOptions) -> Celery:
    """The Celery app of API processes and workers alike (they must agree on every setting)."""
    app = Celery("pixforge", broker=options.broker_url, set_as_current=False)
    app.conf.update(
        # Acknowledged after the task returns; a dead child's message goes back to the queue.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One message at a time per process: no hoarding while a render runs.
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=queue_name(options.queue_prefix, "preview"),
        task_time_limit=options.time_limit_s,
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2.0,
        # Redis redelivers unacknowledged messages after this long (even running ones). kombu
        # 5.7 looks for such messages every 10 s but scans only every 10th time (~100 s): scan
        # every time, so a message past its visibility timeout comes back within ~10 s (one
        # indexed range read per worker).
        broker_transport_options={
            "visibility_timeout": options.visibility_timeout_s,
            "unacked_restore_throttle": 1,
        },
        # A publish that fails is left to the reaper rather than blocking the request.
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0.0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    return app


class CeleryDispatcher:
    """Publishes `pixforge.render(id)` to `<prefix>.<route>`; runs the reaper while started."""

    def __init__(
        self,
        app: Celery,
        prefix: str,
        *,
        take_due: Callable[[], Due],
        take_unleased: Callable[[], Due],
        interval_s: float,
    ) -> None:
        self.app = app
        self.prefix = prefix
        self._take_due = take_due
        self._take_unleased = take_unleased
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._publish_lock = threading.Lock()
        self._epoch = BrokerEpoch(app.conf.broker_url, prefix)
        self.published = 0

    def notify(self, generation_id: int, route: str = "preview") -> None:
        """Publish after the commit; a failure is logged (the reaper publishes it later)."""
        try:
            self.publish(generation_id, route)
        except Exception:
            log.warning(
                "could not publish; the reaper will",
                extra={"video_id": generation_id},
                exc_info=True,
            )

    def publish(self, generation_id: int, route: str) -> None:
        with self._publish_lock:
            self.app.send_task(
                TASK_NAME, args=[generation_id], queue=queue_name(self.prefix, route)
            )
            self.published += 1

    def start(self) -> None:
        # One pass before serving: a broker found empty is refilled with what was waiting
        # before this start, not with what this process is about to publish itself.
        try:
            self.reap()
        except Exception:
            log.exception("first reaper pass failed")
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="pixforge-reaper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._epoch.close()

    def reap(self) -> int:
        """One pass: everything waiting when the broker came back empty, then rows whose lease
        ran out or whose publish is old. Returns how many were published."""
        due = self._take_unleased() if self._epoch.lost() else []
        due += self._take_due()
        return self._publish_all(due)

    def _publish_all(self, due: Iterable[tuple[int, str]]) -> int:
        count = 0
        for generation_id, route in due:
            try:
                self.publish(generation_id, route)
                count += 1
            except Exception:
                log.warning("reaper could not publish", extra={"video_id": generation_id})
        if count:
            log.info("reaper re-published generations", extra={"count": count})
        return count

    def _loop(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.reap()
            except Exception:  # a database or broker hiccup: try again next pass
                log.exception("reaper pass failed")


class BrokerEpoch:
    """Notices a Redis broker that restarted empty: a key this process set has gone (Redis as
    usually deployed for Celery keeps nothing across a restart, so the queues are gone too).
    Other brokers (RabbitMQ keeps durable queues) are never reported lost."""

    def __init__(self, broker_url: str, prefix: str) -> None:
        self._url = broker_url
        self._key = f"{prefix}:broker-epoch"
        self._client: object | None = None

    def lost(self) -> bool:
        if not self._url.startswith(("redis://", "rediss://")):
            return False
        import redis

        if self._client is None:
            self._client = redis.Redis.from_url(self._url, socket_timeout=2.0)
        client = self._client
        assert isinstance(client, redis.Redis)
        # True when the key was absent: set by nobody since the broker (re)started.
        return bool(client.set(self._key, uuid.uuid4().hex, nx=True))

    def close(self) -> None:
        client = self._client
        self._client = None
        if client is not None:
            client.close()  # type: ignore[attr-defined]
