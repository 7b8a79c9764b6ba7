"""Table rows straight to JSON, for list pages on the hot path.

A 100-row page spends most of its time converting: SQLAlchemy's result processors turn driver
values into Python objects (UUIDs, aware datetimes, parsed JSON documents), then pydantic
validates those objects and serialises them back to JSON. ``RowCodec`` selects the columns with
result processing switched off (``type_coerce`` to ``RAW``, labelled with the column's name) and
converts each driver value once, straight to what orjson writes. Statements that select them are
meant to be built once (module constants, ``Paginator.paginate(params=…)``): SQLAlchemy then
computes their cache key and result metadata once, not per request.

* SQLite stores UUIDs as 32 hex digits, datetimes as naive UTC text and JSON documents as text
  (written by SQLAlchemy's serializer, so they are embedded as they are, with ``orjson.Fragment``);
* psycopg already hands back ``UUID``, aware ``datetime`` and parsed JSON; datetimes are moved to UTC.

``core.responses.JSONResponse`` (orjson, ``Z`` for UTC) then writes what pydantic writes for the same
values; ``tests/unit/test_rowjson.py`` and the payables list tests compare the two renderings.
Column types the codec does not know are refused when it is built, not guessed at.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ColumnElement,
    Date,
    Integer,
    Label,
    String,
    Uuid,
    any_,
    bindparam,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.types import NullType, TypeDecorator

from remit.core.base import UTCDateTime
from remit.core.db.engine import json_loads

Convert = Callable[[Any], Any]

RAW = NullType()  # no bind or result processing: values go to and come from the driver as they are


class _JSONList(TypeDecorator[Any]):
    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str:
        return orjson.dumps(value).decode()


def in_raw_list(column: Any, name: str) -> dict[str, ColumnElement[bool]]:
    """``column IN :name`` per dialect, the list of raw values bound as one parameter.

    SQLAlchemy's ``expanding`` IN renders one placeholder per element, re-rendering the SQL of a
    prebuilt statement on every call; here SQLite reads the list from a JSON array (``json_each``)
    and PostgreSQL from an array (``= ANY``). ``column`` should be coerced to ``RAW`` and the values
    be the driver's own (as a ``RowCodec`` row holds them).
    """
    return {
        "sqlite": column.in_(
            select(literal_column("value")).select_from(func.json_each(bindparam(name, type_=_JSONList())))
        ),
        "postgresql": column == any_(bindparam(name, type_=RAW)),
    }


# -- SQLite: text and hex on disk ------------------------------------------------------------------


def _sqlite_uuid_json(value: str) -> str:
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _sqlite_datetime_json(value: str) -> str:
    # "YYYY-MM-DD HH:MM:SS.ffffff" (naive UTC) → "YYYY-MM-DDTHH:MM:SS[.ffffff]Z", as pydantic writes it.
    fraction = value[20:26]
    if not fraction or fraction == "000000":
        return f"{value[:10]}T{value[11:19]}Z"
    return f"{value[:10]}T{value[11:19]}.{fraction.ljust(6, '0')}Z"


def _sqlite_datetime(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is UTC else value.astimezone(UTC)


def _json_text(value: Any) -> Any:
    return orjson.Fragment(value) if isinstance(value, str | bytes) else value


def _json_value(value: Any) -> Any:
    return json_loads(value) if isinstance(value, str | bytes) else value


def _converters(column_type: Any, sqlite: bool) -> tuple[Convert | None, Convert | None]:
    """``(to_json, to_python)`` for one column type; ``None`` means the driver value will do."""
    if isinstance(column_type, UTCDateTime):
        return (_sqlite_datetime_json, _sqlite_datetime) if sqlite else (_utc, _utc)
    if isinstance(column_type, Uuid):
        return (_sqlite_uuid_json, lambda v: uuid.UUID(hex=v)) if sqlite else (None, None)
    if isinstance(column_type, JSON):
        return _json_text, _json_value
    if isinstance(column_type, Date):
        return (None, date.fromisoformat) if sqlite else (None, None)
    if isinstance(column_type, Boolean):
        return (bool, bool) if sqlite else (None, None)
    if isinstance(column_type, Integer | String):
        return None, None
    raise TypeError(f"RowCodec has no conversion for {column_type!r}")


class BoundCodec:
    """A codec for one dialect: raw rows → JSON-ready dicts, and single typed values."""

    __slots__ = ("names", "json", "_index", "_to_python")

    def __init__(self, columns: Sequence[Column[Any]], sqlite: bool, layout: Sequence[str] = ()):
        self.names = tuple(str(c.key) for c in columns)  # plain str: orjson refuses subclasses as keys
        self._index = {name: i for i, name in enumerate(self.names)}
        pairs = [_converters(c.type, sqlite) for c in columns]
        self._to_python = {self.names[i]: pair[1] for i, pair in enumerate(pairs)}
        self.json: Callable[[Sequence[Any]], dict[str, Any]] = _row_to_json(
            self.names, [p[0] for p in pairs], layout
        )

    def value(self, row: Sequence[Any], name: str) -> Any:
        """One column of a raw row as the Python value SQLAlchemy would have given."""
        value = row[self._index[name]]
        convert = self._to_python[name]
        return value if value is None or convert is None else convert(value)


def _row_to_json(
    names: Sequence[str], converters: Sequence[Convert | None], layout: Sequence[str]
) -> Callable[[Sequence[Any]], dict[str, Any]]:
    """``row → {column: JSON-ready value}`` as one generated function: a page calls it per row, and
    unrolled code is several times faster than a loop over the columns. Keys come in ``layout``
    order (names that are not columns hold ``None``, for the caller to fill), then the other columns."""
    namespace: dict[str, Any] = {}
    values = [f"v{i}" for i in range(len(names))]
    index = {name: i for i, name in enumerate(names)}
    items = []
    for name in [*layout, *(n for n in names if n not in layout)]:
        i = index.get(name)
        if i is None:
            items.append(f"{str(name)!r}: None")
        elif converters[i] is None:
            items.append(f"{name!r}: v{i}")
        else:
            namespace[f"c{i}"] = converters[i]
            items.append(f"{name!r}: None if v{i} is None else c{i}(v{i})")
    source = (
        "def row_to_json(row):\n"
        f"    {', '.join(values)}, *_ = row\n"
        f"    return {{{', '.join(items)}}}\n"
    )
    exec(compile(source, f"<rowjson {names[0]}…>", "exec"), namespace)  # noqa: S102 - names are column keys
    row_to_json: Callable[[Sequence[Any]], dict[str, Any]] = namespace["row_to_json"]
    return row_to_json


class RowCodec:
    """Select ``columns`` unprocessed; ``bind(dialect_name)`` converts what comes back."""

    def __init__(self, columns: Iterable[Column[Any]], *, layout: Sequence[str] = ()):
        """``layout``: the key order of ``BoundCodec.json``'s dicts (e.g. a response model's fields)."""
        self.columns = tuple(columns)
        self.layout = tuple(str(name) for name in layout)
        self._bound: dict[str, BoundCodec] = {}
        for column in self.columns:  # refuse unknown types now, not on the first request
            _converters(column.type, True)
            _converters(column.type, False)
        for column in self.columns:
            if column.key != column.name or not column.name.isidentifier():
                raise ValueError(f"RowCodec needs plain column names, not {column.name!r}")
        self._columns = tuple(type_coerce(column, RAW).label(column.name) for column in self.columns)

    def select_list(self) -> tuple[Label[Any], ...]:
        """The columns, unprocessed, under their own names: ``select(*codec.select_list())``."""
        return self._columns

    def bind(self, dialect_name: str) -> BoundCodec:
        codec = self._bound.get(dialect_name)
        if codec is None:
            codec = self._bound[dialect_name] = BoundCodec(self.columns, dialect_name == "sqlite", self.layout)
        return codec


class Prepared:
    """A result already in wire form (JSON-ready values): ``auth.deps.Output`` dumps it as it is.

    Only for documents a codec built from stored rows; the response model still documents the
    shape, and tests compare the two renderings.
    """

    __slots__ = ("document",)

    def __init__(self, document: Any):
        self.document = document
