"""One run of a job at a time across every process on the database.

``hold(name)`` is a context manager that yields whether this holder got the job's lock; it never
waits: a runner that does not get it skips that tick, since the holder is doing the work.

- PostgreSQL (``AdvisoryLocks``): a session-level ``pg_try_advisory_lock`` keyed by the job name,
  on a connection of its own (autocommit, so no transaction stays open) held for the run.
- SQLite (``FileLocks``): ``flock`` on one file per job in ``<database file>-jobs/``; SQLite
  databases are shared only by processes on one machine, which is what ``flock`` covers.
- Otherwise (an in-memory database, or no ``fcntl``): ``LocalLocks``, within this process only.

Both real locks are let go by the server or the kernel when the holder dies, so a crashed process
never leaves a job locked, and neither needs a clock or an expiry. docs/decisions.md compares them
with a lease row in a table.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine, text

try:
    import fcntl
except ImportError:  # not a POSIX system
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from remit.core.db import Database

log = logging.getLogger("remit.worker")


class JobLocks(Protocol):
    def hold(self, name: str) -> AbstractContextManager[bool]:
        """Try to take the job's lock; yields whether it was taken, and lets it go on exit."""
        ...


def advisory_key(name: str) -> int:
    """The job's advisory lock key: 64 bits of a hash of its name, namespaced to remit's jobs."""
    digest = hashlib.blake2b(f"remit.worker:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")


class AdvisoryLocks:
    """PostgreSQL: a session-level advisory lock per job, on a pooled connection held for the run.

    Session-level rather than transaction-level because a job runs several transactions of its
    own; the connection is in autocommit mode, so holding the lock keeps no transaction open.
    Advisory locks belong to one database, so two remit databases on a server never collide.
    """

    def __init__(self, engine: Engine):
        self.engine = engine

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        key = advisory_key(name)
        with self.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT")
            acquired = bool(connection.execute(_TRY_LOCK, {"key": key}).scalar_one())
            try:
                yield acquired
            finally:
                if acquired:
                    try:
                        released = bool(connection.execute(_UNLOCK, {"key": key}).scalar_one())
                    except Exception:
                        log.warning("background job %s: could not release its advisory lock", name, exc_info=True)
                        released = False
                    if not released:
                        # Closing the session is the sure way to let the lock go: never hand a
                        # connection that may still hold it back to the pool.
                        connection.invalidate()


class FileLocks:
    """SQLite: ``flock`` on ``<directory>/<job name>.lock``, one file per job.

    A ``flock`` belongs to the open file, so two holders in one process exclude each other as two
    processes do, and the kernel lets it go when the process dies. The files stay: deleting one
    while another process has it open would let a third lock a new file of the same name.
    """

    def __init__(self, directory: Path):
        self.directory = directory

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        self.directory.mkdir(exist_ok=True)
        descriptor = os.open(self.directory / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                acquired = False
            else:
                acquired = True
            yield acquired  # closing the descriptor lets the lock go
        finally:
            os.close(descriptor)


_local_locks: dict[tuple[str, str], threading.Lock] = {}
_local_guard = threading.Lock()


class LocalLocks:
    """Within this process only: a lock per (database, job) name, shared by every runner on it."""

    def __init__(self, scope: str):
        self.scope = scope

    @contextmanager
    def hold(self, name: str) -> Iterator[bool]:
        with _local_guard:
            lock = _local_locks.setdefault((self.scope, name), threading.Lock())
        acquired = lock.acquire(blocking=False)
        try:
            yield acquired
        finally:
            if acquired:
                lock.release()


def locks_for(db: Database) -> JobLocks:
    """The locks that keep jobs apart across every process using ``db``'s database."""
    url = db.engine.url
    if url.get_backend_name() == "postgresql":
        return AdvisoryLocks(db.engine)
    path = url.database or ""
    if url.get_backend_name() == "sqlite" and path not in ("", ":memory:") and not path.startswith("file:"):
        if fcntl is not None:
            file = Path(path).resolve()
            return FileLocks(file.with_name(f"{file.name}-jobs"))
        log.warning("no fcntl here: background jobs are kept apart within each process only")
    return LocalLocks(url.render_as_string(hide_password=True))
