"""Running scripts: the worked examples walked step by step, then the rules
(docs/approvals-script.md, "Outcomes (three-valued)", "Running the list", "Driving a process", "Steps")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from remit.approvals.script import (
    Action,
    EvaluationError,
    Gate,
    Plan,
    dry_run,
    gates,
    parse_script,
    parse_trigger,
    run,
)

from ._script_examples import (
    APPROVE,
    EXAMPLES,
    R_FIN,
    REJECT,
    U_ANNA,
    U_BEN,
    U_CLARA,
    U_DAN,
    env,
    invoice,
    marketing_tag,
    rates,
    users_gate,
)

PAY = "{Payables.mark_as_paid(invoice.id, 'Marked from approval.')}"
_AFTER = {"approve": "waiting_to_be_paid", "reject": "rejected", "mark_as_paid": "paid"}


class Walk:
    """Plays the database side: keeps requests' outcomes and the interpreter state between runs."""

    def __init__(self, script: Any, inv: dict | None = None, convert: Any = None,
                 status: str = "approve_in_progress") -> None:
        self.script = parse_script(script)
        self.env = env(inv or invoice(), convert)
        self.results: dict[str, str] = {}
        self.state: dict | None = None
        self.payable = status
        self.steps = {g.location: "not_started" for g in gates(self.script, self.env)}
        self.finished = False

    def run(self, changes: dict[str, str] | None = None) -> Plan:
        assert not self.finished
        self.results.update(changes or {})
        for location, result in (changes or {}).items():
            self.steps[location] = {"true": "approved", "false": "rejected"}.get(result, self.steps[location])
        plan = run(self.script, self.env, gate_results=dict(self.results), state=self.state,
                   payable_status=self.payable)
        assert json.loads(json.dumps(plan.state)) == plan.state  # JSON-serialisable
        self.state = plan.state
        for location in plan.open:
            assert self.steps[location] == "not_started"
            self.results[location] = "pending"
            self.steps[location] = "waiting"
        for location in plan.cancel:
            assert self.results[location] == "pending"
            self.results[location] = "skipped"
            self.steps[location] = "canceled"
        for location in plan.skip:
            assert self.steps[location] == "not_started"
            self.steps[location] = "skipped"
        for action in plan.actions:
            self.payable = _AFTER[action.kind]
        if plan.finished:
            self.finished = True
            if plan.decision:
                assert self.payable == "approve_in_progress"
                self.payable = _AFTER[plan.decision]
        return plan


def check(plan: Plan, *, open=(), cancel=(), skip=(), actions=(), finished=False, decision=None) -> None:
    assert plan.open == list(open)
    assert plan.cancel == list(cancel)
    assert plan.skip == list(skip)
    assert [(a.kind, a.comment) for a in plan.actions] == list(actions)
    assert plan.finished is finished
    assert plan.decision == decision


# -- Example 1: single approver, builder format -----------------------------------------------

E1_BEN = "script[0].if.all[0]"


def test_example_1_steps():
    walk = Walk(EXAMPLES["example_1"]["script"])
    assert gates(walk.script, walk.env) == [Gate(E1_BEN, "users", (U_BEN,), (), 1)]


def test_example_1_ben_approves():
    walk = Walk(EXAMPLES["example_1"]["script"])
    check(walk.run(), open=[E1_BEN])
    plan = walk.run({E1_BEN: "true"})
    check(plan, actions=[("approve", None)], finished=True)
    assert plan.actions == [Action("approve", None, "script[0].then[0]")]
    assert walk.payable == "waiting_to_be_paid"
    assert walk.steps == {E1_BEN: "approved"}


def test_example_1_ben_rejects():
    walk = Walk(EXAMPLES["example_1"]["script"])
    walk.run()
    plan = walk.run({E1_BEN: "false"})
    check(plan, actions=[("reject", None)], finished=True)
    assert plan.actions[0].location == "script[0].else[0]"
    assert walk.payable == "rejected"


# -- Example 2: any two of three, no then ------------------------------------------------------

E2 = "script[0]"


def test_example_2_two_approvals():
    walk = Walk(EXAMPLES["example_2"]["script"], invoice(amount=60000))
    assert gates(walk.script, walk.env) == [Gate(E2, "users", (U_ANNA, U_BEN, U_CLARA), (), 2)]
    check(walk.run(), open=[E2])
    check(walk.run())  # Anna approved: the request is still waiting
    check(walk.run({E2: "true"}), finished=True, decision="approve")  # Clara completes it
    assert walk.payable == "waiting_to_be_paid"


def test_example_2_ben_rejects_after_anna():
    walk = Walk(EXAMPLES["example_2"]["script"], invoice(amount=60000))
    walk.run()
    walk.run()
    check(walk.run({E2: "false"}), finished=True, decision="reject")
    assert walk.payable == "rejected"


# -- Example 3: approval chain ----------------------------------------------------------------

E3_BEN, E3_CLARA = "script[0].if.all[0].all[0]", "script[0].if.all[0].all[1]"


def test_example_3_chain():
    walk = Walk(EXAMPLES["example_3"]["script"])
    assert [g.user_ids for g in gates(walk.script, walk.env)] == [(U_BEN,), (U_CLARA,)]
    check(walk.run(), open=[E3_BEN])  # only Ben's request exists
    assert walk.steps == {E3_BEN: "waiting", E3_CLARA: "not_started"}
    check(walk.run({E3_BEN: "true"}), open=[E3_CLARA])
    check(walk.run({E3_CLARA: "true"}), actions=[("approve", None)], finished=True)
    assert walk.payable == "waiting_to_be_paid"


def test_example_3_ben_rejects_clara_is_never_asked():
    walk = Walk(EXAMPLES["example_3"]["script"])
    walk.run()
    check(walk.run({E3_BEN: "false"}), skip=[E3_CLARA], actions=[("reject", None)], finished=True)
    assert walk.steps == {E3_BEN: "rejected", E3_CLARA: "skipped"}
    assert walk.payable == "rejected"


def test_example_3_clara_rejects():
    walk = Walk(EXAMPLES["example_3"]["script"])
    walk.run()
    walk.run({E3_BEN: "true"})
    check(walk.run({E3_CLARA: "false"}), actions=[("reject", None)], finished=True)


# -- Example 4: one user OR two finance people ------------------------------------------------

E4_DAN, E4_FIN = "script[0].if.any[0]", "script[0].if.any[1]"


def example_4() -> Walk:
    return Walk(EXAMPLES["example_4"]["script"], invoice(amount=20000, tags=[marketing_tag()]))


def test_example_4_dan_approves_and_the_role_request_is_canceled():
    walk = example_4()
    assert gates(walk.script, walk.env) == [Gate(E4_DAN, "users", (U_DAN,), (), 1),
                                            Gate(E4_FIN, "roles", (), (R_FIN,), 2)]
    check(walk.run(), open=[E4_DAN, E4_FIN])  # run_concurrently defaults to true
    check(walk.run())  # Anna approved the role request; it still waits for a second approval
    check(walk.run({E4_DAN: "true"}), cancel=[E4_FIN], actions=[("approve", None)], finished=True)
    assert walk.steps == {E4_DAN: "approved", E4_FIN: "canceled"}
    assert walk.payable == "waiting_to_be_paid"


def test_example_4_dan_rejects_then_finance_approves():
    walk = example_4()
    walk.run()
    check(walk.run({E4_DAN: "false"}))  # the any is still pending on the role request
    check(walk.run({E4_FIN: "true"}), actions=[("approve", None)], finished=True)


def test_example_4_both_reject():
    walk = example_4()
    walk.run()
    walk.run({E4_DAN: "false"})
    check(walk.run({E4_FIN: "false"}), actions=[("reject", None)], finished=True)
    assert walk.payable == "rejected"


# -- Example 5: approve and pay ---------------------------------------------------------------

E5_USERS, E5_FIN = "script[0].if.all[0]", "script[0].if.all[1]"


def test_example_5_approve_and_pay():
    walk = Walk(EXAMPLES["example_5"]["script"], invoice(amount=15000, currency="USD"), rates(USD_EUR="0.9"))
    assert gates(walk.script, walk.env) == [Gate(E5_USERS, "users", (U_ANNA, U_BEN), (), 2),
                                            Gate(E5_FIN, "roles", (), (R_FIN,), 1)]
    check(walk.run(), open=[E5_USERS, E5_FIN])
    check(walk.run({E5_USERS: "true"}))  # Anna and Ben approved the first request
    plan = walk.run({E5_FIN: "true"})  # Dan approved the second
    check(plan, actions=[("approve", None), ("mark_as_paid", "Marked from approval.")], finished=True)
    assert [a.location for a in plan.actions] == ["script[0].then[0]", "script[0].then[1]"]
    assert walk.payable == "paid"


def test_example_5_rejection_short_circuits_the_all():
    walk = Walk(EXAMPLES["example_5"]["script"])
    walk.run()
    check(walk.run({E5_FIN: "false"}), cancel=[E5_USERS], actions=[("reject", None)], finished=True)


# -- Example 7: a canceled process; a fresh one after reopening -------------------------------


def test_example_7_a_fresh_process_starts_over():
    script = parse_script(EXAMPLES["example_1"]["script"])
    environment = env()
    first = run(script, environment, gate_results={}, state=None)
    # the process was canceled (AR1 canceled); after reopen + submit a new process starts from scratch
    again = run(script, environment, gate_results={}, state=None)
    assert again == first
    check(again, open=[E1_BEN])
    preview = dry_run(script, environment, trigger=parse_trigger(EXAMPLES["example_1"]["trigger"]))
    assert preview == first
    assert dry_run(script, env(invoice(amount=30000)), trigger=parse_trigger(EXAMPLES["example_1"]["trigger"])) is None


# -- requirements and the end of the list (docs/approvals-script.md, "Running the list") ------

G0 = users_gate([U_BEN], 1)
G1 = users_gate([U_CLARA], 1)


def test_top_level_gates_are_requirements_in_order():
    walk = Walk([G0, G1])
    check(walk.run(), open=["script[0]"])
    check(walk.run({"script[0]": "true"}), open=["script[1]"])
    check(walk.run({"script[1]": "true"}), finished=True, decision="approve")


def test_a_failed_requirement_stops_the_list():
    walk = Walk([G0, G1, APPROVE])
    walk.run()
    check(walk.run({"script[0]": "false"}), skip=["script[1]"], finished=True, decision="reject")


def test_a_false_condition_statement_is_a_failed_requirement():
    walk = Walk(["{invoice.amount < 1000}", G0], invoice(amount=5000))
    check(walk.run(), skip=["script[1]"], finished=True, decision="reject")
    walk = Walk(["{invoice.amount < 1000}", G0], invoice(amount=500))
    check(walk.run(), open=["script[1]"])


def test_if_without_actions_is_a_requirement_with_the_condition_value():
    walk = Walk([{"if": G0}])
    walk.run()
    check(walk.run({"script[0].if": "false"}), finished=True, decision="reject")
    walk = Walk([{"if": G0}])
    walk.run()
    check(walk.run({"script[0].if": "true"}), finished=True, decision="approve")


def test_if_with_an_action_in_the_taken_branch_is_not_a_requirement():
    walk = Walk([{"if": "{invoice.amount > 100}", "else": ["{Payables.approve(invoice.id)}"]}],
                invoice(amount=5))
    check(walk.run(), actions=[("approve", None)], finished=True)


def test_if_branch_gates_are_requirements_too():
    script = [{"if": "{invoice.amount > 1000}", "then": [G0]}, G1]
    walk = Walk(script, invoice(amount=5000))
    check(walk.run(), open=["script[0].then[0]"])
    check(walk.run({"script[0].then[0]": "false"}), skip=["script[1]"], finished=True, decision="reject")
    walk = Walk(script, invoice(amount=5))  # condition false, empty else: a failed requirement
    check(walk.run(), skip=["script[0].then[0]", "script[1]"], finished=True, decision="reject")


def test_not_taken_branch_is_skipped_as_soon_as_the_condition_is_known():
    script = [{"if": G0, "then": [G1, APPROVE], "else": [users_gate([U_DAN], 1), REJECT]}]
    walk = Walk(script)
    check(walk.run(), open=["script[0].if"])
    check(walk.run({"script[0].if": "true"}), open=["script[0].then[0]"], skip=["script[0].else[0]"])
    check(walk.run({"script[0].then[0]": "true"}), actions=[("approve", None)], finished=True)


def test_nested_sequences_run_in_order():
    walk = Walk([[G0, [G1]], APPROVE])
    check(walk.run(), open=["script[0][0]"])
    check(walk.run({"script[0][0]": "true"}), open=["script[0][1][0]"])
    check(walk.run({"script[0][1][0]": "true"}), actions=[("approve", None)], finished=True)


# -- groups (docs/approvals-script.md, "Outcomes (three-valued)") -----------------------------


def test_sequential_any_asks_the_next_only_after_a_rejection():
    script = [{"if": {"any": [G0, G1], "run_concurrently": False}, "then": [APPROVE], "else": [REJECT]}]
    walk = Walk(script)
    check(walk.run(), open=["script[0].if.any[0]"])
    check(walk.run({"script[0].if.any[0]": "false"}), open=["script[0].if.any[1]"])
    check(walk.run({"script[0].if.any[1]": "true"}), actions=[("approve", None)], finished=True)
    walk = Walk(script)
    walk.run()
    check(walk.run({"script[0].if.any[0]": "true"}), skip=["script[0].if.any[1]"], actions=[("approve", None)],
          finished=True)


def test_concurrent_all_skips_gates_after_a_false_condition():
    walk = Walk([{"all": [G0, "{invoice.amount > 100}", G1]}], invoice(amount=5))
    check(walk.run(), skip=["script[0].all[0]", "script[0].all[2]"], finished=True, decision="reject")


def test_concurrent_all_starts_only_the_first_child_of_nested_chains():
    chain = {"all": [G0, G1], "run_concurrently": False}
    walk = Walk([{"all": [chain, users_gate([U_DAN], 1)]}])
    check(walk.run(), open=["script[0].all[0].all[0]", "script[0].all[1]"])
    check(walk.run({"script[0].all[1]": "true"}))
    check(walk.run({"script[0].all[0].all[0]": "true"}), open=["script[0].all[0].all[1]"])
    check(walk.run({"script[0].all[0].all[1]": "true"}), finished=True, decision="approve")


def test_nested_any_cancels_pending_and_skips_unstarted():
    chain = {"all": [G0, G1], "run_concurrently": False}
    walk = Walk([{"if": {"any": [chain, users_gate([U_DAN], 1)]}, "then": [APPROVE]}])
    check(walk.run(), open=["script[0].if.any[0].all[0]", "script[0].if.any[1]"])
    check(walk.run({"script[0].if.any[1]": "true"}), cancel=["script[0].if.any[0].all[0]"],
          skip=["script[0].if.any[0].all[1]"], actions=[("approve", None)], finished=True)


def test_group_decided_by_a_condition_without_asking_anyone():
    walk = Walk([{"if": {"any": ["{invoice.amount < 100}", G0]}, "then": [APPROVE], "else": [REJECT]}],
                invoice(amount=5))
    check(walk.run(), skip=["script[0].if.any[1]"], actions=[("approve", None)], finished=True)


def test_empty_groups():
    check(Walk([{"all": []}]).run(), finished=True, decision="approve")
    check(Walk([{"any": []}]).run(), finished=True, decision="reject")


def test_skipped_result_counts_as_not_approved():
    walk = Walk([{"if": {"any": [G0, G1]}, "then": [APPROVE], "else": [REJECT]}])
    walk.run()
    check(walk.run({"script[0].if.any[0]": "skipped", "script[0].if.any[1]": "false"}),
          actions=[("reject", None)], finished=True)


# -- actions and the simulated payable status -------------------------------------------------


def test_gates_after_the_payable_was_decided_are_skipped_but_actions_run():
    walk = Walk([APPROVE, G0, "{Payables.mark_as_paid(invoice.id)}"])
    check(walk.run(), skip=["script[1]"], actions=[("approve", None), ("mark_as_paid", None)], finished=True)


def test_a_branch_after_the_decision_runs_neither_side():
    script = [APPROVE, {"if": G0, "then": [G1], "else": [REJECT]}]
    check(Walk(script).run(), skip=["script[1].if", "script[1].then[0]"], actions=[("approve", None)],
          finished=True)


def test_mark_as_paid_from_approve_in_progress_is_one_action():
    plan = Walk(["{Payables.mark_as_paid(payable_id=invoice.id, comment='done')}"]).run()
    check(plan, actions=[("mark_as_paid", "done")], finished=True)
    assert plan.state["status"] == "paid"


def test_repeated_actions_are_no_ops():
    check(Walk([APPROVE, APPROVE]).run(), actions=[("approve", None)], finished=True)
    check(Walk([REJECT, REJECT]).run(), actions=[("reject", None)], finished=True)


def test_object_form_actions():
    script = [{"call": "Payables.approve", "params": {"payable_id": "{invoice.id}"}},
              {"call": "Payables.mark_as_paid", "params": {"payable_id": "{invoice.id}", "comment": "{invoice.currency}"}}]
    check(Walk(script).run(), actions=[("approve", None), ("mark_as_paid", "EUR")], finished=True)


@pytest.mark.parametrize(("script", "location", "message"), [
    ([REJECT, APPROVE], "script[1]", "Payables.approve is not allowed for a payable in status rejected"),
    ([APPROVE, REJECT], "script[1]", "Payables.reject is not allowed for a payable in status waiting_to_be_paid"),
    (["{Payables.mark_as_paid(invoice.id)}", "{Payables.mark_as_paid(invoice.id)}"], "script[1]",
     "Payables.mark_as_paid is not allowed for a payable in status paid"),
    ([{"if": True, "then": ["{Payables.approve('0e0e0e0e-0000-4000-8000-00000000e999')}"]}], "script[0].then[0]",
     "Payables.approve: payable_id '0e0e0e0e-0000-4000-8000-00000000e999' is not the payable of this process"),
    ([{"call": "Payables.reject", "params": {"payable_id": "{invoice.amount}"}}], "script[0]",
     "Payables.reject: payable_id 75000 is not the payable of this process"),
    (["{Payables.mark_as_paid(invoice.id, invoice.amount)}"], "script[0]",
     "Payables.mark_as_paid: comment must be a string"),
])
def test_action_errors(script, location, message):
    with pytest.raises(EvaluationError) as info:
        Walk(script).run()
    assert (info.value.location, info.value.message) == (location, message)


def test_payable_already_out_of_approval_at_start():
    walk = Walk([G0, APPROVE], status="waiting_to_be_paid")
    check(walk.run(), skip=["script[0]"], finished=True)  # approve is a no-op, no decision
    with pytest.raises(EvaluationError):
        Walk([REJECT], status="waiting_to_be_paid").run()


# -- resumption (docs/approvals-script.md, "Driving a process") -------------------------------


def test_conditions_are_evaluated_once():
    convert_condition = {"operator": "<", "right_operand": 20000, "left_operand": {
        "call": "Currency.convert", "params": {"amount": "{invoice.amount}", "from_currency": "USD",
                                               "to_currency": "EUR"}}}
    script = parse_script([{"if": {"all": [G0, convert_condition]}, "then": [APPROVE], "else": [REJECT]}])
    inv = invoice(amount=15000, currency="USD")
    first = run(script, env(inv, rates(USD_EUR="0.9")), gate_results={}, state=None)
    check(first, open=["script[0].if.all[0]"])
    assert first.state["conditions"] == {"script[0].if.all[1]": True}
    # the rate disappeared meanwhile: the stored value is used, nothing is re-evaluated
    second = run(script, env(inv, rates()), gate_results={"script[0].if.all[0]": "true"}, state=first.state)
    check(second, actions=[("approve", None)], finished=True)
    with pytest.raises(EvaluationError, match="No exchange rate"):
        run(script, env(inv, rates()), gate_results={}, state=None)


def test_runs_are_deterministic_and_never_repeat_work():
    script = parse_script(EXAMPLES["example_4"]["script"])
    environment = env()
    first = run(script, environment, gate_results={}, state=None)
    assert run(script, environment, gate_results={}, state=None) == first
    # the database side created both requests; running again asks for nothing new
    pending = {E4_DAN: "pending", E4_FIN: "pending"}
    check(run(script, environment, gate_results=pending, state=first.state))
    # even if it forgot to report them, the state remembers what was opened
    check(run(script, environment, gate_results={}, state=first.state))


def test_skips_are_reported_once():
    chain = {"all": [G0, G1], "run_concurrently": False}
    walk = Walk([{"any": [chain, users_gate([U_DAN], 1)]}, users_gate([U_ANNA], 1)])
    walk.run()
    check(walk.run({"script[0].any[1]": "true"}), cancel=["script[0].any[0].all[0]"],
          skip=["script[0].any[0].all[1]"], open=["script[1]"])
    check(walk.run({"script[1]": "true"}), finished=True, decision="approve")


def test_run_after_finish_does_nothing():
    walk = Walk([APPROVE])
    walk.run()
    again = run(walk.script, walk.env, gate_results={}, state=walk.state)
    check(again, finished=True)
    assert again.state == walk.state


def test_unfinished_pending_gates_are_canceled_when_the_list_ends():
    script = [{"if": {"any": [G0, G1]}, "then": [APPROVE]}]
    walk = Walk(script)
    walk.run()
    check(walk.run({"script[0].if.any[1]": "true"}), cancel=["script[0].if.any[0]"], actions=[("approve", None)],
          finished=True)


def test_invalid_inputs_raise_evaluation_errors():
    script = parse_script([G0])
    with pytest.raises(EvaluationError, match="no approval gate at 'script\\[9\\]'"):
        run(script, env(), gate_results={"script[9]": "true"}, state=None)
    with pytest.raises(EvaluationError, match="unknown gate result 'approved'"):
        run(script, env(), gate_results={"script[0]": "approved"}, state=None)
    with pytest.raises(EvaluationError, match="state is not valid"):
        run(script, env(), gate_results={}, state={"version": 99})
    with pytest.raises(EvaluationError, match="state is not valid"):
        run(script, env(), gate_results={}, state={"version": 1, "conditions": []})
    check(run(script, env(), gate_results={}, state={}), open=["script[0]"])  # {} is a first run


# -- gate params, evaluated once (docs/approvals-script.md, "Scripts", "Errors") --------------


def test_gate_params_from_the_snapshot():
    script = parse_script([{"call": "ApprovalRequests.request_approval_by_users", "params": {
        "user_ids": ["{invoice.was_created_by_user_id}", U_BEN.upper()],
        "required_approval_count": "{invoice.partner_metadata.approvals}"}}])
    environment = env(invoice(was_created_by_user_id=U_ANNA, partner_metadata={"approvals": 2}))
    assert gates(script, environment) == [Gate("script[0]", "users", (U_ANNA, U_BEN), (), 2)]


@pytest.mark.parametrize(("params", "overrides", "message"), [
    ({"user_ids": "{invoice.approvers}", "required_approval_count": 1}, {},
     "params.user_ids: must be a list of UUIDs, not None"),
    ({"user_ids": ["{invoice.was_created_by_user_id}"], "required_approval_count": 1},
     {"was_created_by_user_id": "nobody"}, "params.user_ids: must be a list of UUIDs, not ['nobody']"),
    ({"user_ids": "{[]}", "required_approval_count": 1}, {}, "params.user_ids: must contain between 1 and 100 ids"),
    ({"user_ids": ["{invoice.was_created_by_user_id}", U_ANNA], "required_approval_count": 1},
     {"was_created_by_user_id": U_ANNA}, "params.user_ids: ids must be distinct"),
    ({"user_ids": [U_ANNA], "required_approval_count": "{invoice.amount}"}, {},
     "params.required_approval_count: must not be greater than the number of user_ids (1)"),
    ({"user_ids": [U_ANNA], "required_approval_count": "{invoice.currency}"}, {},
     "params.required_approval_count: must be an integer, not 'EUR'"),
    ({"user_ids": [U_ANNA], "required_approval_count": "{0}"}, {},
     "params.required_approval_count: must be at least 1"),
    ({"user_ids": [U_ANNA], "required_approval_count": "{Currency.convert(1, 'USD', 'EUR')}"}, {},
     "params.required_approval_count: No exchange rate from USD to EUR"),
])
def test_gate_params_runtime_errors(params, overrides, message):
    script = parse_script([APPROVE, {"call": "ApprovalRequests.request_approval_by_users", "params": params}])
    environment = env(invoice(**overrides))
    for attempt in (lambda: gates(script, environment),
                    lambda: run(script, environment, gate_results={}, state=None)):
        with pytest.raises(EvaluationError) as info:
            attempt()
        assert (info.value.location, info.value.message) == ("script[1]", message)


def test_role_gate_counts_are_not_capped_by_the_list():
    script = parse_script([{"call": "ApprovalRequests.request_approval_by_roles",
                            "params": {"role_ids": [R_FIN], "required_approval_count": "{3}"}}])
    assert gates(script, env()) == [Gate("script[0]", "roles", (), (R_FIN,), 3)]


def test_dry_run_previews_the_first_requests():
    script = parse_script(EXAMPLES["example_5"]["script"])
    check(dry_run(script, env()), open=[E5_USERS, E5_FIN])
    check(dry_run(script, env(), payable_status="waiting_to_be_paid"), skip=[E5_USERS, E5_FIN], finished=True)
