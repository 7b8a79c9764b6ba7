"""The CRM.COM-compatible routes (docs/compat-crm.md): ``POST /v1/compat/crm/invoices/reject`` and the
rejection-reason list. The seed's two example bodies are replayed verbatim; every identifier
form, ``fields_set``, amounts in major units (EUR, JPY, KWD), the token in the body or the
header, and every refusal of its error table in CRM.COM's envelope with its HTTP status, writing nothing."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest

from tests.fixtures.database import row_counts
from tests.fixtures.receivables import Billing, billing
from tests.fixtures.responses import assert_crm_error

REJECT = "/compat/crm/invoices/reject"
REASONS = "/compat/crm/invoices/configuration/rejection_reasons/list"
SHORT_FIELDS = ["id", "number", "reference_number", "life_cycle_state", "issued_on", "posted_on", "due_on",
                "total_amount", "outstanding_amount", "unsettled_amount", "currency_rate_period"]
WHEN = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
OK = {"code": "OK", "message": None, "description": None}

# The seed's two example requests, exactly as CRM.COM documents them.
SEED_1 = """{
\t"token": "B8D7A12E9F91AFADE914B7330AFD08CB",
\t"invoice_identifier":{"reference_number":"559"},
\t"rejection_reason_identifier":{"name":"Reject Due to Business Request"}
}"""
SEED_2 = """{
    "token":"{{token}}",
    "invoice_identifier":{"reference_number":"541"},
    "rejection_reason_identifier":{"name":"Reject Due to Error"}
}"""
# The seed's responses, for the field-by-field comparison of types.
SEED_RESPONSE_1 = {"total_amount": 57, "issued_on": "2014-11-07T11:38:48", "life_cycle_state": "REJECTED",
                   "unsettled_amount": 0, "number": "I00000519", "due_on": "2014-11-10T15:49:59",
                   "id": "7968903798226F14CB73E59E2DD8712B", "outstanding_amount": 0, "reference_number": "559",
                   "posted_on": "2014-11-07T11:45:41"}
SEED_RESPONSE_2 = {"posted_on": "2016-04-14T06:43:24", "number": "542", "total_amount": 100, "unsettled_amount": 0,
                   "issued_on": "2016-04-15T00:00:00", "currency_rate_period": None,
                   "id": "01A75EF631294253B24B2401CA65F15D", "life_cycle_state": "REJECTED", "outstanding_amount": 0,
                   "reference_number": "541", "due_on": "2016-04-16T06:43:24"}


@pytest.fixture
async def bill(partner) -> Billing:
    return await billing(partner)


@pytest.fixture
async def crm(app):
    """A CRM.COM client: no x-monite-version header."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit.test/v1") as client:
        yield client


def token_of(bill: Billing) -> str:
    return bill.on["authorization"].removeprefix("Bearer ")


def entity_only(bill: Billing) -> dict[str, str]:
    return {"x-monite-entity-id": bill.on["x-monite-entity-id"]}


def line(bill: Billing, price: int, currency: str = "EUR") -> dict[str, Any]:
    return {"product": {"name": f"Item {price}", "price": {"currency": currency, "value": price}}, "quantity": 1,
            "vat_rate_id": bill.rates[0]}


async def draft(bill: Billing, price: int = 5700, currency: str = "EUR", **fields: Any) -> dict[str, Any]:
    return await bill.create(bill.invoice(currency=currency, line_items=[line(bill, price, currency)], **fields))


async def non_compliant(bill: Billing, partner) -> None:
    response = await bill.client.patch(f"/entities/{bill.entity['id']}/settings", headers=partner.auth,
                                       json={"receivable_edit_flow": "non_compliant"})
    assert response.status_code == 200, response.text


async def refused(crm, db, body: Any, status: int, code: str, headers: dict[str, str] | None = None,
                  content: bytes | None = None) -> dict[str, Any]:
    """Refused with ``status`` and ``code`` in CRM.COM's envelope; nothing written."""
    before = row_counts(db)
    if content is not None:
        response = await crm.post(REJECT, content=content, headers={"content-type": "application/json",
                                                                     **(headers or {})})
    else:
        response = await crm.post(REJECT, json=body, headers=headers)
    status_object = assert_crm_error(response, status, code)
    assert row_counts(db) == before
    return status_object


class TestSeedExamples:
    @pytest.mark.parametrize("seed, stored, number, price, seed_response", [
        (SEED_1, "559", "I00000519", 5700, SEED_RESPONSE_1),
        (SEED_2, 541, "542", 10000, SEED_RESPONSE_2),  # a number in partner_metadata matches as its digits
    ])
    async def test_the_seed_request_rejects_the_draft_and_answers_in_the_seeds_shape(
            self, bill, partner, crm, db, seed, stored, number, price, seed_response):
        await non_compliant(bill, partner)
        invoice = await draft(bill, price, document_id=number, partner_metadata={"reference_number": stored})
        response = await crm.post(REJECT, content=seed.encode(), headers={
            "content-type": "application/json", "authorization": bill.on["authorization"], **entity_only(bill)})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == OK
        data = body["data"]
        assert list(data) == SHORT_FIELDS  # the seed's fields (and currency_rate_period, from R10), in order
        assert set(seed_response) <= set(data)
        for field, seed_value in seed_response.items():
            assert type(data[field]) is type(seed_value) or field == "due_on", (field, data[field])
        assert data["id"] == invoice["id"]
        assert (data["number"], data["reference_number"], data["life_cycle_state"]) == (
            number, seed_response["reference_number"], "REJECTED")
        assert (data["total_amount"], data["outstanding_amount"], data["unsettled_amount"]) == (
            seed_response["total_amount"], 0, 0)
        assert WHEN.fullmatch(data["issued_on"]) and WHEN.fullmatch(data["posted_on"])
        assert data["due_on"] is None  # a draft has no due date yet (it is set on issue)
        assert data["currency_rate_period"] is None
        # The native view agrees, the reason is the one named, and the lifecycle wrote its rows.
        native = await bill.get(invoice["id"])
        name = re.search(r'"name":"([^"]+)"', seed.replace(" ", "").replace("Reject", "Reject ")).group(1)
        assert native["status"] == "rejected" and native["amount_due"] == 0
        assert native["rejection_reason"]["name"].replace(" ", "") == name.replace(" ", "")
        history = (await bill.client.get(f"/receivables/{invoice['id']}/history", headers=bill.on)).json()["data"]
        assert history[-1]["event_data"] == {"old_status": "draft", "new_status": "rejected"}
        # A second call: the invoice is no longer in draft.
        status = await refused(crm, db, None, 409, "INVALID_LIFE_CYCLE_STATE", content=seed.encode(), headers={
            "authorization": bill.on["authorization"], **entity_only(bill)})
        assert status["message"] == "Only draft invoices can be rejected"
        assert status["description"] == f"Invoice {invoice['id']} is in state REJECTED"


class TestAuthentication:
    async def test_the_token_may_come_in_the_body_and_no_version_header_is_needed(self, bill, crm):
        invoice = await draft(bill, partner_metadata={"reference_number": "A-1"})
        response = await crm.post(REJECT, headers=entity_only(bill), json={
            "token": token_of(bill), "invoice_identifier": {"reference_number": "A-1"}})
        assert response.status_code == 200, response.text
        assert response.json()["data"]["id"] == invoice["id"]
        # a malformed version header is not looked at either
        listed = await crm.get(REASONS, params={"token": token_of(bill)},
                               headers={**entity_only(bill), "x-monite-version": "yesterday"})
        assert listed.status_code == 200, listed.text

    async def test_the_header_wins_over_the_body(self, bill, crm, db):
        await draft(bill, partner_metadata={"reference_number": "A-2"})
        body = {"token": token_of(bill), "invoice_identifier": {"reference_number": "A-2"}}
        await refused(crm, db, body, 401, "INVALID_TOKEN", headers={"authorization": "Bearer not-a-token",
                                                                    **entity_only(bill)})
        response = await crm.post(REJECT, headers=bill.on, json={**body, "token": "not-a-token"})
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize("token", [None, "", "garbage", "x" * 10_000])
    async def test_no_usable_token(self, bill, crm, db, token):
        await draft(bill, partner_metadata={"reference_number": "A-3"})
        body = {"invoice_identifier": {"reference_number": "A-3"}}
        if token is not None:
            body["token"] = token
        await refused(crm, db, body, 401, "INVALID_TOKEN", headers=entity_only(bill))
        response = await crm.get(REASONS, headers=entity_only(bill), params={"token": token} if token else None)
        assert response.status_code == 401 and response.json()["status"]["code"] == "INVALID_TOKEN"

    async def test_rbac_and_inactive_entities_are_not_allowed(self, bill, partner, crm, db):
        await draft(bill, partner_metadata={"reference_number": "A-4"})
        body = {"invoice_identifier": {"reference_number": "A-4"}}
        reader = await partner.user_with(bill.entity["id"], receivable=["read"])
        await refused(crm, db, body, 403, "NOT_ALLOWED", headers=reader.auth)
        nobody = await partner.user_with(bill.entity["id"], counterpart=["read"])
        listed = await crm.get(REASONS, headers=nobody.auth)
        assert listed.status_code == 403 and listed.json()["status"]["code"] == "NOT_ALLOWED"
        owner_only = await partner.user_with(bill.entity["id"], receivable={"read": "allowed",
                                                                             "update": "allowed_for_own"})
        await refused(crm, db, body, 403, "NOT_ALLOWED", headers=owner_only.auth)
        response = await bill.client.post(f"/entities/{bill.entity['id']}/deactivate", headers=partner.auth)
        assert response.status_code == 200, response.text
        await refused(crm, db, body, 403, "NOT_ALLOWED", headers=bill.on)

    async def test_a_partner_token_needs_the_entity_header(self, bill, partner, crm, db):
        await refused(crm, db, {"invoice_identifier": {"reference_number": "x"}}, 422, "INVALID_REQUEST",
                      headers=partner.auth)
        await refused(crm, db, {"invoice_identifier": {"reference_number": "x"}}, 422, "INVALID_REQUEST",
                      headers={**partner.auth, "x-monite-entity-id": "not-a-uuid"})


class TestIdentifiers:
    async def test_every_invoice_identifier_form(self, bill, partner, crm):
        await non_compliant(bill, partner)
        invoices = [await draft(bill, document_id=f"N-{i}", partner_metadata={
            "reference_number": f"R-{i}", "back_office_code": f"B-{i}"}) for i in range(5)]
        forms = [{"id": invoices[0]["id"]}, {"id": invoices[1]["id"].replace("-", "").upper()},
                 {"number": "N-2"}, {"reference_number": "R-3"}, {"back_office_code": "B-4"}]
        for invoice, identifier in zip(invoices, forms, strict=True):
            response = await crm.post(REJECT, headers=bill.on, json={"invoice_identifier": identifier,
                                                                      "fields_set": "id,life_cycle_state"})
            assert response.status_code == 200, (identifier, response.text)
            assert response.json()["data"] == {"id": invoice["id"], "life_cycle_state": "REJECTED"}

    async def test_every_reason_identifier_form_and_the_default(self, bill, crm):
        reasons = (await bill.client.get("/receivable_rejection_reasons", headers=bill.on)).json()["data"]
        business = next(r for r in reasons if r["alternative_code"] == "RDTBR")
        cases = [({"id": business["id"]}, "RDTBR"), ({"id": business["id"].replace("-", "")}, "RDTBR"),
                 ({"name": "reject due to business request"}, "RDTBR"), ({"alternative_code": "RDTBR"}, "RDTBR"),
                 (None, "RDTE")]
        for index, (identifier, code) in enumerate(cases):
            invoice = await draft(bill, partner_metadata={"reference_number": f"reason-{index}"})
            body: dict[str, Any] = {"invoice_identifier": {"reference_number": f"reason-{index}"}}
            if identifier is not None:
                body["rejection_reason_identifier"] = identifier
            response = await crm.post(REJECT, headers=bill.on, json=body)
            assert response.status_code == 200, response.text
            assert (await bill.get(invoice["id"]))["rejection_reason"]["alternative_code"] == code

    @pytest.mark.parametrize("identifier", [
        {"id": str(uuid.uuid4())}, {"id": "7968903798226F14CB73E59E2DD8712B"}, {"id": "not-an-id"},
        {"number": "nothing"}, {"reference_number": "nothing"}, {"back_office_code": "nothing"},
        {"reference_number": "r" * 255},
    ])
    async def test_no_invoice_matches(self, bill, crm, db, identifier):
        await refused(crm, db, {"invoice_identifier": identifier}, 404, "INVOICE_NOT_FOUND", headers=bill.on)

    async def test_deleted_quotes_and_other_entitys_invoices_are_not_found(self, bill, partner, crm, db):
        other = await billing(partner)
        await draft(other, partner_metadata={"reference_number": "theirs"})
        gone = await draft(bill, partner_metadata={"reference_number": "gone"})
        assert (await bill.client.delete(f"/receivables/{gone['id']}", headers=bill.on)).status_code == 204
        await bill.create(bill.quote(partner_metadata={"reference_number": "quote"}))
        for reference in ("theirs", "gone", "quote"):
            await refused(crm, db, {"invoice_identifier": {"reference_number": reference}}, 404, "INVOICE_NOT_FOUND",
                          headers=bill.on)

    async def test_several_matches_are_ambiguous(self, bill, crm, db):
        for _ in range(2):
            await draft(bill, partner_metadata={"reference_number": "twice"})
        status = await refused(crm, db, {"invoice_identifier": {"reference_number": "twice"}}, 409,
                               "AMBIGUOUS_IDENTIFIER", headers=bill.on)
        assert "twice" in status["description"]

    @pytest.mark.parametrize("reason", [{"id": str(uuid.uuid4())}, {"name": "Nope"}, {"alternative_code": "rdte"},
                                        {"id": "zzz"}])
    async def test_an_unknown_reason(self, bill, crm, db, reason):
        await draft(bill, partner_metadata={"reference_number": "unknown-reason"})
        await refused(crm, db, {"invoice_identifier": {"reference_number": "unknown-reason"},
                                "rejection_reason_identifier": reason}, 404, "REJECTION_REASON_NOT_FOUND",
                      headers=bill.on)

    async def test_posted_and_cancelled_invoices_cannot_be_rejected(self, bill, crm, db):
        issued = await bill.issued(bill.invoice(partner_metadata={"reference_number": "posted"}))
        status = await refused(crm, db, {"invoice_identifier": {"reference_number": "posted"}}, 409,
                               "INVALID_LIFE_CYCLE_STATE", headers=bill.on)
        assert status == {"code": "INVALID_LIFE_CYCLE_STATE", "message": "Only draft invoices can be rejected",
                          "description": f"Invoice {issued['id']} is in state POSTED"}
        assert (await bill.act(issued["id"], "cancel")).status_code == 204
        status = await refused(crm, db, {"invoice_identifier": {"id": issued["id"]}}, 409,
                               "INVALID_LIFE_CYCLE_STATE", headers=bill.on)
        assert status["description"].endswith("is in state CANCELLED")


class TestHostileBodies:
    @pytest.mark.parametrize("content", [b"", b"not json", b"[]", b'"text"', b"5", b"null", b'{"a": ', b"\xff\xfe"])
    async def test_a_body_that_is_not_a_json_object(self, bill, crm, db, content):
        await refused(crm, db, None, 422, "INVALID_REQUEST", headers=bill.on, content=content)

    @pytest.mark.parametrize("body", [
        {}, {"invoice_identifier": None}, {"invoice_identifier": "559"}, {"invoice_identifier": ["559"]},
        {"invoice_identifier": {"reference_number": 559}}, {"invoice_identifier": {"id": True}},
        {"invoice_identifier": {"reference_number": "1"}, "rejection_reason_identifier": "Error"},
        {"invoice_identifier": {"reference_number": "1"}, "rejection_reason_identifier": {"name": 5}},
        {"invoice_identifier": {"reference_number": "1"}, "fields_set": ["id"]},
        {"invoice_identifier": {"reference_number": "1"}, "fields_set": "x" * 10_000},
        {"invoice_identifier": {"reference_number": "1"}, "token": 5},
    ])
    async def test_wrong_types_are_invalid_requests(self, bill, crm, db, body):
        await refused(crm, db, body, 422, "INVALID_REQUEST", headers=bill.on)

    @pytest.mark.parametrize("body", [
        {"invoice_identifier": {}},
        {"invoice_identifier": {"id": str(uuid.uuid4()), "number": "1"}},
        {"invoice_identifier": {"reference_number": "1", "back_office_code": "2"}},
        {"invoice_identifier": {"reference_number": ""}},
        {"invoice_identifier": {"reference_number": "   "}},
        {"invoice_identifier": {"reference_number": "r" * 10_000}},
        {"invoice_identifier": {"code": "1"}},
        {"invoice_identifier": {"reference_number": "a\u0000b"}},
        {"invoice_identifier": {"reference_number": "1"}, "rejection_reason_identifier": {"name": "\u0000"}},
        {"invoice_identifier": {"reference_number": "1"}, "rejection_reason_identifier": {}},
        {"invoice_identifier": {"reference_number": "1"}, "rejection_reason_identifier": {"name": "a", "id": "b"}},
        {"invoice_identifier": {"reference_number": "1"}, "rejection_reason_identifier": {"name": ""}},
        {"invoice_identifier": {"reference_number": "1"}, "rejection_reason_identifier": {"name": "n" * 10_000}},
        {"invoice_identifier": {"reference_number": "1"}, "rejection_reason_identifier": {"description": "x"}},
    ])
    async def test_identifier_objects_need_exactly_one_non_empty_field(self, bill, crm, db, body):
        await draft(bill, partner_metadata={"reference_number": "1"})
        await refused(crm, db, body, 400, "INVALID_IDENTIFIER", headers=bill.on)

    async def test_an_id_together_with_a_number(self, bill, crm, db):
        invoice = await draft(bill)
        await refused(crm, db, {"invoice_identifier": {"id": invoice["id"], "number": "I00000519"}}, 400,
                      "INVALID_IDENTIFIER", headers=bill.on)
        assert (await bill.get(invoice["id"]))["status"] == "draft"


class TestResponse:
    @pytest.mark.parametrize("fields_set, keys", [
        ("id,life_cycle_state", ["id", "life_cycle_state"]),
        (" life_cycle_state , id ,", ["id", "life_cycle_state"]),  # trimmed; the object's own order
        ("number,bogus,total_amount", ["number", "total_amount"]),  # unknown names are ignored
        ("bogus", []),
        (None, SHORT_FIELDS),
    ])
    async def test_fields_set(self, bill, crm, fields_set, keys):
        await draft(bill, partner_metadata={"reference_number": "fields"})
        body: dict[str, Any] = {"invoice_identifier": {"reference_number": "fields"}}
        if fields_set is not None:
            body["fields_set"] = fields_set
        response = await crm.post(REJECT, headers=bill.on, json=body)
        assert response.status_code == 200, response.text
        assert list(response.json()["data"]) == keys

    @pytest.mark.parametrize("currency, minor, text", [
        ("EUR", 5700, "57"), ("EUR", 5750, "57.5"), ("EUR", 5701, "57.01"),
        ("JPY", 5700, "5700"), ("KWD", 57505, "57.505"), ("KWD", 57000, "57"),
    ])
    async def test_amounts_in_major_units_as_exact_json_numbers(self, bill, crm, currency, minor, text):
        reference = f"{currency}-{minor}"
        await draft(bill, minor, currency, partner_metadata={"reference_number": reference})
        response = await crm.post(REJECT, headers=bill.on, json={"invoice_identifier": {"reference_number": reference},
                                                                  "fields_set": "total_amount,outstanding_amount"})
        assert response.status_code == 200, response.text
        assert f'"data":{{"total_amount":{text},"outstanding_amount":0}}' in response.text.replace(" ", "")


class TestReasonList:
    async def test_the_catalogue_in_crm_form(self, bill, crm):
        response = await crm.get(REASONS, headers=bill.on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == OK
        reasons = (await bill.client.get("/receivable_rejection_reasons", headers=bill.on)).json()["data"]
        assert body["data"] == [
            {"default": r["is_default"], "rejection_reason": {"id": r["id"], "name": r["name"],
                                                              "alternative_code": r["alternative_code"],
                                                              "description": None}}
            for r in reasons
        ]
        assert [item["rejection_reason"]["name"] for item in body["data"]] == [
            "Reject Due to Business Request", "Reject Due to Error"]

    async def test_fields_set_and_the_token_in_the_query(self, bill, crm):
        response = await crm.get(REASONS, headers=entity_only(bill),
                                 params={"token": token_of(bill), "fields_set": "name,default"})
        assert response.status_code == 200, response.text
        assert response.json()["data"] == [
            {"default": False, "rejection_reason": {"name": "Reject Due to Business Request"}},
            {"default": True, "rejection_reason": {"name": "Reject Due to Error"}},
        ]
        too_long = await crm.get(REASONS, headers=bill.on, params={"fields_set": "x" * 10_000})
        assert too_long.status_code == 422 and too_long.json()["status"]["code"] == "INVALID_REQUEST"
