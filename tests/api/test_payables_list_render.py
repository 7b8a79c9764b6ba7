"""Payables are written by ``payables.wire``, not through the response model: a list item (from raw
rows) must be exactly what ``GET /payables/{id}`` (from the ORM object) answers, and both must
survive the response model unchanged — for payables that use every kind of column, with and
without credit notes (set up in the database: their API does not exist yet)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import date

import pytest

from remit.core import clock
from remit.payables.credit_notes.models import PayableCreditNote
from remit.payables.schemas import PayableResponseSchema
from tests.fixtures.masterdata import (
    create_address,
    create_bank_account,
    create_counterpart,
    create_tag,
    create_vat_id,
    new_partner,
)
from tests.fixtures.payables import (
    COMPLETE_FIELDS,
    LINE_ITEM,
    act,
    add_line_item,
    create_payable,
    patch_payable,
    payable_in_state,
)

TERMS = {
    "name": "2/10, net 30",
    "term_1": {"discount": 200, "number_of_days": 10},
    "term_final": {"number_of_days": 30},
}


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


def add_credit_notes(db, entity_id: str, payable_id: str, *notes: tuple[str, int]) -> list[str]:
    """Credit notes ``(status, total_amount)`` based on the payable, oldest first; returns their ids."""
    ids = []
    with db.transaction() as session:
        for index, (status, amount) in enumerate(notes):
            note = PayableCreditNote(
                id=uuid.uuid4(), entity_id=uuid.UUID(entity_id), based_on=uuid.UUID(payable_id), status=status,
                document_id=f"CN-{index}", issued_at=date(2024, 5, 2 + index), currency="EUR", total_amount=amount,
            )
            session.add(note)
            session.flush()
            ids.append(str(note.id))
    return ids


async def varied_payables(client, partner, db) -> tuple[dict, list[str]]:
    entity = await partner.create_entity()
    settings = {"currency": {"default": "EUR", "exchange_rates": [{"base": "USD", "to": "EUR", "rate": 0.9}]}}
    response = await client.patch(f"/entities/{entity['id']}/settings", json=settings, headers=partner.auth)
    assert response.status_code == 200, response.text
    on = partner.on(entity["id"])
    counterpart = await create_counterpart(client, on, legal_name="Supplier GmbH")
    address = await create_address(client, on, counterpart["id"])
    account = await create_bank_account(client, on, counterpart["id"])
    vat = await create_vat_id(client, on, counterpart["id"])
    zulu, alpha = await create_tag(client, on, "zulu"), await create_tag(client, on, "alpha")
    today = clock.now().date()
    full = await create_payable(
        client, on, **COMPLETE_FIELDS, description="Ünïcode ✓ \"quoted\"", total_amount=11900, subtotal=10000,
        tax=1900, tax_amount=1900, discount=0, counterpart_id=counterpart["id"], counterpart_address_id=address["id"],
        counterpart_bank_account_id=account["id"], counterpart_vat_id_id=vat["id"], sender="bills@supplier.example",
        tag_ids=[zulu["id"], alpha["id"]], partner_metadata={"erp": {"id": 7, "ratio": 0.5, "tags": ["a", None]}},
        payment_terms=TERMS, suggested_payment_term={"date": "2024-05-11", "discount": 200},
        base64_encoded_file=base64.b64encode(b"%PDF-1.4 list").decode(), file_name="bill.pdf",
    )
    await patch_payable(client, on, full["id"],
                        counterpart_raw_data={"name": "Raw Supplier", "address": {"country": "DE", "city": "Berlin"}})
    made = [full["id"]]
    # Discount valid today: amount_to_pay below amount_due.
    discounted = await create_payable(client, on, currency="EUR", total_amount=10000, issued_at=today.isoformat(),
                                      payment_terms=TERMS)
    made.append(discounted["id"])
    made.append((await create_payable(client, on, currency="USD", total_amount=12345))["id"])  # currency_exchange
    made.append((await create_payable(client, on))["id"])  # an empty draft: nulls everywhere
    for state in ("partially_paid", "paid", "rejected", "approve_in_progress"):
        made.append((await payable_in_state(client, on, state, counterpart_id=counterpart["id"]))["id"])
    paid = await payable_in_state(client, on, "waiting_to_be_paid")
    await act(client, on, paid["id"], "mark_as_paid", {"comment": "wired"})
    made.append(paid["id"])
    lines = await create_payable(client, on, currency="EUR")
    await add_line_item(client, on, lines["id"], **LINE_ITEM)
    made.append(lines["id"])
    credited = await payable_in_state(client, on, "waiting_to_be_paid", currency="EUR")
    assert credited["total_amount"] == 11900
    add_credit_notes(db, entity["id"], credited["id"], ("approved", 1900), ("draft", 500), ("applied", 1000))
    made.append(credited["id"])
    return on, made


async def test_list_items_equal_the_single_reads(client, partner, db):
    on, made = await varied_payables(client, partner, db)
    response = await client.get("/payables", params={"limit": 100}, headers=on)
    assert response.status_code == 200, response.text
    page = response.json()
    assert list(page) == ["next_pagination_token", "prev_pagination_token", "data"]
    listed = {item["id"]: item for item in page["data"]}
    assert set(listed) == set(made)
    for payable_id in made:
        single = (await client.get(f"/payables/{payable_id}", headers=on)).json()
        item = listed[payable_id]
        assert list(item) == list(single)  # same fields, same order
        assert item == single, payable_id
        assert PayableResponseSchema.model_validate(item).model_dump(mode="json") == item
    full = listed[made[0]]
    assert [t["name"] for t in full["tags"]] == ["alpha", "zulu"]
    assert full["file"]["name"] == "bill.pdf" and full["file"]["url"]
    assert full["description"] == "Ünïcode ✓ \"quoted\""
    assert listed[made[1]]["amount_to_pay"] == 9800 and listed[made[1]]["amount_due"] == 10000
    assert listed[made[2]]["currency_exchange"] == {"default_currency_code": "EUR", "rate": 0.9, "total": 111.11}
    credited = listed[made[-1]]
    assert [(n["document_id"], n["status"], n["total_amount"]) for n in credited["credit_notes"]] == [
        ("CN-0", "approved", 1900), ("CN-1", "draft", 500), ("CN-2", "applied", 1000)]
    assert credited["credit_notes"][0]["issued_at"] == "2024-05-02"
    # approved and applied count: 11900 − 2900
    assert (credited["total_amount_with_credit_notes"], credited["amount_due"], credited["amount_to_pay"]) == (
        9000, 9000, 9000)
    assert all(listed[p]["credit_notes"] == [] for p in made[:-1])


async def test_credit_notes_count_in_transitions_and_payments(client, partner, db):
    """A transition's response (the payable loaded for update) shows its credit notes, and paying
    uses the total with credit notes: partial payments are bounded by it, and paid means paid it."""
    entity = await partner.create_entity()
    on = partner.on(entity["id"])
    payable = await payable_in_state(client, on, "waiting_to_be_paid", currency="EUR")
    total = payable["total_amount"] - 2500
    [note] = add_credit_notes(db, entity["id"], payable["id"], ("applied", 2500))
    too_much = await act(client, on, payable["id"], "mark_as_partially_paid", {"amount_paid": total})
    assert too_much.status_code == 400, too_much.text
    partial = await act(client, on, payable["id"], "mark_as_partially_paid", {"amount_paid": 5000})
    assert partial.status_code == 200, partial.text
    body = partial.json()
    assert [n["id"] for n in body["credit_notes"]] == [note]
    assert (body["total_amount_with_credit_notes"], body["amount_due"]) == (total, total - 5000)
    paid = await act(client, on, payable["id"], "mark_as_paid", {})
    assert paid.status_code == 200, paid.text
    assert (paid.json()["amount_paid"], paid.json()["amount_due"]) == (total, 0)
    assert paid.json() == (await client.get(f"/payables/{payable['id']}", headers=on)).json()


async def test_pages_and_filters_still_page(client, partner, db):
    on, made = await varied_payables(client, partner, db)
    seen, params = [], {"limit": 3, "sort": "created_at", "order": "asc"}
    while True:
        response = await client.get("/payables", params=params, headers=on)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body["data"]]
        if body["next_pagination_token"] is None:
            break
        params = {"pagination_token": body["next_pagination_token"]}
    assert seen == made
    back = await client.get("/payables", params={"pagination_token": body["prev_pagination_token"]}, headers=on)
    assert [item["id"] for item in back.json()["data"]] == made[-len(body["data"]) - 3:-len(body["data"])]
    response = await client.get("/payables", params={"status": "paid", "sort": "issued_at"}, headers=on)
    assert [item["status"] for item in response.json()["data"]] == ["paid", "paid"]


async def test_large_integers_in_metadata_keep_every_digit(client, partner):
    """``partner_metadata`` is the caller's JSON: integers beyond 64 bits come back exactly, from a
    single read (ORM, ``core.db.engine.json_loads``) and from a list page (stored text embedded as is)."""
    entity = await partner.create_entity()
    on = partner.on(entity["id"])
    metadata = {"erp_id": 10**23 + 7, "neg": -(2**70), "small": 5}
    created = await create_payable(client, on, currency="EUR", total_amount=100, partner_metadata=metadata)
    single = await client.get(f"/payables/{created['id']}", headers=on)
    listed = await client.get("/payables", headers=on)
    for body in (created, single.json(), listed.json()["data"][0]):
        assert json.loads(json.dumps(body["partner_metadata"])) == metadata
        assert type(body["partner_metadata"]["erp_id"]) is int
