"""Approvals follow what payables do (dependencies run one way: payables know nothing of approvals)."""

from __future__ import annotations

from remit.approvals.processes import engine
from remit.core.hooks import Hooks
from remit.payables import lifecycle as payables


def register(hooks: Hooks) -> None:
    hooks.after(payables.SUBMIT_FOR_APPROVAL, engine.on_submitted)
    hooks.after(payables.APPROVE_PAYMENT_OPERATION, engine.on_manual_decision)
    hooks.after(payables.REJECT, engine.on_manual_decision)
