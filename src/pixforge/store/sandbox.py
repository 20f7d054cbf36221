"""Repository for the sandbox: account timing and clock, watched generations, scenario steps,
the request journal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from pixforge.domain.sandbox import JournalFilter
from pixforge.store.tables import (
    accounts,
    sandbox_accounts,
    sandbox_generations,
    sandbox_journal,
    sandbox_scenarios,
)


@dataclass(frozen=True, slots=True)
class SandboxAccountRow:
    account_id: int
    timing_json: str
    clock_offset_s: float
    submits: int


@dataclass(frozen=True, slots=True)
class WatchedRow:
    generation_id: int
    account_id: int
    directive: str
    state: str
    polls: int
    born_at: float


@dataclass(frozen=True, slots=True)
class ScenarioRow:
    id: int
    account_id: int
    stage: str
    mode: str | None
    directive: str
    remaining: int | None
    created_at: float


@dataclass(frozen=True, slots=True)
class JournalRow:
    id: int
    account_id: int
    at: float
    method: str
    path: str
    query: str
    status: int
    err_code: int
    trace_id: str
    duration_ms: float
    request_json: str
    response_json: str


def is_sandbox(conn: Connection, account_id: int) -> bool | None:
    """Whether the account is a sandbox one; None when it does not exist."""
    found = conn.execute(select(accounts.c.sandbox).where(accounts.c.id == account_id)).first()
    return None if found is None else bool(found[0])


def set_sandbox(conn: Connection, account_id: int, sandbox: bool) -> None:
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(sandbox=sandbox))


def get_account(conn: Connection, account_id: int) -> SandboxAccountRow | None:
    row = (
        conn.execute(select(sandbox_accounts).where(sandbox_accounts.c.account_id == account_id))
        .mappings()
        .first()
    )
    return SandboxAccountRow(**row) if row else None


def put_account(conn: Connection, row: SandboxAccountRow) -> None:
    if get_account(conn, row.account_id) is None:
        conn.execute(insert(sandbox_accounts).values(**_fields(row)))
    else:
        conn.execute(
            update(sandbox_accounts)
            .where(sandbox_accounts.c.account_id == row.account_id)
            .values(**_fields(row))
        )


def _fields(row: object) -> dict[str, object]:
    return {name: getattr(row, name) for name in type(row).__slots__}  # type: ignore[attr-defined]


def delete_account(conn: Connection, account_id: int) -> None:
    conn.execute(delete(sandbox_accounts).where(sandbox_accounts.c.account_id == account_id))


# -- watched generations


def insert_watched(conn: Connection, row: WatchedRow) -> None:
    conn.execute(insert(sandbox_generations).values(**_fields(row)))


def get_watched(conn: Connection, generation_id: int) -> WatchedRow | None:
    row = (
        conn.execute(
            select(sandbox_generations).where(sandbox_generations.c.generation_id == generation_id)
        )
        .mappings()
        .first()
    )
    return WatchedRow(**row) if row else None


def held(conn: Connection, account_id: int | None = None) -> list[WatchedRow]:
    query = select(sandbox_generations).where(sandbox_generations.c.state == "held")
    if account_id is not None:
        query = query.where(sandbox_generations.c.account_id == account_id)
    return [WatchedRow(**row) for row in conn.execute(query).mappings()]


def count_poll(conn: Connection, generation_id: int) -> None:
    conn.execute(
        update(sandbox_generations)
        .where(sandbox_generations.c.generation_id == generation_id)
        .values(polls=sandbox_generations.c.polls + 1)
    )


def move_watched(conn: Connection, generation_id: int, from_state: str, to_state: str) -> bool:
    """Conditional state change: False when another caller moved it first."""
    result = conn.execute(
        update(sandbox_generations)
        .where(
            sandbox_generations.c.generation_id == generation_id,
            sandbox_generations.c.state == from_state,
        )
        .values(state=to_state)
    )
    return result.rowcount == 1


def delete_watched(conn: Connection, account_id: int) -> None:
    conn.execute(delete(sandbox_generations).where(sandbox_generations.c.account_id == account_id))


# -- scenarios


def add_step(conn: Connection, row: ScenarioRow) -> int:
    values = _fields(row)
    values.pop("id")
    result = conn.execute(insert(sandbox_scenarios).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def steps(conn: Connection, account_id: int) -> list[ScenarioRow]:
    query = (
        select(sandbox_scenarios)
        .where(sandbox_scenarios.c.account_id == account_id)
        .order_by(sandbox_scenarios.c.id)
    )
    return [ScenarioRow(**row) for row in conn.execute(query).mappings()]


def next_step(
    conn: Connection, account_id: int, stage: str, mode: str | None
) -> ScenarioRow | None:
    """The first step for this stage (and mode, when the step names one)."""
    query = (
        select(sandbox_scenarios)
        .where(
            sandbox_scenarios.c.account_id == account_id,
            sandbox_scenarios.c.stage == stage,
            or_(sandbox_scenarios.c.mode.is_(None), sandbox_scenarios.c.mode == mode),
        )
        .order_by(sandbox_scenarios.c.id)
        .limit(1)
    )
    row = conn.execute(query).mappings().first()
    return ScenarioRow(**row) if row else None


def consume_step(conn: Connection, step: ScenarioRow) -> None:
    """Use one of the step's requests; the last one removes it (an endless step stays)."""
    if step.remaining is None:
        return
    if step.remaining <= 1:
        conn.execute(delete(sandbox_scenarios).where(sandbox_scenarios.c.id == step.id))
    else:
        conn.execute(
            update(sandbox_scenarios)
            .where(sandbox_scenarios.c.id == step.id)
            .values(remaining=sandbox_scenarios.c.remaining - 1)
        )


def clear_steps(conn: Connection, account_id: int) -> int:
    result = conn.execute(
        delete(sandbox_scenarios).where(sandbox_scenarios.c.account_id == account_id)
    )
    return int(result.rowcount)


# -- journal


def insert_entry(conn: Connection, row: JournalRow) -> None:
    values = _fields(row)
    values.pop("id")
    conn.execute(insert(sandbox_journal).values(**values))


def entries(
    conn: Connection, account_id: int, where: JournalFilter, limit: int
) -> list[JournalRow]:
    query = select(sandbox_journal).where(sandbox_journal.c.account_id == account_id)
    if where.trace_id:
        query = query.where(sandbox_journal.c.trace_id == where.trace_id)
    if where.path:
        query = query.where(sandbox_journal.c.path.contains(where.path, autoescape=True))
    if where.err_code is not None:
        query = query.where(sandbox_journal.c.err_code == where.err_code)
    if where.since is not None:
        query = query.where(sandbox_journal.c.at >= where.since)
    if where.until is not None:
        query = query.where(sandbox_journal.c.at < where.until)
    query = query.order_by(sandbox_journal.c.id).limit(limit)
    return [JournalRow(**row) for row in conn.execute(query).mappings()]


def trim_journal(conn: Connection, account_id: int, keep: int) -> None:
    """Keep the newest `keep` entries of an account."""
    newest = (
        select(sandbox_journal.c.id)
        .where(sandbox_journal.c.account_id == account_id)
        .order_by(sandbox_journal.c.id.desc())
        .limit(keep)
        .subquery()
    )
    floor = conn.execute(select(func.min(newest.c.id))).scalar()
    if floor is not None:
        conn.execute(
            delete(sandbox_journal).where(
                sandbox_journal.c.account_id == account_id, sandbox_journal.c.id < floor
            )
        )


def clear_journal(conn: Connection, account_id: int) -> None:
    conn.execute(delete(sandbox_journal).where(sandbox_journal.c.account_id == account_id))
