"""An invoice's balances, derived at read time from its stored totals, payments and credit notes
(docs/receivables.md, "Balances")."""

from __future__ import annotations

from datetime import date
from typing import Any

from remit.core.money import percent_of
from remit.receivables.lifecycle import S

# Statuses in which nothing is owed any more, whatever the totals say.
SETTLED = frozenset({S.paid, S.canceled, S.rejected})


def balances(invoice: Any) -> tuple[int, int]:
    """``(total_amount_with_credit_notes, amount_due)``; an uncollectible invoice still shows what
    was not paid (written off, not settled)."""
    total = max(invoice.total_amount - (invoice.credited or 0), 0)
    if invoice.status in SETTLED:
        return total, 0
    return total, max(total - (invoice.amount_paid or 0), 0)


def discount_today(terms: dict[str, Any] | None, today: date) -> int:
    """The early-payment discount (basis points) of the first tier still open today; before issue
    the tiers have no end date, so none applies."""
    for tier in ("term_1", "term_2"):
        term = (terms or {}).get(tier)
        if term and term.get("end_date") and date.fromisoformat(term["end_date"]) >= today:
            return int(term["discount"])
    return 0


def amount_to_pay(invoice: Any, today: date) -> int:
    _, due = balances(invoice)
    discount = discount_today(invoice.payment_terms, today)
    return due - percent_of(due, discount) if discount else due
