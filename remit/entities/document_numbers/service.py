"""Document numbers: drawing the next one, formatting it, and setting where a sequence goes on.

Every statement here runs on the caller's connection, inside the caller's transaction, so a
number drawn by a transaction that rolls back was never drawn: the sequence has no gaps. The
counter row is written by one upsert (``INSERT … ON CONFLICT DO UPDATE … RETURNING``), which
creates the row on first use and otherwise locks and increments it; two transactions drawing for
the same entity and type queue on that row (PostgreSQL row lock; SQLite allows one writer), so
they never get the same number.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Insert, String, Uuid, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from remit.core.errors import BadRequest
from remit.entities.document_numbers.models import DocumentCounter, DocumentType
from remit.entities.models import settings_of

# The largest number a counter can hold (BIGINT); the schemas allow next_number up to it.
MAX_NUMBER = 2**63 - 1

# What a number is formatted with when the entity's settings do not say (Monite's defaults).
DEFAULT_TYPE_PREFIXES = {
    DocumentType.invoice: "INV",
    DocumentType.quote: "Q",
    DocumentType.credit_note: "CN",
    DocumentType.delivery_note: "DN",
    DocumentType.purchase_order: "PO",
}
DEFAULT_MIN_DIGITS = 5
DEFAULT_SEPARATOR = "-"

_table = DocumentCounter.__table__
_KEY = [_table.c.entity_id, _table.c.document_type]


class NextNumberTooLow(BadRequest):
    pass


class NumbersExhausted(BadRequest):
    pass


def _insert(dialect: str) -> Callable[[Any], Any]:
    return pg_insert if dialect == "postgresql" else sqlite_insert


def _key_params() -> dict[str, Any]:
    return {
        "entity_id": bindparam("entity_id", type_=Uuid()),
        "document_type": bindparam("document_type", type_=String()),
    }


@cache
def _draw_statement(dialect: str) -> Insert:
    # First use inserts the row as it is after drawing 1; later uses lock the row and move it on
    # by one. The WHERE keeps the increment inside BIGINT (SQLite would turn it into a float).
    stmt = _insert(dialect)(DocumentCounter).values(**_key_params(), next_number=2, last_issued=1)
    statement: Insert = stmt.on_conflict_do_update(
        index_elements=_KEY,
        set_={"next_number": _table.c.next_number + 1, "last_issued": _table.c.next_number},
        where=_table.c.next_number < MAX_NUMBER,
    ).returning(_table.c.last_issued)
    return statement


@cache
def _set_statement(dialect: str) -> Insert:
    stmt = _insert(dialect)(DocumentCounter).values(
        **_key_params(), next_number=bindparam("next_number", type_=BigInteger()), last_issued=0
    )
    statement: Insert = stmt.on_conflict_do_update(
        index_elements=_KEY,
        set_={"next_number": stmt.excluded.next_number},
        where=_table.c.last_issued < stmt.excluded.next_number,
    ).returning(_table.c.next_number)
    return statement


_LAST_ISSUED = select(_table.c.last_issued).where(
    _table.c.entity_id == bindparam("entity_id", type_=Uuid()),
    _table.c.document_type == bindparam("document_type", type_=String()),
)
_NEXT_NUMBERS = select(_table.c.document_type, _table.c.next_number).where(
    _table.c.entity_id == bindparam("entity_id", type_=Uuid())
)


def draw(session: Session, entity_id: uuid.UUID, document_type: DocumentType | str, issued_at: datetime) -> str:
    """Allocate the entity's next number of ``document_type`` and return it formatted as the
    document's ``document_id`` (the entity's ``document_ids`` settings; the year is ``issued_at``'s
    in UTC).

    Runs in the caller's transaction and holds the counter row until it ends: call it as late in
    the transaction as possible, since every other draw of the same entity and type waits for it.
    A counter at the largest number a BIGINT holds raises ``NumbersExhausted`` (400).
    """
    kind = DocumentType(document_type)
    if issued_at.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    connection = session.connection()
    number = connection.execute(
        _draw_statement(connection.dialect.name), {"entity_id": entity_id, "document_type": kind.value}
    ).scalar()
    if number is None:
        raise NumbersExhausted(f"No {kind.value} number is left to issue")
    return format_document_id(settings_of(session, entity_id).get("document_ids"), kind, number, issued_at)


def format_document_id(
    settings: Mapping[str, Any] | None, document_type: DocumentType | str, number: int, issued_at: datetime
) -> str:
    """``type prefix``, ``prefix``, ``year``, ``number`` in that order, the absent ones left out,
    joined by the separator: ``INV-00001``, ``IN/EX-ORG/2024/00003``.

    ``settings`` is the entity's ``document_ids`` settings; a missing or null key has its default.
    """
    kind = DocumentType(document_type)
    settings = settings or {}
    prefixes = settings.get("document_type_prefix") or {}
    min_digits = settings.get("min_digits") or DEFAULT_MIN_DIGITS
    separator = settings.get("separator")
    parts = [prefixes.get(kind.value) or DEFAULT_TYPE_PREFIXES[kind], settings.get("prefix")]
    if settings.get("include_date"):
        parts.append(f"{issued_at.astimezone(UTC).year:04d}")
    parts.append(f"{number:0{min_digits}d}")
    return (DEFAULT_SEPARATOR if separator is None else separator).join(part for part in parts if part)


def next_numbers(session: Session, entity_id: uuid.UUID) -> dict[str, int]:
    """The number each type will draw next (``NextDocumentNumbers``)."""
    numbers = dict.fromkeys((t.value for t in DocumentType), 1)
    for document_type, number in session.connection().execute(_NEXT_NUMBERS, {"entity_id": entity_id}):
        numbers[document_type] = number
    return numbers


def set_next_numbers(session: Session, entity_id: uuid.UUID, numbers: Mapping[str, int]) -> None:
    """Make each given type draw the given number next, in the caller's transaction.

    A number not above the last one issued of its type is refused (400), since it would be
    issued twice; anything above it is accepted, lower than the current next number or not.
    """
    connection = session.connection()
    statement = _set_statement(connection.dialect.name)
    for document_type, number in numbers.items():
        kind = DocumentType(document_type)
        params = {"entity_id": entity_id, "document_type": kind.value}
        if connection.execute(statement, {**params, "next_number": number}).scalar() is None:
            last = connection.execute(_LAST_ISSUED, params).scalar_one()
            raise NextNumberTooLow(
                f"The next {kind.value} number must be at least {last + 1}: {kind.value} number {last} "
                "has already been issued"
            )
