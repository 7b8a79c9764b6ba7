"""Statements that write several rows at once: ``insert_rows`` and ``update_with_rows``.

On PostgreSQL each call is one statement (writable CTEs), so one round trip instead of one per
row; SQLite has no INSERT inside WITH, and no round trips to save, so it runs one statement per
row. The statements are built once per shape of rows and cached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Select, Table, Update, bindparam, func, insert, literal_column, select


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
def _update_then_insert(update: Update, shape: tuple[tuple[Table, tuple[str, ...]], ...]) -> Select[int]:
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
