"""Payables CRUD
(docs/payables.md, "Creating a payable", "The payable body", "Amounts", "Editing", "Deleting"):
create, read, list with every filter, sort and page, update with its amount and date rules, delete,
request validation, and tenancy."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime

import pytest

from remit.core import clock
from tests.fixtures.masterdata import (
    assert_shape,
    create_address,
    create_bank_account,
    create_counterpart,
    create_tag,
    create_vat_id,
    error_message,
    event_actions,
    fill,
    locs,
    monite_schema,
    new_partner,
)
from tests.fixtures.payables import (
    COMPLETE_FIELDS,
    CONFLICT,
    LINE_TOTAL,
    PAYABLE_TENANCY_FACTORIES,
    STATES,
    act,
    add_line_item,
    create_payable,
    get_payable,
    history,
    new_payable,
    patch_payable,
    payable_in_state,
    payable_tenancy_request,
)

RESPONSE_FIELDS = set(monite_schema("PayableResponseSchema")["properties"])
TERMS = {
    "name": "2/10, 1/20, net 30",
    "term_1": {"discount": 200, "number_of_days": 10},
    "term_2": {"discount": 100, "number_of_days": 20},
    "term_final": {"number_of_days": 30},
}


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


@pytest.fixture
def today():
    """``today(date(2024, 5, 8))`` moves remit's clock to that UTC day; reset afterwards."""

    def move_to(day: date) -> None:
        clock.reset()
        now = clock.now()
        clock.move(datetime.combine(day, now.timetz()) - now)
        assert clock.now().date() == day

    yield move_to
    clock.reset()


async def payable_count(client, headers) -> int:
    response = await client.get("/payables", params={"limit": 100}, headers=headers)
    assert response.status_code == 200
    return len(response.json()["data"])


async def ids(client, headers, **params) -> list[str]:
    response = await client.get("/payables", params={"limit": 100, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["data"]]


# -- create ----------------------------------------------------------------------------------


class TestCreatePayable:
    async def test_unauthenticated(self, client, entity):
        response = await client.post("/payables", json={}, headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_other_entity_header_refused_for_entity_user(self, client, partner, entity, other_entity):
        user = await partner.user_with(entity["id"], payable=["create", "read"])
        headers = {**user.auth, "x-monite-entity-id": other_entity["id"]}
        before = await payable_count(client, partner.on(other_entity["id"]))
        response = await client.post("/payables", json={}, headers=headers)
        assert response.status_code == 403, response.text
        assert error_message(response) == (
            "The entity user does not belong to the entity specified in x-monite-entity-id")
        assert await payable_count(client, partner.on(other_entity["id"])) == before

    async def test_partner_token_needs_the_entity_header(self, client, partner):
        response = await client.post("/payables", json={}, headers=partner.auth)
        assert ["header", "x-monite-entity-id"] in locs(response)

    @pytest.mark.parametrize("content", [b"", b"{}"], ids=["sdk-no-body", "empty-object"])
    async def test_empty_body_creates_a_draft(self, client, on, db, content):
        response = await client.post("/payables", content=content,
                                     headers={**on, "content-type": "application/json"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert_shape(body, "PayableResponseSchema")
        assert set(body) == RESPONSE_FIELDS  # every property is always present
        assert body["status"] == "draft"
        assert (body["payable_origin"], body["source_of_payable_data"]) == ("upload", "user_specified")
        assert (body["amount_paid"], body["amount_due"], body["amount_to_pay"]) == (0, None, None)
        assert (body["credit_notes"], body["tags"]) == ([], [])
        assert body["was_created_by_user_id"] is None and body["created_by_role_id"] is None
        rows = await history(client, on, body["id"])
        assert [(r["event_type"], r["event_data"]) for r in rows] == [("payable_created", {"payable_source": "upload"})]
        assert event_actions(db, body["id"]) == ["payable.created"]

    async def test_all_fields(self, client, on):
        counterpart = await create_counterpart(client, on, legal_name="Supplier GmbH")
        address = await create_address(client, on, counterpart["id"])
        account = await create_bank_account(client, on, counterpart["id"])
        vat = await create_vat_id(client, on, counterpart["id"])
        tag = await create_tag(client, on, "urgent")
        payload = {
            **COMPLETE_FIELDS,
            "description": "Office chairs",
            "total_amount": 11900, "subtotal": 10000, "tax": 1900, "tax_amount": 1900, "discount": 0,
            "counterpart_id": counterpart["id"], "counterpart_address_id": address["id"],
            "counterpart_bank_account_id": account["id"], "counterpart_vat_id_id": vat["id"],
            "sender": "bills@supplier.example", "tag_ids": [tag["id"], tag["id"]],
            "partner_metadata": {"erp": {"id": 7}}, "payment_terms": TERMS,
            "suggested_payment_term": {"date": "2024-05-11", "discount": 200},
        }
        response = await client.post("/payables", json=payload, headers=on)
        assert response.status_code == 200, response.text
        body = response.json()
        for key, value in payload.items():
            if key not in ("tag_ids", "payment_terms"):
                assert body[key] == value, key
        assert body["payment_terms"]["term_2"] == TERMS["term_2"]
        assert [t["id"] for t in body["tags"]] == [tag["id"]]  # duplicates collapsed
        assert_shape(body["tags"][0], "TagReadSchema")
        assert body["status"] == "draft"  # the default rules want a line item
        assert (body["amount_due"], body["total_amount_with_credit_notes"]) == (11900, 11900)

    async def test_by_entity_user_records_creator_and_role(self, client, partner, entity):
        user = await partner.user_with(entity["id"], payable=["create", "read"])
        body = await create_payable(client, user.auth, document_id="X")
        assert body["was_created_by_user_id"] == user.id
        assert body["created_by_role_id"] == user.data["role_id"]

    async def test_counterpart_is_filled_from_its_address(self, client, on):
        counterpart = await create_counterpart(client, on)
        address = await create_address(client, on, counterpart["id"])
        body = await create_payable(client, on, counterpart_address_id=address["id"])
        assert body["counterpart_id"] == counterpart["id"]

    async def test_base64_file_is_attached(self, client, on):
        content = b"%PDF-1.4 bill"
        body = await create_payable(client, on, base64_encoded_file=base64.b64encode(content).decode(),
                                    file_name="bill.pdf")
        assert body["file_id"] and body["file"]["id"] == body["file_id"]
        assert_shape(body["file"], "FileSchema")
        assert (body["file"]["name"], body["file"]["size"]) == ("bill.pdf", len(content))
        assert (body["file"]["pages"], body["file"]["previews"]) == ([], [])
        assert body["ocr_status"] is None
        rows = await history(client, on, body["id"])
        assert [r["event_type"] for r in rows] == ["payable_created", "file_attached"]
        assert rows[1]["event_data"]["file_name"] == "bill.pdf"
        assert rows[1]["event_data"]["file_size"] == len(content)

    async def test_due_date_from_payment_terms(self, client, on):
        body = await create_payable(client, on, issued_at="2024-05-01", payment_terms=TERMS)
        assert body["due_date"] == "2024-05-31"
        # The entity's default payment priority is working_capital: the final term.
        assert body["suggested_payment_term"] == {"date": "2024-05-31", "discount": 0}

    async def test_explicit_due_date_wins(self, client, on):
        body = await create_payable(client, on, issued_at="2024-05-01", payment_terms=TERMS, due_date="2024-06-15")
        assert body["due_date"] == "2024-06-15"

    async def test_suggested_term_follows_payment_priority(self, client, partner, entity, today):
        today(date(2024, 5, 2))
        response = await client.patch(f"/entities/{entity['id']}/settings", json={"payment_priority": "bottom_line"},
                                      headers=partner.auth)
        assert response.status_code == 200, response.text
        body = await create_payable(client, partner.on(entity["id"]), issued_at="2024-05-01", payment_terms=TERMS)
        assert body["suggested_payment_term"] == {"date": "2024-05-11", "discount": 200}


    async def test_counterpart_id_filter_keeps_deleted_counterparts(self, client, on):
        counterpart = await create_counterpart(client, on, legal_name="Gone GmbH")
        payable = await create_payable(client, on, counterpart_id=counterpart["id"])
        assert (await client.delete(f"/counterparts/{counterpart['id']}", headers=on)).status_code == 204
        assert await ids(client, on, counterpart_id=counterpart["id"]) == [payable["id"]]
        assert (await get_payable(client, on, payable["id"]))["counterpart_id"] == counterpart["id"]

    async def test_currency_exchange_from_entity_settings(self, client, partner, entity):
        settings = {"currency": {"default": "EUR", "exchange_rates": [{"base": "USD", "to": "EUR", "rate": 0.9}]}}
        response = await client.patch(f"/entities/{entity['id']}/settings", json=settings, headers=partner.auth)
        assert response.status_code == 200, response.text
        on = partner.on(entity["id"])
        assert (await create_payable(client, on, currency="EUR", total_amount=10000))["currency_exchange"] is None
        body = await create_payable(client, on, currency="USD", total_amount=10000)
        assert body["currency_exchange"] == {"default_currency_code": "EUR", "rate": 0.9, "total": 90.0}


class TestCreateValidation:
    """Bad input: Monite's 422 body, and nothing is created."""

    @pytest.mark.parametrize(("payload", "loc"), [
        ({"total_amount": -1}, ["body", "total_amount"]),
        ({"subtotal": -100}, ["body", "subtotal"]),
        ({"tax_amount": -1}, ["body", "tax_amount"]),
        ({"discount": -5}, ["body", "discount"]),
        ({"total_amount": 10.5}, ["body", "total_amount"]),
        ({"total_amount": "100"}, ["body", "total_amount"]),
        ({"tax": 10001}, ["body", "tax"]),
        ({"currency": "XYZ"}, ["body", "currency"]),
        ({"currency": "eur"}, ["body", "currency"]),
        ({"unknown_field": 1}, ["body", "unknown_field"]),
        ({"amount_paid": 0}, ["body", "amount_paid"]),  # only PATCH accepts amount_paid
        ({"description": "x" * 256}, ["body", "description"]),
        ({"sender": "not-an-email"}, ["body", "sender"]),
        ({"issued_at": "2024-13-01"}, ["body", "issued_at"]),
        ({"counterpart_id": "nope"}, ["body", "counterpart_id"]),
        ({"tag_ids": ["nope"]}, ["body", "tag_ids", 0]),
        ({"payment_terms": {"name": "x"}}, ["body", "payment_terms", "term_final"]),
        ({"base64_encoded_file": "***not base64***"}, ["body", "base64_encoded_file"]),
        ({"issued_at": "2024-05-10", "due_date": "2024-05-09"}, ["body", "due_date"]),
        ({"project_id": str(uuid.uuid4())}, ["body", "project_id"]),
        ({"purchase_order_id": str(uuid.uuid4())}, ["body", "purchase_order_id"]),
        ({"counterpart_id": str(uuid.uuid4())}, ["body", "counterpart_id"]),
    ])
    async def test_refused(self, client, on, db, payload, loc):
        before = await payable_count(client, on)
        response = await client.post("/payables", json=payload, headers=on)
        assert loc in locs(response), response.text
        assert await payable_count(client, on) == before

    @pytest.mark.parametrize("terms", [
        {"name": "x", "term_1": {"discount": 200, "number_of_days": 30}, "term_final": {"number_of_days": 30}},
        {"name": "x", "term_1": {"discount": 200, "number_of_days": 20}, "term_2": {"discount": 100,
                                                                                  "number_of_days": 10},
         "term_final": {"number_of_days": 30}},
        {"name": "x", "term_2": {"discount": 100, "number_of_days": 10}, "term_final": {"number_of_days": 30}},
        {"name": "x", "term_1": {"discount": 0, "number_of_days": 10}, "term_final": {"number_of_days": 30}},
        {"name": "x", "term_1": {"discount": 10001, "number_of_days": 10}, "term_final": {"number_of_days": 30}},
        {"name": "x", "term_final": {"number_of_days": -1}},
    ])
    async def test_payment_terms_rules(self, client, on, terms):
        response = await client.post("/payables", json={"payment_terms": terms}, headers=on)
        assert response.status_code == 422, response.text

    async def test_bad_tag_position(self, client, on):
        tag = await create_tag(client, on)
        response = await client.post("/payables", json={"tag_ids": [tag["id"], str(uuid.uuid4())]}, headers=on)
        assert locs(response) == [["body", "tag_ids", 1]]

    async def test_tag_of_another_entity(self, client, partner, on, other_entity):
        foreign = await create_tag(client, partner.on(other_entity["id"]))
        before = await payable_count(client, on)
        response = await client.post("/payables", json={"tag_ids": [foreign["id"]]}, headers=on)
        assert locs(response) == [["body", "tag_ids", 0]]
        assert await payable_count(client, on) == before

    async def test_counterpart_of_another_entity(self, client, partner, on, other_entity):
        foreign = await create_counterpart(client, partner.on(other_entity["id"]))
        before = await payable_count(client, on)
        response = await client.post("/payables", json={"counterpart_id": foreign["id"]}, headers=on)
        assert locs(response) == [["body", "counterpart_id"]]
        assert await payable_count(client, on) == before

    @pytest.mark.parametrize(("field", "creator"), [
        ("counterpart_address_id", create_address),
        ("counterpart_bank_account_id", create_bank_account),
        ("counterpart_vat_id_id", create_vat_id),
    ])
    async def test_child_of_another_counterpart(self, client, on, db, field, creator):
        mine = await create_counterpart(client, on, legal_name="Mine")
        theirs = await create_counterpart(client, on, legal_name="Theirs")
        child = await creator(client, on, theirs["id"])
        before = await payable_count(client, on)
        response = await client.post("/payables", json={"counterpart_id": mine["id"], field: child["id"]},
                                     headers=on)
        assert locs(response) == [["body", field]]
        assert await payable_count(client, on) == before

    async def test_deleted_counterpart(self, client, on):
        counterpart = await create_counterpart(client, on)
        assert (await client.delete(f"/counterparts/{counterpart['id']}", headers=on)).status_code == 204
        response = await client.post("/payables", json={"counterpart_id": counterpart["id"]}, headers=on)
        assert locs(response) == [["body", "counterpart_id"]]

    async def test_malformed_json(self, client, on):
        response = await client.post("/payables", content=b"{not json",
                                     headers={**on, "content-type": "application/json"})
        assert response.status_code == 422


# -- read ------------------------------------------------------------------------------------


class TestGetPayable:
    async def test_unauthenticated(self, client, on, entity):
        payable = await create_payable(client, on)
        response = await client.get(f"/payables/{payable['id']}", headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_other_entity(self, client, partner, on, other_entity):
        payable = await create_payable(client, on)
        response = await client.get(f"/payables/{payable['id']}", headers=partner.on(other_entity["id"]))
        assert response.status_code == 404
        assert error_message(response) == f"Payable with ID {payable['id']} not found."

    async def test_unknown_and_malformed(self, client, on):
        missing = str(uuid.uuid4())
        response = await client.get(f"/payables/{missing}", headers=on)
        assert (response.status_code, error_message(response)) == (404, f"Payable with ID {missing} not found.")
        assert (await client.get("/payables/42", headers=on)).status_code == 422

    async def test_round_trip(self, client, on):
        payable = await new_payable(client, on, description="desk")
        body = await get_payable(client, on, payable["id"])
        assert body == payable
        assert_shape(body, "PayableResponseSchema")

    @pytest.mark.parametrize("path", ["analytics", "validations", "variables"])
    async def test_fixed_paths_are_not_ids(self, client, on, path):
        assert (await client.get(f"/payables/{path}", headers=on)).status_code == 200


# -- update ----------------------------------------------------------------------------------


class TestUpdatePayable:
    @pytest.mark.parametrize("state", STATES)
    @pytest.mark.parametrize("content", [b"{}", b""], ids=["empty-object", "sdk-no-body"])
    async def test_empty_patch_is_a_noop_in_every_status(self, client, on, db, state, content):
        payable = await payable_in_state(client, on, state)
        rows, events = await history(client, on, payable["id"]), event_actions(db, payable["id"])
        response = await client.patch(f"/payables/{payable['id']}", content=content,
                                      headers={**on, "content-type": "application/json"})
        assert response.status_code == 200, response.text
        assert response.json() == await get_payable(client, on, payable["id"])
        assert response.json()["status"] == state
        assert response.json()["updated_at"] == payable["updated_at"]
        assert await history(client, on, payable["id"]) == rows
        assert event_actions(db, payable["id"]) == events

    async def test_fields_and_nulls(self, client, on, db):
        payable = await create_payable(client, on, document_id="A", description="first", sender="a@b.example",
                                       partner_metadata={"a": 1, "b": 2})
        body = await patch_payable(client, on, payable["id"], document_id="B", description=None,
                                   partner_metadata={"c": 3}, total_amount=500)
        assert (body["document_id"], body["description"], body["sender"]) == ("B", None, "a@b.example")
        assert body["partner_metadata"] == {"c": 3}  # replaced as a whole
        assert (body["total_amount"], body["subtotal"], body["amount_due"]) == (500, None, 500)
        assert body["updated_at"] > payable["updated_at"]
        rows = await history(client, on, payable["id"])
        assert [(r["event_type"], r["event_data"]) for r in rows[1:]] == [("payable_updated", {})]
        assert event_actions(db, payable["id"]) == ["payable.created", "payable.updated"]

    async def test_total_below_amount_paid_is_refused(self, client, on):
        payable = await create_payable(client, on, total_amount=1000)
        assert (await patch_payable(client, on, payable["id"], amount_paid=800))["amount_paid"] == 800
        response = await client.patch(f"/payables/{payable['id']}", json={"total_amount": 100}, headers=on)
        assert response.status_code == 400
        assert (await get_payable(client, on, payable["id"]))["total_amount"] == 1000

    async def test_new_counterpart_rechecks_the_stored_parts(self, client, on):
        first = await create_counterpart(client, on)
        second = await create_counterpart(client, on)
        account = await create_bank_account(client, on, first["id"])
        payable = await create_payable(client, on, counterpart_id=first["id"], counterpart_bank_account_id=account["id"])
        response = await client.patch(f"/payables/{payable['id']}", json={"counterpart_id": second["id"]}, headers=on)
        assert response.status_code == 422
        assert locs(response) == [["body", "counterpart_bank_account_id"]]
        assert (await get_payable(client, on, payable["id"]))["counterpart_id"] == first["id"]
        body = await patch_payable(client, on, payable["id"], counterpart_id=second["id"],
                                   counterpart_bank_account_id=None)
        assert (body["counterpart_id"], body["counterpart_bank_account_id"]) == (second["id"], None)

    async def test_tags_replace_dedupe_and_clear(self, client, on):
        t1, t2 = await create_tag(client, on, "b-tag"), await create_tag(client, on, "a-tag")
        payable = await create_payable(client, on, tag_ids=[t1["id"]])
        body = await patch_payable(client, on, payable["id"], tag_ids=[t2["id"], t2["id"]])
        assert [t["id"] for t in body["tags"]] == [t2["id"]]
        body = await patch_payable(client, on, payable["id"], tag_ids=[])
        assert body["tags"] == []

    async def test_counterpart_raw_data_merges_at_top_level(self, client, on):
        payable = await create_payable(client, on)
        await patch_payable(client, on, payable["id"], counterpart_raw_data={
            "name": "OCR GmbH", "address": {"city": "Berlin", "country": "DE"}})
        body = await patch_payable(client, on, payable["id"], counterpart_raw_data={"address": {"city": "Bonn"}})
        raw = body["counterpart_raw_data"]
        assert raw["name"] == "OCR GmbH"
        assert raw["address"]["city"] == "Bonn" and raw["address"].get("country") is None

    @pytest.mark.parametrize(("payload", "loc"), [
        ({"total_amount": -1}, ["body", "total_amount"]),
        ({"total_amount": 1.5}, ["body", "total_amount"]),
        ({"amount_paid": -1}, ["body", "amount_paid"]),
        ({"currency": "ABC"}, ["body", "currency"]),
        ({"status": "paid"}, ["body", "status"]),
        ({"tag_ids": [str(uuid.uuid4())]}, ["body", "tag_ids", 0]),
        ({"due_date": "2024-04-01"}, ["body", "due_date"]),  # before issued_at 2024-05-01
        ({"counterpart_id": str(uuid.uuid4())}, ["body", "counterpart_id"]),
        ({"counterpart_raw_data": {"unknown": 1}}, ["body", "counterpart_raw_data", "unknown"]),
    ])
    async def test_refused_changes_nothing(self, client, on, db, payload, loc):
        payable = await new_payable(client, on)
        rows, events = await history(client, on, payable["id"]), event_actions(db, payable["id"])
        response = await client.patch(f"/payables/{payable['id']}", json=payload, headers=on)
        assert loc in locs(response), response.text
        assert await get_payable(client, on, payable["id"]) == payable
        assert await history(client, on, payable["id"]) == rows
        assert event_actions(db, payable["id"]) == events

    async def test_address_of_another_counterpart(self, client, on):
        mine = await create_counterpart(client, on, legal_name="Mine")
        theirs = await create_counterpart(client, on, legal_name="Theirs")
        address = await create_address(client, on, theirs["id"])
        payable = await create_payable(client, on, counterpart_id=mine["id"])
        response = await client.patch(f"/payables/{payable['id']}", json={"counterpart_address_id": address["id"]},
                                      headers=on)
        assert locs(response) == [["body", "counterpart_address_id"]]
        assert (await get_payable(client, on, payable["id"]))["counterpart_address_id"] is None

    @pytest.mark.parametrize("field", ["subtotal", "tax", "tax_amount", "total_amount"])
    async def test_amounts_from_line_items_cannot_be_set(self, client, on, field):
        payable = await new_payable(client, on)
        response = await client.patch(f"/payables/{payable['id']}", json={field: 100}, headers=on)
        assert response.status_code == 400
        assert response.json() == {
            "error": {"message": "Amounts are calculated from line items and cannot be set directly"}
        }
        assert await get_payable(client, on, payable["id"]) == payable

    async def test_discount_recomputes_the_total(self, client, on):
        payable = await new_payable(client, on)
        body = await patch_payable(client, on, payable["id"], discount=900)
        assert (body["subtotal"], body["tax_amount"], body["total_amount"], body["amount_due"]) == (
            10000, 1900, LINE_TOTAL - 900, LINE_TOTAL - 900)
        body = await patch_payable(client, on, payable["id"], discount=None)
        assert body["total_amount"] == LINE_TOTAL

    async def test_without_line_items_amounts_are_stored_as_given(self, client, on):
        payable = await create_payable(client, on)
        body = await patch_payable(client, on, payable["id"], subtotal=1000, tax=1900, tax_amount=190)
        assert (body["subtotal"], body["tax"], body["tax_amount"], body["total_amount"]) == (1000, 1900, 190, None)
        body = await patch_payable(client, on, payable["id"], total_amount=999, discount=100)
        assert body["total_amount"] == 999  # a client total is already net of discount

    async def test_amount_paid_bounds(self, client, on):
        payable = await create_payable(client, on, total_amount=1000)
        assert (await patch_payable(client, on, payable["id"], amount_paid=400))["amount_due"] == 600
        response = await client.patch(f"/payables/{payable['id']}", json={"amount_paid": 1001}, headers=on)
        assert response.status_code == 400
        assert (await get_payable(client, on, payable["id"]))["amount_paid"] == 400
        no_total = await create_payable(client, on)
        response = await client.patch(f"/payables/{no_total['id']}", json={"amount_paid": 1}, headers=on)
        assert response.status_code == 400

    @pytest.mark.parametrize("state", ["approve_in_progress", "waiting_to_be_paid", "partially_paid", "paid",
                                       "canceled", "rejected"])
    @pytest.mark.parametrize("payload", [{"description": "x"}, {"tag_ids": []}, {"partner_metadata": {"a": 1}}])
    async def test_not_editable_after_submission(self, client, on, state, payload):
        payable = await payable_in_state(client, on, state)
        response = await client.patch(f"/payables/{payable['id']}", json=payload, headers=on)
        assert (response.status_code, response.json()) == (409, CONFLICT)
        assert await get_payable(client, on, payable["id"]) == payable

    async def test_due_date_follows_terms_and_issue_date(self, client, on):
        payable = await create_payable(client, on, issued_at="2024-05-01", payment_terms=TERMS)
        assert payable["due_date"] == "2024-05-31"
        body = await patch_payable(client, on, payable["id"], issued_at="2024-06-01")
        assert body["due_date"] == "2024-07-01"  # derived, so recomputed
        body = await patch_payable(client, on, payable["id"], due_date="2024-08-01")
        body = await patch_payable(client, on, payable["id"], issued_at="2024-06-10")
        assert body["due_date"] == "2024-08-01"  # explicit now: kept
        body = await patch_payable(client, on, payable["id"], due_date=None)
        assert body["due_date"] == "2024-07-10"  # cleared: derived again

    async def test_due_date_before_issue_date(self, client, on):
        payable = await create_payable(client, on, due_date="2024-05-01")
        response = await client.patch(f"/payables/{payable['id']}", json={"issued_at": "2024-05-02"}, headers=on)
        assert response.status_code == 422
        assert (await get_payable(client, on, payable["id"]))["issued_at"] is None


class TestAmountsToPay:
    """The worked example of docs/payables.md, "Amounts", read on different days."""

    @pytest.mark.parametrize(("day", "to_pay"), [(date(2024, 5, 8), 98000), (date(2024, 5, 15), 99000),
                                                 (date(2024, 5, 25), 100000)])
    async def test_tiers_valid_today(self, client, on, today, day, to_pay):
        payable = await create_payable(client, on, total_amount=100000, issued_at="2024-05-01", payment_terms=TERMS)
        today(day)
        body = await get_payable(client, on, payable["id"])
        assert (body["amount_due"], body["amount_to_pay"]) == (100000, to_pay)
        listed = (await client.get("/payables", params={"id__in": payable["id"]}, headers=on)).json()["data"][0]
        assert listed["amount_to_pay"] == to_pay

    async def test_after_partial_payment(self, client, on, today):
        today(date(2024, 5, 8))
        payable = await create_payable(client, on, **{**COMPLETE_FIELDS, "payment_terms": TERMS})
        payable = await patch_payable(client, on, payable["id"], due_date=None)
        await client.put(f"/payables/{payable['id']}/line_items",
                         json={"data": [{"name": "Service", "quantity": 1, "unit_price": 100000}]}, headers=on)
        body = await get_payable(client, on, payable["id"])
        assert (body["status"], body["total_amount"], body["amount_to_pay"]) == ("new", 100000, 98000)
        assert (await act(client, on, payable["id"], "approve_payment_operation")).status_code == 200
        body = (await act(client, on, payable["id"], "mark_as_partially_paid", {"amount_paid": 40000})).json()
        assert (body["amount_paid"], body["amount_due"], body["amount_to_pay"]) == (40000, 60000, 58800)
        today(date(2024, 5, 25))
        body = await get_payable(client, on, payable["id"])
        assert (body["amount_due"], body["amount_to_pay"]) == (60000, 60000)

    async def test_without_terms(self, client, on):
        body = await create_payable(client, on, total_amount=5000)
        assert (body["amount_due"], body["amount_to_pay"], body["total_amount_with_credit_notes"]) == (5000, 5000,
                                                                                                     5000)


# -- delete ----------------------------------------------------------------------------------


class TestDeletePayable:
    async def test_gone_everywhere(self, client, on, db):
        payable = await create_payable(client, on)
        line = await add_line_item(client, on, payable["id"])
        response = await client.delete(f"/payables/{payable['id']}", headers=on)
        assert response.status_code == 204 and response.content == b""
        assert payable["id"] not in await ids(client, on)
        assert await ids(client, on, id__in=payable["id"]) == []
        for path in ("", "/history", "/line_items", f"/line_items/{line['id']}"):
            assert (await client.get(f"/payables/{payable['id']}{path}", headers=on)).status_code == 404, path
        assert (await client.delete(f"/payables/{payable['id']}", headers=on)).status_code == 404
        assert event_actions(db, payable["id"]) == ["payable.created", "payable.deleted"]
        analytics = (await client.get("/payables/analytics", params={"id__in": payable["id"]}, headers=on)).json()
        assert analytics["count"] == 0

    async def test_other_entity(self, client, partner, on, other_entity):
        payable = await create_payable(client, on)
        response = await client.delete(f"/payables/{payable['id']}", headers=partner.on(other_entity["id"]))
        assert response.status_code == 404
        assert (await get_payable(client, on, payable["id"]))["id"] == payable["id"]


# -- tenancy ---------------------------------------------------------------------------------


class TestTenancy:
    @pytest.mark.parametrize("template", sorted(PAYABLE_TENANCY_FACTORIES))
    async def test_other_entity_sees_nothing(self, app, client, partner, entity, other_entity, template):
        other_user = await partner.user_with(other_entity["id"], payable=[
            "create", "read", "update", "delete", "submit", "approve", "cancel", "pay", "reopen"])
        methods = sorted(m for m in app.openapi()["paths"][template] if m in ("get", "post", "put", "patch",
                                                                             "delete"))
        params = await PAYABLE_TENANCY_FACTORIES[template](partner, entity["id"])
        path = fill(template, params)
        before = await get_payable(client, partner.on(entity["id"]), params["payable_id"])
        for headers in (partner.on(other_entity["id"]), other_user.auth):
            for method in methods:
                response = await client.request(method.upper(), path, headers=headers,
                                                **payable_tenancy_request(method, template))
                assert response.status_code == 404, (method, path, response.status_code, response.text)
                assert "message" in response.json()["error"]
        assert await get_payable(client, partner.on(entity["id"]), params["payable_id"]) == before

    def test_every_payable_id_route_is_registered(self, app):
        templates = {p for p in app.openapi()["paths"] if p.startswith("/v1/payables/{payable_id}")}
        assert templates == set(PAYABLE_TENANCY_FACTORIES)

    async def test_list_and_analytics_are_scoped(self, client, partner, on, other_entity):
        mine = await create_payable(client, on, total_amount=123)
        theirs = partner.on(other_entity["id"])
        assert await ids(client, theirs, id__in=mine["id"]) == []
        analytics = (await client.get("/payables/analytics", headers=theirs)).json()
        assert analytics["count"] == 0


# -- list ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def catalogue(client, partner):
    """One entity with five payables that differ in every filterable way, created once.

    A  INV-A-001  EUR   1000  issued 01-10 due 02-10  counterpart "Alpha Supplies GmbH", tag t1     draft
    B  inv-b-002  USD   5000  issued 02-10 due 03-10  raw name "Beta Logistics", tag t2, by user   draft
    C  INV-C-003  EUR  20000  issued 03-10 due 04-10  file (base64)                                 canceled
    D  (none)     —     null  —                       upload_from_file (ocr, error, file)           draft
    E  INV-E-005  EUR  11900  issued 05-01 due 05-31  counterpart "Gamma Ltd" (snapshot), a line    approve_in_progress
    """
    entity = await partner.create_entity(email="catalogue@acme.example")
    on = partner.on(entity["id"])
    user = await partner.user_with(entity["id"], payable=["create", "read", "update"])
    t1, t2 = await create_tag(client, on, "t1"), await create_tag(client, on, "t2")
    alpha = await create_counterpart(client, on, legal_name="Alpha Supplies GmbH")
    gamma = await create_counterpart(client, on, legal_name="Gamma Ltd")
    a = await create_payable(client, on, document_id="INV-A-001", currency="EUR", total_amount=1000,
                             issued_at="2024-01-10", due_date="2024-02-10", counterpart_id=alpha["id"],
                             tag_ids=[t1["id"]])
    b = await create_payable(client, user.auth, document_id="inv-b-002", currency="USD", total_amount=5000,
                             issued_at="2024-02-10", due_date="2024-03-10", tag_ids=[t2["id"]])
    await patch_payable(client, on, b["id"], counterpart_raw_data={"name": "Beta Logistics"})
    c = await create_payable(client, on, document_id="INV-C-003", currency="EUR", total_amount=20000,
                             issued_at="2024-03-10", due_date="2024-04-10",
                             base64_encoded_file=base64.b64encode(b"%PDF-1.4").decode())
    assert (await act(client, on, c["id"], "cancel")).status_code == 200
    response = await client.post("/payables/upload_from_file", headers=on,
                                 files={"file": ("scan.pdf", b"%PDF-1.4 scan", "application/pdf")})
    assert response.status_code == 201, response.text
    d = response.json()
    e = await new_payable(client, on, document_id="INV-E-005", counterpart_id=gamma["id"])
    assert (await act(client, on, e["id"], "submit_for_approval")).json()["status"] == "approve_in_progress"
    # Renaming the counterpart later does not change what the snapshot says.
    await client.patch(f"/counterparts/{gamma['id']}", json={"organization": {"legal_name": "Delta Corp"}}, headers=on)
    lines = (await client.get(f"/payables/{e['id']}/line_items", headers=on)).json()["data"]
    payables = {k: await get_payable(client, on, p["id"]) for k, p in zip("ABCDE", (a, b, c, d, e), strict=True)}
    return {"on": on, "user": user, "t1": t1, "t2": t2, "alpha": alpha, "gamma": gamma, "line": lines[0],
            "p": payables, "entity": entity}


def created_at(catalogue, key: str) -> str:
    return catalogue["p"][key]["created_at"]


FILTERS: list[tuple[str, object, str]] = [
    # (parameter, value or a callable of the catalogue, expected keys in created_at order)
    ("status", "draft", "ABD"),
    ("status", "canceled", "C"),
    ("status__in", ["canceled", "approve_in_progress"], "CE"),
    ("id__in", lambda c: [c["p"]["A"]["id"], c["p"]["D"]["id"]], "AD"),
    ("total_amount", 5000, "B"),
    ("total_amount__gt", 5000, "CE"),
    ("total_amount__gte", 5000, "BCE"),
    ("total_amount__lt", 5000, "A"),
    ("total_amount__lte", 11900, "ABE"),
    ("amount", 1000, "A"),
    ("amount__gt", 11900, "C"),
    ("amount__gte", 11900, "CE"),
    ("amount__lt", 1001, "A"),
    ("amount__lte", 1000, "A"),
    ("currency", "USD", "B"),
    ("currency", "EUR", "ACE"),
    ("counterpart_name", "Alpha Supplies GmbH", "A"),
    ("counterpart_name", "alpha supplies gmbh", ""),  # exact is case-sensitive
    ("counterpart_name", "Gamma Ltd", "E"),  # the snapshot, not the renamed counterpart
    ("counterpart_name__contains", "Logistics", "B"),
    ("counterpart_name__contains", "logistics", ""),
    ("counterpart_name__icontains", "SUPPLIES", "A"),
    ("counterpart_name__icontains", "a", "ABE"),
    ("search_text", "inv-c", "C"),
    ("search_text", "BETA", "B"),
    ("search_text", "gamma", "E"),
    ("search_text", "00", "ABCE"),
    ("due_date", "2024-03-10", "B"),
    ("due_date__gt", "2024-03-10", "CE"),
    ("due_date__gte", "2024-03-10", "BCE"),
    ("due_date__lt", "2024-03-10", "A"),
    ("due_date__lte", "2024-03-10", "AB"),
    ("issued_at", "2024-05-01", "E"),
    ("issued_at__gt", "2024-02-10", "CE"),
    ("issued_at__gte", "2024-02-10", "BCE"),
    ("issued_at__lt", "2024-02-10", "A"),
    ("issued_at__lte", "2024-03-10", "ABC"),
    ("document_id", "INV-A-001", "A"),
    ("document_id", "inv-a-001", ""),
    ("document_id__contains", "INV-", "ACE"),
    ("document_id__icontains", "inv-", "ABCE"),
    ("was_created_by_user_id", lambda c: c["user"].id, "B"),
    ("counterpart_id", lambda c: c["alpha"]["id"], "A"),
    ("source_of_payable_data", "ocr", "D"),
    ("source_of_payable_data", "user_specified", "ABCE"),
    ("ocr_status", "error", "D"),
    ("ocr_status", "processing", ""),
    ("line_item_id", lambda c: c["line"]["id"], "E"),
    ("tag_ids", lambda c: [c["t1"]["id"], c["t2"]["id"]], "AB"),
    ("tag_ids", lambda c: [c["t2"]["id"]], "B"),
    ("tag_ids__not_in", lambda c: [c["t1"]["id"]], "BCDE"),
    ("has_tags", "true", "AB"),
    ("has_tags", "false", "CDE"),
    ("origin", "upload", "ABCDE"),
    ("origin", "email", ""),
    ("has_file", "true", "CD"),
    ("has_file", "false", "ABE"),
    ("created_at__gte", lambda c: created_at(c, "C"), "CDE"),
    ("created_at__gt", lambda c: created_at(c, "C"), "DE"),
    ("created_at__lt", lambda c: created_at(c, "C"), "AB"),
    ("created_at__lte", lambda c: created_at(c, "C"), "ABC"),
    ("project_id__in", lambda c: [str(uuid.uuid4())], ""),
    ("purchase_order_id", lambda c: str(uuid.uuid4()), ""),
]


class TestListPayables:
    async def test_unauthenticated(self, client, catalogue):
        response = await client.get("/payables", headers={"x-monite-entity-id": catalogue["entity"]["id"]})
        assert response.status_code == 401

    async def test_all_in_creation_order(self, client, catalogue):
        response = await client.get("/payables", headers=catalogue["on"])
        body = response.json()
        assert [p["id"] for p in body["data"]] == [catalogue["p"][k]["id"] for k in "ABCDE"]
        assert (body["next_pagination_token"], body["prev_pagination_token"]) == (None, None)
        assert body["data"][0] == catalogue["p"]["A"]
        assert_shape(body, "PayablePaginationResponse")

    @pytest.mark.parametrize(("param", "value", "expected"), FILTERS,
                             ids=[f"{p}={v if not callable(v) else 'ref'}" for p, v, _ in FILTERS])
    async def test_filter(self, client, catalogue, param, value, expected):
        value = value(catalogue) if callable(value) else value
        found = await ids(client, catalogue["on"], **{param: value})
        assert found == [catalogue["p"][k]["id"] for k in expected]

    async def test_filters_combine(self, client, catalogue):
        found = await ids(client, catalogue["on"], currency="EUR", total_amount__lt=15000, has_file="false")
        assert found == [catalogue["p"][k]["id"] for k in "AE"]

    async def test_analytics_use_the_same_filters(self, client, catalogue):
        response = await client.get("/payables/analytics", params={"currency": "EUR"}, headers=catalogue["on"])
        assert response.json() == {"count": 3, "sum_total_amount": 32900, "data": [
            {"status": "draft", "count": 1, "sum_total_amount": 1000},  # PayableStateEnum order
            {"status": "approve_in_progress", "count": 1, "sum_total_amount": 11900},
            {"status": "canceled", "count": 1, "sum_total_amount": 20000},
        ]}

    @pytest.mark.parametrize(("params", "loc"), [
        ({"status": "unknown"}, ["query", "status"]),
        ({"total_amount__gt": "many"}, ["query", "total_amount__gt"]),
        ({"limit": 0}, ["query", "limit"]),
        ({"limit": 101}, ["query", "limit"]),
        ({"order": "up"}, ["query", "order"]),
        ({"sort": "total_amount"}, ["query", "sort"]),
        ({"id__in": "x"}, ["query", "id__in", 0]),
        ({"due_date": "tomorrow"}, ["query", "due_date"]),
    ])
    async def test_bad_parameters(self, client, catalogue, params, loc):
        response = await client.get("/payables", params=params, headers=catalogue["on"])
        assert loc in locs(response), response.text

    @pytest.mark.parametrize("sort", ["id", "created_at", "issued_at"])
    @pytest.mark.parametrize("order", ["asc", "desc"])
    async def test_sort(self, client, catalogue, sort, order):
        dated = [p for k, p in catalogue["p"].items() if k != "D"]  # D has no issue date
        expected = sorted(dated, key=lambda p: (p[sort], p["id"]), reverse=order == "desc")
        found = await ids(client, catalogue["on"], sort=sort, order=order, issued_at__gte="2000-01-01")
        assert found == [p["id"] for p in expected]

    @pytest.mark.parametrize("order", ["asc", "desc"])
    async def test_pages_forward_and_back_with_a_filter(self, client, catalogue, order):
        on = catalogue["on"]
        expected = [catalogue["p"][k]["id"] for k in "ABCE"]  # document_id contains "00": A B C E
        if order == "desc":
            expected.reverse()
        params = {"limit": 1, "order": order, "search_text": "00", "sort": "created_at"}
        page = (await client.get("/payables", params=params, headers=on)).json()
        assert page["prev_pagination_token"] is None
        seen, pages = [page["data"][0]["id"]], [page]
        while page["next_pagination_token"]:
            # With a token every other parameter is ignored, even contradicting ones.
            page = (await client.get("/payables", params={"pagination_token": page["next_pagination_token"],
                                                          "limit": 100, "currency": "JPY"}, headers=on)).json()
            assert len(page["data"]) == 1
            seen.append(page["data"][0]["id"])
            pages.append(page)
        assert seen == expected
        back = []
        page = pages[-1]
        while page["prev_pagination_token"]:
            page = (await client.get("/payables", params={"pagination_token": page["prev_pagination_token"]},
                                     headers=on)).json()
            back.append(page["data"][0]["id"])
        assert back == list(reversed(expected[:-1]))

    @pytest.mark.parametrize("order", ["asc", "desc"])
    async def test_pages_on_issued_at_keep_payables_without_issue_date(self, client, catalogue, order):
        on, pages = catalogue["on"], []
        page = (await client.get("/payables", params={"limit": 1, "sort": "issued_at", "order": order},
                                 headers=on)).json()
        pages.append(page)
        while page["next_pagination_token"]:
            page = (await client.get("/payables", params={"pagination_token": page["next_pagination_token"]},
                                     headers=on)).json()
            pages.append(page)
        seen = [p["id"] for pg in pages for p in pg["data"]]
        assert sorted(seen) == sorted(p["id"] for p in catalogue["p"].values())
        # NULL issue dates come after the dated payables in ascending order, before them in descending.
        dates = [p["issued_at"] for pg in pages for p in pg["data"]]
        dated = [d for d in dates if d is not None]
        assert dated == sorted(dated, reverse=order == "desc")
        nulls_at = [i for i, d in enumerate(dates) if d is None]
        assert nulls_at == (list(range(len(dated), len(dates))) if order == "asc" else list(range(len(nulls_at))))
        # and backwards from the last page, every page comes back in the same order
        back = [pages[-1]["data"]]
        page = pages[-1]
        while page["prev_pagination_token"]:
            page = (await client.get("/payables", params={"pagination_token": page["prev_pagination_token"]},
                                     headers=on)).json()
            back.insert(0, page["data"])
        assert [p["id"] for pg in back for p in pg] == seen

    @pytest.mark.parametrize("token", ["garbage", "eyJ2IjoxfQ.AAAA", "x" * 300])
    async def test_invalid_token(self, client, catalogue, token):
        response = await client.get("/payables", params={"pagination_token": token}, headers=catalogue["on"])
        assert response.status_code == 400
        assert error_message(response) == "Invalid pagination token"

    async def test_token_of_another_entity_or_endpoint(self, client, partner, catalogue, entity):
        page = (await client.get("/payables", params={"limit": 1}, headers=catalogue["on"])).json()
        token = page["next_pagination_token"]
        response = await client.get("/payables", params={"pagination_token": token}, headers=partner.on(entity["id"]))
        assert response.status_code == 400
        response = await client.get(f"/payables/{catalogue['p']['E']['id']}/line_items",
                                    params={"pagination_token": token}, headers=catalogue["on"])
        assert response.status_code == 400

    async def test_other_entity_sees_none_of_them(self, client, partner, catalogue, entity):
        assert await ids(client, partner.on(entity["id"])) == []
