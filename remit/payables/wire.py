"""A payable's wire form (``PayableResponseSchema``): the one place a payable is rendered.

Single reads, transitions and list pages all go through ``item``: the stored columns, then the
values derived on every read (docs/payables.md, "Amounts") — balances from ``amounts.balances``
with the credit notes that count, the currency exchange from the entity's settings, tags, credit
notes, the file — in the response model's field order. The result is JSON-ready
(``core.rowjson``) and is written by ``core.responses.JSONResponse`` without a pydantic round
trip; the response model still documents the shape, and ``tests/api/test_payables_list_render.py``
holds a single read, a list item and the response model to each other.

* one payable (``document``): the loaded ORM object's columns, its tags and credit notes by
  prebuilt queries (skipped for what the locking load saw empty: ``Payable.known_empty``);
* a page (``page``): raw rows through ``PAGE`` (``PAGE_OWN`` for ``allowed_for_own`` callers) and
  the page's tags and credit notes by one prebuilt query each;
* services that need a payable's balances (paying it, approval snapshots) use ``balances_of``.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select, type_coerce
from sqlalchemy.orm import Session

from remit.core import clock, rowjson
from remit.entities.models import settings_of
from remit.files import service as files
from remit.files.models import StoredFile
from remit.payables import amounts, schemas
from remit.payables.credit_notes.models import PayableCreditNote
from remit.payables.models import Payable, currency_exchange, payable_tags
from remit.tags.models import Tag

FIELDS = tuple(schemas.PayableResponseSchema.model_fields)
_ITEM = dict.fromkeys(FIELDS)  # the response model's field order
PAGE_ROWS = rowjson.RowCodec((c for c in Payable.__table__.c if c.key in FIELDS), layout=FIELDS)
_COLUMNS = tuple(c.key for c in PAGE_ROWS.columns)
# List pages: the entity's payables, built once (``Paginator.paginate(params=…)`` adds the rest).
PAGE = select(*PAGE_ROWS.select_list()).select_from(Payable).where(
    Payable.entity_id == bindparam("scope_entity_id", type_=Payable.entity_id.type), Payable.deleted_at.is_(None)
)
PAGE_OWN = PAGE.where(Payable.was_created_by_user_id == bindparam("own_user_id", type_=Payable.was_created_by_user_id.type))
_TAG_ROWS = rowjson.RowCodec(
    [payable_tags.c.payable_id, *(Tag.__table__.c[name] for name in schemas.TagReadSchema.model_fields)]
)
_TAGS = select(*_TAG_ROWS.select_list()).select_from(payable_tags.join(Tag, Tag.id == payable_tags.c.tag_id))
_TAGS_OF_PAGE = {  # per dialect, bound to the page's raw ids: no conversion per id
    dialect: _TAGS.where(condition).order_by(Tag.name)
    for dialect, condition in rowjson.in_raw_list(type_coerce(payable_tags.c.payable_id, rowjson.RAW), "ids").items()
}
_TAGS_OF_ONE = _TAGS.where(payable_tags.c.payable_id == bindparam("id")).order_by(Tag.name)

_CREDIT_NOTE_FIELDS = tuple(schemas.PayableCreditNoteData.model_fields)
_CREDIT_NOTE_ROWS = rowjson.RowCodec(
    [PayableCreditNote.__table__.c.based_on, *(PayableCreditNote.__table__.c[name] for name in _CREDIT_NOTE_FIELDS)]
)
_CREDIT_NOTES = (
    select(*_CREDIT_NOTE_ROWS.select_list())
    .where(PayableCreditNote.entity_id == bindparam("entity_id", type_=PayableCreditNote.entity_id.type),
           PayableCreditNote.deleted_at.is_(None))
)
_CREDIT_NOTES_OF_PAGE = {
    dialect: _CREDIT_NOTES.where(condition).order_by(PayableCreditNote.created_at, PayableCreditNote.id)
    for dialect, condition in rowjson.in_raw_list(type_coerce(PayableCreditNote.based_on, rowjson.RAW), "ids").items()
}
_CREDIT_NOTES_OF_ONE = _CREDIT_NOTES.where(
    PayableCreditNote.based_on == bindparam("id", type_=PayableCreditNote.based_on.type)
).order_by(PayableCreditNote.created_at, PayableCreditNote.id)


def item(values: dict[str, Any], *, payment_terms: dict | None, issued_at: date | None, tags: list[dict],
         credit_notes: list[dict], file: dict | None, settings: dict[str, Any], today: date) -> dict[str, Any]:
    """``values``: the stored columns, JSON-ready, in ``FIELDS`` order with every field present (the
    derived ones are filled in here); ``payment_terms``/``issued_at`` typed for the balances;
    ``credit_notes``: the linked ones (``PayableCreditNoteData``), oldest first."""
    total, due, to_pay = amounts.balances(
        total_amount=values["total_amount"], amount_paid=values["amount_paid"], status=values["status"],
        payment_terms=payment_terms, issued_at=issued_at, today=today,
        credit_notes=amounts.credit_note_sum(credit_notes),
    )
    result = values
    result["tags"] = tags
    result["file"] = file
    result["credit_notes"] = credit_notes
    result["total_amount_with_credit_notes"], result["amount_due"], result["amount_to_pay"] = total, due, to_pay
    result["currency_exchange"] = currency_exchange(settings, values["currency"], values["total_amount"])
    return result


def _linked(session: Session, statement: Any, params: dict[str, Any], codec: rowjson.RowCodec,
            key: str) -> dict[Any, list[dict[str, Any]]]:
    """Rows of ``statement`` grouped by their ``key`` column (raw), without that column."""
    bound = codec.bind(session.get_bind().dialect.name)
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for raw in session.connection().execute(statement, params):
        value = bound.json(raw)
        del value[key]
        grouped.setdefault(getattr(raw, key), []).append(value)
    return grouped


def credit_notes_of(session: Session, payable: Payable) -> list[dict[str, Any]]:
    """The credit notes linked to ``payable``, as ``credit_notes`` lists them."""
    if "credit_notes" in payable.known_empty:
        return []
    grouped = _linked(session, _CREDIT_NOTES_OF_ONE, {"entity_id": payable.entity_id, "id": payable.id},
                      _CREDIT_NOTE_ROWS, "based_on")
    return next(iter(grouped.values()), [])


def balances_of(session: Session, payable: Payable, today: date | None = None) -> tuple[int | None, ...]:
    """``(total_amount_with_credit_notes, amount_due, amount_to_pay)`` of a loaded payable."""
    return amounts.balances(
        total_amount=payable.total_amount, amount_paid=payable.amount_paid, status=payable.status,
        payment_terms=payable.payment_terms, issued_at=payable.issued_at, today=today or clock.now().date(),
        credit_notes=amounts.credit_note_sum(credit_notes_of(session, payable)),
    )


def document(session: Session, payable: Payable) -> dict[str, Any]:
    """One loaded payable (after the request's flush, so tags and columns are what is stored)."""
    tags: list[dict[str, Any]] = []
    if "tags" not in payable.known_empty:
        tags = next(iter(_linked(session, _TAGS_OF_ONE, {"id": payable.id}, _TAG_ROWS, "payable_id").values()), [])
    values = _ITEM.copy()
    values.update((name, getattr(payable, name)) for name in _COLUMNS)
    return item(
        values,
        payment_terms=payable.payment_terms, issued_at=payable.issued_at, tags=tags,
        credit_notes=credit_notes_of(session, payable),
        file=files.describe(payable.stored_file) if payable.file_id is not None else None,
        settings=settings_of(session, payable.entity_id), today=clock.now().date(),
    )


def page(session: Session, entity_id: uuid.UUID, rows: list[Any], codec: rowjson.BoundCodec) -> list[dict[str, Any]]:
    """A page of raw rows selected with ``PAGE_ROWS`` (``codec`` is its binding for this dialect)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    ids = [row.id for row in rows]
    tags = _linked(session, _TAGS_OF_PAGE[dialect], {"ids": ids}, _TAG_ROWS, "payable_id")
    credit_notes = _linked(session, _CREDIT_NOTES_OF_PAGE[dialect], {"entity_id": entity_id, "ids": ids},
                           _CREDIT_NOTE_ROWS, "based_on")
    file_ids = [codec.value(row, "file_id") for row in rows if row.file_id is not None]
    stored = {
        f.id: files.describe(f) for f in session.scalars(select(StoredFile).where(StoredFile.id.in_(file_ids)))
    } if file_ids else {}
    settings = settings_of(session, entity_id)
    today = clock.now().date()
    return [
        item(
            codec.json(row), payment_terms=codec.value(row, "payment_terms"), issued_at=codec.value(row, "issued_at"),
            tags=tags.get(row.id, []), credit_notes=credit_notes.get(row.id, []), file=stored.get(codec.value(row, "file_id")) if file_ids else None,
            settings=settings, today=today,
        )
        for row in rows
    ]
