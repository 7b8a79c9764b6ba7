"""Approval requests through the API (docs/approvals.md, "Approval requests", "Permissions"): manual requests,
reading and listing with every filter, approve / reject (who may act, counts, conflicts) and
cancel."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

from remit.entities.users.models import EntityUser
from tests.fixtures.approvals import submitted_with_process
from tests.fixtures.entities import permissions
from tests.fixtures.masterdata import assert_shape, error_message, event_actions, locs, new_partner
from tests.fixtures.payables import get_payable, new_payable

DECIDERS = {"approval_request": ["read", "update"]}
NOT_ELIGIBLE = "The user is not allowed to act on this approval request"
PARTNER_DECIDES = "Approval requests can only be approved or rejected by an entity user"
NOT_WAITING = "Approval request is not in status waiting"
ALREADY_APPROVED = "The user has already approved this approval request"
NO_UPDATE = "Action update for approval_request not allowed"


def not_found(request_id: object) -> str:
    return f"Approval request with ID {request_id} not found."


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


@pytest.fixture
async def payable(client, on):
    return await new_payable(client, on)


@pytest.fixture
async def approvers(partner, entity):
    """Three users who may decide approval requests."""
    return [await partner.user_with(entity["id"], **DECIDERS) for _ in range(3)]


async def manual(client, headers, payable_id: str, *, status: int = 201, **body: Any) -> Any:
    payload = {"object_type": "payable", "object_id": payable_id, "required_approval_count": 1, **body}
    response = await client.post("/approval_requests", json=payload, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


async def request_ids(client, headers, **params) -> list[str]:
    response = await client.get("/approval_requests", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [r["id"] for r in response.json()["data"]]


async def decide(client, who, request_id: str, verb: str):
    return await client.post(f"/approval_requests/{request_id}/{verb}", headers=who.auth)


class TestCreate:
    async def test_unauthenticated(self, client, entity, payable):
        response = await client.post("/approval_requests", headers={"x-monite-entity-id": entity["id"]},
                                     json={"object_type": "payable", "object_id": payable["id"],
                                           "required_approval_count": 1, "user_ids": [str(uuid.uuid4())]})
        assert response.status_code == 401

    async def test_by_users(self, client, partner, on, payable, approvers, db):
        ids = [a.id for a in approvers[:2]]
        body = await manual(client, on, payable["id"], user_ids=ids, required_approval_count=2)
        assert_shape(body, "ApprovalRequestResourceWithMetadata")
        assert (body["object_type"], body["object_id"], body["user_ids"], body["role_ids"]) == (
            "payable", payable["id"], ids, [])
        assert (body["required_approval_count"], body["approved_by"], body["rejected_by"], body["status"]) == (
            2, [], None, "waiting")
        assert body["created_by"] == str(partner.client_id)
        assert event_actions(db, body["id"]) == ["approval_request.created"]
        assert (await client.get(f"/approval_requests/{body['id']}", headers=on)).json() == body

    async def test_by_roles(self, client, partner, entity, on, payable):
        role = await partner.create_role(entity["id"], permissions(**DECIDERS))
        body = await manual(client, on, payable["id"], role_ids=[role["id"]], required_approval_count=5)
        assert (body["user_ids"], body["role_ids"], body["required_approval_count"]) == ([], [role["id"]], 5)

    async def test_created_by_the_entity_user(self, client, partner, entity, payable, approvers):
        creator = await partner.user_with(entity["id"], approval_request=["create", "read"])
        body = await manual(client, creator.auth, payable["id"], user_ids=[approvers[0].id])
        assert body["created_by"] == creator.id

    async def test_never_changes_the_payable(self, client, on, payable, approvers, db):
        body = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        response = await decide(client, approvers[0], body["id"], "approve")
        assert (response.status_code, response.json()["status"]) == (200, "approved")
        assert (await get_payable(client, on, payable["id"]))["status"] == "new"
        assert event_actions(db, body["id"]) == ["approval_request.created", "approval_request.approved"]

    async def test_other_object_type(self, client, on, payable, approvers):
        response = await client.post("/approval_requests", headers=on, json={
            "object_type": "receivable", "object_id": payable["id"], "required_approval_count": 1,
            "user_ids": [approvers[0].id]})
        assert (response.status_code, error_message(response)) == (
            400, "Approval requests are only supported for object type payable")

    async def test_unknown_payable(self, client, on, approvers):
        missing = str(uuid.uuid4())
        response = await client.post("/approval_requests", headers=on, json={
            "object_type": "payable", "object_id": missing, "required_approval_count": 1,
            "user_ids": [approvers[0].id]})
        assert (response.status_code, error_message(response)) == (404, f"Payable with ID {missing} not found.")

    async def test_payable_of_another_entity(self, client, partner, other_entity, payable, approvers):
        response = await client.post("/approval_requests", headers=partner.on(other_entity["id"]), json={
            "object_type": "payable", "object_id": payable["id"], "required_approval_count": 1,
            "user_ids": [approvers[0].id]})
        assert response.status_code == 404

    @pytest.mark.parametrize("who", ["unknown", "other entity", "deleted", "inactive"])
    async def test_users_must_be_active_users_of_the_entity(self, client, partner, entity, other_entity, on,
                                                           payable, approvers, db, who):
        if who == "unknown":
            user_id = str(uuid.uuid4())
        elif who == "other entity":
            user_id = (await partner.user_with(other_entity["id"], **DECIDERS)).id
        else:
            user_id = (await partner.user_with(entity["id"], **DECIDERS)).id
            if who == "deleted":
                assert (await client.delete(f"/entity_users/{user_id}", headers=on)).status_code == 204
            else:
                with db.transaction() as session:
                    session.get_one(EntityUser, uuid.UUID(user_id)).status = "inactive"
        response = await client.post("/approval_requests", headers=on, json={
            "object_type": "payable", "object_id": payable["id"], "required_approval_count": 1,
            "user_ids": [approvers[0].id, user_id]})
        assert ["body", "user_ids"] in locs(response)

    @pytest.mark.parametrize("which", ["unknown", "other entity", "deleted"])
    async def test_roles_must_be_roles_of_the_entity(self, client, partner, entity, other_entity, on, payable,
                                                    which):
        if which == "unknown":
            role_id = str(uuid.uuid4())
        elif which == "other entity":
            role_id = (await partner.create_role(other_entity["id"], permissions(**DECIDERS)))["id"]
        else:
            role_id = (await partner.create_role(entity["id"], permissions(**DECIDERS)))["id"]
            assert (await client.delete(f"/roles/{role_id}", headers=on)).status_code == 204
        response = await client.post("/approval_requests", headers=on, json={
            "object_type": "payable", "object_id": payable["id"], "required_approval_count": 1,
            "role_ids": [role_id]})
        assert ["body", "role_ids"] in locs(response)

    @pytest.mark.parametrize("body", [
        {"user_ids": "U", "role_ids": "R"},        # both lists
        {},                                        # neither
        {"user_ids": []},
        {"role_ids": []},
        {"user_ids": "UU"},                        # duplicates
        {"user_ids": "U", "required_approval_count": 2},  # more approvals than users
        {"user_ids": "U", "required_approval_count": 0},
        {"user_ids": "U", "required_approval_count": "1"},
        {"user_ids": "U", "color": "red"},         # unknown key
        {"user_ids": ["not-a-uuid"]},
    ])
    async def test_schema_errors(self, client, partner, entity, on, payable, approvers, body):
        role = await partner.create_role(entity["id"], permissions(**DECIDERS))
        expand = {"U": [approvers[0].id], "UU": [approvers[0].id, approvers[0].id], "R": [role["id"]]}
        body = {k: expand.get(v, v) if isinstance(v, str) and k != "required_approval_count" else v
                for k, v in body.items()}
        payload = {"object_type": "payable", "object_id": payable["id"], "required_approval_count": 1, **body}
        response = await client.post("/approval_requests", json=payload, headers=on)
        assert response.status_code == 422, response.text
        assert "detail" in response.json()

    async def test_needs_create_permission(self, client, partner, entity, payable, approvers):
        user = await partner.user_with(entity["id"], **DECIDERS)
        response = await client.post("/approval_requests", headers=user.auth, json={
            "object_type": "payable", "object_id": payable["id"], "required_approval_count": 1,
            "user_ids": [approvers[0].id]})
        assert (response.status_code, error_message(response)) == (403, "Action create for approval_request not allowed")


class TestGet:
    async def test_unknown(self, client, on):
        missing = uuid.uuid4()
        for method, suffix in (("GET", ""), ("POST", "/approve"), ("POST", "/reject"), ("POST", "/cancel")):
            response = await client.request(method, f"/approval_requests/{missing}{suffix}", headers=on)
            assert (response.status_code, error_message(response)) == (404, not_found(missing)), suffix

    async def test_unknown_for_an_entity_user(self, client, partner, entity):
        user = await partner.user_with(entity["id"], **DECIDERS)
        missing = uuid.uuid4()
        for verb in ("approve", "reject", "cancel"):
            response = await client.post(f"/approval_requests/{missing}/{verb}", headers=user.auth)
            assert (response.status_code, error_message(response)) == (404, not_found(missing))

    async def test_malformed(self, client, on):
        assert (await client.get("/approval_requests/nope", headers=on)).status_code == 422

    async def test_other_entity(self, client, partner, on, other_entity, payable, approvers):
        body = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        elsewhere = partner.on(other_entity["id"])
        for method, suffix in (("GET", ""), ("POST", "/approve"), ("POST", "/reject"), ("POST", "/cancel")):
            response = await client.request(method, f"/approval_requests/{body['id']}{suffix}", headers=elsewhere)
            assert (response.status_code, error_message(response)) == (404, not_found(body["id"])), suffix
        assert (await client.get(f"/approval_requests/{body['id']}", headers=on)).json()["status"] == "waiting"


class TestList:
    async def test_filters(self, client, partner, entity, on, approvers):
        a, b, c = approvers
        creator = await partner.user_with(entity["id"], approval_request=["create", "read"])
        role = await partner.create_role(entity["id"], permissions(**DECIDERS))
        p1 = await new_payable(client, on)
        p2 = await new_payable(client, on)
        r1 = await manual(client, on, p1["id"], user_ids=[a.id, b.id])
        r2 = await manual(client, on, p1["id"], role_ids=[role["id"]])
        r3 = await manual(client, creator.auth, p2["id"], user_ids=[b.id, c.id])
        r4 = await manual(client, on, p2["id"], user_ids=[c.id])
        assert (await decide(client, c, r4["id"], "reject")).status_code == 200
        assert (await client.post(f"/approval_requests/{r3['id']}/cancel", headers=on)).status_code == 200

        assert await request_ids(client, on) == [r1["id"], r2["id"], r3["id"], r4["id"]]
        assert await request_ids(client, on, order="desc") == [r4["id"], r3["id"], r2["id"], r1["id"]]
        assert await request_ids(client, on, object_id=p1["id"]) == [r1["id"], r2["id"]]
        assert await request_ids(client, on, object_id__in=[p1["id"], p2["id"]]) == [
            r1["id"], r2["id"], r3["id"], r4["id"]]
        assert await request_ids(client, on, object_id__in=[p2["id"]]) == [r3["id"], r4["id"]]
        assert await request_ids(client, on, status="waiting") == [r1["id"], r2["id"]]
        assert await request_ids(client, on, status="rejected") == [r4["id"]]
        assert await request_ids(client, on, status__in=["canceled", "rejected"]) == [r3["id"], r4["id"]]
        assert await request_ids(client, on, user_id=b.id) == [r1["id"], r3["id"]]
        assert await request_ids(client, on, user_id=c.id) == [r3["id"], r4["id"]]
        assert await request_ids(client, on, role_id=role["id"]) == [r2["id"]]
        assert await request_ids(client, on, role_id=str(uuid.uuid4())) == []
        assert await request_ids(client, on, object_type="payable") == [r1["id"], r2["id"], r3["id"], r4["id"]]
        assert await request_ids(client, on, object_type="receivable") == []
        assert await request_ids(client, on, created_by=creator.id) == [r3["id"]]
        assert await request_ids(client, on, created_by=str(partner.client_id)) == [r1["id"], r2["id"], r4["id"]]
        assert await request_ids(client, on, user_id=b.id, status="waiting") == [r1["id"]]
        response = await client.get("/approval_requests", params={"status": "done"}, headers=on)
        assert response.status_code == 422

    async def test_time_ranges(self, client, on, payable, approvers):
        first = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        await asyncio.sleep(0.01)
        second = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        await asyncio.sleep(0.01)
        touched = (await decide(client, approvers[0], first["id"], "approve")).json()
        assert await request_ids(client, on, created_at__gt=first["created_at"]) == [second["id"]]
        assert await request_ids(client, on, created_at__lte=first["created_at"]) == [first["id"]]
        assert await request_ids(client, on, updated_at__gte=touched["updated_at"]) == [first["id"]]
        assert await request_ids(client, on, updated_at__lt=touched["updated_at"]) == [second["id"]]

    async def test_pages_and_shape(self, client, on, payable, approvers):
        made = [(await manual(client, on, payable["id"], user_ids=[approvers[0].id]))["id"] for _ in range(5)]
        body = (await client.get("/approval_requests", params={"limit": 2}, headers=on)).json()
        assert set(body) == {"data", "next_pagination_token", "prev_pagination_token"}
        for item in body["data"]:
            assert_shape(item, "ApprovalRequestResourceWithMetadata")
        seen = [r["id"] for r in body["data"]]
        while body["next_pagination_token"]:
            body = (await client.get("/approval_requests", params={"pagination_token": body["next_pagination_token"]},
                                     headers=on)).json()
            seen += [r["id"] for r in body["data"]]
        assert seen == made
        back = (await client.get("/approval_requests", params={"pagination_token": body["prev_pagination_token"]},
                                 headers=on)).json()
        assert [r["id"] for r in back["data"]] == made[2:4]

    async def test_other_entity_not_listed(self, client, partner, on, other_entity, payable, approvers):
        await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        assert await request_ids(client, partner.on(other_entity["id"])) == []

    async def test_read_permission(self, client, partner, entity, on, payable, approvers):
        nobody = await partner.user_with(entity["id"], payable=["read"])
        response = await client.get("/approval_requests", headers=nobody.auth)
        assert (response.status_code, error_message(response)) == (403, "Action read for approval_request not allowed")
        theirs = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        response = await client.get(f"/approval_requests/{theirs['id']}", headers=nobody.auth)
        assert response.status_code == 403

        own = await partner.user_with(entity["id"], approval_request={"read": "allowed_for_own", "create": "allowed"})
        mine = await manual(client, own.auth, payable["id"], user_ids=[approvers[0].id])
        assert await request_ids(client, own.auth) == [mine["id"]]
        assert (await client.get(f"/approval_requests/{mine['id']}", headers=own.auth)).status_code == 200
        assert (await client.get(f"/approval_requests/{theirs['id']}", headers=own.auth)).status_code == 403


class TestApproveReject:
    async def test_count_and_order(self, client, on, payable, approvers, db):
        a, b, c = approvers
        body = await manual(client, on, payable["id"], user_ids=[a.id, b.id, c.id], required_approval_count=2)
        response = await decide(client, c, body["id"], "approve")
        assert response.status_code == 200
        assert_shape(response.json(), "ApprovalRequestResourceWithMetadata")
        assert (response.json()["status"], response.json()["approved_by"]) == ("waiting", [c.id])
        response = await decide(client, c, body["id"], "approve")
        assert (response.status_code, error_message(response)) == (409, ALREADY_APPROVED)
        response = await decide(client, a, body["id"], "approve")
        assert (response.json()["status"], response.json()["approved_by"]) == ("approved", [c.id, a.id])
        assert event_actions(db, body["id"]) == ["approval_request.created", "approval_request.approved"]
        for who in (a, b):
            for verb in ("approve", "reject"):
                response = await decide(client, who, body["id"], verb)
                assert (response.status_code, error_message(response)) == (409, NOT_WAITING)

    async def test_one_rejection_vetoes(self, client, on, payable, approvers, db):
        a, b, c = approvers
        body = await manual(client, on, payable["id"], user_ids=[a.id, b.id, c.id], required_approval_count=2)
        await decide(client, a, body["id"], "approve")
        response = await decide(client, b, body["id"], "reject")
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["rejected_by"], response.json()["approved_by"]) == (
            "rejected", b.id, [a.id])
        response = await decide(client, c, body["id"], "approve")
        assert (response.status_code, error_message(response)) == (409, NOT_WAITING)
        assert event_actions(db, body["id"]) == ["approval_request.created", "approval_request.rejected"]

    async def test_canceled_is_not_waiting(self, client, on, payable, approvers):
        body = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        assert (await client.post(f"/approval_requests/{body['id']}/cancel", headers=on)).status_code == 200
        for verb in ("approve", "reject", "cancel"):
            response = await client.post(f"/approval_requests/{body['id']}/{verb}",
                                         headers=approvers[0].auth if verb != "cancel" else on)
            assert (response.status_code, error_message(response)) == (409, NOT_WAITING)

    async def test_partner_may_not_decide(self, client, on, payable, approvers):
        body = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        for verb in ("approve", "reject"):
            response = await client.post(f"/approval_requests/{body['id']}/{verb}", headers=on)
            assert (response.status_code, error_message(response)) == (403, PARTNER_DECIDES)

    async def test_not_eligible(self, client, on, payable, approvers):
        body = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        for verb in ("approve", "reject"):
            response = await decide(client, approvers[1], body["id"], verb)
            assert (response.status_code, error_message(response)) == (403, NOT_ELIGIBLE)
        assert (await client.get(f"/approval_requests/{body['id']}", headers=on)).json()["status"] == "waiting"

    async def test_eligible_by_role(self, client, partner, entity, on, payable):
        role = await partner.create_role(entity["id"], permissions(**DECIDERS))
        first = await partner.create_user(entity["id"], role["id"])
        second = await partner.create_user(entity["id"], role["id"])
        outsider = await partner.user_with(entity["id"], **DECIDERS)
        body = await manual(client, on, payable["id"], role_ids=[role["id"]], required_approval_count=2)
        assert (await decide(client, outsider, body["id"], "approve")).status_code == 403
        assert (await decide(client, first, body["id"], "approve")).json()["status"] == "waiting"
        response = await decide(client, second, body["id"], "approve")
        assert (response.json()["status"], response.json()["approved_by"]) == ("approved", [first.id, second.id])

    async def test_role_at_the_time_of_approval(self, client, partner, entity, on, payable):
        role = await partner.create_role(entity["id"], permissions(**DECIDERS))
        other_role = await partner.create_role(entity["id"], permissions(**DECIDERS))
        user = await partner.create_user(entity["id"], other_role["id"])
        body = await manual(client, on, payable["id"], role_ids=[role["id"]])
        assert (await decide(client, user, body["id"], "approve")).status_code == 403
        response = await client.patch(f"/entity_users/{user.id}", json={"role_id": role["id"]}, headers=on)
        assert response.status_code == 200, response.text
        assert (await decide(client, user, body["id"], "approve")).json()["status"] == "approved"

    @pytest.mark.parametrize("verb", ["approve", "reject"])
    async def test_needs_update_permission(self, client, partner, entity, on, payable, verb):
        reader = await partner.user_with(entity["id"], approval_request=["read"])
        body = await manual(client, on, payable["id"], user_ids=[reader.id])
        response = await decide(client, reader, body["id"], verb)
        assert (response.status_code, error_message(response)) == (403, NO_UPDATE)

    @pytest.mark.parametrize("verb", ["approve", "reject"])
    async def test_allowed_for_own_counts_as_granted(self, client, partner, entity, on, payable, verb):
        user = await partner.user_with(entity["id"], approval_request={"read": "allowed", "update": "allowed_for_own"})
        body = await manual(client, on, payable["id"], user_ids=[user.id])  # created by the partner
        response = await decide(client, user, body["id"], verb)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == {"approve": "approved", "reject": "rejected"}[verb]

    async def test_process_request_of_the_submitter(self, client, partner, entity):
        """Self-approval is not blocked: the submitter, when eligible, may approve."""
        made = await submitted_with_process(partner, entity["id"])
        approver = made["approver"]
        response = await decide(client, approver, made["request"]["id"], "approve")
        assert response.status_code == 200
        on = partner.on(entity["id"])
        assert (await get_payable(client, on, made["payable"]["id"]))["status"] == "waiting_to_be_paid"


class TestCancel:
    async def test_partner(self, client, on, payable, approvers, db):
        body = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        response = await client.post(f"/approval_requests/{body['id']}/cancel", headers=on)
        assert response.status_code == 200
        assert_shape(response.json(), "ApprovalRequestResourceWithMetadata")
        assert response.json()["status"] == "canceled"
        assert event_actions(db, body["id"]) == ["approval_request.created", "approval_request.canceled"]
        assert (await get_payable(client, on, payable["id"]))["status"] == "new"

    async def test_user_with_update(self, client, on, payable, approvers):
        body = await manual(client, on, payable["id"], user_ids=[approvers[1].id])
        response = await client.post(f"/approval_requests/{body['id']}/cancel", headers=approvers[0].auth)
        assert (response.status_code, response.json()["status"]) == (200, "canceled")

    async def test_allowed_for_own_only_own(self, client, partner, entity, on, payable, approvers):
        user = await partner.user_with(entity["id"], approval_request={
            "create": "allowed", "read": "allowed", "update": "allowed_for_own"})
        mine = await manual(client, user.auth, payable["id"], user_ids=[approvers[0].id])
        theirs = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        response = await client.post(f"/approval_requests/{theirs['id']}/cancel", headers=user.auth)
        assert (response.status_code, error_message(response)) == (403, NO_UPDATE)
        response = await client.post(f"/approval_requests/{mine['id']}/cancel", headers=user.auth)
        assert (response.status_code, response.json()["status"]) == (200, "canceled")

    async def test_creator_without_update_may_not(self, client, partner, entity, payable, approvers):
        creator = await partner.user_with(entity["id"], approval_request=["create", "read"])
        mine = await manual(client, creator.auth, payable["id"], user_ids=[approvers[0].id])
        response = await client.post(f"/approval_requests/{mine['id']}/cancel", headers=creator.auth)
        assert (response.status_code, error_message(response)) == (403, NO_UPDATE)

    async def test_submitter_cannot_stop_its_process(self, client, partner, entity):
        """The submitter creates the process's requests, but needs ``approval_request.update`` to cancel."""
        eid = entity["id"]
        on = partner.on(eid)
        await submitted_with_process(partner, eid)  # a policy that asks one user about every payable
        submitter = await partner.user_with(eid, payable=["create", "read", "update", "submit"],
                                            approval_request={"read": "allowed"})
        payable = await new_payable(client, on)
        response = await client.post(f"/payables/{payable['id']}/submit_for_approval", headers=submitter.auth)
        assert response.status_code == 200, response.text
        [request] = (await client.get("/approval_requests", params={"object_id": payable["id"]},
                                      headers=on)).json()["data"]
        assert request["created_by"] == submitter.id
        response = await client.post(f"/approval_requests/{request['id']}/cancel", headers=submitter.auth)
        assert (response.status_code, error_message(response)) == (403, NO_UPDATE)
        assert (await client.get(f"/approval_requests/{request['id']}", headers=on)).json()["status"] == "waiting"

    async def test_decided_requests_cannot_be_canceled(self, client, on, payable, approvers):
        approved = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        await decide(client, approvers[0], approved["id"], "approve")
        rejected = await manual(client, on, payable["id"], user_ids=[approvers[0].id])
        await decide(client, approvers[0], rejected["id"], "reject")
        for body in (approved, rejected):
            response = await client.post(f"/approval_requests/{body['id']}/cancel", headers=on)
            assert (response.status_code, error_message(response)) == (409, NOT_WAITING)

    async def test_cancel_of_a_process_request_cancels_the_process(self, client, partner, entity, db):
        made = await submitted_with_process(partner, entity["id"])
        on = partner.on(entity["id"])
        response = await client.post(f"/approval_requests/{made['request']['id']}/cancel", headers=on)
        assert (response.status_code, response.json()["status"]) == (200, "canceled")
        process = (await client.get(f"/approval_policies/{made['policy']['id']}/processes/{made['process']['id']}",
                                    headers=on)).json()
        assert process["status"] == "canceled"
        assert event_actions(db, made["request"]["id"]) == ["approval_request.created", "approval_request.canceled"]
        assert event_actions(db, made["policy"]["id"])[-1] == "approval_policy.process_canceled"
        payable = await get_payable(client, on, made["payable"]["id"])
        assert (payable["status"], payable["approval_policy_id"]) == ("approve_in_progress", made["policy"]["id"])
