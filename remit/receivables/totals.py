"""The money of a receivable: line amounts, document discount, VAT per rate group, balances.

Pure computation (docs/receivables.md, "Totals and VAT"): integers in minor units of the document
currency, rates in basis points as exact ``Decimal`` (custom rates may have fractional basis
points), every rounding half away from zero through ``remit.core.money``. Nothing here depends on
the currency: its exponent only changes what a minor unit is worth. The functions are called on
create, on every draft update, on clone and before issue; credit notes derive their amounts from
the invoice's stored per-line values in ``credit_notes_totals``.

Invalid input the client can correct (a discount larger than what it discounts, a deduction larger
than the document) raises ``TotalsError`` with the field location, which the API reports as a 422.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from typing import Any, Literal

from remit.core.money import MAX_AMOUNT, percent_of, round_half_up

VatMode = Literal["exclusive", "inclusive"]
DiscountType = Literal["amount", "percentage"]
Path = tuple[str | int, ...]

HUNDRED_PERCENT = 10000  # basis points
# Enough digits that price × quantity is exact for every quantity and price the schemas accept
# (the default 28 would round a 10-digit quantity with decimals times a 16-digit price).
_PRECISION = 60


class TotalsError(ValueError):
    """A value the client sent makes the document's amounts impossible; ``path`` locates it
    (``("discount",)``, ``("line_items", 2, "discount")``) for the 422's ``loc``."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Discount:
    """A discount as the client gives it: ``amount`` in minor units, or ``percentage`` in basis points."""

    type: DiscountType
    amount: int


@dataclass(frozen=True)
class Rate:
    """A line's tax rate. ``key`` decides the VAT group: the catalogue or custom rate id, or
    ``(value, name)`` for a ``tax_rate_value`` line (see ``Rate.of_value``)."""

    key: Hashable
    id: str | None
    name: str | None
    value: Decimal
    components: tuple[tuple[str, Decimal], ...] | None = None
    is_custom: bool = False

    @classmethod
    def of_value(cls, value: int | Decimal, name: str | None) -> Rate:
        """The rate of a line given by ``tax_rate_value`` (and ``tax_rate_name``)."""
        return cls(key=("tax_rate_value", Decimal(value), name), id=None, name=name, value=Decimal(value),
                   is_custom=True)

    @property
    def wire_value(self) -> int:
        """The rate as the wire's integer ``value`` fields show it (1212.5 bp → 1213)."""
        return int(round_half_up(self.value))


@dataclass(frozen=True)
class Line:
    """An invoice or quote line: unit ``price`` in minor units (VAT-inclusive in inclusive mode)."""

    price: int
    quantity: Decimal
    discount: Discount | None
    rate: Rate | None  # None only on a VAT-exempt document


@dataclass(frozen=True)
class LineTotals:
    """What one line computes to.

    ``gross`` is ``round(price × quantity)`` and ``line_discount`` the money of the line discount.
    ``alloc`` is the document discount allocated to the line's net amount (exclusive mode, or an
    amount discount in exclusive discount mode on an inclusive document; else None); ``alloc_incl``
    the allocation of the VAT-inclusive amount (inclusive mode only). They are stored per line
    because credit notes take shares of them. ``base`` is what the line adds to its VAT group after
    the document discount: its taxable amount in exclusive mode, its VAT-inclusive amount in
    inclusive mode (the group derives its taxable amount from the sum).
    """

    rate: Rate  # the rate applied: 0 % on a VAT-exempt document
    gross: int
    line_discount: int
    total_before_vat: int
    total_after_vat: int
    price_after_vat: int
    alloc: int | None
    alloc_incl: int | None
    base: int


@dataclass(frozen=True)
class ComponentAmount:
    name: str
    value: Decimal
    amount: int


@dataclass(frozen=True)
class VatGroup:
    """One entry of ``total_vat_amounts``; ``value`` is the rate rounded for the wire."""

    key: Hashable
    id: str | None
    name: str | None
    value: int
    taxable_amount: int
    amount: int
    components: tuple[ComponentAmount, ...] | None


@dataclass(frozen=True)
class Amounts:
    """The document-level amounts a credit note's full-remainder computation subtracts; what the
    database keeps of an invoice and of each issued credit note."""

    subtotal: int
    discount_value: int | None
    deduction_amount: int
    total_amount: int
    total_vat_amounts: tuple[VatGroup, ...]


@dataclass(frozen=True)
class Totals:
    """Everything a document's amounts are. ``discount`` is the document discount as applied (for a
    credit note, the amount of its discount shares); ``discount_value`` is None exactly when it is."""

    lines: tuple[LineTotals, ...]
    subtotal: int
    discount: Discount | None
    discount_value: int | None
    discounted_subtotal: int
    total_vat_amounts: tuple[VatGroup, ...]
    total_vat_amount: int
    subtotal_after_vat: int
    deduction_amount: int
    total_amount: int
    total_withholding_tax: int | None

    @property
    def amounts(self) -> Amounts:
        return Amounts(self.subtotal, self.discount_value, self.deduction_amount, self.total_amount,
                       self.total_vat_amounts)


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split ``amount`` in proportion to ``weights`` so that the parts sum to exactly ``amount``:
    floor every share, then one more unit to the largest fractional parts, ties to the earlier
    weight (largest-remainder method). All zero when the weights sum to zero."""
    total = sum(weights)
    if total == 0:
        return [0] * len(weights)
    shares = [divmod(amount * weight, total) for weight in weights]
    parts = [floor for floor, _ in shares]
    left = amount - sum(parts)
    for index in sorted(range(len(weights)), key=lambda i: (-shares[i][1], i))[:left]:
        parts[index] += 1
    return parts


def scale(amount: int, numerator: Decimal | int, denominator: Decimal | int = 1) -> int:
    """``round(amount × numerator / denominator)`` with a single division, last, so that an exact
    half is seen as one: ``price × quantity``, and the share of a stored amount a quantity carries."""
    with localcontext() as context:
        context.prec = _PRECISION
        return int(round_half_up(Decimal(amount) * numerator / denominator))


def net_of(inclusive: int, rate: Decimal) -> int:
    """The amount before VAT of a VAT-inclusive amount: ``round(inclusive × 10000 / (10000 + rate))``."""
    return scale(inclusive, HUNDRED_PERCENT, HUNDRED_PERCENT + rate)


def with_vat(amount: int, rate: Decimal) -> int:
    """``round(amount × (10000 + rate) / 10000)``: an amount before VAT grossed up."""
    return percent_of(amount, HUNDRED_PERCENT + rate)


def vat_groups(entries: Iterable[tuple[Rate, int]], vat_mode: VatMode) -> tuple[VatGroup, ...]:
    """Group ``(rate, base)`` pairs by rate key, in order of first appearance (0 % groups too).

    VAT is computed once per group on the group's total, not summed from rounded line amounts, as
    EU invoicing expects a total per rate. Exclusive bases are taxable amounts; inclusive bases
    carry their VAT, which is what is left after the taxable amount is derived from their sum. A
    rate with components splits the group's VAT by component, the last absorbing the rounding."""
    rates: dict[Hashable, Rate] = {}
    sums: dict[Hashable, int] = {}
    for rate, base in entries:
        rates.setdefault(rate.key, rate)
        sums[rate.key] = sums.get(rate.key, 0) + base
    groups = []
    for key, base in sums.items():
        rate = rates[key]
        if vat_mode == "exclusive":
            taxable, vat = base, percent_of(base, rate.value)
        else:
            taxable = net_of(base, rate.value)
            vat = base - taxable
        groups.append(VatGroup(key, rate.id, rate.name, rate.wire_value, taxable, vat,
                               _components(rate, taxable, vat)))
    return tuple(groups)


def _components(rate: Rate, taxable: int, vat: int) -> tuple[ComponentAmount, ...] | None:
    if rate.components is None:
        return None
    amounts = [percent_of(taxable, value) for _, value in rate.components[:-1]]
    if rate.components:
        amounts.append(vat - sum(amounts))
    return tuple(ComponentAmount(name, value, amount)
                 for (name, value), amount in zip(rate.components, amounts, strict=True))


def _exempt(rate: Rate | None) -> Rate:
    """A VAT-exempt document's lines show 0 % with the catalogue id of their rate (or none)."""
    rate_id = rate.id if rate is not None and not rate.is_custom else None
    return Rate(key=("vat_exempt", rate_id), id=rate_id, name=None, value=Decimal(0))


@dataclass(frozen=True)
class _Priced:
    """A line before the document discount: ``amount`` is net in exclusive mode, VAT-inclusive in
    inclusive mode."""

    line: Line
    rate: Rate
    gross: int
    line_discount: int

    @property
    def amount(self) -> int:
        return self.gross - self.line_discount


def _price(line: Line, index: int, vat_exempt: bool) -> _Priced:
    if line.quantity < 0:
        raise TotalsError(("line_items", index, "quantity"), "The quantity must not be negative")
    if line.rate is None and not vat_exempt:
        raise TotalsError(("line_items", index, "vat_rate_id"), "The line needs a tax rate")
    rate = _exempt(line.rate) if vat_exempt or line.rate is None else line.rate
    gross = scale(line.price, line.quantity)
    if gross > MAX_AMOUNT:
        raise TotalsError(("line_items", index, "quantity"), "The line's amount is too large")
    return _Priced(line, rate, gross, _line_discount(line, gross, ("line_items", index, "discount")))


def _line_discount(line: Line, gross: int, path: Path) -> int:
    discount = line.discount
    if discount is None:
        return 0
    if discount.amount < 0:
        raise TotalsError(path, "The discount must not be negative")
    if discount.type == "percentage":
        if discount.amount > HUNDRED_PERCENT:
            raise TotalsError(path, "A percentage discount must not exceed 10000 (100 %)")
        return percent_of(gross, discount.amount)
    with localcontext() as context:
        context.prec = _PRECISION
        too_large = discount.amount > Decimal(line.price) * line.quantity
    if too_large:
        raise TotalsError(path, "The discount must not exceed the line's quantity × price")
    return discount.amount


def _document_discount(discount: Discount, base: int, name: str) -> int:
    """The money of the document discount on ``base`` (what it may not exceed, called ``name``)."""
    if discount.amount < 0:
        raise TotalsError(("discount",), "The discount must not be negative")
    if discount.type == "percentage":
        if discount.amount > HUNDRED_PERCENT:
            raise TotalsError(("discount",), "A percentage discount must not exceed 10000 (100 %)")
        return percent_of(base, discount.amount)
    if discount.amount > base:
        raise TotalsError(("discount",), f"The discount must not exceed the {name} ({base})")
    return discount.amount


def compute(
    lines: Sequence[Line],
    *,
    vat_mode: VatMode = "exclusive",
    discount: Discount | None = None,
    deduction_amount: int = 0,
    vat_inclusive_discount_mode: VatMode = "exclusive",
    withholding_tax_rate: int | Decimal | None = None,
    vat_exempt: bool = False,
) -> Totals:
    """The amounts of an invoice or quote (docs/receivables.md, "Totals and VAT")."""
    priced = [_price(line, index, vat_exempt) for index, line in enumerate(lines)]
    if vat_mode == "exclusive":
        line_totals, subtotal = _exclusive(priced, discount)
    else:
        line_totals, subtotal = _inclusive(priced, discount, vat_inclusive_discount_mode)
    groups = vat_groups(((line.rate, line.base) for line in line_totals), vat_mode)
    discounted_subtotal = sum(group.taxable_amount for group in groups)
    total_vat_amount = sum(group.amount for group in groups)
    subtotal_after_vat = sum(line.total_after_vat for line in line_totals)
    if max(subtotal, subtotal_after_vat, discounted_subtotal + total_vat_amount) > MAX_AMOUNT:
        raise TotalsError(("line_items",), "The document's amounts are too large")
    if not 0 <= deduction_amount <= discounted_subtotal + total_vat_amount:
        raise TotalsError(("deduction_amount",), "The deduction must be between 0 and the discounted subtotal "
                                                 f"plus VAT ({discounted_subtotal + total_vat_amount})")
    total_amount = discounted_subtotal + total_vat_amount - deduction_amount
    return Totals(
        lines=tuple(line_totals), subtotal=subtotal, discount=discount,
        discount_value=None if discount is None else subtotal - discounted_subtotal,
        discounted_subtotal=discounted_subtotal, total_vat_amounts=groups, total_vat_amount=total_vat_amount,
        subtotal_after_vat=subtotal_after_vat, deduction_amount=deduction_amount, total_amount=total_amount,
        total_withholding_tax=withholding(total_amount, discounted_subtotal, withholding_tax_rate),
    )


def _exclusive(priced: list[_Priced], discount: Discount | None) -> tuple[list[LineTotals], int]:
    """Prices before VAT: the document discount is allocated over the lines' net amounts so that
    each rate group is taxed on what is really charged, and credit notes can return a share of it."""
    nets = [p.amount for p in priced]
    subtotal = sum(nets)
    value = _document_discount(discount, subtotal, "subtotal") if discount else 0
    line_totals = [
        LineTotals(rate=p.rate, gross=p.gross, line_discount=p.line_discount, total_before_vat=p.amount,
                   total_after_vat=p.amount + percent_of(p.amount, p.rate.value),
                   price_after_vat=with_vat(p.line.price, p.rate.value), alloc=alloc, alloc_incl=None,
                   base=p.amount - alloc)
        for p, alloc in zip(priced, allocate(value, nets), strict=True)
    ]
    return line_totals, subtotal


def _inclusive(priced: list[_Priced], discount: Discount | None,
               discount_mode: VatMode) -> tuple[list[LineTotals], int]:
    """Prices include VAT: the gross the customer sees on the price list stays as it is, and VAT is
    derived from it per rate group. ``subtotal`` is derived per group like the discounted amounts,
    so that without a discount ``discount.value`` cannot come out at a unit below zero."""
    incls = [p.amount for p in priced]
    nets = [net_of(p.amount, p.rate.value) for p in priced]
    subtotal = sum(group.taxable_amount for group in vat_groups(((p.rate, p.amount) for p in priced), "inclusive"))
    allocs: list[int] | list[None] = [None] * len(priced)
    if discount is None:
        alloc_incls = [0] * len(priced)
    elif discount.type == "percentage" or discount_mode == "inclusive":
        alloc_incls = allocate(_document_discount(discount, sum(incls), "subtotal after VAT"), incls)
    else:
        allocs = allocate(_document_discount(discount, subtotal, "subtotal"), nets)
        # A net allocation grossed up can pass the line's own inclusive amount by a unit (or more
        # when the allocation exceeds a rounded net): a line is never discounted below zero.
        alloc_incls = [min(with_vat(alloc, p.rate.value), p.amount) for alloc, p in zip(allocs, priced, strict=True)]
    line_totals = [
        LineTotals(rate=p.rate, gross=p.gross, line_discount=p.line_discount, total_before_vat=net,
                   total_after_vat=p.amount, price_after_vat=p.line.price, alloc=alloc, alloc_incl=alloc_incl,
                   base=p.amount - alloc_incl)
        for p, net, alloc, alloc_incl in zip(priced, nets, allocs, alloc_incls, strict=True)
    ]
    return line_totals, subtotal


def withholding(total_amount: int, discounted_subtotal: int, rate: int | Decimal | None) -> int | None:
    """``total_withholding_tax``: the total less the tax withheld on the discounted subtotal.
    Informational only (docs/receivables.md, "Withholding tax"): it never changes ``amount_due``."""
    if rate is None:
        return None
    return total_amount - percent_of(discounted_subtotal, rate)


def balances(total_amount: int, credited: int, amount_paid: int, status: str) -> tuple[int, int]:
    """``(total_amount_with_credit_notes, amount_due)`` of an invoice (docs/receivables.md, "Balances").

    ``credited`` is the sum of its issued credit notes' totals. A canceled (without credit note) or
    rejected invoice owes nothing while its totals stay; an uncollectible one is written off but
    still shows what is unpaid."""
    total_with_credit_notes = total_amount - credited
    if status in ("canceled", "rejected"):
        return total_with_credit_notes, 0
    return total_with_credit_notes, max(total_with_credit_notes - amount_paid, 0)


def amount_to_pay(amount_due: int, payment_terms: Mapping[str, Any] | None, today: date) -> int:
    """``amount_due`` less the early-payment discount valid ``today``: the discount of the first of
    ``term_1``, ``term_2`` whose ``end_date`` (date or ISO string, set on issue) is not past.
    Before issue there is none (docs/receivables.md, "Early-payment discount")."""
    for tier in ("term_1", "term_2"):
        term = (payment_terms or {}).get(tier)
        if not term or term.get("end_date") is None:
            continue
        end = term["end_date"]
        if (end if isinstance(end, date) else date.fromisoformat(end)) >= today:
            return amount_due - percent_of(amount_due, term["discount"])
    return amount_due
