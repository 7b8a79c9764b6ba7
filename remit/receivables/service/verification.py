"""What a document lacks before it can be issued: ``POST …/verify`` reports it, ``issue`` refuses on it
(docs/receivables.md, "Issuing")."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from remit.receivables.lifecycle import ReceivableType
from remit.receivables.models import Receivable

EU = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT", "LT", "LU",
    "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})


def reverse_charge(counterpart_type: str | None, counterpart_country: str | None, entity_country: str | None) -> bool:
    """An organization in another EU country than the entity: its VAT number must be on the invoice."""
    return (counterpart_type == "organization" and counterpart_country in EU and entity_country in EU
            and counterpart_country != entity_country)


def report(session: Session, receivable: Receivable) -> dict[str, Any]:
    """``ReceivablesVerifyResponse``: the missing fields by part; empty lists when nothing is missing."""
    counterpart: list[str] = []
    entity: list[str] = []
    products: list[dict[str, Any]] = []
    document: list[str] = []
    vat_rates: list[str] = []
    billing = receivable.counterpart_billing_address
    if not billing:
        counterpart.append("address")
    entity_country = (receivable.entity_address or {}).get("country")
    if reverse_charge(receivable.counterpart_type, (billing or {}).get("country"), entity_country) and (
        not receivable.counterpart_vat_id
    ):
        counterpart.append("vat_id")
    place = receivable.entity_address or {}
    if not (place.get("city") and place.get("line1") and place.get("postal_code")):
        entity.append("address")
    if not (receivable.entity or {}).get("tax_id") and not receivable.entity_vat_id:
        entity.append("tax_id")
    if not receivable.line_items:
        document.append("line_items")
    for number, line in enumerate(receivable.line_items, start=1):
        product = line.product or {}
        lacking = [name for name in ("name", "price") if not product.get(name)]
        if lacking:
            products.append({"line_item_number": number, "missing_fields": lacking})
        rate = product.get("vat_rate") or {}
        if (rate.get("value") is None or rate.get("exempt_only")) and not receivable.vat_exempt:
            vat_rates.append(f"line_items[{number}].vat_rate")
    if receivable.type == ReceivableType.invoice:
        if not receivable.payment_terms:
            document.append("payment_terms")
        account = receivable.entity_bank_account
        if not account or (account.get("currency") not in (None, receivable.currency)):
            document.append("entity_bank_account")
    if receivable.vat_exempt and not receivable.vat_exemption_rationale:
        document.append("vat_exemption_rationale")
    return {
        "errors": {"counterpart": counterpart, "entity": entity, "products": products, "receivable": document,
                   "vat_rates": vat_rates},
        "warnings": {"payment_reminders": None},
    }


def missing(session: Session, receivable: Receivable) -> list[str]:
    """The report as flat names (``counterpart.vat_id``, ``line_items[1].vat_rate``) for the issue error."""
    errors = report(session, receivable)["errors"]
    names = [f"counterpart.{name}" for name in errors["counterpart"]]
    names += [f"entity.{name}" for name in errors["entity"]]
    names += [f"line_items[{item['line_item_number']}].{field}" for item in errors["products"]
              for field in item["missing_fields"]]
    names += errors["vat_rates"]
    names += errors["receivable"]
    return names
