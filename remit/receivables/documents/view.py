"""What a document's PDF shows, formatted for its language: the template's context.

Everything the template prints comes from here, as text already formatted with Babel for the
document's language and currency; the templates only lay it out. ``digest`` of a view is the
document's revision: the same view renders the same PDF, so it keys the stored file.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent

from remit.core.money import to_major

# Labels by language; a language without its own falls back to English.
LABELS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice", "quote": "Quote", "credit_note": "Credit note", "reminder": "Payment reminder",
        "draft": "DRAFT", "paid": "PAID", "number": "Number", "issue_date": "Issue date", "due_date": "Due date",
        "expiry_date": "Valid until", "fulfillment_date": "Date of supply", "purchase_order": "Purchase order",
        "based_on": "Refers to", "bill_to": "Bill to", "from": "From", "vat_id": "VAT ID", "tax_id": "Tax ID",
        "item": "Description", "quantity": "Qty", "unit_price": "Unit price", "vat": "VAT", "amount": "Amount",
        "subtotal": "Subtotal", "discount": "Discount", "total_vat": "VAT {rate}", "total": "Total",
        "withholding": "Withholding tax", "amount_paid": "Amount paid", "amount_due": "Amount due",
        "payment_terms": "Payment terms", "bank": "Bank details", "iban": "IBAN", "bic": "BIC",
        "account_number": "Account number", "vat_exempt": "VAT exempt", "page": "Page",
        "reminder_text": "According to our records the invoice below has not been paid in full yet.",
        "net_days": "Payable within {days} days", "discount_days": "{percent} discount within {days} days",
    },
    "de": {
        "invoice": "Rechnung", "quote": "Angebot", "credit_note": "Gutschrift", "reminder": "Zahlungserinnerung",
        "draft": "ENTWURF", "paid": "BEZAHLT", "number": "Nummer", "issue_date": "Rechnungsdatum",
        "due_date": "Fällig am", "expiry_date": "Gültig bis", "fulfillment_date": "Leistungsdatum",
        "purchase_order": "Bestellnummer", "based_on": "Bezug", "bill_to": "Rechnungsempfänger", "from": "Von",
        "vat_id": "USt-IdNr.", "tax_id": "Steuernummer", "item": "Beschreibung", "quantity": "Menge",
        "unit_price": "Einzelpreis", "vat": "USt.", "amount": "Betrag", "subtotal": "Zwischensumme",
        "discount": "Rabatt", "total_vat": "USt. {rate}", "total": "Gesamtbetrag", "withholding": "Quellensteuer",
        "amount_paid": "Bezahlt", "amount_due": "Offener Betrag", "payment_terms": "Zahlungsbedingungen",
        "bank": "Bankverbindung", "iban": "IBAN", "bic": "BIC", "account_number": "Kontonummer",
        "vat_exempt": "Steuerbefreit", "page": "Seite",
        "reminder_text": "Nach unseren Unterlagen ist die folgende Rechnung noch nicht vollständig bezahlt.",
        "net_days": "Zahlbar innerhalb von {days} Tagen", "discount_days": "{percent} Skonto innerhalb von {days} Tagen",
    },
    "fr": {
        "invoice": "Facture", "quote": "Devis", "credit_note": "Avoir", "reminder": "Relance de paiement",
        "draft": "BROUILLON", "paid": "PAYÉE", "number": "Numéro", "issue_date": "Date d'émission",
        "due_date": "Date d'échéance", "expiry_date": "Valable jusqu'au", "fulfillment_date": "Date de livraison",
        "purchase_order": "Bon de commande", "based_on": "Référence", "bill_to": "Facturé à", "from": "De",
        "vat_id": "N° TVA", "tax_id": "N° fiscal", "item": "Désignation", "quantity": "Qté",
        "unit_price": "Prix unitaire", "vat": "TVA", "amount": "Montant", "subtotal": "Sous-total",
        "discount": "Remise", "total_vat": "TVA {rate}", "total": "Total", "withholding": "Retenue à la source",
        "amount_paid": "Montant payé", "amount_due": "Reste à payer", "payment_terms": "Conditions de paiement",
        "bank": "Coordonnées bancaires", "iban": "IBAN", "bic": "BIC", "account_number": "Numéro de compte",
        "vat_exempt": "Exonéré de TVA", "page": "Page",
        "reminder_text": "Selon nos registres, la facture ci-dessous n'a pas encore été entièrement réglée.",
        "net_days": "Payable sous {days} jours", "discount_days": "Escompte de {percent} sous {days} jours",
    },
}


def locale_for(language: str | None) -> str:
    """A Babel locale for an ISO 639-1 code; unknown codes are English."""
    try:
        return str(Locale.parse(language or "en"))
    except (ValueError, UnknownLocaleError):
        return "en"


def labels_for(language: str | None) -> dict[str, str]:
    return {**LABELS["en"], **LABELS.get((language or "en")[:2], {})}


@dataclass
class Formatter:
    currency: str
    locale: str

    def money(self, minor: int | None) -> str:
        return format_currency(to_major(minor or 0, self.currency), self.currency, locale=self.locale)

    def day(self, value: date | datetime | str | None) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        return format_date(value.date() if isinstance(value, datetime) else value, format="medium", locale=self.locale)

    def quantity(self, value: Decimal | float | int) -> str:
        return format_decimal(Decimal(str(value)).normalize(), locale=self.locale)

    def rate(self, basis_points: int | float | None) -> str:
        """1900 basis points → "19 %" (as the language writes it)."""
        return format_percent(Decimal(str(basis_points or 0)) / Decimal(10000), "#,##0.##%", locale=self.locale)


@dataclass
class View:
    """The template's context (plain data: strings, lists and dicts)."""

    kind: str  # invoice | quote | credit_note | reminder
    language: str
    labels: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)

    def digest(self) -> str:
        text = json.dumps({"kind": self.kind, "language": self.language, "data": self.data}, sort_keys=True,
                          default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _address(place: dict[str, Any] | None, locale: str) -> list[str]:
    """Address lines; the country by its name in the document's language."""
    if not place:
        return []
    city = " ".join(str(p) for p in (place.get("postal_code"), place.get("city")) if p)
    country = place.get("country")
    if country:
        country = Locale.parse(locale).territories.get(str(country), country)
    lines = [place.get("line1"), place.get("line2"), city, place.get("state"), country]
    return [str(line) for line in lines if line]


def _iban(value: str | None) -> str:
    """An IBAN as people read it: groups of four."""
    compact = "".join((value or "").split())
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def party_name(party: dict[str, Any]) -> str:
    """The name a party's snapshot shows (the entity or the counterpart of a document): an
    organization's name, or a person's first and last name."""
    return str(party.get("name") or " ".join(p for p in (party.get("first_name"), party.get("last_name")) if p))


def _terms(body: dict[str, Any], fmt: Formatter, labels: dict[str, str]) -> list[str]:
    terms = body.get("payment_terms") or {}
    lines: list[str] = []
    for key in ("term_1", "term_2"):
        tier = terms.get(key)
        if tier:
            lines.append(labels["discount_days"].format(percent=fmt.rate(tier.get("discount")),
                                                        days=tier.get("number_of_days")))
    final = terms.get("term_final")
    if final:
        lines.append(labels["net_days"].format(days=final.get("number_of_days")))
    if terms.get("description"):
        lines.append(str(terms["description"]))
    return lines


def build(body: dict[str, Any], *, language: str, settings: dict[str, Any], logo: str | None,
          reminder: bool = False) -> View:
    """The view of a document from its wire body (``receivables.wire.document``)."""
    labels = labels_for(language)
    fmt = Formatter(body["currency"], locale_for(language))
    kind = "reminder" if reminder else body["type"]
    entity = body.get("entity") or {}
    bank = body.get("entity_bank_account") or {}
    paid = body["type"] == "invoice" and body["status"] == "paid"
    show_paid = paid and bool(settings.get("generate_paid_invoice_pdf"))
    lines = []
    for number, line in enumerate(body.get("line_items") or [], start=1):
        product = line["product"]
        unit = (product.get("measure_unit") or {}).get("name")
        lines.append({
            "number": number, "name": product.get("name") or "", "description": product.get("description") or "",
            "quantity": fmt.quantity(line["quantity"]) + (f" {unit}" if unit else ""),
            "unit_price": fmt.money((product.get("price") or {}).get("value")),
            "vat": fmt.rate((product.get("vat_rate") or {}).get("value")),
            "amount": fmt.money(line["total_before_vat"]),
        })
    vat_lines = [{"label": labels["total_vat"].format(rate=fmt.rate(group.get("value"))),
                  "amount": fmt.money(group.get("amount"))} for group in body.get("total_vat_amounts") or []]
    discount = body.get("discount") or None
    amount_due = body.get("amount_due")
    amount_paid = body.get("amount_paid") or 0
    data = {
        "title": labels[kind], "status": body["status"], "is_draft": body["status"] == "draft",
        "show_paid": show_paid, "document_id": body.get("document_id") or "",
        "issue_date": fmt.day(body.get("issue_date")), "due_date": fmt.day(body.get("due_date")),
        "expiry_date": fmt.day(body.get("expiry_date")), "fulfillment_date": fmt.day(body.get("fulfillment_date")),
        "purchase_order": body.get("purchase_order") or "", "based_on": body.get("based_on_document_id") or "",
        "seller": {"name": party_name(entity), "address": _address(body.get("entity_address"), fmt.locale),
                   "vat_id": (body.get("entity_vat_id") or {}).get("value") or entity.get("vat_id") or "",
                   "tax_id": entity.get("tax_id") or "", "email": entity.get("email") or "",
                   "phone": entity.get("phone") or "", "website": entity.get("website") or "",
                   "registration": " ".join(str(p) for p in (entity.get("registration_authority"),
                                                             entity.get("registration_number")) if p)},
        "buyer": {"name": body.get("counterpart_name") or "", "address": _address(body.get("counterpart_billing_address"),
                                                                                  fmt.locale),
                  "vat_id": (body.get("counterpart_vat_id") or {}).get("value") or "",
                  "tax_id": body.get("counterpart_tax_id") or ""},
        "lines": lines, "subtotal": fmt.money(body.get("subtotal")),
        "discount": fmt.money(body.get("discount_value") or (discount or {}).get("value")) if discount else "",
        "vat_lines": vat_lines, "vat_exempt": bool(body.get("vat_exempt")),
        "vat_exemption_rationale": body.get("vat_exemption_rationale") or "",
        "total": fmt.money(body.get("total_amount")),
        "withholding": fmt.money(body.get("total_withholding_tax")) if body.get("total_withholding_tax") else "",
        "amount_paid": fmt.money(amount_paid) if (show_paid or (kind == "reminder" and amount_paid)) else "",
        "amount_due": fmt.money(amount_due) if amount_due is not None and (show_paid or kind == "reminder") else "",
        "terms": _terms(body, fmt, labels) if body["type"] == "invoice" else [],
        "bank": {"name": bank.get("bank_name") or "", "holder": bank.get("account_holder_name") or "",
                 "iban": _iban(bank.get("iban")), "bic": bank.get("bic") or "",
                 "account_number": bank.get("account_number") or ""} if bank else None,
        "memo": body.get("memo") or "", "footer": body.get("footer") or "",
        "commercial_condition_description": body.get("commercial_condition_description") or "",
        "logo": logo or "",
    }
    return View(kind=kind, language=language, labels=labels, data=data)
