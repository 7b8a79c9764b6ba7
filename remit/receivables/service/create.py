"""Creating receivables: invoices and quotes from a payload, documents based on others, clones."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.entities.models import settings_of
from remit.receivables import history
from remit.receivables.errors import (
    DraftCreditNoteExists,
    InvoiceFromQuoteExists,
    MissingReference,
    ReceivableTransitionConflict,
)
from remit.receivables.lifecycle import OPEN_INVOICE, ReceivableType, S
from remit.receivables.models import Receivable
from remit.receivables.repository import ReceivableRepository
from remit.receivables.service import build, compute
from remit.receivables.service.common import OBJECT, emit

BODY = ("body",)


def _new(ctx: RequestContext, kind: ReceivableType, currency: str, settings: dict[str, Any]) -> Receivable:
    return Receivable(
        id=uuid.uuid4(), entity_id=ctx.scoped_entity_id, type=kind, status=S.draft, currency=currency,
        entity_user_id=ctx.entity_user_id, original_file_language=settings.get("language") or "en",
        vat_mode=settings.get("vat_mode") or "exclusive",
        vat_inclusive_discount_mode=settings.get("vat_inclusive_discount_mode") or "exclusive",
        deduction_amount=0, amount_paid=0, credited=0, vat_exempt=False, is_einvoice=False,
        total_vat_amounts=[], credit_note_ids=[], attachments=[],
    )


def _created(session: Session, ctx: RequestContext, receivable: Receivable) -> Receivable:
    session.add(receivable)
    session.flush()
    history.receivable_created(session, ctx, receivable)
    emit(session, receivable, "created")
    return receivable


def create(session: Session, ctx: RequestContext, *, data: dict[str, Any]) -> Receivable:
    """``POST /receivables`` with an invoice or quote payload (a based-on payload goes to ``based_on``)."""
    ctx.check(OBJECT, "create")
    if "based_on" in data:
        return based_on(session, ctx, data=data)
    kind = ReceivableType(data["type"])
    settings = settings_of(session, ctx.scoped_entity_id)
    receivable = _new(ctx, kind, data["currency"], settings)
    if "vat_mode" in data and data["vat_mode"] is not None:
        receivable.vat_mode = data["vat_mode"]
    if kind == ReceivableType.quote:
        receivable.signature_required = bool(settings.get("quote_signature_required", False))
    if data.get("document_id") is not None and settings.get("receivable_edit_flow") == "non_compliant":
        receivable.document_id = data["document_id"]
    build.set_plain(receivable, data)
    build.check_reminders(session, ctx, data, BODY)
    build.set_counterpart(session, ctx, receivable, data, BODY)
    build.set_entity(session, ctx, receivable, data, BODY)
    build.set_terms(session, ctx, receivable, data, BODY)
    build.replace_lines(session, ctx, receivable, data.get("line_items") or [], (*BODY, "line_items"))
    build.set_tags(session, ctx, receivable, data.get("tag_ids") or [], BODY)
    build.set_attachments(session, ctx, receivable, data.get("attachments"), BODY)
    compute.recompute(receivable, BODY)
    return _created(session, ctx, receivable)


def based_on(session: Session, ctx: RequestContext, *, data: dict[str, Any]) -> Receivable:
    """An invoice from a quote, or a credit note for an invoice (``{"based_on", "type"}``)."""
    repo = ReceivableRepository(session, ctx)
    source = repo.find_for_update(data["based_on"])
    if source is None:
        raise FieldError((*BODY, "based_on"), "Receivable not found")
    kind = ReceivableType(data["type"])
    if kind == ReceivableType.invoice:
        if source.type != ReceivableType.quote or source.status not in (S.issued, S.accepted):
            raise ReceivableTransitionConflict("create an invoice from", source.status)
        if repo.based_on(source.id, ReceivableType.invoice):
            raise InvoiceFromQuoteExists()
        invoice = invoice_from_quote(session, ctx, source, tag_ids=data.get("tag_ids"))
        return invoice
    if source.type != ReceivableType.invoice or source.status not in OPEN_INVOICE:
        raise ReceivableTransitionConflict("create a credit note from", source.status)
    from remit.receivables.service import credit_notes

    if repo.based_on(source.id, ReceivableType.credit_note, statuses=(S.draft,)):
        raise DraftCreditNoteExists()
    note = credit_notes.draft_for(session, ctx, source)
    if data.get("tag_ids"):
        build.set_tags(session, ctx, note, data["tag_ids"], BODY)
    return note


def _copy(session: Session, ctx: RequestContext, source: Receivable, kind: ReceivableType) -> Receivable:
    """A new draft of ``kind`` with the source's parties, lines and terms as they are stored."""
    settings = settings_of(session, ctx.scoped_entity_id)
    copy = _new(ctx, kind, source.currency, settings)
    build.take_over(copy, source, build.PARTIES + (
        "memo", "footer", "commercial_condition_description", "deduction_memo", "discount", "deduction_amount",
        "withholding_tax_rate", "document_rendering", "partner_metadata", "project_id",
    ))
    copy.line_items = [build.copy_line(line, copy, position) for position, line in enumerate(source.line_items)]
    return copy


def invoice_from_quote(session: Session, ctx: RequestContext, quote: Receivable, *,
                       tag_ids: list[uuid.UUID] | None = None) -> Receivable:
    """The draft invoice made when a quote is accepted (or created ``based_on`` it)."""
    invoice = _copy(session, ctx, quote, ReceivableType.invoice)
    invoice.based_on, invoice.based_on_document_id = quote.id, quote.document_id
    invoice.payment_terms_id = quote.payment_terms_id
    invoice.payment_terms = quote.payment_terms
    invoice.entity_user_id = quote.entity_user_id if ctx.entity_user_id is None else ctx.entity_user_id
    if tag_ids is not None:
        build.set_tags(session, ctx, invoice, tag_ids, BODY)
    else:
        invoice.tags = list(quote.tags)
    compute.recompute(invoice, BODY)
    _created(session, ctx, invoice)
    history.based_on_receivable_created(session, ctx, quote, invoice)
    return invoice


def clone(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID) -> Receivable:
    """A new draft of an invoice or quote in any status, with snapshots taken afresh from the ids."""
    source = ReceivableRepository(session, ctx).get(receivable_id)
    # Cloning is creating: it needs ``create`` alone, and a user allowed it for their own documents
    # clones only those (the source is the object acted on).
    ctx.check(OBJECT, "create", owner_id=source.entity_user_id)
    if source.type == ReceivableType.credit_note:
        raise ReceivableTransitionConflict("clone", source.status, kind=source.type)
    copy = _copy(session, ctx, source, ReceivableType(source.type))
    copy.expiry_date = None
    copy.payment_terms_id, copy.payment_terms = source.payment_terms_id, source.payment_terms
    copy.signature_required = source.signature_required
    copy.quote_accept_page_url, copy.payment_page_url = source.quote_accept_page_url, source.payment_page_url
    copy.fulfillment_date, copy.purchase_order = source.fulfillment_date, source.purchase_order
    copy.tags = list(source.tags)
    refresh = {"counterpart_id": source.counterpart_id}
    for field in ("counterpart_billing_address_id", "counterpart_shipping_address_id", "counterpart_vat_id_id",
                  "contact_id"):
        if getattr(source, field) is not None:
            refresh[field] = getattr(source, field)
    for field in ("entity_vat_id_id", "entity_bank_account_id", "payment_terms_id"):
        if getattr(source, field) is not None:
            refresh[field] = getattr(source, field)
    try:
        copy.counterpart_id = None  # type: ignore[assignment]  # a fresh snapshot, not a change
        build.set_counterpart(session, ctx, copy, refresh, BODY)
        build.set_entity(session, ctx, copy, refresh, BODY)
        if "payment_terms_id" in refresh:
            build.set_terms(session, ctx, copy, {"payment_terms_id": refresh["payment_terms_id"]}, BODY)
        for line in copy.line_items:
            compute.refresh_line(session, ctx, copy, line)
    except FieldError as exc:
        raise MissingReference(str(exc.errors[0]["loc"][-1]).removesuffix("_id").replace("_", " ")) from None
    compute.recompute(copy, BODY)
    return _created(session, ctx, copy)
