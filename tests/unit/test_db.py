"""The database layer: background WAL checkpoints (SQLite), how JSON columns are read, and rows
inserted together (``insert_rows``, ``update_with_rows``, on the test database: SQLite or PostgreSQL)."""

from __future__ import annotations

import time
import uuid

import anyio
import pytest
from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from remit.core.db import (
    SERVER_THREADS,
    SQLITE_BACKSTOP_CHECKPOINT_PAGES,
    SQLITE_THREADS,
    Database,
    insert_rows,
    update_with_rows,
)


def _write(session, n: int) -> None:
    session.execute(text("CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, v BLOB)"))
    for _ in range(n):
        session.execute(text("INSERT INTO t VALUES (:id, randomblob(3000))"), {"id": uuid.uuid4().hex})


def test_background_checkpoints_drain_the_wal(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'c.db'}", pool_size=2, checkpoint_interval=0.05)
    try:
        with db.engine.connect() as conn:  # commits checkpoint only past the backstop
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == SQLITE_BACKSTOP_CHECKPOINT_PAGES

        async def writes() -> None:
            for _ in range(5):
                await db.run(_write, 20)

        anyio.run(writes)
        checkpointer = db._checkpointer
        assert checkpointer is not None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            last = checkpointer.last
            if last is not None and last[1] > 0 and last[1] == last[2]:
                break
            time.sleep(0.02)
        busy, frames, done = checkpointer.last
        # Every frame in the WAL copied back. (A checkpoint may have run in the middle of the
        # writes, so the last one can cover only the tail of the ~300 pages written.)
        assert busy == 0 and frames > 0 and done == frames
    finally:
        db.dispose()
    assert db._checkpointer._thread is None


def test_interval_zero_leaves_checkpoints_to_sqlite(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'd.db'}", checkpoint_interval=0)
    try:
        assert db._checkpointer is None
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000  # SQLite's default
    finally:
        db.dispose()


@pytest.mark.parametrize(("url", "threads", "expected"), [
    ("sqlite:///{tmp}/t.db", None, SQLITE_THREADS),
    ("postgresql://nobody@127.0.0.1:1/none", None, SERVER_THREADS),  # no connection is made
    ("sqlite:///{tmp}/t.db", 0, 8),  # reads: one per pooled connection, pool 4 + overflow 4
    ("sqlite:///{tmp}/t.db", 3, 3),
])
def test_thread_pool_size_by_database(tmp_path, url, threads, expected):
    db = Database(url.format(tmp=tmp_path), pool_size=4, checkpoint_interval=0, threads=threads)
    try:
        assert db.threads == expected
        assert db._executor._max_workers == expected
    finally:
        db.dispose()


def test_sqlite_writes_do_not_wait_behind_long_reads(tmp_path):
    """Writes have a thread of their own: with every read thread busy, a write still runs."""
    db = Database(f"sqlite:///{tmp_path / 'w.db'}", pool_size=4, checkpoint_interval=0, threads=1)
    finished: list[str] = []

    def long_read(session) -> None:
        session.execute(text("SELECT 1")).all()
        time.sleep(1.0)
        finished.append("read")

    def write(session) -> None:
        _write(session, 1)
        finished.append("write")

    async def both() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(lambda: db.run(long_read, write=False))
            await anyio.sleep(0.1)  # the read holds the only read thread
            await db.run(write)
            assert finished == ["write"]

    try:
        anyio.run(both)
        assert finished == ["write", "read"]
    finally:
        db.dispose()


def test_a_transaction_commits_whole_or_leaves_nothing(db):
    """``Database.transaction`` on the test database: success commits; an exception, or a flush
    that fails, leaves none of the transaction's rows (Core and ORM alike)."""
    from remit.core import clock
    from remit.events.models import Event

    entity_id = uuid.uuid4()

    def event(event_id: uuid.UUID) -> Event:
        return Event(id=event_id, entity_id=entity_id, object_type="thing", action="thing.created",
                     object_id=uuid.uuid4(), description="test", api_version="2024-05-25", created_at=clock.now())

    def ids() -> set[uuid.UUID]:
        with db.transaction(write=False) as session:
            return set(session.scalars(select(Event.id).where(Event.entity_id == entity_id)))

    kept, lost_core, lost_orm = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with db.transaction() as session:
        session.add(event(kept))

    with pytest.raises(RuntimeError), db.transaction() as session:
        session.add(event(lost_orm))
        session.flush()
        raise RuntimeError("after the flush")

    with pytest.raises(IntegrityError), db.transaction() as session:
        session.connection().execute(Event.__table__.insert(), [{
            column.key: getattr(event(lost_core), column.key) for column in Event.__table__.c}])
        session.add(event(kept))  # the same id again: the flush at the end fails
    assert ids() == {kept}


def test_sqlite_write_transactions_take_the_write_lock_at_begin(tmp_path):
    """A write transaction holds SQLite's write lock from its BEGIN (``BEGIN IMMEDIATE``), before
    any statement, so it never has to upgrade a read lock; a read transaction does not take it."""
    import sqlite3

    path = tmp_path / "l.db"
    db = Database(f"sqlite:///{path}", pool_size=2, checkpoint_interval=0)
    other = sqlite3.connect(path, timeout=0, isolation_level=None)

    def other_can_write() -> bool:
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            assert "locked" in str(error)
            return False
        other.execute("ROLLBACK")
        return True

    try:
        with db.transaction(write=True):
            assert not other_can_write()
        with db.transaction(write=False):
            assert other_can_write()
        assert other_can_write()
    finally:
        other.close()
        db.dispose()


def test_json_columns_read_what_json_wrote():
    """orjson reads JSON columns; what it refuses but ``json`` writes (huge integers, NaN) still reads."""
    import json
    import math

    from remit.core.db import json_loads

    # 10**23 and 2**64 + 1 have no exact float: a float anywhere would fail the comparison
    document = {"n": 10**23, "m": 2**64 + 1, "small": -(2**63), "text": "ü\u2028", "list": [1.5, None, True]}
    assert json_loads(json.dumps(document)) == document
    assert all(type(v) is int for v in json_loads(json.dumps(document)).values() if isinstance(v, int | float))
    assert json_loads(memoryview(json.dumps(document).encode())) == document
    assert math.isnan(json_loads('{"x": NaN}')["x"])
    assert json_loads(b'{"a": {"b": [1, 2]}}') == {"a": {"b": [1, 2]}}


def test_insert_rows_writes_every_row_or_none(db):
    """Rows of several tables in one call (one statement on PostgreSQL): all land, with their typed
    values; a row that breaks a constraint fails the call and leaves none of its rows."""
    metadata = MetaData()
    parent = Table("t_insert_rows_parent", metadata, Column("id", Uuid, primary_key=True), Column("doc", JSON))
    child = Table("t_insert_rows_child", metadata, Column("id", Uuid, primary_key=True),
                  Column("parent_id", ForeignKey(parent.c.id)), Column("n", Integer))
    with db.engine.connect() as conn, conn.begin() as outer:  # rolled back: the tables never exist outside
        metadata.create_all(conn)
        first = uuid.uuid4()
        insert_rows(conn, [(parent, {"id": first, "doc": {"a": [1, 2]}}),
                           (child, {"id": uuid.uuid4(), "parent_id": first, "n": 7})])
        assert conn.execute(select(parent.c.doc)).all() == [({"a": [1, 2]},)]
        assert conn.execute(select(child.c.parent_id, child.c.n)).all() == [(first, 7)]

        defaulted = Table("t_insert_rows_defaulted", metadata, Column("id", Uuid, primary_key=True),
                          Column("n", Integer, default=5))
        with pytest.raises(ValueError, match="must give n"):  # on both databases, before any SQL
            insert_rows(conn, [(defaulted, {"id": uuid.uuid4()}), (parent, {"id": uuid.uuid4(), "doc": None})])

        savepoint = conn.begin_nested()
        with pytest.raises(IntegrityError):
            insert_rows(conn, [(parent, {"id": uuid.uuid4(), "doc": None}),
                               (child, {"id": uuid.uuid4(), "parent_id": uuid.uuid4(), "n": 1})])
        savepoint.rollback()
        assert conn.execute(select(func.count()).select_from(parent)).scalar() == 1
        assert conn.execute(select(func.count()).select_from(child)).scalar() == 1
        outer.rollback()


def test_update_with_rows_inserts_only_when_the_update_matched(db):
    """A conditional UPDATE and the rows that go with it (one statement on PostgreSQL): a match
    writes the change and every row; no match writes nothing and reports 0."""
    metadata = MetaData()
    thing = Table("t_update_rows_thing", metadata, Column("id", Uuid, primary_key=True), Column("status", String(16)))
    log = Table("t_update_rows_log", metadata, Column("id", Uuid, primary_key=True),
                Column("thing_id", ForeignKey(thing.c.id)), Column("data", JSON))
    move = (update(thing).where(thing.c.id == bindparam("_id"), thing.c.status == bindparam("_status"))
            .values(status=bindparam("v_status")))
    with db.engine.connect() as conn, conn.begin() as outer:
        metadata.create_all(conn)
        thing_id = uuid.uuid4()
        conn.execute(thing.insert(), {"id": thing_id, "status": "new"})

        def step(source: str, target: str) -> int:
            rows = [(log, {"id": uuid.uuid4(), "thing_id": thing_id, "data": {"to": target}}),
                    (log, {"id": uuid.uuid4(), "thing_id": thing_id, "data": None})]
            return update_with_rows(conn, move, {"_id": thing_id, "_status": source, "v_status": target}, rows)

        assert step("new", "done") == 1
        assert step("new", "again") == 0  # the status moved on: no change, no rows
        assert conn.execute(select(thing.c.status)).scalar_one() == "done"
        assert sorted(conn.execute(select(log.c.data)).scalars(), key=str) == [None, {"to": "done"}]
        outer.rollback()
