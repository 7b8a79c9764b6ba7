"""Receivables through their lifecycles: invoices, quotes and credit notes, with the money right."""

from __future__ import annotations

import pytest

from tests.fixtures.masterdata import assert_shape
from tests.fixtures.receivables import billing


@pytest.fixture
async def bill(partner):
    return await billing(partner)


async def history_of(bill, receivable_id: str) -> list[dict]:
    response = await bill.client.get(f"/receivables/{receivable_id}/history", headers=bill.on)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def events_of(db, receivable_id: str) -> list[str]:
    import uuid

    from sqlalchemy import select

    from remit.events.models import Event

    with db.transaction(write=False) as session:
        rows = session.scalars(select(Event.action).where(Event.object_id == uuid.UUID(receivable_id))
                               .order_by(Event.created_at))
        return list(rows)


class TestCreate:
    async def test_a_draft_invoice_with_its_snapshots_and_totals(self, bill):
        invoice = await bill.create(bill.invoice())
        assert_shape(invoice, "InvoiceResponsePayload")
        assert invoice["type"] == "invoice" and invoice["status"] == "draft" and invoice["document_id"] is None
        assert invoice["counterpart_name"] == "Customer GmbH"
        assert invoice["entity"]["name"] == "Acme GmbH" and invoice["entity"]["type"] == "organization"
        [line] = invoice["line_items"]
        assert line["quantity"] == 2 and line["total_before_vat"] == 24000 and line["total_after_vat"] == 28560
        assert line["product"]["price"] == {"currency": "EUR", "value": 12000}
        assert line["product"]["price_after_vat"] == {"currency": "EUR", "value": 14280}
        assert (invoice["subtotal"], invoice["total_vat_amount"], invoice["total_amount"]) == (24000, 4560, 28560)
        assert (invoice["amount_due"], invoice["amount_paid"], invoice["total_amount_with_credit_notes"]) == (
            28560, 0, 28560)
        assert invoice["entity_bank_account"]["id"] == bill.account["id"]
        assert invoice["payment_terms"]["term_final"]["number_of_days"] == 30

    async def test_the_worked_example_of_the_docs(self, bill):
        payload = bill.invoice(discount={"type": "percentage", "amount": 1000}, line_items=[
            bill.inline_line(1999, 3, 1900), bill.inline_line(1000, 1, 700, discount={"type": "percentage",
                                                                                      "amount": 500}),
        ])
        invoice = await bill.create(payload)
        assert invoice["subtotal"] == 6947
        assert invoice["discount"] == {"type": "percentage", "amount": 1000, "value": 695}
        assert invoice["discounted_subtotal"] == 6252
        assert [(g["value"], g["taxable_amount"], g["amount"]) for g in invoice["total_vat_amounts"]] == [
            (1900, 5397, 1025), (700, 855, 60)]
        assert (invoice["total_vat_amount"], invoice["total_amount"], invoice["subtotal_after_vat"]) == (
            1085, 7337, 8153)


class TestIssue:
    async def test_issue_numbers_dates_and_events(self, bill, db):
        invoice = await bill.issued()
        assert invoice["status"] == "issued"
        assert invoice["document_id"] == "INV-00001"
        assert invoice["issue_date"] is not None and invoice["due_date"] is not None
        assert invoice["payment_terms"]["term_1"]["end_date"] is not None
        assert [h["event_type"] for h in await history_of(bill, invoice["id"])] == [
            "receivable_created", "status_changed"]
        assert await events_of(db, invoice["id"]) == ["receivable.created", "receivable.issued"]
        again = await bill.act(invoice["id"], "issue")
        assert again.status_code == 409, again.text

    async def test_payments_then_paid(self, bill):
        invoice = await bill.issued()
        partial = await bill.act(invoice["id"], "mark_as_partially_paid", {"amount_paid": 10000})
        assert partial.status_code == 200, partial.text
        assert (partial.json()["status"], partial.json()["amount_due"]) == ("partially_paid", 18560)
        lower = await bill.act(invoice["id"], "mark_as_partially_paid", {"amount_paid": 5000})
        assert lower.status_code == 400, lower.text
        paid = await bill.act(invoice["id"], "mark_as_paid", {"comment": "wired"})
        assert paid.status_code == 200, paid.text
        assert (paid.json()["status"], paid.json()["amount_due"], paid.json()["amount_paid"]) == ("paid", 0, 28560)

    async def test_cancel_issues_a_credit_note_for_what_is_owed(self, bill):
        invoice = await bill.issued()
        response = await bill.act(invoice["id"], "cancel")
        assert response.status_code == 204, response.text
        canceled = await bill.get(invoice["id"])
        assert (canceled["status"], canceled["amount_due"]) == ("canceled", 0)
        [note_id] = canceled["related_documents"]["credit_note_ids"]
        note = await bill.get(note_id)
        assert (note["type"], note["status"], note["total_amount"]) == ("credit_note", "issued", 28560)
        assert note["document_id"] == "CN-00001"


class TestQuotes:
    async def test_accept_makes_a_draft_invoice(self, bill):
        quote = await bill.create(bill.quote())
        assert_shape(quote, "QuoteResponsePayload")
        issued = await bill.act(quote["id"], "issue")
        assert issued.status_code == 200, issued.text
        assert issued.json()["document_id"] == "Q-00001"
        accepted = await bill.act(quote["id"], "accept")
        assert accepted.status_code == 200, accepted.text
        assert accepted.json() == {"success": True}
        listed = await bill.client.get("/receivables", params={"based_on": quote["id"]}, headers=bill.on)
        [invoice] = listed.json()["data"]
        assert (invoice["type"], invoice["status"], invoice["total_amount"]) == ("invoice", "draft", 28560)


def later(days: int, job, runtime) -> int:
    """Run a background job ``days`` from now (tokens are checked against the real clock again after)."""
    from datetime import timedelta

    from remit.core import clock

    clock.move(timedelta(days=days))
    try:
        return job(runtime)
    finally:
        clock.reset()


class TestOverdue:
    async def test_the_scheduler_moves_invoices_past_due(self, app, bill, db):
        from remit.receivables import jobs

        invoice = await bill.issued()
        partly = await bill.issued()
        assert (await bill.act(partly["id"], "mark_as_partially_paid", {"amount_paid": 100})).status_code == 200
        draft = await bill.create(bill.invoice())
        assert jobs.mark_overdue(app.state.runtime) == 0  # not yet due
        assert later(30, jobs.mark_overdue, app.state.runtime) == 0  # the due date itself is on time
        assert later(31, jobs.mark_overdue, app.state.runtime) >= 2
        assert later(31, jobs.mark_overdue, app.state.runtime) == 0  # idempotent
        assert (await bill.get(invoice["id"]))["status"] == "overdue"
        assert (await bill.get(partly["id"]))["status"] == "overdue"
        assert (await bill.get(draft["id"]))["status"] == "draft"
        assert await events_of(db, invoice["id"]) == ["receivable.created", "receivable.issued", "receivable.overdue"]
        # a payment keeps it overdue; only an overdue invoice can be written off
        paid = await bill.act(invoice["id"], "mark_as_partially_paid", {"amount_paid": 1000})
        assert (paid.status_code, paid.json()["status"], paid.json()["amount_due"]) == (200, "overdue", 27560)
        statuses = [h["event_data"].get("new_status") for h in await history_of(bill, invoice["id"])]
        assert statuses.count("overdue") == 1
        written_off = await bill.act(invoice["id"], "mark_as_uncollectible", {"comment": "gone"})
        assert written_off.status_code == 200, written_off.text
        body = written_off.json()
        assert (body["status"], body["amount_due"], body["comment"]) == ("uncollectible", 27560, "gone")
        assert (await bill.act(invoice["id"], "mark_as_paid")).status_code == 409

    async def test_uncollectible_only_from_overdue(self, bill):
        invoice = await bill.issued()
        response = await bill.act(invoice["id"], "mark_as_uncollectible")
        assert response.status_code == 409, response.text


class TestQuoteDecisions:
    async def test_decline_stores_the_comment(self, bill):
        quote = await bill.create(bill.quote())
        assert (await bill.act(quote["id"], "issue")).status_code == 200
        declined = await bill.act(quote["id"], "decline", {"comment": "too expensive"})
        assert declined.status_code == 200 and declined.json() == {"success": True}
        body = await bill.get(quote["id"])
        assert (body["status"], body["comment"]) == ("declined", "too expensive")
        assert (await bill.act(quote["id"], "accept")).status_code == 409

    async def test_a_required_signature(self, bill):
        quote = await bill.create(bill.quote(signature_required=True))
        assert (await bill.act(quote["id"], "issue")).status_code == 200
        missing = await bill.act(quote["id"], "accept")
        assert missing.status_code == 409, missing.text
        import base64

        png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40).decode()
        signed = await bill.act(quote["id"], "accept", {"signature": {
            "email": "grace@customer.example", "full_name": "Grace Hopper", "signature_image": png}})
        assert signed.status_code == 200, signed.text

    async def test_expiry(self, app, bill):
        from datetime import timedelta

        from remit.core import clock
        from remit.receivables import jobs

        expiry = (clock.now().date() + timedelta(days=5)).isoformat()
        quote = await bill.create(bill.quote(expiry_date=expiry))
        assert (await bill.act(quote["id"], "issue")).status_code == 200
        assert later(5, jobs.expire_quotes, app.state.runtime) == 0
        assert later(6, jobs.expire_quotes, app.state.runtime) >= 1
        assert (await bill.get(quote["id"]))["status"] == "expired"

    async def test_actions_of_another_type_conflict(self, bill):
        invoice = await bill.issued()
        for action in ("accept", "decline"):
            response = await bill.act(invoice["id"], action)
            assert response.status_code == 409, response.text
            assert response.json()["error"]["message"] == f"Cannot {action} a receivable of type 'invoice'"


class TestCreditNotes:
    async def test_a_partial_credit_note_then_the_rest(self, bill, db):
        invoice = await bill.issued(bill.invoice(discount={"type": "percentage", "amount": 1000}, line_items=[
            bill.inline_line(1999, 3, 1900),
            bill.inline_line(1000, 1, 700, discount={"type": "percentage", "amount": 500}),
        ]))
        assert invoice["total_amount"] == 7337
        note = await bill.create({"type": "credit_note", "based_on": invoice["id"]})
        assert_shape(note, "CreditNoteResponsePayload")
        assert (note["status"], note["total_amount"], note["based_on"]) == ("draft", 7337, invoice["id"])
        again = await bill.client.post("/receivables", json={"type": "credit_note", "based_on": invoice["id"]},
                                       headers=bill.on)
        assert again.status_code == 409, again.text
        product_a = invoice["line_items"][0]["product"]["id"]
        patched = await bill.client.patch(f"/receivables/{note['id']}", headers=bill.on, json={
            "credit_note": {"line_items": {product_a: {"quantity": 1}}}})
        assert patched.status_code == 200, patched.text
        body = patched.json()
        assert (body["subtotal"], body["discount"]["value"], body["discounted_subtotal"], body["total_amount"]) == (
            1999, 200, 1799, 2141)
        issued = await bill.act(note["id"], "issue")
        assert issued.status_code == 200, issued.text
        after = await bill.get(invoice["id"])
        assert (after["status"], after["total_amount_with_credit_notes"], after["amount_due"]) == (
            "issued", 5196, 5196)
        assert after["related_documents"]["credit_note_ids"] == [note["id"]]
        # the rest, as a full-remainder credit note: closes the invoice to the cent
        rest = await bill.create({"type": "credit_note", "based_on": invoice["id"]})
        assert rest["total_amount"] == 5196
        assert (await bill.act(rest["id"], "issue")).status_code == 200
        closed = await bill.get(invoice["id"])
        assert (closed["status"], closed["amount_due"]) == ("canceled", 0)
        assert await events_of(db, invoice["id"]) == [
            "receivable.created", "receivable.issued", "receivable.updated", "receivable.canceled"]

    async def test_cancel_with_payments_is_refused(self, bill):
        invoice = await bill.issued()
        assert (await bill.act(invoice["id"], "mark_as_partially_paid", {"amount_paid": 100})).status_code == 200
        response = await bill.act(invoice["id"], "cancel")
        assert response.status_code == 409, response.text

    async def test_credit_note_for_a_paid_invoice_is_refused(self, bill):
        invoice = await bill.issued()
        assert (await bill.act(invoice["id"], "mark_as_paid")).status_code == 200
        response = await bill.client.post("/receivables", json={"type": "credit_note", "based_on": invoice["id"]},
                                          headers=bill.on)
        assert response.status_code == 409, response.text


class TestDraftEdits:
    async def test_patch_put_delete_and_clone(self, bill):
        invoice = await bill.create(bill.invoice())
        patched = await bill.client.patch(f"/receivables/{invoice['id']}", headers=bill.on, json={
            "invoice": {"memo": "Thanks", "discount": {"type": "amount", "amount": 4000}}})
        assert patched.status_code == 200, patched.text
        assert (patched.json()["memo"], patched.json()["discounted_subtotal"]) == ("Thanks", 20000)
        wrong = await bill.client.patch(f"/receivables/{invoice['id']}", headers=bill.on,
                                        json={"quote": {"memo": "x"}})
        assert wrong.status_code == 409, wrong.text
        put = await bill.client.put(f"/receivables/{invoice['id']}/line_items", headers=bill.on,
                                    json={"data": [bill.line(1), bill.inline_line(500, 2, 700)]})
        assert put.status_code == 200, put.text
        assert [line["total_before_vat"] for line in put.json()["data"]] == [12000, 1000]
        clone = await bill.act(invoice["id"], "clone")
        assert clone.status_code == 201, clone.text
        assert clone.json()["id"] != invoice["id"] and clone.json()["status"] == "draft"
        assert clone.json()["total_amount"] == (await bill.get(invoice["id"]))["total_amount"]
        deleted = await bill.client.delete(f"/receivables/{invoice['id']}", headers=bill.on)
        assert deleted.status_code == 204
        assert (await bill.client.get(f"/receivables/{invoice['id']}", headers=bill.on)).status_code == 404

    async def test_issued_invoices_take_only_metadata_in_compliant_mode(self, bill):
        invoice = await bill.issued()
        ok = await bill.client.patch(f"/receivables/{invoice['id']}", headers=bill.on,
                                     json={"issued_invoice": {"partner_metadata": {"erp": 7}}})
        assert ok.status_code == 200, ok.text
        refused = await bill.client.patch(f"/receivables/{invoice['id']}", headers=bill.on,
                                          json={"issued_invoice": {"memo": "late"}})
        assert refused.status_code == 409, refused.text
        delete = await bill.client.delete(f"/receivables/{invoice['id']}", headers=bill.on)
        assert delete.status_code == 409


class TestNonCompliantEdits:
    async def test_an_issued_invoice_takes_a_new_counterpart_and_entity_details(self, bill, partner):
        from tests.fixtures.masterdata import create_counterpart

        response = await bill.client.patch(f"/entities/{bill.entity['id']}/settings", headers=partner.auth,
                                           json={"receivable_edit_flow": "non_compliant"})
        assert response.status_code == 200, response.text
        invoice = await bill.issued()
        other = await create_counterpart(bill.client, bill.on, legal_name="Other Customer AG")
        patched = await bill.client.patch(f"/receivables/{invoice['id']}", headers=bill.on, json={"issued_invoice": {
            "counterpart_id": other["id"],
            "entity": {"type": "organization", "name": "Acme Holding GmbH", "tax_id": "DE999"},
        }})
        assert patched.status_code == 200, patched.text
        body = patched.json()
        assert (body["counterpart_id"], body["counterpart_name"]) == (other["id"], "Other Customer AG")
        assert body["counterpart_billing_address"]["id"] == other["default_billing_address_id"]
        assert (body["entity"]["name"], body["entity"]["tax_id"]) == ("Acme Holding GmbH", "DE999")
        assert body["entity"]["email"] == invoice["entity"]["email"]  # the rest of the snapshot stays


class TestWorkedExamples:
    async def test_inclusive_mode(self, bill, partner):
        response = await bill.client.patch(f"/entities/{bill.entity['id']}/settings", headers=partner.auth,
                                           json={"vat_inclusive_discount_mode": "inclusive"})
        assert response.status_code == 200, response.text
        invoice = await bill.create(bill.invoice(vat_mode="inclusive", discount={"type": "amount", "amount": 300},
                                                 line_items=[bill.inline_line(999, 2, 1900),
                                                             bill.inline_line(450, 3, 700)]))
        assert [line["total_before_vat"] for line in invoice["line_items"]] == [1679, 1262]
        assert (invoice["subtotal_after_vat"], invoice["subtotal"]) == (3348, 2941)
        assert [(g["taxable_amount"], g["amount"]) for g in invoice["total_vat_amounts"]] == [(1529, 290),
                                                                                            (1149, 80)]
        assert (invoice["discounted_subtotal"], invoice["discount"]["value"]) == (2678, 263)
        assert (invoice["total_vat_amount"], invoice["total_amount"]) == (370, 3048)

    async def test_withholding_tax(self, bill):
        invoice = await bill.create(bill.invoice(
            withholding_tax_rate=1500, discount={"type": "percentage", "amount": 1000},
            line_items=[bill.inline_line(1999, 3, 1900),
                        bill.inline_line(1000, 1, 700, discount={"type": "percentage", "amount": 500})]))
        assert (invoice["total_amount"], invoice["total_withholding_tax"]) == (7337, 6399)

    async def test_numbering_settings(self, bill, partner):
        from remit.core import clock

        first_invoice = await bill.issued()
        quote = await bill.create(bill.quote())
        first_quote = (await bill.act(quote["id"], "issue")).json()
        assert (first_invoice["document_id"], first_quote["document_id"]) == ("INV-00001", "Q-00001")
        settings = {"document_ids": {"prefix": "ACME", "include_date": True, "separator": "/", "min_digits": 3,
                                     "next_number": {"invoice": 120}}}
        response = await bill.client.patch(f"/entities/{bill.entity['id']}/settings", headers=partner.auth,
                                           json=settings)
        assert response.status_code == 200, response.text
        year = clock.now().year
        numbers = [(await bill.issued())["document_id"] for _ in range(2)]
        assert numbers == [f"INV/ACME/{year}/120", f"INV/ACME/{year}/121"]
        lower = await bill.client.patch(f"/entities/{bill.entity['id']}/settings", headers=partner.auth,
                                        json={"document_ids": {"next_number": {"invoice": 100}}})
        assert lower.status_code == 400, lower.text
        nexts = await bill.client.get(f"/entities/{bill.entity['id']}/settings/next_document_numbers",
                                      headers=partner.auth)
        assert (nexts.json()["invoice"], nexts.json()["quote"]) == (122, 2)

    async def test_early_payment_discount(self, bill):
        invoice = await bill.issued()  # terms: 2 % within 10 days, net 30
        assert invoice["payment_terms"]["term_1"]["end_date"] is not None
        assert invoice["amount_to_pay"] == invoice["amount_due"] - round(invoice["amount_due"] * 200 / 10000)
