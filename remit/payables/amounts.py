"""Derived payable values: pure functions of the payable, its line items and today.

The rules: docs/payables.md, "Amounts", "Due date and suggested payment term"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from remit.core.money import percent_of, round_half_up
from remit.payables.credit_notes.models import COUNTED


def balances(
    *, total_amount: int | None, amount_paid: int | None, status: str, payment_terms: dict[str, Any] | None,
    issued_at: date | None, today: date, credit_notes: int = 0,
) -> tuple[int | None, int | None, int | None]:
    """``(total_amount_with_credit_notes, amount_due, amount_to_pay)`` in one place; ``credit_notes`` is ``CN``."""
    if total_amount is None:
        return None, None, None
    total = max(total_amount - credit_notes, 0)
    if status == "paid":
        return total, 0, 0
    due = max(total - (amount_paid or 0), 0)
    if due == 0:
        return total, 0, 0
    discount = discount_on(payment_terms, issued_at, today)
    return total, due, (due - percent_of(due, discount)) if discount else due


def credit_note_sum(credit_notes: Iterable[Mapping[str, Any]]) -> int:
    """``CN``: the total of the linked credit notes that count (``approved`` or ``applied``)."""
    return sum(note["total_amount"] or 0 for note in credit_notes if note["status"] in COUNTED)


def discount_on(terms: dict[str, Any] | None, issued_at: date | None, day: date) -> int:
    """The early-payment discount (basis points) of the tier valid on ``day``."""
    if not terms or issued_at is None:
        return 0
    for tier in ("term_1", "term_2"):
        term = terms.get(tier)
        if term and day <= issued_at + timedelta(days=term["number_of_days"]):
            return term["discount"]
    return 0


def line_item_amounts(unit_price: int | None, quantity: Decimal | None, tax: int | None) -> tuple[int | None, ...]:
    """(subtotal, tax_amount, total) of one line item; all None without price or quantity."""
    if unit_price is None or quantity is None:
        return None, None, None
    subtotal = int(round_half_up(Decimal(unit_price) * Decimal(str(quantity))))
    tax_amount = percent_of(subtotal, tax or 0)
    return subtotal, tax_amount, subtotal + tax_amount


class LineTotals(TypedDict):
    subtotal: int
    tax_amount: int
    total_amount: int
    tax: int | None  # the common rate, None when the line items differ


def totals_from_lines(lines: list[Any], discount: int | None) -> LineTotals:
    """Payable amounts from its line items (docs/payables.md, "Amounts")."""
    subtotal = sum(li.subtotal or 0 for li in lines)
    tax_amount = sum(li.tax_amount or 0 for li in lines)
    rates = {li.tax for li in lines}
    return {
        "subtotal": subtotal,
        "tax_amount": tax_amount,
        "total_amount": max(subtotal + tax_amount - (discount or 0), 0),
        "tax": rates.pop() if len(rates) == 1 else None,
    }


def derived_due_date(terms: dict[str, Any] | None, issued_at: date | None) -> date | None:
    if not terms or issued_at is None:
        return None
    return issued_at + timedelta(days=terms["term_final"]["number_of_days"])


def suggested_term(
    terms: dict[str, Any] | None, issued_at: date | None, due_date: date | None, priority: str | None, today: date
) -> dict[str, Any] | None:
    """The payment date to suggest and the discount then available
    (docs/payables.md, "Due date and suggested payment term")."""
    if not terms or issued_at is None:
        return {"date": due_date.isoformat(), "discount": 0} if due_date else None
    tiers = [(terms[t]["number_of_days"], terms[t]["discount"]) for t in ("term_1", "term_2") if terms.get(t)]
    final = (terms["term_final"]["number_of_days"], 0)
    if priority == "bottom_line" and tiers:
        order = [tiers[0], *tiers[1:], final]
    elif priority == "balanced" and tiers:
        order = [tiers[-1], final] if len(tiers) > 1 else [tiers[0], final]
    else:
        order = [final]
    for days, discount in order:
        day = issued_at + timedelta(days=days)
        if day >= today:
            return {"date": day.isoformat(), "discount": discount}
    days, discount = order[-1]
    return {"date": (issued_at + timedelta(days=days)).isoformat(), "discount": discount}
