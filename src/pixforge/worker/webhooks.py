"""The webhook sender: delivers persisted deliveries, signs them, retries on its schedule.

Deliveries are rows written in the same transaction as the generation's terminal status, so a
restart loses none: whatever is due is sent when the sender runs again. One dispatcher thread
claims due rows, only while a sender worker is free, and hands each to one of `concurrency`
workers; every attempt ends by a total deadline (connect, send, and the whole answer), so a
receiver that never answers or trickles bytes holds one worker for at most `timeout_s` and never
delays the others.
"""

from __future__ import annotations

import json
import logging
import queue
import ssl
import threading
import time
from collections.abc import Sequence

import httpx

from pixforge.domain import webhooks as signing
from pixforge.media.fetch import (
    FetchFailedError,
    FetchRefusedError,
    Network,
    Resolver,
    check_url,
    pinned_client,
    resolve_host,
)
from pixforge.store import webhooks as repo
from pixforge.store.db import Database
from pixforge.store.webhooks import DeliveryRow

log = logging.getLogger(__name__)

# A receiver answers "ok"; reading more than this of its answer is never needed.
MAX_REPLY_BYTES = 4096
# Added to the attempt's deadline when claiming: the row stays ours while the outcome is written.
CLAIM_MARGIN_S = 30.0


class WebhookSender:
    def __init__(
        self,
        db: Database,
        *,
        retry_delays_s: Sequence[float],
        timeout_s: float,
        poll_s: float,
        allowed_networks: Sequence[Network],
        concurrency: int = 8,
        resolve: Resolver = resolve_host,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.db = db
        self.retry_delays_s = list(retry_delays_s)
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.allowed_networks = allowed_networks
        self.concurrency = concurrency
        self.resolve = resolve
        self.ssl_context = ssl_context
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._free_workers = threading.Semaphore(concurrency)
        self._claimed: queue.SimpleQueue[DeliveryRow | None] = queue.SimpleQueue()
        self._dispatcher: threading.Thread | None = None
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        self._stop.clear()
        self._workers = [
            threading.Thread(target=self._work, name=f"webhook-sender-{n}", daemon=True)
            for n in range(self.concurrency)
        ]
        self._dispatcher = threading.Thread(
            target=self._dispatch, name="webhook-dispatcher", daemon=True
        )
        for thread in [*self._workers, self._dispatcher]:
            thread.start()

    def stop(self, grace_s: float | None = None) -> None:
        """Stop sending. Attempts in flight get `grace_s` (default: their whole deadline) to
        record their outcome; one cut short is sent again once its claim runs out."""
        self._stop.set()
        self._wake.set()
        wait_s = self.poll_s + self.timeout_s + 5 if grace_s is None else grace_s
        give_up_at = time.monotonic() + wait_s
        # The dispatcher ends first, so nothing is claimed after the workers were told to end.
        if self._dispatcher is not None:
            self._dispatcher.join(timeout=max(give_up_at - time.monotonic(), 0.1))
            self._dispatcher = None
        for _ in self._workers:
            self._claimed.put(None)
        # Attempts in flight end by their deadline and record their outcome before we return.
        for thread in self._workers:
            thread.join(timeout=max(give_up_at - time.monotonic(), 0.1))
        self._workers = []

    def notify(self) -> None:
        self._wake.set()

    def _dispatch(self) -> None:
        while not self._stop.is_set():
            if not self._free_workers.acquire(timeout=self.poll_s):
                continue
            # Cleared before looking, so a notify during the look is not lost.
            self._wake.clear()
            try:
                delivery = self._claim()
            except Exception:  # a database hiccup must not end deliveries for good
                log.exception("webhook sender failed to claim; retrying")
                delivery = None
            if delivery is None:
                self._free_workers.release()
                self._wake.wait(self.poll_s)
                continue
            self._claimed.put(delivery)

    def _work(self) -> None:
        while True:
            delivery = self._claimed.get()
            if delivery is None:
                return
            try:
                self._attempt(delivery)
            except Exception:  # the claim runs out and the delivery is due again
                log.exception("webhook delivery attempt failed", extra={"delivery_id": delivery.id})
            finally:
                self._free_workers.release()

    def send_next(self) -> bool:
        """Attempt the oldest due delivery in this thread; False when nothing is due."""
        delivery = self._claim()
        if delivery is None:
            return False
        self._attempt(delivery)
        return True

    def _claim(self) -> DeliveryRow | None:
        with self.db.write() as conn:
            now = time.time()
            due = repo.next_due(conn, now)
            if due is None:
                return None
            # Hold it past the attempt's longest possible run; a crash makes it due again.
            hold_until = now + self.timeout_s + CLAIM_MARGIN_S
            if not repo.claim(conn, due.id, due.next_attempt_at, hold_until):
                return None
            return due

    def _attempt(self, delivery: DeliveryRow) -> None:
        with self.db.read() as conn:
            hook = repo.get_webhook(conn, delivery.webhook_id)
        error: str | None
        if hook is None or hook.disabled:
            error = "the webhook was removed or disabled"
        else:
            error = self._post(hook.url, hook.secret, delivery)
        attempts = delivery.attempts + 1
        now = time.time()
        if error is None:
            state, next_at = repo.DELIVERED, now
        else:
            delay = signing.next_attempt_delay(attempts, self.retry_delays_s)
            state = repo.FAILED if delay is None else repo.PENDING
            next_at = now + (delay or 0.0)
        with self.db.write() as conn:
            repo.record_attempt(
                conn,
                delivery.id,
                state=state,
                attempts=attempts,
                next_attempt_at=next_at,
                error=error,
                now=now,
            )
        log.info(
            "webhook delivery attempt",
            extra={
                "delivery_id": delivery.id,
                "video_id": delivery.generation_id,
                "attempt": attempts,
                "state": state,
                "error": error,
            },
        )

    def _post(self, url: str, secret: str, delivery: DeliveryRow) -> str | None:
        """Send one delivery within the total deadline; None on success, else what went wrong."""
        deadline = time.monotonic() + self.timeout_s
        body = json.loads(delivery.payload_json)
        timestamp = str(int(time.time()))
        nonce = signing.new_nonce()
        headers = {
            "Content-Type": "application/json",
            "Webhook-Timestamp": timestamp,
            "Webhook-Nonce": nonce,
            "Webhook-Signature": signing.signature(secret, timestamp, nonce, body),
            "Ai-Trace-Id": delivery.trace_id,
        }
        try:
            target = check_url(url, self.allowed_networks, self.resolve)
            with (
                pinned_client(target, deadline=deadline, ssl_context=self.ssl_context) as client,
                client.stream(
                    "POST", target.url, content=signing.body_bytes(body), headers=headers
                ) as response,
            ):
                reply = _read_at_most(response, MAX_REPLY_BYTES)
        except (FetchRefusedError, FetchFailedError) as refused:
            return f"refused: {refused}"
        except httpx.TimeoutException as slow:
            return f"no complete answer within {self.timeout_s} s ({type(slow).__name__}: {slow})"
        except httpx.HTTPError as failure:
            return f"{type(failure).__name__}: {failure}"
        text = reply.decode("utf-8", errors="replace")
        if response.status_code != 200 or text.strip() != "ok":
            return f"HTTP {response.status_code}: {text[:200]!r} (expected 200 and 'ok')"
        return None


def _read_at_most(response: httpx.Response, limit_bytes: int) -> bytes:
    """The start of the answer body; a receiver cannot make us buffer more than the limit."""
    received = bytearray()
    for chunk in response.iter_bytes():
        received += chunk
        if len(received) >= limit_bytes:
            break
    return bytes(received[:limit_bytes])
