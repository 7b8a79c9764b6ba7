"""Random input never breaks the language: parse gives a result or ``ScriptError``; evaluation and
runs give a result or ``EvaluationError`` — nothing else escapes
(docs/architecture.md, "The approval script package")."""

from __future__ import annotations

import contextlib
import copy
import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from remit.approvals.script import (
    Environment,
    EvaluationError,
    Plan,
    Script,
    ScriptError,
    Trigger,
    evaluate_trigger,
    gates,
    parse_script,
    parse_trigger,
    run,
)

from ._script_examples import (
    APPROVE,
    EXAMPLE_6_TRIGGERS,
    EXAMPLES,
    R_FIN,
    REJECT,
    U_ANNA,
    U_BEN,
    U_CLARA,
    U_DAN,
    invoice,
    roles_gate,
    users_gate,
)

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- strategies -------------------------------------------------------------------------------

KEYS = ["if", "then", "else", "all", "any", "run_concurrently", "call", "params", "operator", "left_operand",
        "right_operand", "name", "user_ids", "role_ids", "required_approval_count", "payable_id", "comment",
        "amount", "from_currency", "to_currency", "version", "object_type", "counterparts", "currency",
        "custom_params", "comes_from_email"]
WORDS = ["{", "}", "(", ")", "[", "]", ",", ".", "'", '"', "‘", "’", "\\", "=", "==", "!=", ">", ">=", "<", "<=",
         "!", "&&", "||", " and ", " or ", " not ", " in ", " not in ", "-", "1", "2.5", "-3", "true", "None",
         "invoice", "invoice.amount", "invoice.id", "invoice.tags.name", "event_name", "Payables.approve",
         "Payables.mark_as_paid", "Currency.convert", "ApprovalRequests.request_approval_by_users", "amount=",
         "comment=", "'EUR'", "'x'", "foo", " "]
CALLS = ["ApprovalRequests.request_approval_by_users", "ApprovalRequests.request_approval_by_roles",
         "Payables.approve", "Payables.reject", "Payables.mark_as_paid", "Currency.convert", "Nope.nothing"]
OPERATORS = ["==", "!=", ">", ">=", "<", "<=", "in", "not in", "not_in", "range", "~"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.integers(),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=30,
)

token_soup = st.lists(st.sampled_from(WORDS), max_size=14).map("".join)
expression_strings = st.one_of(token_soup.map(lambda s: "{" + s + "}"), st.text(max_size=30).map(lambda s: "{" + s + "}"))
ids = st.sampled_from([U_ANNA, U_BEN, R_FIN, "not-a-uuid", "{invoice.was_created_by_user_id}", ""])

leaves = st.one_of(
    scalars, expression_strings, ids,
    st.sampled_from([
        "{Payables.approve(invoice.id)}", "{Payables.reject(invoice.id)}", "{invoice.amount > 100}",
        "{Payables.mark_as_paid(invoice.id, 'c')}", "{event_name == 'submitted_for_approval'}",
        "{'Marketing' in invoice.tags.name}", "{Currency.convert(invoice.amount, 'USD', 'EUR') < 5}",
    ]),
)


def _object(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=4),
        st.fixed_dictionaries({"call": st.sampled_from(CALLS), "params": st.dictionaries(
            st.sampled_from(KEYS), st.one_of(inner, st.lists(ids, max_size=3)), max_size=3)}),
        st.fixed_dictionaries({"call": st.sampled_from(CALLS[:2]), "params": st.fixed_dictionaries({
            "user_ids": st.lists(ids, max_size=3), "required_approval_count": st.one_of(st.integers(-1, 4), leaves)})}),
        st.fixed_dictionaries({"operator": st.sampled_from(OPERATORS), "left_operand": inner,
                               "right_operand": inner}),
        st.fixed_dictionaries({"if": inner}, optional={"then": st.lists(inner, max_size=3),
                                                       "else": st.lists(inner, max_size=3)}),
        st.sampled_from(["all", "any"]).flatmap(lambda kind: st.fixed_dictionaries(
            {kind: st.lists(inner, max_size=4)}, optional={"run_concurrently": st.one_of(st.booleans(), scalars)})),
        st.fixed_dictionaries({"name": st.one_of(st.sampled_from(["invoice.amount", "event_name", "x.y", "invoice"]),
                                                 st.text(max_size=10))}),
    )


scriptish = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4), _object(inner)),
                         max_leaves=25)

# mostly valid scripts, so that runs get exercised in depth
_user_gates = st.lists(st.sampled_from([U_ANNA, U_BEN, U_CLARA, U_DAN]), min_size=1, max_size=3, unique=True).flatmap(
    lambda people: st.integers(1, len(people)).map(lambda n: users_gate(people, n)))
_role_gates = st.integers(1, 3).map(lambda n: roles_gate([R_FIN], n))
_conditions = st.sampled_from([
    True, False, "{invoice.amount > 50000}", "{'Marketing' in invoice.tags.name}", "{invoice.currency == 'EUR'}",
    {"operator": "range", "left_operand": {"name": "invoice.amount"}, "right_operand": [0, 100000]},
    {"operator": "<", "left_operand": {"call": "Currency.convert", "params": {
        "amount": "{invoice.amount}", "from_currency": "{invoice.currency}", "to_currency": "EUR"}},
     "right_operand": 20000},
])
_actions = st.sampled_from([
    APPROVE, REJECT, "{Payables.mark_as_paid(invoice.id)}", "{Payables.mark_as_paid(invoice.id, comment='x')}",
    {"call": "Payables.approve", "params": {"payable_id": "{invoice.id}"}},
])
_nodes = st.recursive(
    st.one_of(_user_gates, _role_gates, _conditions),
    lambda inner: st.builds(lambda kind, children, concurrent: {kind: children, "run_concurrently": concurrent},
                            st.sampled_from(["all", "any"]), st.lists(inner, max_size=3), st.booleans()),
    max_leaves=6,
)
_statements = st.recursive(
    st.one_of(_nodes, _actions),
    lambda inner: st.one_of(
        st.builds(lambda cond, then, other: {"if": cond, "then": then, "else": other},
                  _nodes, st.lists(inner, max_size=3), st.lists(inner, max_size=2)),
        st.lists(inner, min_size=1, max_size=3),
    ),
    max_leaves=8,
)
valid_scripts = st.lists(_statements, min_size=1, max_size=3)

snapshots = st.one_of(
    st.just(invoice()),
    st.builds(lambda amount, currency, tags, extra: invoice(amount=amount, currency=currency, tags=tags, **extra),
              st.one_of(st.integers(-10**9, 10**9), scalars), st.sampled_from(["EUR", "USD", None, 5]),
              st.lists(st.fixed_dictionaries({"id": ids, "name": st.text(max_size=10)}), max_size=3),
              st.dictionaries(st.sampled_from(["was_created_by_user_id", "description", "partner_metadata"]),
                              st.one_of(json_values, ids), max_size=2)),
    json_values.map(lambda v: {"id": "x", "extra": v}),
)
contexts = st.one_of(
    snapshots.map(lambda inv: {"event_name": "submitted_for_approval", "invoice": inv}),
    st.dictionaries(st.sampled_from(["event_name", "invoice"]), json_values, max_size=2),
)


def _convert(amount: int, source: str, target: str) -> int:
    if (source, target) == ("USD", "EUR"):
        return int(Decimal(amount) * Decimal("0.9"))
    raise LookupError(f"No exchange rate from {source} to {target}")


environments = st.builds(Environment, context=contexts, convert=st.sampled_from([None, _convert]))


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, list):
        for i, item in enumerate(value):
            found.extend(_paths(item, (*prefix, i)))
    elif isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    return found


@st.composite
def mutated(draw: st.DrawFn, documents: list[Any]) -> Any:
    """A worked example with one part replaced (or deleted)."""
    document = copy.deepcopy(draw(st.sampled_from(documents)))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(document)
        path = draw(st.sampled_from(paths))
        replacement = draw(st.one_of(scriptish, json_values))
        if not path:
            document = replacement
            continue
        parent = document
        for step in path[:-1]:
            parent = parent[step]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = replacement
    return document


SCRIPTS = [e["script"] for e in EXAMPLES.values()]
TRIGGERS = [e["trigger"] for e in EXAMPLES.values()] + list(EXAMPLE_6_TRIGGERS.values())

# -- properties -------------------------------------------------------------------------------


def _parse_trigger(raw: Any) -> Trigger | None:
    before = json.dumps(raw, sort_keys=True, default=repr)
    try:
        result = parse_trigger(raw)
    except ScriptError as exc:
        assert exc.errors and all(isinstance(e, str) and e.startswith("trigger") for e in exc.errors)
        result = None
    else:
        assert isinstance(result, Trigger)
    assert json.dumps(raw, sort_keys=True, default=repr) == before  # never modified
    return result


def _parse_script(raw: Any) -> Script | None:
    try:
        result = parse_script(raw)
    except ScriptError as exc:
        assert exc.errors and all(isinstance(e, str) and e.startswith("script") for e in exc.errors)
        return None
    assert isinstance(result, Script)
    return result


def _evaluate(trigger: Trigger, environment: Environment) -> None:
    try:
        assert evaluate_trigger(trigger, environment) in (True, False)
    except EvaluationError as exc:
        assert isinstance(exc.message, str)


def _drive(script: Script, environment: Environment, outcomes: list[str]) -> None:
    """Run the script to completion (or an error), resolving opened gates with the drawn outcomes."""
    with contextlib.suppress(EvaluationError):
        assert [g.location for g in gates(script, environment)] == [g.location for g in script.gate_nodes]
    results: dict[str, str] = {}
    state = None
    draws = iter(outcomes)
    for _ in range(2 * len(script.gate_nodes) + 2):
        try:
            plan = run(script, environment, gate_results=dict(results), state=state)
        except EvaluationError as exc:
            assert isinstance(exc.message, str)
            return
        assert isinstance(plan, Plan)
        json.dumps(plan.state)
        state = plan.state
        for location in plan.open:
            assert location not in results
            results[location] = "pending"
        for location in plan.cancel:
            assert results[location] == "pending"
            results[location] = "skipped"
        if plan.finished:
            assert not plan.open
            assert all(v != "pending" for v in results.values())
            return
        waiting = [loc for loc, v in results.items() if v == "pending"]
        assert waiting, "an unfinished run must wait on at least one request"
        results[waiting[0]] = next(draws, "true")
    raise AssertionError("the script did not finish")


@SETTINGS
@given(json_values)
def test_random_json_trigger(raw):
    _parse_trigger(raw)


@SETTINGS
@given(json_values)
def test_random_json_script(raw):
    _parse_script(raw)


@SETTINGS
@given(st.one_of(scriptish, mutated(TRIGGERS)), environments)
def test_scriptish_triggers_parse_and_evaluate(raw, environment):
    trigger = _parse_trigger(raw)
    if trigger is not None:
        _evaluate(trigger, environment)


@SETTINGS
@given(st.one_of(st.lists(scriptish, min_size=1, max_size=4), mutated(SCRIPTS)), environments,
       st.lists(st.sampled_from(["true", "false", "skipped"]), max_size=12))
def test_scriptish_scripts_parse_and_run(raw, environment, outcomes):
    script = _parse_script(raw)
    if script is not None:
        _drive(script, environment, outcomes)


@SETTINGS
@given(st.one_of(valid_scripts, mutated(SCRIPTS)), environments,
       st.lists(st.sampled_from(["true", "false", "true", "skipped"]), max_size=20))
def test_generated_scripts_run_to_completion(raw, environment, outcomes):
    script = _parse_script(raw)
    if script is not None:
        _drive(script, environment, outcomes)


@SETTINGS
@given(st.sampled_from(SCRIPTS), st.lists(st.sampled_from(["true", "false", "skipped"]), max_size=6))
def test_examples_always_finish(raw, outcomes):
    environment = Environment(context={"event_name": "submitted_for_approval", "invoice": invoice()})
    _drive(parse_script(raw), environment, outcomes)


@SETTINGS
@given(expression_strings)
def test_random_expressions(text):
    trigger = _parse_trigger(text)
    if trigger is not None:
        _evaluate(trigger, Environment(context={"event_name": "submitted_for_approval", "invoice": invoice()}))


@settings(max_examples=25, deadline=None)
@given(st.integers(17, 400), st.sampled_from(["list", "all", "paren", "not", "attr", "if"]))
def test_deep_nesting_is_rejected_without_recursion_errors(levels, shape):
    if shape == "list":
        raw: Any = "{true}"
        for _ in range(levels):
            raw = [raw]
        parse = parse_trigger
    elif shape == "all":
        raw = True
        for _ in range(levels):
            raw = {"all": [raw]}
        parse = parse_trigger
    elif shape == "if":
        raw = "{true}"
        for _ in range(levels):
            raw = {"if": raw if isinstance(raw, str) else True, "then": [raw]}
        raw = [raw]
        parse = parse_script
    else:
        inner = {"paren": "(" * levels + "1" + ")" * levels, "not": "not " * levels + "1",
                 "attr": "invoice" + ".a" * levels}[shape]
        raw = "{" + inner + "}"
        parse = parse_trigger
    try:
        parse(raw)
    except ScriptError as exc:
        assert any("nested deeper than 16 levels" in e or "more than 500 nodes" in e for e in exc.errors)
    else:
        raise AssertionError("accepted a document nested beyond the limit")
