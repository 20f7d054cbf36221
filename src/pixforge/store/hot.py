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

from pixforge.store.db import Database
from pixforge.store.generations import GenerationRow
from pixforge.store.tables import accounts, api_keys, generations

_GENERATION_COLUMNS = [column.name for column in generations.c]
# A row is built positionally (a dict of 33 names per poll costs more than the read); the
# table's columns and GenerationRow's fields are declared in the same order.
assert tuple(_GENERATION_COLUMNS) == GenerationRow.__match_args__, "tables.py / GenerationRow"
_HAS_AUDIO = _GENERATION_COLUMNS.index("has_audio")
# A key's grant (KeyGrant's fields, in order): columns of the key ("k") and its account ("a").
_GRANT_COLUMNS = (
    ("k", "id"),
    ("k", "account_id"),
    ("k", "disabled"),
    ("k", "expires_at"),
    ("a", "disabled"),
    ("a", "sandbox"),
    ("a", "plan"),
)


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
    # The account's API plan (its request rate may differ from the server's).
    plan: str | None = None


class HotReads:
    """The two statements compiled once for the database's dialect, run on the raw connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        key, account = api_keys.alias("k"), accounts.alias("a")
        grant = [{"k": key, "a": account}[alias].c[name] for alias, name in _GRANT_COLUMNS]
        self._key = _Prepared(
            db,
            select(*grant)
            .select_from(key.join(account, account.c.id == key.c.account_id))
            .where(key.c.key_hash == bindparam("key_hash")),
        )
        self._generation = _Prepared(
            db, select(generations).where(generations.c.id == bindparam("generation_id"))
        )
        self._balance = _Prepared(
            db,
            select(
                accounts.c.credit_monthly, accounts.c.credit_package, accounts.c.plan_renews_at
            ).where(accounts.c.id == bindparam("account_id")),
        )
        # A status poll: the key and the generation in one round trip (the row is NULLs when
        # the id is unknown or another account's).
        self._poll = _Prepared(
            db,
            select(*grant, *generations.c)
            .select_from(
                key.join(account, account.c.id == key.c.account_id).outerjoin(
                    generations,
                    (generations.c.id == bindparam("generation_id"))
                    & (generations.c.account_id == key.c.account_id),
                )
            )
            .where(key.c.key_hash == bindparam("key_hash")),
        )
        self._batch = _BatchPoll(db)

    def key_grant(self, key_hash: str) -> KeyGrant | None:
        row = self._key.one(key_hash=key_hash)
        return None if row is None else _grant(row)

    def balance(self, account_id: int) -> tuple[int, int, float | None] | None:
        """(monthly, package) credits of an account, and when its plan's credits renew."""
        row = self._balance.one(account_id=account_id)
        return None if row is None else (int(row[0]), int(row[1]), row[2])

    def generation(self, generation_id: int) -> GenerationRow | None:
        row = self._generation.one(generation_id=generation_id)
        return None if row is None else _generation_row(row)

    def poll(self, key_hash: str, generation_id: int) -> PollRead:
        """The key's grant and the generation (when it is that key's account's), one read."""
        row = self._poll.one(key_hash=key_hash, generation_id=generation_id)
        return (None, None) if row is None else _poll_read(row)

    def poll_many(self, asked: list[tuple[str, int]]) -> list[PollRead]:
        """poll() for several (key hash, generation id) pairs in one statement, in their order:
        the status polls that reach the server together share one round trip."""
        if len(asked) == 1:
            return [self.poll(*asked[0])]
        found: list[PollRead] = [(None, None)] * len(asked)
        for row in self._batch.rows(asked):
            found[int(row[0]) - 1] = _poll_read(row[1:])
        return found


def _generation_row(row: Sequence[Any]) -> GenerationRow:
    values = list(row)
    values[_HAS_AUDIO] = bool(values[_HAS_AUDIO])  # an integer on SQLite
    return GenerationRow(*values)


# A poll's key grant and generation row (None: unknown key; or no such generation of the key's
# account).
PollRead = tuple[KeyGrant | None, GenerationRow | None]


def _grant(row: Sequence[Any]) -> KeyGrant:
    """Decode the _GRANT_COLUMNS at the start of a row."""
    return KeyGrant(
        int(row[0]), int(row[1]), bool(row[2]), row[3], bool(row[4]), bool(row[5]), row[6]
    )


def _poll_read(row: Sequence[Any]) -> PollRead:
    """Decode a row of the poll statement: the grant's columns, then the generation's."""
    n = len(_GRANT_COLUMNS)
    return _grant(row), None if row[n] is None else _generation_row(row[n:])


class _BatchPoll:
    """The poll statement for many (key hash, generation id) pairs, each row led by its pair's
    position (from 1). PostgreSQL takes the pairs as two arrays (one statement text whatever
    their number, so the server keeps it prepared); SQLite as a VALUES list."""

    def __init__(self, db: Database) -> None:
        self.db = db
        quote = db.engine.dialect.identifier_preparer.quote
        columns = [f"{alias}.{quote(name)}" for alias, name in _GRANT_COLUMNS]
        columns += [f"g.{quote(column.name)}" for column in generations.c]
        self._select = f"SELECT v.ord, {', '.join(columns)} FROM "  # noqa: S608 - names, not input
        self._joins = (
            f" JOIN {quote(api_keys.name)} AS k ON k.key_hash = v.key_hash"
            f" JOIN {quote(accounts.name)} AS a ON a.id = k.account_id"
            f" LEFT OUTER JOIN {quote(generations.name)} AS g"
            " ON g.id = v.generation_id AND g.account_id = k.account_id"
        )

    def rows(self, asked: Sequence[tuple[str, int]]) -> list[Sequence[Any]]:
        parameters: Sequence[Any]
        if self.db.is_sqlite:
            values = ", ".join(["(?, ?, ?)"] * len(asked))
            sql = f"WITH v(ord, key_hash, generation_id) AS (VALUES {values}) {self._select}v"
            parameters = [value for n, (h, g) in enumerate(asked, 1) for value in (n, h, g)]
        else:
            sql = (
                f"{self._select}unnest(%s::varchar[], %s::bigint[]) WITH ORDINALITY"
                " AS v(key_hash, generation_id, ord)"
            )
            parameters = ([h for h, _ in asked], [g for _, g in asked])
        # psycopg: results in PostgreSQL's binary format, cheaper to decode than text.
        return self.db.read_kept(sql + self._joins, parameters, binary=not self.db.is_sqlite)


class _Prepared:
    """A Core statement compiled once to the driver's SQL and parameter style."""

    def __init__(self, db: Database, statement: Select[Any]) -> None:
        self.db = db
        compiled = statement.compile(dialect=db.engine.dialect)
        self.sql = str(compiled)
        # The values go to the driver as given: none of these parameters has a bind processor
        # (integers and strings), so SQLAlchemy's per-call parameter building is skipped.
        if compiled._bind_processors:  # checked once, here
            raise TypeError(f"hot statement needs bind processors: {self.sql}")
        self.positional_names: tuple[str, ...] | None = (
            tuple(compiled.positiontup or ()) if compiled.positional else None
        )

    def one(self, **values: object) -> Sequence[Any] | None:
        names = self.positional_names
        bound: Sequence[Any] | Mapping[str, Any] = (
            values if names is None else tuple(values[name] for name in names)
        )
        rows = self.db.read_kept(self.sql, bound)
        return rows[0] if rows else None
