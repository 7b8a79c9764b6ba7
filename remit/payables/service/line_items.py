"""Line items of a payable (docs/payables.md, "Line items"): every write recomputes the payable's amounts."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.core.money import MAX_AMOUNT
from remit.core.pagination import Page, Paginator
from remit.payables import amounts, history, schemas
from remit.payables.models import Payable, PayableLineItem
from remit.payables.repository import PayableRepository
from remit.payables.service.common import check_rules, emit, load, load_editable
from remit.payables.service.crud import _line_items_enabled

LINE_OBJECT = "payable.line_item"

paginator = Paginator(
    endpoint="GET /payables/{payable_id}/line_items",
    query_model=schemas.LineItemListQuery,
    id_column=PayableLineItem.id,
    sort_columns={"created_at": PayableLineItem.created_at, "updated_at": PayableLineItem.updated_at},
)


def _compute(line: PayableLineItem, given: dict[str, Any] | None = None) -> None:
    subtotal, tax_amount, total = amounts.line_item_amounts(
        line.unit_price, Decimal(str(line.quantity)) if line.quantity is not None else None, line.tax
    )
    if subtotal is None and given:  # OCR-style data without price or quantity keeps given sums
        subtotal, total = given.get("subtotal"), given.get("total")
        tax_amount = total - subtotal if subtotal is not None and total is not None else None
    if total is not None and max(abs(total), abs(subtotal or 0)) > MAX_AMOUNT:
        # price × quantity beyond what an amount can hold (and a BIGINT column can store)
        raise FieldError(("body", "quantity"), "The line's amount is too large")
    line.subtotal, line.tax_amount, line.total = subtotal, tax_amount, total


def _after_write(session: Session, ctx: RequestContext, payable: Payable) -> None:
    """Recompute the payable's amounts, write its history, run the draft ⇄ new check."""
    lines = PayableRepository(session, ctx).lines(payable.id)
    if lines and _line_items_enabled(session, ctx):
        totals = amounts.totals_from_lines(lines, payable.discount)
        if max(abs(totals["subtotal"]), abs(totals["tax_amount"]), abs(totals["total_amount"] or 0)) > MAX_AMOUNT:
            raise FieldError(("body", "quantity"), "The payable's amounts are too large")
        if totals["subtotal"] < 0 or totals["tax_amount"] < 0:
            # Discount lines may be negative, the bill may not: a supplier's credit is a credit note.
            raise FieldError(("body", "unit_price"), "The line items of a payable cannot add up to less than zero")
        for key, value in totals.items():
            setattr(payable, key, value)
    payable.updated_at = clock.now()
    session.flush()
    history.payable_updated(session, ctx, payable)
    check_rules(session, ctx, payable)


def list_line_items(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, query: schemas.LineItemListQuery
) -> Page[PayableLineItem]:
    payable = load(session, ctx, payable_id, "read")
    stmt = PayableRepository(session, ctx).lines_query(payable.id)
    return paginator.paginate(session, stmt, query, scope=f"{ctx.scoped_entity_id}:{payable.id}")


def get_line_item(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, line_item_id: uuid.UUID
) -> PayableLineItem:
    payable = load(session, ctx, payable_id, "read")
    return PayableRepository(session, ctx).line(payable.id, line_item_id)


def _new_line(payable: Payable, ctx: RequestContext, values: dict[str, Any]) -> PayableLineItem:
    given = {k: values.pop(k, None) for k in ("subtotal", "total")}
    line = PayableLineItem(
        id=uuid.uuid4(), entity_id=payable.entity_id, payable_id=payable.id,
        was_created_by_user_id=ctx.entity_user_id, **values,
    )
    _compute(line, given)
    return line


def create_line_item(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, payload: schemas.LineItemRequest
) -> PayableLineItem:
    payable = load_editable(session, ctx, payable_id)
    line = _new_line(payable, ctx, payload.model_dump(exclude_unset=True))
    session.add(line)
    session.flush()
    emit(session, payable, "created", LINE_OBJECT, line.id)
    _after_write(session, ctx, payable)
    return line


def update_line_item(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, line_item_id: uuid.UUID,
    payload: schemas.LineItemRequest,
) -> PayableLineItem:
    payable = load_editable(session, ctx, payable_id)
    line = PayableRepository(session, ctx).line(payable.id, line_item_id)
    for key, value in payload.model_dump(exclude_unset=True).items():
        setattr(line, key, value)
    _compute(line)
    line.updated_at = clock.now()
    session.flush()
    emit(session, payable, "updated", LINE_OBJECT, line.id)
    _after_write(session, ctx, payable)
    return line


def delete_line_item(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, line_item_id: uuid.UUID
) -> None:
    payable = load_editable(session, ctx, payable_id)
    line = PayableRepository(session, ctx).line(payable.id, line_item_id)
    emit(session, payable, "deleted", LINE_OBJECT, line.id)
    session.delete(line)
    session.flush()
    _after_write(session, ctx, payable)


def replace_line_items(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, payload: schemas.LineItemsReplaceRequest
) -> dict[str, list[PayableLineItem]]:
    payable = load_editable(session, ctx, payable_id)
    repo = PayableRepository(session, ctx)
    for old in repo.lines(payable.id):
        emit(session, payable, "deleted", LINE_OBJECT, old.id)
    session.execute(
        delete(PayableLineItem).where(
            PayableLineItem.entity_id == payable.entity_id, PayableLineItem.payable_id == payable.id
        )
    )
    now = clock.now()
    created = []
    for index, item in enumerate(payload.data):
        line = _new_line(payable, ctx, item.model_dump(exclude_unset=True))
        line.created_at = line.updated_at = now + timedelta(microseconds=index)  # keep the given order
        session.add(line)
        created.append(line)
    session.flush()
    for line in created:
        emit(session, payable, "created", LINE_OBJECT, line.id)
    _after_write(session, ctx, payable)
    return {"data": created}

