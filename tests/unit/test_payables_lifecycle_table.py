"""The payable transition table (``remit.payables.lifecycle.TABLE``) against the chart of
docs/payables.md, "Lifecycle", written out here by hand, and the engine's refusal paths without a database."""

from __future__ import annotations

import itertools
import uuid
from types import SimpleNamespace

import pytest

from remit.core import lifecycle
from remit.payables.errors import AmountOutOfBounds, InvalidPayableTransition, NoTotalAmount
from remit.payables.lifecycle import DELETABLE, EDITABLE, TABLE, PayableStateEnum, mermaid
from remit.payables.service.common import LIFECYCLE

STATES = ["draft", "new", "approve_in_progress", "waiting_to_be_paid", "partially_paid", "paid", "canceled",
          "rejected"]

# docs/payables.md, "Lifecycle": action → (sources, target, permission, webhook event). Manual rows first.
MANUAL_CHART = {
    "cancel": ({"draft", "new"}, "canceled", "cancel", "canceled"),
    "submit_for_approval": ({"new"}, "approve_in_progress", "submit", "submitted_for_approval"),
    "approve_payment_operation": ({"new", "approve_in_progress"}, "waiting_to_be_paid", "approve", "approved"),
    "reject": ({"approve_in_progress"}, "rejected", "approve", "rejected"),
    "reopen": ({"rejected", "waiting_to_be_paid"}, "new", "reopen", "reopened"),
    "mark_as_partially_paid": ({"waiting_to_be_paid", "partially_paid"}, "partially_paid", "pay", "partially_paid"),
    "mark_as_paid": ({"waiting_to_be_paid", "partially_paid"}, "paid", "pay", "paid"),
}
# Automatic moves (docs/payables.md, "draft → new", and the approval script rows): no endpoint, no permission.
AUTOMATIC_CHART = {
    "promote": ({"draft"}, "new", "updated"),
    "demote": ({"new"}, "draft", "updated"),
    "skip_approval": ({"new"}, "waiting_to_be_paid", "approved"),
    "approve_by_policy": ({"approve_in_progress"}, "waiting_to_be_paid", "approved"),
    "reject_by_policy": ({"approve_in_progress"}, "rejected", "rejected"),
}


def test_states_are_the_enum_in_monite_order():
    assert [s.value for s in PayableStateEnum] == STATES
    assert list(TABLE.states) == STATES
    assert TABLE.object_type == "payable"
    assert TABLE.conflict is InvalidPayableTransition


def test_actions_are_exactly_the_chart():
    assert set(TABLE.actions()) == set(MANUAL_CHART) | set(AUTOMATIC_CHART)


@pytest.mark.parametrize("action", sorted(MANUAL_CHART))
def test_manual_row(action):
    sources, target, permission, event = MANUAL_CHART[action]
    rows = [row for row in TABLE.rows if row.action == action]
    assert len(rows) == 1
    row = rows[0]
    assert row.manual is True
    assert set(row.sources) == sources
    assert row.target == target
    assert row.permission == permission
    assert row.event == event
    assert TABLE.permission(action) == permission
    assert TABLE.sources(action) == frozenset(sources)


@pytest.mark.parametrize("action", sorted(AUTOMATIC_CHART))
def test_automatic_row(action):
    sources, target, event = AUTOMATIC_CHART[action]
    (row,) = [row for row in TABLE.rows if row.action == action]
    assert row.manual is False
    assert row.permission is None
    assert (set(row.sources), row.target, row.event) == (sources, target, event)


@pytest.mark.parametrize(("state", "action"), list(itertools.product(STATES, sorted(MANUAL_CHART))))
def test_every_state_action_pair(state, action):
    """All 8 × 7 pairs: a row exactly where the chart has an arrow."""
    sources, target, _, _ = MANUAL_CHART[action]
    row = TABLE.find(action, state)
    if state in sources:
        assert row is not None and row.target == target
    else:
        assert row is None


def test_terminal_states_have_no_way_out():
    for state in ("paid", "canceled"):
        assert [row.action for row in TABLE.rows if state in row.sources] == []


def test_edit_and_delete_sets():
    assert {"draft", "new"} == EDITABLE
    assert {"draft", "new", "canceled"} == DELETABLE


def test_mermaid_lists_every_edge():
    diagram = mermaid()
    for action, (sources, target, *_rest) in {**MANUAL_CHART, **AUTOMATIC_CHART}.items():
        for source in sources:
            assert f"{source} --> {target}:" in diagram, (action, source)


def test_duplicate_rows_are_refused():
    row = lifecycle.transition("x", ["a"], "b", "e")
    with pytest.raises(ValueError, match="duplicate"):
        lifecycle.TransitionTable("t", ("a", "b"), (row, row), InvalidPayableTransition)


# -- the engine's refusals, before any SQL ---------------------------------------------------


class _Ctx:
    """A context that allows everything and records the checks it was asked for."""

    def __init__(self):
        self.checked: list[tuple[str, str]] = []

    def check(self, object_type, action, *, owner_id=None):
        self.checked.append((object_type, action))


class _NoSession:
    def execute(self, *args, **kwargs):  # pragma: no cover - reaching SQL would be the bug
        raise AssertionError("a refused transition must not write")


def _payable(status: str, total: int | None = 11900, paid: int = 0):
    return SimpleNamespace(id=uuid.uuid4(), entity_id=uuid.uuid4(), status=status, total_amount=total,
                           amount_paid=paid, was_created_by_user_id=None)


@pytest.mark.parametrize(("state", "action"), [
    (s, a) for s, a in itertools.product(STATES, sorted(MANUAL_CHART)) if s not in MANUAL_CHART[a][0]
])
def test_engine_refuses_missing_rows_with_the_conflict(state, action):
    ctx = _Ctx()
    with pytest.raises(InvalidPayableTransition) as info:
        LIFECYCLE.apply(_NoSession(), ctx, _payable(state), action, params={"amount_paid": 1, "total": 11900})
    assert info.value.status_code == 409
    assert info.value.body() == {"error": {"message": "Payable couldn't be updated due to current state"}}
    assert ctx.checked == [("payable", MANUAL_CHART[action][2])]  # "you may not" is asked before "not now"


@pytest.mark.parametrize("amount", [0, 11900, 20000])
def test_partial_payment_guard_bounds(amount):
    with pytest.raises(AmountOutOfBounds) as info:
        LIFECYCLE.apply(_NoSession(), _Ctx(), _payable("waiting_to_be_paid"), "mark_as_partially_paid",
                        params={"amount_paid": amount, "total": 11900})
    assert info.value.status_code == 400
    assert info.value.body() == {"error": {"message": "amount_paid must be greater than 0 and less than the total "
                                                      "amount; use mark_as_paid for full payment"}}


def test_partial_payment_guard_needs_a_total():
    with pytest.raises(NoTotalAmount) as info:
        LIFECYCLE.apply(_NoSession(), _Ctx(), _payable("waiting_to_be_paid", total=None),
                        "mark_as_partially_paid", params={"amount_paid": 1, "total": None})
    assert info.value.status_code == 409
    assert info.value.message == "Payable has no total amount"
