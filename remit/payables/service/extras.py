"""Validation rules, history, template variables, suggestions, analytics by status, files and OCR.

The rules:
docs/payables.md, "draft → new", "History", "Suggestions and template variables", "Analytics", "Files"."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.pagination import Page, Paginator
from remit.payables import history, schemas
from remit.payables.errors import FileAlreadyAttached, NoSuggestions, OcrNotCancelable, UploadRejected
from remit.payables.lifecycle import PayableStateEnum
from remit.payables.models import Payable, PayableHistory
from remit.payables.repository import ValidationRulesRepository
from remit.payables.service.common import OBJECT, emit, load, load_editable
from remit.payables.service.crud import attach, create_payable, scoped_payables
from remit.payables.service.crud import paginator as payables_paginator

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_TYPES = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}


# -- validation rules -----------------------------------------------------------------------


def get_validations(session: Session, ctx: RequestContext) -> dict[str, list[str]]:
    ctx.check(OBJECT, "read")
    return {"required_fields": ValidationRulesRepository(session, ctx).effective()}


def update_validations(
    session: Session, ctx: RequestContext, *, payload: schemas.PayableValidationsUpdateRequest
) -> dict[str, list[str]]:
    ctx.check(OBJECT, "update")
    fields = list(dict.fromkeys(f.value for f in payload.required_fields))
    return {"required_fields": ValidationRulesRepository(session, ctx).write(fields)}


def reset_validations(session: Session, ctx: RequestContext) -> dict[str, list[str]]:
    ctx.check(OBJECT, "update")
    return {"required_fields": ValidationRulesRepository(session, ctx).reset()}


# -- history --------------------------------------------------------------------------------

history_paginator = Paginator(
    endpoint="GET /payables/{payable_id}/history",
    query_model=schemas.PayableHistoryListQuery,
    id_column=PayableHistory.id,
    sort_columns={"timestamp": PayableHistory.timestamp},
    default_sort="timestamp",
    columns={"entity_user_id": PayableHistory.entity_user_id},
)


def list_history(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, query: schemas.PayableHistoryListQuery
) -> Page[PayableHistory]:
    payable = load(session, ctx, payable_id, "read")
    stmt = select(PayableHistory).where(
        PayableHistory.entity_id == payable.entity_id, PayableHistory.payable_id == payable.id
    )
    return history_paginator.paginate(session, stmt, query, scope=f"{payable.entity_id}:{payable.id}")


# -- template variables ---------------------------------------------------------------------

_NOTIFY_APPROVER = {
    "invoice_id": "The ID of the payable",
    "document_id": "The supplier's invoice number",
    "currency": "The currency of the payable",
    "total_amount": "The total amount of the payable",
    "due_date": "The due date of the payable",
    "customer_name": "The name of the counterpart",
    "uploaded_username": "The name of the user who uploaded the payable",
}
_PURCHASE_ORDER = {
    "document_id": "The purchase order number",
    "currency": "The currency of the purchase order",
    "total_amount": "The total amount of the purchase order",
    "issued_at": "The issue date of the purchase order",
    "counterpart_name": "The name of the counterpart",
    "entity_name": "The name of the entity",
}


def get_variables(session: Session, ctx: RequestContext) -> dict[str, Any]:
    def variables(items: dict[str, str]) -> list[dict[str, str]]:
        return [{"name": k, "description": v} for k, v in items.items()]

    return {"data": [
        {"object_type": "payable", "object_subtype": "payables_notify_approver",
         "variables": variables(_NOTIFY_APPROVER)},
        {"object_type": "payables_purchase_order", "object_subtype": "payables_purchase_order",
         "variables": variables(_PURCHASE_ORDER)},
    ]}


# -- suggestions ----------------------------------------------------------------------------


def get_suggestions(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> dict[str, Any]:
    payable = load(session, ctx, payable_id, "read")
    if not payable.suggested_counterpart:
        raise NoSuggestions()
    return {"suggested_counterpart": payable.suggested_counterpart}


def delete_suggestions(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> dict[str, Any]:
    payable = load(session, ctx, payable_id, "update", for_update=True)
    payable.suggested_counterpart = None
    session.flush()
    return {}


# -- analytics ------------------------------------------------------------------------------


def aggregated(session: Session, ctx: RequestContext, *, query: schemas.PayableListQuery) -> dict[str, Any]:
    """Count and total per status of the payables matching the list filters
    (docs/payables.md, "Analytics")."""
    ctx.check(OBJECT, "read")
    matching = payables_paginator.apply_filters(scoped_payables(session, ctx), query).subquery()
    rows = session.execute(
        select(matching.c.status, func.count(), func.coalesce(func.sum(matching.c.total_amount), 0))
        .group_by(matching.c.status)
    ).all()
    order = {status.value: i for i, status in enumerate(PayableStateEnum)}
    data = sorted(
        ({"status": s, "count": c, "sum_total_amount": int(t)} for s, c, t in rows), key=lambda d: order[d["status"]]
    )
    return {
        "count": sum(d["count"] for d in data),
        "sum_total_amount": sum(d["sum_total_amount"] for d in data),
        "data": data,
    }


# -- files and OCR --------------------------------------------------------------------------


def _checked_upload(content: bytes, mimetype: str | None) -> str:
    if not content or len(content) > MAX_UPLOAD_BYTES or mimetype not in UPLOAD_TYPES:
        raise UploadRejected()
    return mimetype


def upload_from_file(
    session: Session, ctx: RequestContext, *, content: bytes, name: str, mimetype: str | None
) -> Payable:
    """A draft payable from a document; OCR runs with the configured engine (docs/payables.md, "Files")."""
    mimetype = _checked_upload(content, mimetype)
    payable = create_payable(session, ctx, payload=schemas.PayableUploadWithDataSchema())
    payable.source_of_payable_data = "ocr"
    payable.ocr_request_id = uuid.uuid4()
    attach(session, ctx, payable, content=content, name=name, mimetype=mimetype)
    # Decision: remit bundles no OCR engine. The built-in "none" engine finishes every job at once
    # with an error and leaves the data to the user (docs/payables.md, "Files").
    payable.ocr_status = "error"
    session.flush()
    history.payable_updated(session, ctx, payable)
    emit(session, payable, "ocr_finished")
    return payable


def attach_file(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, content: bytes, name: str, mimetype: str | None
) -> Payable:
    payable = load_editable(session, ctx, payable_id)
    if payable.file_id is not None:
        raise FileAlreadyAttached()
    attach(session, ctx, payable, content=content, name=name, mimetype=_checked_upload(content, mimetype))
    emit(session, payable, "updated")
    return payable


def cancel_ocr(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> Payable:
    payable = load(session, ctx, payable_id, "update", for_update=True)
    if payable.ocr_status != "processing":
        raise OcrNotCancelable()
    payable.ocr_status = "canceled"
    session.flush()
    return payable


