"""``core.rowjson`` writes what pydantic writes for the same stored values."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Uuid
from sqlalchemy.dialects import sqlite

from remit.core import rowjson
from remit.core.base import JSONDocument, UTCDateTime
from remit.core.responses import JSONResponse

STAMPS = TypeAdapter(datetime)


def dumps(value) -> bytes:
    """What a Prepared result is written with."""
    return JSONResponse(value).body


def stored_on_sqlite(value: datetime) -> str:
    """The text SQLAlchemy's SQLite dialect stores for a UTC datetime column."""
    naive = UTCDateTime().process_bind_param(value, sqlite.dialect())
    return sqlite.DATETIME().bind_processor(sqlite.dialect())(naive)


@given(st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2999, 12, 31), timezones=st.just(UTC)))
def test_sqlite_datetimes_as_pydantic_writes_them(value):
    assert orjson.dumps(rowjson._sqlite_datetime_json(stored_on_sqlite(value))) == STAMPS.dump_json(value)
    assert rowjson._sqlite_datetime(stored_on_sqlite(value)) == value


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-7))])))
def test_postgres_datetimes_in_utc_as_pydantic_writes_them(value):
    assert dumps(rowjson._utc(value)) == STAMPS.dump_json(value.astimezone(UTC))


@given(st.uuids())
def test_sqlite_uuids(value):
    assert rowjson._sqlite_uuid_json(value.hex) == str(value)


def test_json_documents_embedded_as_stored():
    table = Table("t", MetaData(),
                  Column("doc", JSONDocument), Column("n", Integer), Column("s", String))
    codec = rowjson.RowCodec(table.c).bind("sqlite")
    row = ('{"a": [1, null, "\\u00e9"]}', 5, "x")
    assert orjson.loads(dumps(codec.json(row))) == {"doc": {"a": [1, None, "é"]}, "n": 5, "s": "x"}
    assert codec.value(row, "doc") == {"a": [1, None, "é"]}
    assert codec.json((None, None, None)) == {"doc": None, "n": None, "s": None}
    # typed back as the ORM reads it, including what only ``json`` reads (core.db.engine.json_loads)
    assert codec.value(('{"big": 100000000000000000000000}', 1, "y"), "doc") == {"big": 10**23}


def test_unknown_column_types_are_refused_up_front():
    table = Table("u", MetaData(), Column("ratio", Float))
    with pytest.raises(TypeError, match="no conversion"):
        rowjson.RowCodec(table.c)


def test_uuid_values_typed_back():
    table = Table("v", MetaData(), Column("id", Uuid()))
    value = uuid.uuid4()
    assert rowjson.RowCodec(table.c).bind("sqlite").value((value.hex,), "id") == value
    assert rowjson.RowCodec(table.c).bind("postgresql").value((value,), "id") == value


def test_columns_must_have_plain_names():
    table = Table("w", MetaData(), Column("odd name", Integer))
    with pytest.raises(ValueError, match="plain column names"):
        rowjson.RowCodec(table.c)
