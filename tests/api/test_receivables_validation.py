"""Refused receivable bodies: 422 with ``loc`` at the offending field (unknown keys, missing fields,
references that do not exist or do not fit, line and amount rules, payment terms, PATCH wrappers,
credit-note maps), 409 for a PATCH wrapper that does not fit the document. Every refusal writes
nothing: no table's row count changes, and the document reads as before."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.fixtures.bank_accounts import create_bank_account, gbp_account
from tests.fixtures.database import row_counts
from tests.fixtures.masterdata import (
    create_address,
    create_counterpart,
    create_custom_vat_rate,
    create_product,
    create_vat_id,
    error_message,
    locs,
    new_partner,
)
from tests.fixtures.receivables import Billing, billing

BODY = "body"


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture(scope="module")
async def bill(partner) -> Billing:
    return await billing(partner)


@pytest.fixture(scope="module")
async def elsewhere(partner) -> Billing:
    """Another entity of the same partner, whose objects the first one cannot name."""
    return await billing(partner, email="elsewhere@acme.example")


@pytest.fixture(scope="module")
async def french_rate(partner, client) -> str:
    entity = await partner.create_entity(email="fr@acme.example", address={
        "country": "FR", "city": "Paris", "line1": "1 rue de Rivoli", "postal_code": "75001"})
    rates = (await client.get("/vat_rates", headers=partner.on(entity["id"]))).json()["data"]
    assert rates and {rate["country"] for rate in rates} == {"FR"}
    return rates[0]["id"]


async def refused(db, bill: Billing, method: str, path: str, body: Any, status: int = 422,
                  document_id: str | None = None):
    """Send a request that must be refused with ``status`` and change nothing."""
    before = row_counts(db)
    document = await bill.get(document_id) if document_id else None
    response = await bill.client.request(method, path, json=body, headers=bill.on)
    assert response.status_code == status, response.text
    assert row_counts(db) == before
    if document_id:
        assert await bill.get(document_id) == document
    return response


async def create_refused(db, bill: Billing, body: dict[str, Any]) -> list[list[Any]]:
    return locs(await refused(db, bill, "POST", "/receivables", body))


async def patch_refused(db, bill: Billing, document_id: str, body: Any, status: int = 422):
    return await refused(db, bill, "PATCH", f"/receivables/{document_id}", body, status, document_id)


def inline(bill: Billing, **product: Any) -> dict[str, Any]:
    line = bill.inline_line(1000)
    line["product"].update(product)
    return line


class TestUnknownKeys:
    @pytest.mark.parametrize(("where", "loc"), [
        ((), [BODY, "colour"]),
        (("line_items", 0), [BODY, "line_items", 0, "colour"]),
        (("line_items", 1, "product"), [BODY, "line_items", 1, "product", "colour"]),
        (("line_items", 1, "product", "price"), [BODY, "line_items", 1, "product", "price", "colour"]),
        (("line_items", 0, "discount"), [BODY, "line_items", 0, "discount", "colour"]),
        (("discount",), [BODY, "discount", "colour"]),
        (("payment_terms", "term_final"), [BODY, "payment_terms", "term_final", "colour"]),
        (("entity",), [BODY, "entity", "colour"]),
        (("document_rendering",), [BODY, "document_rendering", "colour"]),
    ])
    async def test_at_any_level_of_an_invoice(self, db, bill, where, loc):
        body = bill.invoice(line_items=[bill.line(1, discount={"type": "amount", "amount": 1}),
                                        bill.inline_line(500)],
                            discount={"type": "amount", "amount": 1}, payment_terms_id=None,
                            payment_terms={"term_final": {"number_of_days": 30}}, entity={"phone": "+4930123"},
                            document_rendering={"display_line_items": True})
        del body["payment_terms_id"]
        target = body
        for key in where:
            target = target[key]
        target["colour"] = "red"
        assert await create_refused(db, bill, body) == [loc]

    async def test_fields_of_the_other_shape(self, db, bill):
        assert await create_refused(db, bill, bill.invoice(expiry_date="2030-01-01")) == [[BODY, "expiry_date"]]
        quote = bill.quote(payment_terms_id=bill.terms["id"])
        assert await create_refused(db, bill, quote) == [[BODY, "payment_terms_id"]]

    async def test_based_on_with_a_counterpart(self, db, bill):
        invoice = await bill.issued()
        body = {"type": "credit_note", "based_on": invoice["id"], "counterpart_id": bill.counterpart["id"]}
        assert await create_refused(db, bill, body) == [[BODY, "counterpart_id"]]
        body = {"type": "invoice", "based_on": invoice["id"], "line_items": []}
        assert await create_refused(db, bill, body) == [[BODY, "line_items"]]

    async def test_in_a_patch_and_in_action_bodies(self, db, bill):
        draft = await bill.create(bill.invoice())
        response = await patch_refused(db, bill, draft["id"], {"invoice": {"memo": "x", "colour": "red"}})
        assert locs(response) == [[BODY, "invoice", "colour"]]
        response = await patch_refused(db, bill, draft["id"], {"invoice": {"memo": "x"}, "colour": "red"})
        assert locs(response) == [[BODY, "colour"]]
        response = await patch_refused(db, bill, draft["id"], {"invoice": {"line_items": [{"price": 1, "colour": 1}]}})
        assert locs(response) == [[BODY, "invoice", "line_items", 0, "colour"]]
        issued = await bill.issued()
        for action, body in (("mark_as_paid", {"colour": "red"}), ("mark_as_partially_paid",
                                                                    {"amount_paid": 1, "colour": "red"}),
                             ("send", {"subject_text": "s", "body_text": "b", "colour": "red"}),
                             ("preview", {"subject_text": "s", "body_text": "b", "colour": "red"})):
            response = await refused(db, bill, "POST", f"/receivables/{issued['id']}/{action}", body,
                                     document_id=issued["id"])
            assert locs(response) == [[BODY, "colour"]], action


class TestMissingFields:
    @pytest.mark.parametrize("field", ["counterpart_id", "counterpart_billing_address_id", "currency", "line_items"])
    async def test_a_required_field_of_an_invoice_or_quote(self, db, bill, field):
        for body in (bill.invoice(), bill.quote()):
            del body[field]
            response = await refused(db, bill, "POST", "/receivables", body)
            assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [([BODY, field], "missing")]

    async def test_the_type(self, db, bill):
        body = bill.invoice()
        del body["type"]
        assert await create_refused(db, bill, body) == [[BODY, "type"]]
        # a credit note is made from an invoice only
        assert await create_refused(db, bill, bill.invoice(type="credit_note")) == [[BODY, "type"]]
        assert await create_refused(db, bill, {"based_on": str(uuid.uuid4())}) == [[BODY, "type"]]

    async def test_a_lines_quantity(self, db, bill):
        line = bill.line()
        del line["quantity"]
        assert await create_refused(db, bill, bill.invoice(line_items=[bill.line(), line])) == [
            [BODY, "line_items", 1, "quantity"]]


class TestReferences:
    async def test_an_unknown_or_foreign_counterpart(self, db, bill, elsewhere):
        for counterpart_id in (str(uuid.uuid4()), elsewhere.counterpart["id"]):
            assert await create_refused(db, bill, bill.invoice(counterpart_id=counterpart_id)) == [
                [BODY, "counterpart_id"]]

    async def test_parts_of_another_counterpart(self, db, bill):
        stranger = await create_counterpart(bill.client, bill.on, legal_name="Stranger AG")
        address = stranger["default_billing_address_id"]
        vat_id = await create_vat_id(bill.client, bill.on, stranger["id"])
        assert await create_refused(db, bill, bill.invoice(counterpart_billing_address_id=address)) == [
            [BODY, "counterpart_billing_address_id"]]
        assert await create_refused(db, bill, bill.invoice(counterpart_shipping_address_id=address)) == [
            [BODY, "counterpart_shipping_address_id"]]
        assert await create_refused(db, bill, bill.invoice(counterpart_vat_id_id=vat_id["id"])) == [
            [BODY, "counterpart_vat_id_id"]]
        # and the counterpart's own second address is fine
        own = await create_address(bill.client, bill.on, bill.counterpart["id"], city="Hamburg")
        created = await bill.create(bill.invoice(counterpart_shipping_address_id=own["id"]))
        assert created["counterpart_shipping_address"]["city"] == "Hamburg"

    async def test_an_unknown_tag_at_its_index(self, db, bill, elsewhere):
        tag = (await bill.client.post("/tags", json={"name": f"t-{uuid.uuid4().hex[:6]}"}, headers=bill.on)).json()
        foreign = (await elsewhere.client.post("/tags", json={"name": "foreign"}, headers=elsewhere.on)).json()
        assert await create_refused(db, bill, bill.invoice(tag_ids=[tag["id"], str(uuid.uuid4())])) == [
            [BODY, "tag_ids", 1]]
        assert await create_refused(db, bill, bill.invoice(tag_ids=[foreign["id"]])) == [[BODY, "tag_ids", 0]]

    async def test_an_unknown_or_foreign_product(self, db, bill, elsewhere):
        for product_id in (str(uuid.uuid4()), elsewhere.product["id"]):
            body = bill.invoice(line_items=[bill.line(), bill.line(product_id=product_id)])
            assert await create_refused(db, bill, body) == [[BODY, "line_items", 1, "product_id"]]

    async def test_a_vat_rate_of_another_country_or_none(self, db, bill, french_rate):
        for rate_id in (french_rate, str(uuid.uuid4())):
            body = bill.invoice(line_items=[bill.line(vat_rate_id=rate_id)])
            assert await create_refused(db, bill, body) == [[BODY, "line_items", 0, "vat_rate_id"]]

    async def test_a_custom_rate_of_another_entity_or_none(self, db, bill, elsewhere):
        foreign = await create_custom_vat_rate(elsewhere.client, elsewhere.on)
        for rate_id in (foreign["id"], str(uuid.uuid4())):
            line = bill.line(custom_vat_rate_id=rate_id)
            del line["vat_rate_id"]
            assert await create_refused(db, bill, bill.invoice(line_items=[line])) == [
                [BODY, "line_items", 0, "custom_vat_rate_id"]]

    async def test_other_references(self, db, bill, elsewhere):
        unknown = str(uuid.uuid4())
        for field, value in (("payment_terms_id", unknown), ("payment_terms_id", elsewhere.terms["id"]),
                             ("entity_bank_account_id", unknown),
                             ("entity_bank_account_id", elsewhere.account["id"]), ("entity_vat_id_id", unknown),
                             ("payment_reminder_id", unknown), ("overdue_reminder_id", unknown)):
            assert await create_refused(db, bill, bill.invoice(**{field: value})) == [[BODY, field]], field

    async def test_a_bank_account_of_another_currency(self, db, bill):
        pounds = await create_bank_account(bill.client, bill.on, gbp_account())
        assert await create_refused(db, bill, bill.invoice(entity_bank_account_id=pounds["id"])) == [
            [BODY, "entity_bank_account_id"]]
        draft = await bill.create(bill.invoice())
        response = await patch_refused(db, bill, draft["id"], {"invoice": {"entity_bank_account_id": pounds["id"]}})
        assert locs(response) == [[BODY, "invoice", "entity_bank_account_id"]]

    async def test_based_on_an_unknown_or_foreign_document(self, db, bill, elsewhere):
        foreign = await elsewhere.issued()
        for based_on in (str(uuid.uuid4()), foreign["id"]):
            assert await create_refused(db, bill, {"type": "credit_note", "based_on": based_on}) == [
                [BODY, "based_on"]]


class TestLines:
    async def test_exactly_one_of_product_id_and_product(self, db, bill):
        both = bill.line(product=bill.inline_line(500)["product"])
        neither = {"quantity": 1, "vat_rate_id": bill.rates[1900]}
        for line in (both, neither):
            assert await create_refused(db, bill, bill.invoice(line_items=[line])) == [
                [BODY, "line_items", 0, "product_id"]]

    async def test_a_tax_rate_unless_the_document_is_exempt(self, db, bill):
        line = bill.line()
        del line["vat_rate_id"]
        assert await create_refused(db, bill, bill.invoice(line_items=[bill.line(), line])) == [
            [BODY, "line_items", 1]]
        two = bill.line(tax_rate_value=1900)
        assert await create_refused(db, bill, bill.invoice(line_items=[two])) == [
            [BODY, "line_items", 0, "tax_rate_value"]]
        exempt = await bill.create(bill.invoice(line_items=[line], vat_exempt=True,
                                                vat_exemption_rationale="Exempt medical services"))
        assert exempt["total_vat_amount"] == 0

    async def test_the_price_in_the_documents_currency(self, db, bill):
        # a catalogue product priced in EUR on a USD document, and an inline one
        assert await create_refused(db, bill, bill.invoice(currency="USD", line_items=[bill.line()])) == [
            [BODY, "line_items", 0, "product_id"]]
        assert await create_refused(db, bill, bill.invoice(currency="USD", line_items=[bill.inline_line(100)])) == [
            [BODY, "line_items", 0, "product", "price", "currency"]]

    async def test_a_quantity_below_the_smallest_amount(self, db, bill):
        product = await create_product(bill.client, bill.on, name="Crate", smallest_amount=2)
        body = bill.invoice(line_items=[bill.line(1, product_id=product["id"])])
        assert await create_refused(db, bill, body) == [[BODY, "line_items", 0, "quantity"]]
        body = bill.invoice(line_items=[inline(bill, smallest_amount=2)])
        assert await create_refused(db, bill, body) == [[BODY, "line_items", 0, "quantity"]]
        assert (await bill.create(bill.invoice(line_items=[bill.line(2, product_id=product["id"])])))[
            "line_items"][0]["quantity"] == 2

    async def test_a_negative_quantity(self, db, bill):
        assert await create_refused(db, bill, bill.invoice(line_items=[bill.line(-1)])) == [
            [BODY, "line_items", 0, "quantity"]]

    async def test_discounts(self, db, bill):
        percent = {"type": "percentage", "amount": 10001}
        assert await create_refused(db, bill, bill.invoice(line_items=[bill.line(discount=percent)])) == [
            [BODY, "line_items", 0, "discount", "amount"]]
        assert await create_refused(db, bill, bill.invoice(discount=percent)) == [[BODY, "discount", "amount"]]
        # an amount above the line's quantity × price (2 × 12000)
        too_much = {"type": "amount", "amount": 24001}
        assert await create_refused(db, bill, bill.invoice(line_items=[bill.line(2, discount=too_much)])) == [
            [BODY, "line_items", 0, "discount"]]
        # a document discount above the subtotal (24000)
        assert await create_refused(db, bill, bill.invoice(discount=too_much)) == [[BODY, "discount"]]
        whole = await bill.create(bill.invoice(discount={"type": "amount", "amount": 24000}))
        assert whole["total_amount"] == 0

    async def test_a_deduction_above_the_total(self, db, bill):
        assert await create_refused(db, bill, bill.invoice(deduction_amount=28561)) == [[BODY, "deduction_amount"]]
        assert (await bill.create(bill.invoice(deduction_amount=28560)))["total_amount"] == 0


class TestPaymentTerms:
    async def test_terms_and_a_terms_id_together(self, db, bill):
        body = bill.invoice(payment_terms={"term_final": {"number_of_days": 30}})
        assert await create_refused(db, bill, body) == [[BODY, "payment_terms_id"]]
        draft = await bill.create(bill.invoice())
        response = await patch_refused(db, bill, draft["id"], {"invoice": {
            "payment_terms": {"term_final": {"number_of_days": 30}}, "payment_terms_id": bill.terms["id"]}})
        assert locs(response) == [[BODY, "invoice", "payment_terms_id"]]

    @pytest.mark.parametrize(("terms", "loc"), [
        ({"term_1": {"number_of_days": 30, "discount": 100}, "term_final": {"number_of_days": 30}}, "term_final"),
        ({"term_1": {"number_of_days": 10, "discount": 100}, "term_2": {"number_of_days": 5, "discount": 50},
          "term_final": {"number_of_days": 30}}, "term_2"),
        ({"term_2": {"number_of_days": 10, "discount": 100}, "term_final": {"number_of_days": 30}}, "term_2"),
        ({"term_1": {"discount": 100, "end_date": "2030-01-01"}, "term_final": {"number_of_days": 30}}, "term_1"),
        ({"term_final": {"end_date": "2030-01-01"}}, "term_final"),
    ])
    async def test_tiers_in_order_with_their_days(self, db, bill, terms, loc):
        body = bill.invoice(payment_terms=terms)
        del body["payment_terms_id"]
        assert await create_refused(db, bill, body) == [[BODY, "payment_terms", loc]]

    async def test_a_discount_above_100_percent(self, db, bill):
        body = bill.invoice(payment_terms={"term_1": {"number_of_days": 10, "discount": 10001},
                                           "term_final": {"number_of_days": 30}})
        del body["payment_terms_id"]
        assert await create_refused(db, bill, body) == [[BODY, "payment_terms", "term_1", "discount"]]


class TestPatchWrappers:
    @pytest.mark.parametrize("body", [
        {}, {"invoice": {"memo": "x"}, "quote": {"memo": "x"}}, {"invoice": {}, "issued_invoice": {}}, {"receipt": {}},
    ])
    async def test_zero_or_two_wrappers(self, db, bill, body):
        draft = await bill.create(bill.invoice())
        response = await patch_refused(db, bill, draft["id"], body)
        assert locs(response)[0][0] == BODY

    @pytest.mark.parametrize(("state", "wrapper"), [
        ("draft_invoice", "quote"), ("draft_invoice", "credit_note"), ("draft_invoice", "issued_invoice"),
        ("issued_invoice", "invoice"), ("draft_quote", "invoice"), ("draft_quote", "issued_invoice"),
        ("issued_quote", "quote"), ("draft_credit_note", "invoice"),
    ])
    async def test_a_wrapper_that_does_not_fit_conflicts(self, db, bill, state, wrapper):
        if state.endswith("credit_note"):
            document = await bill.create({"type": "credit_note", "based_on": (await bill.issued())["id"]})
        else:
            kind = state.split("_")[1]
            document = await bill.create(bill.invoice() if kind == "invoice" else bill.quote())
            if state.startswith("issued"):
                assert (await bill.act(document["id"], "issue")).status_code == 200
        response = await patch_refused(db, bill, document["id"], {wrapper: {"memo": "x"}}, status=409)
        assert wrapper in error_message(response)

    async def test_line_items_one_per_existing_line(self, db, bill):
        draft = await bill.create(bill.invoice(line_items=[bill.line(1), bill.line(2)]))
        for patches in ([{"quantity": 3}], [{}, {}, {"quantity": 1}], []):
            response = await patch_refused(db, bill, draft["id"], {"invoice": {"line_items": patches}})
            assert locs(response) == [[BODY, "invoice", "line_items"]]
        ok = await bill.client.patch(f"/receivables/{draft['id']}", headers=bill.on,
                                     json={"invoice": {"line_items": [{}, {"quantity": 3}]}})
        assert ok.status_code == 200, ok.text
        assert [line["quantity"] for line in ok.json()["line_items"]] == [1, 3]

    async def test_fields_a_draft_cannot_be_without(self, db, bill):
        draft = await bill.create(bill.invoice())
        for field in ("counterpart_id", "currency", "line_items", "tag_ids"):
            response = await patch_refused(db, bill, draft["id"], {"invoice": {field: None}})
            assert [BODY, "invoice", field] in locs(response), field

    async def test_a_new_counterpart_needs_its_billing_address(self, db, bill):
        other = await create_counterpart(bill.client, bill.on, legal_name="Other GmbH")
        draft = await bill.create(bill.invoice())
        response = await patch_refused(db, bill, draft["id"], {"invoice": {"counterpart_id": other["id"]}})
        assert locs(response) == [[BODY, "invoice", "counterpart_billing_address_id"]]
        response = await patch_refused(db, bill, draft["id"], {"invoice": {
            "counterpart_id": other["id"], "counterpart_billing_address_id": bill.address_id}})
        assert locs(response) == [[BODY, "invoice", "counterpart_billing_address_id"]]

    async def test_references_and_amounts_in_a_patch(self, db, bill):
        draft = await bill.create(bill.invoice())
        response = await patch_refused(db, bill, draft["id"], {"invoice": {"tag_ids": [str(uuid.uuid4())]}})
        assert locs(response) == [[BODY, "invoice", "tag_ids", 0]]
        response = await patch_refused(db, bill, draft["id"], {"invoice": {
            "discount": {"type": "amount", "amount": 24001}}})
        assert locs(response) == [[BODY, "invoice", "discount"]]
        response = await patch_refused(db, bill, draft["id"], {"invoice": {"deduction_amount": 28561}})
        assert locs(response) == [[BODY, "invoice", "deduction_amount"]]
        response = await patch_refused(db, bill, draft["id"], {"invoice": {
            "line_items": [{"vat_rate_id": str(uuid.uuid4())}]}})
        assert locs(response) == [[BODY, "invoice", "line_items", 0, "vat_rate_id"]]

    async def test_put_line_items(self, db, bill):
        draft = await bill.create(bill.invoice())
        path = f"/receivables/{draft['id']}/line_items"
        response = await refused(db, bill, "PUT", path, {"data": [bill.line(product_id=str(uuid.uuid4()))]},
                                 document_id=draft["id"])
        assert locs(response) == [[BODY, "data", 0, "product_id"]]
        response = await refused(db, bill, "PUT", path, {"data": [bill.line(colour=1)]}, document_id=draft["id"])
        assert locs(response) == [[BODY, "data", 0, "colour"]]
        issued = await bill.issued()
        await refused(db, bill, "PUT", f"/receivables/{issued['id']}/line_items", {"data": [bill.line()]}, 409,
                      document_id=issued["id"])
        note = await bill.create({"type": "credit_note", "based_on": issued["id"]})
        await refused(db, bill, "PUT", f"/receivables/{note['id']}/line_items", {"data": [bill.line()]}, 409,
                      document_id=note["id"])


class TestCreditNoteMap:
    @pytest.fixture
    async def note(self, bill) -> tuple[dict[str, Any], dict[str, Any]]:
        invoice = await bill.issued(bill.invoice(line_items=[bill.line(2), bill.inline_line(1000, 3)]))
        return invoice, await bill.create({"type": "credit_note", "based_on": invoice["id"]})

    async def test_a_product_not_on_the_invoice(self, db, bill, note):
        _, draft = note
        stranger = str(uuid.uuid4())
        response = await patch_refused(db, bill, draft["id"], {"credit_note": {"line_items": {
            stranger: {"quantity": 1}}}})
        assert locs(response) == [[BODY, "credit_note", "line_items", stranger]]

    async def test_more_than_can_be_returned(self, db, bill, note):
        invoice, draft = note
        product = invoice["line_items"][0]["product"]["id"]
        response = await patch_refused(db, bill, draft["id"], {"credit_note": {"line_items": {
            product: {"quantity": 3}}}})
        assert locs(response) == [[BODY, "credit_note", "line_items", product, "quantity"]]

    async def test_a_price_reduction_above_the_price(self, db, bill, note):
        invoice, draft = note
        inline_product = invoice["line_items"][1]["product"]["id"]
        response = await patch_refused(db, bill, draft["id"], {"credit_note": {"line_items": {
            inline_product: {"quantity": 1, "price_diff": 1001}}}})
        assert locs(response) == [[BODY, "credit_note", "line_items", inline_product, "price_diff"]]

    async def test_the_schema_of_an_entry(self, db, bill, note):
        invoice, draft = note
        product = invoice["line_items"][0]["product"]["id"]
        for entry, field in (({"quantity": 0}, "quantity"), ({}, "quantity"), ({"quantity": 1, "colour": 1}, "colour"),
                             ({"quantity": 1, "price_diff": 0}, "price_diff")):
            response = await patch_refused(db, bill, draft["id"], {"credit_note": {"line_items": {product: entry}}})
            assert locs(response) == [[BODY, "credit_note", "line_items", product, field]], entry
        response = await patch_refused(db, bill, draft["id"], {"credit_note": {"line_items": {
            "not-an-id": {"quantity": 1}}}})
        assert locs(response)[0][:4] == [BODY, "credit_note", "line_items", "not-an-id"]

    async def test_returns_within_what_is_left(self, db, bill, note):
        invoice, draft = note
        product = invoice["line_items"][0]["product"]["id"]
        patched = await bill.client.patch(f"/receivables/{draft['id']}", headers=bill.on, json={
            "credit_note": {"line_items": {product: {"quantity": 2}}}})
        assert patched.status_code == 200, patched.text
        assert (await bill.act(draft["id"], "issue")).status_code == 200
        again = await bill.create({"type": "credit_note", "based_on": invoice["id"]})
        response = await patch_refused(db, bill, again["id"], {"credit_note": {"line_items": {
            product: {"quantity": 1}}}})
        assert locs(response) == [[BODY, "credit_note", "line_items", product, "quantity"]]


class TestActionBodies:
    async def test_payments(self, db, bill):
        invoice = await bill.issued()
        path = f"/receivables/{invoice['id']}/mark_as_partially_paid"
        for body, field in (({}, "amount_paid"), ({"amount_paid": 0}, "amount_paid"),
                            ({"amount_paid": "100"}, "amount_paid"), ({"amount_paid": 1.5}, "amount_paid")):
            response = await refused(db, bill, "POST", path, body, document_id=invoice["id"])
            assert locs(response) == [[BODY, field]], body
        response = await refused(db, bill, "POST", f"/receivables/{invoice['id']}/mark_as_paid",
                                 {"paid_at": "yesterday"}, document_id=invoice["id"])
        assert locs(response) == [[BODY, "paid_at"]]

    async def test_mails(self, db, bill):
        invoice = await bill.create(bill.invoice())
        send = f"/receivables/{invoice['id']}/send"
        for body, loc in (({"subject_text": "s"}, [BODY, "body_text"]),
                          ({"subject_text": "s", "body_text": "b", "recipients": {"to": ["nobody"]}},
                           [BODY, "recipients", "to", 0]),
                          ({"subject_text": "s", "body_text": "b", "recipients": {"colour": []}},
                           [BODY, "recipients", "colour"])):
            response = await refused(db, bill, "POST", send, body, document_id=invoice["id"])
            assert locs(response) == [loc], body
        response = await refused(db, bill, "POST", f"/receivables/{invoice['id']}/preview",
                                 {"subject_text": "s", "body_text": ""}, document_id=invoice["id"])
        assert locs(response) == [[BODY, "body_text"]]
        response = await refused(db, bill, "POST", f"/receivables/{invoice['id']}/send_test_reminder",
                                 {"reminder_type": "term_3"}, document_id=invoice["id"])
        assert locs(response) == [[BODY, "reminder_type"]]

    async def test_a_malformed_signature(self, db, bill):
        quote = await bill.create(bill.quote())
        assert (await bill.act(quote["id"], "issue")).status_code == 200
        response = await refused(db, bill, "POST", f"/receivables/{quote['id']}/accept", {"signature": {
            "email": "grace@customer.example", "full_name": "Grace", "signature_image": "short"}},
            document_id=quote["id"])
        assert locs(response) == [[BODY, "signature", "signature_image"]]


class TestAttachments:
    async def file_of(self, bill: Billing) -> dict[str, Any]:
        """A file of the entity: the original of a payable uploaded from a file."""
        from tests.fixtures.payables import PDF

        response = await bill.client.post("/payables/upload_from_file", headers=bill.on,
                                          files={"file": ("bill.pdf", PDF, "application/pdf")})
        assert response.status_code == 201, response.text
        return response.json()["file"]

    async def test_an_unknown_or_foreign_file(self, db, bill, elsewhere):
        foreign = await self.file_of(elsewhere)
        for file_id in (str(uuid.uuid4()), foreign["id"]):
            body = bill.invoice(attachments=[{"id": file_id}])
            assert await create_refused(db, bill, body) == [[BODY, "attachments", 0, "id"]]
            draft = await bill.create(bill.invoice())
            response = await patch_refused(db, bill, draft["id"], {"invoice": {"attachments": [{"id": file_id}]}})
            assert locs(response) == [[BODY, "invoice", "attachments", 0, "id"]]
            issued = await bill.issued()
            response = await patch_refused(db, bill, issued["id"], {"issued_invoice": {
                "attachments": [{"id": file_id}]}})
            assert locs(response) == [[BODY, "issued_invoice", "attachments", 0, "id"]]

    async def test_files_of_the_entity_are_attached(self, bill):
        stored = await self.file_of(bill)
        expected = {"id": stored["id"], "name": "bill.pdf", "mimetype": "application/pdf", "size": stored["size"],
                    "url": stored["url"], "include_in_email": True}
        created = await bill.create(bill.invoice(attachments=[{"id": stored["id"], "include_in_email": True}]))
        assert created["attachments"] == [expected]
        issued = await bill.issued()
        response = await bill.client.patch(f"/receivables/{issued['id']}", headers=bill.on, json={
            "issued_invoice": {"attachments": [{"id": stored["id"]}]}})
        assert response.status_code == 200, response.text
        assert response.json()["attachments"] == [{**expected, "include_in_email": False}]
        assert (await bill.get(issued["id"]))["attachments"] == [{**expected, "include_in_email": False}]
        clone = await bill.act(created["id"], "clone")
        assert clone.json()["attachments"] == []
