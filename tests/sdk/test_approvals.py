"""Approvals through the official ``monite`` SDK against ``remit serve``
(docs/approvals-script.md, "Worked examples"): Example 1 (one approver; approve, reject, cancel) and
Example 3 (a chain of two approvers), with the approvers acting with their own entity-user
tokens."""

from __future__ import annotations

import pytest
from monite import (
    ActionSchema,
    BizObjectsSchemaInput,
    CounterpartAddress,
    CounterpartCreatePayload_Organization,
    CounterpartOrganizationCreatePayload,
    PayableActionSchema,
)
from monite.core.api_error import ApiError
from monite.errors import ForbiddenError
from monite.types.root_schema_input import (
    RootSchemaInput_ApprovalPolicy,
    RootSchemaInput_ApprovalRequest,
    RootSchemaInput_Payable,
)

from tests.sdk.conftest import new_login, user_token

PAYABLE_ACTIONS = ["create", "update", "submit", "approve", "reopen"]


def approver_permissions(*payable_actions: str) -> BizObjectsSchemaInput:
    return BizObjectsSchemaInput(objects=[
        RootSchemaInput_ApprovalRequest(actions=[ActionSchema(action_name=a, permission="allowed")
                                                 for a in ("read", "update")]),
        RootSchemaInput_ApprovalPolicy(actions=[ActionSchema(action_name="read", permission="allowed")]),
        RootSchemaInput_Payable(actions=[PayableActionSchema(action_name=a, permission="allowed")
                                         for a in ("read", *payable_actions)]),
    ])


class Cast:
    """Anna (finance: submits), Ben and Clara (approvers), each with an SDK client of their own."""

    def __init__(self, server, on_entity):
        self.on = on_entity
        fin = on_entity.roles.create(name="R_FIN", permissions=approver_permissions(*PAYABLE_ACTIONS))
        staff = on_entity.roles.create(name="Staff", permissions=approver_permissions())
        self.ids, self.as_ = {}, {}
        for name, role in (("anna", fin), ("ben", staff), ("clara", staff)):
            user = on_entity.entity_users.create(login=new_login(), first_name=name.title(), role_id=role.id)
            self.ids[name] = user.id
            self.as_[name] = server.client(token=user_token(server, user.id))

    def payable(self, amount: int, **fields):
        payable = self.on.payables.create(currency="EUR", document_id="INV-APR", issued_at="2024-05-01",
                                          due_date="2024-05-31", **fields)
        self.on.payables.line_items.create(payable.id, name="Service", quantity=1, unit_price=amount, tax=0)
        payable = self.on.payables.get_by_id(payable.id)
        assert (payable.status, payable.total_amount) == ("new", amount)
        return payable


def example_1(ben_id: str) -> dict:
    return {
        "name": "Bills over 500 EUR",
        "priority": 0,
        "trigger": {"all": [
            "{event_name == 'submitted_for_approval'}",
            {"operator": ">=", "left_operand": {"name": "invoice.amount"}, "right_operand": 50000},
            {"operator": "==", "left_operand": {"name": "invoice.currency"}, "right_operand": "EUR"},
        ]},
        "script": [{
            "if": {"run_concurrently": False, "all": [
                {"call": "ApprovalRequests.request_approval_by_users",
                 "params": {"user_ids": [ben_id], "required_approval_count": 1}},
            ]},
            "then": ["{Payables.approve(invoice.id)}"],
            "else": ["{Payables.reject(invoice.id)}"],
        }],
    }


@pytest.fixture
def cast(server, on_entity) -> Cast:
    return Cast(server, on_entity)


def submit(cast: Cast, amount: int, **fields):
    payable = cast.payable(amount, **fields)
    return cast.as_["anna"].payables.submit_for_approval_by_id(payable.id)


def test_example_1_approve(cast: Cast):
    policy = cast.on.approval_policies.create(**example_1(cast.ids["ben"]))
    assert (policy.status, policy.priority, policy.name) == ("active", 0, "Bills over 500 EUR")
    assert policy.script == example_1(cast.ids["ben"])["script"]
    assert cast.on.approval_policies.get_by_id(policy.id).trigger == example_1(cast.ids["ben"])["trigger"]

    p1 = submit(cast, 75000)
    assert (p1.status, p1.approval_policy_id) == ("approve_in_progress", policy.id)

    [pr1] = cast.on.approval_policies.processes.get(policy.id).data
    assert pr1.status == "waiting"
    assert pr1.created_by == cast.ids["anna"]
    assert pr1.metadata == {"object_type": "payable", "object_id": p1.id, "approval_policy_id": policy.id}
    assert cast.on.approval_policies.processes.get_by_id(policy.id, pr1.id).id == pr1.id

    [step] = cast.on.approval_policies.processes.get_steps(policy.id, pr1.id).data
    [ar1] = cast.as_["ben"].approval_requests.get(object_id=p1.id, status="waiting").data
    assert (step.status, step.user_ids, step.role_ids, step.required_approval_count) == (
        "waiting", [cast.ids["ben"]], [], 1)
    assert (step.approval_request_id, step.object_id, step.approved_by) == (ar1.id, p1.id, [])
    assert (ar1.object_type, ar1.object_id, ar1.created_by, ar1.status) == ("payable", p1.id, cast.ids["anna"],
                                                                          "waiting")
    assert [r.id for r in cast.on.approval_requests.get(user_id=cast.ids["ben"]).data] == [ar1.id]

    with pytest.raises(ForbiddenError) as caught:  # Clara is not asked
        cast.as_["clara"].approval_requests.approve_by_id(ar1.id)
    assert caught.value.body == {"error": {"message": "The user is not allowed to act on this approval request"}}
    with pytest.raises(ApiError) as caught:  # nor is the partner
        cast.on.approval_requests.approve_by_id(ar1.id)
    assert caught.value.status_code == 403

    approved = cast.as_["ben"].approval_requests.approve_by_id(ar1.id)
    assert (approved.status, approved.approved_by) == ("approved", [cast.ids["ben"]])
    assert cast.on.payables.get_by_id(p1.id).status == "waiting_to_be_paid"
    assert cast.on.approval_policies.processes.get_by_id(policy.id, pr1.id).status == "succeeded"
    [step] = cast.on.approval_policies.processes.get_steps(policy.id, pr1.id).data
    assert (step.status, step.approved_by) == ("approved", [cast.ids["ben"]])
    changes = cast.on.payables.get_payables_id_history(p1.id, event_type_in=["status_changed"]).data
    assert changes[-1].entity_user_id == cast.ids["ben"]

    with pytest.raises(ApiError) as caught:
        cast.as_["ben"].approval_requests.approve_by_id(ar1.id)
    assert (caught.value.status_code, caught.value.body) == (
        409, {"error": {"message": "Approval request is not in status waiting"}})

    # A small bill does not match: no process, decided by hand.
    p2 = submit(cast, 30000)
    assert (p2.status, p2.approval_policy_id) == ("approve_in_progress", None)
    assert len(cast.on.approval_policies.processes.get(policy.id).data) == 1
    assert cast.as_["anna"].payables.approve_payment_by_id(p2.id).status == "waiting_to_be_paid"


def test_example_1_reject_and_cancel(cast: Cast):
    policy = cast.on.approval_policies.create(**example_1(cast.ids["ben"]))
    p1 = submit(cast, 75000)
    [ar1] = cast.on.approval_requests.get(object_id=p1.id).data
    rejected = cast.as_["ben"].approval_requests.reject_by_id(ar1.id)
    assert (rejected.status, rejected.rejected_by) == ("rejected", cast.ids["ben"])
    assert cast.on.payables.get_by_id(p1.id).status == "rejected"

    # Reopen, submit again: a fresh process; the partner cancels it (Example 7).
    cast.as_["anna"].payables.reopen_by_id(p1.id)
    again = cast.as_["anna"].payables.submit_for_approval_by_id(p1.id)
    assert again.approval_policy_id == policy.id
    old, pr = cast.on.approval_policies.processes.get(policy.id).data
    assert (old.status, pr.status) == ("succeeded", "waiting")
    canceled = cast.on.approval_policies.processes.cancel_by_id(policy.id, pr.id)
    assert canceled.status == "canceled"
    [step] = cast.on.approval_policies.processes.get_steps(policy.id, pr.id).data
    assert step.status == "canceled"
    assert cast.on.approval_requests.get_by_id(step.approval_request_id).status == "canceled"
    payable = cast.on.payables.get_by_id(p1.id)
    assert (payable.status, payable.approval_policy_id) == ("approve_in_progress", policy.id)
    with pytest.raises(ApiError) as caught:
        cast.on.approval_policies.processes.cancel_by_id(policy.id, pr.id)
    assert caught.value.status_code == 409
    assert caught.value.body == {"error": {"message": (
        f"Action is not allowed for approval policy process with id {pr.id} because it is not in one of the "
        "following statuses: running, waiting")}}


def test_example_3_chain(cast: Cast):
    acme = cast.on.counterparts.create(request=CounterpartCreatePayload_Organization(
        organization=CounterpartOrganizationCreatePayload(
            legal_name="ACME GmbH", is_customer=False, is_vendor=True,
            address=CounterpartAddress(city="Berlin", country="DE", line1="Str. 1", postal_code="10115"))))
    gate = "ApprovalRequests.request_approval_by_users"
    policy = cast.on.approval_policies.create(
        name="Chain: Ben then Clara",
        trigger={"all": ["{event_name == 'submitted_for_approval'}",
                         {"operator": "in", "left_operand": {"name": "invoice.counterpart_id"},
                          "right_operand": [acme.id]}]},
        script=[{
            "if": {"run_concurrently": False, "all": [{"run_concurrently": False, "all": [
                {"call": gate, "params": {"user_ids": [cast.ids["ben"]], "required_approval_count": 1}},
                {"call": gate, "params": {"user_ids": [cast.ids["clara"]], "required_approval_count": 1}},
            ]}]},
            "then": ["{Payables.approve(invoice.id)}"],
            "else": ["{Payables.reject(invoice.id)}"],
        }],
    )
    p4 = submit(cast, 11900, counterpart_id=acme.id)
    assert p4.approval_policy_id == policy.id
    [process] = cast.on.approval_policies.processes.get(policy.id).data
    steps = cast.on.approval_policies.processes.get_steps(policy.id, process.id).data
    assert [(s.user_ids, s.status) for s in steps] == [([cast.ids["ben"]], "waiting"),
                                                      ([cast.ids["clara"]], "not_started")]
    assert steps[1].approval_request_id is None

    cast.as_["ben"].approval_requests.approve_by_id(steps[0].approval_request_id)
    steps = cast.on.approval_policies.processes.get_steps(policy.id, process.id).data
    assert [s.status for s in steps] == ["approved", "waiting"]
    assert cast.on.payables.get_by_id(p4.id).status == "approve_in_progress"
    [ar4b] = cast.as_["clara"].approval_requests.get(user_id=cast.ids["clara"]).data
    assert ar4b.id == steps[1].approval_request_id

    cast.as_["clara"].approval_requests.approve_by_id(ar4b.id)
    assert cast.on.payables.get_by_id(p4.id).status == "waiting_to_be_paid"
    assert cast.on.approval_policies.processes.get_by_id(policy.id, process.id).status == "succeeded"
    steps = cast.on.approval_policies.processes.get_steps(policy.id, process.id).data
    assert [(s.status, s.approved_by) for s in steps] == [("approved", [cast.ids["ben"]]),
                                                        ("approved", [cast.ids["clara"]])]


def test_policy_crud(cast: Cast):
    policies = cast.on.approval_policies
    policy = policies.create(name="temp", script=[True], trigger="{invoice.amount > 1}", priority=2)
    updated = policies.update_by_id(policy.id, name="renamed", status="pending")
    assert (updated.name, updated.status, updated.priority) == ("renamed", "pending", 2)
    assert [p.id for p in policies.get(status="pending").data] == [policy.id]
    assert [p.id for p in policies.get(name_contains="rena").data] == [policy.id]
    policies.delete_by_id(policy.id)
    with pytest.raises(ApiError) as caught:
        policies.get_by_id(policy.id)
    assert (caught.value.status_code, caught.value.body) == (
        404, {"error": {"message": f"Approval policy with ID {policy.id} not found."}})
