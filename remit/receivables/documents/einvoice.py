"""A document's EN 16931 e-invoice: the UN/CEFACT CII XML of Factur-X / ZUGFeRD (profile EN 16931),
built with ``drafthorse`` from the document's wire body and checked against the profile's XSD.

Every amount is the API's own, turned from minor units into the currency's decimals
(``core.money.to_major``), so the XML's totals equal the API's to the minor unit:

* ``LineTotalAmount`` is the sum of the lines' ``total_before_vat``;
* ``TaxBasisTotalAmount`` the sum of the VAT groups' taxable amounts, the difference to the line
  total being the document discount (``AllowanceTotalAmount``, one allowance per VAT rate);
* ``TaxTotalAmount`` is ``total_vat_amount``, ``GrandTotalAmount`` is ``total_amount``;
* ``TotalPrepaidAmount`` what was paid or credited, ``DuePayableAmount`` what remains.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from drafthorse.models.accounting import ApplicableTradeTax, CategoryTradeTax, TradeAllowanceCharge
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import TaxRegistration
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem

from remit.core.money import to_major
from remit.receivables.documents.view import party_name

PROFILE = "FACTUR-X_EN16931"
GUIDELINE = "urn:cen.eu:en16931:2017"
TYPE_CODES = {"invoice": "380", "credit_note": "381"}
UNIT = "C62"  # "one": the UN/ECE code for a unit without a measure


def supported(body: dict[str, Any]) -> bool:
    """Issued invoices and credit notes carry an e-invoice; drafts and quotes do not."""
    return body["type"] in TYPE_CODES and body["status"] != "draft" and bool(body.get("document_id"))


def _day(value: date | datetime | str | None) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.date() if isinstance(value, datetime) else value


def _percent(basis_points: int | float | None) -> Decimal:
    return (Decimal(str(basis_points or 0)) / Decimal(100)).quantize(Decimal("0.01"))


def _category(rate: int | float | None, exempt: bool) -> str:
    if exempt:
        return "E"
    return "S" if rate else "Z"


def _party(target: Any, *, name: str, address: dict[str, Any] | None, vat_id: str | None, tax_id: str | None,
           email: str | None = None) -> None:
    target.name = name or "-"
    place = address or {}
    if place.get("postal_code"):
        target.address.postcode = place["postal_code"]
    if place.get("line1"):
        target.address.line_one = place["line1"]
    if place.get("line2"):
        target.address.line_two = place["line2"]
    if place.get("city"):
        target.address.city_name = place["city"]
    target.address.country_id = place.get("country") or "DE"
    if email:
        target.electronic_address.uri_ID = ("EM", email)
    if vat_id:
        target.tax_registrations.add(TaxRegistration(id=("VA", vat_id)))
    if tax_id:
        target.tax_registrations.add(TaxRegistration(id=("FC", tax_id)))


def build(body: dict[str, Any]) -> bytes:
    """The CII XML of an issued invoice or credit note (its wire body), checked against the
    EN 16931 XSD (``drafthorse`` raises when it does not validate)."""
    currency = body["currency"]

    def major(minor: int | None) -> Decimal:
        return to_major(minor or 0, currency)

    exempt = bool(body.get("vat_exempt"))
    doc = Document()
    doc.context.guideline_parameter.id = GUIDELINE
    doc.header.id = body["document_id"]
    doc.header.type_code = TYPE_CODES[body["type"]]
    doc.header.issue_date_time = _day(body.get("issue_date")) or _day(body.get("created_at"))
    for note in (body.get("memo"), body.get("footer")):
        if note:
            doc.header.notes.add(IncludedNote(content=note))

    entity = body.get("entity") or {}
    seller_name = party_name(entity)
    _party(doc.trade.agreement.seller, name=seller_name, address=body.get("entity_address"),
           vat_id=(body.get("entity_vat_id") or {}).get("value") or entity.get("vat_id"), tax_id=entity.get("tax_id"),
           email=entity.get("email"))
    _party(doc.trade.agreement.buyer, name=body.get("counterpart_name") or "",
           address=body.get("counterpart_billing_address"),
           vat_id=(body.get("counterpart_vat_id") or {}).get("value"), tax_id=body.get("counterpart_tax_id"))
    if body.get("purchase_order"):
        doc.trade.agreement.buyer_order.issuer_assigned_id = body["purchase_order"]
    if body.get("fulfillment_date"):
        doc.trade.delivery.event.occurrence = _day(body["fulfillment_date"])
    if body["type"] == "credit_note" and body.get("based_on_document_id"):
        doc.trade.settlement.invoice_referenced_document.issuer_assigned_id = body["based_on_document_id"]

    settlement = doc.trade.settlement
    settlement.currency_code = currency
    settlement.payment_reference = body["document_id"]
    bank = body.get("entity_bank_account") or {}
    means = PaymentMeans()
    if bank.get("iban"):
        means.type_code = "58"  # SEPA credit transfer
        means.payee_account.iban = bank["iban"]
        if bank.get("account_holder_name"):
            means.payee_account.account_name = bank["account_holder_name"]
        if bank.get("bic"):
            means.payee_institution.bic = bank["bic"]
    elif bank.get("account_number"):
        means.type_code = "30"  # credit transfer
        means.payee_account.proprietary_id = bank["account_number"]
    else:
        means.type_code = "1"  # not defined
    settlement.payment_means.add(means)
    if body["type"] == "invoice":
        terms = PaymentTerms()
        description = (body.get("payment_terms") or {}).get("name") or (body.get("payment_terms") or {}).get(
            "description")
        if description:
            terms.description = description
        if body.get("due_date"):
            terms.due = _day(body["due_date"])
        if description or body.get("due_date"):
            settlement.terms.add(terms)

    # Lines: net amounts as the API computed them; the net unit price is the line's amount over
    # its quantity, so quantity × price = the line's amount within the standard's rounding.
    line_total = 0
    by_rate: dict[Decimal, int] = defaultdict(int)
    for number, line in enumerate(body.get("line_items") or [], start=1):
        product = line["product"]
        rate = 0 if exempt else (product.get("vat_rate") or {}).get("value")
        quantity = Decimal(str(line["quantity"]))
        amount = int(line["total_before_vat"])
        line_total += amount
        by_rate[_percent(rate)] += amount
        item = LineItem()
        item.document.line_id = str(number)
        item.product.name = product.get("name") or "-"
        if product.get("description"):
            item.product.description = product["description"]
        price = (major(amount) / quantity) if quantity else major(amount)
        item.agreement.gross.amount = major((product.get("price") or {}).get("value"))
        item.agreement.net.amount = price.quantize(Decimal("0.0001"))
        item.delivery.billed_quantity = (quantity, UNIT)
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = _category(rate, exempt)
        item.settlement.trade_tax.rate_applicable_percent = _percent(rate)
        item.settlement.monetary_summation.total_amount = major(amount)
        doc.trade.items.add(item)

    groups = body.get("total_vat_amounts") or []
    basis_total = 0
    for group in groups or [{"value": 0, "amount": 0, "taxable_amount": line_total}]:
        percent = _percent(0 if exempt else group.get("value"))
        taxable = int(group.get("taxable_amount") if group.get("taxable_amount") is not None
                      else by_rate.get(percent, 0))
        basis_total += taxable
        tax = ApplicableTradeTax()
        tax.calculated_amount = major(group.get("amount"))
        tax.basis_amount = major(taxable)
        tax.type_code = "VAT"
        tax.category_code = _category(group.get("value"), exempt)
        if exempt:
            tax.exemption_reason = body.get("vat_exemption_rationale") or "Exempt"
        tax.rate_applicable_percent = percent
        settlement.trade_tax.add(tax)
        allowance = by_rate.get(percent, 0) - taxable
        if allowance > 0:  # the document discount's share of this rate
            charge = TradeAllowanceCharge()
            charge.indicator = False
            charge.actual_amount = major(allowance)
            charge.reason = "Discount"
            charge.trade_tax.add(CategoryTradeTax(type_code="VAT", category_code=_category(group.get("value"), exempt),
                                                  rate_applicable_percent=percent))
            settlement.allowance_charge.add(charge)

    total = int(body.get("total_amount") or 0)
    prepaid = int(body.get("amount_paid") or 0) + max(0, total - int(body.get("total_amount_with_credit_notes") or total))
    summation = settlement.monetary_summation
    summation.line_total = major(line_total)
    summation.charge_total = major(0)
    summation.allowance_total = major(max(0, line_total - basis_total))
    summation.tax_basis_total = major(basis_total)
    summation.tax_total = (major(body.get("total_vat_amount")), currency)
    summation.grand_total = major(total)
    summation.prepaid_total = major(prepaid)
    summation.due_amount = major(total - prepaid)
    xml: bytes = doc.serialize(schema=PROFILE)
    return xml
