"""Repository for per-account effect-template activations."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from pixforge.store.tables import effect_uses, template_activations


def effects_used(conn: Connection, account_id: int, period_start: float) -> frozenset[int]:
    """The effect templates an account used in the billing period starting at period_start."""
    query = select(effect_uses.c.template_id).where(
        effect_uses.c.account_id == account_id, effect_uses.c.period_start == period_start
    )
    return frozenset(int(row[0]) for row in conn.execute(query))


def record_effect_use(
    conn: Connection, account_id: int, period_start: float, template_id: int, now: float
) -> None:
    if template_id in effects_used(conn, account_id, period_start):
        return
    conn.execute(
        insert(effect_uses).values(
            account_id=account_id,
            period_start=period_start,
            template_id=template_id,
            created_at=now,
        )
    )


def is_activated(conn: Connection, account_id: int, template_id: int) -> bool:
    query = select(template_activations.c.template_id).where(
        template_activations.c.account_id == account_id,
        template_activations.c.template_id == template_id,
    )
    return conn.execute(query).first() is not None


def activate(conn: Connection, account_id: int, template_id: int, now: float) -> bool:
    """True when newly activated, False when it already was."""
    if is_activated(conn, account_id, template_id):
        return False
    conn.execute(
        insert(template_activations).values(
            account_id=account_id, template_id=template_id, activated_at=now
        )
    )
    return True


def deactivate(conn: Connection, account_id: int, template_id: int) -> bool:
    result = conn.execute(
        delete(template_activations).where(
            template_activations.c.account_id == account_id,
            template_activations.c.template_id == template_id,
        )
    )
    return bool(result.rowcount)


def activated(conn: Connection, account_id: int) -> list[int]:
    query = (
        select(template_activations.c.template_id)
        .where(template_activations.c.account_id == account_id)
        .order_by(template_activations.c.template_id)
    )
    return [int(value) for value in conn.execute(query).scalars()]
