"""A receivable's wire form: the one place a document becomes its ``ReceivableResponse`` body.

Single reads, actions and list pages all render through ``document``; the route's response
model (the union of the three types, told apart by ``type``) then validates and serialises it,
so every field of the type is sent (unset ones as null). Balances are derived here, at read time,
from the stored totals, payments and credit notes (``service.amounts``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from remit.core import clock
from remit.receivables.lifecycle import ReceivableType
from remit.receivables.models import Receivable, ReceivableLineItem
from remit.receivables.service import amounts

COMMON = (
    "id", "created_at", "updated_at", "type", "status", "document_id", "currency", "issue_date", "due_date",
    "subtotal", "discounted_subtotal", "total_vat_amount", "subtotal_after_vat", "total_amount",
    "total_withholding_tax", "withholding_tax_rate", "deduction_amount", "deduction_memo", "vat_mode",
    "vat_inclusive_discount_mode", "vat_exempt", "vat_exemption_rationale", "counterpart_id", "counterpart_type",
    "counterpart_name", "counterpart_tax_id", "counterpart_vat_id", "counterpart_billing_address",
    "counterpart_shipping_address", "counterpart_contact", "counterpart_business_type",
    "counterpart_external_reference", "entity", "entity_address", "entity_vat_id", "entity_user_id", "trade_name",
    "memo", "footer", "commercial_condition_description", "document_rendering", "based_on", "based_on_document_id",
    "file_language", "original_file_language", "partner_metadata", "project_id",
)
BY_TYPE = {
    ReceivableType.invoice: (
        "paid_at", "comment", "payment_page_url", "payment_reminder_id", "overdue_reminder_id", "recurrence_id",
        "fulfillment_date", "purchase_order", "is_einvoice", "einvoice_error_comment",
    ),
    ReceivableType.quote: ("comment", "expiry_date", "quote_accept_page_url", "signature_required"),
    ReceivableType.credit_note: ("purchase_order", "is_einvoice", "einvoice_error_comment"),
}
RATE_FIELDS = ("id", "country", "value", "name", "components", "is_custom")


def line_item(line: ReceivableLineItem, *, vat_exempt: bool = False) -> dict[str, Any]:
    """``ResponseItem``: the line as the document shows it; a VAT-exempt document's lines show 0 %
    with their catalogue rate's id (the rate itself is kept, should the exemption be lifted)."""
    product = {key: value for key, value in line.product.items() if key not in ("vat_rate", "price_after_vat")}
    rate = line.product.get("vat_rate") or {}
    product["vat_rate"] = {key: rate.get(key) for key in RATE_FIELDS}
    if vat_exempt:
        catalogue_id = rate.get("id") if not rate.get("is_custom") else None
        product["vat_rate"] = {**product["vat_rate"], "id": catalogue_id, "value": 0, "name": None,
                               "components": None, "is_custom": False}
    price = product.get("price") or {}
    product["price_after_vat"] = {"currency": price.get("currency"), "value": line.product.get("price_after_vat")}
    return {
        "quantity": line.quantity, "discount": line.discount, "product": product,
        "total_before_vat": line.total_before_vat, "total_after_vat": line.total_after_vat,
    }


def _bank_account(account: dict[str, Any] | None) -> dict[str, Any] | None:
    if account is None:
        return None
    return {key: value for key, value in account.items() if key != "currency"}


def _discount(receivable: Receivable) -> dict[str, Any] | None:
    if receivable.discount is None:
        return None
    return {**receivable.discount, "value": receivable.discount_value or 0}


def _terms(terms: dict[str, Any] | None) -> dict[str, Any] | None:
    return terms


def document(session: Session, receivable: Receivable, *, links: bool = True) -> dict[str, Any]:
    """The ``ReceivableResponse`` of one loaded receivable (``links``: with its signed PDF links)."""
    kind = ReceivableType(receivable.type)
    body: dict[str, Any] = {name: getattr(receivable, name) for name in COMMON}
    body.update((name, getattr(receivable, name)) for name in BY_TYPE[kind])
    body["discount"] = _discount(receivable)
    body["total_vat_amounts"] = receivable.total_vat_amounts or []
    body["entity_bank_account"] = _bank_account(receivable.entity_bank_account)
    body["line_items"] = [line_item(line, vat_exempt=bool(receivable.vat_exempt)) for line in receivable.line_items]
    body["tags"] = [
        {"id": t.id, "created_at": t.created_at, "updated_at": t.updated_at, "name": t.name,
         "category": t.category, "description": t.description,
         "created_by_entity_user_id": t.created_by_entity_user_id}
        for t in receivable.tags
    ]
    body["attachments"] = receivable.attachments or []
    body["file_url"] = body["original_file_url"] = body["einvoice_file_url"] = None
    if links:
        from remit.receivables.documents.service import urls

        body.update(urls(session, receivable))
    if kind == ReceivableType.invoice:
        total, due = amounts.balances(receivable)
        body["total_amount_with_credit_notes"] = total
        body["amount_due"] = due
        body["amount_paid"] = receivable.amount_paid
        body["amount_to_pay"] = amounts.amount_to_pay(receivable, clock.now().date())
        body["payment_terms"] = _terms(receivable.payment_terms)
        body["related_documents"] = {"credit_note_ids": receivable.credit_note_ids or [], "proforma_invoice_id": None}
        body["network_credentials"] = body["counterpart_einvoicing_credentials"] = None
        if receivable.status == "rejected":  # remit's extension, on rejected invoices only
            body["rejection_reason"] = receivable.rejection_reason
            body["rejected_at"] = receivable.rejected_at
    elif kind == ReceivableType.credit_note:
        body["network_credentials"] = body["counterpart_einvoicing_credentials"] = None
    return body
