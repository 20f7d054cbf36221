"""Repository for per-account effect-template activations."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select

from pixforge.store.tables import template_activations


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
