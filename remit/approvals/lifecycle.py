"""Transition tables of approval requests and processes
(docs/approvals.md, "Processes and steps", "Approval requests")."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from remit.core.errors import Conflict
from remit.core.lifecycle import Transition, TransitionTable, transition


class ApprovalRequestStatus(StrEnum):
    waiting = "waiting"
    approved = "approved"
    rejected = "rejected"
    canceled = "canceled"


class ProcessStatus(StrEnum):
    running = "running"
    waiting = "waiting"
    succeeded = "succeeded"
    failed = "failed"
    canceled = "canceled"
    timed_out = "timed_out"


class StepStatus(StrEnum):
    not_started = "not_started"
    waiting = "waiting"
    approved = "approved"
    rejected = "rejected"
    canceled = "canceled"
    skipped = "skipped"
    failed = "failed"


class RequestNotWaiting(Conflict):
    def __init__(self, action: str | None = None, status: str | None = None):
        super().__init__("Approval request is not in status waiting")


class ProcessNotActive(Conflict):
    def __init__(self, action: str | None = None, status: str | None = None, *, process_id: object = None):
        super().__init__(
            f"Action is not allowed for approval policy process with id {process_id} because it is not in "
            "one of the following statuses: running, waiting"
        )


R = ApprovalRequestStatus
REQUESTS = TransitionTable(
    object_type="approval_request",
    states=tuple(R),
    conflict=RequestNotWaiting,
    rows=(
        transition("approve", [R.waiting], R.approved, "approved"),
        transition("reject", [R.waiting], R.rejected, "rejected"),
        transition("cancel", [R.waiting], R.canceled, "canceled"),
    ),
)

P = ProcessStatus
# A process is inserted as running and leaves it within the same transaction.
WAIT = transition("wait", [P.running], P.waiting, None, manual=False)
SUCCEED = transition("succeed", [P.running, P.waiting], P.succeeded, None, manual=False)
FAIL = transition("fail", [P.running, P.waiting], P.failed, "execution_error", manual=False)
CANCEL_PROCESS = transition("cancel", [P.running, P.waiting], P.canceled, "process_canceled")
PROCESSES = TransitionTable(
    object_type="approval_policy",
    states=tuple(P),
    conflict=ProcessNotActive,
    rows=(WAIT, SUCCEED, FAIL, CANCEL_PROCESS),
)


def process_events(process: Any, row: Transition[Any]) -> list[tuple[str, Any, str]]:
    """A failed process reports on itself; a canceled one on its policy; the others report nothing."""
    if row is FAIL:
        return [("approval_policy_process", process.id, "execution_error")]
    if row is CANCEL_PROCESS:
        return [("approval_policy", process.policy_id, "process_canceled")]
    return []

ACTIVE_PROCESS = frozenset({P.running, P.waiting})
