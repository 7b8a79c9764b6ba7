"""Create, read, list, update and delete payables.

The rules: docs/payables.md, "Creating a payable", "Editing", "Deleting"."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from remit.auth.models import Partner
from remit.core import clock, rowjson
from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.core.pagination import Paginator, contains
from remit.counterparts.models import (
    Counterpart,
    CounterpartAddress,
    CounterpartBankAccount,
    CounterpartVatId,
)
from remit.entities.models import settings_of
from remit.files import service as files
from remit.payables import amounts, history, schemas, wire
from remit.payables.errors import AmountOutOfBounds, AmountsFromLineItems, InvalidPayableTransition
from remit.payables.lifecycle import DELETABLE, PayableStateEnum
from remit.payables.models import Payable, PayableLineItem, payable_tags
from remit.payables.repository import PayableRepository, ValidationRulesRepository
from remit.payables.service.common import (
    OBJECT,
    check_rules,
    emit,
    load,
    load_editable,
)
from remit.payables.validation import validation_errors
from remit.tags.service import TagRepository

LINE_DERIVED = ("subtotal", "tax", "tax_amount", "total_amount")


# -- references -----------------------------------------------------------------------------


def _check_references(session: Session, ctx: RequestContext, payable: Payable, given: dict[str, Any]) -> None:
    """Referenced ids must exist in the entity, and the counterpart's parts must be its own."""
    entity_id = ctx.scoped_entity_id
    if given.get("counterpart_id") is not None:
        found = session.scalar(
            select(Counterpart.id).where(
                Counterpart.id == payable.counterpart_id, Counterpart.entity_id == entity_id,
                Counterpart.deleted_at.is_(None),
            )
        )
        if found is None:
            raise FieldError(("body", "counterpart_id"), "Counterpart not found")
    for field, model in (
        ("counterpart_address_id", CounterpartAddress),
        ("counterpart_bank_account_id", CounterpartBankAccount),
        ("counterpart_vat_id_id", CounterpartVatId),
    ):
        # A new counterpart re-checks the parts already stored: they must be its own too.
        if getattr(payable, field) is None or (field not in given and given.get("counterpart_id") is None):
            continue
        owner = session.scalar(
            select(model.counterpart_id).where(model.id == getattr(payable, field), model.entity_id == entity_id)
        )
        if owner is None or (payable.counterpart_id is not None and owner != payable.counterpart_id):
            raise FieldError(("body", field), "Not found for this counterpart")
        if payable.counterpart_id is None:
            payable.counterpart_id = owner
    for field in ("project_id", "purchase_order_id"):
        if given.get(field) is not None:  # projects and purchase orders are not offered by remit yet
            raise FieldError(("body", field), f"{field.removesuffix('_id').replace('_', ' ').capitalize()} not found")


def _set_tags(session: Session, ctx: RequestContext, payable: Payable, tag_ids: list[str] | None) -> None:
    ids = [uuid.UUID(t) for t in tag_ids or []]
    repo = TagRepository(session, ctx)
    for index, tag_id in enumerate(ids):
        if repo.find(tag_id) is None:
            raise FieldError(("body", "tag_ids", index), "Tag not found")
    payable.tags = repo.by_ids(ids) if ids else []
    payable.known_empty = payable.known_empty - {"tags"} if ids else payable.known_empty | {"tags"}


def _derive(session: Session, payable: Payable, given: dict[str, Any]) -> None:
    """Due date and suggested payment term from the payment terms
    (docs/payables.md, "Due date and suggested payment term")."""
    if "due_date" in given:
        payable.due_date_derived = False
    if payable.due_date is None or payable.due_date_derived:
        derived = amounts.derived_due_date(payable.payment_terms, payable.issued_at)
        if derived is not None:
            payable.due_date, payable.due_date_derived = derived, True
        elif payable.due_date_derived:  # the terms or issue date it came from are gone
            payable.due_date, payable.due_date_derived = None, False
    if payable.due_date and payable.issued_at and payable.due_date < payable.issued_at:
        raise FieldError(("body", "due_date"), "due_date cannot be earlier than issued_at")
    if "suggested_payment_term" in given and given["suggested_payment_term"] is not None:
        payable.suggested_payment_term_derived = False
    elif payable.suggested_payment_term is None or payable.suggested_payment_term_derived:
        priority = settings_of(session, payable.entity_id).get("payment_priority")
        payable.suggested_payment_term = amounts.suggested_term(
            payable.payment_terms, payable.issued_at, payable.due_date, priority, clock.now().date()
        )
        payable.suggested_payment_term_derived = payable.suggested_payment_term is not None


def _line_items_enabled(session: Session, ctx: RequestContext) -> bool:
    settings = session.scalar(select(Partner.settings).where(Partner.id == ctx.partner_id)) or {}
    return (settings.get("payable") or {}).get("enable_line_items", True)


# -- create ---------------------------------------------------------------------------------


def create_payable(session: Session, ctx: RequestContext, *, payload: schemas.PayableUploadWithDataSchema) -> Payable:
    ctx.check(OBJECT, "create")
    data = payload.model_dump(mode="json", exclude_unset=True)
    content = None
    if data.get("base64_encoded_file") is not None:
        try:
            content = base64.b64decode(data["base64_encoded_file"], validate=True)
        except (binascii.Error, ValueError):
            raise FieldError(("body", "base64_encoded_file"), "Invalid base64 content") from None
    file_name = data.pop("file_name", "default_file_name")
    data.pop("base64_encoded_file", None)
    tag_ids = data.pop("tag_ids", None)
    payable = Payable(
        id=uuid.uuid4(),
        entity_id=ctx.scoped_entity_id,
        status=PayableStateEnum.draft,
        payable_origin="upload",
        source_of_payable_data="user_specified",
        amount_paid=0,
        was_created_by_user_id=ctx.entity_user_id,
        created_by_role_id=ctx.user.role_id if ctx.user is not None else None,
        **{k: v for k, v in data.items()},
    )
    _fix_types(payable)
    _check_references(session, ctx, payable, data)
    _derive(session, payable, data)
    rules = ValidationRulesRepository(session, ctx).effective()
    if not validation_errors(payable, [], rules):
        payable.status = PayableStateEnum.new  # complete at creation: created directly as new
    if tag_ids:
        _set_tags(session, ctx, payable, tag_ids)
    session.add(payable)
    session.flush()
    history.payable_created(session, ctx, payable, source="upload")
    if content is not None:
        attach(session, ctx, payable, content=content, name=file_name)
    emit(session, payable, "created")
    check_rules(session, ctx, payable, after_create=True)
    return payable


def attach(session: Session, ctx: RequestContext, payable: Payable, *, content: bytes, name: str,
           mimetype: str | None = None) -> None:
    stored = files.store(
        session, entity_id=payable.entity_id, content=content, name=name, file_type="payables", mimetype=mimetype
    )
    payable.file_id = stored.id
    payable.stored_file = stored
    session.flush()
    history.file_attached(session, ctx, payable, file_name=stored.name, file_size=stored.size, url=files.url(stored))


def _fix_types(payable: Payable) -> None:
    """JSON-mode values back to Python types for date and UUID columns."""
    from datetime import date

    for field in ("issued_at", "due_date"):
        value = getattr(payable, field)
        if isinstance(value, str):
            setattr(payable, field, date.fromisoformat(value))
    for field in ("counterpart_id", "counterpart_address_id", "counterpart_bank_account_id", "counterpart_vat_id_id",
                  "project_id", "purchase_order_id"):
        value = getattr(payable, field)
        if isinstance(value, str):
            setattr(payable, field, uuid.UUID(value))


# -- read -----------------------------------------------------------------------------------


def get_payable(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> Payable:
    return load(session, ctx, payable_id, "read")


def _effective_name():
    """Snapshot name, else the linked counterpart's current name, else the raw OCR name."""
    current = (
        select(Counterpart.name).where(Counterpart.id == Payable.counterpart_id).correlate(Payable).scalar_subquery()
    )
    return func.coalesce(Payable.counterpart["name"].as_string(), current,
                         Payable.counterpart_raw_data["name"].as_string())


def _amount(op):
    return lambda value: op(Payable.total_amount, value)


paginator = Paginator(
    endpoint="GET /payables",
    query_model=schemas.PayableListQuery,
    id_column=Payable.id,
    sort_columns={"id": Payable.id, "created_at": Payable.created_at, "issued_at": Payable.issued_at},
    columns={"origin": Payable.payable_origin},
    custom_filters={
        "amount": _amount(lambda c, v: c == v),
        "amount__gt": _amount(lambda c, v: c > v),
        "amount__lt": _amount(lambda c, v: c < v),
        "amount__gte": _amount(lambda c, v: c >= v),
        "amount__lte": _amount(lambda c, v: c <= v),
        "counterpart_name": lambda v: _effective_name() == v,
        "counterpart_name__contains": lambda v: contains(_effective_name(), v),
        "counterpart_name__icontains": lambda v: _effective_name().icontains(v, autoescape=True),
        "search_text": lambda v: or_(
            Payable.document_id.icontains(v, autoescape=True), _effective_name().icontains(v, autoescape=True)
        ),
        "line_item_id": lambda v: exists().where(PayableLineItem.payable_id == Payable.id, PayableLineItem.id == v),
        "tag_ids": lambda ids: exists().where(payable_tags.c.payable_id == Payable.id, payable_tags.c.tag_id.in_(ids)),
        "tag_ids__not_in": lambda ids: ~exists().where(
            payable_tags.c.payable_id == Payable.id, payable_tags.c.tag_id.in_(ids)
        ),
        "has_tags": lambda v: exists().where(payable_tags.c.payable_id == Payable.id) if v
        else ~exists().where(payable_tags.c.payable_id == Payable.id),
        "has_file": lambda v: Payable.file_id.is_not(None) if v else Payable.file_id.is_(None),
    },
)


def scoped_payables(session: Session, ctx: RequestContext):
    """The payables the caller may read: all of the entity's, or only its own (``allowed_for_own``)."""
    stmt = PayableRepository(session, ctx).base()
    own = ctx.own_filter(OBJECT)
    if own is not None:
        stmt = stmt.where(Payable.was_created_by_user_id == own)
    return stmt


def list_payables(session: Session, ctx: RequestContext, *, query: schemas.PayableListQuery) -> rowjson.Prepared:
    """A page read as unprocessed rows (one query for the page, one for its tags, one for files
    if any) and written as JSON without ORM objects or a pydantic round trip (``payables.wire``)."""
    params = {"scope_entity_id": ctx.scoped_entity_id}
    own = ctx.own_filter(OBJECT)
    if own is not None:
        params["own_user_id"] = own
    rows = wire.PAGE_ROWS.bind(session.get_bind().dialect.name)
    page = paginator.paginate(
        session, wire.PAGE if own is None else wire.PAGE_OWN, query, scope=str(ctx.scoped_entity_id), codec=rows,
        params=params,
    )
    return rowjson.Prepared({
        "next_pagination_token": page.next_pagination_token,
        "prev_pagination_token": page.prev_pagination_token,
        "data": wire.page(session, ctx.scoped_entity_id, page.data, rows),
    })


# -- update ---------------------------------------------------------------------------------


def update_payable(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, payload: schemas.PayableUpdateSchema
) -> Payable:
    changes = payload.model_dump(mode="json", exclude_unset=True)
    if not changes:  # an empty body is a no-op in any status (docs/payables.md, "Editing")
        return load(session, ctx, payable_id, "update")
    payable = load_editable(session, ctx, payable_id)
    repo = PayableRepository(session, ctx)
    has_lines = bool(repo.lines(payable.id)) and _line_items_enabled(session, ctx)
    if has_lines and any(k in changes for k in LINE_DERIVED):
        raise AmountsFromLineItems()
    tag_ids = changes.pop("tag_ids", ...)
    raw = changes.pop("counterpart_raw_data", ...)
    for key, value in changes.items():
        setattr(payable, key, value)
    _fix_types(payable)
    if raw is not ...:
        given = payload.counterpart_raw_data
        payable.counterpart_raw_data = None if raw is None or given is None else {
            **(payable.counterpart_raw_data or {}), **{k: v for k, v in raw.items() if k in given.model_fields_set}
        }
    if "amount_paid" in changes and changes["amount_paid"] is None:
        payable.amount_paid = 0
    if "amount_paid" in changes or "total_amount" in changes:
        total = wire.balances_of(session, payable)[0]
        if payable.amount_paid and (total is None or payable.amount_paid > total):
            raise AmountOutOfBounds("amount_paid must be between 0 and the total amount")
    _check_references(session, ctx, payable, changes)
    if tag_ids is not ...:
        _set_tags(session, ctx, payable, tag_ids)
    if has_lines and "discount" in changes:
        for key, value in amounts.totals_from_lines(repo.lines(payable.id), payable.discount).items():
            setattr(payable, key, value)
    _derive(session, payable, changes)
    payable.updated_at = clock.now()
    session.flush()
    history.payable_updated(session, ctx, payable)
    emit(session, payable, "updated")
    check_rules(session, ctx, payable)
    return payable


# -- delete ---------------------------------------------------------------------------------


def delete_payable(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> None:
    payable = load(session, ctx, payable_id, "delete", for_update=True)
    if payable.status not in DELETABLE:
        raise InvalidPayableTransition("delete", payable.status)
    payable.deleted_at = clock.now()
    session.flush()
    emit(session, payable, "deleted")

