"""The webhook sender: delivers persisted deliveries, signs them, retries on its schedule.

Deliveries are rows written in the same transaction as the generation's terminal status, so a
restart loses none: whatever is due is sent when the sender runs again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence

import httpx

from pixforge.domain import webhooks as signing
from pixforge.media.fetch import FetchFailedError, FetchRefusedError, Network, check_url
from pixforge.store import webhooks as repo
from pixforge.store.db import Database
from pixforge.store.webhooks import DeliveryRow

log = logging.getLogger(__name__)


class WebhookSender:
    def __init__(
        self,
        db: Database,
        *,
        retry_delays_s: Sequence[float],
        timeout_s: float,
        poll_s: float,
        allowed_networks: Sequence[Network],
    ) -> None:
        self.db = db
        self.retry_delays_s = list(retry_delays_s)
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.allowed_networks = allowed_networks
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: httpx.Client | None = None

    def start(self) -> None:
        self._client = httpx.Client(timeout=self.timeout_s, follow_redirects=False)
        self._thread = threading.Thread(target=self._loop, name="webhook-sender", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout_s + 5)
        if self._client is not None:
            self._client.close()
            self._client = None

    def notify(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                while not self._stop.is_set() and self.send_next():
                    pass
            except Exception:  # a database hiccup must not end deliveries for good
                log.exception("webhook sender failed; retrying")
            self._wake.wait(self.poll_s)
            self._wake.clear()

    def send_next(self) -> bool:
        """Attempt the oldest due delivery; False when nothing is due."""
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
            if not repo.claim(conn, due.id, due.next_attempt_at, now + self.timeout_s + 30):
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
        """Send one delivery; None on success, else what went wrong."""
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
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout_s, follow_redirects=False)
        try:
            check_url(url, self.allowed_networks)
            response = self._client.post(url, content=signing.body_bytes(body), headers=headers)
        except (FetchRefusedError, FetchFailedError) as refused:
            return f"refused: {refused}"
        except httpx.HTTPError as failure:
            return f"{type(failure).__name__}: {failure}"
        if response.status_code != 200 or response.text.strip() != "ok":
            return f"HTTP {response.status_code}: {response.text[:200]!r} (expected 200 and 'ok')"
        return None
