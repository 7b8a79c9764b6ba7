"""Engine, sessions and the request transaction.

One request is one transaction. Endpoints hand their service call to ``Database.run``, which
executes it in a worker thread inside a single transaction: it resolves the request context,
calls the service, commits on success and rolls back on any exception. Running the whole unit
of work in one thread hop keeps the hot path short (no hop per dependency).

SQLite: WAL journal, foreign keys on, a busy timeout, and writers serialised. Within a process
a lock orders write transactions (so they queue instead of failing with "database is locked"),
and ``BEGIN IMMEDIATE`` takes SQLite's write lock at the start of the transaction, so a
transaction never has to upgrade a read lock (the case the busy handler cannot resolve);
across processes the busy timeout makes writers wait their turn.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")

SQLITE_BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` / ``postgres://`` and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def create_db_engine(url: str, *, pool_size: int = 20) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=pool_size,
            max_overflow=pool_size,
        )
        # Take over transaction control from the sqlite3 module so BEGIN is ours to issue.
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False)


def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    dbapi_connection.isolation_level = None  # autocommit mode: we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_on_begin(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("remit_write") else "BEGIN")


class Database:
    def __init__(self, url: str, *, pool_size: int = 20):
        self.engine = create_db_engine(url, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write_lock = threading.Lock()
        self._sqlite_writer: anyio.CapacityLimiter | None = None

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        lock = self._write_lock if (write and self.is_sqlite) else None
        if lock is not None:
            lock.acquire()
        try:
            with self.session_factory() as session:
                if write and self.is_sqlite:
                    # Procure the connection now, so the BEGIN listener sees the write flag.
                    session.connection(execution_options={"remit_write": True})
                try:
                    yield session
                    session.commit()
                except BaseException:
                    session.rollback()
                    raise
        finally:
            if lock is not None:
                lock.release()

    async def run(self, fn: Callable[..., T], /, *args: Any, write: bool = True, **kwargs: Any) -> T:
        """Run ``fn(session, *args, **kwargs)`` in a worker thread inside one transaction.

        SQLite writes go through one thread at a time: they are serialised anyway, and queueing
        them on the event loop is cheaper than parking a thread per request on the write lock.
        """
        limiter = None
        if write and self.is_sqlite:
            if self._sqlite_writer is None:
                self._sqlite_writer = anyio.CapacityLimiter(1)
            limiter = self._sqlite_writer
        return await anyio.to_thread.run_sync(partial(self._run, fn, args, kwargs, write), limiter=limiter)

    def _run(self, fn: Callable[..., T], args: tuple, kwargs: dict, write: bool) -> T:
        with self.transaction(write=write) as session:
            return fn(session, *args, **kwargs)

    def dispose(self) -> None:
        self.engine.dispose()
