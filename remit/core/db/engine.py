"""The engine: database URLs, how JSON columns are read, and SQLite's connection settings.

SQLite: WAL journal, foreign keys on, a busy timeout, and ``BEGIN IMMEDIATE`` for write
transactions: it takes SQLite's write lock at the start of the transaction, so a transaction never
has to upgrade a read lock (the case the busy handler cannot resolve); across processes the busy
timeout makes writers wait their turn. Within a process, writes are also serialised by the unit of
work (``unit_of_work.Database``).
"""

from __future__ import annotations

import json
import re
import sqlite3
from functools import partial
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry

SQLITE_BUSY_TIMEOUT_MS = 30_000


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
    """JSON columns as they are read: orjson (much faster than ``json``; see docs/performance.md),
    and ``json`` for what orjson would read differently — integers beyond 64 bits (orjson gives a
    float, losing digits) and ``NaN`` (orjson refuses it)."""
    if isinstance(value, memoryview):
        value = bytes(value)
    long_digits = _LONG_DIGITS_TEXT.search(value) if isinstance(value, str) else _LONG_DIGITS_BYTES.search(value)
    if long_digits is None:
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


def _sqlite_on_connect(dbapi_connection: sqlite3.Connection, connection_record: ConnectionPoolEntry, *,
                       autocheckpoint_pages: int | None = None) -> None:
    dbapi_connection.isolation_level = None  # autocommit mode: we emit BEGIN ourselves
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    if autocheckpoint_pages is not None:
        cursor.execute(f"PRAGMA wal_autocheckpoint={int(autocheckpoint_pages)}")
    cursor.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # On the driver's connection: a statement through SQLAlchemy here would add its overhead to
    # every request (see docs/performance.md).
    driver = conn.connection.dbapi_connection
    assert driver is not None  # a connection that begins a transaction is checked out of the pool
    driver.execute("BEGIN IMMEDIATE" if conn.get_execution_options().get("remit_write") else "BEGIN")
