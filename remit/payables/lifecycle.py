"""The payable lifecycle as one table (spec 10 §6.2, seed 003).

Every status change goes through ``remit.core.lifecycle.apply`` with a row from here; the docs
page renders its state diagram from this table (``python -m remit.payables.lifecycle``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from remit.core.context import RequestContext
from remit.core.lifecycle import TransitionTable, transition
from remit.payables.errors import AmountOutOfBounds, InvalidPayableTransition, NoTotalAmount


class PayableStateEnum(StrEnum):
    draft = "draft"
    new = "new"
    approve_in_progress = "approve_in_progress"
    waiting_to_be_paid = "waiting_to_be_paid"
    partially_paid = "partially_paid"
    paid = "paid"
    canceled = "canceled"
    rejected = "rejected"


S = PayableStateEnum
EDITABLE = frozenset({S.draft, S.new})
DELETABLE = frozenset({S.draft, S.new, S.canceled})


def payable_total(payable: Any) -> int | None:
    """``total_amount_with_credit_notes``: what the entity owes before payments (spec 10 §4.1)."""
    from remit.payables.amounts import total_with_credit_notes

    return total_with_credit_notes(payable)


def has_total(payable: Any, ctx: RequestContext, params: Mapping[str, Any]) -> None:
    if payable_total(payable) is None:
        raise NoTotalAmount()


PARTIAL_OUT_OF_BOUNDS = (
    "amount_paid must be greater than 0 and less than the total amount; use mark_as_paid for full payment"
)


def partial_amount_in_bounds(payable: Any, ctx: RequestContext, params: Mapping[str, Any]) -> None:
    """0 < amount_paid < total_amount_with_credit_notes, with spec 10 §15's message."""
    total = payable_total(payable)
    amount = params["amount_paid"]
    if amount <= 0 or (total is not None and amount >= total):
        raise AmountOutOfBounds(PARTIAL_OUT_OF_BOUNDS)


TABLE = TransitionTable(
    object_type="payable",
    states=tuple(S),
    conflict=InvalidPayableTransition,
    rows=(
        transition("promote", [S.draft], S.new, "updated", manual=False),
        transition("demote", [S.new], S.draft, "updated", manual=False),
        transition("skip_approval", [S.new], S.waiting_to_be_paid, "approved", manual=False),
        transition("cancel", [S.draft, S.new], S.canceled, "canceled", permission="cancel"),
        transition("submit_for_approval", [S.new], S.approve_in_progress, "submitted_for_approval",
                   permission="submit"),
        transition("approve_payment_operation", [S.new, S.approve_in_progress], S.waiting_to_be_paid, "approved",
                   permission="approve"),
        transition("reject", [S.approve_in_progress], S.rejected, "rejected", permission="approve"),
        transition("approve_by_policy", [S.approve_in_progress], S.waiting_to_be_paid, "approved", manual=False),
        transition("reject_by_policy", [S.approve_in_progress], S.rejected, "rejected", manual=False),
        transition("reopen", [S.rejected, S.waiting_to_be_paid], S.new, "reopened", permission="reopen"),
        transition("mark_as_partially_paid", [S.waiting_to_be_paid, S.partially_paid], S.partially_paid,
                   "partially_paid", permission="pay", guards=[has_total, partial_amount_in_bounds]),
        transition("mark_as_paid", [S.waiting_to_be_paid, S.partially_paid], S.paid, "paid", permission="pay"),
    ),
)


def mermaid() -> str:
    """The state diagram of the table, in Mermaid syntax, for docs/payables.md."""
    lines = ["stateDiagram-v2", "    [*] --> draft: create", "    [*] --> new: create (rules pass)"]
    for row in TABLE.rows:
        for source in sorted(row.sources):
            label = row.action if row.manual else f"{row.action} (auto)"
            lines.append(f"    {source} --> {row.target}: {label}")
    for terminal in (S.paid, S.canceled):
        lines.append(f"    {terminal} --> [*]")
    return "\n".join(lines)


if __name__ == "__main__":
    print(mermaid())
