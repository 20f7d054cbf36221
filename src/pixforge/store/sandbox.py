"""Repository for the sandbox: account timing and clock, watched generations, scenario steps,
the request journal."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Column, Connection, delete, func, insert, or_, select, update

from pixforge.domain.sandbox import JournalFilter
from pixforge.store.tables import (
    accounts,
    api_keys,
    files,
    generations,
    idempotency,
    ledger,
    mask_selections,
    metadata,
    sandbox_accounts,
    sandbox_generations,
    sandbox_journal,
    sandbox_scenarios,
    uploads,
    webhook_deliveries,
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


# -- reset and snapshots


def generating(conn: Connection, account_id: int) -> list[int]:
    """The account's generations still in 5."""
    query = select(generations.c.id).where(
        generations.c.account_id == account_id, generations.c.status == 5
    )
    return [int(row[0]) for row in conn.execute(query)]


def purge_account(conn: Connection, account_id: int) -> list[str]:
    """Remove an account's generations, uploads, mask selections, trace-id records, sandbox
    state and journal; credits back to what was granted. Returns the blob keys to delete."""
    generation_ids = select(generations.c.id).where(generations.c.account_id == account_id)
    tokens = {
        row[0]
        for table, column in (
            (generations, generations.c.output_token),
            (uploads, uploads.c.file_token),
            (mask_selections, mask_selections.c.file_token),
        )
        for row in conn.execute(select(column).where(table.c.account_id == account_id))
        if row[0]
    }
    conn.execute(
        delete(webhook_deliveries).where(webhook_deliveries.c.generation_id.in_(generation_ids))
    )
    for table in (generations, uploads, mask_selections):
        conn.execute(delete(table).where(table.c.account_id == account_id))
    keys = [
        str(row[0])
        for row in conn.execute(select(files.c.storage_key).where(files.c.token.in_(tokens)))
    ]
    conn.execute(delete(files).where(files.c.token.in_(tokens)))
    key_ids = select(api_keys.c.id).where(api_keys.c.account_id == account_id)
    conn.execute(delete(idempotency).where(idempotency.c.api_key_id.in_(key_ids)))
    granted = conn.execute(
        select(
            func.coalesce(func.sum(ledger.c.delta_monthly), 0),
            func.coalesce(func.sum(ledger.c.delta_package), 0),
        ).where(ledger.c.account_id == account_id, ledger.c.kind == "grant")
    ).one()
    conn.execute(delete(ledger).where(ledger.c.account_id == account_id, ledger.c.kind != "grant"))
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(credit_monthly=int(granted[0]), credit_package=int(granted[1]))
    )
    for table in (sandbox_generations, sandbox_scenarios, sandbox_journal, sandbox_accounts):
        conn.execute(delete(table).where(table.c.account_id == account_id))
    return keys


def dump_tables(conn: Connection) -> dict[str, list[dict[str, object]]]:
    """Every row of every table (not Alembic's own), as JSON-ready dictionaries."""
    return {
        table.name: [dict(row) for row in conn.execute(select(table)).mappings()]
        for table in metadata.sorted_tables
    }


def load_tables(conn: Connection, data: dict[str, list[dict[str, object]]]) -> None:
    """Replace every table's rows with `data` (a dump_tables result)."""
    for table in reversed(metadata.sorted_tables):
        conn.execute(delete(table))
    for table in metadata.sorted_tables:
        rows = data.get(table.name, [])
        if rows:
            conn.execute(insert(table), rows)
        if conn.dialect.name == "postgresql" and isinstance(table.c.get("id"), Column):
            column = table.c["id"]
            if column.autoincrement is True:
                # Explicit ids leave the sequence behind: move it past the restored rows.
                following = select(func.coalesce(func.max(column), 0) + 1).scalar_subquery()
                sequence = func.pg_get_serial_sequence(table.name, "id")
                conn.execute(select(func.setval(sequence, following, False)))
