"""Database: engine and connections from a DSN, SQLite pragmas, migrations, error translation."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.pool import ConnectionPoolEntry

from pixforge.domain.errors import InternalError, StorageFullError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

__all__ = ["ConflictError", "Connection", "Database"]


class ConflictError(Exception):
    """A unique or check constraint refused a write (raised by the store, handled by services)."""


class Database:
    """One engine per process; `write()` serialises writers, `read()` does not block them."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._local = threading.local()
        self._kept: list[Any] = []
        self._kept_lock = threading.Lock()
        if self.is_sqlite:
            self.engine: Engine = create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": 30},
                # As many as the request threads (40) plus the workers, so requests reuse
                # connections instead of opening them (with their PRAGMAs) under load.
                pool_size=48,
                max_overflow=32,
                # Every transaction ends itself (commit or rollback), and hot reads run in
                # autocommit: nothing to roll back when a connection returns to the pool.
                pool_reset_on_return=None,
            )
            _install_sqlite_hooks(self.engine)
        else:
            self.engine = create_engine(url, pool_size=16, max_overflow=32, pool_pre_ping=True)
        # What a failed hot read raises: the driver's errors, and SQLAlchemy's when connecting.
        self._driver_errors: tuple[type[Exception], ...] = (
            self.engine.dialect.loaded_dbapi.Error,
            exc.DBAPIError,
        )

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that holds the write lock from its first statement (BEGIN IMMEDIATE)."""
        with _translated(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot; on SQLite it never takes the write lock."""
        with _translated(), self.engine.connect() as raw:
            conn = raw.execution_options(pixforge_readonly=True)
            with conn.begin():
                yield conn

    def read_kept(self, sql: str, parameters: Any, *, binary: bool = False) -> list[Any]:
        """The rows of a hot-path read (store/hot.py) on this thread's kept DB-API connection:
        in autocommit (it holds no transaction between reads) — a pool check-out, its liveness
        ping and the check-in cost more than the read. `binary` asks psycopg for PostgreSQL's
        binary result format. A connection that fails is dropped, so the next read opens a fresh
        one (after a database restart, say); the failure is InternalError."""
        try:
            connection = self._kept_connection()
            if binary:
                cursor = connection.execute(sql, parameters, binary=True)
            else:
                cursor = connection.execute(sql, parameters)
            rows: list[Any] = cursor.fetchall()
            cursor.close()
        except self._driver_errors as error:
            self._drop_kept_connection()
            raise InternalError(f"database unavailable: {error}") from error
        return rows

    def _kept_connection(self) -> Any:
        kept = getattr(self._local, "connection", None)
        if kept is None:
            kept = self.engine.raw_connection()
            if not self.is_sqlite:
                driver = kept.driver_connection
                assert driver is not None
                driver.autocommit = True
            self._local.connection = kept
            with self._kept_lock:
                self._kept.append(kept)
        return kept.driver_connection

    def _drop_kept_connection(self) -> None:
        kept = getattr(self._local, "connection", None)
        if kept is None:
            return
        self._local.connection = None
        with self._kept_lock:
            if kept in self._kept:
                self._kept.remove(kept)
        kept.invalidate()

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def dispose(self) -> None:
        with self._kept_lock:
            kept, self._kept = self._kept, []
        for connection in kept:
            connection.close()
        self._local = threading.local()
        self.engine.dispose()


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
        # Let SQLAlchemy's begin event decide how transactions start (pysqlite would defer).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        readonly = conn.get_execution_options().get("pixforge_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except exc.IntegrityError as error:
        raise ConflictError(str(error.orig)) from error
    except exc.OperationalError as error:
        if _disk_full(error):
            raise StorageFullError(
                "the server's storage is full: nothing was charged or stored; retry once an "
                "operator has freed disk space"
            ) from error
        raise InternalError(f"database unavailable: {error.orig}") from error


def _disk_full(error: exc.OperationalError) -> bool:
    """SQLite's SQLITE_FULL, or PostgreSQL's disk_full (SQLSTATE 53100)."""
    text = str(error.orig).lower()
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate == "53100" or "disk is full" in text or "no space left" in text
