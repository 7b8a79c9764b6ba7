"""The money of a credit note, derived from its invoice (docs/receivables.md, "Credit note amounts").

A credit line either returns ``q`` units of an invoice line or reduces its unit price by ``d`` for
``q`` units. Returns take the proportional share ``q / Q`` of what the invoice line stored (its line
discount and its document-discount allocation), so a credit note never credits a discount the
invoice did not grant; price reductions credit ``d`` per unit net of all discounts and before VAT.

Shares rounded one credit note at a time could leave a unit open (or credit one too many) by the
time everything is credited. So a credit note that returns the whole remaining quantity of every
line and reduces no price takes the invoice's remaining amounts instead (the full-remainder rule):
per VAT group, subtotal, discount, deduction and total, the invoice's value less its issued credit
notes' values. Whether a draft is full-remainder is decided again at issue.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from remit.core.money import percent_of
from remit.receivables.totals import (
    Amounts,
    ComponentAmount,
    Discount,
    Line,
    LineTotals,
    Path,
    Rate,
    Totals,
    TotalsError,
    VatGroup,
    VatMode,
    net_of,
    scale,
    vat_groups,
    with_vat,
)


@dataclass(frozen=True)
class InvoiceLine:
    """What an invoice line stores for its credit notes. ``alloc`` is its document-discount
    allocation in the document's price basis: ``alloc`` of an exclusive invoice, ``alloc_incl`` of
    an inclusive one. ``line_discount`` is the money of the line discount."""

    quantity: Decimal
    price: int
    line_discount: int
    alloc: int
    rate: Rate

    @classmethod
    def of(cls, line: Line, totals: LineTotals) -> InvoiceLine:
        """The stored values of a line ``compute`` returned."""
        alloc = totals.alloc_incl if totals.alloc_incl is not None else totals.alloc
        return cls(line.quantity, line.price, totals.line_discount, alloc or 0, totals.rate)


@dataclass(frozen=True)
class CreditLine:
    """A return of ``quantity`` units of invoice line ``line`` (an index), or, with ``price_diff``, a
    reduction of its unit price by ``price_diff`` on ``quantity`` units. ``key`` (the product id of
    the request's map) names the line in errors; the index does without it."""

    line: int
    quantity: Decimal
    price_diff: int | None = None
    key: str | None = None

    def path(self, field: str) -> Path:
        return ("credit_note", "line_items", self.key if self.key is not None else self.line, field)


@dataclass(frozen=True)
class CreditedInvoice:
    """An invoice as its credit notes see it: stored lines, own amounts, the amounts of its issued
    credit notes, and the quantities those returned per line (empty when none)."""

    lines: tuple[InvoiceLine, ...]
    vat_mode: VatMode
    amounts: Amounts
    issued: tuple[Amounts, ...] = ()
    returned: tuple[Decimal, ...] = ()

    def remaining(self) -> tuple[Decimal, ...]:
        """The quantity of each line that can still be returned."""
        returned = self.returned or (Decimal(0),) * len(self.lines)
        return tuple(line.quantity - done for line, done in zip(self.lines, returned, strict=True))


def full_remainder_lines(invoice: CreditedInvoice) -> tuple[CreditLine, ...]:
    """The lines of a credit note returning everything still returnable: a new draft's default
    content, and the credit note a compliant cancel issues."""
    return tuple(CreditLine(index, left) for index, left in enumerate(invoice.remaining()) if left > 0)


def is_full_remainder(invoice: CreditedInvoice, credit_lines: Sequence[CreditLine]) -> bool:
    """Whether ``credit_lines`` return the whole remaining quantity of every line and reduce no price."""
    if any(credit.price_diff is not None for credit in credit_lines):
        return False
    returning = dict.fromkeys(range(len(invoice.lines)), Decimal(0))
    for credit in credit_lines:
        returning[credit.line] += credit.quantity
    return all(returning[index] == left for index, left in enumerate(invoice.remaining()))


def credit_note_totals(invoice: CreditedInvoice, credit_lines: Sequence[CreditLine]) -> Totals:
    """The amounts of a credit note of ``invoice`` made of ``credit_lines``."""
    _check(invoice, credit_lines)
    mode = invoice.vat_mode
    lines = tuple(_credit_line(invoice.lines[credit.line], credit, mode) for credit in credit_lines)
    if is_full_remainder(invoice, credit_lines):
        groups, subtotal, discount_value, deduction, total_amount = _remainder(invoice, {li.rate.key for li in lines})
    else:
        groups, subtotal, discount_value, deduction, total_amount = _by_lines(lines, mode)
    # The discount a credit note shows is the shares it takes back; on an inclusive document they
    # are VAT-inclusive money, while the value is, as on the invoice, what the subtotal lost.
    shares = discount_value if mode == "exclusive" else sum(li.alloc_incl or 0 for li in lines)
    discount = Discount("amount", shares) if shares or discount_value else None
    return Totals(
        lines=lines, subtotal=subtotal, discount=discount, discount_value=discount_value if discount else None,
        discounted_subtotal=sum(group.taxable_amount for group in groups), total_vat_amounts=groups,
        total_vat_amount=sum(group.amount for group in groups),
        subtotal_after_vat=sum(li.total_after_vat for li in lines), deduction_amount=deduction,
        total_amount=total_amount, total_withholding_tax=None,
    )


_Document = tuple[tuple[VatGroup, ...], int, int, int, int]  # groups, subtotal, discount value, deduction, total


def _by_lines(lines: tuple[LineTotals, ...], mode: VatMode) -> _Document:
    """A credit note's amounts from its own lines, grouped by rate as an invoice's are."""
    groups = vat_groups(((li.rate, li.base) for li in lines), mode)
    if mode == "exclusive":
        subtotal = sum(li.total_before_vat for li in lines)
    else:
        undiscounted = ((li.rate, li.base + (li.alloc_incl or 0)) for li in lines)
        subtotal = sum(group.taxable_amount for group in vat_groups(undiscounted, "inclusive"))
    discounted_subtotal = sum(group.taxable_amount for group in groups)
    return groups, subtotal, subtotal - discounted_subtotal, 0, discounted_subtotal + sum(g.amount for g in groups)


def _check(invoice: CreditedInvoice, credit_lines: Sequence[CreditLine]) -> None:
    """A credit note only reduces: no more units than are left to return (or were invoiced, for a
    price reduction), no reduction above the unit price, each invoice line once."""
    remaining = invoice.remaining()
    seen: set[int] = set()
    for credit in credit_lines:
        if not 0 <= credit.line < len(invoice.lines):
            raise IndexError(f"The invoice has no line {credit.line}")
        line = invoice.lines[credit.line]
        if credit.line in seen:
            raise TotalsError(credit.path("quantity"), "Each invoice line may be credited only once")
        seen.add(credit.line)
        if credit.quantity <= 0:
            raise TotalsError(credit.path("quantity"), "The quantity must be positive")
        if credit.price_diff is None and credit.quantity > remaining[credit.line]:
            raise TotalsError(credit.path("quantity"), f"At most {remaining[credit.line]} can still be returned")
        if credit.price_diff is not None:
            if credit.quantity > line.quantity:
                raise TotalsError(credit.path("quantity"), f"The invoice line has {line.quantity} units")
            if not 0 < credit.price_diff <= line.price:
                raise TotalsError(credit.path("price_diff"), f"The price reduction must be 1..{line.price}")


def _credit_line(line: InvoiceLine, credit: CreditLine, vat_mode: VatMode) -> LineTotals:
    rate = line.rate.value
    if credit.price_diff is not None:
        net = scale(credit.price_diff, credit.quantity)
        price_after_vat = with_vat(credit.price_diff, rate)
        if vat_mode == "exclusive":
            return LineTotals(rate=line.rate, gross=net, line_discount=0, total_before_vat=net,
                              total_after_vat=net + percent_of(net, rate), price_after_vat=price_after_vat,
                              alloc=0, alloc_incl=None, base=net)
        # Before VAT in both modes: an inclusive document carries it grossed up, which its group
        # turns back into exactly ``net`` when the line is alone in it.
        return LineTotals(rate=line.rate, gross=net, line_discount=0, total_before_vat=net,
                          total_after_vat=with_vat(net, rate), price_after_vat=price_after_vat,
                          alloc=None, alloc_incl=0, base=with_vat(net, rate))
    gross = scale(line.price, credit.quantity)
    # Rounded apart, a share can pass what it is taken from by a unit (a fractional quantity of a
    # line discounted to zero); a returned line never credits less than nothing.
    line_discount = min(scale(line.line_discount, credit.quantity, line.quantity), gross)
    amount = gross - line_discount
    share = min(scale(line.alloc, credit.quantity, line.quantity), amount)
    if vat_mode == "exclusive":
        return LineTotals(rate=line.rate, gross=gross, line_discount=line_discount, total_before_vat=amount,
                          total_after_vat=amount + percent_of(amount, rate), price_after_vat=with_vat(line.price, rate),
                          alloc=share, alloc_incl=None, base=amount - share)
    return LineTotals(rate=line.rate, gross=gross, line_discount=line_discount, total_before_vat=net_of(amount, rate),
                      total_after_vat=amount, price_after_vat=line.price, alloc=None, alloc_incl=share,
                      base=amount - share)


def _remainder(invoice: CreditedInvoice, keys: set[Hashable]) -> _Document:
    """What the invoice has not credited yet.

    Groups keep the invoice's order; one is listed when the credit note has a line in it or money
    is left in it (rounding left on lines already returned in full). Components are subtracted
    too, so that each is credited exactly as invoiced. Only the totals are exact: a part can come
    out a unit off its own rounding, even at -1 (a discount value after partial returns whose
    shares were each rounded up), as the parts of the earlier credit notes were a unit over."""
    issued = invoice.issued
    groups = []
    for group in invoice.amounts.total_vat_amounts:
        credited = [g for note in issued for g in note.total_vat_amounts if g.key == group.key]
        taxable = group.taxable_amount - sum(g.taxable_amount for g in credited)
        vat = group.amount - sum(g.amount for g in credited)
        if group.key in keys or taxable or vat:
            groups.append(VatGroup(group.key, group.id, group.name, group.value, taxable, vat,
                                   _remaining_components(group, credited)))
    known = {group.key for group in invoice.amounts.total_vat_amounts}
    if any(g.key not in known for note in issued for g in note.total_vat_amounts):
        raise ValueError("An issued credit note has a VAT group its invoice does not have")
    amounts = invoice.amounts
    return (
        tuple(groups),
        amounts.subtotal - sum(note.subtotal for note in issued),
        (amounts.discount_value or 0) - sum(note.discount_value or 0 for note in issued),
        amounts.deduction_amount - sum(note.deduction_amount for note in issued),
        amounts.total_amount - sum(note.total_amount for note in issued),
    )


def _remaining_components(group: VatGroup, credited: list[VatGroup]) -> tuple[ComponentAmount, ...] | None:
    if group.components is None:
        return None
    return tuple(
        ComponentAmount(c.name, c.value, c.amount - sum(cc.amount for g in credited for cc in g.components or ()
                                                        if cc.name == c.name))
        for c in group.components
    )
