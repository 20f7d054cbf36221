"""Operator use cases behind the CLI and the console: effect-template activation, webhook
endpoints and deliveries, and what the queue and workers are doing."""

from __future__ import annotations

import ipaddress
import secrets
import time
from collections.abc import Mapping, Sequence

from pixforge.domain import webhooks as signing
from pixforge.domain.errors import InvalidParameterError, NotFoundError
from pixforge.domain.rules import Template
from pixforge.domain.status import VideoStatus
from pixforge.media.fetch import (
    Address,
    FetchFailedError,
    FetchRefusedError,
    Network,
    Resolver,
    check_url,
    resolve_host,
)
from pixforge.store import accounts as account_repo
from pixforge.store import generations as generation_repo
from pixforge.store import templates as template_repo
from pixforge.store import webhooks as webhook_repo
from pixforge.store.db import Database
from pixforge.store.generations import GenerationRow
from pixforge.store.webhooks import DeliveryRow, WebhookRow

# The special-purpose blocks a refused receiver most likely sits in, to suggest an allow-list
# entry; anything else is suggested as the single address.
_SUGGESTED_NETWORKS = [
    ipaddress.ip_network(n)
    for n in (
        "127.0.0.0/8",
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "169.254.0.0/16",
        "100.64.0.0/10",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
]


def _suggested_network(address: Address) -> str:
    for network in _SUGGESTED_NETWORKS:
        if address in network:
            return str(network)
    return str(ipaddress.ip_network(address))


class OperatorService:
    def __init__(
        self,
        db: Database,
        templates: Mapping[int, Template],
        *,
        webhook_allowed_networks: Sequence[Network],
        resolve: Resolver = resolve_host,
    ) -> None:
        self.db = db
        self.templates = templates
        self.webhook_allowed_networks = webhook_allowed_networks
        self.resolve = resolve

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
        self._check_receiver(url)
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

    def _check_receiver(self, url: str) -> None:
        """Refuse now a receiver every delivery would be refused for, rather than fail quietly.

        The sender checks again at each attempt: DNS answers and the allow-list may change.
        """
        try:
            check_url(url, self.webhook_allowed_networks, self.resolve)
        except FetchRefusedError as refused:
            if refused.address is None:
                raise InvalidParameterError(f"url: {refused}") from refused
            network = _suggested_network(refused.address)
            raise InvalidParameterError(
                f"url: {refused}; webhooks are delivered only to public addresses unless "
                f"PIXFORGE_WEBHOOK_ALLOW_NETWORKS lists the receiver's network: set "
                f"PIXFORGE_WEBHOOK_ALLOW_NETWORKS={network} (comma-separated CIDRs) for the "
                f"server and for this command"
            ) from refused
        except FetchFailedError as unresolved:
            raise InvalidParameterError(
                f"url: {unresolved}; a receiver's host must resolve when it is registered"
            ) from unresolved

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

    def account_deliveries(self, account_id: int, limit: int = 100) -> list[DeliveryRow]:
        """The newest deliveries to one account's webhooks."""
        with self.db.read() as conn:
            return webhook_repo.list_account_deliveries(conn, account_id, limit)

    def replay_account_delivery(self, account_id: int, delivery_id: int) -> None:
        """Replay a delivery of the account's own webhooks (another's is not found)."""
        with self.db.read() as conn:
            delivery = webhook_repo.get_delivery(conn, delivery_id)
            hook = webhook_repo.get_webhook(conn, delivery.webhook_id) if delivery else None
        if hook is None or hook.account_id != account_id:
            raise NotFoundError(f"delivery {delivery_id} does not exist")
        self.replay_delivery(delivery_id)

    # -- the queue and its workers

    def queue_by_route(self) -> list[tuple[str, str, int, int]]:
        """(model, mode, queued, running) of the generations in status 5."""
        with self.db.read() as conn:
            return generation_repo.depth_by_route(conn)

    def leases(self) -> list[tuple[int, str]]:
        """(generation id, lease owner `host:pid:random:worker`) of every running render."""
        with self.db.read() as conn:
            return generation_repo.leased(conn)

    def recent_failures(self, limit: int = 20) -> list[GenerationRow]:
        with self.db.read() as conn:
            return generation_repo.recent_with_status(conn, int(VideoStatus.FAILED), limit)
