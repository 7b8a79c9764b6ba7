"""Reading receivables: one document, lists and search, history, mails, verification, required
fields, template variables and PDF links."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import Session, selectinload

from remit.core.context import RequestContext
from remit.core.pagination import Paginator, contains
from remit.counterparts.models import Counterpart
from remit.receivables import schemas, wire
from remit.receivables.errors import HistoryNotFound, MailNotFound
from remit.receivables.lifecycle import ReceivableType, S
from remit.receivables.models import Receivable, ReceivableHistory, ReceivableLineItem, ReceivableMail, receivable_tags
from remit.receivables.repository import ReceivableRepository
from remit.receivables.service import verification
from remit.receivables.service.common import OBJECT, load
from remit.receivables.snapshots import entity_country
from remit.vat_rates.catalogue import catalogue


def get(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID) -> dict[str, Any]:
    return wire.document(session, load(session, ctx, receivable_id, "read"))


# -- lists ----------------------------------------------------------------------------------------


def _has_tag(tag_id: uuid.UUID) -> Any:
    return exists().where(receivable_tags.c.receivable_id == Receivable.id, receivable_tags.c.tag_id == tag_id)


def _has_product(product_ids: list[uuid.UUID]) -> Any:
    return exists().where(ReceivableLineItem.receivable_id == Receivable.id,
                          ReceivableLineItem.product_id.in_(product_ids))


def _due(op: Any) -> Any:
    """Due-date filters see issued invoices only (quotes, credit notes and drafts have no due date)."""
    return lambda value: and_(Receivable.type == ReceivableType.invoice, Receivable.status != S.draft,
                              op(Receivable.due_date, value))


_FILTERS: dict[str, Any] = {
    "tag_ids__in": lambda ids: exists().where(receivable_tags.c.receivable_id == Receivable.id,
                                              receivable_tags.c.tag_id.in_(ids)),
    "tag_ids": lambda ids: and_(*(_has_tag(tag_id) for tag_id in ids)),
    "product_ids__in": _has_product,
    "product_ids": lambda ids: and_(*(_has_product([product_id]) for product_id in ids)),
    "counterpart_name": lambda value: Receivable.counterpart_name == value,
    "counterpart_name__contains": lambda value: contains(Receivable.counterpart_name, value),
    "counterpart_name__icontains": lambda value: Receivable.counterpart_name.icontains(value, autoescape=True),
    "due_date__gt": _due(lambda c, v: c > v),
    "due_date__lt": _due(lambda c, v: c < v),
    "due_date__gte": _due(lambda c, v: c >= v),
    "due_date__lte": _due(lambda c, v: c <= v),
}
_SORTS = {
    "created_at": Receivable.created_at, "counterpart_name": Receivable.counterpart_name,
    "counterpart_id": Receivable.counterpart_id, "amount": Receivable.total_amount,
    "total_amount": Receivable.total_amount, "discounted_subtotal": Receivable.discounted_subtotal,
    "status": Receivable.status, "due_date": Receivable.due_date, "issue_date": Receivable.issue_date,
    "document_id": Receivable.document_id, "project_id": Receivable.project_id,
}


def _paginator(endpoint: str, query_model: Any) -> Paginator:
    return Paginator(endpoint=endpoint, query_model=query_model, id_column=Receivable.id, sort_columns=_SORTS,
                     custom_filters=_FILTERS, token_keeps_limit=False)


list_paginator = _paginator("GET /receivables", schemas.ReceivableListQuery)
search_paginator = _paginator("POST /receivables/search", schemas.ReceivablesSearchRequest)


def _scoped(session: Session, ctx: RequestContext) -> Select[Any]:
    """The documents the caller may read: the entity's, or only its own (``allowed_for_own``)."""
    statement = ReceivableRepository(session, ctx).base().options(
        selectinload(Receivable.line_items), selectinload(Receivable.tags))
    own = ctx.own_filter(OBJECT)
    if own is not None:
        statement = statement.where(Receivable.entity_user_id == own)
    return statement


def _page(session: Session, ctx: RequestContext, paginator: Paginator, query: Any) -> dict[str, Any]:
    page = paginator.paginate(session, _scoped(session, ctx), query, scope=str(ctx.scoped_entity_id))
    return {"data": [wire.document(session, receivable) for receivable in page.data],
            "next_pagination_token": page.next_pagination_token,
            "prev_pagination_token": page.prev_pagination_token}


def list_receivables(session: Session, ctx: RequestContext, *, query: schemas.ReceivableListQuery) -> dict[str, Any]:
    return _page(session, ctx, list_paginator, query)


def search(session: Session, ctx: RequestContext, *, query: schemas.ReceivablesSearchRequest) -> dict[str, Any]:
    return _page(session, ctx, search_paginator, query)


# -- history and mails ------------------------------------------------------------------------------

history_paginator = Paginator(
    endpoint="GET /receivables/{id}/history", query_model=schemas.ReceivableHistoryListQuery,
    id_column=ReceivableHistory.id, sort_columns={"timestamp": ReceivableHistory.timestamp},
    default_sort="timestamp", custom_filters={
        "entity_user_id__in": lambda ids: ReceivableHistory.entity_user_id.in_(ids),
    },
)
mails_paginator = Paginator(
    endpoint="GET /receivables/{id}/mails", query_model=schemas.ReceivableMailListQuery, id_column=ReceivableMail.id,
    sort_columns={"created_at": ReceivableMail.created_at, "updated_at": ReceivableMail.updated_at,
                  "status": ReceivableMail.status},
)


def history(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID,
            query: schemas.ReceivableHistoryListQuery) -> dict[str, Any]:
    receivable = load(session, ctx, receivable_id, "read")
    statement = select(ReceivableHistory).where(ReceivableHistory.entity_id == receivable.entity_id,
                                                ReceivableHistory.receivable_id == receivable.id)
    page = history_paginator.paginate(session, statement, query, scope=f"{ctx.scoped_entity_id}:{receivable.id}")
    return {"data": page.data, "next_pagination_token": page.next_pagination_token,
            "prev_pagination_token": page.prev_pagination_token}


def history_record(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID,
                   history_id: uuid.UUID) -> ReceivableHistory:
    receivable = load(session, ctx, receivable_id, "read")
    record = session.scalars(select(ReceivableHistory).where(
        ReceivableHistory.entity_id == receivable.entity_id, ReceivableHistory.receivable_id == receivable.id,
        ReceivableHistory.id == history_id,
    )).first()
    if record is None:
        raise HistoryNotFound(history_id)
    return record


def mails(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID,
          query: schemas.ReceivableMailListQuery) -> dict[str, Any]:
    receivable = load(session, ctx, receivable_id, "read")
    statement = select(ReceivableMail).where(ReceivableMail.entity_id == receivable.entity_id,
                                             ReceivableMail.receivable_id == receivable.id)
    page = mails_paginator.paginate(session, statement, query, scope=f"{ctx.scoped_entity_id}:{receivable.id}")
    return {"data": page.data, "next_pagination_token": page.next_pagination_token,
            "prev_pagination_token": page.prev_pagination_token}


def mail(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID, mail_id: uuid.UUID) -> ReceivableMail:
    receivable = load(session, ctx, receivable_id, "read")
    found = session.scalars(select(ReceivableMail).where(
        ReceivableMail.entity_id == receivable.entity_id, ReceivableMail.receivable_id == receivable.id,
        ReceivableMail.id == mail_id,
    )).first()
    if found is None:
        raise MailNotFound(mail_id)
    return found


# -- checks and helpers -------------------------------------------------------------------------


def verify(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID) -> dict[str, Any]:
    return verification.report(session, load(session, ctx, receivable_id, "read"))


def pdf_link(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID) -> dict[str, Any]:
    """The document's signed, expiring PDF links (``receivables.documents``)."""
    from remit.receivables.documents.service import urls

    return urls(session, load(session, ctx, receivable_id, "read"))


def _field(required: bool, description: str) -> dict[str, Any]:
    return {"required": required, "description": description}


def required_fields(session: Session, ctx: RequestContext, *,
                    query: schemas.ReceivableRequiredFieldsQuery) -> dict[str, Any]:
    """Which tax fields a document for this counterpart will need (docs/receivables.md, "Required fields")."""
    from remit.counterparts.models import CounterpartAddress
    from remit.entities.models import EntityVatId

    ctx.check(OBJECT, "read")
    entity_id = ctx.scoped_entity_id
    country = entity_country(session, entity_id)
    has_catalogue = bool(country and catalogue().rates(country))
    has_vat_id = query.entity_vat_id_id is not None or session.scalar(
        select(EntityVatId.id).where(EntityVatId.entity_id == entity_id).limit(1)) is not None
    kind: str | None = query.counterpart_type
    counterpart_country: str | None = query.counterpart_country
    if query.counterpart_id is not None:
        party = session.scalars(select(Counterpart).where(Counterpart.id == query.counterpart_id,
                                                          Counterpart.entity_id == entity_id)).first()
        if party is not None:
            kind = kind or party.type
            address_id = query.counterpart_billing_address_id or party.default_billing_address_id
            if counterpart_country is None and address_id is not None:
                counterpart_country = session.scalar(select(CounterpartAddress.country).where(
                    CounterpartAddress.id == address_id, CounterpartAddress.entity_id == entity_id))
    reverse = verification.reverse_charge(kind, counterpart_country, country)
    return {
        "counterpart": {
            "tax_id": _field(False, "The counterpart's tax number"),
            "vat_id": _field(reverse, "The counterpart's VAT number (required for reverse charge within the EU)"),
        },
        "entity": {
            "tax_id": _field(not has_vat_id, "The entity's tax number, when it has no VAT number"),
            "vat_id": _field(has_vat_id, "The entity's VAT number"),
        },
        "line_item": {
            "measure_unit": _field(False, "The unit the quantity counts"),
            "tax_rate_value": _field(not has_catalogue, "A tax rate given as a value, where no VAT catalogue exists"),
            "vat_rate_id": _field(has_catalogue, "A rate of the VAT catalogue of the entity's country"),
        },
    }


VARIABLES = {
    "document_id": "The document's number", "counterpart_name": "The customer's name",
    "entity_name": "Your company's name", "total_amount": "The document's total", "currency": "The currency",
    "issue_date": "The date of issue",
}
BY_SUBTYPE = {
    "invoice": {"amount_due": "What is still due", "due_date": "The due date",
                "payment_page_url": "Where the customer pays"},
    "quote": {"expiry_date": "The last day the quote is valid"},
    "credit_note": {},
    "discount_reminder": {"amount_due": "What is still due", "due_date": "The due date"},
    "final_reminder": {"amount_due": "What is still due", "due_date": "The due date"},
    "overdue_reminder": {"amount_due": "What is still due", "due_date": "The due date"},
}


def variables(session: Session, ctx: RequestContext) -> dict[str, Any]:
    """The variables mail and document templates may use, by document kind."""
    return {"data": [
        {"object_type": "receivable", "object_subtype": subtype,
         "variables": [{"name": f"{{{name}}}", "description": text}
                       for name, text in {**VARIABLES, **extra}.items()]}
        for subtype, extra in BY_SUBTYPE.items()
    ]}
