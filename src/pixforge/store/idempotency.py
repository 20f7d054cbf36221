"""Repository for Ai-trace-id replay records."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from pixforge.store.tables import idempotency


@dataclass(frozen=True, slots=True)
class ReplayRow:
    request_hash: str
    response_json: str


def find(conn: Connection, api_key_id: int, trace_id: str) -> ReplayRow | None:
    row = (
        conn.execute(
            select(idempotency.c.request_hash, idempotency.c.response_json).where(
                idempotency.c.api_key_id == api_key_id, idempotency.c.trace_id == trace_id
            )
        )
        .mappings()
        .first()
    )
    return ReplayRow(**row) if row else None


def insert_record(
    conn: Connection,
    api_key_id: int,
    trace_id: str,
    request_hash: str,
    response_json: str,
    now: float,
) -> None:
    conn.execute(
        insert(idempotency).values(
            api_key_id=api_key_id,
            trace_id=trace_id,
            request_hash=request_hash,
            response_json=response_json,
            created_at=now,
        )
    )
