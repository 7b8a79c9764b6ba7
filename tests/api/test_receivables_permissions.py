"""Receivable permissions for entity-user tokens: each of the 27 operations needs its action on
``receivable`` (read, create, update or delete), a denial is 403 ``Action <action> for receivable
not allowed`` and writes nothing, and ``allowed_for_own`` narrows every single-document operation
to the documents the user created."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from remit.core import clock
from remit.receivables import jobs
from tests.fixtures.database import row_counts
from tests.fixtures.masterdata import error_message, new_partner
from tests.fixtures.receivables import Billing, billing

ACTIONS = ["create", "read", "update", "delete"]
SEND = {"subject_text": "Invoice {document_id}", "body_text": "Hello {counterpart_name}"}


@dataclass(frozen=True)
class Case:
    name: str
    permission: str
    state: str | None  # the document the call needs (see ``prepared``); None: no document
    method: str
    path: str  # {id}: the document, {history}: its first history record, {mail}: its mail
    body: Callable[[Billing], Any] | None = None
    success: int = 200

    def request(self, bill: Billing, ids: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
        kwargs = {"json": self.body(bill)} if self.body is not None else {}
        return self.method, self.path.format(**ids), kwargs


CASES = [
    Case("list", "read", None, "GET", "/receivables"),
    Case("search", "read", None, "POST", "/receivables/search", lambda bill: {}),
    Case("create", "create", None, "POST", "/receivables", lambda bill: bill.invoice(), 201),
    Case("required_fields", "read", None, "GET", "/receivables/required_fields"),
    Case("get", "read", "draft_invoice", "GET", "/receivables/{id}"),
    Case("patch", "update", "draft_invoice", "PATCH", "/receivables/{id}", lambda bill: {"invoice": {"memo": "x"}}),
    Case("delete", "delete", "draft_invoice", "DELETE", "/receivables/{id}", success=204),
    Case("accept", "update", "issued_quote", "POST", "/receivables/{id}/accept"),
    Case("decline", "update", "issued_quote", "POST", "/receivables/{id}/decline", lambda bill: {"comment": "no"}),
    Case("cancel", "update", "issued_invoice", "POST", "/receivables/{id}/cancel", success=204),
    Case("clone", "create", "draft_invoice", "POST", "/receivables/{id}/clone", success=201),
    Case("history", "read", "draft_invoice", "GET", "/receivables/{id}/history"),
    Case("history record", "read", "draft_invoice", "GET", "/receivables/{id}/history/{history}"),
    Case("issue", "update", "draft_invoice", "POST", "/receivables/{id}/issue"),
    Case("line_items", "update", "draft_invoice", "PUT", "/receivables/{id}/line_items",
         lambda bill: {"data": [bill.line(3)]}),
    Case("mails", "read", "sent_invoice", "GET", "/receivables/{id}/mails"),
    Case("mail", "read", "sent_invoice", "GET", "/receivables/{id}/mails/{mail}"),
    Case("mark_as_paid", "update", "issued_invoice", "POST", "/receivables/{id}/mark_as_paid"),
    Case("mark_as_partially_paid", "update", "issued_invoice", "POST", "/receivables/{id}/mark_as_partially_paid",
         lambda bill: {"amount_paid": 100}),
    Case("mark_as_uncollectible", "update", "overdue_invoice", "POST", "/receivables/{id}/mark_as_uncollectible"),
    Case("reject", "update", "draft_invoice", "POST", "/receivables/{id}/reject", lambda bill: {"comment": "no"}),
    Case("pdf_link", "read", "draft_invoice", "GET", "/receivables/{id}/pdf_link"),
    Case("preview", "read", "draft_invoice", "POST", "/receivables/{id}/preview", lambda bill: SEND, 201),
    Case("send", "update", "draft_invoice", "POST", "/receivables/{id}/send", lambda bill: SEND),
    # No reminder can be set on an invoice yet, so a permitted call ends in the 409 "no reminder".
    Case("send_test_reminder", "read", "issued_invoice", "POST", "/receivables/{id}/send_test_reminder",
         lambda bill: {"reminder_type": "term_1"}, 409),
    Case("verify", "read", "draft_invoice", "POST", "/receivables/{id}/verify"),
]
IDS = [case.name for case in CASES]
SINGLE = [case for case in CASES if case.state is not None]


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@dataclass
class World:
    bill: Billing
    none: Any  # a user whose role has no receivable permission
    lacking: dict[str, Any]  # action → a user allowed every receivable action but this one
    only: dict[str, Any]  # action → a user allowed this receivable action only
    own: Any  # a user allowed every action on the documents it created
    colleague: Any  # a user allowed every action


@pytest.fixture(scope="module")
async def world(partner) -> World:
    bill = await billing(partner)
    entity_id = bill.entity["id"]
    lacking, only = {}, {}
    for action in ACTIONS:
        lacking[action] = await partner.user_with(entity_id, receivable=[a for a in ACTIONS if a != action])
        only[action] = await partner.user_with(entity_id, receivable=[action])
    none = await partner.user_with(entity_id, counterpart=["read"])
    own = await partner.user_with(entity_id, receivable={a: "allowed_for_own" for a in ACTIONS})
    colleague = await partner.user_with(entity_id, receivable=ACTIONS)
    return World(bill, none, lacking, only, own, colleague)


async def prepared(app, bill: Billing, state: str | None, creator: dict[str, str] | None = None) -> dict[str, str]:
    """The path ids of a document in ``state``, created by ``creator`` (the partner by default)
    and moved there by the partner."""
    if state is None:
        return {}
    quote = state == "issued_quote"
    document = await bill.create(bill.quote() if quote else bill.invoice(), headers=creator)
    ids = {"id": document["id"]}
    if state != "draft_invoice":
        response = await bill.act(document["id"], "issue")
        assert response.status_code == 200, response.text
    if state == "sent_invoice":
        response = await bill.act(document["id"], "send", SEND)
        assert response.status_code == 200, response.text
        ids["mail"] = response.json()["mail_id"]
    if state == "overdue_invoice":
        clock.move(timedelta(days=31))
        try:
            assert jobs.mark_overdue(app.state.runtime) >= 1
        finally:
            clock.reset()
        assert (await bill.get(document["id"]))["status"] == "overdue"
    history = await bill.client.get(f"/receivables/{document['id']}/history", headers=bill.on)
    ids["history"] = history.json()["data"][0]["id"]
    return ids


async def snapshot(bill: Billing, db, ids: dict[str, str]) -> tuple[Any, ...]:
    """What a refused call must leave as it was: every table's row count, and the document."""
    document = await bill.get(ids["id"]) if ids else None
    return row_counts(db), document


def denied(response, action: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json() == {"error": {"message": f"Action {action} for receivable not allowed"}}


class TestEveryOperationNeedsItsAction:
    def test_the_cases_cover_every_receivable_operation(self, app):
        operations = {(method.upper(), path.removeprefix("/v1")) for path, item in app.openapi()["paths"].items()
                      if path.startswith("/v1/receivables") for method in item}
        covered = {(case.method, case.path.replace("{id}", "{receivable_id}").replace(
            "{history}", "{receivable_history_id}").replace("{mail}", "{mail_id}")) for case in CASES}
        assert operations - covered == {("GET", "/receivables/variables")}  # authentication only
        assert len(operations) == 27

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    async def test_denied_without_any_receivable_permission(self, app, db, world, case):
        bill = world.bill
        ids = await prepared(app, bill, case.state)
        before = await snapshot(bill, db, ids)
        method, path, kwargs = case.request(bill, ids)
        response = await bill.client.request(method, path, headers=world.none.auth, **kwargs)
        denied(response, case.permission)
        assert await snapshot(bill, db, ids) == before

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    async def test_denied_without_its_action(self, app, db, world, case):
        bill = world.bill
        ids = await prepared(app, bill, case.state)
        before = await snapshot(bill, db, ids)
        method, path, kwargs = case.request(bill, ids)
        response = await bill.client.request(method, path, headers=world.lacking[case.permission].auth, **kwargs)
        denied(response, case.permission)
        assert await snapshot(bill, db, ids) == before

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    async def test_allowed_with_only_it(self, app, world, case):
        bill = world.bill
        ids = await prepared(app, bill, case.state)
        method, path, kwargs = case.request(bill, ids)
        response = await bill.client.request(method, path, headers=world.only[case.permission].auth, **kwargs)
        assert response.status_code == case.success, response.text

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    async def test_read_allows_reads_and_no_writes(self, app, db, world, case):
        bill = world.bill
        ids = await prepared(app, bill, case.state)
        before = await snapshot(bill, db, ids)
        method, path, kwargs = case.request(bill, ids)
        response = await bill.client.request(method, path, headers=world.only["read"].auth, **kwargs)
        if case.permission == "read":
            assert response.status_code == case.success, response.text
        else:
            denied(response, case.permission)
            assert await snapshot(bill, db, ids) == before

    async def test_variables_need_only_authentication(self, world):
        for user in (world.none, world.only["read"]):
            response = await world.bill.client.get("/receivables/variables", headers=user.auth)
            assert response.status_code == 200, response.text

    @pytest.mark.parametrize(("action", "permission", "body"), [
        ("issue", "update", None), ("cancel", "update", None), ("mark_as_paid", "update", None),
        ("mark_as_partially_paid", "update", {"amount_paid": 1}), ("mark_as_uncollectible", "update", None),
        ("send", "update", SEND), ("accept", "update", None), ("decline", "update", None), ("clone", "create", None),
    ])
    async def test_forbidden_comes_before_conflict(self, app, world, action, permission, body):
        """A user without the permission learns nothing about the status: 403, never 409 or 400."""
        bill = world.bill
        invoice = await bill.issued()
        assert (await bill.act(invoice["id"], "mark_as_paid")).status_code == 200
        response = await bill.act(invoice["id"], action, body, headers=world.lacking[permission].auth)
        denied(response, permission)

    async def test_delete_of_an_issued_document_without_delete(self, world):
        invoice = await world.bill.issued()
        response = await world.bill.client.delete(f"/receivables/{invoice['id']}",
                                                  headers=world.lacking["delete"].auth)
        denied(response, "delete")

    async def test_patch_with_a_wrapper_that_does_not_fit_still_needs_update(self, world):
        invoice = await world.bill.create(world.bill.invoice())
        response = await world.bill.client.patch(f"/receivables/{invoice['id']}", json={"quote": {"memo": "x"}},
                                                 headers=world.lacking["update"].auth)
        denied(response, "update")


class TestAllowedForOwn:
    @pytest.mark.parametrize("case", SINGLE, ids=[case.name for case in SINGLE])
    async def test_on_a_colleagues_document(self, app, db, world, case):
        bill = world.bill
        ids = await prepared(app, bill, case.state, creator=world.colleague.auth)
        before = await snapshot(bill, db, ids)
        method, path, kwargs = case.request(bill, ids)
        response = await bill.client.request(method, path, headers=world.own.auth, **kwargs)
        denied(response, case.permission)
        assert await snapshot(bill, db, ids) == before

    @pytest.mark.parametrize("case", SINGLE, ids=[case.name for case in SINGLE])
    async def test_on_a_document_the_partner_made(self, app, db, world, case):
        bill = world.bill
        ids = await prepared(app, bill, case.state)
        before = await snapshot(bill, db, ids)
        method, path, kwargs = case.request(bill, ids)
        response = await bill.client.request(method, path, headers=world.own.auth, **kwargs)
        denied(response, case.permission)
        assert await snapshot(bill, db, ids) == before

    @pytest.mark.parametrize("case", CASES, ids=IDS)
    async def test_on_its_own_document(self, app, world, case):
        bill = world.bill
        ids = await prepared(app, bill, case.state, creator=world.own.auth)
        method, path, kwargs = case.request(bill, ids)
        response = await bill.client.request(method, path, headers=world.own.auth, **kwargs)
        assert response.status_code == case.success, response.text
        if ids and case.name != "delete":
            assert (await bill.get(ids["id"]))["entity_user_id"] == world.own.id

    async def test_a_colleague_allowed_everything_acts_on_anyones(self, world):
        bill = world.bill
        mine = await bill.create(bill.invoice(), headers=world.own.auth)
        response = await bill.act(mine["id"], "issue", headers=world.colleague.auth)
        assert response.status_code == 200, response.text
        response = await bill.act(mine["id"], "clone", headers=world.colleague.auth)
        assert response.status_code == 201, response.text
        assert response.json()["entity_user_id"] == world.colleague.id

    async def test_the_invoice_of_an_accepted_quote_is_the_acceptors(self, world):
        bill = world.bill
        quote = await bill.create(bill.quote(), headers=world.own.auth)
        assert (await bill.act(quote["id"], "issue", headers=world.own.auth)).status_code == 200
        assert (await bill.act(quote["id"], "accept", headers=world.own.auth)).status_code == 200
        listed = await bill.client.get("/receivables", params={"based_on": quote["id"]}, headers=world.own.auth)
        [invoice] = listed.json()["data"]
        assert invoice["entity_user_id"] == world.own.id
        assert error_message(await bill.client.get(f"/receivables/{invoice['id']}",
                                                   headers=world.none.auth)) == (
            "Action read for receivable not allowed")
