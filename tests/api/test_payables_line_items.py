"""Payable line items (docs/payables.md, "Amounts", "Line items"): the six endpoints, the amounts
they drive on the payable with half-up rounding, the status rules, history and events."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.masterdata import assert_shape, error_message, event_actions, locs, new_partner
from tests.fixtures.payables import (
    COMPLETE_FIELDS,
    CONFLICT,
    LINE_ITEM,
    STATES,
    add_line_item,
    create_payable,
    get_payable,
    history,
    patch_payable,
    payable_in_state,
)


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


@pytest.fixture
async def payable(client, on):
    return await create_payable(client, on)


def amounts_of(payable: dict) -> tuple:
    return payable["subtotal"], payable["tax_amount"], payable["total_amount"], payable["tax"]


class TestCreateLineItem:
    async def test_unauthenticated(self, client, payable, entity):
        response = await client.post(f"/payables/{payable['id']}/line_items", json=LINE_ITEM,
                                     headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_created_with_amounts(self, client, on, db, payable):
        response = await client.post(f"/payables/{payable['id']}/line_items", json={
            **LINE_ITEM, "description": "Blue", "unit": "piece"}, headers=on)
        assert response.status_code == 201, response.text
        line = response.json()
        assert_shape(line, "LineItemResponse")
        assert line["payable_id"] == payable["id"]
        assert (line["name"], line["description"], line["unit"], line["quantity"]) == ("Widget", "Blue", "piece", 2)
        assert (line["unit_price"], line["tax"], line["subtotal"], line["tax_amount"], line["total"]) == (
            5000, 1900, 10000, 1900, 11900)
        assert line["ocr_set_quantity_to_one"] is False
        assert line["was_created_by_user_id"] is None
        body = await get_payable(client, on, payable["id"])
        assert amounts_of(body) == (10000, 1900, 11900, 1900)
        assert body["amount_due"] == 11900
        rows = await history(client, on, payable["id"])
        assert [r["event_type"] for r in rows] == ["payable_created", "payable_updated"]
        assert event_actions(db, line["id"]) == ["payable.line_item.created"]

    async def test_guide_example(self, client, on, payable):
        line = await add_line_item(client, on, payable["id"], unit_price=1200, quantity=1, tax=1250)
        assert (line["subtotal"], line["tax_amount"], line["total"]) == (1200, 150, 1350)

    @pytest.mark.parametrize(("fields", "expected"), [
        ({"unit_price": 1000, "quantity": 1.5, "tax": 1900}, (1500, 285, 1785)),
        ({"unit_price": 1000, "quantity": 0.333}, (333, 0, 333)),
        ({"unit_price": 1000, "quantity": 0.3335, "tax": 0}, (334, 0, 334)),
        ({"unit_price": 105, "quantity": 1, "tax": 1000}, (105, 11, 116)),
        ({"unit_price": 999, "quantity": 0.5, "tax": 1000}, (500, 50, 550)),
        ({"unit_price": -500, "quantity": 1, "tax": 1900}, (-500, -95, -595)),  # next to a 100.00 line
        ({"unit_price": -105, "quantity": 1, "tax": 1000}, (-105, -11, -116)),  # half away from zero
        ({"unit_price": 1, "quantity": 2.5}, (3, 0, 3)),
        ({"unit_price": 1000, "quantity": 0}, (0, 0, 0)),
    ])
    async def test_half_up_rounding(self, client, on, payable, fields, expected):
        if fields["unit_price"] < 0:  # a discount line reduces a bill, it is not the whole bill
            await add_line_item(client, on, payable["id"], unit_price=10000, quantity=1, tax=fields["tax"])
        line = await add_line_item(client, on, payable["id"], **fields)
        assert (line["subtotal"], line["tax_amount"], line["total"]) == expected
        assert line["quantity"] == fields["quantity"]

    async def test_fractional_quantity_is_exact(self, client, on, payable):
        line = await add_line_item(client, on, payable["id"], unit_price=3, quantity=0.1)
        line = await add_line_item(client, on, payable["id"], unit_price=3000000, quantity=0.33333333)
        assert line["quantity"] == 0.33333333
        assert line["subtotal"] == 1000000  # 999999.99 → 1000000

    @pytest.mark.parametrize("content", [b"", b"{}"], ids=["sdk-no-body", "empty-object"])
    async def test_empty_line_item(self, client, on, payable, content):
        response = await client.post(f"/payables/{payable['id']}/line_items", content=content,
                                     headers={**on, "content-type": "application/json"})
        assert response.status_code == 201, response.text
        line = response.json()
        assert (line["quantity"], line["unit_price"], line["subtotal"], line["tax_amount"], line["total"]) == (
            None, None, None, None, None)
        await add_line_item(client, on, payable["id"])
        assert (await get_payable(client, on, payable["id"]))["total_amount"] == 11900  # the empty one counts 0

    async def test_an_amount_beyond_what_an_amount_can_hold(self, client, on, payable):
        """Found by the fuzz: price × quantity beyond 2⁵³ was a 500 (the database could not store it)."""
        body = {"name": "x", "quantity": 635154638942967.2, "unit_price": 582609, "tax": 1900}
        response = await client.post(f"/payables/{payable['id']}/line_items", json=body, headers=on)
        assert response.status_code == 422, response.text
        assert locs(response) == [["body", "quantity"]]

    @pytest.mark.parametrize(("body", "loc"), [
        ({"subtotal": 100}, ["body", "subtotal"]),
        ({"total": 100}, ["body", "total"]),
        ({"unknown": 1}, ["body", "unknown"]),
        ({"quantity": -1}, ["body", "quantity"]),
        ({"tax": 10001}, ["body", "tax"]),
        ({"tax": -1}, ["body", "tax"]),
        ({"unit_price": 10.5}, ["body", "unit_price"]),
        ({"unit_price": "100"}, ["body", "unit_price"]),
        ({"ledger_account_id": "nope"}, ["body", "ledger_account_id"]),
    ])
    async def test_refused(self, client, on, db, payable, body, loc):
        response = await client.post(f"/payables/{payable['id']}/line_items", json=body, headers=on)
        assert loc in locs(response)
        assert (await client.get(f"/payables/{payable['id']}/line_items", headers=on)).json()["data"] == []
        assert await get_payable(client, on, payable["id"]) == payable

    async def test_by_entity_user(self, client, partner, entity, payable):
        user = await partner.user_with(entity["id"], payable=["read", "update"])
        line = await add_line_item(client, user.auth, payable["id"])
        assert line["was_created_by_user_id"] == user.id


class TestPayableSums:
    async def test_common_rate_mixed_rates_and_negative_lines(self, client, on, payable):
        await add_line_item(client, on, payable["id"], unit_price=10000, quantity=1, tax=1900)
        assert amounts_of(await get_payable(client, on, payable["id"])) == (10000, 1900, 11900, 1900)
        await add_line_item(client, on, payable["id"], unit_price=-2000, quantity=1, tax=1900)
        assert amounts_of(await get_payable(client, on, payable["id"])) == (8000, 1520, 9520, 1900)
        await add_line_item(client, on, payable["id"], unit_price=1000, quantity=1, tax=700)
        assert amounts_of(await get_payable(client, on, payable["id"])) == (9000, 1590, 10590, None)

    async def test_discount_applies_to_the_line_total(self, client, on):
        payable = await create_payable(client, on, discount=500)
        await add_line_item(client, on, payable["id"], unit_price=1000, quantity=1, tax=1000)
        body = await get_payable(client, on, payable["id"])
        assert (body["subtotal"], body["tax_amount"], body["total_amount"], body["discount"]) == (1000, 100, 600, 500)
        body = await patch_payable(client, on, payable["id"], discount=5000)
        assert body["total_amount"] == 0  # never below zero

    async def test_line_items_override_client_amounts(self, client, on):
        payable = await create_payable(client, on, total_amount=99999, subtotal=1, tax_amount=2, tax=3)
        await add_line_item(client, on, payable["id"])
        assert amounts_of(await get_payable(client, on, payable["id"])) == (10000, 1900, 11900, 1900)

    async def test_deleting_the_last_line_keeps_the_amounts(self, client, on, payable):
        line = await add_line_item(client, on, payable["id"])
        assert (await client.delete(f"/payables/{payable['id']}/line_items/{line['id']}",
                                    headers=on)).status_code == 204
        assert amounts_of(await get_payable(client, on, payable["id"])) == (10000, 1900, 11900, 1900)
        # Without line items the amounts may be set directly again.
        assert (await patch_payable(client, on, payable["id"], total_amount=5))["total_amount"] == 5

    async def test_lines_adding_up_below_zero_are_refused(self, client, on, payable):
        await add_line_item(client, on, payable["id"], unit_price=1000, quantity=1, tax=0)
        response = await client.post(f"/payables/{payable['id']}/line_items", headers=on,
                                     json={"name": "credit", "unit_price": -5000, "quantity": 1, "tax": 0})
        assert response.status_code == 422
        assert locs(response) == [["body", "unit_price"]]
        lines = (await client.get(f"/payables/{payable['id']}/line_items", headers=on)).json()["data"]
        assert len(lines) == 1
        assert amounts_of(await get_payable(client, on, payable["id"]))[:3] == (1000, 0, 1000)


class TestUpdateLineItem:
    async def test_partial_update_and_clear(self, client, on, db, payable):
        line = await add_line_item(client, on, payable["id"], name="Widget", unit_price=1000, quantity=2, tax=1000)
        response = await client.patch(f"/payables/{payable['id']}/line_items/{line['id']}", json={"quantity": 3},
                                      headers=on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["name"], body["quantity"], body["subtotal"], body["tax_amount"], body["total"]) == (
            "Widget", 3, 3000, 300, 3300)
        assert (await get_payable(client, on, payable["id"]))["total_amount"] == 3300
        response = await client.patch(f"/payables/{payable['id']}/line_items/{line['id']}",
                                      json={"unit_price": None, "name": None}, headers=on)
        body = response.json()
        assert (body["name"], body["unit_price"], body["subtotal"], body["total"]) == (None, None, None, None)
        assert (await get_payable(client, on, payable["id"]))["total_amount"] == 0
        assert event_actions(db, line["id"]) == ["payable.line_item.created", "payable.line_item.updated",
                                                 "payable.line_item.updated"]

    async def test_refused_changes_nothing(self, client, on, payable):
        line = await add_line_item(client, on, payable["id"])
        for body in ({"quantity": -1}, {"total": 1}, {"tax": 20000}):
            response = await client.patch(f"/payables/{payable['id']}/line_items/{line['id']}", json=body,
                                          headers=on)
            assert response.status_code == 422
        assert (await client.get(f"/payables/{payable['id']}/line_items/{line['id']}", headers=on)).json() == line

    async def test_empty_patch(self, client, on, payable):
        line = await add_line_item(client, on, payable["id"])
        response = await client.patch(f"/payables/{payable['id']}/line_items/{line['id']}", content=b"",
                                      headers={**on, "content-type": "application/json"})
        assert response.status_code == 200
        assert response.json() == line


class TestReplaceLineItems:
    async def test_replaces_in_order_with_new_ids(self, client, on, db, payable):
        old = await add_line_item(client, on, payable["id"])
        data = [{"name": f"item {i}", "unit_price": 100 * (i + 1), "quantity": 1, "tax": 1000} for i in range(5)]
        response = await client.put(f"/payables/{payable['id']}/line_items", json={"data": data}, headers=on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"data"}
        assert [li["name"] for li in body["data"]] == [d["name"] for d in data]
        assert old["id"] not in {li["id"] for li in body["data"]}
        listed = (await client.get(f"/payables/{payable['id']}/line_items", headers=on)).json()["data"]
        assert [li["name"] for li in listed] == [d["name"] for d in data]
        assert (await get_payable(client, on, payable["id"]))["total_amount"] == 1650  # 1500 + 150
        assert event_actions(db, old["id"]) == ["payable.line_item.created", "payable.line_item.deleted"]
        assert event_actions(db, body["data"][0]["id"]) == ["payable.line_item.created"]

    async def test_given_sums_only_without_price_or_quantity(self, client, on, payable):
        data = [
            {"name": "ocr", "subtotal": 1000, "total": 1190, "tax": 1900},
            {"name": "priced", "unit_price": 100, "quantity": 2, "subtotal": 5, "total": 6},
        ]
        body = (await client.put(f"/payables/{payable['id']}/line_items", json={"data": data}, headers=on)).json()
        first, second = body["data"]
        assert (first["subtotal"], first["tax_amount"], first["total"]) == (1000, 190, 1190)
        assert (second["subtotal"], second["total"]) == (200, 200)
        assert amounts_of(await get_payable(client, on, payable["id"])) == (1200, 190, 1390, None)

    async def test_empty_list_and_extra_outer_keys(self, client, on, payable):
        await add_line_item(client, on, payable["id"])
        response = await client.put(f"/payables/{payable['id']}/line_items", json={"data": [], "other": 1},
                                    headers=on)
        assert (response.status_code, response.json()) == (200, {"data": []})

    @pytest.mark.parametrize("body", [{}, {"data": [{"unknown": 1}]}, {"data": [{"quantity": -2}]}, {"data": "x"}])
    async def test_refused(self, client, on, payable, body):
        line = await add_line_item(client, on, payable["id"])
        response = await client.put(f"/payables/{payable['id']}/line_items", json=body, headers=on)
        assert response.status_code == 422
        listed = (await client.get(f"/payables/{payable['id']}/line_items", headers=on)).json()["data"]
        assert listed == [line]

    async def test_promotes_a_complete_draft(self, client, on):
        payable = await create_payable(client, on, **COMPLETE_FIELDS)
        response = await client.put(f"/payables/{payable['id']}/line_items", json={"data": [LINE_ITEM]}, headers=on)
        assert response.status_code == 200
        assert (await get_payable(client, on, payable["id"]))["status"] == "new"


class TestReadLineItems:
    async def test_list_pages_sorts_and_filters(self, client, partner, entity, on, payable):
        user = await partner.user_with(entity["id"], payable=["read", "update"])
        made = [await add_line_item(client, on, payable["id"], name=f"n{i}") for i in range(3)]
        made.append(await add_line_item(client, user.auth, payable["id"], name="by user"))
        path = f"/payables/{payable['id']}/line_items"
        body = (await client.get(path, headers=on)).json()
        assert_shape(body, "LineItemPaginationResponse")
        assert [li["id"] for li in body["data"]] == [li["id"] for li in made]
        desc = (await client.get(path, params={"order": "desc", "sort": "updated_at"}, headers=on)).json()["data"]
        assert [li["id"] for li in desc] == [li["id"] for li in reversed(made)]
        page = (await client.get(path, params={"limit": 3}, headers=on)).json()
        assert len(page["data"]) == 3 and page["next_pagination_token"]
        rest = (await client.get(path, params={"pagination_token": page["next_pagination_token"]}, headers=on)).json()
        assert [li["id"] for li in rest["data"]] == [made[3]["id"]]
        mine = (await client.get(path, params={"was_created_by_user_id": user.id}, headers=on)).json()["data"]
        assert [li["id"] for li in mine] == [made[3]["id"]]
        response = await client.get(path, params={"pagination_token": "bad"}, headers=on)
        assert response.status_code == 400

    async def test_get_one(self, client, on, payable):
        line = await add_line_item(client, on, payable["id"])
        response = await client.get(f"/payables/{payable['id']}/line_items/{line['id']}", headers=on)
        assert (response.status_code, response.json()) == (200, line)

    async def test_item_of_another_payable_is_not_found(self, client, on, payable):
        other = await create_payable(client, on)
        line = await add_line_item(client, on, other["id"])
        path = f"/payables/{payable['id']}/line_items/{line['id']}"
        for method, body in (("GET", None), ("PATCH", {"name": "x"}), ("DELETE", None)):
            response = await client.request(method, path, json=body, headers=on)
            assert response.status_code == 404, method
            assert error_message(response) == f"Line item with ID {line['id']} not found."
        assert (await client.get(f"/payables/{other['id']}/line_items/{line['id']}", headers=on)).json() == line

    async def test_unknown_payable_on_all_six(self, client, on):
        missing, line_id = str(uuid.uuid4()), str(uuid.uuid4())
        base = f"/payables/{missing}/line_items"
        for method, path, body in (("GET", base, None), ("POST", base, {}), ("PUT", base, {"data": []}),
                                   ("GET", f"{base}/{line_id}", None), ("PATCH", f"{base}/{line_id}", {}),
                                   ("DELETE", f"{base}/{line_id}", None)):
            response = await client.request(method, path, json=body, headers=on)
            assert response.status_code == 404, (method, path)
            assert error_message(response) == f"Payable with ID {missing} not found."


class TestStatusRules:
    @pytest.mark.parametrize("state", STATES)
    async def test_writes_only_in_draft_and_new(self, client, on, db, state):
        p = await payable_in_state(client, on, state)
        lines = (await client.get(f"/payables/{p['id']}/line_items", headers=on)).json()["data"]
        if not lines:
            lines = [await add_line_item(client, on, p["id"])]
            p = await get_payable(client, on, p["id"])
        line = lines[0]
        base = f"/payables/{p['id']}/line_items"
        writes = [("POST", base, LINE_ITEM), ("PATCH", f"{base}/{line['id']}", {"quantity": 1}),
                  ("DELETE", f"{base}/{line['id']}", None), ("PUT", base, {"data": [LINE_ITEM]})]
        for method, path, body in writes:
            response = await client.request(method, path, json=body, headers=on)
            if state in ("draft", "new"):
                assert response.status_code in (200, 201, 204), (method, response.text)
            else:
                assert (response.status_code, response.json()) == (409, CONFLICT), method
        if state not in ("draft", "new"):
            assert (await client.get(base, headers=on)).json()["data"] == lines
            assert await get_payable(client, on, p["id"]) == p
            # Reads stay allowed.
            assert (await client.get(f"{base}/{line['id']}", headers=on)).status_code == 200
