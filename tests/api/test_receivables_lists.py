"""Receivable lists: ``GET /receivables`` and ``POST /receivables/search`` with every filter and
sort, keyset pages (and their tokens), deleted documents, and readers limited to their own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from remit.core import clock
from tests.fixtures.masterdata import (
    assert_shape,
    create_product,
    create_tag,
    error_message,
    individual_payload,
    locs,
    new_partner,
)
from tests.fixtures.receivables import Billing, billing

VIAS = ["get", "search"]


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


async def page(bill: Billing, via: str, headers: dict[str, str] | None = None, **filters: Any) -> dict[str, Any]:
    """One page of the list (``via`` the query string or the search body), its shape checked."""
    headers = headers or bill.on
    if via == "get":
        response = await bill.client.get("/receivables", params=filters, headers=headers)
    else:
        response = await bill.client.post("/receivables/search", json=filters, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_shape(body, "ReceivablePaginationResponse")
    for item in body["data"]:
        assert_shape(item, "ReceivableResponse")
    return body


async def find(bill: Billing, via: str, headers: dict[str, str] | None = None, **filters: Any) -> list[str]:
    return [item["id"] for item in (await page(bill, via, headers, **filters))["data"]]


async def walk(bill: Billing, via: str, limit: int, **query: Any) -> list[dict[str, Any]]:
    """Every document, page by page; each page request states its own ``limit``."""
    items: list[dict[str, Any]] = []
    body = await page(bill, via, limit=limit, **query)
    while True:
        assert len(body["data"]) <= limit
        items.extend(body["data"])
        token = body["next_pagination_token"]
        if token is None:
            return items
        body = await page(bill, via, limit=limit, pagination_token=token)


@dataclass
class Corpus:
    """One entity's documents, varied in every filtered and sorted field."""

    bill: Billing
    docs: dict[str, dict[str, Any]]
    other: dict[str, Any]  # a second counterpart, an individual
    widget: dict[str, Any]  # a second product
    tags: tuple[dict[str, Any], dict[str, Any]]
    user: Any  # the entity user who made the draft quote

    def names(self, ids: list[str]) -> set[str]:
        by_id = {doc["id"]: name for name, doc in self.docs.items()}
        return {by_id[i] for i in ids}

    def id(self, name: str) -> str:
        return self.docs[name]["id"]


@pytest.fixture(scope="module")
async def corpus(partner) -> Corpus:
    """Seven documents: a draft and an issued invoice of the customer, a paid invoice of an
    individual, a draft quote (made by an entity user) and an issued quote, an invoice based on the
    issued quote and a draft credit note of the issued invoice."""
    bill = await billing(partner)
    client, on = bill.client, bill.on
    response = await client.post("/counterparts", json=individual_payload(
        "Ada", "Lovelace", is_customer=True, is_vendor=False), headers=on)
    assert response.status_code == 201, response.text
    other = response.json()
    other_address = other["default_billing_address_id"]
    widget = await create_product(client, on, name="Widget", price={"currency": "EUR", "value": 500})
    t1, t2 = await create_tag(client, on, "first"), await create_tag(client, on, "second")
    user = await partner.user_with(bill.entity["id"], receivable=["create", "read"])

    def widgets(quantity: Any) -> dict[str, Any]:
        return bill.line(quantity, product_id=widget["id"])

    docs: dict[str, dict[str, Any]] = {}
    docs["invoice_draft"] = await bill.create(bill.invoice(line_items=[bill.line(1)], tag_ids=[t1["id"]]))
    docs["invoice_issued"] = await bill.issued(bill.invoice(line_items=[bill.line(2), widgets(1)],
                                                            tag_ids=[t1["id"], t2["id"]]))
    paid = await bill.issued(bill.invoice(counterpart_id=other["id"], counterpart_billing_address_id=other_address,
                                          line_items=[widgets(4)]))
    response = await bill.act(paid["id"], "mark_as_paid")
    assert response.status_code == 200, response.text
    docs["invoice_paid"] = response.json()
    docs["quote_draft"] = await bill.create(
        bill.quote(counterpart_id=other["id"], counterpart_billing_address_id=other_address,
                   line_items=[bill.line(3)], tag_ids=[t2["id"]]),
        headers={**user.auth})
    quote = await bill.create(bill.quote(line_items=[widgets(1)]))
    response = await bill.act(quote["id"], "issue")
    assert response.status_code == 200, response.text
    docs["quote_issued"] = response.json()
    docs["invoice_from_quote"] = await bill.create({"type": "invoice", "based_on": quote["id"]})
    docs["credit_note"] = await bill.create({"type": "credit_note", "based_on": docs["invoice_issued"]["id"]})
    return Corpus(bill, docs, other, widget, (t1, t2), user)


def everything(corpus: Corpus) -> set[str]:
    return set(corpus.docs)


class TestCorpus:
    def test_the_documents_are_what_the_filters_expect(self, corpus):
        docs = corpus.docs
        assert {name: (d["type"], d["status"], d["total_amount"], d["discounted_subtotal"], d["document_id"])
                for name, d in docs.items()} == {
            "invoice_draft": ("invoice", "draft", 14280, 12000, None),
            "invoice_issued": ("invoice", "issued", 29155, 24500, "INV-00001"),
            "invoice_paid": ("invoice", "paid", 2380, 2000, "INV-00002"),
            "quote_draft": ("quote", "draft", 42840, 36000, None),
            "quote_issued": ("quote", "issued", 595, 500, "Q-00001"),
            "invoice_from_quote": ("invoice", "draft", 595, 500, None),
            "credit_note": ("credit_note", "draft", 29155, 24500, None),
        }


@pytest.mark.parametrize("via", VIAS)
class TestFilters:
    async def test_no_filter_lists_all_oldest_first(self, corpus, via):
        assert await find(corpus.bill, via) == [doc["id"] for doc in corpus.docs.values()]

    async def test_id__in(self, corpus, via):
        wanted = [corpus.id("invoice_paid"), corpus.id("quote_draft")]
        assert corpus.names(await find(corpus.bill, via, id__in=wanted)) == {"invoice_paid", "quote_draft"}
        assert await find(corpus.bill, via, id__in=[str(uuid.uuid4())]) == []

    async def test_status_and_status__in(self, corpus, via):
        bill = corpus.bill
        assert corpus.names(await find(bill, via, status="draft")) == {
            "invoice_draft", "quote_draft", "invoice_from_quote", "credit_note"}
        assert corpus.names(await find(bill, via, status__in=["issued", "paid"])) == {
            "invoice_issued", "invoice_paid", "quote_issued"}
        # remit's own status is a value the filter takes
        assert await find(bill, via, status="rejected") == []
        assert corpus.names(await find(bill, via, status__in=["rejected", "paid"])) == {"invoice_paid"}

    async def test_an_unknown_status_is_refused(self, corpus, via):
        bill = corpus.bill
        if via == "get":
            response = await bill.client.get("/receivables", params={"status": "lost"}, headers=bill.on)
        else:
            response = await bill.client.post("/receivables/search", json={"status__in": ["lost"]}, headers=bill.on)
        assert response.status_code == 422, response.text
        assert locs(response)[0][:2] == (["query", "status"] if via == "get" else ["body", "status__in"])

    async def test_entity_user_id(self, corpus, via):
        bill, user = corpus.bill, corpus.user
        assert corpus.names(await find(bill, via, entity_user_id=user.id)) == {"quote_draft"}
        assert corpus.names(await find(bill, via, entity_user_id__in=[user.id, str(uuid.uuid4())])) == {"quote_draft"}
        assert await find(bill, via, entity_user_id=str(uuid.uuid4())) == []

    async def test_tag_ids_means_all_and_tag_ids__in_any(self, corpus, via):
        bill, (t1, t2) = corpus.bill, corpus.tags
        assert corpus.names(await find(bill, via, tag_ids__in=[t1["id"], t2["id"]])) == {
            "invoice_draft", "invoice_issued", "quote_draft"}
        assert corpus.names(await find(bill, via, tag_ids=[t1["id"], t2["id"]])) == {"invoice_issued"}
        assert corpus.names(await find(bill, via, tag_ids=[t1["id"]])) == {"invoice_draft", "invoice_issued"}
        assert await find(bill, via, tag_ids=[t1["id"], str(uuid.uuid4())]) == []

    async def test_product_ids_means_all_and_product_ids__in_any(self, corpus, via):
        bill, consulting, widget = corpus.bill, corpus.bill.product["id"], corpus.widget["id"]
        assert corpus.names(await find(bill, via, product_ids__in=[widget])) == {
            "invoice_issued", "invoice_paid", "quote_issued", "invoice_from_quote", "credit_note"}
        assert corpus.names(await find(bill, via, product_ids__in=[consulting, widget])) == everything(corpus)
        assert corpus.names(await find(bill, via, product_ids=[consulting, widget])) == {
            "invoice_issued", "credit_note"}

    async def test_type(self, corpus, via):
        assert corpus.names(await find(corpus.bill, via, type="quote")) == {"quote_draft", "quote_issued"}
        assert corpus.names(await find(corpus.bill, via, type="credit_note")) == {"credit_note"}
        assert corpus.names(await find(corpus.bill, via, type="invoice")) == {
            "invoice_draft", "invoice_issued", "invoice_paid", "invoice_from_quote"}

    async def test_document_id_exact_contains_icontains(self, corpus, via):
        bill = corpus.bill
        assert corpus.names(await find(bill, via, document_id="INV-00001")) == {"invoice_issued"}
        assert await find(bill, via, document_id="inv-00001") == []
        assert corpus.names(await find(bill, via, document_id__contains="-0000")) == {
            "invoice_issued", "invoice_paid", "quote_issued"}
        assert await find(bill, via, document_id__contains="inv") == []
        assert corpus.names(await find(bill, via, document_id__icontains="inv")) == {"invoice_issued", "invoice_paid"}

    async def test_issue_date_ranges_leave_drafts_out(self, corpus, via):
        bill, now = corpus.bill, clock.now()
        issued = {"invoice_issued", "invoice_paid", "quote_issued"}
        before, after = (now - timedelta(days=1)).isoformat(), (now + timedelta(days=1)).isoformat()
        assert corpus.names(await find(bill, via, issue_date__gte=before)) == issued
        assert corpus.names(await find(bill, via, issue_date__gt=before, issue_date__lt=after)) == issued
        assert corpus.names(await find(bill, via, issue_date__lte=after)) == issued
        assert await find(bill, via, issue_date__lt=before) == []
        paid_at = corpus.docs["invoice_paid"]["issue_date"]
        assert corpus.names(await find(bill, via, issue_date__gte=paid_at)) == {"invoice_paid", "quote_issued"}

    async def test_created_at_ranges(self, corpus, via):
        bill, docs = corpus.bill, corpus.docs
        first, second = docs["invoice_draft"]["created_at"], docs["invoice_issued"]["created_at"]
        assert corpus.names(await find(bill, via, created_at__lte=second)) == {"invoice_draft", "invoice_issued"}
        assert corpus.names(await find(bill, via, created_at__lt=second)) == {"invoice_draft"}
        assert corpus.names(await find(bill, via, created_at__gt=first)) == everything(corpus) - {"invoice_draft"}
        assert corpus.names(await find(bill, via, created_at__gte=first, created_at__lte=first)) == {"invoice_draft"}
        # the same instant written in another time zone
        shifted = datetime.fromisoformat(second).astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat()
        assert corpus.names(await find(bill, via, created_at__lt=shifted)) == {"invoice_draft"}

    async def test_counterpart_id(self, corpus, via):
        assert corpus.names(await find(corpus.bill, via, counterpart_id=corpus.other["id"])) == {
            "invoice_paid", "quote_draft"}
        assert await find(corpus.bill, via, counterpart_id=str(uuid.uuid4())) == []

    async def test_counterpart_name_exact_contains_icontains(self, corpus, via):
        bill, ada = corpus.bill, {"invoice_paid", "quote_draft"}
        assert corpus.names(await find(bill, via, counterpart_name="Ada Lovelace")) == ada
        assert await find(bill, via, counterpart_name="ada lovelace") == []
        assert await find(bill, via, counterpart_name="Ada") == []
        assert corpus.names(await find(bill, via, counterpart_name__contains="Lovelace")) == ada
        assert await find(bill, via, counterpart_name__contains="lovelace") == []
        assert corpus.names(await find(bill, via, counterpart_name__icontains="LOVELACE")) == ada
        assert corpus.names(await find(bill, via, counterpart_name__icontains="gmbh")) == everything(corpus) - ada
        # wildcards of SQL's LIKE are plain characters here
        for pattern in ("%", "_", "Ada%"):
            assert await find(bill, via, counterpart_name__contains=pattern) == []
            assert await find(bill, via, counterpart_name__icontains=pattern) == []
            assert await find(bill, via, document_id__icontains=pattern) == []

    async def test_total_amount_ranges(self, corpus, via):
        bill = corpus.bill
        assert corpus.names(await find(bill, via, total_amount=29155)) == {"invoice_issued", "credit_note"}
        assert corpus.names(await find(bill, via, total_amount__gt=29155)) == {"quote_draft"}
        assert corpus.names(await find(bill, via, total_amount__gte=29155)) == {
            "invoice_issued", "credit_note", "quote_draft"}
        assert corpus.names(await find(bill, via, total_amount__lt=2380)) == {"quote_issued", "invoice_from_quote"}
        assert corpus.names(await find(bill, via, total_amount__lte=2380, total_amount__gt=595)) == {"invoice_paid"}

    async def test_discounted_subtotal_ranges(self, corpus, via):
        bill = corpus.bill
        assert corpus.names(await find(bill, via, discounted_subtotal=12000)) == {"invoice_draft"}
        assert corpus.names(await find(bill, via, discounted_subtotal__gte=24500)) == {
            "invoice_issued", "credit_note", "quote_draft"}
        assert corpus.names(await find(bill, via, discounted_subtotal__gt=24500)) == {"quote_draft"}
        assert corpus.names(await find(bill, via, discounted_subtotal__lt=2000)) == {
            "quote_issued", "invoice_from_quote"}
        assert corpus.names(await find(bill, via, discounted_subtotal__lte=2000)) == {
            "quote_issued", "invoice_from_quote", "invoice_paid"}

    async def test_based_on(self, corpus, via):
        bill = corpus.bill
        assert corpus.names(await find(bill, via, based_on=corpus.id("quote_issued"))) == {"invoice_from_quote"}
        assert corpus.names(await find(bill, via, based_on=corpus.id("invoice_issued"))) == {"credit_note"}
        assert await find(bill, via, based_on=corpus.id("invoice_draft")) == []

    async def test_due_date_ranges_see_issued_invoices_only(self, corpus, via):
        bill, today = corpus.bill, clock.now().date()
        due = (today + timedelta(days=30)).isoformat()
        assert corpus.docs["invoice_issued"]["due_date"] == due
        invoices = {"invoice_issued", "invoice_paid"}
        assert corpus.names(await find(bill, via, due_date__gte=today.isoformat())) == invoices
        assert corpus.names(await find(bill, via, due_date__lte=due)) == invoices
        assert corpus.names(await find(bill, via, due_date__lt=(today + timedelta(days=31)).isoformat())) == invoices
        assert await find(bill, via, due_date__gt=due) == []
        assert await find(bill, via, due_date__lt=due) == []

    async def test_filters_combine_with_and(self, corpus, via):
        found = await find(corpus.bill, via, type="invoice", counterpart_id=corpus.bill.counterpart["id"],
                           status="draft")
        assert corpus.names(found) == {"invoice_draft", "invoice_from_quote"}


# What each sort orders by, read from a listed document.
SORT_VALUES = {
    "counterpart_name": lambda d: d["counterpart_name"],
    "counterpart_id": lambda d: d["counterpart_id"],
    "amount": lambda d: d["total_amount"],
    "total_amount": lambda d: d["total_amount"],
    "discounted_subtotal": lambda d: d["discounted_subtotal"],
    "status": lambda d: d["status"],
    "due_date": lambda d: d.get("due_date") and date.fromisoformat(d["due_date"]),
    "issue_date": lambda d: d["issue_date"] and datetime.fromisoformat(d["issue_date"]),
    "document_id": lambda d: d["document_id"],
    "created_at": lambda d: datetime.fromisoformat(d["created_at"]),
    "project_id": lambda d: d["project_id"],
}
# The search's sort enum (Monite's ReceivableCursorFields2) has no discounted_subtotal.
SORTS = [(via, sort) for via in VIAS for sort in SORT_VALUES if not (via == "search" and sort == "discounted_subtotal")]


def expected_order(docs: list[dict[str, Any]], sort: str, order: str) -> list[str]:
    """By the value, then the id; documents without a value after the others in ascending order."""
    value = SORT_VALUES[sort]

    def key(doc: dict[str, Any]) -> tuple:
        v = value(doc)
        return (v is None, v if v is not None else 0, doc["id"])

    ordered = [doc["id"] for doc in sorted(docs, key=key)]
    return ordered[::-1] if order == "desc" else ordered


class TestSorting:
    @pytest.mark.parametrize("order", ["asc", "desc"])
    @pytest.mark.parametrize(("via", "sort"), SORTS)
    async def test_every_sort_in_both_orders_across_pages(self, corpus, via, sort, order):
        whole = (await page(corpus.bill, via, sort=sort, order=order))["data"]
        assert [doc["id"] for doc in whole] == expected_order(list(corpus.docs.values()), sort, order)
        # the same order when read two at a time (keyset pages over equal and missing values)
        assert [doc["id"] for doc in await walk(corpus.bill, via, 2, sort=sort, order=order)] == [
            doc["id"] for doc in whole]

    async def test_discounted_subtotal_is_not_a_search_sort(self, corpus):
        response = await corpus.bill.client.post("/receivables/search", json={"sort": "discounted_subtotal"},
                                                 headers=corpus.bill.on)
        assert locs(response) == [["body", "sort"]]

    async def test_an_unknown_sort_is_refused(self, corpus):
        response = await corpus.bill.client.get("/receivables", params={"sort": "memo"}, headers=corpus.bill.on)
        assert locs(response) == [["query", "sort"]]


@pytest.mark.parametrize("via", VIAS)
class TestPages:
    async def test_limit_is_1_to_250(self, corpus, via):
        bill = corpus.bill
        assert len(await find(bill, via, limit=250)) == len(corpus.docs)
        assert len(await find(bill, via, limit=1)) == 1
        for limit in (0, 251):
            if via == "get":
                response = await bill.client.get("/receivables", params={"limit": limit}, headers=bill.on)
            else:
                response = await bill.client.post("/receivables/search", json={"limit": limit}, headers=bill.on)
            assert locs(response) == [["query" if via == "get" else "body", "limit"]]

    async def test_the_token_does_not_carry_the_limit(self, corpus, via):
        bill = corpus.bill
        first = await page(bill, via, limit=2, type="invoice")
        assert corpus.names([d["id"] for d in first["data"]]) == {"invoice_draft", "invoice_issued"}
        assert first["prev_pagination_token"] is None
        token = first["next_pagination_token"]
        # without a limit of its own the next page has the default size, not the first page's 2
        rest = await page(bill, via, pagination_token=token)
        assert corpus.names([d["id"] for d in rest["data"]]) == {"invoice_paid", "invoice_from_quote"}
        assert rest["next_pagination_token"] is None
        one = await page(bill, via, pagination_token=token, limit=1)
        assert corpus.names([d["id"] for d in one["data"]]) == {"invoice_paid"}
        assert one["next_pagination_token"] is not None

    async def test_the_token_keeps_the_filters_and_sort_and_goes_back(self, corpus, via):
        bill = corpus.bill
        first = await page(bill, via, limit=3, sort="total_amount", order="desc")
        second = await page(bill, via, limit=3, pagination_token=first["next_pagination_token"],
                            **({"type": "quote"} if via == "get" else {}))  # other parameters are ignored
        expected = expected_order(list(corpus.docs.values()), "total_amount", "desc")
        assert [d["id"] for d in first["data"] + second["data"]] == expected[:6]
        back = await page(bill, via, limit=3, pagination_token=second["prev_pagination_token"])
        assert [d["id"] for d in back["data"]] == expected[:3]

    async def test_a_token_of_the_other_endpoint_is_refused(self, corpus, via):
        bill = corpus.bill
        token = (await page(bill, via, limit=1))["next_pagination_token"]
        if via == "get":  # a list token sent to the search
            response = await bill.client.post("/receivables/search", json={"pagination_token": token},
                                              headers=bill.on)
        else:
            response = await bill.client.get("/receivables", params={"pagination_token": token}, headers=bill.on)
        assert response.status_code == 400, response.text
        assert error_message(response) == "Invalid pagination token"

    async def test_a_token_of_another_entity_is_refused(self, partner, corpus, via):
        token = (await page(corpus.bill, via, limit=1))["next_pagination_token"]
        elsewhere = await partner.create_entity(email="elsewhere@acme.example")
        headers = partner.on(elsewhere["id"])
        if via == "get":
            response = await corpus.bill.client.get("/receivables", params={"pagination_token": token},
                                                    headers=headers)
        else:
            response = await corpus.bill.client.post("/receivables/search", json={"pagination_token": token},
                                                     headers=headers)
        assert response.status_code == 400, response.text


class TestSearchBody:
    @pytest.mark.parametrize("body", [
        {"colour": "red"},
        {"type": "invoice", "counterpart": "x"},
        {"status__in": ["draft"], "Status": "draft"},
    ])
    async def test_an_unknown_key_is_refused(self, corpus, body):
        response = await corpus.bill.client.post("/receivables/search", json=body, headers=corpus.bill.on)
        [loc] = locs(response)
        assert loc[0] == "body" and loc[1] in body

    async def test_amounts_are_integers(self, corpus):
        response = await corpus.bill.client.post("/receivables/search", json={"total_amount__gt": "100"},
                                                 headers=corpus.bill.on)
        assert locs(response) == [["body", "total_amount__gt"]]

    async def test_an_empty_body_lists_everything(self, corpus):
        response = await corpus.bill.client.post("/receivables/search", json={}, headers=corpus.bill.on)
        assert response.status_code == 200, response.text
        assert corpus.names([d["id"] for d in response.json()["data"]]) == everything(corpus)


class TestLongLists:
    async def test_pages_of_100_by_default_and_up_to_250(self, partner):
        bill = await billing(partner)
        made = [(await bill.create(bill.quote(line_items=[])))["id"] for _ in range(105)]
        for via in VIAS:
            first = await page(bill, via)
            assert [d["id"] for d in first["data"]] == made[:100]
            rest = await page(bill, via, pagination_token=first["next_pagination_token"])
            assert [d["id"] for d in rest["data"]] == made[100:]
            assert [d["id"] for d in (await page(bill, via, limit=250))["data"]] == made
            assert [d["id"] for d in (await page(bill, via, limit=104, order="desc"))["data"]] == made[:0:-1]


@pytest.mark.parametrize("via", VIAS)
class TestDeleted:
    async def test_deleted_documents_are_never_listed(self, partner, via):
        bill = await billing(partner)
        kept = await bill.create(bill.invoice())
        gone = await bill.create(bill.quote())
        response = await bill.client.delete(f"/receivables/{gone['id']}", headers=bill.on)
        assert response.status_code == 204, response.text
        assert await find(bill, via) == [kept["id"]]
        assert await find(bill, via, id__in=[gone["id"]]) == []
        assert await find(bill, via, type="quote") == []
        assert await find(bill, via, status="draft") == [kept["id"]]
        assert await find(bill, via, counterpart_id=bill.counterpart["id"]) == [kept["id"]]


@pytest.mark.parametrize("via", VIAS)
class TestAllowedForOwn:
    async def test_readers_of_their_own_see_only_theirs(self, partner, via):
        bill = await billing(partner)
        entity_id = bill.entity["id"]
        reader = await partner.user_with(entity_id, receivable={"read": "allowed_for_own", "create": "allowed"})
        colleague = await partner.user_with(entity_id, receivable=["read", "create"])
        mine = await bill.create(bill.invoice(), headers=reader.auth)
        theirs = await bill.create(bill.invoice(), headers=colleague.auth)
        by_partner = await bill.create(bill.quote())
        assert await find(bill, via, headers=reader.auth) == [mine["id"]]
        assert await find(bill, via, headers=reader.auth, entity_user_id=colleague.id) == []
        assert await find(bill, via, headers=reader.auth, id__in=[theirs["id"], by_partner["id"]]) == []
        assert await find(bill, via, headers=reader.auth, entity_user_id=reader.id) == [mine["id"]]
        assert await find(bill, via, headers=colleague.auth) == [mine["id"], theirs["id"], by_partner["id"]]
        assert await find(bill, via) == [mine["id"], theirs["id"], by_partner["id"]]

    async def test_without_read_a_list_is_forbidden(self, partner, via):
        bill = await billing(partner)
        writer = await partner.user_with(bill.entity["id"], receivable=["create", "update", "delete"])
        if via == "get":
            response = await bill.client.get("/receivables", headers=writer.auth)
        else:
            response = await bill.client.post("/receivables/search", json={}, headers=writer.auth)
        assert response.status_code == 403, response.text
        assert response.json() == {"error": {"message": "Action read for receivable not allowed"}}
