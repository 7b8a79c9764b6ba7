"""SQLite's WAL checkpoints, in a background thread.

WAL checkpoints (copying the log back into the database file, with two fsyncs) run in a
background thread every ``checkpoint_interval`` seconds instead of inside whichever commit
crosses SQLite's threshold: there they held the write lock while every queued write waited,
which was most of the transitions' latency tail (see docs/performance.md). SQLite's own
automatic checkpoint stays as a backstop at a much larger WAL size.
"""

from __future__ import annotations

import logging
import sqlite3
import threading

from remit.core.db.engine import SQLITE_BUSY_TIMEOUT_MS

log = logging.getLogger("remit.db")

# With the background checkpointer, SQLite checkpoints inside a commit only past this many WAL
# pages (ten times its default of 1,000): if the thread falls behind, not in the normal run of
# writes.
SQLITE_BACKSTOP_CHECKPOINT_PAGES = 10_000


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
        row: tuple[int, int, int] = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return row

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
