"""Engine, sessions and the request transaction.

One request is one transaction. Endpoints hand their service call to ``Database.run``, which
executes it in a worker thread inside a single transaction: it resolves the request context,
calls the service, commits on success and rolls back on any exception. Running the whole unit
of work in one thread hop keeps the hot path short (no hop per dependency).

SQLite: WAL journal, foreign keys on, a busy timeout, and writers serialised. Within a process
requests' write transactions run on one writer thread of their own, and a lock orders every
write transaction (so they queue instead of failing with "database is locked"),
and ``BEGIN IMMEDIATE`` takes SQLite's write lock at the start of the transaction, so a
transaction never has to upgrade a read lock (the case the busy handler cannot resolve);
across processes the busy timeout makes writers wait their turn.

WAL checkpoints (copying the log back into the database file, with two fsyncs) run in a
background thread every ``checkpoint_interval`` seconds instead of inside whichever commit
crosses SQLite's threshold: there they held the write lock for ~5 ms while every queued write
waited, which was most of the transitions' latency tail (docs/performance.md). SQLite's own
automatic checkpoint stays as a backstop at a much larger WAL size.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cache, partial
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    Select,
    Table,
    Update,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    literal_column,
    select,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

T = TypeVar("T")
log = logging.getLogger("remit.db")

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Units of work in flight per process, by default. One process runs Python on one core at a time
# (the GIL): enough threads to keep it busy while others wait on the database, and no more — each
# extra thread contends for the GIL and lengthens the latency tail (docs/performance.md, fourth
# pass). PostgreSQL: a unit of work waits on a few round trips; 6 gave the shortest tail at the best
# throughput on a local server (3 fell short of the throughput, 8 and 40 had longer tails).
# SQLite: writes have a thread of their own (they run one at a time anyway, and no read can hold
# them up); reads get 4 — the list's p99 was 91 ms with 6, 69 with 4 and 48 with 2, but a report
# over a million payables takes seconds, and with 4 it takes four of them at once to make other
# reads wait. A database farther away, or more long requests, want more: ``REMIT_DB_THREADS``.
SERVER_THREADS = 6
SQLITE_THREADS = 4
# With the background checkpointer, SQLite checkpoints inside a commit only past this many WAL
# pages (~40 MB; its default is 1,000): if the thread falls behind, not on every ~100th write.
SQLITE_BACKSTOP_CHECKPOINT_PAGES = 10_000


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` / ``postgres://`` and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# 19 digits in a row: possibly an integer beyond 64 bits, which orjson would read as a float.
_LONG_DIGITS_TEXT = re.compile(r"\d{19}")
_LONG_DIGITS_BYTES = re.compile(rb"\d{19}")


def json_loads(value: str | bytes | memoryview) -> Any:
    """JSON columns as they are read: orjson (3-5× the speed of ``json``), and ``json`` for what
    orjson would read differently — integers beyond 64 bits (orjson gives a float, losing digits)
    and ``NaN`` (orjson refuses it)."""
    if isinstance(value, memoryview):
        value = bytes(value)
    if (_LONG_DIGITS_TEXT if isinstance(value, str) else _LONG_DIGITS_BYTES).search(value) is None:
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            pass
    return json.loads(value)


def create_db_engine(url: str, *, pool_size: int = 20, autocheckpoint_pages: int | None = None) -> Engine:
    """``autocheckpoint_pages``: SQLite's ``wal_autocheckpoint`` (None: its default)."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            pool_size=pool_size,
            max_overflow=pool_size,
            json_deserializer=json_loads,
        )
        # Take over transaction control from the sqlite3 module so BEGIN is ours to issue.
        event.listen(engine, "connect", partial(_sqlite_on_connect, autocheckpoint_pages=autocheckpoint_pages))
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=False, json_deserializer=json_loads
    )


def _sqlite_on_connect(dbapi_connection, connection_record, *, autocheckpoint_pages: int | None = None) -> None:
    dbapi_connection.isolation_level = None  # autocommit mode: we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    if autocheckpoint_pages is not None:
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint_pages)}")
    cursor.close()


def _sqlite_on_begin(conn) -> None:
    # On the driver's connection: a statement through SQLAlchemy here cost ~40 µs on every request.
    conn.connection.dbapi_connection.execute(
        "BEGIN IMMEDIATE" if conn.get_execution_options().get("remit_write") else "BEGIN"
    )


def insert_rows(connection: Connection, rows: Sequence[tuple[Table, Mapping[str, Any]]]) -> None:
    """Insert one row per ``(table, values)`` in the caller's transaction (e.g. a history row and
    its event row).

    PostgreSQL takes them as one statement — every row but the last in a writable CTE — so one
    round trip instead of one per row; foreign keys are checked at the end of that statement.
    SQLite has no INSERT inside WITH, and no round trips to save: one statement per row there.
    """
    shape = _shape(rows)
    if connection.dialect.name != "postgresql" or len(rows) == 1:
        for table, values in rows:
            connection.execute(insert(table), values)
        return
    connection.execute(_chained_insert(shape), _row_params(rows))


def update_with_rows(
    connection: Connection, update: Update, params: Mapping[str, Any], rows: Sequence[tuple[Table, Mapping[str, Any]]]
) -> int:
    """Run a conditional ``update`` and, only if it changed a row, insert ``rows`` (a status change
    and its history and event rows); returns the UPDATE's row count.

    PostgreSQL takes it as one statement: the UPDATE … RETURNING in a CTE, each insert selecting
    its values from it, so nothing is inserted when the UPDATE matched nothing. Elsewhere: the
    UPDATE, then ``insert_rows`` if it matched.
    """
    shape = _shape(rows)
    if connection.dialect.name != "postgresql" or not rows:
        count = connection.execute(update, params).rowcount
        if count and rows:
            insert_rows(connection, rows)
        return count
    return connection.execute(_update_then_insert(update, shape), {**params, **_row_params(rows)}).scalar_one()


def _shape(rows: Sequence[tuple[Table, Mapping[str, Any]]]) -> tuple[tuple[Table, tuple[str, ...]], ...]:
    shape = tuple((table, tuple(values)) for table, values in rows)
    _check_defaults(shape)
    return shape


@cache
def _check_defaults(shape: tuple[tuple[Table, tuple[str, ...]], ...]) -> None:
    """Rows inserted inside one statement must give every column that has a Python-side default:
    SQLAlchemy fills those for a plain INSERT (SQLite's path) but not inside ``WITH``, and the two
    databases must store the same row. Checked on every database, once per shape."""
    for table, names in shape:
        missing = sorted(column.key for column in table.c if column.default is not None and column.key not in names)
        if missing:
            raise ValueError(f"rows for {table.name} must give {', '.join(missing)}")


def _row_params(rows: Sequence[tuple[Table, Mapping[str, Any]]]) -> dict[str, Any]:
    return {f"r{index}_{name}": value for index, (_, values) in enumerate(rows) for name, value in values.items()}


@cache
def _chained_insert(shape: tuple[tuple[Table, tuple[str, ...]], ...]) -> Insert:
    """``WITH r0 AS (INSERT …), r1 AS (INSERT …) INSERT …``, built once per tables and columns."""

    def row(index: int) -> Insert:
        table, names = shape[index]
        return insert(table).values({name: bindparam(f"r{index}_{name}") for name in names})

    return row(len(shape) - 1).add_cte(*(row(index).cte(f"r{index}") for index in range(len(shape) - 1)))


@cache
def _update_then_insert(update: Update, shape: tuple[tuple[Table, tuple[str, ...]], ...]) -> Select:
    """``WITH changed AS (UPDATE … RETURNING 1), r0 AS (INSERT … SELECT … FROM changed), …
    SELECT count(*) FROM changed``, built once per UPDATE and row shape."""
    changed = update.returning(literal_column("1").label("one")).cte("changed")
    inserts = [
        insert(table)
        .from_select(
            names,
            select(*(bindparam(f"r{index}_{name}", type_=table.c[name].type) for name in names)).select_from(changed),
            include_defaults=False,  # the caller gives them (_check_defaults)
        )
        .cte(f"r{index}")
        for index, (table, names) in enumerate(shape)
    ]
    return select(func.count()).select_from(changed).add_cte(*inserts)


class Database:
    def __init__(self, url: str, *, pool_size: int = 20, checkpoint_interval: float = 0.5,
                 threads: int | None = None):
        """``checkpoint_interval``: seconds between background WAL checkpoints (SQLite files; 0 = SQLite checkpoints
        inside commits, as it does by default). The thread starts with the first request (``run``).
        ``threads``: how many units of work run at once (None: ``SQLITE_THREADS`` or ``SERVER_THREADS``;
        0: as many as the pool has connections); on SQLite, the reads, next to the one writer thread."""
        parsed = make_url(normalise_url(url))
        path = parsed.database or ""
        on_disk = parsed.get_backend_name() == "sqlite" and path not in ("", ":memory:") and not path.startswith("file:")
        self._checkpointer = Checkpointer(path, checkpoint_interval) if on_disk and checkpoint_interval > 0 else None
        self.engine = create_db_engine(
            url,
            pool_size=pool_size,
            autocheckpoint_pages=SQLITE_BACKSTOP_CHECKPOINT_PAGES if self._checkpointer is not None else None,
        )
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._write_lock = threading.Lock()
        # Default: SQLITE_THREADS / SERVER_THREADS (above); 0: one per pooled connection (pool_size + max_overflow).
        if threads is None:
            threads = SQLITE_THREADS if self.is_sqlite else SERVER_THREADS
        self.threads = threads or 2 * pool_size
        self._executor = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="remit-db")
        # SQLite writes are serialised anyway: one thread of their own, queued in order, never
        # behind a long read, and no thread parked per request on the write lock.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="remit-db-writer") if self.is_sqlite else None
        self._checkpoints_started = False
        # The process's runtime (``remit.runtime``), handed to every session this database opens.
        self.runtime: Any = None

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error.

        The transaction is the connection's, begun and ended here; the session joins it
        (``rollback_only``: a failed flush still rolls it back, and the session never commits or
        closes it). That is ~15 µs less per request than letting the session begin and commit.
        """
        lock = self._write_lock if (write and self.is_sqlite) else None
        if lock is not None:
            lock.acquire()
        try:
            with self.engine.connect() as connection:
                if write and self.is_sqlite:
                    connection.execution_options(remit_write=True)  # before BEGIN: the listener reads it
                with connection.begin():
                    session = Session(
                        bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="rollback_only",
                        info={"runtime": self.runtime},
                    )
                    try:
                        yield session
                        session.flush()
                    finally:
                        session.close()
        finally:
            if lock is not None:
                lock.release()

    async def run(self, fn: Callable[..., T], /, *args: Any, write: bool = True, **kwargs: Any) -> T:
        """Run ``fn(session, *args, **kwargs)`` in a worker thread inside one transaction.

        The thread comes from the database's own executor (``loop.run_in_executor``, ~30 µs
        cheaper per request than ``anyio.to_thread``), with the caller's context variables.
        SQLite writes go to the writer thread, in the order they come. If the awaiting request is
        cancelled before its unit of work starts, it never starts; once started, it runs to its
        commit or rollback (the write lock, not the queue, keeps SQLite writes apart).
        """
        call = partial(contextvars.copy_context().run, self._run, fn, args, kwargs, write)
        if write and self._writer is not None:
            if not self._checkpoints_started:
                self._checkpoints_started = True
                if self._checkpointer is not None:
                    self._checkpointer.start()
            return await asyncio.get_running_loop().run_in_executor(self._writer, call)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def _run(self, fn: Callable[..., T], args: tuple, kwargs: dict, write: bool) -> T:
        with self.transaction(write=write) as session:
            return fn(session, *args, **kwargs)

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._writer is not None:
            self._writer.shutdown(wait=True, cancel_futures=True)
        self.engine.dispose()


class Checkpointer:
    """A daemon thread running ``PRAGMA wal_checkpoint(PASSIVE)`` on its own connection.

    PASSIVE copies what no reader still needs and never waits for (or blocks) readers or the
    writer; the sqlite3 module releases the GIL while SQLite works, so requests keep running.
    """

    def __init__(self, path: str, interval: float):
        self.path, self.interval = path, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.last: tuple[int, int, int] | None = None  # the last checkpoint's (busy, log frames, checkpointed)

    def start(self) -> None:
        with self._lock:
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(target=self._loop, name="remit-sqlite-checkpoint", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            thread.join(timeout=10)

    def checkpoint(self, connection: sqlite3.Connection) -> tuple[int, int, int]:
        """One PASSIVE checkpoint: (busy, frames in the WAL, frames checkpointed)."""
        return connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()

    def _loop(self) -> None:
        connection = sqlite3.connect(self.path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
        try:
            connection.isolation_level = None
            while not self._stop.wait(self.interval):
                try:
                    self.last = self.checkpoint(connection)
                except sqlite3.Error:  # e.g. the file went away under a test; SQLite's backstop remains
                    log.warning("WAL checkpoint failed", exc_info=True)
        finally:
            connection.close()
