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
