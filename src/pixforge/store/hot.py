"""Hot-path reads over the driver's own connection: the API-key lookup every request makes and
the generation row every status poll reads, one statement each.

Through SQLAlchemy Core a point read costs ~250 µs of Python on this machine; the same statement
on the pooled DB-API connection costs ~30 µs, and every client polls. The column lists come from
the table definitions (tables.py), so the schema still has one source; everything else in the
store keeps using Core.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, select

from pixforge.domain.errors import InternalError
from pixforge.store.db import Database
from pixforge.store.generations import GenerationRow
from pixforge.store.tables import accounts, api_keys, generations

_GENERATION_COLUMNS = [column.name for column in generations.c]


@dataclass(frozen=True, slots=True)
class KeyGrant:
    """What authenticating a key needs, from one joined read."""

    key_id: int
    account_id: int
    key_disabled: bool
    expires_at: float | None
    account_disabled: bool
    # The account obeys the sandbox controls.
    sandbox: bool = False


class HotReads:
    """The two statements compiled once for the database's dialect, run on the raw connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        key, account = api_keys.alias("k"), accounts.alias("a")
        self._key = _Prepared(
            db,
            select(
                key.c.id,
                key.c.account_id,
                key.c.disabled,
                key.c.expires_at,
                account.c.disabled,
                account.c.sandbox,
            )
            .select_from(key.join(account, account.c.id == key.c.account_id))
            .where(key.c.key_hash == bindparam("key_hash")),
        )
        self._generation = _Prepared(
            db, select(generations).where(generations.c.id == bindparam("generation_id"))
        )
        self._balance = _Prepared(
            db,
            select(accounts.c.credit_monthly, accounts.c.credit_package).where(
                accounts.c.id == bindparam("account_id")
            ),
        )
        # A status poll: the key and the generation in one round trip (the row is NULLs when
        # the id is unknown or another account's).
        self._poll = _Prepared(
            db,
            select(
                key.c.id,
                key.c.account_id,
                key.c.disabled,
                key.c.expires_at,
                account.c.disabled,
                account.c.sandbox,
                *generations.c,
            )
            .select_from(
                key.join(account, account.c.id == key.c.account_id).outerjoin(
                    generations,
                    (generations.c.id == bindparam("generation_id"))
                    & (generations.c.account_id == key.c.account_id),
                )
            )
            .where(key.c.key_hash == bindparam("key_hash")),
        )

    def key_grant(self, key_hash: str) -> KeyGrant | None:
        row = self._key.one(key_hash=key_hash)
        if row is None:
            return None
        return KeyGrant(int(row[0]), int(row[1]), bool(row[2]), row[3], bool(row[4]), bool(row[5]))

    def balance(self, account_id: int) -> tuple[int, int] | None:
        """(monthly, package) credits of an account."""
        row = self._balance.one(account_id=account_id)
        return None if row is None else (int(row[0]), int(row[1]))

    def generation(self, generation_id: int) -> GenerationRow | None:
        row = self._generation.one(generation_id=generation_id)
        return None if row is None else _generation_row(row)

    def poll(
        self, key_hash: str, generation_id: int
    ) -> tuple[KeyGrant | None, GenerationRow | None]:
        """The key's grant and the generation (when it is that key's account's), one read."""
        row = self._poll.one(key_hash=key_hash, generation_id=generation_id)
        if row is None:
            return None, None
        grant = KeyGrant(int(row[0]), int(row[1]), bool(row[2]), row[3], bool(row[4]), bool(row[5]))
        return grant, None if row[6] is None else _generation_row(row[6:])


def _generation_row(row: Sequence[Any]) -> GenerationRow:
    values = dict(zip(_GENERATION_COLUMNS, row, strict=True))
    values["has_audio"] = bool(values["has_audio"])
    return GenerationRow(**values)


class _Prepared:
    """A Core statement compiled once to the driver's SQL and parameter style."""

    def __init__(self, db: Database, statement: Select[Any]) -> None:
        self.db = db
        self.compiled = statement.compile(dialect=db.engine.dialect)
        self.sql = str(self.compiled)

    def one(self, **values: object) -> Sequence[Any] | None:
        parameters = self.compiled.construct_params(values)
        bound: Sequence[Any] | Mapping[str, Any] = (
            tuple(parameters[name] for name in self.compiled.positiontup or ())
            if self.compiled.positional
            else parameters
        )
        driver_error: type[Exception] = self.db.engine.dialect.loaded_dbapi.Error
        try:
            with self.db.raw() as connection:
                cursor = connection.cursor()
                try:
                    cursor.execute(self.sql, bound)
                    row: Sequence[Any] | None = cursor.fetchone()
                finally:
                    cursor.close()
                return row
        except driver_error as error:
            raise InternalError(f"database unavailable: {error}") from error
