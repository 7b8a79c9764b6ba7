"""The unit of work: one request is one transaction.

Endpoints hand their service call to ``Database.run``, which executes it in a worker thread
inside a single transaction: it resolves the request context, calls the service, commits on
success and rolls back on any exception. Running the whole unit of work in one thread hop keeps
the hot path short (no hop per dependency).

SQLite: writers are serialised. Within a process requests' write transactions run on one writer
thread of their own, and a lock orders every write transaction (so they queue instead of failing
with "database is locked"); the engine begins them with ``BEGIN IMMEDIATE`` (``engine``), and
the WAL is checkpointed in a background thread (``sqlite.Checkpointer``).

``after_commit(session, fn)`` asks for ``fn()`` once the transaction has committed (never after a
rollback): how code inside a unit of work tells the process about what it made durable, for
example the webhook worker that events are waiting.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from remit.core.db.engine import create_db_engine, normalise_url
from remit.core.db.sqlite import SQLITE_BACKSTOP_CHECKPOINT_PAGES, Checkpointer

T = TypeVar("T")

_AFTER_COMMIT = "after_commit"
log = logging.getLogger("remit")


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Call ``callback()`` after ``session``'s transaction commits (once, however often it is
    asked for; in order of the first request). Callbacks run after the write lock is let go, must be
    quick and must not raise (a failure is logged: the commit stands)."""
    callbacks: list[Callable[[], None]] = session.info.setdefault(_AFTER_COMMIT, [])
    if callback not in callbacks:
        callbacks.append(callback)

# Units of work in flight per process, by default. One process runs Python on one core at a time
# (the GIL): enough threads to keep it busy while others wait on the database, and no more — each
# extra thread contends for the GIL and lengthens the latency tail (see docs/performance.md).
# PostgreSQL: a unit of work waits on a few round trips; this many gave the shortest tail at the
# best throughput on a local server (fewer fell short of the throughput, more had longer tails).
# SQLite: writes have a thread of their own (they run one at a time anyway, and no read can hold
# them up); reads get four — fewer read threads shortened the list's latency tail, but a report
# over a million payables runs long, and with four it takes four of them at once to make other
# reads wait. A database farther away, or more long requests, want more: ``REMIT_DB_THREADS``.
SERVER_THREADS = 6
SQLITE_THREADS = 4


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
    def transaction(self, *, write: bool = True, runtime: Any = None) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error. ``runtime``:
        the process runtime its session carries (default: the last one built on this database;
        requests and background work give their own, as tests build several on one database).

        The transaction is the connection's, begun and ended here; the session joins it
        (``rollback_only``: a failed flush still rolls it back, and the session never commits or
        closes it). That costs less per request than letting the session begin and commit (see
        docs/performance.md).
        """
        lock = self._write_lock if (write and self.is_sqlite) else None
        callbacks: list[Callable[[], None]] = []
        if lock is not None:
            lock.acquire()
        try:
            with self.engine.connect() as connection:
                if write and self.is_sqlite:
                    connection.execution_options(remit_write=True)  # before BEGIN: the listener reads it
                with connection.begin():
                    session = Session(
                        bind=connection, expire_on_commit=False, autoflush=False, join_transaction_mode="rollback_only",
                        info={"runtime": runtime or self.runtime},
                    )
                    try:
                        yield session
                        session.flush()
                        callbacks = session.info.get(_AFTER_COMMIT, callbacks)
                    finally:
                        session.close()
                # Leaving ``begin()`` without an exception committed the transaction.
        finally:
            if lock is not None:
                lock.release()
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("an after-commit callback failed (the transaction is committed)")

    async def run(self, fn: Callable[..., T], /, *args: Any, write: bool = True, runtime: Any = None,
                  **kwargs: Any) -> T:
        """Run ``fn(session, *args, **kwargs)`` in a worker thread inside one transaction.

        The thread comes from the database's own executor (``loop.run_in_executor``, cheaper per
        request than ``anyio.to_thread``; see docs/performance.md), with the caller's context
        variables. SQLite writes go to the writer thread, in the order they come. If the awaiting
        request is cancelled before its unit of work starts, it never starts; once started, it runs
        to its commit or rollback (the write lock, not the queue, keeps SQLite writes apart).
        """
        call = partial(contextvars.copy_context().run, self._run, fn, args, kwargs, write, runtime)
        if write and self._writer is not None:
            if not self._checkpoints_started:
                self.start_checkpoints()
            return await asyncio.get_running_loop().run_in_executor(self._writer, call)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def start_checkpoints(self) -> None:
        """Start the background WAL checkpoints (SQLite files) if they have not started: the first
        write through ``run`` does; a process that writes only through ``transaction`` (the
        background worker) calls this."""
        self._checkpoints_started = True
        if self._checkpointer is not None:
            self._checkpointer.start()

    def _run(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], write: bool,
             runtime: Any = None) -> T:
        with self.transaction(write=write, runtime=runtime) as session:
            return fn(session, *args, **kwargs)

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._writer is not None:
            self._writer.shutdown(wait=True, cancel_futures=True)
        self.engine.dispose()
