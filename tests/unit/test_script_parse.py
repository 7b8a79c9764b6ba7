"""Parse on write: accepted shapes and located validation errors
(docs/approvals-script.md, "Triggers", "Scripts", "Limits", "Errors")."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

from remit.approvals.script import Script, ScriptError, Trigger, parse_script, parse_trigger
from remit.approvals.script.nodes import ActionNode, Conditional, ExprCondition, GateNode, Group, Sequence

from ._script_examples import (
    APPROVE,
    EVENT,
    EXAMPLES,
    R_FIN,
    REJECT,
    ROLES,
    U_ANNA,
    U_BEN,
    U_CLARA,
    U_DAN,
    USERS,
    fresh,
    roles_gate,
    users_gate,
)

PACKAGE = Path(__file__).resolve().parents[2] / "remit" / "approvals" / "script"


# -- the package stays isolated ---------------------------------------------------------------


def test_package_imports_only_the_standard_library():
    modules = sorted(PACKAGE.glob("*.py"))
    assert modules, "the package has no modules"
    offenders = []
    for module in modules:
        tree = ast.parse(module.read_text(), filename=str(module))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: must stay inside the package
                    if node.level > 1:
                        offenders.append(f"{module.name}: relative import beyond the package")
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if name.startswith("remit.approvals.script"):
                    continue
                if top in ("fastapi", "sqlalchemy", "pydantic", "starlette", "remit") \
                        or top not in sys.stdlib_module_names:
                    offenders.append(f"{module.name}: imports {name}")
    assert offenders == []


# -- every worked example parses --------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_worked_examples_parse(name):
    example = fresh(EXAMPLES[name])
    original = json.dumps(example, sort_keys=True)
    assert isinstance(parse_trigger(example["trigger"]), Trigger)
    script = parse_script(example["script"], known_user_ids=USERS, known_role_ids=ROLES)
    assert isinstance(script, Script)
    assert json.dumps(example, sort_keys=True) == original  # the input is never modified


@pytest.mark.parametrize(("name", "locations"), [
    ("example_1", ["script[0].if.all[0]"]),
    ("example_2", ["script[0]"]),
    ("example_3", ["script[0].if.all[0].all[0]", "script[0].if.all[0].all[1]"]),
    ("example_4", ["script[0].if.any[0]", "script[0].if.any[1]"]),
    ("example_5", ["script[0].if.all[0]", "script[0].if.all[1]"]),
])
def test_gates_in_document_order(name, locations):
    script = parse_script(EXAMPLES[name]["script"])
    assert [g.location for g in script.gate_nodes] == locations


def test_example_shapes():
    script = parse_script(EXAMPLES["example_4"]["script"])
    (conditional,) = script.statements
    assert isinstance(conditional, Conditional)
    assert isinstance(conditional.condition, Group)
    assert conditional.condition.kind == "any" and conditional.condition.concurrent  # default true
    assert [type(c) for c in conditional.condition.children] == [GateNode, GateNode]
    assert isinstance(conditional.then[0], ActionNode) and conditional.then[0].kind == "approve"
    assert conditional.then_acts and conditional.otherwise_acts
    chain = parse_script(EXAMPLES["example_3"]["script"]).statements[0].condition
    assert chain.concurrent is False and chain.children[0].concurrent is False


# -- accepted forms ---------------------------------------------------------------------------

TRIGGERS_ACCEPTED = [
    None,
    True,
    False,
    EVENT,
    [EVENT, "{invoice.amount > 100}"],
    {"all": []},
    {"any": []},
    {"all": [EVENT], "run_concurrently": "ignored in triggers"},
    {"operator": "not_in", "left_operand": {"name": "invoice.currency"}, "right_operand": ["USD"]},
    {"operator": "not in", "left_operand": "{invoice.currency}", "right_operand": "USD GBP"},
    {"operator": "range", "left_operand": {"name": "invoice.amount"}, "right_operand": [100, 200]},
    {"operator": "range", "left_operand": {"name": "invoice.amount"}, "right_operand": "{[100, 200]}"},
    {"operator": "in", "left_operand": "tag-id", "right_operand": {"name": "invoice.tags.id"}},
    {"operator": "==", "left_operand": {"name": "event_name"}, "right_operand": "submitted_for_approval"},
    "{‘Marketing’ in invoice.tags.name}",
    "{not (invoice.amount > 5) || !invoice.description && invoice.amount != None}",
    "{invoice.amount > -1.50 and invoice.currency not in [\"USD\", 'GBP'] and True and not False}",
    "{Currency.convert(invoice.amount, invoice.currency, 'EUR') < 20000}",
    "{Currency.convert(amount=invoice.amount, from_currency='USD', to_currency='EUR') >= 1}",
    "{invoice.unknown_field.deeper == null}",
    "{invoice.partner_metadata.in == 1}",
    {"version": 1, "object_type": "payable", "action": "create", "counterparts": ["c1"],
     "amount": {"gt": 30000}, "currency": "EUR",
     "custom_params": {"comes_from_email": True, "comes_from_upload": True}, "statuses": ["waiting_to_be_paid"]},
    {"version": 1, "previously_approved": True},
]


@pytest.mark.parametrize("raw", TRIGGERS_ACCEPTED, ids=range(len(TRIGGERS_ACCEPTED)))
def test_triggers_accepted(raw):
    assert isinstance(parse_trigger(raw), Trigger)


def test_null_trigger_has_no_root():
    assert parse_trigger(None).root is None


SCRIPTS_ACCEPTED = [
    [users_gate([U_BEN], 1)],
    [roles_gate([R_FIN], 5)],  # role gates are not capped by the number of ids
    [{"if": users_gate([U_BEN], 1)}],  # then/else default to []
    [{"if": "{invoice.amount > 10}", "then": [APPROVE]}],
    [{"if": True, "then": [], "else": []}],
    ["{Payables.approve(payable_id=invoice.id)}"],
    ["{Payables.mark_as_paid(invoice.id)}"],
    ["{Payables.mark_as_paid(invoice.id, comment='paid')}"],
    [{"call": "Payables.approve", "params": {"payable_id": "{invoice.id}"}}],
    [{"call": "Payables.mark_as_paid", "params": {"payable_id": "{invoice.id}", "comment": "ok"}}],
    [[users_gate([U_BEN], 1), [APPROVE]]],  # nested lists are sequences
    [{"all": [users_gate([U_BEN], 1), "{invoice.amount > 5}", True], "run_concurrently": False}],
    [{"any": [{"all": []}, {"operator": ">", "left_operand": {"name": "invoice.amount"}, "right_operand": "100"}]}],
    [{"if": {"any": [users_gate([U_DAN], 1), roles_gate([R_FIN], 2)]},
      "then": [{"if": users_gate([U_ANNA], 1), "then": [APPROVE], "else": [REJECT]}]}],
    [users_gate(["{invoice.was_created_by_user_id}"], 1)],
    [{"call": "ApprovalRequests.request_approval_by_users",
      "params": {"user_ids": "{[invoice.was_created_by_user_id]}", "required_approval_count": "{1}"}}],
    [users_gate([U_ANNA.upper()], 1)],
]


@pytest.mark.parametrize("raw", SCRIPTS_ACCEPTED, ids=range(len(SCRIPTS_ACCEPTED)))
def test_scripts_accepted(raw):
    assert isinstance(parse_script(raw, known_user_ids=USERS, known_role_ids=ROLES), Script)


def test_nested_list_is_a_sequence():
    script = parse_script([[users_gate([U_BEN], 1), [APPROVE]]])
    (sequence,) = script.statements
    assert isinstance(sequence, Sequence)
    assert [g.location for g in script.gate_nodes] == ["script[0][0]"]
    assert isinstance(sequence.items[1].items[0], ActionNode)
    assert sequence.items[1].items[0].location == "script[0][1][0]"


def test_plain_condition_statement():
    (statement,) = parse_script(["{invoice.amount < 100000}"]).statements
    assert isinstance(statement, ExprCondition)


# -- trigger validation (docs/approvals-script.md, "Triggers") --------------------------------


def deep_trigger(levels: int) -> dict:
    node: object = EVENT
    for _ in range(levels):
        node = {"all": [node]}
    return node  # type: ignore[return-value]


TRIGGER_ERRORS = [
    ({"if": EVENT, "then": []}, "trigger: if/then/else is not allowed in a trigger"),
    ({"all": [{"any": [{"else": []}]}]}, "trigger.all[0].any[0]: if/then/else is not allowed in a trigger"),
    ({"all": [EVENT, APPROVE]}, "trigger.all[1]: Payables.approve is not allowed in a trigger"),
    (["{ApprovalRequests.request_approval_by_users(['x'], 1)}"],
     "trigger[0]: ApprovalRequests.request_approval_by_users is not allowed in a trigger"),
    ({"call": "Payables.reject", "params": {"payable_id": "{invoice.id}"}},
     "trigger: Payables.reject is not allowed in a trigger"),
    ({"all": [users_gate([U_BEN], 1)]},
     "trigger.all[0]: ApprovalRequests.request_approval_by_users is not allowed in a trigger"),
    ({"operator": "==", "left_operand": {"call": "Payables.approve", "params": {"payable_id": "x"}},
      "right_operand": 1}, "trigger.left_operand: Payables.approve is not allowed in a trigger"),
    ("{Currency.rate('USD') > 1}", "trigger: unknown function 'Currency.rate'"),
    ("{invoices.amount > 1}", "trigger: unknown name 'invoices'"),
    ("{Payables}", "trigger: 'Payables' is not a value; only its functions can be called"),
    ({"operator": ">=", "left_operand": {"name": "payable.amount"}, "right_operand": 1},
     "trigger.left_operand.name: unknown name 'payable'"),
    ({"operator": ">=", "left_operand": {"name": "invoice..amount"}, "right_operand": 1},
     "trigger.left_operand.name: 'invoice..amount' is not a dotted name such as \"invoice.amount\""),
    ({"operator": "==", "left_operand": {"call": "Currency.convert", "params": {"amount": 1}}, "right_operand": 1},
     "trigger.left_operand.params.from_currency: is required"),
    ("{invoice.amount >}", "trigger: syntax error at character 18: unexpected end of expression"),
    ("{invoice.amount > 1 > 2}", "trigger: syntax error at character 21: unexpected '>'"),
    ("{invoice.amount = 1}", "trigger: syntax error at character 17: unexpected '='"),
    ("{'unterminated}", "trigger: syntax error at character 2: unterminated string"),
    ("{invoice.amount + 1}", "trigger: syntax error at character 17: unexpected character '+'"),
    ("{}", "trigger: syntax error at character 2: empty expression"),
    ("{invoice.id(1)}", "trigger: unknown function 'invoice.id'"),
    ("{Currency.convert(1, 'USD')}", "trigger: Currency.convert is missing parameter 'to_currency'"),
    ("{Currency.convert(1, 'USD', 'EUR', 4)}", "trigger: Currency.convert takes at most 3 arguments"),
    ("{Currency.convert(amount=1, 'USD', 'EUR')}",
     "trigger: syntax error at character 29: positional argument after keyword argument"),
    ({"operator": "~=", "left_operand": 1, "right_operand": 1}, "trigger.operator: unknown operator '~='"),
    ({"operator": "range", "left_operand": {"name": "invoice.amount"}, "right_operand": [1]},
     "trigger.right_operand: range needs a two-element list [min, max]"),
    ({"operator": "==", "left_operand": 1}, "trigger: missing 'right_operand'"),
    ({"operator": "==", "left_operand": 1, "right_operand": {"value": 1}},
     "trigger.right_operand: expected an operand: a literal, an evaluated string \"{…}\", "
     "{\"name\": \"invoice.…\"} or {\"call\": \"Currency.convert\", \"params\": {…}}"),
    ({"all": [EVENT], "any": []}, "trigger: use either 'all' or 'any', not both"),
    ({"all": "nope"}, "trigger.all: must be a list"),
    ({"all": [EVENT], "extra": 1}, "trigger: unknown key 'extra'"),
    ("plain words", "trigger: expected a condition: an evaluated string \"{…}\", an operator object, a boolean, "
                    "\"all\" or \"any\"; a plain string is not one"),
    (42, "trigger: expected a condition: an evaluated string \"{…}\", an operator object, a boolean, "
         "\"all\" or \"any\", not a number"),
    ({"version": 2}, "trigger.version: only version 1 is supported"),
    ({"version": 1, "object_type": "receivable"}, "trigger.object_type: must be 'payable'"),
    ({"version": 1, "amount": {"between": 1}}, "trigger.amount: unknown key 'between'; use gt, gte, lt, lte or eq"),
    ({"version": 1, "functions": []}, "trigger: unknown key 'functions'"),
    (deep_trigger(20), "trigger" + ".all[0]" * 16 + ": nested deeper than 16 levels"),
    (["{true}"] * 501, "trigger: more than 500 nodes"),
    ("{'" + "x" * 2000 + "' == invoice.id}", "trigger: strings are limited to 2000 characters"),
    ({"operator": "==", "left_operand": "x" * 2001, "right_operand": 1},
     "trigger.left_operand: strings are limited to 2000 characters"),
]


@pytest.mark.parametrize(("raw", "message"), TRIGGER_ERRORS, ids=range(len(TRIGGER_ERRORS)))
def test_trigger_errors(raw, message):
    with pytest.raises(ScriptError) as info:
        parse_trigger(raw)
    assert message in info.value.errors
    assert str(info.value) == "; ".join(info.value.errors)


def test_trigger_depth_limit_is_inclusive():
    # 13 groups (levels 1-13), the condition (14) and its expression tree (Compare 15, operands 16)
    assert isinstance(parse_trigger(deep_trigger(13)), Trigger)
    with pytest.raises(ScriptError, match="nested deeper than 16 levels"):
        parse_trigger(deep_trigger(14))
    assert isinstance(parse_trigger(deep_trigger(15)["all"][0]["all"][0]), Trigger)


def test_expression_depth_counts_towards_the_limit():
    assert isinstance(parse_trigger("{" + "(" * 10 + "1" + ")" * 10 + "}"), Trigger)
    with pytest.raises(ScriptError, match="nested deeper than 16 levels"):
        parse_trigger("{" + "not " * 40 + "true}")
    with pytest.raises(ScriptError, match="nested deeper than 16 levels"):
        parse_trigger("{invoice" + ".a" * 900 + "}")


def test_several_errors_are_all_reported():
    with pytest.raises(ScriptError) as info:
        parse_trigger({"all": ["{foo}", "{bar}", {"operator": "?"}]})
    assert info.value.errors == [
        "trigger.all[0]: unknown name 'foo'",
        "trigger.all[1]: unknown name 'bar'",
        "trigger.all[2].operator: unknown operator '?'",
    ]


# -- script validation (docs/approvals-script.md, "Scripts") ----------------------------------

BAD_ID = "not-a-uuid"
UNKNOWN = "0e0e0e0e-0000-4000-8000-00000000e999"

SCRIPT_ERRORS = [
    ({"call": "x"}, "script: must be a list of statements, not an object"),
    ([], "script: must contain at least one statement"),
    ([{"if": {"all": [users_gate([U_BEN], 1), users_gate([U_ANNA], 0)]}, "then": [APPROVE]}],
     "script[0].if.all[1].params.required_approval_count: must be at least 1"),
    ([users_gate([U_BEN], 2)],
     "script[0].params.required_approval_count: must not be greater than the number of user_ids (1)"),
    ([users_gate([U_BEN], True)], "script[0].params.required_approval_count: must be an integer"),
    ([users_gate([U_BEN], "1")], "script[0].params.required_approval_count: must be an integer"),
    ([users_gate([U_BEN], 1.0)], "script[0].params.required_approval_count: must be an integer"),
    ([users_gate([BAD_ID], 1)], "script[0].params.user_ids[0]: must be a UUID"),
    ([users_gate([U_BEN, U_BEN.upper()], 1)], f"script[0].params.user_ids[1]: duplicate id {U_BEN}"),
    ([users_gate([], 1)], "script[0].params.user_ids: must contain between 1 and 100 ids"),
    ([users_gate([f"00000000-0000-4000-8000-{i:012d}" for i in range(101)], 1)],
     "script[0].params.user_ids: must contain between 1 and 100 ids"),
    ([{"call": "ApprovalRequests.request_approval_by_users", "params": {"user_ids": U_BEN, "required_approval_count": 1}}],
     "script[0].params.user_ids: must be a list of UUIDs"),
    ([users_gate([UNKNOWN], 1)], f"script[0].params.user_ids[0]: {UNKNOWN} is not an entity user of this entity"),
    ([roles_gate([UNKNOWN], 1)], f"script[0].params.role_ids[0]: {UNKNOWN} is not a role of this entity"),
    ([roles_gate([U_BEN], 1)], f"script[0].params.role_ids[0]: {U_BEN} is not a role of this entity"),
    ([{"call": "ApprovalRequests.request_approval_by_users",
       "params": {"user_ids": [U_BEN], "role_ids": [R_FIN], "required_approval_count": 1}}],
     "script[0].params: unknown parameter 'role_ids'"),
    ([{"call": "ApprovalRequests.request_approval_by_roles", "params": {"role_ids": [R_FIN]}}],
     "script[0].params.required_approval_count: is required"),
    ([{"call": "ApprovalRequests.request_approval_by_roles"}],
     "script[0].params: must be an object with 'role_ids', 'required_approval_count'"),
    ([{**users_gate([U_BEN], 1), "id": "x"}], "script[0]: unknown key 'id'"),
    ([{"call": "Payables.request_approval_by_entity_user", "params": {}}],
     "script[0].call: unknown function 'Payables.request_approval_by_entity_user'"),
    (["{ApprovalRequests.request_approval_by_users([], 1)}"],
     "script[0]: ApprovalRequests.request_approval_by_users must be written in object form: "
     "{\"call\": \"ApprovalRequests.request_approval_by_users\", \"params\": {…}}"),
    ([{"if": APPROVE, "then": []}], "script[0].if: Payables.approve is an action and may only be used as a statement"),
    (["{Payables.approve(invoice.id) and true}"],
     "script[0]: Payables.approve is an action and may only be used as a statement"),
    (["{Payables.approve(Payables.reject(invoice.id))}"],
     "script[0]: Payables.reject is an action and may only be used as a statement"),
    ([{"all": [APPROVE]}], "script[0].all[0]: Payables.approve is an action and may only be used as a statement"),
    ([{"all": [{"call": "Payables.approve", "params": {"payable_id": "{invoice.id}"}}]}],
     "script[0].all[0]: Payables.approve is an action and may only be used as a statement"),
    ([{"if": "{invoice.amount > 1}", "then": APPROVE}], "script[0].then: must be a list of statements"),
    ([{"if": "{invoice.amount > 1}", "else": None}], "script[0].else: must be a list of statements"),
    ([{"then": [APPROVE]}], "script[0]: 'then'/'else' without 'if'"),
    ([{"if": [users_gate([U_BEN], 1)]}],
     "script[0].if: expected an approval gate, a group or a condition, not a list"),
    ([{"if": {"if": True}}], "script[0].if: a conditional is not allowed here; use it as a statement"),
    ([{"all": [users_gate([U_BEN], 1)], "run_concurrently": "no"}], "script[0].run_concurrently: must be a boolean"),
    ([{"any": {"x": 1}}], "script[0].any: must be a list"),
    ([{"call": "Currency.convert", "params": {"amount": 1, "from_currency": "USD", "to_currency": "EUR"}}],
     "script[0]: Currency.convert is not a statement; use it as an operand of an operator object"),
    (["Payables.approve(invoice.id)"],
     "script[0]: expected a statement: an evaluated string \"{…}\", an approval gate, a group, a conditional, "
     "an operator object or a list; a plain string is not one"),
    ([7], "script[0]: expected a statement: an evaluated string \"{…}\", an approval gate, a group, a conditional, "
          "an operator object or a list, not a number"),
    (["{Payables.mark_as_paid(invoice.id, 5)}"], "script[0]: the comment of Payables.mark_as_paid must be a string"),
    ([{"call": "Payables.mark_as_paid", "params": {"payable_id": "{invoice.id}", "comment": 5}}],
     "script[0].params.comment: must be a string"),
    ([{"call": "Payables.approve", "params": {"id": "{invoice.id}"}}], "script[0].params: unknown parameter 'id'"),
    (["{Payables.approve()}"], "script[0]: Payables.approve is missing parameter 'payable_id'"),
    (["{Payables.approve(invoice.id, 'x')}"], "script[0]: Payables.approve takes at most 1 argument"),
    (["{Payables.reject(id=invoice.id)}"], "script[0]: Payables.reject has no parameter 'id'"),
    (["{Payables.reject(invoice.id, payable_id=invoice.id)}"],
     "script[0]: Payables.reject got parameter 'payable_id' twice"),
    (["{unknown == 1}"], "script[0]: unknown name 'unknown'"),
    ([users_gate([f"00000000-0000-4000-8000-{i:012d}"], 1) for i in range(51)],
     "script: more than 50 approval gates"),
    (["{true}"] * 501, "script: more than 500 nodes"),
    ([{"if": {"all": [{"all": [{"all": [{"all": [{"all": [{"all": [{"all": [{"all": [{"all": [{"all": [
        {"all": [{"all": [{"all": [{"all": [{"all": [True]}]}]}]}]}]}]}]}]}]}]}]}]}]}]}}],
     "script[0].if" + ".all[0]" * 15 + ": nested deeper than 16 levels"),
    (["{'" + "y" * 2000 + "' == invoice.id}"], "script[0]: strings are limited to 2000 characters"),
]


@pytest.mark.parametrize(("raw", "message"), SCRIPT_ERRORS, ids=range(len(SCRIPT_ERRORS)))
def test_script_errors(raw, message):
    with pytest.raises(ScriptError) as info:
        parse_script(raw, known_user_ids=USERS | {f"00000000-0000-4000-8000-{i:012d}" for i in range(101)},
                     known_role_ids=ROLES)
    assert message in info.value.errors


def test_known_ids_are_only_checked_when_given():
    assert isinstance(parse_script([users_gate([UNKNOWN], 1)]), Script)
    with pytest.raises(ScriptError):
        parse_script([users_gate([UNKNOWN], 1)], known_user_ids=set())


def test_known_ids_compare_case_insensitively():
    parse_script([users_gate([U_CLARA.upper()], 1)], known_user_ids={U_CLARA})
    parse_script([roles_gate([R_FIN], 1)], known_role_ids={R_FIN.upper()})


def test_many_errors_are_capped():
    with pytest.raises(ScriptError) as info:
        parse_script(["{nope}"] * 40)
    assert len(info.value.errors) == 26
    assert info.value.errors[-1] == "script: … and 15 more errors"
