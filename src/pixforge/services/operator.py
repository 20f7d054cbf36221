"""Operator use cases behind the CLI: effect-template activation and webhook endpoints."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from urllib.parse import urlsplit

from pixforge.domain import webhooks as signing
from pixforge.domain.errors import InvalidParameterError, NotFoundError
from pixforge.domain.rules import Template
from pixforge.store import accounts as account_repo
from pixforge.store import templates as template_repo
from pixforge.store import webhooks as webhook_repo
from pixforge.store.db import Database
from pixforge.store.webhooks import DeliveryRow, WebhookRow


class OperatorService:
    def __init__(self, db: Database, templates: Mapping[int, Template]) -> None:
        self.db = db
        self.templates = templates

    def _require_account(self, account_id: int) -> None:
        with self.db.read() as conn:
            if account_repo.get_account(conn, account_id) is None:
                raise NotFoundError(f"account {account_id} does not exist")

    # -- templates

    def activate_templates(self, account_id: int, template_ids: list[int]) -> list[int]:
        """Activate templates for an account; returns the ones newly activated."""
        self._require_account(account_id)
        unknown = [t for t in template_ids if t not in self.templates]
        if unknown:
            raise InvalidParameterError(
                f"template_id: {', '.join(map(str, unknown))} not in the catalogue"
            )
        with self.db.write() as conn:
            now = time.time()
            return [t for t in template_ids if template_repo.activate(conn, account_id, t, now)]

    def deactivate_template(self, account_id: int, template_id: int) -> bool:
        with self.db.write() as conn:
            return template_repo.deactivate(conn, account_id, template_id)

    def activated_templates(self, account_id: int) -> list[int]:
        with self.db.read() as conn:
            return template_repo.activated(conn, account_id)

    # -- webhooks

    def create_webhook(self, account_id: int, url: str, default: bool) -> WebhookRow:
        """Register an endpoint; the row carries the signing secret (shown once by the CLI)."""
        self._require_account(account_id)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidParameterError(f"url: {url!r} is not an http(s) URL with a host")
        row = WebhookRow(
            id="wh_" + secrets.token_hex(12),
            account_id=account_id,
            url=url,
            secret=signing.new_secret(),
            is_default=default,
            disabled=False,
            created_at=time.time(),
        )
        with self.db.write() as conn:
            webhook_repo.insert_webhook(conn, row)
        return row

    def webhooks(self, account_id: int | None = None) -> list[WebhookRow]:
        with self.db.read() as conn:
            return webhook_repo.list_webhooks(conn, account_id)

    def set_webhook_disabled(self, webhook_id: str, disabled: bool) -> None:
        with self.db.write() as conn:
            if not webhook_repo.set_disabled(conn, webhook_id, disabled):
                raise NotFoundError(f"webhook {webhook_id} does not exist")

    def deliveries(self, state: str | None = None, limit: int = 100) -> list[DeliveryRow]:
        with self.db.read() as conn:
            return webhook_repo.list_deliveries(conn, state, limit)

    def replay_delivery(self, delivery_id: int) -> None:
        """Send a delivery again from scratch (fresh retry schedule)."""
        with self.db.write() as conn:
            if not webhook_repo.requeue(conn, delivery_id, time.time()):
                raise NotFoundError(f"delivery {delivery_id} does not exist")
