"""The lifecycles of invoices, quotes and credit notes: one transition table per document type.

Every status change goes through ``core.lifecycle.Lifecycle.apply`` with a row from here (the
tables are bound to the model in ``service/common.py``); ``docs/receivables.md`` shows the state
diagrams rendered from them (``python -m remit.receivables.lifecycle``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from remit.core.context import RequestContext
from remit.core.lifecycle import TransitionTable, transition
from remit.receivables.errors import InvoiceHasPayments, ReceivableTransitionConflict
from remit.receivables.schemas.common import ReceivablesStatusEnum, ReceivableType

__all__ = ["ReceivableType", "ReceivablesStatusEnum"]


S = ReceivablesStatusEnum

INVOICE_STATES = (S.draft, S.issuing, S.issued, S.failed, S.recurring, S.partially_paid, S.paid, S.overdue,
                  S.uncollectible, S.canceled, S.deleted, S.rejected)
QUOTE_STATES = (S.draft, S.issued, S.accepted, S.declined, S.expired, S.deleted)
CREDIT_NOTE_STATES = (S.draft, S.issuing, S.issued, S.failed, S.deleted)
# An issued invoice that still expects money.
OPEN_INVOICE = frozenset({S.issued, S.partially_paid, S.overdue})


def nothing_paid(invoice: Any, ctx: RequestContext, params: Mapping[str, Any]) -> None:
    """Canceling an invoice with payments would leave money without a document."""
    if invoice.amount_paid:
        raise InvoiceHasPayments()


# -- invoices ---------------------------------------------------------------------------------

ISSUE_INVOICE = transition("issue", [S.draft], S.issued, "issued", permission="update")
DELETE_INVOICE = transition("delete", [S.draft], S.deleted, "deleted", permission="delete")
REJECT_INVOICE = transition("reject", [S.draft], S.rejected, "rejected", permission="update")
MARK_AS_PARTIALLY_PAID = transition("mark_as_partially_paid", [S.issued, S.partially_paid], S.partially_paid,
                                    "partially_paid", permission="update")
# A partial payment on an overdue invoice keeps it overdue.
MARK_OVERDUE_AS_PARTIALLY_PAID = transition("mark_as_partially_paid", [S.overdue], S.overdue, "partially_paid",
                                            permission="update")
MARK_AS_PAID = transition("mark_as_paid", [S.issued, S.partially_paid, S.overdue], S.paid, "paid",
                          permission="update")
MARK_AS_UNCOLLECTIBLE = transition("mark_as_uncollectible", [S.overdue], S.uncollectible, "uncollectible",
                                   permission="update")
CANCEL = transition("cancel", [S.issued, S.overdue], S.canceled, "canceled", permission="update",
                    guards=[nothing_paid])
MARK_OVERDUE = transition("mark_overdue", [S.issued, S.partially_paid], S.overdue, "overdue", manual=False)
# An issued credit note that covers what is still due closes the invoice.
CANCEL_BY_CREDIT_NOTE = transition("cancel_by_credit_note", [S.issued, S.overdue], S.canceled, "canceled",
                                   manual=False)
PAY_BY_CREDIT_NOTE = transition("pay_by_credit_note", [S.partially_paid, S.overdue], S.paid, "paid", manual=False)

INVOICES = TransitionTable(
    object_type="receivable",
    states=INVOICE_STATES,
    conflict=ReceivableTransitionConflict,
    rows=(ISSUE_INVOICE, DELETE_INVOICE, REJECT_INVOICE, MARK_AS_PARTIALLY_PAID, MARK_OVERDUE_AS_PARTIALLY_PAID,
          MARK_AS_PAID, MARK_AS_UNCOLLECTIBLE, CANCEL, MARK_OVERDUE, CANCEL_BY_CREDIT_NOTE, PAY_BY_CREDIT_NOTE),
)

# -- quotes -----------------------------------------------------------------------------------

ISSUE_QUOTE = transition("issue", [S.draft], S.issued, "issued", permission="update")
DELETE_QUOTE = transition("delete", [S.draft], S.deleted, "deleted", permission="delete")
ACCEPT = transition("accept", [S.issued], S.accepted, "accepted", permission="update")
DECLINE = transition("decline", [S.issued], S.declined, "declined", permission="update")
EXPIRE = transition("expire", [S.issued], S.expired, "expired", manual=False)

QUOTES = TransitionTable(
    object_type="receivable",
    states=QUOTE_STATES,
    conflict=ReceivableTransitionConflict,
    rows=(ISSUE_QUOTE, DELETE_QUOTE, ACCEPT, DECLINE, EXPIRE),
)

# -- credit notes -----------------------------------------------------------------------------

ISSUE_CREDIT_NOTE = transition("issue", [S.draft], S.issued, "issued", permission="update")
DELETE_CREDIT_NOTE = transition("delete", [S.draft], S.deleted, "deleted", permission="delete")
# The automatic credit note of a cancel is created and issued by the system in one go.
ISSUE_AUTOMATIC_CREDIT_NOTE = transition("issue_automatic", [S.draft], S.issued, "issued", manual=False)

CREDIT_NOTES = TransitionTable(
    object_type="receivable",
    states=CREDIT_NOTE_STATES,
    conflict=ReceivableTransitionConflict,
    rows=(ISSUE_CREDIT_NOTE, DELETE_CREDIT_NOTE, ISSUE_AUTOMATIC_CREDIT_NOTE),
)

TABLES = {ReceivableType.invoice: INVOICES, ReceivableType.quote: QUOTES, ReceivableType.credit_note: CREDIT_NOTES}


def mermaid(kind: ReceivableType) -> str:
    """The state diagram of one document type, in Mermaid syntax, for docs/receivables.md."""
    final = {
        ReceivableType.invoice: [S.paid, S.uncollectible, S.canceled, S.rejected],
        ReceivableType.quote: [S.accepted, S.declined, S.expired],
        ReceivableType.credit_note: [S.issued],
    }[kind]
    return TABLES[kind].mermaid(initial=[(S.draft, "create")], final=final)


if __name__ == "__main__":
    for kind in ReceivableType:
        print(f"{kind.value}:\n{mermaid(kind)}\n")
