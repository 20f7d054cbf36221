"""Repository for generation rows: insert, read, lease claims, conditional status updates."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from pixforge.store.tables import files, generations

GENERATING = 5  # VideoStatus.GENERATING; the store does not import the domain enum


@dataclass(frozen=True, slots=True)
class GenerationRow:
    id: int
    account_id: int
    api_key_id: int
    trace_id: str
    status: int
    mode: str
    model: str
    spec_json: str
    prompt: str
    negative_prompt: str
    style: str
    quality: str
    seed: int
    width: int
    height: int
    fps: int
    frame_count: int
    credits_charged: int
    output_token: str | None
    output_size_bytes: int | None
    has_audio: bool
    attempts: int
    progress: float
    lease_owner: str | None
    lease_expires_at: float | None
    error: str | None
    created_at: float
    modified_at: float
    started_at: float | None
    finished_at: float | None


def insert_generation(conn: Connection, row: GenerationRow) -> None:
    conn.execute(insert(generations).values(**_as_dict(row)))


def _as_dict(row: GenerationRow) -> dict[str, object]:
    return {name: getattr(row, name) for name in GenerationRow.__slots__}


def get_generation(conn: Connection, generation_id: int) -> GenerationRow | None:
    row = (
        conn.execute(select(generations).where(generations.c.id == generation_id))
        .mappings()
        .first()
    )
    return GenerationRow(**row) if row else None


def count_active(conn: Connection, account_id: int, created_after: float) -> int:
    """Generations of an account still in status 5 and younger than the release window."""
    query = (
        select(func.count())
        .select_from(generations)
        .where(
            generations.c.account_id == account_id,
            generations.c.status == GENERATING,
            generations.c.created_at > created_after,
        )
    )
    return int(conn.execute(query).scalar_one())


def queue_depth(conn: Connection) -> tuple[int, int]:
    """(queued, running) generations across all accounts."""
    running = generations.c.lease_owner.is_not(None)
    rows = conn.execute(
        select(running.label("running"), func.count())
        .where(generations.c.status == GENERATING)
        .group_by(running)
    ).all()
    counts = {bool(r[0]): int(r[1]) for r in rows}
    return counts.get(False, 0), counts.get(True, 0)


def _claimable(now: float) -> object:
    return and_(
        generations.c.status == GENERATING,
        or_(generations.c.lease_expires_at.is_(None), generations.c.lease_expires_at < now),
    )


def next_claimable(conn: Connection, now: float) -> GenerationRow | None:
    query = (
        select(generations)
        .where(_claimable(now))  # type: ignore[arg-type]
        .order_by(generations.c.created_at)
        .limit(1)
    )
    if conn.dialect.name == "postgresql":
        # Workers on other connections skip rows being claimed instead of queueing behind them.
        query = query.with_for_update(skip_locked=True)
    row = conn.execute(query).mappings().first()
    return GenerationRow(**row) if row else None


def claim(conn: Connection, generation_id: int, owner: str, now: float, lease_s: float) -> bool:
    """Take the lease on a queued or abandoned row; False when someone else holds it."""
    result = conn.execute(
        update(generations)
        .where(generations.c.id == generation_id, _claimable(now))  # type: ignore[arg-type]
        .values(
            lease_owner=owner,
            lease_expires_at=now + lease_s,
            attempts=generations.c.attempts + 1,
            started_at=now,
            modified_at=now,
        )
    )
    return result.rowcount == 1


def renew_lease(
    conn: Connection,
    generation_id: int,
    owner: str,
    now: float,
    lease_s: float,
    progress: float | None = None,
) -> bool:
    values: dict[str, object] = {"lease_expires_at": now + lease_s}
    if progress is not None:
        values["progress"] = min(1.0, max(0.0, progress))
    result = conn.execute(
        update(generations)
        .where(
            generations.c.id == generation_id,
            generations.c.status == GENERATING,
            generations.c.lease_owner == owner,
        )
        .values(**values)
    )
    return result.rowcount == 1


def release_leases_of(conn: Connection, owner: str, now: float) -> int:
    """Hand back the leases an owner still holds (graceful shutdown) without counting an attempt."""
    result = conn.execute(
        update(generations)
        .where(generations.c.status == GENERATING, generations.c.lease_owner == owner)
        .values(
            lease_owner=None,
            lease_expires_at=None,
            attempts=generations.c.attempts - 1,
            modified_at=now,
        )
    )
    return int(result.rowcount)


def finish(
    conn: Connection,
    generation_id: int,
    *,
    status: int,
    now: float,
    owner: str | None,
    output_token: str | None = None,
    output_size_bytes: int | None = None,
    has_audio: bool = False,
    error: str | None = None,
) -> bool:
    """Move a status-5 row to a terminal status; `owner` must still hold the lease when given."""
    conditions = [generations.c.id == generation_id, generations.c.status == GENERATING]
    if owner is not None:
        conditions.append(generations.c.lease_owner == owner)
    result = conn.execute(
        update(generations)
        .where(*conditions)
        .values(
            status=status,
            output_token=output_token,
            output_size_bytes=output_size_bytes,
            has_audio=has_audio,
            error=error,
            progress=1.0 if status == 1 else generations.c.progress,
            lease_owner=None,
            lease_expires_at=None,
            modified_at=now,
            finished_at=now,
        )
    )
    return result.rowcount == 1


def set_status(
    conn: Connection, generation_id: int, *, from_status: int, to: int, now: float
) -> bool:
    result = conn.execute(
        update(generations)
        .where(generations.c.id == generation_id, generations.c.status == from_status)
        .values(status=to, modified_at=now)
    )
    return result.rowcount == 1


def output_file_key(conn: Connection, generation_id: int) -> str | None:
    row = conn.execute(
        select(files.c.storage_key)
        .select_from(generations.join(files, generations.c.output_token == files.c.token))
        .where(generations.c.id == generation_id)
    ).first()
    return str(row[0]) if row else None


def status_counts(conn: Connection) -> dict[int, int]:
    rows = conn.execute(
        select(generations.c.status, func.count()).group_by(generations.c.status)
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}


def leased(conn: Connection) -> list[tuple[int, str]]:
    """(id, owner) of every status-5 row that currently has a lease owner."""
    rows = conn.execute(
        select(generations.c.id, generations.c.lease_owner).where(
            generations.c.status == GENERATING, generations.c.lease_owner.is_not(None)
        )
    ).all()
    return [(int(r[0]), str(r[1])) for r in rows]


def expire_lease(conn: Connection, generation_id: int, owner: str, now: float) -> bool:
    result = conn.execute(
        update(generations)
        .where(
            generations.c.id == generation_id,
            generations.c.status == GENERATING,
            generations.c.lease_owner == owner,
        )
        .values(lease_expires_at=now - 1.0)
    )
    return result.rowcount == 1
