"""Repository for generation rows: insert, read, and the one conditional writer every status and
lease change goes through (`transition`, called only by lifecycle/)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, update

from pixforge.domain.status import VideoStatus
from pixforge.store.tables import files, generations

GENERATING = int(VideoStatus.GENERATING)


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
    # The inputs resolved at submit (domain.manifest); None on rows written before it existed.
    manifest_json: str | None = None
    # The route (queue suffix) it is dispatched on, and when it was last published.
    dispatch_route: str | None = None
    dispatched_at: float | None = None


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


def queue_depth_by_route(conn: Connection, now: float) -> dict[str, tuple[int, int]]:
    """(queued, running) status-5 generations per dispatch route ("preview" when unset)."""
    running = and_(
        generations.c.lease_owner.is_not(None), generations.c.lease_expires_at >= now
    ).label("running")
    route = func.coalesce(generations.c.dispatch_route, "preview").label("route")
    rows = conn.execute(
        select(route, running, func.count())
        .where(generations.c.status == GENERATING)
        .group_by(route, running)
    ).all()
    depth: dict[str, tuple[int, int]] = {}
    for name, is_running, count in rows:
        queued, busy = depth.get(str(name), (0, 0))
        if is_running:
            busy += int(count)
        else:
            queued += int(count)
        depth[str(name)] = (queued, busy)
    return depth


def take_for_redispatch(
    conn: Connection, now: float, redispatch_after_s: float, limit: int
) -> list[tuple[int, str]]:
    """(id, route) of waiting generations whose message may be lost, stamped as published now:
    a lease that ran out since the last publish (a dead or hung worker), or no live lease and
    no publish for `redispatch_after_s` (the broker lost it, or the API died before publishing).
    Rows are locked with SKIP LOCKED, so several reapers never publish one row twice at once."""
    no_live_lease = or_(
        generations.c.lease_expires_at.is_(None), generations.c.lease_expires_at < now
    )
    due = or_(
        generations.c.dispatched_at.is_(None),
        generations.c.dispatched_at < now - redispatch_after_s,
        and_(
            generations.c.lease_expires_at.is_not(None),
            generations.c.dispatched_at < generations.c.lease_expires_at,
        ),
    )
    return _stamp(conn, and_(generations.c.status == GENERATING, no_live_lease, due), now, limit)


def take_unleased(conn: Connection, now: float, limit: int) -> list[tuple[int, str]]:
    """(id, route) of every waiting generation without a live lease, stamped as published now
    (the broker was found empty after a restart: all their messages are gone)."""
    no_live_lease = or_(
        generations.c.lease_expires_at.is_(None), generations.c.lease_expires_at < now
    )
    return _stamp(conn, and_(generations.c.status == GENERATING, no_live_lease), now, limit)


def _stamp(
    conn: Connection, where: ColumnElement[bool], now: float, limit: int
) -> list[tuple[int, str]]:
    query = (
        select(generations.c.id, generations.c.dispatch_route)
        .where(where)
        .order_by(generations.c.created_at)
        .limit(limit)
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = [(int(r[0]), str(r[1] or "preview")) for r in conn.execute(query).all()]
    if rows:
        conn.execute(
            update(generations)
            .where(generations.c.id.in_([r[0] for r in rows]))
            .values(dispatched_at=now)
        )
    return rows


def _claimable(now: float) -> ColumnElement[bool]:
    return and_(
        generations.c.status == GENERATING,
        or_(generations.c.lease_expires_at.is_(None), generations.c.lease_expires_at < now),
    )


def next_claimable(conn: Connection, now: float) -> int | None:
    """The id of the oldest generation waiting for a worker."""
    query = (
        select(generations.c.id).where(_claimable(now)).order_by(generations.c.created_at).limit(1)
    )
    if conn.dialect.name == "postgresql":
        # Workers on other connections skip rows being claimed instead of queueing behind them.
        query = query.with_for_update(skip_locked=True)
    found = conn.execute(query).scalar()
    return int(found) if found is not None else None


def transition(
    conn: Connection,
    generation_id: int,
    *,
    from_status: int,
    values: Mapping[str, object],
    holder: str | None = None,
    claimable_at: float | None = None,
    attempts_delta: int = 0,
) -> bool:
    """The one conditional write of a generation's status and lease: applies `values` (and adds
    `attempts_delta` to the attempts) when the row is still in `from_status` — and held by
    `holder`, or claimable at `claimable_at`, when given. False when the row moved on
    meanwhile, so two writers can never both win."""
    conditions: list[ColumnElement[bool]] = [
        generations.c.id == generation_id,
        generations.c.status == from_status,
    ]
    if holder is not None:
        conditions.append(generations.c.lease_owner == holder)
    if claimable_at is not None:
        conditions.append(_claimable(claimable_at))
    changes = dict(values)
    if attempts_delta:
        changes["attempts"] = generations.c.attempts + attempts_delta
    result = conn.execute(update(generations).where(*conditions).values(**changes))
    return result.rowcount == 1


def held_by(conn: Connection, owner_prefix: str) -> list[tuple[int, str]]:
    """(id, owner) of the status-5 rows whose lease owner starts with `owner_prefix`."""
    rows = conn.execute(
        select(generations.c.id, generations.c.lease_owner).where(
            generations.c.status == GENERATING,
            generations.c.lease_owner.startswith(owner_prefix, autoescape=True),
        )
    ).all()
    return [(int(r[0]), str(r[1])) for r in rows]


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


def depth_by_route(conn: Connection) -> list[tuple[str, str, int, int]]:
    """(model, mode, queued, running) of the status-5 rows, per model and mode."""
    rows = conn.execute(
        select(
            generations.c.model,
            generations.c.mode,
            func.count(),
            # Rows with a lease owner are running (count() of a column skips NULLs).
            func.count(generations.c.lease_owner),
        )
        .where(generations.c.status == GENERATING)
        .group_by(generations.c.model, generations.c.mode)
        .order_by(generations.c.model, generations.c.mode)
    ).all()
    return [(str(r[0]), str(r[1]), int(r[2]) - int(r[3] or 0), int(r[3] or 0)) for r in rows]


def recent_with_status(conn: Connection, status: int, limit: int) -> list[GenerationRow]:
    """The newest rows in one status (the operator's recent failures)."""
    query = (
        select(generations)
        .where(generations.c.status == status)
        .order_by(generations.c.modified_at.desc())
        .limit(limit)
    )
    return [GenerationRow(**row) for row in conn.execute(query).mappings()]


def without_manifest(conn: Connection) -> list[GenerationRow]:
    """Status-5 rows written before job manifests existed (to be resolved once at start-up)."""
    rows = conn.execute(
        select(generations).where(
            generations.c.status == GENERATING, generations.c.manifest_json.is_(None)
        )
    ).mappings()
    return [GenerationRow(**row) for row in rows]


def set_manifest(conn: Connection, generation_id: int, manifest_json: str) -> bool:
    """Store the resolved inputs of a generation that had none (never changes its status)."""
    result = conn.execute(
        update(generations)
        .where(generations.c.id == generation_id, generations.c.manifest_json.is_(None))
        .values(manifest_json=manifest_json)
    )
    return result.rowcount == 1


@dataclass(frozen=True, slots=True)
class GenerationFilter:
    """Which of an account's generations a listing shows (empty tuples: any)."""

    statuses: tuple[int, ...] = ()
    modes: tuple[str, ...] = ()
    models: tuple[str, ...] = ()
    created_from: float | None = None
    created_to: float | None = None


def list_for_account(
    conn: Connection, account_id: int, where: GenerationFilter, *, offset: int, limit: int
) -> tuple[list[GenerationRow], int]:
    """One page of an account's generations, newest first, and how many match in all."""
    conditions: list[ColumnElement[bool]] = [generations.c.account_id == account_id]
    if where.statuses:
        conditions.append(generations.c.status.in_(where.statuses))
    if where.modes:
        conditions.append(generations.c.mode.in_(where.modes))
    if where.models:
        conditions.append(generations.c.model.in_(where.models))
    if where.created_from is not None:
        conditions.append(generations.c.created_at >= where.created_from)
    if where.created_to is not None:
        conditions.append(generations.c.created_at < where.created_to)
    total = conn.execute(
        select(func.count()).select_from(generations).where(*conditions)
    ).scalar_one()
    rows = conn.execute(
        select(generations)
        .where(*conditions)
        .order_by(generations.c.created_at.desc(), generations.c.id.desc())
        .offset(offset)
        .limit(limit)
    ).mappings()
    return [GenerationRow(**row) for row in rows], int(total)
