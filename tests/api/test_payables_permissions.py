"""Payable permissions for entity-user tokens (docs/payables.md, "Permissions"): every
endpoint needs its action, a denial is 403 ``Action <action> for payable not allowed`` and changes
nothing, ``allowed_for_own`` narrows lists and single-object actions to the caller's payables,
and partner tokens skip RBAC."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.fixtures.masterdata import error_message, event_actions, new_partner
from tests.fixtures.payables import (
    LINE_ITEM,
    PDF,
    act,
    add_line_item,
    create_payable,
    get_payable,
    history,
    new_payable,
    payable_in_state,
)

PAYABLE_ACTIONS = ["create", "read", "update", "delete", "submit", "approve", "cancel", "pay", "reopen"]


@dataclass(frozen=True)
class Case:
    name: str
    permission: str
    state: str | None  # the status the payable needs for the call to succeed; None: no payable
    method: str
    path: str  # {id} = the payable, {line} = its first line item
    kwargs: dict[str, Any]
    success: int = 200

    def request(self, payable: dict | None, line: dict | None) -> tuple[str, str, dict]:
        path = self.path.format(id=payable["id"] if payable else "", line=line["id"] if line else "")
        return self.method, path, self.kwargs


FILE = {"files": {"file": ("bill.pdf", PDF, "application/pdf")}}
CASES = [
    Case("list", "read", None, "GET", "/payables", {}),
    Case("analytics", "read", None, "GET", "/payables/analytics", {}),
    Case("get validations", "read", None, "GET", "/payables/validations", {}),
    Case("get", "read", "new", "GET", "/payables/{id}", {}),
    Case("history", "read", "new", "GET", "/payables/{id}/history", {}),
    Case("validate", "read", "draft", "POST", "/payables/{id}/validate", {}),
    Case("suggestions", "read", "new", "GET", "/payables/{id}/suggestions", {}, 404),
    Case("line items", "read", "new", "GET", "/payables/{id}/line_items", {}),
    Case("line item", "read", "new", "GET", "/payables/{id}/line_items/{line}", {}),
    Case("create", "create", None, "POST", "/payables", {"json": {}}),
    Case("upload", "create", None, "POST", "/payables/upload_from_file", FILE, 201),
    Case("patch", "update", "new", "PATCH", "/payables/{id}", {"json": {"description": "x"}}),
    Case("attach_file", "update", "new", "POST", "/payables/{id}/attach_file", FILE),
    Case("cancel_ocr", "update", "new", "POST", "/payables/{id}/cancel_ocr", {}, 409),
    Case("add line", "update", "new", "POST", "/payables/{id}/line_items", {"json": LINE_ITEM}, 201),
    Case("replace lines", "update", "new", "PUT", "/payables/{id}/line_items", {"json": {"data": [LINE_ITEM]}}),
    Case("patch line", "update", "new", "PATCH", "/payables/{id}/line_items/{line}", {"json": {"quantity": 3}}),
    Case("delete line", "update", "new", "DELETE", "/payables/{id}/line_items/{line}", {}, 204),
    Case("put validations", "update", None, "PUT", "/payables/validations", {"json": {"required_fields": []}}),
    Case("reset validations", "update", None, "POST", "/payables/validations/reset", {}),
    Case("delete suggestions", "update", "new", "DELETE", "/payables/{id}/suggestions", {}),
    Case("delete", "delete", "new", "DELETE", "/payables/{id}", {}, 204),
    Case("submit_for_approval", "submit", "new", "POST", "/payables/{id}/submit_for_approval", {}),
    Case("approve_payment_operation", "approve", "approve_in_progress", "POST",
         "/payables/{id}/approve_payment_operation", {}),
    Case("reject", "approve", "approve_in_progress", "POST", "/payables/{id}/reject", {}),
    Case("cancel", "cancel", "new", "POST", "/payables/{id}/cancel", {}),
    Case("reopen", "reopen", "rejected", "POST", "/payables/{id}/reopen", {}),
    Case("mark_as_partially_paid", "pay", "waiting_to_be_paid", "POST", "/payables/{id}/mark_as_partially_paid",
         {"json": {"amount_paid": 100}}),
    Case("mark_as_paid", "pay", "waiting_to_be_paid", "POST", "/payables/{id}/mark_as_paid",
         {"json": {"comment": "x"}}),
]
IDS = [c.name for c in CASES]


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture(scope="module")
async def world(partner):
    """One entity; for every payable action a user lacking only it and a user having only it."""
    entity = await partner.create_entity(email="rbac@acme.example")
    lacking, only = {}, {}
    for action in PAYABLE_ACTIONS:
        lacking[action] = await partner.user_with(entity["id"], payable=[a for a in PAYABLE_ACTIONS if a != action])
        only[action] = await partner.user_with(entity["id"], payable=[action])
    return {"entity": entity, "on": partner.on(entity["id"]), "lacking": lacking, "only": only}


async def prepared(client, world, case: Case) -> tuple[dict | None, dict | None]:
    if case.state is None:
        return None, None
    payable = await payable_in_state(client, world["on"], case.state)
    lines = (await client.get(f"/payables/{payable['id']}/line_items", headers=world["on"])).json()["data"]
    return payable, (lines[0] if lines else None)


class TestEveryEndpointNeedsItsAction:
    def test_cases_cover_every_payable_route(self, app):
        routes = {(m.upper(), p.removeprefix("/v1")) for p, item in app.openapi()["paths"].items()
                  if p.startswith("/v1/payables") for m in item}
        covered = {(c.method, c.path.replace("{id}", "{payable_id}").replace("{line}", "{line_item_id}"))
                   for c in CASES}
        assert routes - covered == {("GET", "/payables/variables")}  # authentication only

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    async def test_denied_without_it(self, client, db, world, case):
        payable, line = await prepared(client, world, case)
        if payable is not None:
            rows, events = await history(client, world["on"], payable["id"]), event_actions(db, payable["id"])
        before = (await client.get("/payables/analytics", headers=world["on"])).json()
        method, path, kwargs = case.request(payable, line)
        response = await client.request(method, path, headers=world["lacking"][case.permission].auth, **kwargs)
        assert response.status_code == 403, response.text
        assert response.json() == {"error": {"message": f"Action {case.permission} for payable not allowed"}}
        assert (await client.get("/payables/analytics", headers=world["on"])).json() == before
        if payable is not None:
            assert await get_payable(client, world["on"], payable["id"]) == payable
            assert await history(client, world["on"], payable["id"]) == rows
            assert event_actions(db, payable["id"]) == events

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    async def test_allowed_with_only_it(self, client, world, case):
        payable, line = await prepared(client, world, case)
        method, path, kwargs = case.request(payable, line)
        response = await client.request(method, path, headers=world["only"][case.permission].auth, **kwargs)
        assert response.status_code == case.success, response.text

    @pytest.mark.parametrize("action", ["cancel", "submit_for_approval", "reopen", "mark_as_paid", "delete", "patch"])
    async def test_forbidden_comes_before_conflict(self, client, world, action):
        """A user without the permission learns nothing about the status: 403, not 409."""
        payable = await payable_in_state(client, world["on"], "paid")
        permission = {"cancel": "cancel", "submit_for_approval": "submit", "reopen": "reopen", "mark_as_paid": "pay",
                      "delete": "delete", "patch": "update"}[action]
        response = await act(client, world["lacking"][permission].auth, payable["id"], action)
        assert response.status_code == 403
        assert error_message(response) == f"Action {permission} for payable not allowed"

    async def test_empty_patch_still_needs_update(self, client, world):
        payable = await new_payable(client, world["on"])
        response = await client.patch(f"/payables/{payable['id']}", json={}, headers=world["lacking"]["update"].auth)
        assert response.status_code == 403

    async def test_variables_need_only_authentication(self, client, world):
        response = await client.get("/payables/variables", headers=world["only"]["pay"].auth)
        assert response.status_code == 200


@pytest.fixture(scope="module")
async def own(partner, world, client):
    """A user with every action ``allowed_for_own``, a colleague allowed everything, and their payables."""
    user = await partner.user_with(world["entity"]["id"], payable={a: "allowed_for_own" for a in PAYABLE_ACTIONS})
    colleague = await partner.user_with(world["entity"]["id"], payable=PAYABLE_ACTIONS)
    mine = await create_payable(client, user.auth, document_id="MINE")
    theirs = await create_payable(client, colleague.auth, document_id="THEIRS")
    by_partner = await create_payable(client, world["on"], document_id="PARTNER")
    return {"user": user, "colleague": colleague, "mine": mine, "theirs": theirs, "by_partner": by_partner}


class TestAllowedForOwn:
    async def test_list_is_restricted_to_own(self, client, own):
        headers = own["user"].auth
        listed = (await client.get("/payables", headers=headers)).json()["data"]
        assert [p["id"] for p in listed] == [own["mine"]["id"]]
        asked = (await client.get("/payables", params={"was_created_by_user_id": own["colleague"].id},
                                  headers=headers)).json()["data"]
        assert asked == []
        analytics = (await client.get("/payables/analytics", headers=headers)).json()
        assert analytics["count"] == 1

    @pytest.mark.parametrize("other", ["theirs", "by_partner"])
    async def test_single_object_actions_on_another_users_payable(self, client, own, other):
        payable, headers = own[other], own["user"].auth
        for method, suffix, body, action in (
            ("GET", "", None, "read"), ("GET", "/history", None, "read"), ("GET", "/line_items", None, "read"),
            ("PATCH", "", {"description": "x"}, "update"), ("POST", "/line_items", {}, "update"),
            ("POST", "/cancel", None, "cancel"), ("DELETE", "", None, "delete"),
        ):
            response = await client.request(method, f"/payables/{payable['id']}{suffix}", json=body, headers=headers)
            assert response.status_code == 403, (method, suffix, response.text)
            assert error_message(response) == f"Action {action} for payable not allowed"
        # Unchanged by the refusals (draft or new depends on whether a test in this module already
        # set the entity's validation rules to [] when the fixture ran).
        assert (await get_payable(client, own["colleague"].auth, payable["id"]))["status"] == payable["status"]

    async def test_own_payable_through_its_life(self, client, own):
        headers, pid = own["user"].auth, own["mine"]["id"]
        assert (await client.get(f"/payables/{pid}", headers=headers)).status_code == 200
        await client.patch(f"/payables/{pid}", json={"currency": "EUR", "issued_at": "2024-05-01",
                                                     "due_date": "2024-05-31"}, headers=headers)
        await add_line_item(client, headers, pid)
        for action, status in (("submit_for_approval", "approve_in_progress"), ("reject", "rejected"),
                               ("reopen", "new"), ("approve_payment_operation", "waiting_to_be_paid"),
                               ("mark_as_partially_paid", "partially_paid"), ("mark_as_paid", "paid")):
            response = await act(client, headers, pid, action)
            assert (response.status_code, response.json()["status"]) == (200, status), action

    async def test_colleague_with_allowed_acts_on_anyones(self, client, own, world):
        payable = await new_payable(client, world["on"])
        response = await act(client, own["colleague"].auth, payable["id"], "cancel")
        assert response.json()["status"] == "canceled"


class TestPartnerToken:
    async def test_does_everything(self, client, world):
        on = world["on"]
        payable = await payable_in_state(client, on, "rejected")
        for action in ("reopen", "approve_payment_operation", "mark_as_partially_paid", "mark_as_paid"):
            assert (await act(client, on, payable["id"], action)).status_code == 200, action
        other = await new_payable(client, on)
        assert (await act(client, on, other["id"], "delete")).status_code == 204
