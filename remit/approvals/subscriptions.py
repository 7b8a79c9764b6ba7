"""Approvals listen to what payables announce (dependencies run one way: payables know nothing
of approvals)."""

from __future__ import annotations

from remit.approvals.processes import engine
from remit.core.events import subscribe


def register() -> None:
    subscribe("payable.submit_for_approval", engine.on_submitted)
    subscribe("payable.approve_payment_operation", engine.on_manual_decision)
    subscribe("payable.reject", engine.on_manual_decision)
