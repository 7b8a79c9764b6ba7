"""Approval policies through the API (docs/approvals.md, "Policies", "Permissions";
docs/approvals-script.md, "Errors"):
create, read, list with every filter and pages, update (PATCH semantics), delete, validation of
script and trigger, tenancy and roles."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

import pytest

from tests.fixtures.approvals import approve_or_reject, create_policy, user_gate
from tests.fixtures.entities import ALL_CRUD
from tests.fixtures.masterdata import assert_shape, error_message, event_actions, locs, new_partner
from tests.fixtures.payables import act, new_payable

SCRIPT = [True]


def set_user_status(db, user_id: str, status: str) -> None:
    from remit.entities.users.models import EntityUser

    with db.transaction() as session:
        session.get_one(EntityUser, uuid.UUID(user_id)).status = status  # the smallest valid script: one condition


def not_found(policy_id: object) -> str:
    return f"Approval policy with ID {policy_id} not found."


def script_error(response) -> str:
    assert response.status_code == 400, response.text
    message = error_message(response)
    assert message.startswith("Script validation error: ") and message.endswith("."), message
    return message


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


async def policy_names(client, headers, **params) -> list[str]:
    response = await client.get("/approval_policies", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [p["name"] for p in response.json()["data"]]


class TestCreate:
    async def test_unauthenticated(self, client, entity):
        response = await client.post("/approval_policies", json={"name": "x", "script": SCRIPT},
                                     headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_create_as_partner(self, client, partner, on, db):
        body = {"name": "Bills", "description": "big ones", "script": SCRIPT, "trigger": "{invoice.amount > 5}",
                "priority": 3}
        response = await client.post("/approval_policies", json=body, headers=on)
        assert response.status_code == 201, response.text
        policy = response.json()
        assert_shape(policy, "ApprovalPolicyResource")
        assert (policy["name"], policy["description"], policy["script"], policy["trigger"], policy["priority"]) == (
            "Bills", "big ones", SCRIPT, "{invoice.amount > 5}", 3)
        assert policy["status"] == "active"
        assert policy["created_by"] == policy["updated_by"] == str(partner.client_id)
        assert policy["starts_at"] is None and policy["ends_at"] is None
        assert event_actions(db, policy["id"]) == ["approval_policy.created"]
        fetched = await client.get(f"/approval_policies/{policy['id']}", headers=on)
        assert fetched.json() == policy

    async def test_defaults(self, client, on):
        policy = await create_policy(client, on, name="minimal", script=SCRIPT)
        assert (policy["priority"], policy["trigger"], policy["description"]) == (0, None, None)

    async def test_created_by_the_entity_user(self, client, partner, entity):
        user = await partner.user_with(entity["id"], approval_policy=ALL_CRUD)
        policy = await create_policy(client, user.auth, script=SCRIPT)
        assert policy["created_by"] == policy["updated_by"] == user.id

    @pytest.mark.parametrize("trigger", [
        True, False, "{invoice.amount > 1}", ["{invoice.amount > 1}"], {"all": []}, {"any": [True]},
        {"operator": "range", "left_operand": {"name": "invoice.amount"}, "right_operand": [1, 5]},
        {"version": 1, "object_type": "payable", "action": "create", "amount": {"gt": 30000}, "currency": "EUR"},
    ])
    async def test_trigger_echoed_exactly(self, client, on, trigger):
        policy = await create_policy(client, on, script=SCRIPT, trigger=trigger)
        assert policy["trigger"] == trigger
        fetched = await client.get(f"/approval_policies/{policy['id']}", headers=on)
        assert fetched.json()["trigger"] == trigger

    async def test_names_need_not_be_unique(self, client, on):
        first = await create_policy(client, on, name="same", script=SCRIPT)
        second = await create_policy(client, on, name="same", script=SCRIPT)
        assert first["id"] != second["id"]

    @pytest.mark.parametrize(("body", "loc"), [
        ({"script": SCRIPT}, ["body", "name"]),
        ({"name": "x"}, ["body", "script"]),
        ({"name": "", "script": SCRIPT}, ["body", "name"]),
        ({"name": "x" * 256, "script": SCRIPT}, ["body", "name"]),
        ({"name": "x", "script": SCRIPT, "description": "d" * 256}, ["body", "description"]),
        ({"name": "x", "script": {"all": []}}, ["body", "script"]),
        ({"name": "x", "script": SCRIPT, "priority": 32768}, ["body", "priority"]),
        ({"name": "x", "script": SCRIPT, "priority": -32769}, ["body", "priority"]),
        ({"name": "x", "script": SCRIPT, "priority": "1"}, ["body", "priority"]),
        ({"name": "x", "script": SCRIPT, "color": "red"}, ["body", "color"]),
        ({"name": "x", "script": SCRIPT, "starts_at": "yesterday"}, ["body", "starts_at"]),
    ])
    async def test_schema_errors(self, client, on, body, loc):
        response = await client.post("/approval_policies", json=body, headers=on)
        assert loc in locs(response)

    async def test_priority_bounds_accepted(self, client, on):
        assert (await create_policy(client, on, script=SCRIPT, priority=32767))["priority"] == 32767
        assert (await create_policy(client, on, script=SCRIPT, priority=-32768))["priority"] == -32768

    @pytest.mark.parametrize("window", [
        {"ends_at": "2030-01-01T00:00:00Z"},
        {"starts_at": "2030-01-02T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"},
        {"starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"},
    ])
    async def test_window_without_or_before_start(self, client, on, window):
        response = await client.post("/approval_policies", json={"name": "w", "script": SCRIPT, **window}, headers=on)
        assert locs(response) == [["body", "ends_at"]]

    async def test_window_in_utc(self, client, on):
        policy = await create_policy(client, on, script=SCRIPT, starts_at="2030-01-01T02:00:00+02:00",
                                     ends_at="2030-02-01T00:00:00")
        assert datetime.fromisoformat(policy["starts_at"]) == datetime.fromisoformat("2030-01-01T00:00:00+00:00")
        assert datetime.fromisoformat(policy["ends_at"]) == datetime.fromisoformat("2030-02-01T00:00:00+00:00")
        assert datetime.fromisoformat(policy["starts_at"]).utcoffset().total_seconds() == 0


class TestValidation:
    """Script and trigger problems → 400 ``Script validation error: …`` naming each location."""

    async def test_count_below_one_is_located(self, client, partner, entity, on):
        user = await partner.user_with(entity["id"], approval_request=["read", "update"])
        script = approve_or_reject({"all": [True, user_gate([user.id], 0)]})
        response = await client.post("/approval_policies", json={"name": "x", "script": script}, headers=on)
        assert "script[0].if.all[1].params.required_approval_count: must be at least 1" in script_error(response)

    async def test_count_above_users(self, client, partner, entity, on):
        user = await partner.user_with(entity["id"], approval_request=["read", "update"])
        response = await client.post("/approval_policies", json={"name": "x", "script": [user_gate([user.id], 2)]},
                                     headers=on)
        assert "script[0].params.required_approval_count" in script_error(response)

    async def test_every_problem_listed(self, client, on):
        script = [user_gate([str(uuid.uuid4())]), "{Payables.nope(invoice.id)}"]
        message = script_error(await client.post("/approval_policies", json={"name": "x", "script": script},
                                                 headers=on))
        assert "script[0].params.user_ids" in message and "script[1]" in message

    async def test_users_and_roles_of_this_entity_only(self, client, partner, entity, other_entity, on):
        stranger = await partner.user_with(other_entity["id"], approval_request=["read"])
        role = await partner.create_role(other_entity["id"], {"objects": []})
        for gate in (user_gate([stranger.id]),
                     {"call": "ApprovalRequests.request_approval_by_roles",
                      "params": {"role_ids": [role["id"]], "required_approval_count": 1}}):
            response = await client.post("/approval_policies", json={"name": "x", "script": [gate]}, headers=on)
            assert "script[0].params" in script_error(response)

    @pytest.mark.parametrize("how", ["inactive", "deleted"])
    async def test_inactive_or_deleted_user_refused(self, client, partner, entity, on, db, how):
        user = await partner.user_with(entity["id"], approval_request=["read"])
        if how == "deleted":
            assert (await client.delete(f"/entity_users/{user.id}", headers=on)).status_code == 204
        else:
            set_user_status(db, user.id, "inactive")  # no endpoint deactivates an entity user
        response = await client.post("/approval_policies", json={"name": "x", "script": [user_gate([user.id])]},
                                     headers=on)
        assert "script[0].params.user_ids" in script_error(response)

    @pytest.mark.parametrize("script", [
        [],
        [{"call": "Payables.request_approval_by_entity_user", "params": {}}],
        ["{invoice.amount >}"],
        ["{unknown_name == 1}"],
        [{"if": True, "then": "not a list"}],
        [{"all": "not a list"}],
        [{"all": [True], "run_concurrently": "yes"}],
        [{"call": "ApprovalRequests.request_approval_by_users",
          "params": {"user_ids": ["not-a-uuid"], "required_approval_count": 1}}],
        [{"call": "ApprovalRequests.request_approval_by_users", "params": {"required_approval_count": 1}}],
        [{"unknown": 1}],
    ])
    async def test_bad_scripts(self, client, on, script):
        response = await client.post("/approval_policies", json={"name": "x", "script": script}, headers=on)
        assert "script" in script_error(response)

    @pytest.mark.parametrize("trigger", [
        {"if": True, "then": [], "else": []},
        {"all": [{"if": True}]},
        "{ApprovalRequests.request_approval_by_users(user_ids=[], required_approval_count=1)}",
        "{Payables.approve(invoice.id)}",
        "{invoice.amount >> 1}",
        "{nobody == 1}",
        {"operator": "~=", "left_operand": 1, "right_operand": 1},
        {"operator": "range", "left_operand": {"name": "invoice.amount"}, "right_operand": [1]},
        {"all": [{"all": [{"all": [{"all": [{"all": [{"all": [{"all": [{"all": [{"all": [{"all": [
            {"all": [{"all": [{"all": [{"all": [{"all": [{"all": [{"all": [True]}]}]}]}]}]}]}]}]}]}]}]}]}]}]}]}]},
        {"any": [True] * 501},
    ])
    async def test_bad_triggers(self, client, on, trigger):
        response = await client.post("/approval_policies", json={"name": "x", "script": SCRIPT, "trigger": trigger},
                                     headers=on)
        assert "trigger" in script_error(response)

    async def test_trigger_location(self, client, on):
        trigger = {"all": ["{event_name == 'submitted_for_approval'}", "{invoice.amount >}"]}
        response = await client.post("/approval_policies", json={"name": "x", "script": SCRIPT, "trigger": trigger},
                                     headers=on)
        assert "trigger.all[1]" in script_error(response)

    async def test_nothing_stored_on_error(self, client, on):
        response = await client.post("/approval_policies", json={"name": "never", "script": []}, headers=on)
        assert response.status_code == 400
        assert await policy_names(client, on, name="never") == []


class TestGet:
    async def test_unknown(self, client, on):
        missing = uuid.uuid4()
        response = await client.get(f"/approval_policies/{missing}", headers=on)
        assert (response.status_code, error_message(response)) == (404, not_found(missing))

    async def test_malformed_id(self, client, on):
        response = await client.get("/approval_policies/not-a-uuid", headers=on)
        assert response.status_code == 422

    async def test_other_entity(self, client, partner, on, other_entity):
        policy = await create_policy(client, on, script=SCRIPT)
        response = await client.get(f"/approval_policies/{policy['id']}", headers=partner.on(other_entity["id"]))
        assert (response.status_code, error_message(response)) == (404, not_found(policy["id"]))
        response = await client.patch(f"/approval_policies/{policy['id']}", json={"name": "stolen"},
                                      headers=partner.on(other_entity["id"]))
        assert response.status_code == 404
        response = await client.delete(f"/approval_policies/{policy['id']}", headers=partner.on(other_entity["id"]))
        assert response.status_code == 404
        assert (await client.get(f"/approval_policies/{policy['id']}", headers=on)).json()["name"] == "policy"


class TestUpdate:
    async def test_partial_update(self, client, partner, entity, on, db):
        policy = await create_policy(client, on, name="old", description="keep", script=SCRIPT, priority=4,
                                     trigger="{invoice.amount > 1}")
        user = await partner.user_with(entity["id"], approval_policy=ALL_CRUD)
        await asyncio.sleep(0.002)
        response = await client.patch(f"/approval_policies/{policy['id']}", json={"name": "new"}, headers=user.auth)
        assert response.status_code == 200, response.text
        body = response.json()
        assert_shape(body, "ApprovalPolicyResource")
        assert (body["name"], body["description"], body["priority"], body["trigger"], body["script"]) == (
            "new", "keep", 4, "{invoice.amount > 1}", SCRIPT)
        assert body["updated_by"] == user.id and body["created_by"] == str(partner.client_id)
        assert body["updated_at"] > policy["updated_at"]
        assert event_actions(db, policy["id"]) == ["approval_policy.created", "approval_policy.updated"]

    async def test_nulls(self, client, on):
        policy = await create_policy(client, on, description="d", script=SCRIPT, priority=7, trigger=True,
                                     starts_at="2020-01-01T00:00:00Z", ends_at="2030-01-01T00:00:00Z")
        response = await client.patch(f"/approval_policies/{policy['id']}", headers=on, json={
            "description": None, "trigger": None, "ends_at": None, "starts_at": None})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["description"], body["priority"], body["trigger"], body["starts_at"], body["ends_at"]) == (
            None, 7, None, None, None)

    @pytest.mark.parametrize("field", ["name", "script", "status", "priority"])
    async def test_null_for_a_value_a_policy_always_has(self, client, on, field):
        policy = await create_policy(client, on, script=SCRIPT)
        response = await client.patch(f"/approval_policies/{policy['id']}", json={field: None}, headers=on)
        assert ["body", field] in locs(response)

    @pytest.mark.parametrize("body", [{"status": "archived"}, {"priority": 40000}, {"unknown": 1}, {"name": ""}])
    async def test_schema_errors(self, client, on, body):
        policy = await create_policy(client, on, script=SCRIPT)
        response = await client.patch(f"/approval_policies/{policy['id']}", json=body, headers=on)
        assert response.status_code == 422

    async def test_window_checked_on_the_merged_result(self, client, on):
        policy = await create_policy(client, on, script=SCRIPT, starts_at="2030-01-10T00:00:00Z")
        response = await client.patch(f"/approval_policies/{policy['id']}", json={"ends_at": "2030-01-05T00:00:00Z"},
                                      headers=on)
        assert locs(response) == [["body", "ends_at"]]
        response = await client.patch(f"/approval_policies/{policy['id']}", json={"ends_at": "2030-01-15T00:00:00Z"},
                                      headers=on)
        assert response.status_code == 200
        response = await client.patch(f"/approval_policies/{policy['id']}", json={"starts_at": None}, headers=on)
        assert locs(response) == [["body", "ends_at"]]
        assert (await client.get(f"/approval_policies/{policy['id']}", headers=on)).json()["starts_at"] is not None

    async def test_script_and_trigger_revalidated(self, client, on):
        policy = await create_policy(client, on, script=SCRIPT)
        response = await client.patch(f"/approval_policies/{policy['id']}", json={"script": []}, headers=on)
        script_error(response)
        response = await client.patch(f"/approval_policies/{policy['id']}", json={"trigger": {"if": True}},
                                      headers=on)
        assert "trigger" in script_error(response)
        response = await client.patch(f"/approval_policies/{policy['id']}", json={"script": [False]}, headers=on)
        assert response.json()["script"] == [False]

    async def test_pending_and_back(self, client, on):
        policy = await create_policy(client, on, script=SCRIPT)
        response = await client.patch(f"/approval_policies/{policy['id']}", json={"status": "pending"}, headers=on)
        assert response.json()["status"] == "pending"
        assert (await client.get(f"/approval_policies/{policy['id']}", headers=on)).json()["status"] == "pending"
        response = await client.patch(f"/approval_policies/{policy['id']}", json={"status": "active"}, headers=on)
        assert response.json()["status"] == "active"

    async def test_status_deleted(self, client, on, db):
        policy = await create_policy(client, on, script=SCRIPT)
        response = await client.patch(f"/approval_policies/{policy['id']}", json={"status": "deleted"}, headers=on)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "deleted"
        assert event_actions(db, policy["id"]) == ["approval_policy.created", "approval_policy.deleted"]
        for method in ("GET", "PATCH", "DELETE"):
            response = await client.request(method, f"/approval_policies/{policy['id']}", headers=on,
                                            json={"name": "again"} if method == "PATCH" else None)
            assert (response.status_code, error_message(response)) == (404, not_found(policy["id"]))
        assert policy["id"] not in [p["id"] for p in (await client.get("/approval_policies", headers=on)).json()["data"]]

    async def test_unknown(self, client, on):
        missing = uuid.uuid4()
        response = await client.patch(f"/approval_policies/{missing}", json={"name": "x"}, headers=on)
        assert (response.status_code, error_message(response)) == (404, not_found(missing))


class TestDelete:
    async def test_delete(self, client, on, db):
        policy = await create_policy(client, on, script=SCRIPT)
        response = await client.delete(f"/approval_policies/{policy['id']}", headers=on)
        assert response.status_code == 204 and response.content == b""
        response = await client.get(f"/approval_policies/{policy['id']}", headers=on)
        assert (response.status_code, error_message(response)) == (404, not_found(policy["id"]))
        response = await client.delete(f"/approval_policies/{policy['id']}", headers=on)
        assert (response.status_code, error_message(response)) == (404, not_found(policy["id"]))
        assert event_actions(db, policy["id"]) == ["approval_policy.created", "approval_policy.deleted"]

    async def test_unknown(self, client, on):
        missing = uuid.uuid4()
        response = await client.delete(f"/approval_policies/{missing}", headers=on)
        assert (response.status_code, error_message(response)) == (404, not_found(missing))

    async def test_deleted_policy_no_longer_matches_but_payable_keeps_its_id(self, client, partner, entity, on):
        approver = await partner.user_with(entity["id"], approval_request=["read", "update"])
        policy = await create_policy(client, on, script=approve_or_reject(user_gate([approver.id])))
        payable = await new_payable(client, on)
        assert (await act(client, on, payable["id"], "submit_for_approval")).json()["approval_policy_id"] == policy["id"]
        assert (await client.delete(f"/approval_policies/{policy['id']}", headers=on)).status_code == 204
        got = (await client.get(f"/payables/{payable['id']}", headers=on)).json()
        assert got["approval_policy_id"] == policy["id"]
        other = await new_payable(client, on)
        assert (await act(client, on, other["id"], "submit_for_approval")).json()["approval_policy_id"] is None
        # The running process continues from its snapshot (docs/approvals.md, "Policies").
        [request] = (await client.get("/approval_requests", params={"object_id": payable["id"]},
                                      headers=on)).json()["data"]
        response = await client.post(f"/approval_requests/{request['id']}/approve", headers=approver.auth)
        assert response.status_code == 200, response.text
        got = (await client.get(f"/payables/{payable['id']}", headers=on)).json()
        assert got["status"] == "waiting_to_be_paid"


class TestList:
    async def test_shape_and_order(self, client, on):
        made = [await create_policy(client, on, name=f"p{i}", script=SCRIPT) for i in range(3)]
        response = await client.get("/approval_policies", headers=on)
        body = response.json()
        assert set(body) == {"data", "next_pagination_token", "prev_pagination_token"}
        for item in body["data"]:
            assert_shape(item, "ApprovalPolicyResource")
        assert [p["id"] for p in body["data"]] == [p["id"] for p in made]
        assert await policy_names(client, on, order="desc") == ["p2", "p1", "p0"]

    async def test_pages(self, client, on):
        for i in range(5):
            await create_policy(client, on, name=f"page{i}", script=SCRIPT)
        seen, token, pages = [], None, 0
        while True:
            params = {"pagination_token": token} if token else {"limit": 2}
            body = (await client.get("/approval_policies", params=params, headers=on)).json()
            seen += [p["name"] for p in body["data"]]
            pages += 1
            token = body["next_pagination_token"]
            if token is None:
                break
        assert (seen, pages) == ([f"page{i}" for i in range(5)], 3)
        back = (await client.get("/approval_policies", params={"pagination_token": body["prev_pagination_token"]},
                                 headers=on)).json()
        assert [p["name"] for p in back["data"]] == ["page2", "page3"]

    @pytest.mark.parametrize("limit", [0, 101])
    async def test_limit_bounds(self, client, on, limit):
        response = await client.get("/approval_policies", params={"limit": limit}, headers=on)
        assert response.status_code == 422

    async def test_name_filters(self, client, on):
        for name in ("Alpha bills", "alpha", "Beta"):
            await create_policy(client, on, name=name, script=SCRIPT)
        assert await policy_names(client, on, name="alpha") == ["alpha"]
        assert await policy_names(client, on, name__contains="lpha") == ["Alpha bills", "alpha"]
        assert await policy_names(client, on, name__contains="Alpha") == ["Alpha bills"]
        assert await policy_names(client, on, name__ncontains="lpha") == ["Beta"]

    async def test_status_filters(self, client, on):
        active = await create_policy(client, on, name="active", script=SCRIPT)
        pending = await create_policy(client, on, name="pending", script=SCRIPT)
        deleted = await create_policy(client, on, name="deleted", script=SCRIPT)
        await client.patch(f"/approval_policies/{pending['id']}", json={"status": "pending"}, headers=on)
        await client.delete(f"/approval_policies/{deleted['id']}", headers=on)
        assert await policy_names(client, on) == ["active", "pending"]
        assert await policy_names(client, on, status="active") == ["active"]
        assert await policy_names(client, on, status="pending") == ["pending"]
        assert await policy_names(client, on, status__in=["active", "pending"]) == ["active", "pending"]
        response = await client.get("/approval_policies", params={"status": "deleted"}, headers=on)
        assert response.status_code == 422
        assert active["id"]

    async def test_id_in_and_created_by(self, client, partner, entity, on):
        user = await partner.user_with(entity["id"], approval_policy=ALL_CRUD)
        a = await create_policy(client, on, name="a", script=SCRIPT)
        b = await create_policy(client, user.auth, name="b", script=SCRIPT)
        await create_policy(client, on, name="c", script=SCRIPT)
        assert await policy_names(client, on, id__in=[a["id"], b["id"]]) == ["a", "b"]
        assert await policy_names(client, on, created_by=user.id) == ["b"]
        assert await policy_names(client, on, created_by=str(partner.client_id)) == ["a", "c"]

    async def test_process_id(self, client, partner, entity, on):
        approver = await partner.user_with(entity["id"], approval_request=["read", "update"])
        await create_policy(client, on, name="other", script=SCRIPT, trigger=False)
        owner = await create_policy(client, on, name="owner", script=[user_gate([approver.id])])
        payable = await new_payable(client, on)
        await act(client, on, payable["id"], "submit_for_approval")
        [process] = (await client.get(f"/approval_policies/{owner['id']}/processes", headers=on)).json()["data"]
        assert await policy_names(client, on, process_id=process["id"]) == ["owner"]
        assert await policy_names(client, on, process_id=str(uuid.uuid4())) == []

    async def test_time_ranges(self, client, on):
        first = await create_policy(client, on, name="first", script=SCRIPT)
        await asyncio.sleep(0.01)
        second = await create_policy(client, on, name="second", script=SCRIPT)
        await asyncio.sleep(0.01)
        await client.patch(f"/approval_policies/{first['id']}", json={"description": "touched"}, headers=on)
        touched = (await client.get(f"/approval_policies/{first['id']}", headers=on)).json()
        assert await policy_names(client, on, created_at__gt=first["created_at"]) == ["second"]
        assert await policy_names(client, on, created_at__gte=first["created_at"]) == ["first", "second"]
        assert await policy_names(client, on, created_at__lt=second["created_at"]) == ["first"]
        assert await policy_names(client, on, created_at__lte=second["created_at"]) == ["first", "second"]
        assert await policy_names(client, on, updated_at__gt=second["updated_at"]) == ["first"]
        assert await policy_names(client, on, updated_at__gte=touched["updated_at"]) == ["first"]
        assert await policy_names(client, on, updated_at__lt=touched["updated_at"]) == ["second"]
        assert await policy_names(client, on, updated_at__lte=second["updated_at"]) == ["second"]

    async def test_other_entity_not_listed(self, client, partner, on, other_entity):
        await create_policy(client, on, name="mine", script=SCRIPT)
        assert await policy_names(client, partner.on(other_entity["id"])) == []

    async def test_unknown_sort(self, client, on):
        response = await client.get("/approval_policies", params={"sort": "name"}, headers=on)
        assert response.status_code == 422


class TestPermissions:
    """Read/create/update/delete on ``approval_policy`` (docs/approvals.md, "Permissions")."""

    async def test_without_any_approval_policy_permission(self, client, partner, entity, on):
        policy = await create_policy(client, on, script=SCRIPT)
        user = await partner.user_with(entity["id"], payable=["read"])
        calls = [
            ("GET", "/approval_policies", None, "read"),
            ("GET", f"/approval_policies/{policy['id']}", None, "read"),
            ("POST", "/approval_policies", {"name": "x", "script": SCRIPT}, "create"),
            ("PATCH", f"/approval_policies/{policy['id']}", {"name": "x"}, "update"),
            ("DELETE", f"/approval_policies/{policy['id']}", None, "delete"),
            ("GET", f"/approval_policies/{policy['id']}/processes", None, "read"),
        ]
        for method, path, body, action in calls:
            response = await client.request(method, path, json=body, headers=user.auth)
            assert (response.status_code, error_message(response)) == (
                403, f"Action {action} for approval_policy not allowed"), (method, path)

    @pytest.mark.parametrize("granted", ["read", "create", "update", "delete"])
    async def test_one_action_each(self, client, partner, entity, on, granted):
        policy = await create_policy(client, on, script=SCRIPT)
        user = await partner.user_with(entity["id"], approval_policy=[granted])
        expected = {
            "read": ("GET", f"/approval_policies/{policy['id']}", None, 200),
            "create": ("POST", "/approval_policies", {"name": "x", "script": SCRIPT}, 201),
            "update": ("PATCH", f"/approval_policies/{policy['id']}", {"name": "x"}, 200),
            "delete": ("DELETE", f"/approval_policies/{policy['id']}", None, 204),
        }
        for action, (method, path, body, status) in expected.items():
            response = await client.request(method, path, json=body, headers=user.auth)
            if action == granted:
                assert response.status_code == status, response.text
            else:
                assert response.status_code == 403, (action, response.text)
                assert error_message(response) == f"Action {action} for approval_policy not allowed"
