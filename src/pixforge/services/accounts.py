"""Accounts use cases: create accounts and hashed API keys, authenticate, grant and read credits."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from pixforge.domain.errors import (
    DisabledAccountError,
    DisabledApiKeyError,
    ExpiredApiKeyError,
    InsufficientCreditsError,
    InvalidParameterError,
    MissingApiKeyError,
    UnknownApiKeyError,
)
from pixforge.domain.ids import new_public_id
from pixforge.domain.plans import DEFAULT_PLANS, Plan, add_month, anchor_day, periods_due
from pixforge.domain.pricing import split_charge
from pixforge.store import accounts as repo
from pixforge.store.accounts import AccountRow, ApiKeyRow, LedgerEntryRow, LedgerLineRow
from pixforge.store.db import ConflictError, Connection, Database
from pixforge.store.hot import HotReads, KeyGrant

KEY_PREFIX = "pf-"
DEV_ACCOUNT_NAME = "development"


def hash_key(raw_key: str) -> str:
    """Keys are 256-bit random strings, so a plain SHA-256 is enough (no salt or KDF needed)."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


def key_hash(raw_key: str | None) -> str:
    """The stored hash of a sent API-KEY header; 10001 when there is none."""
    if raw_key is None or not raw_key.strip():
        raise MissingApiKeyError("API-KEY header is required")
    return hash_key(raw_key.strip())


def new_raw_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def check_affordable(account: AccountRow, cost: int, what: str) -> None:
    """Raise 500090 when the account's two buckets together hold less than `cost`."""
    if account.credit_monthly + account.credit_package < cost:
        raise InsufficientCreditsError(
            f"insufficient credits: {what} costs {cost}, the balance is "
            f"{account.credit_monthly} monthly + {account.credit_package} package"
        )


def charge(
    conn: Connection,
    account: AccountRow,
    cost: int,
    *,
    generation_id: int | None,
    kind: str,
    now: float,
) -> None:
    """Spend `cost` in the caller's transaction: the monthly bucket first, then the package."""
    from_monthly, from_package = split_charge(account.credit_monthly, cost)
    repo.apply_ledger_entry(
        conn,
        LedgerEntryRow(
            account_id=account.id,
            generation_id=generation_id,
            kind=kind,
            delta_monthly=-from_monthly,
            delta_package=-from_package,
            created_at=now,
        ),
    )


def renew_if_due(
    conn: Connection, account: AccountRow, plans: Mapping[str, Plan], now: float
) -> AccountRow:
    """In the caller's write transaction: when the account's billing period has ended, start
    the current one and reset its monthly credits to the plan's (package credits stay)."""
    if (
        account.plan is None
        or account.plan_renews_at is None
        or account.plan_renews_at > now
        or account.plan_started_at is None
        or account.plan_period_start is None
    ):
        return account
    plan = plans.get(account.plan)
    period_start, renews_at = periods_due(
        account.plan_period_start, account.plan_renews_at, account.plan_started_at, now
    )
    if not repo.set_period(conn, account.id, period_start, renews_at):
        return account  # renewed meanwhile by another request
    if plan is not None:
        delta = plan.monthly_credits - account.credit_monthly
        repo.apply_ledger_entry(conn, LedgerEntryRow(account.id, None, "renew", delta, 0, now))
    renewed = repo.get_account(conn, account.id)
    assert renewed is not None
    return renewed


@dataclass(frozen=True, slots=True)
class Balance:
    account_id: int
    credit_monthly: int
    credit_package: int


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated account and key of a request."""

    account_id: int
    api_key_id: int
    # The account obeys the sandbox controls (docs/sandbox.md).
    sandbox: bool = False
    # The account's API plan, when it has one.
    plan: str | None = None


@dataclass(frozen=True, slots=True)
class DevKey:
    """What ensure_dev_key found or made: the key's row and account, and what was new."""

    account: AccountRow
    key: ApiKeyRow
    account_created: bool
    key_created: bool


class AccountService:
    def __init__(
        self,
        db: Database,
        default_concurrency: int,
        plans: Mapping[str, Plan] | None = None,
    ) -> None:
        self.db = db
        self.hot = HotReads(db)
        self.default_concurrency = default_concurrency
        self.plans = plans if plans is not None else {p.name: p for p in DEFAULT_PLANS}

    def create_account(
        self,
        name: str,
        credit_monthly: int = 0,
        credit_package: int = 0,
        concurrency_limit: int | None = None,
        *,
        sandbox: bool = False,
    ) -> AccountRow:
        if credit_monthly < 0 or credit_package < 0:
            raise InvalidParameterError("credits: initial credits cannot be negative")
        now = time.time()
        row = AccountRow(
            id=new_public_id(),
            name=name,
            credit_monthly=0,
            credit_package=0,
            concurrency_limit=concurrency_limit,
            disabled=False,
            created_at=now,
            sandbox=sandbox,
        )
        with self.db.write() as conn:
            repo.insert_account(conn, row)
            if credit_monthly or credit_package:
                repo.apply_ledger_entry(
                    conn,
                    LedgerEntryRow(row.id, None, "grant", credit_monthly, credit_package, now),
                )
            created = repo.get_account(conn, row.id)
        assert created is not None
        return created

    def create_api_key(
        self,
        account_id: int,
        name: str = "",
        expires_in_s: float | None = None,
        raw_key: str | None = None,
    ) -> tuple[ApiKeyRow, str]:
        """Create a key; the plaintext is returned here once and never stored."""
        key = raw_key or new_raw_key()
        if len(key) < 16:
            raise InvalidParameterError("API key: must be at least 16 characters")
        now = time.time()
        row = ApiKeyRow(
            id=new_public_id(),
            account_id=account_id,
            prefix=key[:10],
            name=name,
            disabled=False,
            expires_at=now + expires_in_s if expires_in_s is not None else None,
            created_at=now,
        )
        with self.db.write() as conn:
            if repo.get_account(conn, account_id) is None:
                raise InvalidParameterError(f"account_id: account {account_id} does not exist")
            repo.insert_api_key(conn, row, hash_key(key))
        return row, key

    def set_key_disabled(self, key_id: int, disabled: bool = True) -> None:
        with self.db.write() as conn:
            if not repo.set_api_key_disabled(conn, key_id, disabled):
                raise InvalidParameterError(f"key_id: key {key_id} does not exist")

    def set_account(
        self, account_id: int, *, disabled: bool | None = None, concurrency_limit: int | None = None
    ) -> AccountRow:
        with self.db.write() as conn:
            if repo.get_account(conn, account_id) is None:
                raise InvalidParameterError(f"account_id: account {account_id} does not exist")
            repo.update_account(
                conn, account_id, disabled=disabled, concurrency_limit=concurrency_limit
            )
            row = repo.get_account(conn, account_id)
        assert row is not None
        return row

    def set_plan(self, account_id: int, plan_name: str, now: float | None = None) -> AccountRow:
        """Put an account on a plan ("none": back to the server's defaults). A plan starts a
        billing period now: the monthly credits become the plan's, renewing monthly on this
        day; the account's concurrency limit is cleared so the plan's applies."""
        now = time.time() if now is None else now
        if plan_name != "none" and plan_name not in self.plans:
            raise InvalidParameterError(
                f"plan: unknown plan {plan_name!r}; known: {', '.join(self.plans)}, none"
            )
        with self.db.write() as conn:
            account = repo.get_account(conn, account_id, for_update=True)
            if account is None:
                raise InvalidParameterError(f"account_id: account {account_id} does not exist")
            if plan_name == "none":
                repo.set_plan(conn, account_id, None, None, None, None)
            else:
                plan = self.plans[plan_name]
                renews_at = add_month(now, anchor_day(now))
                repo.set_plan(conn, account_id, plan.name, now, now, renews_at)
                repo.update_account(conn, account_id, concurrency_limit=0)
                delta = plan.monthly_credits - account.credit_monthly
                repo.apply_ledger_entry(
                    conn, LedgerEntryRow(account_id, None, "plan", delta, 0, now)
                )
            row = repo.get_account(conn, account_id)
        assert row is not None
        return row

    def renew_due(self, now: float | None = None) -> int:
        """Renew every account whose billing period has ended; returns how many."""
        now = time.time() if now is None else now
        renewed = 0
        for account in self.list_accounts():
            if account.plan_renews_at is not None and account.plan_renews_at <= now:
                with self.db.write() as conn:
                    current = repo.get_account(conn, account.id, for_update=True)
                    assert current is not None
                    renewed += renew_if_due(conn, current, self.plans, now) is not current
        return renewed

    def grant_credits(self, account_id: int, monthly: int = 0, package: int = 0) -> AccountRow:
        """Add (or, with negative numbers, remove) credits; balances never go below zero."""
        with self.db.write() as conn:
            if repo.get_account(conn, account_id) is None:
                raise InvalidParameterError(f"account_id: account {account_id} does not exist")
            try:
                repo.apply_ledger_entry(
                    conn, LedgerEntryRow(account_id, None, "grant", monthly, package, time.time())
                )
            except ConflictError as error:
                raise InvalidParameterError(
                    "credits: the grant would make a balance negative"
                ) from error
            row = repo.get_account(conn, account_id)
        assert row is not None
        return row

    def authenticate(self, raw_key: str | None) -> Caller:
        """The key's account, from one read (every request makes it)."""
        return self.caller_from(self.hot.key_grant(key_hash(raw_key)))

    def caller_from(self, grant: KeyGrant | None) -> Caller:
        """The caller a key lookup found, or the error saying why the key is refused."""
        if grant is None:
            raise UnknownApiKeyError("API-KEY is invalid")
        if grant.key_disabled:
            raise DisabledApiKeyError("API-KEY has been disabled")
        if grant.expires_at is not None and grant.expires_at <= time.time():
            raise ExpiredApiKeyError("API-KEY has expired")
        if grant.account_disabled:
            raise DisabledAccountError("the account of this API-KEY is disabled")
        return Caller(
            account_id=grant.account_id,
            api_key_id=grant.key_id,
            sandbox=grant.sandbox,
            plan=grant.plan,
        )

    def rate_of(self, caller: Caller) -> tuple[float | None, int | None]:
        """The request rate and burst of the caller's plan (None: the server's)."""
        plan = self.plans.get(caller.plan) if caller.plan else None
        if plan is None:
            return None, None
        return plan.rate_limit_per_s, plan.rate_limit_burst

    def balance(self, account_id: int) -> Balance:
        """The account's two buckets (a hot read: clients check it often)."""
        found = self.hot.balance(account_id)
        if found is None:
            raise DisabledAccountError("the account of this API-KEY no longer exists")
        monthly, package, renews_at = found
        if renews_at is not None and renews_at <= time.time():
            # The plan's billing period ended: renew before answering (rare; a write).
            with self.db.write() as conn:
                account = repo.get_account(conn, account_id, for_update=True)
                assert account is not None
                account = renew_if_due(conn, account, self.plans, time.time())
            monthly, package = account.credit_monthly, account.credit_package
        return Balance(account_id, monthly, package)

    def ledger(self, account_id: int, limit: int = 1000) -> list[LedgerLineRow]:
        """The account's newest credit movements (charges, refunds, grants) with their mode."""
        with self.db.read() as conn:
            return repo.list_ledger(conn, account_id, limit)

    def list_accounts(self) -> list[AccountRow]:
        with self.db.read() as conn:
            return repo.list_accounts(conn)

    def list_keys(self, account_id: int | None = None) -> list[ApiKeyRow]:
        with self.db.read() as conn:
            return repo.list_api_keys(conn, account_id)

    def ensure_dev_account(
        self, credits: int, raw_key: str | None
    ) -> tuple[AccountRow, str] | None:
        """On an empty database, create a development account and key; None when not empty."""
        with self.db.read() as conn:
            if repo.count_accounts(conn) > 0:
                return None
        # The development account is a sandbox account (docs/sandbox.md).
        account = self.create_account("development", credit_monthly=credits, sandbox=True)
        _, key = self.create_api_key(account.id, name="development", raw_key=raw_key)
        return account, key

    def ensure_dev_key(self, credits: int, raw_key: str) -> DevKey:
        """Make `raw_key` a key of the development account, at every start: a database made
        before the key was chosen gets it too. The account (named "development", `credits`
        monthly) is created when there is none; a key already stored is left as it is."""
        with self.db.read() as conn:
            existing = repo.find_api_key(conn, hash_key(raw_key))
            owner = repo.get_account(conn, existing.account_id) if existing else None
            development = next(
                (a for a in repo.list_accounts(conn) if a.name == DEV_ACCOUNT_NAME), None
            )
        if existing is not None and owner is not None:
            return DevKey(owner, existing, account_created=False, key_created=False)
        account = development or self.create_account(
            DEV_ACCOUNT_NAME, credit_monthly=credits, sandbox=True
        )
        row, _ = self.create_api_key(account.id, name=DEV_ACCOUNT_NAME, raw_key=raw_key)
        return DevKey(account, row, account_created=development is None, key_created=True)
