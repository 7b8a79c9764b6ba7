"""Processes and steps of an approval policy (docs/approvals.md, "Processes and steps"), and the
remit extension ``POST /approval_policies/dry_run``."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.approvals import approve_or_reject, create_policy, role_gate, submitted_with_process, user_gate
from tests.fixtures.masterdata import assert_shape, error_message, event_actions, new_partner
from tests.fixtures.payables import act, get_payable, new_payable


def policy_not_found(policy_id: object) -> str:
    return f"Approval policy with ID {policy_id} not found."


def process_not_found(process_id: object) -> str:
    return f"Approval policy process with ID {process_id} not found."


def not_cancellable(process_id: object) -> str:
    return (f"Action is not allowed for approval policy process with id {process_id} because it is not in one of "
            "the following statuses: running, waiting")


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


@pytest.fixture
async def made(partner, entity):
    """A payable submitted under a one-user policy (its process waits on one request)."""
    return await submitted_with_process(partner, entity["id"])


def base(made) -> str:
    return f"/approval_policies/{made['policy']['id']}/processes"


class TestList:
    async def test_unauthenticated(self, client, made, entity):
        response = await client.get(base(made), headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_shape(self, client, on, made):
        response = await client.get(base(made), headers=on)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data"}  # no pagination tokens
        [process] = body["data"]
        assert_shape(process, "ProcessResource")
        assert process["id"] == made["process"]["id"]
        assert process["status"] == "waiting"
        assert process["metadata"] == {"object_type": "payable", "object_id": made["payable"]["id"],
                                       "approval_policy_id": made["policy"]["id"]}
        assert process["script_snapshot"] == made["policy"]["script"]
        assert set(process["input"]) == {"event_name", "invoice"}

    async def test_every_status_oldest_first(self, client, on, made):
        first = made["process"]
        response = await client.post(f"{base(made)}/{first['id']}/cancel", headers=on)
        assert response.status_code == 200
        payable = await new_payable(client, on)
        await act(client, on, payable["id"], "submit_for_approval")
        processes = (await client.get(base(made), headers=on)).json()["data"]
        assert [(p["id"], p["status"]) for p in processes][0] == (first["id"], "canceled")
        assert [p["status"] for p in processes] == ["canceled", "waiting"]
        assert processes[1]["metadata"]["object_id"] == payable["id"]

    async def test_policy_without_processes(self, client, on):
        policy = await create_policy(client, on, script=[True], trigger=False)
        assert (await client.get(f"/approval_policies/{policy['id']}/processes", headers=on)).json() == {"data": []}

    async def test_unknown_policy(self, client, on):
        missing = uuid.uuid4()
        response = await client.get(f"/approval_policies/{missing}/processes", headers=on)
        assert (response.status_code, error_message(response)) == (404, policy_not_found(missing))

    async def test_malformed(self, client, on):
        assert (await client.get("/approval_policies/nope/processes", headers=on)).status_code == 422

    async def test_other_entity(self, client, partner, made, other_entity):
        response = await client.get(base(made), headers=partner.on(other_entity["id"]))
        assert (response.status_code, error_message(response)) == (404, policy_not_found(made["policy"]["id"]))

    async def test_deleted_policy_processes_stay_observable(self, client, on, made):
        assert (await client.delete(f"/approval_policies/{made['policy']['id']}", headers=on)).status_code == 204
        assert (await client.get(f"/approval_policies/{made['policy']['id']}", headers=on)).status_code == 404
        [process] = (await client.get(base(made), headers=on)).json()["data"]
        response = await client.get(f"{base(made)}/{process['id']}", headers=on)
        assert response.status_code == 200
        response = await client.get(f"{base(made)}/{process['id']}/steps", headers=on)
        assert response.status_code == 200
        response = await client.post(f"{base(made)}/{process['id']}/cancel", headers=on)
        assert (response.status_code, response.json()["status"]) == (200, "canceled")


class TestGet:
    async def test_get(self, client, on, made):
        response = await client.get(f"{base(made)}/{made['process']['id']}", headers=on)
        assert response.status_code == 200
        assert_shape(response.json(), "ProcessResource")
        assert response.json() == made["process"]

    async def test_unknown_process(self, client, on, made):
        missing = uuid.uuid4()
        response = await client.get(f"{base(made)}/{missing}", headers=on)
        assert (response.status_code, error_message(response)) == (404, process_not_found(missing))

    async def test_unknown_policy(self, client, on, made):
        missing = uuid.uuid4()
        response = await client.get(f"/approval_policies/{missing}/processes/{made['process']['id']}", headers=on)
        assert (response.status_code, error_message(response)) == (404, policy_not_found(missing))

    @pytest.mark.parametrize("suffix", ["", "/steps", "/cancel"])
    async def test_process_of_another_policy(self, client, on, made, suffix):
        other = await create_policy(client, on, script=[True], trigger=False)
        method = "POST" if suffix == "/cancel" else "GET"
        pid = made["process"]["id"]
        response = await client.request(method, f"/approval_policies/{other['id']}/processes/{pid}{suffix}",
                                        headers=on)
        assert (response.status_code, error_message(response)) == (404, process_not_found(pid))

    @pytest.mark.parametrize("suffix", ["", "/steps", "/cancel"])
    async def test_other_entity(self, client, partner, made, other_entity, suffix):
        method = "POST" if suffix == "/cancel" else "GET"
        response = await client.request(method, f"{base(made)}/{made['process']['id']}{suffix}",
                                        headers=partner.on(other_entity["id"]))
        assert (response.status_code, error_message(response)) == (404, policy_not_found(made["policy"]["id"]))

    async def test_malformed_process_id(self, client, on, made):
        assert (await client.get(f"{base(made)}/not-a-uuid", headers=on)).status_code == 422


class TestSteps:
    async def test_shape(self, client, on, made):
        response = await client.get(f"{base(made)}/{made['process']['id']}/steps", headers=on)
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data"}
        [step] = body["data"]
        assert_shape(step, "ApprovalProcessStepResource")
        assert step == {"object_id": made["payable"]["id"], "user_ids": [made["approver"].id], "role_ids": [],
                        "required_approval_count": 1, "status": "waiting", "approved_by": [], "rejected_by": None,
                        "approval_request_id": made["request"]["id"]}

    async def test_depth_first_with_concrete_params_before_reached(self, client, partner, entity, on):
        eid = entity["id"]
        a = await partner.user_with(eid, approval_request=["read", "update"])
        b = await partner.user_with(eid, approval_request=["read", "update"])
        c = await partner.user_with(eid, approval_request=["read", "update"])
        role = await partner.create_role(eid, {"objects": []})
        script = [
            {"all": [user_gate([a.id]), {"any": [role_gate([role["id"]], 3), user_gate([b.id, c.id], 2)]}],
             "run_concurrently": False},
            user_gate([c.id]),
        ]
        policy = await create_policy(client, on, script=script)
        payable = await new_payable(client, on)
        await act(client, on, payable["id"], "submit_for_approval")
        [process] = (await client.get(f"/approval_policies/{policy['id']}/processes", headers=on)).json()["data"]
        steps = (await client.get(f"/approval_policies/{policy['id']}/processes/{process['id']}/steps",
                                  headers=on)).json()["data"]
        assert [(s["user_ids"], s["role_ids"], s["required_approval_count"], s["status"]) for s in steps] == [
            ([a.id], [], 1, "waiting"),
            ([], [role["id"]], 3, "not_started"),
            ([b.id, c.id], [], 2, "not_started"),
            ([c.id], [], 1, "not_started"),
        ]
        assert [s["approval_request_id"] is None for s in steps] == [False, True, True, True]
        assert all(s["object_id"] == payable["id"] and s["approved_by"] == [] for s in steps)


class TestCancel:
    async def test_cancel(self, client, on, made, db):
        pid = made["process"]["id"]
        response = await client.post(f"{base(made)}/{pid}/cancel", headers=on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert_shape(body, "ProcessResource")
        assert (body["id"], body["status"]) == (pid, "canceled")
        request = (await client.get(f"/approval_requests/{made['request']['id']}", headers=on)).json()
        assert request["status"] == "canceled"
        [step] = (await client.get(f"{base(made)}/{pid}/steps", headers=on)).json()["data"]
        assert step["status"] == "canceled"
        payable = await get_payable(client, on, made["payable"]["id"])
        assert (payable["status"], payable["approval_policy_id"]) == ("approve_in_progress", made["policy"]["id"])
        assert event_actions(db, made["policy"]["id"])[-1] == "approval_policy.process_canceled"
        assert event_actions(db, made["request"]["id"])[-1] == "approval_request.canceled"

        response = await client.post(f"{base(made)}/{pid}/cancel", headers=on)
        assert (response.status_code, error_message(response)) == (409, not_cancellable(pid))
        assert event_actions(db, made["policy"]["id"]).count("approval_policy.process_canceled") == 1

    @pytest.mark.parametrize("verb", ["approve", "reject"])
    async def test_finished_process(self, client, on, made, verb):
        approver = made["approver"]
        response = await client.post(f"/approval_requests/{made['request']['id']}/{verb}", headers=approver.auth)
        assert response.status_code == 200
        pid = made["process"]["id"]
        assert (await client.get(f"{base(made)}/{pid}", headers=on)).json()["status"] == "succeeded"
        response = await client.post(f"{base(made)}/{pid}/cancel", headers=on)
        assert (response.status_code, error_message(response)) == (409, not_cancellable(pid))

    async def test_failed_process(self, client, partner, entity, on):
        role = await partner.create_role(entity["id"], {"objects": []})
        policy = await create_policy(client, on, script=[role_gate([role["id"]])])
        assert (await client.delete(f"/roles/{role['id']}", headers=on)).status_code == 204
        payable = await new_payable(client, on)
        await act(client, on, payable["id"], "submit_for_approval")
        [process] = (await client.get(f"/approval_policies/{policy['id']}/processes", headers=on)).json()["data"]
        assert process["status"] == "failed"
        assert set(process["error"]) == {"message", "location"}
        response = await client.post(f"/approval_policies/{policy['id']}/processes/{process['id']}/cancel",
                                     headers=on)
        assert (response.status_code, error_message(response)) == (409, not_cancellable(process["id"]))

    async def test_as_entity_user(self, client, partner, entity, made):
        reader = await partner.user_with(entity["id"], approval_policy=["read"])
        pid = made["process"]["id"]
        response = await client.post(f"{base(made)}/{pid}/cancel", headers=reader.auth)
        assert (response.status_code, error_message(response)) == (403, "Action update for approval_policy not allowed")
        updater = await partner.user_with(entity["id"], approval_policy=["update"])
        response = await client.post(f"{base(made)}/{pid}/cancel", headers=updater.auth)
        assert response.status_code == 200, response.text
        assert (response.json()["status"], response.json()["updated_by"]) == ("canceled", updater.id)

    async def test_allowed_for_own_reaches_only_own_policies(self, client, partner, entity, made):
        # made's policy was created with the partner token, so it is nobody's own.
        own_only = await partner.user_with(entity["id"], approval_policy={"read": "allowed_for_own",
                                                                           "update": "allowed_for_own"})
        pid = made["process"]["id"]
        response = await client.post(f"{base(made)}/{pid}/cancel", headers=own_only.auth)
        assert (response.status_code, error_message(response)) == (403, "Action update for approval_policy not allowed")
        response = await client.get(f"{base(made)}/{pid}", headers=own_only.auth)
        assert (response.status_code, error_message(response)) == (403, "Action read for approval_policy not allowed")
        assert (await client.get(f"{base(made)}/{pid}", headers=partner.on(entity["id"]))).json()["status"] == "waiting"

    async def test_unknown(self, client, on, made):
        missing = uuid.uuid4()
        response = await client.post(f"{base(made)}/{missing}/cancel", headers=on)
        assert (response.status_code, error_message(response)) == (404, process_not_found(missing))


class TestPermissions:
    async def test_read_needs_approval_policy_read(self, client, partner, entity, made):
        user = await partner.user_with(entity["id"], approval_request=["read", "update"])
        pid = made["process"]["id"]
        for path in (base(made), f"{base(made)}/{pid}", f"{base(made)}/{pid}/steps"):
            response = await client.get(path, headers=user.auth)
            assert (response.status_code, error_message(response)) == (403, "Action read for approval_policy not allowed")
        reader = await partner.user_with(entity["id"], approval_policy=["read"])
        for path in (base(made), f"{base(made)}/{pid}", f"{base(made)}/{pid}/steps"):
            assert (await client.get(path, headers=reader.auth)).status_code == 200


class TestDryRun:
    """remit extension: which policy would take a payable, and whom its script would ask first."""

    KEYS = {"approval_policy_id", "matched_policy_ids", "tie", "approval_requests", "actions", "decision", "finished"}

    async def test_preview_writes_nothing(self, client, partner, entity, on, db):
        approver = await partner.user_with(entity["id"], approval_request=["read", "update"])
        policy = await create_policy(client, on, script=approve_or_reject(user_gate([approver.id])),
                                     trigger="{invoice.amount > 100}")
        payable = await new_payable(client, on)
        events_before = event_actions(db, payable["id"])
        response = await client.post("/approval_policies/dry_run", json={"payable_id": payable["id"]}, headers=on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == self.KEYS
        assert (body["approval_policy_id"], body["matched_policy_ids"], body["tie"]) == (
            policy["id"], [policy["id"]], False)
        assert body["approval_requests"] == [{"location": "script[0].if", "user_ids": [approver.id], "role_ids": [],
                                              "required_approval_count": 1}]
        assert (body["actions"], body["decision"], body["finished"]) == ([], None, False)
        assert (await client.get(f"/approval_policies/{policy['id']}/processes", headers=on)).json() == {"data": []}
        assert (await get_payable(client, on, payable["id"]))["status"] == "new"
        assert event_actions(db, payable["id"]) == events_before

    async def test_immediate_decision(self, client, on):
        policy = await create_policy(client, on, script=approve_or_reject("{invoice.amount > 100}"))
        payable = await new_payable(client, on)
        body = (await client.post("/approval_policies/dry_run", json={"payable_id": payable["id"]},
                                  headers=on)).json()
        assert body["approval_policy_id"] == policy["id"]
        assert body["approval_requests"] == []
        assert [a["kind"] for a in body["actions"]] == ["approve"]
        assert body["finished"] is True

    async def test_no_match_and_one_policy(self, client, on):
        never = await create_policy(client, on, script=[True], trigger=False)
        payable = await new_payable(client, on)
        body = (await client.post("/approval_policies/dry_run", json={"payable_id": payable["id"]},
                                  headers=on)).json()
        assert (body["approval_policy_id"], body["matched_policy_ids"], body["tie"]) == (None, [], False)
        always = await create_policy(client, on, script=[True])
        body = (await client.post("/approval_policies/dry_run",
                                  json={"payable_id": payable["id"], "approval_policy_id": never["id"]},
                                  headers=on)).json()
        assert body["approval_policy_id"] is None
        body = (await client.post("/approval_policies/dry_run",
                                  json={"payable_id": payable["id"], "approval_policy_id": always["id"]},
                                  headers=on)).json()
        assert body["approval_policy_id"] == always["id"]

    async def test_unknown_ids(self, client, on):
        missing = uuid.uuid4()
        response = await client.post("/approval_policies/dry_run", json={"payable_id": str(missing)}, headers=on)
        assert response.status_code == 404
        payable = await new_payable(client, on)
        response = await client.post("/approval_policies/dry_run",
                                     json={"payable_id": payable["id"], "approval_policy_id": str(missing)},
                                     headers=on)
        assert (response.status_code, error_message(response)) == (404, policy_not_found(missing))


class TestStepOutcomes:
    """How steps end for script shapes the worked examples do not use
    (docs/approvals-script.md, "Outcomes (three-valued)", "Steps")."""

    async def _run(self, client, partner, entity, script_of):
        eid = entity["id"]
        on = partner.on(eid)
        ben = await partner.user_with(eid, approval_request=["read", "update"])
        clara = await partner.user_with(eid, approval_request=["read", "update"])
        policy = await create_policy(client, on, script=script_of(ben.id, clara.id))
        payable = await new_payable(client, on)
        await act(client, on, payable["id"], "submit_for_approval")
        [process] = (await client.get(f"/approval_policies/{policy['id']}/processes", headers=on)).json()["data"]
        path = f"/approval_policies/{policy['id']}/processes/{process['id']}"

        async def state():
            process_ = (await client.get(path, headers=on)).json()
            steps = (await client.get(f"{path}/steps", headers=on)).json()["data"]
            payable_ = await get_payable(client, on, payable["id"])
            return payable_["status"], process_["status"], [s["status"] for s in steps], steps

        return ben, clara, state

    async def _decide(self, client, who, steps, index, verb):
        response = await client.post(f"/approval_requests/{steps[index]['approval_request_id']}/{verb}",
                                     headers=who.auth)
        assert response.status_code == 200, response.text

    async def test_top_level_requirements_stop_at_the_first_false(self, client, partner, entity):
        ben, clara, state = await self._run(client, partner, entity, lambda b, c: [user_gate([b]), user_gate([c])])
        payable, process, statuses, steps = await state()
        assert (payable, process, statuses) == ("approve_in_progress", "waiting", ["waiting", "not_started"])
        await self._decide(client, ben, steps, 0, "reject")
        payable, process, statuses, _ = await state()
        assert (payable, process, statuses) == ("rejected", "succeeded", ["rejected", "skipped"])

    async def test_top_level_requirements_all_true(self, client, partner, entity):
        ben, clara, state = await self._run(client, partner, entity, lambda b, c: [user_gate([b]), user_gate([c])])
        _, _, _, steps = await state()
        await self._decide(client, ben, steps, 0, "approve")
        payable, process, statuses, steps = await state()
        assert (payable, process, statuses) == ("approve_in_progress", "waiting", ["approved", "waiting"])
        await self._decide(client, clara, steps, 1, "approve")
        payable, process, statuses, _ = await state()
        assert (payable, process, statuses) == ("waiting_to_be_paid", "succeeded", ["approved", "approved"])

    async def test_gates_after_the_decision_are_skipped(self, client, partner, entity):
        ben, clara, state = await self._run(client, partner, entity, lambda b, c: [
            {"if": user_gate([b]), "then": ["{Payables.approve(invoice.id)}"]}, user_gate([c])])
        _, _, _, steps = await state()
        await self._decide(client, ben, steps, 0, "approve")
        payable, process, statuses, steps = await state()
        assert (payable, process, statuses) == ("waiting_to_be_paid", "succeeded", ["approved", "skipped"])
        assert steps[1]["approval_request_id"] is None

    async def test_sequential_any_asks_the_next_after_a_rejection(self, client, partner, entity):
        ben, clara, state = await self._run(client, partner, entity, lambda b, c: approve_or_reject(
            {"any": [user_gate([b]), user_gate([c])], "run_concurrently": False}))
        _, _, statuses, steps = await state()
        assert statuses == ["waiting", "not_started"]
        await self._decide(client, ben, steps, 0, "reject")
        payable, process, statuses, steps = await state()
        assert (payable, process, statuses) == ("approve_in_progress", "waiting", ["rejected", "waiting"])
        await self._decide(client, clara, steps, 1, "approve")
        payable, process, statuses, _ = await state()
        assert (payable, process, statuses) == ("waiting_to_be_paid", "succeeded", ["rejected", "approved"])

    async def test_sequential_any_first_true_skips_the_rest(self, client, partner, entity):
        ben, clara, state = await self._run(client, partner, entity, lambda b, c: approve_or_reject(
            {"any": [user_gate([b]), user_gate([c])], "run_concurrently": False}))
        _, _, _, steps = await state()
        await self._decide(client, ben, steps, 0, "approve")
        payable, process, statuses, _ = await state()
        assert (payable, process, statuses) == ("waiting_to_be_paid", "succeeded", ["approved", "skipped"])

    async def test_concurrent_all_false_cancels_the_other(self, client, partner, entity):
        ben, clara, state = await self._run(client, partner, entity, lambda b, c: approve_or_reject(
            {"all": [user_gate([b]), user_gate([c])]}))
        _, _, statuses, steps = await state()
        assert statuses == ["waiting", "waiting"]
        await self._decide(client, clara, steps, 1, "reject")
        payable, process, statuses, _ = await state()
        assert (payable, process, statuses) == ("rejected", "succeeded", ["canceled", "rejected"])

    async def test_mark_as_paid_at_submission(self, client, partner, entity):
        eid = entity["id"]
        on = partner.on(eid)
        submitter = await partner.user_with(eid, payable=["create", "read", "update", "submit"])
        await create_policy(client, on, script=["{Payables.mark_as_paid(invoice.id, 'auto')}"])
        payable = await new_payable(client, on)
        response = await client.post(f"/payables/{payable['id']}/submit_for_approval", headers=submitter.auth)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["status"], body["marked_as_paid_with_comment"]) == ("paid", "auto")
        # Nobody approved: "the user whose approval let the script reach this point (null if none)".
        assert body["marked_as_paid_by_entity_user_id"] is None
