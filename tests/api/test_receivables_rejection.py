"""Rejecting a draft invoice (remit extension;
docs/receivables.md, "Rejecting a draft invoice"): ``POST /receivables/{id}/reject``
with a catalogue reason, the terminal ``rejected`` status, its balances, history and event, its list
filters, and every refusal with its status and body, writing nothing."""

from __future__ import annotations

import uuid

import pytest

from remit.core.versioning import IMPLEMENTED_VERSION
from tests.fixtures.database import row_counts
from tests.fixtures.masterdata import assert_shape
from tests.fixtures.receivables import Billing, billing

REJECTION_FIELDS = {"rejection_reason", "rejected_at"}


@pytest.fixture
async def bill(partner) -> Billing:
    return await billing(partner)


async def reasons_of(bill: Billing) -> dict[str, dict]:
    response = await bill.client.get("/receivable_rejection_reasons", headers=bill.on)
    assert response.status_code == 200, response.text
    return {reason["name"]: reason for reason in response.json()["data"]}


async def history_of(bill: Billing, receivable_id: str) -> list[dict]:
    response = await bill.client.get(f"/receivables/{receivable_id}/history", headers=bill.on)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def events_of(db, receivable_id: str) -> list[str]:
    from sqlalchemy import select

    from remit.events.models import Event

    with db.transaction(write=False) as session:
        return list(session.scalars(select(Event.action).where(Event.object_id == uuid.UUID(receivable_id))
                                    .order_by(Event.created_at)))


async def refused(bill: Billing, db, receivable_id: str, body, status: int, headers=None):
    """The call is refused with ``status`` and leaves every table as it was."""
    before = row_counts(db), await bill.get(receivable_id)
    response = await bill.act(receivable_id, "reject", body, headers=headers)
    assert response.status_code == status, response.text
    assert (row_counts(db), await bill.get(receivable_id)) == before
    return response.json()


class TestReject:
    async def test_a_draft_with_the_default_reason(self, bill, db):
        draft = await bill.create(bill.invoice())
        response = await bill.act(draft["id"], "reject")
        assert response.status_code == 200, response.text
        rejected = response.json()
        default = (await reasons_of(bill))["Reject Due to Error"]
        assert rejected["status"] == "rejected" and rejected["document_id"] is None
        assert rejected["rejection_reason"] == {"id": default["id"], "name": "Reject Due to Error",
                                                "alternative_code": "RDTE", "description": None}
        assert rejected["rejected_at"] is not None
        # The totals stay; nothing is owed.
        for field in ("subtotal", "total_vat_amount", "total_amount", "total_amount_with_credit_notes"):
            assert rejected[field] == draft[field], field
        assert (rejected["amount_due"], rejected["amount_to_pay"], rejected["amount_paid"]) == (0, 0, 0)
        assert rejected["total_amount"] == 28560
        assert await bill.get(draft["id"]) == rejected
        history = await history_of(bill, draft["id"])
        assert [h["event_type"] for h in history] == ["receivable_created", "status_changed"]
        assert history[1]["event_data"] == {"old_status": "draft", "new_status": "rejected"}
        assert events_of(db, draft["id"]) == ["receivable.created", "receivable.rejected"]

    async def test_the_rejected_invoice_keeps_monites_shape_plus_the_two_extension_fields(self, bill):
        draft = await bill.create(bill.invoice())
        rejected = (await bill.act(draft["id"], "reject")).json()
        assert set(rejected) - set(draft) == REJECTION_FIELDS
        assert_shape({k: v for k, v in rejected.items() if k not in REJECTION_FIELDS}, "InvoiceResponsePayload")
        # Every other document keeps Monite's exact field set.
        assert not REJECTION_FIELDS & set(draft)
        assert not REJECTION_FIELDS & set(await bill.issued())

    async def test_by_name_case_insensitively_by_id_and_with_a_comment(self, bill):
        business = (await reasons_of(bill))["Reject Due to Business Request"]
        first = await bill.create(bill.invoice())
        by_name = (await bill.act(first["id"], "reject", {"rejection_reason_name": "reject due to BUSINESS request"}))
        assert by_name.json()["rejection_reason"]["id"] == business["id"]
        assert by_name.json()["comment"] is None  # no comment given: unchanged
        second = await bill.create(bill.invoice())
        by_id = await bill.act(second["id"], "reject", {"rejection_reason_id": business["id"], "comment": "Wrong PO"})
        assert by_id.status_code == 200, by_id.text
        assert (by_id.json()["rejection_reason"]["alternative_code"], by_id.json()["comment"]) == ("RDTBR", "Wrong PO")

    async def test_without_a_default_no_reason_applies(self, bill):
        reasons = await reasons_of(bill)
        response = await bill.client.patch(f"/receivable_rejection_reasons/{reasons['Reject Due to Error']['id']}",
                                           json={"is_default": False}, headers=bill.on)
        assert response.status_code == 200, response.text
        draft = await bill.create(bill.invoice())
        for body in (None, {}):
            rejected = (await bill.act(draft["id"], "reject", body)).json()
            if body is None:
                assert rejected["status"] == "rejected"
                assert rejected["rejection_reason"] is None and "rejection_reason" in rejected
        again = await bill.act(draft["id"], "reject", {})
        assert again.status_code == 409

    async def test_the_invoice_keeps_its_snapshot_when_the_reason_changes_or_goes(self, bill):
        reason = (await bill.client.post("/receivable_rejection_reasons", json={"name": "Duplicate order"},
                                         headers=bill.on)).json()
        draft = await bill.create(bill.invoice())
        await bill.act(draft["id"], "reject", {"rejection_reason_id": reason["id"]})
        path = f"/receivable_rejection_reasons/{reason['id']}"
        assert (await bill.client.patch(path, json={"name": "Renamed"}, headers=bill.on)).status_code == 200
        assert (await bill.client.delete(path, headers=bill.on)).status_code == 204
        assert (await bill.get(draft["id"]))["rejection_reason"]["name"] == "Duplicate order"


class TestRefusals:
    async def test_only_drafts(self, bill, db):
        issued = await bill.issued()
        body = await refused(bill, db, issued["id"], None, 409)
        assert body == {"error": {"message": "Only draft invoices can be rejected"}}
        draft = await bill.create(bill.invoice())
        assert (await bill.act(draft["id"], "reject")).status_code == 200
        assert await refused(bill, db, draft["id"], None, 409) == body

    async def test_invoices_only(self, bill, db):
        quote = await bill.create(bill.quote())
        assert await refused(bill, db, quote["id"], None, 409) == {
            "error": {"message": "Cannot reject a receivable of type 'quote'"}}
        invoice = await bill.issued()
        note = await bill.create({"type": "credit_note", "based_on": invoice["id"]})
        assert await refused(bill, db, note["id"], None, 409) == {
            "error": {"message": "Cannot reject a receivable of type 'credit_note'"}}

    @pytest.mark.parametrize("body, loc", [
        ({"rejection_reason_id": str(uuid.uuid4())}, ["body", "rejection_reason_id"]),
        ({"rejection_reason_name": "No such reason"}, ["body", "rejection_reason_name"]),
    ])
    async def test_an_unknown_reason_is_a_422_at_its_field(self, bill, db, body, loc):
        draft = await bill.create(bill.invoice())
        detail = (await refused(bill, db, draft["id"], body, 422))["detail"]
        assert [d["loc"] for d in detail] == [loc]

    async def test_a_deleted_or_other_entitys_reason_is_unknown(self, bill, db, partner):
        reasons = await reasons_of(bill)
        gone = reasons["Reject Due to Business Request"]["id"]
        assert (await bill.client.delete(f"/receivable_rejection_reasons/{gone}", headers=bill.on)).status_code == 204
        other = await billing(partner)
        foreign = (await reasons_of(other))["Reject Due to Error"]["id"]
        draft = await bill.create(bill.invoice())
        for reason_id in (gone, foreign):
            await refused(bill, db, draft["id"], {"rejection_reason_id": reason_id}, 422)
        await refused(bill, db, draft["id"], {"rejection_reason_name": "Reject Due to Business Request"}, 422)

    @pytest.mark.parametrize("body", [
        {"rejection_reason_id": str(uuid.uuid4()), "rejection_reason_name": "Reject Due to Error"},
        {"reason": "x"},
        {"comment": "x" * 2001},
        {"rejection_reason_id": "not-a-uuid"},
        {"rejection_reason_name": ""},
        {"rejection_reason_name": 5},
        [],
        "text",
    ])
    async def test_schema_errors_are_422(self, bill, db, body):
        draft = await bill.create(bill.invoice())
        assert "detail" in await refused(bill, db, draft["id"], body, 422)

    async def test_unknown_and_other_entitys_invoices_are_404(self, bill, db, partner):
        response = await bill.act(str(uuid.uuid4()), "reject")
        assert response.status_code == 404 and "error" in response.json()
        other = await billing(partner)
        theirs = await other.create(other.invoice())
        response = await bill.act(theirs["id"], "reject")
        assert response.status_code == 404, response.text
        assert (await other.get(theirs["id"]))["status"] == "draft"

    async def test_allowed_for_own_reaches_only_the_users_own_invoices(self, bill, db, partner):
        entity_id = bill.entity["id"]
        own = await partner.user_with(entity_id, receivable={"read": "allowed", "create": "allowed",
                                                             "update": "allowed_for_own"})
        readonly = await partner.user_with(entity_id, receivable=["read"])
        partners_draft = await bill.create(bill.invoice())
        body = await refused(bill, db, partners_draft["id"], None, 403, headers=own.auth)
        assert body == {"error": {"message": "Action update for receivable not allowed"}}
        await refused(bill, db, partners_draft["id"], None, 403, headers=readonly.auth)
        mine = await bill.create(bill.invoice(), headers=own.auth)
        response = await bill.act(mine["id"], "reject", headers=own.auth)
        assert response.status_code == 200, response.text


class TestRejectedIsTerminal:
    @pytest.fixture
    async def rejected(self, bill):
        draft = await bill.create(bill.invoice())
        response = await bill.act(draft["id"], "reject")
        assert response.status_code == 200
        return response.json()

    @pytest.mark.parametrize("action, body", [
        ("issue", None), ("mark_as_paid", None), ("mark_as_partially_paid", {"amount_paid": 100}),
        ("mark_as_uncollectible", None), ("cancel", None),
        ("send", {"subject_text": "s", "body_text": "b"}),
    ])
    async def test_no_action_moves_it(self, bill, db, rejected, action, body):
        before = row_counts(db)
        response = await bill.act(rejected["id"], action, body)
        assert response.status_code in (400, 409), response.text
        assert row_counts(db) == before and (await bill.get(rejected["id"]))["status"] == "rejected"

    async def test_it_is_kept_not_deleted(self, bill, rejected):
        response = await bill.client.delete(f"/receivables/{rejected['id']}", headers=bill.on)
        assert response.status_code == 409, response.text

    async def test_only_its_metadata_can_be_changed(self, bill, rejected):
        path = f"/receivables/{rejected['id']}"
        memo = await bill.client.patch(path, json={"invoice": {"memo": "x"}}, headers=bill.on)
        assert memo.status_code == 409, memo.text
        issued_memo = await bill.client.patch(path, json={"issued_invoice": {"memo": "x"}}, headers=bill.on)
        assert issued_memo.status_code == 409, issued_memo.text
        metadata = await bill.client.patch(path, json={"issued_invoice": {"partner_metadata": {"a": 1}}},
                                           headers=bill.on)
        assert metadata.status_code == 200, metadata.text
        assert metadata.json()["partner_metadata"] == {"a": 1} and metadata.json()["status"] == "rejected"
        assert metadata.json()["rejection_reason"] == rejected["rejection_reason"]

    async def test_a_clone_is_a_fresh_draft(self, bill, rejected):
        response = await bill.act(rejected["id"], "clone")
        assert response.status_code == 201, response.text
        clone = response.json()
        assert clone["status"] == "draft" and not REJECTION_FIELDS & set(clone)
        assert clone["amount_due"] == clone["total_amount"] == rejected["total_amount"]


class TestListing:
    async def test_status_filters_in_list_and_search(self, bill):
        draft = await bill.create(bill.invoice())
        await bill.create(bill.invoice())
        rejected = (await bill.act(draft["id"], "reject")).json()

        async def ids(**params) -> list[str]:
            listed = await bill.client.get("/receivables", params=params, headers=bill.on)
            assert listed.status_code == 200, listed.text
            return [d["id"] for d in listed.json()["data"]]

        async def searched(**body) -> list[str]:
            found = await bill.client.post("/receivables/search", json=body, headers=bill.on)
            assert found.status_code == 200, found.text
            return [d["id"] for d in found.json()["data"]]

        assert await ids(status="rejected") == [rejected["id"]]
        assert await ids(status__in=["rejected"]) == [rejected["id"]]
        assert rejected["id"] not in await ids(status="draft")
        assert await searched(status="rejected") == [rejected["id"]]
        assert await searched(status__in=["rejected", "paid"]) == [rejected["id"]]
        [listed] = (await bill.client.get("/receivables", params={"status": "rejected"}, headers=bill.on)).json()["data"]
        assert listed["rejection_reason"] == rejected["rejection_reason"]

    async def test_the_event_is_in_the_catalogue_and_carries_the_version(self, bill, db):
        from sqlalchemy import select

        from remit.events.models import Event

        draft = await bill.create(bill.invoice())
        await bill.act(draft["id"], "reject")
        with db.transaction(write=False) as session:
            event = session.scalars(select(Event).where(Event.object_id == uuid.UUID(draft["id"]),
                                                        Event.action == "receivable.rejected")).one()
        assert (event.object_type, event.api_version) == ("receivable", IMPLEMENTED_VERSION)


def test_remits_openapi_document_lists_the_extensions_as_extensions(app):
    from tests.fixtures.masterdata import monite_contract

    document = app.openapi()
    extensions = {(method.upper(), path) for path, item in document["paths"].items() for method, operation
                  in item.items() if operation.get("x-remit-extension")}
    assert extensions == {
        ("POST", "/v1/receivables/{receivable_id}/reject"),
        ("GET", "/v1/receivable_rejection_reasons"), ("POST", "/v1/receivable_rejection_reasons"),
        ("GET", "/v1/receivable_rejection_reasons/{reason_id}"),
        ("PATCH", "/v1/receivable_rejection_reasons/{reason_id}"),
        ("DELETE", "/v1/receivable_rejection_reasons/{reason_id}"),
        ("POST", "/v1/compat/crm/invoices/reject"),
        ("GET", "/v1/compat/crm/invoices/configuration/rejection_reasons/list"),
    }
    for method, path in extensions:
        assert "remit extensions" in document["paths"][path][method.lower()]["tags"]
        assert f"{method} {path.removeprefix('/v1')}" not in monite_contract()["operations"]
    schemas = document["components"]["schemas"]
    assert "rejected" in schemas["ReceivablesStatusEnum"]["enum"]
    assert "rejected" not in monite_contract()["schemas"]["ReceivablesStatusEnum"]["enum"]
    invoice = schemas["InvoiceResponsePayload"]["properties"]
    assert {"rejection_reason", "rejected_at"} <= set(invoice)
