"""Run a script: gates, three-valued outcomes and deterministic resumption
(docs/approvals-script.md, "Outcomes (three-valued)", "Running the list", "Driving a process", "Steps").

``run`` is a pure function. Each call re-runs the whole statement list over the same snapshot, with
the outcome of every gate that has a request (``gate_results``) and the interpreter's own ``state``
from the previous call (condition values already computed, gates already opened or skipped, actions
already performed). It returns a ``Plan``: the requests to create or cancel, the steps to mark
skipped, the payable actions to perform, and whether the process has finished.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from . import evaluator, values
from .errors import EvaluationError
from .evaluator import Environment
from .nodes import (
    ActionNode,
    Conditional,
    Const,
    GateNode,
    Group,
    Script,
    Sequence,
    Statement,
    Trigger,
    gates_under,
)
from .parser import MAX_IDS

APPROVE_IN_PROGRESS = "approve_in_progress"
GateResult = Literal["pending", "true", "false", "skipped"]
_GATE_RESULTS = frozenset({"pending", "true", "false", "skipped"})
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_STATE_VERSION = 1

# outcomes of gates, groups and conditions
_PENDING, _TRUE, _FALSE, _SKIP = "pending", "true", "false", "skip"
# outcomes of statement lists
_DONE, _WAIT, _STOP = "done", "wait", "stop"
_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Gate:
    """One approval gate with its ``params`` evaluated: what its step and request show."""

    location: str
    kind: Literal["users", "roles"]
    user_ids: tuple[str, ...]
    role_ids: tuple[str, ...]
    required_approval_count: int


@dataclass(frozen=True)
class Action:
    kind: Literal["approve", "reject", "mark_as_paid"]
    comment: str | None
    location: str


@dataclass(frozen=True)
class Plan:
    open: list[str] = field(default_factory=list)
    cancel: list[str] = field(default_factory=list)
    skip: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    finished: bool = False
    decision: Literal["approve", "reject"] | None = None
    state: dict[str, Any] = field(default_factory=dict)


# -- gates, params evaluated once (docs/approvals-script.md, "Scripts", "Steps") --------------


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _evaluate_gate(node: GateNode, env: Environment) -> Gate:
    location = node.location
    key = "user_ids" if node.kind == "users" else "role_ids"

    def value_of(operand: Any, name: str) -> Any:
        try:
            return evaluator.operand(operand, env)
        except EvaluationError as exc:
            raise EvaluationError(f"params.{name}: {exc.message}", location) from None

    raw = [value_of(o, key) for o in node.ids] if isinstance(node.ids, tuple) else value_of(node.ids, key)
    if not isinstance(raw, list) or not all(isinstance(i, str) and _UUID.match(i) for i in raw):
        raise EvaluationError(f"params.{key}: must be a list of UUIDs, not {_shown(raw)}", location)
    if not 1 <= len(raw) <= MAX_IDS:
        raise EvaluationError(f"params.{key}: must contain between 1 and {MAX_IDS} ids", location)
    ids = tuple(i.lower() for i in raw)
    if len(set(ids)) != len(ids):
        raise EvaluationError(f"params.{key}: ids must be distinct", location)
    count = value_of(node.count, "required_approval_count")
    if isinstance(count, Decimal | float):
        exact = values.as_decimal(count)
        if exact is not None and exact == exact.to_integral_value():
            count = int(exact)
    if isinstance(count, bool) or not isinstance(count, int):
        raise EvaluationError(f"params.required_approval_count: must be an integer, not {_shown(count)}", location)
    if count < 1:
        raise EvaluationError("params.required_approval_count: must be at least 1", location)
    if node.kind == "users" and count > len(ids):
        raise EvaluationError(
            f"params.required_approval_count: must not be greater than the number of user_ids ({len(ids)})", location)
    if node.kind == "users":
        return Gate(location, "users", ids, (), count)
    return Gate(location, "roles", (), ids, count)


def gates(script: Script, env: Environment) -> list[Gate]:
    """Every approval gate in document order, depth-first, with ``params`` evaluated
    (docs/approvals-script.md, "Steps")."""
    return [_evaluate_gate(node, env) for node in script.gate_nodes]


# -- state ------------------------------------------------------------------------------------


@dataclass
class _State:
    initial_status: str
    status: str
    conditions: dict[str, bool]
    opened: list[str]
    skipped: list[str]
    actions: list[str]
    finished: bool
    fresh: bool

    @classmethod
    def load(cls, state: Mapping[str, Any] | None, payable_status: str) -> _State:
        if state is None or (isinstance(state, Mapping) and not state):
            return cls(payable_status, payable_status, {}, [], [], [], False, True)
        try:
            if not isinstance(state, Mapping) or state.get("version") != _STATE_VERSION:
                raise ValueError
            conditions = state["conditions"]
            lists = [state[k] for k in ("opened", "skipped", "actions")]
            if not (isinstance(state["initial_status"], str) and isinstance(state["status"], str)
                    and isinstance(state["finished"], bool) and isinstance(conditions, Mapping)
                    and all(isinstance(k, str) and isinstance(v, bool) for k, v in conditions.items())
                    and all(isinstance(lst, list) and all(isinstance(x, str) for x in lst) for lst in lists)):
                raise ValueError
        except (KeyError, ValueError, TypeError):
            raise EvaluationError("the stored interpreter state is not valid") from None
        opened, skipped, actions = (list(x) for x in lists)
        return cls(state["initial_status"], state["status"], dict(conditions), opened, skipped, actions,
                   state["finished"], False)

    def dump(self) -> dict[str, Any]:
        return {
            "version": _STATE_VERSION,
            "initial_status": self.initial_status,
            "status": self.status,
            "conditions": dict(self.conditions),
            "opened": list(self.opened),
            "skipped": list(self.skipped),
            "actions": list(self.actions),
            "finished": self.finished,
        }


# -- the run ----------------------------------------------------------------------------------

_TRANSITIONS: dict[str, dict[str, str]] = {
    "approve": {APPROVE_IN_PROGRESS: "waiting_to_be_paid", "waiting_to_be_paid": "waiting_to_be_paid"},
    "reject": {APPROVE_IN_PROGRESS: "rejected", "rejected": "rejected"},
    "mark_as_paid": {APPROVE_IN_PROGRESS: "paid", "waiting_to_be_paid": "paid", "partially_paid": "paid"},
}


class _Run:
    def __init__(self, env: Environment, results: Mapping[str, str], saved: _State) -> None:
        self.env = env
        self.results = results
        self.saved = saved
        self.status = saved.initial_status
        self.conditions = dict(saved.conditions)
        self.opened = set(saved.opened)
        self.performed = list(saved.actions)
        self.dead: set[str] = set()
        self.actions: list[Action] = []

    def result(self, location: str) -> str | None:
        result = self.results.get(location)
        if result is None and location in self.opened:
            return "pending"
        return result

    def kill(self, nodes: Any) -> None:
        """These parts will never run (or are no longer needed): their gates are dead."""
        self.dead.update(gates_under(tuple(nodes)))

    # nodes with an outcome
    def node(self, node: Any) -> tuple[str, frozenset[str]]:
        if isinstance(node, GateNode):
            return self.gate(node)
        if isinstance(node, Group):
            return self.group(node)
        return self.condition(node), _NONE

    def gate(self, node: GateNode) -> tuple[str, frozenset[str]]:
        result = self.result(node.location)
        if result == "true":
            return _TRUE, _NONE
        if result in ("false", "skipped"):
            return _FALSE, _NONE
        if result is None and self.status != APPROVE_IN_PROGRESS:
            self.dead.add(node.location)  # the payable was already decided: never started
            return _SKIP, _NONE
        return _PENDING, frozenset({node.location})

    def condition(self, node: Any) -> str:
        if isinstance(node, Const):
            return _TRUE if node.value else _FALSE
        if node.location not in self.conditions:
            self.conditions[node.location] = evaluator.condition(node, self.env)
        return _TRUE if self.conditions[node.location] else _FALSE

    def group(self, group: Group) -> tuple[str, frozenset[str]]:
        decisive = _FALSE if group.kind == "all" else _TRUE
        outcomes: list[str] = []
        live: set[str] = set()
        for i, child in enumerate(group.children):
            outcome, child_live = self.node(child)
            if outcome == decisive:
                self.kill(group.children[:i] + group.children[i + 1:])
                return outcome, _NONE
            if outcome == _PENDING:
                if not group.concurrent:
                    return _PENDING, child_live  # the next children have not started
                live |= child_live
            outcomes.append(outcome)
        if _PENDING in outcomes:
            return _PENDING, frozenset(live)
        if _SKIP in outcomes:
            return _SKIP, _NONE
        return (_TRUE if group.kind == "all" else _FALSE), _NONE

    # statements
    def sequence(self, statements: tuple[Statement, ...]) -> tuple[str, frozenset[str]]:
        for statement in statements:
            flow, live = self.statement(statement)
            if flow != _DONE:
                return flow, live
        return _DONE, _NONE

    def statement(self, statement: Statement) -> tuple[str, frozenset[str]]:
        if isinstance(statement, ActionNode):
            self.action(statement)
            return _DONE, _NONE
        if isinstance(statement, Sequence):
            return self.sequence(statement.items)
        if isinstance(statement, Conditional):
            return self.conditional(statement)
        outcome, live = self.node(statement)
        if outcome == _PENDING:
            return _WAIT, live
        if outcome == _FALSE:
            return _STOP, _NONE  # a requirement failed
        return _DONE, _NONE

    def conditional(self, statement: Conditional) -> tuple[str, frozenset[str]]:
        outcome, live = self.node(statement.condition)
        if outcome == _PENDING:
            return _WAIT, live
        if outcome == _SKIP:
            self.kill(statement.then + statement.otherwise)
            return _DONE, _NONE
        if outcome == _TRUE:
            taken, other, acts = statement.then, statement.otherwise, statement.then_acts
        else:
            taken, other, acts = statement.otherwise, statement.then, statement.otherwise_acts
        self.kill(other)
        flow, live = self.sequence(taken)
        if flow != _DONE:
            return flow, live
        if outcome == _FALSE and not acts:
            return _STOP, _NONE  # an ``if`` without actions is a requirement with the condition's value
        return _DONE, _NONE

    def action(self, node: ActionNode) -> None:
        location, name = node.location, f"Payables.{node.kind}"
        context = self.env.context if isinstance(self.env.context, Mapping) else {}
        invoice = context.get("invoice")
        invoice_id = invoice.get("id") if isinstance(invoice, Mapping) else None
        payable_id = evaluator.operand(node.payable_id, self.env)
        if not (isinstance(payable_id, str) and isinstance(invoice_id, str)
                and payable_id.lower() == invoice_id.lower()):
            raise EvaluationError(f"{name}: payable_id {_shown(payable_id)} is not the payable of this process",
                                  location)
        comment = None if node.comment is None else evaluator.operand(node.comment, self.env)
        if comment is not None and not isinstance(comment, str):
            raise EvaluationError(f"{name}: comment must be a string", location)
        target = _TRANSITIONS[node.kind].get(self.status)
        if target is None:
            raise EvaluationError(f"{name} is not allowed for a payable in status {self.status}", location)
        if location not in self.performed:
            self.performed.append(location)
            if target != self.status:
                self.actions.append(Action(node.kind, comment, location))
        self.status = target


def _check_results(gate_results: Mapping[str, Any], locations: set[str]) -> Mapping[str, str]:
    if not isinstance(gate_results, Mapping):
        raise EvaluationError("gate_results must be a mapping of gate locations to results")
    for location, result in gate_results.items():
        if location not in locations:
            raise EvaluationError(f"no approval gate at {_shown(location)}")
        if result not in _GATE_RESULTS:
            raise EvaluationError(f"unknown gate result {_shown(result)}", location)
    return gate_results


def run(script: Script, env: Environment, *, gate_results: Mapping[str, GateResult],
        state: Mapping[str, Any] | None, payable_status: str = APPROVE_IN_PROGRESS) -> Plan:
    """Run (or resume) a script and say what to do now
    (docs/approvals-script.md, "Running the list", "Driving a process").

    ``state`` is None (or ``{}``) on the first run and ``Plan.state`` of the previous run afterwards;
    ``payable_status`` is only read on the first run (later runs replay from the stored status).
    """
    saved = _State.load(state, payable_status)
    locations = [node.location for node in script.gate_nodes]
    results = _check_results(gate_results, set(locations))
    if saved.finished:
        return Plan(finished=True, state=saved.dump())
    if saved.fresh:
        gates(script, env)  # params are evaluated (and checked) once, when the process starts
    runner = _Run(env, results, saved)
    flow, live = runner.sequence(script.statements)
    finished = flow != _WAIT

    opened, skipped = list(saved.opened), list(saved.skipped)
    already_skipped = set(skipped)
    plan_open: list[str] = []
    plan_cancel: list[str] = []
    plan_skip: list[str] = []
    for location in locations:
        result = runner.result(location)
        if location in live:
            if result is None:
                plan_open.append(location)
                opened.append(location)
        elif result == "pending":
            if finished or location in runner.dead:
                plan_cancel.append(location)
        elif result is None and (finished or location in runner.dead) and location not in already_skipped:
            plan_skip.append(location)
            skipped.append(location)

    decision: Literal["approve", "reject"] | None = None
    if finished and runner.status == APPROVE_IN_PROGRESS:
        decision = "approve" if flow == _DONE else "reject"
    new_state = _State(saved.initial_status, runner.status, runner.conditions, opened, skipped,
                       runner.performed, finished, False)
    return Plan(plan_open, plan_cancel, plan_skip, runner.actions, finished, decision, new_state.dump())


def dry_run(script: Script, env: Environment, *, trigger: Trigger | None = None,
            payable_status: str = APPROVE_IN_PROGRESS) -> Plan | None:
    """Preview: what a process started now would do first; None when ``trigger`` does not match."""
    if trigger is not None and not evaluator.evaluate_trigger(trigger, env):
        return None
    return run(script, env, gate_results={}, state=None, payable_status=payable_status)

