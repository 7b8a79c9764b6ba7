"""Every worked example (docs/approvals-script.md, "Worked examples"), end to end through the HTTP
API, plus the effects of a process on the payable (docs/approvals.md, "Effects on the payable"): manual
decisions, reopen, runtime errors.

Each test builds the examples' cast in a fresh entity: entity users Anna, Ben, Clara and Dan; role
R_FIN (finance: Anna and Dan); tag "Marketing"; counterpart ACME. The policies are created
exactly as the examples write them (with the placeholders replaced by the real ids); Anna submits the
payables with her own token, and the documented users approve or reject with theirs. The
assertions cover what a client can see — payable, process, steps, requests, history — and the
event rows written in the same transaction (read through the ``db`` fixture).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from remit.entities.users.models import EntityUser
from remit.events.models import Event
from tests.fixtures.entities import User, permissions
from tests.fixtures.masterdata import create_counterpart, create_tag, error_message, new_partner
from tests.fixtures.payables import COMPLETE_FIELDS, add_line_item, create_payable, get_payable, history

ALL_PAYABLE = ["create", "read", "update", "delete", "submit", "approve", "cancel", "pay", "reopen"]
NOT_ELIGIBLE = "The user is not allowed to act on this approval request"
PARTNER_DECIDES = "Approval requests can only be approved or rejected by an entity user"
NOT_WAITING = "Approval request is not in status waiting"
ALREADY_APPROVED = "The user has already approved this approval request"


def not_cancellable(process_id: str) -> str:
    return (f"Action is not allowed for approval policy process with id {process_id} because it is not in one of "
            "the following statuses: running, waiting")


# -- the cast of the worked examples -----------------------------------------------------------


@dataclass
class World:
    """One entity with the people, role, tag and counterpart of
    docs/approvals-script.md, "Worked examples"."""

    client: httpx.AsyncClient
    partner: Any
    entity_id: str
    on: dict[str, str]  # the partner acting on the entity
    anna: User
    ben: User
    clara: User
    dan: User
    r_fin: str
    t_mkt: str
    c_acme: str

    def name_of(self, user_id: str) -> str:
        return {u.id: n for n, u in (("anna", self.anna), ("ben", self.ben), ("clara", self.clara),
                                    ("dan", self.dan))}[user_id]

    def fill(self, document: Any) -> Any:
        """Replace the examples' placeholders (``U_ANNA``, ``R_FIN``, ``C_ACME`` …) with the real ids."""
        text = json.dumps(document)
        for placeholder, value in (("U_ANNA", self.anna.id), ("U_BEN", self.ben.id), ("U_CLARA", self.clara.id),
                                   ("U_DAN", self.dan.id), ("R_FIN", self.r_fin), ("T_MKT", self.t_mkt),
                                   ("C_ACME", self.c_acme)):
            text = text.replace(f'"{placeholder}"', f'"{value}"')
        return json.loads(text)

    # requests ----------------------------------------------------------------------------

    async def ok(self, method: str, path: str, *, headers: dict | None = None, status: int = 200,
                 **kwargs: Any) -> Any:
        response = await self.client.request(method, path, headers=headers or self.on, **kwargs)
        assert response.status_code == status, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    async def policy(self, document: dict[str, Any]) -> dict[str, Any]:
        return await self.ok("POST", "/approval_policies", json=self.fill(document), status=201)

    async def payable(self, amount: int, currency: str = "EUR", **fields: Any) -> dict[str, Any]:
        """A ``new`` payable whose ``total_amount`` is ``amount`` (one line item, no tax)."""
        payable = await create_payable(self.client, self.on, **{**COMPLETE_FIELDS, "currency": currency, **fields})
        await add_line_item(self.client, self.on, payable["id"], name="Service", quantity=1, unit_price=amount, tax=0)
        payable = await get_payable(self.client, self.on, payable["id"])
        assert (payable["status"], payable["total_amount"]) == ("new", amount), payable
        return payable

    async def submit(self, payable: dict[str, Any], by: User | None = None) -> dict[str, Any]:
        """Anna submits, as in the worked examples, unless someone else is named."""
        by = by or self.anna
        return await self.ok("POST", f"/payables/{payable['id']}/submit_for_approval", headers=by.auth)

    async def get_payable(self, payable_id: str) -> dict[str, Any]:
        return await get_payable(self.client, self.on, payable_id)

    async def processes(self, policy_id: str) -> list[dict[str, Any]]:
        return (await self.ok("GET", f"/approval_policies/{policy_id}/processes"))["data"]

    async def process(self, policy_id: str) -> dict[str, Any]:
        """The one process of a policy."""
        processes = await self.processes(policy_id)
        assert len(processes) == 1, processes
        return processes[0]

    async def steps(self, policy_id: str, process_id: str) -> list[dict[str, Any]]:
        return (await self.ok("GET", f"/approval_policies/{policy_id}/processes/{process_id}/steps"))["data"]

    async def requests(self, payable_id: str) -> list[dict[str, Any]]:
        """Approval requests of a payable, oldest first."""
        body = await self.ok("GET", "/approval_requests", params={"object_id": payable_id, "order": "asc"})
        return body["data"]

    async def request(self, request_id: str) -> dict[str, Any]:
        return await self.ok("GET", f"/approval_requests/{request_id}")

    async def decide(self, who: User, request_id: str, verb: str, status: int = 200) -> dict[str, Any]:
        return await self.ok("POST", f"/approval_requests/{request_id}/{verb}", headers=who.auth, status=status)

    async def approve(self, who: User, request_id: str) -> dict[str, Any]:
        return await self.decide(who, request_id, "approve")

    async def reject(self, who: User, request_id: str) -> dict[str, Any]:
        return await self.decide(who, request_id, "reject")

    async def status_rows(self, payable_id: str) -> list[tuple[str, str, str | None]]:
        """``(old_status, new_status, who)`` of every status_changed history row; who is a cast name."""
        rows = await history(self.client, self.on, payable_id, event_type__in="status_changed")
        names = {u.id: n for n, u in (("anna", self.anna), ("ben", self.ben), ("clara", self.clara),
                                     ("dan", self.dan))}
        return [(r["event_data"]["old_status"], r["event_data"]["new_status"],
                 names.get(r["entity_user_id"], r["entity_user_id"])) for r in rows]


async def make_world(client: httpx.AsyncClient, partner) -> World:
    entity = await partner.create_entity()
    entity_id = entity["id"]
    on = partner.on(entity_id)
    fin = await partner.create_role(entity_id, permissions(
        approval_request=["read", "update"], approval_policy=["read"], payable=ALL_PAYABLE), name="R_FIN")
    staff = await partner.create_role(entity_id, permissions(
        approval_request=["read", "update"], approval_policy=["read"], payable=["read"]), name="Staff")
    anna = await partner.create_user(entity_id, fin["id"], first_name="Anna")
    ben = await partner.create_user(entity_id, staff["id"], first_name="Ben")
    clara = await partner.create_user(entity_id, staff["id"], first_name="Clara")
    dan = await partner.create_user(entity_id, fin["id"], first_name="Dan")
    tag = await create_tag(client, on, "Marketing")
    acme = await create_counterpart(client, on, None, legal_name="ACME GmbH")
    return World(client, partner, entity_id, on, anna, ben, clara, dan, fin["id"], tag["id"], acme["id"])


def events(db, object_id: Any) -> list[str]:
    """The ``action`` of every event row of one object, oldest first."""
    with db.transaction(write=False) as session:
        stmt = select(Event.action).where(Event.object_id == uuid.UUID(str(object_id)))
        return list(session.scalars(stmt.order_by(Event.created_at, Event.id)))


def step_view(steps: list[dict[str, Any]]) -> list[tuple]:
    """``(status, has request, approved_by, rejected_by)`` per step."""
    return [(s["status"], s["approval_request_id"] is not None, s["approved_by"], s.get("rejected_by")) for s in steps]


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
async def world(client, partner) -> World:
    return await make_world(client, partner)


# -- the worked examples' policies -------------------------------------------------------------

EXAMPLE_1 = {
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
             "params": {"user_ids": ["U_BEN"], "required_approval_count": 1}},
        ]},
        "then": ["{Payables.approve(invoice.id)}"],
        "else": ["{Payables.reject(invoice.id)}"],
    }],
}

EXAMPLE_2 = {
    "name": "Two of three",
    "trigger": {"all": ["{event_name == 'submitted_for_approval'}", "{invoice.amount >= 50000}"]},
    "script": [{"call": "ApprovalRequests.request_approval_by_users",
                "params": {"user_ids": ["U_ANNA", "U_BEN", "U_CLARA"], "required_approval_count": 2}}],
}

EXAMPLE_3 = {
    "name": "Chain: Ben then Clara",
    "trigger": {"all": ["{event_name == 'submitted_for_approval'}",
                        {"operator": "in", "left_operand": {"name": "invoice.counterpart_id"},
                         "right_operand": ["C_ACME"]}]},
    "script": [{
        "if": {"run_concurrently": False, "all": [
            {"run_concurrently": False, "all": [
                {"call": "ApprovalRequests.request_approval_by_users",
                 "params": {"user_ids": ["U_BEN"], "required_approval_count": 1}},
                {"call": "ApprovalRequests.request_approval_by_users",
                 "params": {"user_ids": ["U_CLARA"], "required_approval_count": 1}},
            ]},
        ]},
        "then": ["{Payables.approve(invoice.id)}"],
        "else": ["{Payables.reject(invoice.id)}"],
    }],
}

EXAMPLE_4 = {
    "name": "Dan or two finance",
    "trigger": {"all": ["{event_name == 'submitted_for_approval'}",
                        {"any": ["{'Marketing' in invoice.tags.name}", "{invoice.amount > 100000}"]}]},
    "script": [{
        "if": {"any": [
            {"call": "ApprovalRequests.request_approval_by_users",
             "params": {"user_ids": ["U_DAN"], "required_approval_count": 1}},
            {"call": "ApprovalRequests.request_approval_by_roles",
             "params": {"role_ids": ["R_FIN"], "required_approval_count": 2}},
        ]},
        "then": ["{Payables.approve(invoice.id)}"],
        "else": ["{Payables.reject(invoice.id)}"],
    }],
}

EXAMPLE_5 = {
    "name": "Auto-pay small utilities",
    "trigger": {"all": ["{event_name == 'submitted_for_approval'}",
                        "{invoice.currency in ['EUR', 'USD']}",
                        {"operator": "<", "left_operand": {"call": "Currency.convert",
                         "params": {"amount": "{invoice.amount}", "from_currency": "{invoice.currency}",
                                    "to_currency": "EUR"}},
                         "right_operand": 20000}]},
    "script": [{
        "if": {"all": [
            {"call": "ApprovalRequests.request_approval_by_users",
             "params": {"user_ids": ["U_ANNA", "U_BEN"], "required_approval_count": 2}},
            {"call": "ApprovalRequests.request_approval_by_roles",
             "params": {"role_ids": ["R_FIN"], "required_approval_count": 1}},
        ]},
        "then": ["{Payables.approve(invoice.id)}", "{Payables.mark_as_paid(invoice.id, 'Marked from approval.')}"],
        "else": ["{Payables.reject(invoice.id)}"],
    }],
}

BEN_ONLY = [{"call": "ApprovalRequests.request_approval_by_users",
             "params": {"user_ids": ["U_BEN"], "required_approval_count": 1}}]


# -- Example 1 ---------------------------------------------------------------------------------


class TestExample1SingleApprover:
    async def test_submit_creates_process_step_and_request(self, world: World, db):
        policy = await world.policy(EXAMPLE_1)
        assert policy["trigger"] == world.fill(EXAMPLE_1["trigger"])  # echoed exactly
        assert policy["script"] == world.fill(EXAMPLE_1["script"])
        p1 = await world.payable(75000)

        submitted = await world.submit(p1)
        assert (submitted["status"], submitted["approval_policy_id"]) == ("approve_in_progress", policy["id"])

        pr1 = await world.process(policy["id"])
        assert pr1["status"] == "waiting"
        assert pr1["created_by"] == world.anna.id
        assert pr1["metadata"] == {"object_type": "payable", "object_id": p1["id"], "approval_policy_id": policy["id"]}
        assert pr1["input"]["event_name"] == "submitted_for_approval"
        assert pr1["input"]["invoice"]["amount"] == 75000
        assert pr1["input"]["invoice"]["id"] == p1["id"]
        assert pr1["script_snapshot"] == world.fill(EXAMPLE_1["script"])
        assert pr1["error"] is None

        [ar1] = await world.requests(p1["id"])
        [step] = await world.steps(policy["id"], pr1["id"])
        assert step == {"object_id": p1["id"], "user_ids": [world.ben.id], "role_ids": [],
                        "required_approval_count": 1, "status": "waiting", "approved_by": [],
                        "rejected_by": None, "approval_request_id": ar1["id"]}
        assert (ar1["status"], ar1["object_type"], ar1["object_id"], ar1["created_by"]) == (
            "waiting", "payable", p1["id"], world.anna.id)
        assert (ar1["user_ids"], ar1["role_ids"], ar1["required_approval_count"]) == ([world.ben.id], [], 1)

        assert events(db, pr1["id"]) == ["approval_policy_process.created"]
        assert events(db, ar1["id"]) == ["approval_request.created"]
        assert events(db, p1["id"])[-1] == "payable.submitted_for_approval"
        assert await world.status_rows(p1["id"]) == [("draft", "new", None), ("new", "approve_in_progress", "anna")]

    async def test_ben_approves(self, world: World, db):
        policy = await world.policy(EXAMPLE_1)
        p1 = await world.payable(75000)
        await world.submit(p1)
        [ar1] = await world.requests(p1["id"])

        approved = await world.approve(world.ben, ar1["id"])
        assert (approved["status"], approved["approved_by"], approved["rejected_by"]) == (
            "approved", [world.ben.id], None)

        payable = await world.get_payable(p1["id"])
        assert (payable["status"], payable["approval_policy_id"]) == ("waiting_to_be_paid", policy["id"])
        pr1 = await world.process(policy["id"])
        assert pr1["status"] == "succeeded"
        assert pr1["updated_by"] == world.ben.id
        [step] = await world.steps(policy["id"], pr1["id"])
        assert (step["status"], step["approved_by"], step["approval_request_id"]) == (
            "approved", [world.ben.id], ar1["id"])
        assert events(db, ar1["id"]) == ["approval_request.created", "approval_request.approved"]
        assert events(db, p1["id"])[-2:] == ["payable.submitted_for_approval", "payable.approved"]
        assert (await world.status_rows(p1["id"]))[-1] == ("approve_in_progress", "waiting_to_be_paid", "ben")

    async def test_ben_rejects(self, world: World, db):
        policy = await world.policy(EXAMPLE_1)
        p1 = await world.payable(75000)
        await world.submit(p1)
        [ar1] = await world.requests(p1["id"])

        rejected = await world.reject(world.ben, ar1["id"])
        assert (rejected["status"], rejected["rejected_by"], rejected["approved_by"]) == (
            "rejected", world.ben.id, [])
        assert (await world.get_payable(p1["id"]))["status"] == "rejected"
        pr1 = await world.process(policy["id"])
        assert pr1["status"] == "succeeded"
        [step] = await world.steps(policy["id"], pr1["id"])
        assert (step["status"], step["rejected_by"], step["approved_by"]) == ("rejected", world.ben.id, [])
        assert events(db, ar1["id"]) == ["approval_request.created", "approval_request.rejected"]
        assert events(db, p1["id"])[-1] == "payable.rejected"
        assert (await world.status_rows(p1["id"]))[-1] == ("approve_in_progress", "rejected", "ben")

    async def test_clara_and_the_partner_may_not_decide(self, world: World, db):
        await world.policy(EXAMPLE_1)
        p1 = await world.payable(75000)
        await world.submit(p1)
        [ar1] = await world.requests(p1["id"])

        for verb in ("approve", "reject"):
            response = await world.client.post(f"/approval_requests/{ar1['id']}/{verb}", headers=world.clara.auth)
            assert (response.status_code, error_message(response)) == (403, NOT_ELIGIBLE)
            response = await world.client.post(f"/approval_requests/{ar1['id']}/{verb}", headers=world.on)
            assert (response.status_code, error_message(response)) == (403, PARTNER_DECIDES)
        assert (await world.request(ar1["id"]))["status"] == "waiting"
        assert events(db, ar1["id"]) == ["approval_request.created"]

    async def test_small_bill_does_not_match(self, world: World, db):
        policy = await world.policy(EXAMPLE_1)
        p2 = await world.payable(30000)
        submitted = await world.submit(p2)
        assert (submitted["status"], submitted["approval_policy_id"]) == ("approve_in_progress", None)
        assert await world.processes(policy["id"]) == []
        assert await world.requests(p2["id"]) == []
        # Decided by hand by a user with payable.approve.
        decided = await world.ok("POST", f"/payables/{p2['id']}/approve_payment_operation", headers=world.dan.auth)
        assert decided["status"] == "waiting_to_be_paid"
        assert (await world.status_rows(p2["id"]))[-1] == ("approve_in_progress", "waiting_to_be_paid", "dan")

    async def test_other_currency_does_not_match(self, world: World):
        await world.policy(EXAMPLE_1)
        submitted = await world.submit(await world.payable(75000, "USD"))
        assert submitted["approval_policy_id"] is None


# -- Example 2 ---------------------------------------------------------------------------------


class TestExample2TwoOfThree:
    async def _start(self, world: World) -> tuple[dict, dict, dict]:
        policy = await world.policy(EXAMPLE_2)
        p3 = await world.payable(60000)
        submitted = await world.submit(p3)
        assert submitted["approval_policy_id"] == policy["id"]
        [ar3] = await world.requests(p3["id"])
        assert (ar3["user_ids"], ar3["required_approval_count"]) == (
            [world.anna.id, world.ben.id, world.clara.id], 2)
        return policy, p3, ar3

    async def test_anna_then_clara(self, world: World, db):
        policy, p3, ar3 = await self._start(world)
        process = await world.process(policy["id"])
        assert len(await world.steps(policy["id"], process["id"])) == 1

        body = await world.approve(world.anna, ar3["id"])
        assert (body["status"], body["approved_by"]) == ("waiting", [world.anna.id])
        assert events(db, ar3["id"]) == ["approval_request.created"]  # no webhook for a partial approval
        assert (await world.get_payable(p3["id"]))["status"] == "approve_in_progress"
        [step] = await world.steps(policy["id"], process["id"])
        assert (step["status"], step["approved_by"]) == ("waiting", [world.anna.id])

        response = await world.client.post(f"/approval_requests/{ar3['id']}/approve", headers=world.anna.auth)
        assert (response.status_code, error_message(response)) == (409, ALREADY_APPROVED)

        body = await world.approve(world.clara, ar3["id"])
        assert (body["status"], body["approved_by"]) == ("approved", [world.anna.id, world.clara.id])
        assert (await world.get_payable(p3["id"]))["status"] == "waiting_to_be_paid"
        assert (await world.process(policy["id"]))["status"] == "succeeded"
        [step] = await world.steps(policy["id"], process["id"])
        assert (step["status"], step["approved_by"]) == ("approved", [world.anna.id, world.clara.id])
        assert events(db, ar3["id"]) == ["approval_request.created", "approval_request.approved"]
        assert events(db, p3["id"])[-1] == "payable.approved"
        assert (await world.status_rows(p3["id"]))[-1] == ("approve_in_progress", "waiting_to_be_paid", "clara")

        response = await world.client.post(f"/approval_requests/{ar3['id']}/approve", headers=world.ben.auth)
        assert (response.status_code, error_message(response)) == (409, NOT_WAITING)

    async def test_anna_approves_then_ben_rejects(self, world: World, db):
        policy, p3, ar3 = await self._start(world)
        await world.approve(world.anna, ar3["id"])
        body = await world.reject(world.ben, ar3["id"])
        assert (body["status"], body["approved_by"], body["rejected_by"]) == ("rejected", [world.anna.id], world.ben.id)
        assert (await world.get_payable(p3["id"]))["status"] == "rejected"
        process = await world.process(policy["id"])
        assert process["status"] == "succeeded"
        [step] = await world.steps(policy["id"], process["id"])
        assert (step["status"], step["approved_by"], step["rejected_by"]) == (
            "rejected", [world.anna.id], world.ben.id)
        assert events(db, ar3["id"]) == ["approval_request.created", "approval_request.rejected"]
        assert events(db, p3["id"])[-1] == "payable.rejected"
        assert (await world.status_rows(p3["id"]))[-1] == ("approve_in_progress", "rejected", "ben")


# -- Example 3 ---------------------------------------------------------------------------------


class TestExample3Chain:
    async def _start(self, world: World):
        policy = await world.policy(EXAMPLE_3)
        p4 = await world.payable(11900, counterpart_id=world.c_acme)
        submitted = await world.submit(p4)
        assert submitted["approval_policy_id"] == policy["id"]
        process = await world.process(policy["id"])
        [ar4a] = await world.requests(p4["id"])
        steps = await world.steps(policy["id"], process["id"])
        assert [(s["user_ids"], s["status"], s["approval_request_id"]) for s in steps] == [
            ([world.ben.id], "waiting", ar4a["id"]), ([world.clara.id], "not_started", None)]
        assert ar4a["user_ids"] == [world.ben.id]
        return policy, p4, process, ar4a

    async def test_ben_then_clara(self, world: World, db):
        policy, p4, process, ar4a = await self._start(world)
        await world.approve(world.ben, ar4a["id"])
        ar4a_, ar4b = await world.requests(p4["id"])
        assert (ar4a_["status"], ar4b["status"], ar4b["user_ids"]) == ("approved", "waiting", [world.clara.id])
        assert (await world.get_payable(p4["id"]))["status"] == "approve_in_progress"
        steps = await world.steps(policy["id"], process["id"])
        assert [(s["status"], s["approval_request_id"]) for s in steps] == [
            ("approved", ar4a["id"]), ("waiting", ar4b["id"])]
        assert (await world.process(policy["id"]))["status"] == "waiting"

        await world.approve(world.clara, ar4b["id"])
        assert (await world.get_payable(p4["id"]))["status"] == "waiting_to_be_paid"
        assert (await world.process(policy["id"]))["status"] == "succeeded"
        steps = await world.steps(policy["id"], process["id"])
        assert [(s["status"], s["approved_by"]) for s in steps] == [
            ("approved", [world.ben.id]), ("approved", [world.clara.id])]
        assert events(db, ar4b["id"]) == ["approval_request.created", "approval_request.approved"]
        assert (await world.status_rows(p4["id"]))[-1] == ("approve_in_progress", "waiting_to_be_paid", "clara")

    async def test_ben_rejects_and_clara_is_never_asked(self, world: World, db):
        policy, p4, process, ar4a = await self._start(world)
        await world.reject(world.ben, ar4a["id"])
        assert (await world.get_payable(p4["id"]))["status"] == "rejected"
        assert [r["id"] for r in await world.requests(p4["id"])] == [ar4a["id"]]
        steps = await world.steps(policy["id"], process["id"])
        assert [(s["status"], s["approval_request_id"]) for s in steps] == [
            ("rejected", ar4a["id"]), ("skipped", None)]
        assert (await world.process(policy["id"]))["status"] == "succeeded"
        assert (await world.status_rows(p4["id"]))[-1] == ("approve_in_progress", "rejected", "ben")

    async def test_manual_approval_while_clara_waits(self, world: World, db):
        policy, p4, process, ar4a = await self._start(world)
        await world.approve(world.ben, ar4a["id"])
        _, ar4b = await world.requests(p4["id"])

        decided = await world.ok("POST", f"/payables/{p4['id']}/approve_payment_operation", headers=world.dan.auth)
        assert decided["status"] == "waiting_to_be_paid"
        assert decided["approval_policy_id"] == policy["id"]
        process = await world.process(policy["id"])
        assert process["status"] == "canceled"
        assert (await world.request(ar4b["id"]))["status"] == "canceled"
        steps = await world.steps(policy["id"], process["id"])
        assert [s["status"] for s in steps] == ["approved", "canceled"]
        assert events(db, ar4b["id"]) == ["approval_request.created", "approval_request.canceled"]
        assert events(db, policy["id"]) == ["approval_policy.created", "approval_policy.process_canceled"]
        assert (await world.status_rows(p4["id"]))[-1] == ("approve_in_progress", "waiting_to_be_paid", "dan")
        response = await world.client.post(f"/approval_requests/{ar4b['id']}/approve", headers=world.clara.auth)
        assert (response.status_code, error_message(response)) == (409, NOT_WAITING)

    async def test_other_counterpart_does_not_match(self, world: World):
        await world.policy(EXAMPLE_3)
        other = await create_counterpart(world.client, world.on, None, legal_name="Other Ltd")
        submitted = await world.submit(await world.payable(11900, counterpart_id=other["id"]))
        assert submitted["approval_policy_id"] is None
        submitted = await world.submit(await world.payable(11900))
        assert submitted["approval_policy_id"] is None


# -- Example 4 ---------------------------------------------------------------------------------


class TestExample4UserOrRole:
    async def _start(self, world: World):
        policy = await world.policy(EXAMPLE_4)
        p5 = await world.payable(20000, tag_ids=[world.t_mkt])
        submitted = await world.submit(p5)
        assert submitted["approval_policy_id"] == policy["id"]
        process = await world.process(policy["id"])
        ar5u, ar5r = await world.requests(p5["id"])  # both at once: run_concurrently defaults to true
        assert (ar5u["user_ids"], ar5u["role_ids"], ar5u["required_approval_count"]) == ([world.dan.id], [], 1)
        assert (ar5r["user_ids"], ar5r["role_ids"], ar5r["required_approval_count"]) == ([], [world.r_fin], 2)
        steps = await world.steps(policy["id"], process["id"])
        assert [(s["status"], s["approval_request_id"]) for s in steps] == [
            ("waiting", ar5u["id"]), ("waiting", ar5r["id"])]
        return policy, p5, process, ar5u, ar5r

    async def test_dan_approves_and_the_role_request_is_canceled(self, world: World, db):
        policy, p5, process, ar5u, ar5r = await self._start(world)
        body = await world.approve(world.anna, ar5r["id"])
        assert (body["status"], body["approved_by"]) == ("waiting", [world.anna.id])

        await world.approve(world.dan, ar5u["id"])
        assert (await world.request(ar5r["id"]))["status"] == "canceled"
        assert (await world.get_payable(p5["id"]))["status"] == "waiting_to_be_paid"
        assert (await world.process(policy["id"]))["status"] == "succeeded"
        steps = await world.steps(policy["id"], process["id"])
        assert [(s["status"], s["approved_by"]) for s in steps] == [
            ("approved", [world.dan.id]), ("canceled", [world.anna.id])]
        assert events(db, ar5r["id"]) == ["approval_request.created", "approval_request.canceled"]
        assert (await world.status_rows(p5["id"]))[-1] == ("approve_in_progress", "waiting_to_be_paid", "dan")

    async def test_dan_rejects_then_finance_approves(self, world: World, db):
        policy, p5, process, ar5u, ar5r = await self._start(world)
        await world.reject(world.dan, ar5u["id"])
        assert (await world.get_payable(p5["id"]))["status"] == "approve_in_progress"
        assert (await world.request(ar5r["id"]))["status"] == "waiting"
        await world.approve(world.anna, ar5r["id"])
        # Dan also has R_FIN: a different request, so he may act on it.
        body = await world.approve(world.dan, ar5r["id"])
        assert (body["status"], body["approved_by"]) == ("approved", [world.anna.id, world.dan.id])
        assert (await world.get_payable(p5["id"]))["status"] == "waiting_to_be_paid"
        steps = await world.steps(policy["id"], process["id"])
        assert [s["status"] for s in steps] == ["rejected", "approved"]
        assert (await world.status_rows(p5["id"]))[-1] == ("approve_in_progress", "waiting_to_be_paid", "dan")

    async def test_both_reject(self, world: World, db):
        policy, p5, process, ar5u, ar5r = await self._start(world)
        await world.reject(world.dan, ar5u["id"])
        await world.reject(world.anna, ar5r["id"])
        assert (await world.get_payable(p5["id"]))["status"] == "rejected"
        assert (await world.process(policy["id"]))["status"] == "succeeded"
        steps = await world.steps(policy["id"], process["id"])
        assert [s["status"] for s in steps] == ["rejected", "rejected"]
        assert events(db, p5["id"])[-1] == "payable.rejected"
        assert (await world.status_rows(p5["id"]))[-1] == ("approve_in_progress", "rejected", "anna")

    async def test_ben_is_not_in_the_role(self, world: World):
        _, _, _, ar5u, ar5r = await self._start(world)
        for request in (ar5u, ar5r):
            response = await world.client.post(f"/approval_requests/{request['id']}/approve", headers=world.ben.auth)
            assert (response.status_code, error_message(response)) == (403, NOT_ELIGIBLE)

    async def test_trigger_by_amount_or_tag(self, world: World):
        policy = await world.policy(EXAMPLE_4)
        assert (await world.submit(await world.payable(100001)))["approval_policy_id"] == policy["id"]
        assert (await world.submit(await world.payable(100000)))["approval_policy_id"] is None
        other = await create_tag(world.client, world.on, "Travel")
        assert (await world.submit(await world.payable(500, tag_ids=[other["id"]])))["approval_policy_id"] is None


# -- Example 5 ---------------------------------------------------------------------------------


class TestExample5ApproveAndPay:
    async def _rate(self, world: World) -> None:
        await world.ok("PATCH", f"/entities/{world.entity_id}/settings", headers=world.partner.auth, json={
            "currency": {"default": "EUR", "exchange_rates": [{"base": "USD", "to": "EUR", "rate": 0.9}]}})

    async def test_two_users_and_finance_then_paid(self, world: World, db):
        await self._rate(world)
        policy = await world.policy(EXAMPLE_5)
        p6 = await world.payable(15000, "USD")  # 13500 EUR at 0.9
        submitted = await world.submit(p6)
        assert submitted["approval_policy_id"] == policy["id"]
        process = await world.process(policy["id"])
        ar_users, ar_fin = await world.requests(p6["id"])
        assert (ar_users["user_ids"], ar_users["required_approval_count"]) == ([world.anna.id, world.ben.id], 2)
        assert (ar_fin["role_ids"], ar_fin["required_approval_count"]) == ([world.r_fin], 1)

        await world.approve(world.anna, ar_users["id"])
        await world.approve(world.ben, ar_users["id"])
        assert (await world.get_payable(p6["id"]))["status"] == "approve_in_progress"
        await world.approve(world.dan, ar_fin["id"])

        payable = await world.get_payable(p6["id"])
        assert payable["status"] == "paid"
        assert payable["amount_paid"] == payable["total_amount"] == 15000
        assert payable["marked_as_paid_with_comment"] == "Marked from approval."
        assert payable["marked_as_paid_by_entity_user_id"] == world.dan.id
        assert (await world.process(policy["id"]))["status"] == "succeeded"
        steps = await world.steps(policy["id"], process["id"])
        assert [(s["status"], s["approved_by"]) for s in steps] == [
            ("approved", [world.anna.id, world.ben.id]), ("approved", [world.dan.id])]
        assert events(db, p6["id"])[-2:] == ["payable.approved", "payable.paid"]
        assert (await world.status_rows(p6["id"]))[-2:] == [
            ("approve_in_progress", "waiting_to_be_paid", "dan"), ("waiting_to_be_paid", "paid", "dan")]

    async def test_converted_amount_too_high(self, world: World):
        await self._rate(world)
        await world.policy(EXAMPLE_5)
        # 22300 USD → 20070 EUR: not below 20000; 22000 USD → 19800 EUR: below.
        assert (await world.submit(await world.payable(22300, "USD")))["approval_policy_id"] is None
        assert (await world.submit(await world.payable(22000, "USD")))["approval_policy_id"] is not None

    async def test_without_a_rate_the_trigger_does_not_match(self, world: World):
        policy = await world.policy(EXAMPLE_5)
        assert (await world.submit(await world.payable(15000, "USD")))["approval_policy_id"] is None
        # EUR needs no rate.
        assert (await world.submit(await world.payable(15000, "EUR")))["approval_policy_id"] == policy["id"]


# -- Example 6 ---------------------------------------------------------------------------------


class TestExample6PriorityAndTies:
    async def _policies(self, world: World) -> tuple[dict, dict, dict]:
        a = await world.policy({"name": "A", "priority": 10, "trigger": "{invoice.amount > 1000}", "script": BEN_ONLY})
        b = await world.policy({"name": "B", "priority": 0, "trigger": "{invoice.amount > 500}", "script": BEN_ONLY})
        c = await world.policy({"name": "C", "priority": 10, "trigger": "{'Marketing' in invoice.tags.name}",
                                "script": BEN_ONLY})
        return a, b, c

    async def test_highest_priority_wins(self, world: World):
        a, b, c = await self._policies(world)
        submitted = await world.submit(await world.payable(2000))
        assert submitted["approval_policy_id"] == a["id"]
        assert len(await world.processes(a["id"])) == 1
        assert await world.processes(b["id"]) == [] and await world.processes(c["id"]) == []

    async def test_tie_then_catch_up_on_priority_patch(self, world: World, db):
        a, b, c = await self._policies(world)
        payable = await world.payable(2000, tag_ids=[world.t_mkt])
        submitted = await world.submit(payable)
        assert (submitted["status"], submitted["approval_policy_id"]) == ("approve_in_progress", None)
        assert events(db, payable["id"])[-2:] == ["payable.submitted_for_approval",
                                                  "payable.multiple_approval_policies_matched"]
        for policy in (a, b, c):
            assert await world.processes(policy["id"]) == []

        dry = await world.ok("POST", "/approval_policies/dry_run", json={"payable_id": payable["id"]})
        assert dry["tie"] is True and dry["approval_policy_id"] is None
        assert set(dry["matched_policy_ids"]) == {a["id"], c["id"]}

        patched = await world.ok("PATCH", f"/approval_policies/{c['id']}", json={"priority": 5})
        assert patched["priority"] == 5
        after = await world.get_payable(payable["id"])
        assert (after["status"], after["approval_policy_id"]) == ("approve_in_progress", a["id"])
        process = await world.process(a["id"])
        assert process["status"] == "waiting"
        assert process["created_by"] == str(world.partner.client_id)  # the actor of the PATCH
        [request] = await world.requests(payable["id"])
        assert (request["created_by"], request["user_ids"]) == (str(world.partner.client_id), [world.ben.id])
        assert events(db, process["id"]) == ["approval_policy_process.created"]

    async def test_a_future_window_or_pending_is_not_a_candidate(self, world: World):
        b = await world.policy({"name": "B", "priority": 0, "trigger": "{invoice.amount > 500}", "script": BEN_ONLY,
                                "starts_at": "2999-01-01T00:00:00Z"})
        assert (await world.submit(await world.payable(2000)))["approval_policy_id"] is None
        # Pending: the catch-up does not apply it to the payable waiting without a policy either.
        await world.ok("PATCH", f"/approval_policies/{b['id']}", json={"starts_at": None, "status": "pending"})
        assert (await world.submit(await world.payable(2000)))["approval_policy_id"] is None
        assert await world.processes(b["id"]) == []

    async def test_switching_back_to_active_catches_up(self, world: World):
        b = await world.policy({"name": "B", "trigger": "{invoice.amount > 500}", "script": BEN_ONLY})
        await world.ok("PATCH", f"/approval_policies/{b['id']}", json={"status": "pending"})
        waiting = await world.submit(await world.payable(2000))
        assert waiting["approval_policy_id"] is None
        await world.ok("PATCH", f"/approval_policies/{b['id']}", json={"status": "active"})
        assert (await world.get_payable(waiting["id"]))["approval_policy_id"] == b["id"]

    async def test_catch_up_on_create(self, world: World):
        waiting = await world.submit(await world.payable(2000))
        decided = await world.submit(await world.payable(2000))
        await world.ok("POST", f"/payables/{decided['id']}/reject", headers=world.dan.auth)
        policy = await world.policy({"name": "late", "script": BEN_ONLY})
        assert (await world.get_payable(waiting["id"]))["approval_policy_id"] == policy["id"]
        assert (await world.get_payable(decided["id"]))["approval_policy_id"] is None  # not approve_in_progress
        process = await world.process(policy["id"])
        assert process["metadata"]["object_id"] == waiting["id"]


# -- Example 7 ---------------------------------------------------------------------------------


class TestExample7CancelProcess:
    async def test_cancel_then_cancel_again(self, world: World, db):
        policy = await world.policy(EXAMPLE_1)
        p1 = await world.payable(75000)
        await world.submit(p1)
        pr1 = await world.process(policy["id"])
        [ar1] = await world.requests(p1["id"])

        canceled = await world.ok("POST", f"/approval_policies/{policy['id']}/processes/{pr1['id']}/cancel")
        assert canceled["status"] == "canceled"
        assert canceled["id"] == pr1["id"]
        assert (await world.request(ar1["id"]))["status"] == "canceled"
        [step] = await world.steps(policy["id"], pr1["id"])
        assert (step["status"], step["approval_request_id"]) == ("canceled", ar1["id"])
        payable = await world.get_payable(p1["id"])
        assert (payable["status"], payable["approval_policy_id"]) == ("approve_in_progress", policy["id"])
        assert events(db, ar1["id"]) == ["approval_request.created", "approval_request.canceled"]
        assert events(db, policy["id"]) == ["approval_policy.created", "approval_policy.process_canceled"]
        assert events(db, pr1["id"]) == ["approval_policy_process.created"]

        response = await world.client.post(f"/approval_policies/{policy['id']}/processes/{pr1['id']}/cancel",
                                           headers=world.on)
        assert (response.status_code, error_message(response)) == (409, not_cancellable(pr1["id"]))
        response = await world.client.post(f"/approval_requests/{ar1['id']}/approve", headers=world.ben.auth)
        assert (response.status_code, error_message(response)) == (409, NOT_WAITING)

        # Decided by hand, then reopened and submitted again: a fresh process.
        await world.ok("POST", f"/payables/{p1['id']}/reject", headers=world.dan.auth)
        assert (await world.process(policy["id"]))["status"] == "canceled"  # terminal: untouched
        reopened = await world.ok("POST", f"/payables/{p1['id']}/reopen", headers=world.dan.auth)
        assert (reopened["status"], reopened["approval_policy_id"]) == ("new", None)
        resubmitted = await world.submit(reopened)
        assert resubmitted["approval_policy_id"] == policy["id"]
        old, fresh = await world.processes(policy["id"])
        assert (old["id"], old["status"], fresh["status"]) == (pr1["id"], "canceled", "waiting")
        old_request, new_request = await world.requests(p1["id"])
        assert (old_request["id"], old_request["status"], new_request["status"]) == (ar1["id"], "canceled", "waiting")
        [step] = await world.steps(policy["id"], fresh["id"])
        assert step["approval_request_id"] == new_request["id"]
        await world.approve(world.ben, new_request["id"])
        assert (await world.get_payable(p1["id"]))["status"] == "waiting_to_be_paid"

    async def test_canceling_a_request_cancels_its_process(self, world: World, db):
        policy = await world.policy(EXAMPLE_3)
        p4 = await world.payable(11900, counterpart_id=world.c_acme)
        await world.submit(p4)
        process = await world.process(policy["id"])
        [ar4a] = await world.requests(p4["id"])
        body = await world.ok("POST", f"/approval_requests/{ar4a['id']}/cancel")
        assert body["status"] == "canceled"
        assert (await world.process(policy["id"]))["status"] == "canceled"
        steps = await world.steps(policy["id"], process["id"])
        assert [s["status"] for s in steps] == ["canceled", "canceled"]
        assert (await world.get_payable(p4["id"]))["status"] == "approve_in_progress"
        assert events(db, policy["id"])[-1] == "approval_policy.process_canceled"
        assert events(db, ar4a["id"]) == ["approval_request.created", "approval_request.canceled"]


# -- docs/approvals.md, "Effects on the payable": manual decisions, reopen, runtime errors ------


class TestManualDecisionWhileWaiting:
    @pytest.mark.parametrize(("action", "status", "event"), [
        ("approve_payment_operation", "waiting_to_be_paid", "payable.approved"),
        ("reject", "rejected", "payable.rejected"),
    ])
    async def test_cancels_the_process(self, world: World, db, action, status, event):
        policy = await world.policy(EXAMPLE_4)
        p5 = await world.payable(20000, tag_ids=[world.t_mkt])
        await world.submit(p5)
        process = await world.process(policy["id"])
        requests = await world.requests(p5["id"])

        decided = await world.ok("POST", f"/payables/{p5['id']}/{action}", headers=world.anna.auth)
        assert (decided["status"], decided["approval_policy_id"]) == (status, policy["id"])
        assert (await world.process(policy["id"]))["status"] == "canceled"
        assert [r["status"] for r in await world.requests(p5["id"])] == ["canceled", "canceled"]
        assert [s["status"] for s in await world.steps(policy["id"], process["id"])] == ["canceled", "canceled"]
        for request in requests:
            assert events(db, request["id"]) == ["approval_request.created", "approval_request.canceled"]
        assert events(db, p5["id"])[-1] == event
        assert events(db, policy["id"])[-1] == "approval_policy.process_canceled"
        assert (await world.status_rows(p5["id"]))[-1] == ("approve_in_progress", status, "anna")

    async def test_reopen_after_approval_and_submit_again(self, world: World):
        policy = await world.policy(EXAMPLE_1)
        p1 = await world.payable(75000)
        await world.submit(p1)
        [ar1] = await world.requests(p1["id"])
        await world.approve(world.ben, ar1["id"])
        reopened = await world.ok("POST", f"/payables/{p1['id']}/reopen", headers=world.dan.auth)
        assert (reopened["status"], reopened["approval_policy_id"]) == ("new", None)
        assert (await world.process(policy["id"]))["status"] == "succeeded"
        await world.submit(reopened)
        first, second = await world.processes(policy["id"])
        assert (first["status"], second["status"]) == ("succeeded", "waiting")
        assert [r["status"] for r in await world.requests(p1["id"])] == ["approved", "waiting"]


class TestRuntimeError:
    @pytest.mark.parametrize("how", ["deactivated", "deleted"])
    async def test_user_gone_before_submission(self, world: World, db, how):
        policy = await world.policy({"name": "Ben or Clara", "script": [
            {"if": {"all": [
                {"call": "ApprovalRequests.request_approval_by_users",
                 "params": {"user_ids": ["U_ANNA"], "required_approval_count": 1}},
                {"call": "ApprovalRequests.request_approval_by_users",
                 "params": {"user_ids": ["U_CLARA"], "required_approval_count": 1}},
            ]}, "then": ["{Payables.approve(invoice.id)}"], "else": ["{Payables.reject(invoice.id)}"]},
        ]})
        if how == "deactivated":  # no endpoint deactivates an entity user: straight in the database
            with db.transaction() as session:
                session.get_one(EntityUser, uuid.UUID(world.clara.id)).status = "inactive"
        else:
            await world.ok("DELETE", f"/entity_users/{world.clara.id}", status=204)
        p = await world.payable(5000)

        submitted = await world.submit(p)
        assert (submitted["status"], submitted["approval_policy_id"]) == ("approve_in_progress", policy["id"])
        process = await world.process(policy["id"])
        assert process["status"] == "failed"
        assert process["error"]["location"] == "script[0].if.all[1]"
        assert world.clara.id in process["error"]["message"]
        steps = await world.steps(policy["id"], process["id"])
        assert [s["status"] for s in steps] == ["canceled", "failed"]
        assert steps[1]["approval_request_id"] is None
        [anna_request] = await world.requests(p["id"])  # created, then canceled with the failure
        assert anna_request["status"] == "canceled"
        assert events(db, process["id"]) == ["approval_policy_process.created",
                                            "approval_policy_process.execution_error"]
        assert (await world.get_payable(p["id"]))["status"] == "approve_in_progress"
        # Decided by hand afterwards.
        decided = await world.ok("POST", f"/payables/{p['id']}/approve_payment_operation", headers=world.dan.auth)
        assert decided["status"] == "waiting_to_be_paid"
        assert (await world.process(policy["id"]))["status"] == "failed"

    async def test_deleted_role(self, world: World, db):
        role = await world.partner.create_role(world.entity_id, permissions(approval_request=["read", "update"]))
        policy = await world.policy({"name": "role", "script": [
            {"call": "ApprovalRequests.request_approval_by_roles",
             "params": {"role_ids": [role["id"]], "required_approval_count": 1}}]})
        await world.ok("DELETE", f"/roles/{role['id']}", status=204)
        submitted = await world.submit(await world.payable(5000))
        assert submitted["status"] == "approve_in_progress"
        process = await world.process(policy["id"])
        assert (process["status"], process["error"]["location"]) == ("failed", "script[0]")
        assert [s["status"] for s in await world.steps(policy["id"], process["id"])] == ["failed"]

    async def test_role_without_users_waits(self, world: World):
        role = await world.partner.create_role(world.entity_id, permissions(approval_request=["read", "update"]))
        policy = await world.policy({"name": "empty role", "script": [
            {"call": "ApprovalRequests.request_approval_by_roles",
             "params": {"role_ids": [role["id"]], "required_approval_count": 1}}]})
        await world.submit(await world.payable(5000))
        assert (await world.process(policy["id"]))["status"] == "waiting"


class TestScriptDecidesImmediately:
    async def test_condition_only_script(self, world: World, db):
        policy = await world.policy({"name": "auto", "script": [
            {"if": "{invoice.amount < 1000}", "then": ["{Payables.approve(invoice.id)}"],
             "else": ["{Payables.reject(invoice.id)}"]}]})
        small = await world.submit(await world.payable(500))
        assert (small["status"], small["approval_policy_id"]) == ("waiting_to_be_paid", policy["id"])
        assert (await world.status_rows(small["id"]))[-2:] == [
            ("new", "approve_in_progress", "anna"), ("approve_in_progress", "waiting_to_be_paid", "anna")]
        large = await world.submit(await world.payable(5000))
        assert large["status"] == "rejected"
        assert [p["status"] for p in await world.processes(policy["id"])] == ["succeeded", "succeeded"]

    async def test_skip_approval_flow_bypasses_matching(self, world: World):
        policy = await world.policy(EXAMPLE_1)
        p1 = await world.payable(75000)
        await world.ok("PATCH", f"/entities/{world.entity_id}/settings", headers=world.partner.auth,
                       json={"payables_skip_approval_flow": True})
        submitted = await world.submit(p1)
        assert (submitted["status"], submitted["approval_policy_id"]) == ("waiting_to_be_paid", None)
        assert await world.processes(policy["id"]) == []


class TestAfterTheProcess:
    async def test_requests_stay_readable_after_the_payable_is_deleted(self, world: World):
        policy = await world.policy(EXAMPLE_1)
        p1 = await world.payable(75000)
        await world.submit(p1)
        [ar1] = await world.requests(p1["id"])
        await world.reject(world.ben, ar1["id"])
        await world.ok("POST", f"/payables/{p1['id']}/reopen", headers=world.dan.auth)
        await world.ok("DELETE", f"/payables/{p1['id']}", status=204)
        assert (await world.request(ar1["id"]))["status"] == "rejected"
        [process] = await world.processes(policy["id"])
        assert process["status"] == "succeeded"
        assert len(await world.steps(policy["id"], process["id"])) == 1

    async def test_manual_request_on_a_deleted_payable(self, world: World):
        payable = await world.payable(1000)
        request = await world.ok("POST", "/approval_requests", status=201, json={
            "object_type": "payable", "object_id": payable["id"], "required_approval_count": 1,
            "user_ids": [world.ben.id]})
        await world.ok("DELETE", f"/payables/{payable['id']}", status=204)
        assert (await world.approve(world.ben, request["id"]))["status"] == "approved"


class TestTriggerForms:
    """Trigger shapes (docs/approvals-script.md, "Triggers"), applied on submission."""

    async def _matches(self, world: World, trigger: Any, **payable: Any) -> bool:
        policy = await world.policy({"name": "t", "trigger": trigger, "script": BEN_ONLY})
        submitted = await world.submit(await world.payable(payable.pop("amount", 40000), **payable))
        await world.ok("DELETE", f"/approval_policies/{policy['id']}", status=204)
        return submitted["approval_policy_id"] == policy["id"]

    async def test_event_name_spelling(self, world: World):
        assert await self._matches(world, "{event_name == 'submitted_for_approval'}")
        assert not await self._matches(world, "{event_name == 'submit_for_approval'}")

    async def test_tag_membership_the_builder_way(self, world: World):
        trigger = {"all": ["{event_name == 'submitted_for_approval'}",
                           {"operator": "in", "left_operand": world.t_mkt, "right_operand": {"name": "invoice.tags.id"}}]}
        assert await self._matches(world, trigger, tag_ids=[world.t_mkt])
        assert not await self._matches(world, trigger)

    async def test_legacy_object(self, world: World):
        legacy = {"version": 1, "object_type": "payable", "action": "create", "counterparts": [world.c_acme],
                  "amount": {"gt": 30000}, "currency": "EUR", "statuses": ["waiting_to_be_paid"]}
        assert await self._matches(world, legacy, counterpart_id=world.c_acme)
        assert not await self._matches(world, legacy, counterpart_id=world.c_acme, amount=30000)
        assert not await self._matches(world, legacy)  # no counterpart

    async def test_list_range_and_string_threshold(self, world: World):
        assert await self._matches(world, ["{invoice.amount >= 40000}", "{invoice.currency == 'EUR'}"])
        assert await self._matches(world, {"operator": "range", "left_operand": {"name": "invoice.amount"},
                                           "right_operand": [40000, 40000]})
        assert await self._matches(world, {"operator": ">=", "left_operand": {"name": "invoice.amount"},
                                           "right_operand": "40000"})
        assert not await self._matches(world, {"operator": ">", "left_operand": {"name": "invoice.amount"},
                                               "right_operand": "40000"})

    async def test_counterpart_name_and_unknown_attribute(self, world: World):
        assert await self._matches(world, "{invoice.counterpart_name == 'ACME GmbH'}", counterpart_id=world.c_acme)
        assert await self._matches(world, "{invoice.no_such_field == null}")


class TestActionRuntimeErrors:
    """Run-time errors (docs/approvals.md, "Run-time errors"): an action the payable's status does not allow,
    or one aimed at another payable."""

    async def test_transition_not_allowed(self, world: World, db):
        policy = await world.policy({"name": "confused", "script": [
            "{Payables.approve(invoice.id)}", "{Payables.reject(invoice.id)}"]})
        submitted = await world.submit(await world.payable(1000))
        # The interpreter finds the error before any action is carried out: the payable stays put.
        assert (submitted["status"], submitted["approval_policy_id"]) == ("approve_in_progress", policy["id"])
        process = await world.process(policy["id"])
        assert process["status"] == "failed"
        assert process["error"]["location"] == "script[1]"
        assert process["error"]["message"]
        assert events(db, process["id"])[-1] == "approval_policy_process.execution_error"

    async def test_another_payable(self, world: World):
        other = await world.payable(1000)
        policy = await world.policy({"name": "elsewhere", "script": [f"{{Payables.approve('{other['id']}')}}"]})
        submitted = await world.submit(await world.payable(1000))
        assert submitted["status"] == "approve_in_progress"
        process = await world.process(policy["id"])
        assert (process["status"], process["error"]["location"]) == ("failed", "script[0]")
        assert (await world.get_payable(other["id"]))["status"] == "new"
