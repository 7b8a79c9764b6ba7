"""An invoice's balances, derived at read time from its stored totals, payments and credit notes
(docs/receivables.md, "Balances")."""

from __future__ import annotations

from datetime import date
from typing import Any

from remit.receivables import totals


def balances(invoice: Any) -> tuple[int, int]:
    """``(total_amount_with_credit_notes, amount_due)``."""
    return totals.balances(invoice.total_amount, invoice.credited or 0, invoice.amount_paid or 0, invoice.status)


def amount_to_pay(invoice: Any, today: date) -> int:
    return totals.amount_to_pay(balances(invoice)[1], invoice.payment_terms, today)
