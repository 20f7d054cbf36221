"""Repository for webhook endpoints and their persisted deliveries (claimed like generations)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from pixforge.store.tables import webhook_deliveries, webhooks

PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class WebhookRow:
    id: str
    account_id: int
    url: str
    secret: str
    is_default: bool
    disabled: bool
    created_at: float


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: int
    webhook_id: str
    generation_id: int
    trace_id: str
    payload_json: str
    state: str
    attempts: int
    next_attempt_at: float
    last_error: str | None
    created_at: float
    delivered_at: float | None


def insert_webhook(conn: Connection, row: WebhookRow) -> None:
    if row.is_default:
        conn.execute(
            update(webhooks).where(webhooks.c.account_id == row.account_id).values(is_default=False)
        )
    conn.execute(insert(webhooks).values(**{n: getattr(row, n) for n in WebhookRow.__slots__}))


def get_webhook(conn: Connection, webhook_id: str) -> WebhookRow | None:
    row = conn.execute(select(webhooks).where(webhooks.c.id == webhook_id)).mappings().first()
    return WebhookRow(**row) if row else None


def default_webhook(conn: Connection, account_id: int) -> WebhookRow | None:
    query = select(webhooks).where(
        webhooks.c.account_id == account_id,
        webhooks.c.is_default.is_(True),
        webhooks.c.disabled.is_(False),
    )
    row = conn.execute(query).mappings().first()
    return WebhookRow(**row) if row else None


def list_webhooks(conn: Connection, account_id: int | None = None) -> list[WebhookRow]:
    query = select(webhooks).order_by(webhooks.c.created_at)
    if account_id is not None:
        query = query.where(webhooks.c.account_id == account_id)
    return [WebhookRow(**row) for row in conn.execute(query).mappings()]


def set_disabled(conn: Connection, webhook_id: str, disabled: bool) -> bool:
    result = conn.execute(
        update(webhooks).where(webhooks.c.id == webhook_id).values(disabled=disabled)
    )
    return bool(result.rowcount)


def insert_delivery(
    conn: Connection,
    webhook_id: str,
    generation_id: int,
    trace_id: str,
    payload_json: str,
    now: float,
) -> None:
    conn.execute(
        insert(webhook_deliveries).values(
            webhook_id=webhook_id,
            generation_id=generation_id,
            trace_id=trace_id,
            payload_json=payload_json,
            state=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def next_due(conn: Connection, now: float) -> DeliveryRow | None:
    query = (
        select(webhook_deliveries)
        .where(webhook_deliveries.c.state == PENDING, webhook_deliveries.c.next_attempt_at <= now)
        .order_by(webhook_deliveries.c.next_attempt_at)
        .limit(1)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).mappings().first()
    return DeliveryRow(**row) if row else None


def claim(conn: Connection, delivery_id: int, expected_at: float, hold_until: float) -> bool:
    """Push the due time past the attempt so no other sender takes it meanwhile."""
    result = conn.execute(
        update(webhook_deliveries)
        .where(
            webhook_deliveries.c.id == delivery_id,
            webhook_deliveries.c.state == PENDING,
            webhook_deliveries.c.next_attempt_at == expected_at,
        )
        .values(next_attempt_at=hold_until)
    )
    return bool(result.rowcount)


def record_attempt(
    conn: Connection,
    delivery_id: int,
    *,
    state: str,
    attempts: int,
    next_attempt_at: float,
    error: str | None,
    now: float,
) -> None:
    conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id)
        .values(
            state=state,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            last_error=error,
            delivered_at=now if state == DELIVERED else None,
        )
    )


def requeue(conn: Connection, delivery_id: int, now: float) -> bool:
    result = conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id)
        .values(state=PENDING, attempts=0, next_attempt_at=now, last_error=None)
    )
    return bool(result.rowcount)


def list_deliveries(
    conn: Connection, state: str | None = None, limit: int = 100
) -> list[DeliveryRow]:
    query = select(webhook_deliveries).order_by(webhook_deliveries.c.id.desc()).limit(limit)
    if state is not None:
        query = query.where(webhook_deliveries.c.state == state)
    return [DeliveryRow(**row) for row in conn.execute(query).mappings()]


def list_account_deliveries(conn: Connection, account_id: int, limit: int) -> list[DeliveryRow]:
    """The newest deliveries to an account's webhooks."""
    query = (
        select(webhook_deliveries)
        .select_from(
            webhook_deliveries.join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
        )
        .where(webhooks.c.account_id == account_id)
        .order_by(webhook_deliveries.c.id.desc())
        .limit(limit)
    )
    return [DeliveryRow(**row) for row in conn.execute(query).mappings()]


def get_delivery(conn: Connection, delivery_id: int) -> DeliveryRow | None:
    query = select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)
    row = conn.execute(query).mappings().first()
    return DeliveryRow(**row) if row else None


def count_by_state(conn: Connection) -> dict[str, int]:
    query = select(webhook_deliveries.c.state, func.count()).group_by(webhook_deliveries.c.state)
    return {str(state): int(count) for state, count in conn.execute(query)}
