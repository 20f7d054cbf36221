"""Repository for accounts, API keys and the credit ledger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, select, update

from pixforge.store.tables import accounts, api_keys, generations, ledger


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    name: str
    credit_monthly: int
    credit_package: int
    concurrency_limit: int | None
    disabled: bool
    created_at: float
    # Obeys the sandbox controls (docs/sandbox.md).
    sandbox: bool = False
    plan: str | None = None
    plan_started_at: float | None = None
    plan_period_start: float | None = None
    plan_renews_at: float | None = None


@dataclass(frozen=True, slots=True)
class ApiKeyRow:
    id: int
    account_id: int
    prefix: str
    name: str
    disabled: bool
    expires_at: float | None
    created_at: float


@dataclass(frozen=True, slots=True)
class LedgerEntryRow:
    account_id: int
    generation_id: int | None
    kind: str
    delta_monthly: int
    delta_package: int
    created_at: float


def count_accounts(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(accounts)).scalar_one())


def insert_account(conn: Connection, row: AccountRow) -> None:
    conn.execute(
        insert(accounts).values(
            id=row.id,
            name=row.name,
            credit_monthly=row.credit_monthly,
            credit_package=row.credit_package,
            concurrency_limit=row.concurrency_limit,
            disabled=row.disabled,
            created_at=row.created_at,
            sandbox=row.sandbox,
        )
    )


def get_account(
    conn: Connection, account_id: int, *, for_update: bool = False
) -> AccountRow | None:
    query = select(accounts).where(accounts.c.id == account_id)
    if for_update and conn.dialect.name != "sqlite":
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return AccountRow(**row) if row else None


def list_accounts(conn: Connection) -> list[AccountRow]:
    rows = conn.execute(select(accounts).order_by(accounts.c.created_at)).mappings()
    return [AccountRow(**row) for row in rows]


def update_account(
    conn: Connection,
    account_id: int,
    *,
    disabled: bool | None = None,
    concurrency_limit: int | None = None,
) -> None:
    values: dict[str, object] = {}
    if disabled is not None:
        values["disabled"] = disabled
    if concurrency_limit is not None:
        values["concurrency_limit"] = concurrency_limit
    if values:
        conn.execute(update(accounts).where(accounts.c.id == account_id).values(**values))


def set_plan(
    conn: Connection,
    account_id: int,
    plan: str | None,
    started_at: float | None,
    period_start: float | None,
    renews_at: float | None,
) -> None:
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(
            plan=plan,
            plan_started_at=started_at,
            plan_period_start=period_start,
            plan_renews_at=renews_at,
        )
    )


def set_period(conn: Connection, account_id: int, period_start: float, renews_at: float) -> bool:
    """Move to a new billing period; False when another writer already did (renews_at moved)."""
    result = conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id, accounts.c.plan_renews_at < renews_at)
        .values(plan_period_start=period_start, plan_renews_at=renews_at)
    )
    return result.rowcount == 1


def apply_ledger_entry(conn: Connection, entry: LedgerEntryRow) -> None:
    """Record a credit movement and apply it to the balances in the same transaction.

    The CHECK constraints on `accounts` refuse any result below zero (raised as ConflictError).
    """
    conn.execute(
        insert(ledger).values(
            account_id=entry.account_id,
            generation_id=entry.generation_id,
            kind=entry.kind,
            delta_monthly=entry.delta_monthly,
            delta_package=entry.delta_package,
            created_at=entry.created_at,
        )
    )
    conn.execute(
        update(accounts)
        .where(accounts.c.id == entry.account_id)
        .values(
            credit_monthly=accounts.c.credit_monthly + entry.delta_monthly,
            credit_package=accounts.c.credit_package + entry.delta_package,
        )
    )


def ledger_entry(conn: Connection, generation_id: int, kind: str) -> LedgerEntryRow | None:
    row = (
        conn.execute(
            select(
                ledger.c.account_id,
                ledger.c.generation_id,
                ledger.c.kind,
                ledger.c.delta_monthly,
                ledger.c.delta_package,
                ledger.c.created_at,
            ).where(ledger.c.generation_id == generation_id, ledger.c.kind == kind)
        )
        .mappings()
        .first()
    )
    return LedgerEntryRow(**row) if row else None


def insert_api_key(conn: Connection, row: ApiKeyRow, key_hash: str) -> None:
    conn.execute(
        insert(api_keys).values(
            id=row.id,
            account_id=row.account_id,
            key_hash=key_hash,
            prefix=row.prefix,
            name=row.name,
            disabled=row.disabled,
            expires_at=row.expires_at,
            created_at=row.created_at,
        )
    )


_KEY_COLUMNS = (
    api_keys.c.id,
    api_keys.c.account_id,
    api_keys.c.prefix,
    api_keys.c.name,
    api_keys.c.disabled,
    api_keys.c.expires_at,
    api_keys.c.created_at,
)


def find_api_key(conn: Connection, key_hash: str) -> ApiKeyRow | None:
    row = conn.execute(select(*_KEY_COLUMNS).where(api_keys.c.key_hash == key_hash)).mappings()
    first = row.first()
    return ApiKeyRow(**first) if first else None


def list_api_keys(conn: Connection, account_id: int | None = None) -> list[ApiKeyRow]:
    query = select(*_KEY_COLUMNS).order_by(api_keys.c.created_at)
    if account_id is not None:
        query = query.where(api_keys.c.account_id == account_id)
    return [ApiKeyRow(**row) for row in conn.execute(query).mappings()]


def set_api_key_disabled(conn: Connection, key_id: int, disabled: bool) -> bool:
    result = conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(disabled=disabled))
    return result.rowcount == 1


def refund_charge(conn: Connection, generation_id: int, now: float) -> bool:
    """Return exactly what a generation's charge took, to the buckets it came from, once.

    False when there is nothing to refund (no charge) or it was refunded already.
    """
    charge = ledger_entry(conn, generation_id, "charge")
    if charge is None or ledger_entry(conn, generation_id, "refund") is not None:
        return False
    apply_ledger_entry(
        conn,
        LedgerEntryRow(
            account_id=charge.account_id,
            generation_id=generation_id,
            kind="refund",
            delta_monthly=-charge.delta_monthly,
            delta_package=-charge.delta_package,
            created_at=now,
        ),
    )
    return True


@dataclass(frozen=True, slots=True)
class LedgerLineRow:
    """A ledger entry with the mode of the generation it is about ("" for grants)."""

    entry: LedgerEntryRow
    mode: str


def list_ledger(conn: Connection, account_id: int, limit: int) -> list[LedgerLineRow]:
    """An account's newest ledger entries first, each with its generation's mode."""
    query = (
        select(
            ledger.c.account_id,
            ledger.c.generation_id,
            ledger.c.kind,
            ledger.c.delta_monthly,
            ledger.c.delta_package,
            ledger.c.created_at,
            generations.c.mode,
        )
        .select_from(ledger.outerjoin(generations, generations.c.id == ledger.c.generation_id))
        .where(ledger.c.account_id == account_id)
        .order_by(ledger.c.id.desc())
        .limit(limit)
    )
    lines: list[LedgerLineRow] = []
    for row in conn.execute(query).mappings():
        values = dict(row)
        mode = values.pop("mode") or ""
        lines.append(LedgerLineRow(LedgerEntryRow(**values), str(mode)))
    return lines
