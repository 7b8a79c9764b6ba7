"""Changing documents: ``PATCH`` with one wrapper per document kind, and ``PUT …/line_items``.

A draft takes any field of its wrapper; an issued invoice takes what the entity's edit mode
allows (docs/receivables.md, "Editing issued invoices"). Totals are recomputed after every change.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.entities.models import settings_of
from remit.receivables import snapshots
from remit.receivables.errors import FieldNotEditable, ReceivableTransitionConflict, WrongUpdateWrapper
from remit.receivables.lifecycle import ReceivableType, S
from remit.receivables.models import Receivable
from remit.receivables.service import build, compute
from remit.receivables.service.common import load, touch

WRAPPERS = {
    "invoice": ReceivableType.invoice,
    "quote": ReceivableType.quote,
    "credit_note": ReceivableType.credit_note,
    "issued_invoice": ReceivableType.invoice,
}
# What an issued invoice may change, by the entity's edit mode; settled invoices only the first set.
COMPLIANT = frozenset({"partner_metadata", "project_id", "tag_ids", "attachments"})
PARTIALLY_COMPLIANT = COMPLIANT | {"memo", "footer", "document_rendering", "contact_id", "payment_reminder_id",
                                   "overdue_reminder_id"}
SETTLED = frozenset({S.paid, S.canceled, S.uncollectible, S.rejected})


def update(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID, wrapper: str,
           data: dict[str, Any]) -> Receivable:
    receivable = load(session, ctx, receivable_id, "update", for_update=True)
    kind = WRAPPERS[wrapper]
    root = ("body", wrapper)
    if receivable.type != kind:
        raise WrongUpdateWrapper(wrapper, receivable.type, receivable.status)
    if wrapper == "issued_invoice":
        if receivable.status == S.draft:
            raise WrongUpdateWrapper(wrapper, receivable.type, receivable.status)
        _update_issued(session, ctx, receivable, data, root)
    else:
        if receivable.status != S.draft:
            raise WrongUpdateWrapper(wrapper, receivable.type, receivable.status)
        if kind == ReceivableType.credit_note:
            from remit.receivables.service import credit_notes

            credit_notes.update_draft(session, ctx, receivable, data, root)
        else:
            _update_draft(session, ctx, receivable, data, root)
    touch(session, ctx, receivable)
    return receivable


def _update_draft(session: Session, ctx: RequestContext, receivable: Receivable, data: dict[str, Any],
                  root: tuple[str, ...]) -> None:
    if "currency" in data and data["currency"] != receivable.currency:
        _relabel(receivable, data["currency"])
    build.set_plain(receivable, data)
    build.check_reminders(session, ctx, data, root)
    if any(key in data for key in ("counterpart_id", "contact_id", *build.COUNTERPART_PARTS)):
        build.set_counterpart(session, ctx, receivable, data, root)
    build.set_entity(session, ctx, receivable, data, root)
    if "payment_terms" in data or "payment_terms_id" in data:
        build.set_terms(session, ctx, receivable, data, root)
    if "tag_ids" in data:
        build.set_tags(session, ctx, receivable, data["tag_ids"] or [], root)
    if "attachments" in data:
        build.set_attachments(session, ctx, receivable, data["attachments"], root)
    if data.get("line_items") is not None:
        _patch_lines(receivable, data["line_items"], (*root, "line_items"))
        for index, line in enumerate(receivable.line_items):
            if line.product.get("vat_rate") is None:  # its rate was changed: take the new one
                line.product = {**line.product, "vat_rate": compute.take_rate(
                    session, ctx, receivable, line, (*root, "line_items", index, "vat_rate_id"))}
    compute.recompute(receivable, root)


def _relabel(receivable: Receivable, currency: str) -> None:
    """A draft's new currency: the numbers stay, relabelled; the bank account must follow it."""
    receivable.currency = currency
    for line in receivable.line_items:
        product = dict(line.product)
        product["price"] = {**product["price"], "currency": currency}
        line.product = product


def _patch_lines(receivable: Receivable, patches: list[dict[str, Any]], root: tuple[str | int, ...]) -> None:
    """Element *i* patches line *i*: price, quantity, discount and rate, never the product."""
    if len(patches) != len(receivable.line_items):
        raise FieldError(root, "Give one entry per existing line item; use PUT …/line_items to add or remove lines")
    for index, (line, given) in enumerate(zip(receivable.line_items, patches, strict=True)):
        product = dict(line.product)
        if given.get("price") is not None:
            product["price"] = {**product["price"], "value": given["price"]}
        if given.get("quantity") is not None:
            line.quantity = given["quantity"]
        if "discount" in given:
            line.discount = given["discount"]
        rates = [name for name in ("vat_rate_id", "custom_vat_rate_id", "tax_rate_value") if given.get(name) is not None]
        if len(rates) > 1:
            raise FieldError((*root, index, rates[1]), "Give only one of vat_rate_id, custom_vat_rate_id and "
                                                       "tax_rate_value")
        if rates:
            line.vat_rate_id = given.get("vat_rate_id")
            line.custom_vat_rate_id = given.get("custom_vat_rate_id")
            line.tax_rate_value = given.get("tax_rate_value")
            line.tax_rate_name = given.get("tax_rate_name")
            product["vat_rate"] = None  # taken again by compute.refresh_rate
        line.product = product


def replace_line_items(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID,
                       lines: list[dict[str, Any]]) -> Receivable:
    receivable = load(session, ctx, receivable_id, "update", for_update=True)
    if receivable.type == ReceivableType.credit_note:
        raise ReceivableTransitionConflict("replace the line items of", receivable.status, kind=receivable.type)
    if receivable.status != S.draft:
        raise ReceivableTransitionConflict("replace the line items of", receivable.status)
    build.replace_lines(session, ctx, receivable, lines, ("body", "data"))
    compute.recompute(receivable, ("body",))
    touch(session, ctx, receivable)
    return receivable


def _update_issued(session: Session, ctx: RequestContext, invoice: Receivable, data: dict[str, Any],
                   root: tuple[str, ...]) -> None:
    mode = settings_of(session, invoice.entity_id).get("receivable_edit_flow") or "compliant"
    allowed: frozenset[str] | None
    if invoice.status in SETTLED or mode == "compliant":
        allowed = COMPLIANT
    elif mode == "partially_compliant":
        allowed = PARTIALLY_COMPLIANT
    else:
        allowed = None  # non-compliant: every field of the wrapper
    for field in data:
        if allowed is not None and field not in allowed:
            raise FieldNotEditable(field)
    build.check_reminders(session, ctx, data, root)
    for field in ("partner_metadata", "project_id", "memo", "footer", "document_rendering", "payment_reminder_id",
                  "overdue_reminder_id", "fulfillment_date"):
        if field in data:
            setattr(invoice, field, data[field])
    if "tag_ids" in data:
        build.set_tags(session, ctx, invoice, data["tag_ids"] or [], root)
    if "attachments" in data:
        build.set_attachments(session, ctx, invoice, data["attachments"], root)
    if any(key in data for key in ("counterpart_id", "contact_id", "counterpart_vat_id_id")):
        build.set_counterpart(session, ctx, invoice, data, root, default_billing=True)
    if "entity_vat_id_id" in data:  # the issued snapshot stays; only the VAT id it shows changes
        value = data["entity_vat_id_id"]
        invoice.entity_vat_id_id = value
        invoice.entity_vat_id = snapshots.entity_vat_id(
            session, ctx.scoped_entity_id, value, (*root, "entity_vat_id_id")) if value is not None else None
        if invoice.entity.get("type") == "organization":
            invoice.entity = {**invoice.entity, "vat_id": invoice.entity_vat_id["value"] if invoice.entity_vat_id
                              else None}
    if data.get("entity") is not None:
        # The whole entity as the invoice shows it (name, tax id, contact data): given values win.
        given = {key: value for key, value in data["entity"].items() if value is not None}
        invoice.entity = {**invoice.entity, **given}
    if "entity_address" in data and data["entity_address"] is not None:
        invoice.entity_address = data["entity_address"]
    if "payment_terms" in data or "payment_terms_id" in data:
        build.set_terms(session, ctx, invoice, data, root)
    if "issue_date" in data and data["issue_date"] is not None:
        invoice.issue_date = data["issue_date"] if isinstance(data["issue_date"], datetime) else datetime.combine(
            data["issue_date"], datetime.min.time())
    if any(key in data for key in ("issue_date", "payment_terms", "payment_terms_id")) and invoice.issue_date:
        invoice.payment_terms = snapshots.with_end_dates(invoice.payment_terms, invoice.issue_date.date())
        if "due_date" not in data and invoice.payment_terms:
            invoice.due_date = invoice.issue_date.date() + timedelta(
                days=invoice.payment_terms["term_final"]["number_of_days"])
    if data.get("due_date") is not None:
        invoice.due_date = data["due_date"]
