"""Rejecting a draft invoice (remit extension; docs/receivables.md, "Rejecting a draft invoice"):
the same locked load and lifecycle move as every other transition, with the
reason's snapshot, the time and the comment written in the move's UPDATE."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.receivables.errors import OnlyDraftInvoicesRejectable
from remit.receivables.lifecycle import ReceivableType, S
from remit.receivables.models import Receivable
from remit.receivables.rejection_reasons.models import ReceivableRejectionReason
from remit.receivables.rejection_reasons.service import ReasonRepository, snapshot
from remit.receivables.service.common import OBJECT, move
from remit.receivables.service.transitions import load_for_transition


def reject(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID,
           rejection_reason_id: uuid.UUID | None = None, rejection_reason_name: str | None = None,
           comment: str | None = None) -> Receivable:
    """``POST /receivables/{id}/reject``: the reason by id, by name, or the entity's default; an
    unknown one is a 422 at the body field that named it."""
    invoice = load_for_transition(session, ctx, receivable_id)
    ctx.check(OBJECT, "update", owner_id=invoice.entity_user_id)
    reasons = ReasonRepository(session, ctx)
    if rejection_reason_id is not None:
        reason = reasons.find(rejection_reason_id)
        if reason is None:
            raise FieldError(("body", "rejection_reason_id"), f"Rejection reason {rejection_reason_id} not found")
    elif rejection_reason_name is not None:
        reason = reasons.by_name(rejection_reason_name)
        if reason is None:
            raise FieldError(("body", "rejection_reason_name"),
                             f"No rejection reason is named '{rejection_reason_name}'")
    else:
        reason = reasons.default()
    reject_loaded(session, ctx, invoice, reason=reason, comment=comment)
    return invoice


def reject_loaded(session: Session, ctx: RequestContext, invoice: Receivable, *,
                  reason: ReceivableRejectionReason | None, comment: str | None) -> None:
    """Move a locked invoice from ``draft`` to ``rejected``: no number is drawn, the totals stay and
    the balances read 0 from now on (``totals.balances``)."""
    if invoice.type == ReceivableType.invoice and invoice.status != S.draft:
        ctx.check(OBJECT, "update", owner_id=invoice.entity_user_id)
        raise OnlyDraftInvoicesRejectable()
    values: dict[str, Any] = {"rejection_reason": snapshot(reason), "rejected_at": clock.now()}
    if comment is not None:
        values["comment"] = comment
    move(session, ctx, invoice, "reject", values=values)
