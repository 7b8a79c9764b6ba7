"""``GET /payables`` reuses one page statement per shape (filters present, sort, direction, boundary;
``core.pagination``): requests of the same shape with other values, on other entities, or for a
user who may only read their own payables must each get their own rows."""

from __future__ import annotations

import pytest

from tests.fixtures.entities import new_partner
from tests.fixtures.payables import create_payable, payable_in_state


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture(scope="module")
async def books(client, partner):
    """Two entities with the same kinds of payables, in creation order (the default sort).

    Payables in ``new`` and later take their total from the line item ``payable_in_state`` adds."""
    made: dict[str, dict] = {}
    for name in ("a", "b"):
        entity = await partner.create_entity()
        on = partner.on(entity["id"])
        rows = []
        for status, currency, total in (("draft", "EUR", 100), ("draft", "USD", 200), ("draft", "EUR", 300),
                                        ("new", "EUR", 400), ("new", "USD", 500), ("rejected", "EUR", 600)):
            fields = {"currency": currency, "total_amount": total, "document_id": f"{name}-{total}"}
            payable = await payable_in_state(client, on, status, **fields)
            rows.append({"id": payable["id"], "status": status, "currency": currency,
                         "total": payable["total_amount"], "document_id": payable["document_id"]})
        made[name] = {"entity": entity, "on": on, "rows": rows}
    return made


async def ids(client, headers, **params) -> list[str]:
    response = await client.get("/payables", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [p["id"] for p in response.json()["data"]]


def expected(book, keep, *, reverse=False) -> list[str]:
    """The ids ``keep`` selects, oldest first (newest first with ``reverse``)."""
    rows = [r["id"] for r in book["rows"] if keep(r)]
    return rows[::-1] if reverse else rows


async def test_same_shape_other_values(client, books):
    a = books["a"]
    for status in ("draft", "new", "rejected", "paid"):
        got = await ids(client, a["on"], status=status, sort="created_at", order="asc")
        assert got == expected(a, lambda r, s=status: r["status"] == s)
    for currency in ("USD", "EUR", "GBP"):
        got = await ids(client, a["on"], currency=currency, total_amount__gte=200)
        assert got == expected(a, lambda r, c=currency: r["currency"] == c and r["total"] >= 200)


async def test_lists_of_other_lengths(client, books):
    a = books["a"]
    for statuses in (["new"], ["draft", "rejected"], ["draft", "new", "rejected", "paid"]):
        got = await ids(client, a["on"], status__in=statuses, order="desc")
        assert got == expected(a, lambda r, s=statuses: r["status"] in s, reverse=True)


async def test_same_shape_other_entity(client, books):
    for name in ("a", "b", "a"):
        book = books[name]
        assert await ids(client, book["on"], status="draft") == expected(book, lambda r: r["status"] == "draft")


async def test_pages_of_one_shape_on_two_entities(client, books):
    for name in ("b", "a"):
        book = books[name]
        seen, params = [], {"limit": 2, "order": "asc", "total_amount__lt": 10_000}
        while True:
            response = await client.get("/payables", params=params, headers=book["on"])
            assert response.status_code == 200, response.text
            page = response.json()
            seen += [p["id"] for p in page["data"]]
            if not page["next_pagination_token"]:
                break
            params = {"pagination_token": page["next_pagination_token"]}
        assert seen == expected(book, lambda r: r["total"] < 10_000)
        assert len(seen) == 3
        back = await client.get("/payables", params={"pagination_token": page["prev_pagination_token"]},
                                headers=book["on"])
        assert [p["id"] for p in back.json()["data"]] == seen[:2]


async def test_bound_and_per_request_filters_together(client, books):
    """A text filter is built per request; the statement must not be reused for other text."""
    a = books["a"]
    for needle in ("a-1", "a-5", "a-"):
        got = await ids(client, a["on"], status="draft", document_id__contains=needle)
        assert got == expected(a, lambda r, n=needle: r["status"] == "draft" and n in r["document_id"])


async def test_own_payables_only(client, partner, books):
    a = books["a"]
    entity_id = a["entity"]["id"]
    reader = await partner.user_with(entity_id, payable={"read": "allowed_for_own", "create": "allowed"})
    everyone = await partner.user_with(entity_id, payable=["read"])
    mine = await create_payable(client, reader.auth, currency="EUR", total_amount=700)
    assert await ids(client, reader.auth, status="draft") == [mine["id"]]
    assert await ids(client, everyone.auth, status="draft") == expected(a, lambda r: r["status"] == "draft") + [
        mine["id"]]
    assert await ids(client, reader.auth, status="new") == []
