"""Status changes of receivables: issue, payments, cancel, quote decisions, delete, and the
scheduler's moves (docs/receivables.md, "Lifecycles")."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.entities.models import settings_of
from remit.receivables import history, snapshots
from remit.receivables.errors import (
    CannotIssue,
    EinvoicingUnavailable,
    NotDraft,
    OnlyDraftsDeletable,
    PaymentOutOfBounds,
    SignatureRequired,
)
from remit.receivables.lifecycle import INVOICES, OPEN_INVOICE, ReceivableType, S, nothing_paid
from remit.receivables.models import Receivable
from remit.receivables.repository import ReceivableRepository
from remit.receivables.service import amounts, verification
from remit.receivables.service.common import OBJECT, load, move

# Countries whose VAT rules require the date of supply on every invoice: an unset fulfillment
# date is filled with the issue date there (the EU member states).
FULFILLMENT_DATE_REQUIRED = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})


# -- issue --------------------------------------------------------------------------------------


def issue(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID) -> Receivable:
    receivable = load_for_transition(session, ctx, receivable_id)
    issue_loaded(session, ctx, receivable)
    return receivable


def load_for_transition(session: Session, ctx: RequestContext, receivable_id: uuid.UUID) -> Receivable:
    """The document, row-locked; a credit note's invoice is locked first (the one lock order)."""
    return ReceivableRepository(session, ctx).get_for_update(receivable_id)


def issue_loaded(session: Session, ctx: RequestContext, receivable: Receivable, *, automatic: bool = False,
                 settle: bool = True) -> None:
    """Checks, number, dates and frozen terms, then the move; a credit note then acts on its invoice
    (``settle=False``: without closing it, which the caller does — a cancel)."""
    if not automatic:
        ctx.check(OBJECT, "update", owner_id=receivable.entity_user_id)
    if receivable.status != S.draft:
        raise NotDraft()
    if receivable.is_einvoice:
        raise EinvoicingUnavailable()
    missing = verification.missing(session, receivable)
    if missing:
        raise CannotIssue(missing)
    from remit.receivables.service import credit_notes

    if receivable.type == ReceivableType.credit_note:
        credit_notes.prepare_issue(session, ctx, receivable)
    now = clock.now()
    values: dict[str, Any] = {"issue_date": now}
    settings = settings_of(session, receivable.entity_id)
    if receivable.document_id is None or settings.get("receivable_edit_flow") != "non_compliant":
        values["document_id"] = _number(session, receivable, now)
    if receivable.type == ReceivableType.invoice:
        terms = snapshots.with_end_dates(receivable.payment_terms, now.date())
        values["payment_terms"] = terms
        if terms is not None:
            values["due_date"] = datetime.fromisoformat(terms["term_final"]["end_date"]).date()
        country = (receivable.entity_address or {}).get("country")
        if receivable.fulfillment_date is None and country in FULFILLMENT_DATE_REQUIRED:
            values["fulfillment_date"] = now.date()
    move(session, ctx, receivable, "issue_automatic" if automatic else "issue", values=values)
    if receivable.type == ReceivableType.credit_note:
        credit_notes.apply_to_invoice(session, ctx, receivable, settle=settle)


def _number(session: Session, receivable: Receivable, issued_at: datetime) -> str:
    from remit.entities.document_numbers import draw

    return draw(session, receivable.entity_id, receivable.type, issued_at)


# -- payments -----------------------------------------------------------------------------------


def mark_as_paid(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID, comment: str | None = None,
                 paid_at: datetime | None = None) -> Receivable:
    invoice = load_for_transition(session, ctx, receivable_id)
    total, due = amounts.balances(invoice)
    move(session, ctx, invoice, "mark_as_paid", values={
        "amount_paid": total, "paid_at": paid_at or clock.now(), "comment": comment,
    })
    history.payment_received(session, ctx, invoice, amount_paid=due, amount_due=0, comment=comment)
    return invoice


def mark_as_partially_paid(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID, amount_paid: int,
                           comment: str | None = None) -> Receivable:
    """``amount_paid`` is cumulative and may only grow: each call records one payment."""
    invoice = load_for_transition(session, ctx, receivable_id)
    total, _ = amounts.balances(invoice)
    if invoice.type == ReceivableType.invoice and invoice.status in OPEN_INVOICE and not (
        invoice.amount_paid < amount_paid < total
    ):
        ctx.check(OBJECT, "update", owner_id=invoice.entity_user_id)
        raise PaymentOutOfBounds(
            f"amount_paid must be greater than the amount already paid ({invoice.amount_paid}) and less than the "
            f"total amount ({total}); use mark_as_paid for full payment"
        )
    increment = amount_paid - invoice.amount_paid
    move(session, ctx, invoice, "mark_as_partially_paid", values={"amount_paid": amount_paid, "comment": comment})
    history.payment_received(session, ctx, invoice, amount_paid=increment, amount_due=total - amount_paid,
                             comment=comment)
    return invoice


def mark_as_uncollectible(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID,
                          comment: str | None = None) -> Receivable:
    invoice = load_for_transition(session, ctx, receivable_id)
    move(session, ctx, invoice, "mark_as_uncollectible", values={"comment": comment})
    return invoice


def cancel(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID) -> None:
    """Cancel an issued invoice; outside non-compliant mode a credit note for what is owed is issued first."""
    invoice = load_for_transition(session, ctx, receivable_id)
    if invoice.type != ReceivableType.invoice or INVOICES.find("cancel", invoice.status) is None:
        move(session, ctx, invoice, "cancel")  # refused by the lifecycle: 403 or 409, as for any action
    ctx.check(OBJECT, "update", owner_id=invoice.entity_user_id)
    nothing_paid(invoice, ctx, {})  # before the credit note is made
    if settings_of(session, invoice.entity_id).get("receivable_edit_flow") != "non_compliant":
        from remit.receivables.service import credit_notes

        credit_notes.cancel_with_credit_note(session, ctx, invoice)
    move(session, ctx, invoice, "cancel")


# -- quotes -------------------------------------------------------------------------------------


def accept(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID,
           signature: dict[str, Any] | None = None) -> None:
    from remit.receivables.service import create

    quote = load_for_transition(session, ctx, receivable_id)
    if quote.type == ReceivableType.quote and quote.status == S.issued and quote.signature_required and not signature:
        ctx.check(OBJECT, "update", owner_id=quote.entity_user_id)
        raise SignatureRequired()
    move(session, ctx, quote, "accept", values={"signature": signature} if signature else None)
    if not ReceivableRepository(session, ctx).based_on(quote.id, ReceivableType.invoice):
        create.invoice_from_quote(session, ctx, quote)


def decline(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID, comment: str | None = None) -> None:
    quote = load_for_transition(session, ctx, receivable_id)
    move(session, ctx, quote, "decline", values={"comment": comment})


def delete(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID) -> None:
    receivable = load(session, ctx, receivable_id, "delete", for_update=True)
    if receivable.status != S.draft:
        raise OnlyDraftsDeletable()
    move(session, ctx, receivable, "delete")

