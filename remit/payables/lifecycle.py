"""The payable lifecycle as one table (docs/payables.md, "Lifecycle").

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


# Guards read ``params``: the request's values and the payable's ``total`` (its
# ``total_amount_with_credit_notes``, what the entity owes before payments), given by the service.


def has_total(payable: Any, ctx: RequestContext, params: Mapping[str, Any]) -> None:
    if params["total"] is None:
        raise NoTotalAmount()


PARTIAL_OUT_OF_BOUNDS = (
    "amount_paid must be greater than 0 and less than the total amount; use mark_as_paid for full payment"
)


def partial_amount_in_bounds(payable: Any, ctx: RequestContext, params: Mapping[str, Any]) -> None:
    """0 < amount_paid < total_amount_with_credit_notes, else a 400 (docs/payables.md, "Errors")."""
    total = params["total"]
    amount = params["amount_paid"]
    if amount <= 0 or (total is not None and amount >= total):
        raise AmountOutOfBounds(PARTIAL_OUT_OF_BOUNDS)


# The rows; hooks of other domains name the one they follow (``core.hooks``).
PROMOTE = transition("promote", [S.draft], S.new, "updated", manual=False)
DEMOTE = transition("demote", [S.new], S.draft, "updated", manual=False)
SKIP_APPROVAL = transition("skip_approval", [S.new], S.waiting_to_be_paid, "approved", manual=False)
CANCEL = transition("cancel", [S.draft, S.new], S.canceled, "canceled", permission="cancel")
SUBMIT_FOR_APPROVAL = transition("submit_for_approval", [S.new], S.approve_in_progress, "submitted_for_approval",
                                 permission="submit")
APPROVE_PAYMENT_OPERATION = transition("approve_payment_operation", [S.new, S.approve_in_progress],
                                       S.waiting_to_be_paid, "approved", permission="approve")
REJECT = transition("reject", [S.approve_in_progress], S.rejected, "rejected", permission="approve")
APPROVE_BY_POLICY = transition("approve_by_policy", [S.approve_in_progress], S.waiting_to_be_paid, "approved",
                               manual=False)
REJECT_BY_POLICY = transition("reject_by_policy", [S.approve_in_progress], S.rejected, "rejected", manual=False)
REOPEN = transition("reopen", [S.rejected, S.waiting_to_be_paid], S.new, "reopened", permission="reopen")
MARK_AS_PARTIALLY_PAID = transition("mark_as_partially_paid", [S.waiting_to_be_paid, S.partially_paid],
                                    S.partially_paid, "partially_paid", permission="pay",
                                    guards=[has_total, partial_amount_in_bounds])
MARK_AS_PAID = transition("mark_as_paid", [S.waiting_to_be_paid, S.partially_paid], S.paid, "paid", permission="pay")

TABLE = TransitionTable(
    object_type="payable",
    states=tuple(S),
    conflict=InvalidPayableTransition,
    rows=(PROMOTE, DEMOTE, SKIP_APPROVAL, CANCEL, SUBMIT_FOR_APPROVAL, APPROVE_PAYMENT_OPERATION, REJECT,
          APPROVE_BY_POLICY, REJECT_BY_POLICY, REOPEN, MARK_AS_PARTIALLY_PAID, MARK_AS_PAID),
)


def mermaid() -> str:
    """The state diagram of the table, in Mermaid syntax, for docs/payables.md."""
    return TABLE.mermaid(initial=[(S.draft, "create"), (S.new, "create (rules pass)")], final=[S.paid, S.canceled])


if __name__ == "__main__":
    print(mermaid())
