"""Between stored documents and the money engine (``receivables.totals``): lines and rates in,
line amounts and document totals out, written back onto the document."""

from __future__ import annotations

from collections.abc import Hashable
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.receivables import snapshots, totals
from remit.receivables.models import Receivable, ReceivableLineItem

# -- rates --------------------------------------------------------------------------------------


def rate_of(stored: dict[str, Any] | None) -> totals.Rate | None:
    """The engine's rate from a line's ``vat_rate`` snapshot (its exact value kept beside the wire's int)."""
    if stored is None or stored.get("exempt_only"):
        return None
    exact = Decimal(str(stored.get("exact", stored["value"])))
    if stored.get("id") is None:
        return totals.Rate.of_value(exact, stored.get("name"))
    components = stored.get("components")
    return totals.Rate(
        key=stored["id"], id=stored["id"], name=stored.get("name"), value=exact,
        components=tuple((c["name"], Decimal(str(c["value"]))) for c in components) if components else None,
        is_custom=bool(stored.get("is_custom")),
    )


def key_to_json(key: Hashable) -> Any:
    """A VAT group's key as stored beside its group (credit notes subtract groups by key)."""
    if isinstance(key, tuple):
        return [str(part) if isinstance(part, Decimal) else part for part in key]
    return key


def key_from_json(value: Any) -> Hashable:
    if isinstance(value, list):
        if value and value[0] == "tax_rate_value":
            return ("tax_rate_value", Decimal(value[1]), value[2])
        return tuple(value)
    return value  # type: ignore[no-any-return]  # a rate id: text


def group_json(group: totals.VatGroup) -> dict[str, Any]:
    return {
        "id": group.id, "name": group.name, "value": group.value, "taxable_amount": group.taxable_amount,
        "amount": group.amount,
        "components": [{"name": c.name, "value": _number(c.value), "amount": c.amount} for c in group.components]
        if group.components is not None else None,
        "key": key_to_json(group.key),
    }


def group_from_json(stored: dict[str, Any]) -> totals.VatGroup:
    components = stored.get("components")
    return totals.VatGroup(
        key=key_from_json(stored["key"]), id=stored["id"], name=stored["name"], value=stored["value"],
        taxable_amount=stored["taxable_amount"], amount=stored["amount"],
        components=tuple(totals.ComponentAmount(c["name"], Decimal(str(c["value"])), c["amount"]) for c in components)
        if components is not None else None,
    )


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


# -- invoices and quotes ------------------------------------------------------------------------


def line_input(line: ReceivableLineItem) -> totals.Line:
    discount = line.discount
    return totals.Line(
        price=line.product["price"]["value"], quantity=Decimal(str(line.quantity)),
        discount=totals.Discount(discount["type"], discount["amount"]) if discount else None,
        rate=rate_of(line.product.get("vat_rate")),
    )


def compute(receivable: Receivable) -> totals.Totals:
    discount = receivable.discount
    return totals.compute(
        [line_input(line) for line in receivable.line_items],
        vat_mode=receivable.vat_mode,  # type: ignore[arg-type]
        discount=totals.Discount(discount["type"], discount["amount"]) if discount else None,
        deduction_amount=receivable.deduction_amount or 0,
        vat_inclusive_discount_mode=receivable.vat_inclusive_discount_mode,  # type: ignore[arg-type]
        withholding_tax_rate=receivable.withholding_tax_rate,
        vat_exempt=bool(receivable.vat_exempt),
    )


def recompute(receivable: Receivable, root: tuple[str, ...]) -> None:
    """Compute and store the document's totals and each line's amounts; an impossible value is a 422."""
    try:
        result = compute(receivable)
    except totals.TotalsError as exc:
        raise FieldError((*root, *exc.path), exc.message) from None
    store(receivable, result)


def store(receivable: Receivable, result: totals.Totals) -> None:
    for line, amounts in zip(receivable.line_items, result.lines, strict=True):
        line.total_before_vat = amounts.total_before_vat
        line.total_after_vat = amounts.total_after_vat
        line.alloc = amounts.alloc or 0
        line.alloc_incl = amounts.alloc_incl or 0
        line.taxable = amounts.base
        product = dict(line.product)
        product["price_after_vat"] = amounts.price_after_vat
        line.product = product
    receivable.subtotal = result.subtotal
    receivable.discount_value = result.discount_value
    receivable.discounted_subtotal = result.discounted_subtotal
    receivable.total_vat_amounts = [group_json(group) for group in result.total_vat_amounts]
    receivable.total_vat_amount = result.total_vat_amount
    receivable.subtotal_after_vat = result.subtotal_after_vat
    receivable.deduction_amount = result.deduction_amount
    receivable.total_amount = result.total_amount
    receivable.total_withholding_tax = result.total_withholding_tax


def amounts_of(receivable: Receivable) -> totals.Amounts:
    """The stored document-level amounts (what credit notes subtract from)."""
    return totals.Amounts(
        subtotal=receivable.subtotal or 0, discount_value=receivable.discount_value,
        deduction_amount=receivable.deduction_amount or 0, total_amount=receivable.total_amount,
        total_vat_amounts=tuple(group_from_json(group) for group in receivable.total_vat_amounts or []),
    )


def refresh_line(session: Session, ctx: RequestContext, receivable: Receivable, line: ReceivableLineItem) -> None:
    """A clone's line: the catalogue product and rate taken afresh (inline products stay as they are)."""
    entity_id = ctx.scoped_entity_id
    product = dict(line.product)
    if not product.get("is_inline"):
        fresh = snapshots.catalogue_product(session, entity_id, line.product_id, ("body", "product_id"))
        fresh["accounting_tax_rate_id"] = product.get("accounting_tax_rate_id")
        product = {**fresh, "vat_rate": product.get("vat_rate")}
    product["vat_rate"] = take_rate(session, ctx, receivable, line, ("body", "vat_rate_id"))
    line.product = product


def take_rate(session: Session, ctx: RequestContext, receivable: Receivable, line: ReceivableLineItem,
              loc: tuple[str | int, ...]) -> dict[str, Any]:
    """The line's rate snapshot from its stored reference (catalogue, custom, or a given value)."""
    entity_id = ctx.scoped_entity_id
    if line.vat_rate_id is not None:
        return snapshots.catalogue_rate(session, entity_id, line.vat_rate_id, loc, clock.now().date())
    if line.custom_vat_rate_id is not None:
        return snapshots.custom_rate(session, entity_id, line.custom_vat_rate_id, loc)
    if line.tax_rate_value is not None:
        return snapshots.given_rate(session, entity_id, line.tax_rate_value, line.tax_rate_name)
    if receivable.vat_exempt:
        return snapshots.exempt_rate(session, entity_id, None)
    raise FieldError(loc, "A tax rate is required: vat_rate_id, custom_vat_rate_id or tax_rate_value")
