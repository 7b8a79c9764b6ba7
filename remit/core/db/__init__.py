"""The database layer: engine, the request's unit of work, and multi-row statements.

One request is one transaction, run by ``Database.run`` in a worker thread. The files:

- ``engine`` — database URLs, the engine, how JSON columns are read, SQLite's connection settings
  (WAL, foreign keys, busy timeout, ``BEGIN IMMEDIATE`` for writes);
- ``sqlite`` — SQLite's WAL checkpoints in a background thread (``Checkpointer``);
- ``unit_of_work`` — ``Database``: the request transaction, the worker threads and SQLite's
  writer thread; ``after_commit`` callbacks;
- ``statements`` — ``insert_rows`` and ``update_with_rows`` (one statement on PostgreSQL).

The public names are re-exported here: ``from remit.core.db import Database``.
"""

from remit.core.db.engine import SQLITE_BUSY_TIMEOUT_MS, create_db_engine, json_loads, normalise_url
from remit.core.db.sqlite import SQLITE_BACKSTOP_CHECKPOINT_PAGES, Checkpointer
from remit.core.db.statements import insert_rows, update_with_rows
from remit.core.db.unit_of_work import SERVER_THREADS, SQLITE_THREADS, Database, after_commit

__all__ = [
    "SERVER_THREADS",
    "SQLITE_BACKSTOP_CHECKPOINT_PAGES",
    "SQLITE_BUSY_TIMEOUT_MS",
    "SQLITE_THREADS",
    "Checkpointer",
    "Database",
    "after_commit",
    "create_db_engine",
    "insert_rows",
    "json_loads",
    "normalise_url",
    "update_with_rows",
]
