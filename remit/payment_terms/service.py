"""Payment terms (docs/master-data.md, "Payment terms"): ``term_1.days < term_2.days <
term_final.days``; term_2 needs term_1.

Reads are open to every user of the entity; writes need ``entity.update``
(docs/auth-entities.md, "Which permission an endpoint needs").
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.crud import Resource
from remit.core.errors import FieldError, NotFound
from remit.core.repository import EntityScopedRepository
from remit.payment_terms import schemas
from remit.payment_terms.models import PaymentTerms


class PaymentTermsNotFound(NotFound):
    message = "Payment terms not found"


class PaymentTermsRepository(EntityScopedRepository[PaymentTerms]):
    model = PaymentTerms
    not_found = PaymentTermsNotFound


TERMS = Resource(PaymentTermsRepository, object_type="payment_terms", write_permission=("entity", "update"))


def _columns(values: dict[str, Any]) -> dict[str, Any]:
    """Wire terms → columns; a term given as null is removed."""
    columns: dict[str, Any] = {}
    for key in ("name", "description"):
        if key in values:
            columns[key] = values[key]
    for term in ("term_1", "term_2"):
        if term in values:
            given = values[term] or {}
            columns[f"{term}_days"] = given.get("number_of_days")
            columns[f"{term}_discount"] = given.get("discount")
    if "term_final" in values:
        columns["term_final_days"] = values["term_final"]["number_of_days"]
    return columns


def _validate(terms: PaymentTerms) -> None:
    if terms.term_2_days is not None and terms.term_1_days is None:
        raise FieldError(("body", "term_2"), "term_2 requires term_1")
    days = [d for d in (terms.term_1_days, terms.term_2_days, terms.term_final_days) if d is not None]
    if any(a >= b for a, b in zip(days, days[1:], strict=False)):
        raise FieldError(("body",), "The number of days must grow strictly: term_1 < term_2 < term_final")


def create_payment_terms(
    session: Session, ctx: RequestContext, *, payload: schemas.PaymentTermsCreatePayload
) -> PaymentTerms:
    terms = PaymentTerms(**_columns(payload.model_dump()))
    _validate(terms)
    return TERMS.create(session, ctx, terms)


def list_payment_terms(session: Session, ctx: RequestContext) -> dict[str, list[PaymentTerms]]:
    return {"data": TERMS.list_all(session, ctx)}


def get_payment_terms(session: Session, ctx: RequestContext, *, payment_terms_id: uuid.UUID) -> PaymentTerms:
    return TERMS.get(session, ctx, payment_terms_id)


def update_payment_terms(
    session: Session, ctx: RequestContext, *, payment_terms_id: uuid.UUID, payload: schemas.PaymentTermsUpdatePayload
) -> PaymentTerms:
    changes = payload.model_dump(exclude_unset=True)
    terms = TERMS.update(session, ctx, payment_terms_id, _columns(changes))
    _validate(terms)
    return terms


def delete_payment_terms(session: Session, ctx: RequestContext, *, payment_terms_id: uuid.UUID) -> None:
    TERMS.delete(session, ctx, payment_terms_id)
