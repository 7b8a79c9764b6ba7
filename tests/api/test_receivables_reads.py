"""What a receivable tells without changing: its history and mails, previews and sending, test
reminders, verification (and the issue it gates), required fields, template variables, PDF links."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from babel.dates import format_date

from remit.core import clock
from remit.receivables.mailing.delivery import deliver_due
from tests.fixtures.database import row_counts
from tests.fixtures.masterdata import (
    address_payload,
    assert_shape,
    create_counterpart,
    create_vat_id,
    error_message,
    event_actions,
    individual_payload,
    locs,
    new_partner,
    organization_payload,
)
from tests.fixtures.receivables import Billing, billing


def long_date(iso: str, language: str) -> str:
    """A date as documents and mails write it in ``language`` (Babel's medium format)."""
    return format_date(date.fromisoformat(iso), format="medium", locale=language)


SEND = {"subject_text": "Invoice {document_id}", "body_text": "Dear {counterpart_name}, please pay {amount_due}."}
EVENT_DATA = {
    "status_changed": "StatusChangedEventData",
    "receivable_created": "ReceivableCreatedEventData",
    "receivable_updated": "ReceivableUpdatedEventData",
    "based_on_receivable_created": "BasedOnReceivableCreatedEventData",
    "payment_received": "PaymentReceivedEventData",
    "mail_sent": "MailSentEventData",
}
NO_ERRORS = {"counterpart": [], "entity": [], "products": [], "receivable": [], "vat_rates": []}


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture(scope="module")
async def bill(partner) -> Billing:
    return await billing(partner)


async def history(bill: Billing, receivable_id: str, headers: dict[str, str] | None = None,
                  **params: Any) -> dict[str, Any]:
    response = await bill.client.get(f"/receivables/{receivable_id}/history", params=params,
                                     headers=headers or bill.on)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_shape(body, "ReceivableHistoryPaginationResponse")
    for record in body["data"]:
        assert_shape(record, "ReceivableHistoryResponse")
        assert_shape(record["event_data"], EVENT_DATA[record["event_type"]])
        assert record["receivable_id"] == receivable_id
    return body


async def events(bill: Billing, receivable_id: str, **params: Any) -> list[tuple[str, dict[str, Any]]]:
    return [(r["event_type"], r["event_data"]) for r in (await history(bill, receivable_id, **params))["data"]]


async def mails(bill: Billing, receivable_id: str, **params: Any) -> list[dict[str, Any]]:
    response = await bill.client.get(f"/receivables/{receivable_id}/mails", params=params, headers=bill.on)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_shape(body, "ReceivableMailPaginationResponse")
    for mail in body["data"]:
        assert_shape(mail, "ReceivableMailResponse")
        assert_shape(mail["recipients"], "ReceivableMailRecipients")
    return body["data"]


def delivered(*emails: str) -> list[dict[str, Any]]:
    return [{"email": email, "is_success": True, "error": None} for email in emails]


def pending(*emails: str) -> list[dict[str, Any]]:
    return [{"email": email, "is_success": False, "error": None} for email in emails]


async def deliver(app) -> int:
    """One pass of the background mail delivery (the default transport: no network)."""
    return await asyncio.to_thread(deliver_due, app.state.runtime)


async def verify(bill: Billing, receivable_id: str) -> dict[str, Any]:
    response = await bill.act(receivable_id, "verify")
    assert response.status_code == 200, response.text
    body = response.json()
    assert_shape(body, "ReceivablesVerifyResponse")
    assert_shape(body["errors"], "MissingFields")
    assert_shape(body["warnings"], "ReceivablesRemindersWarningMessage")
    return body


def without_terms(bill: Billing, **overrides: Any) -> dict[str, Any]:
    body = bill.invoice(**overrides)
    del body["payment_terms_id"]
    return body


class TestHistory:
    async def test_every_event_of_an_invoice_with_its_data(self, bill):
        invoice = await bill.create(bill.invoice())
        iid = invoice["id"]
        assert (await bill.client.patch(f"/receivables/{iid}", headers=bill.on,
                                        json={"invoice": {"memo": "Thanks"}})).status_code == 200
        assert (await bill.act(iid, "issue")).status_code == 200
        assert (await bill.act(iid, "mark_as_partially_paid", {"amount_paid": 1000, "comment": "first"})
                ).status_code == 200
        sent = await bill.act(iid, "send", SEND)
        assert sent.status_code == 200, sent.text
        assert (await bill.act(iid, "mark_as_paid")).status_code == 200
        mail_id = sent.json()["mail_id"]
        assert await events(bill, iid) == [
            ("receivable_created", {}),
            ("receivable_updated", {}),
            ("status_changed", {"old_status": "draft", "new_status": "issued"}),
            ("status_changed", {"old_status": "issued", "new_status": "partially_paid"}),
            ("payment_received", {"amount_paid": 1000, "amount_due": 27560, "comment": "first"}),
            ("mail_sent", {"mail_id": mail_id, "mail_status": "pending", "recipients": {
                "to": pending("grace@customer.example"), "cc": [], "bcc": []}}),
            ("status_changed", {"old_status": "partially_paid", "new_status": "paid"}),
            ("payment_received", {"amount_paid": 27560, "amount_due": 0, "comment": None}),
        ]
        records = (await history(bill, iid))["data"]
        assert {record["entity_user_id"] for record in records} == {None}  # the partner acted
        stamps = [record["timestamp"] for record in records]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)

    async def test_documents_made_from_others(self, bill):
        quote = await bill.create(bill.quote())
        assert (await bill.act(quote["id"], "issue")).status_code == 200
        invoice = await bill.create({"type": "invoice", "based_on": quote["id"]})
        assert (await events(bill, quote["id"]))[-1] == (
            "based_on_receivable_created", {"receivable_id": invoice["id"], "type": "invoice"})
        assert await events(bill, invoice["id"]) == [("receivable_created", {})]
        issued = await bill.issued()
        note = await bill.create({"type": "credit_note", "based_on": issued["id"]})
        assert (await events(bill, issued["id"]))[-1] == (
            "based_on_receivable_created", {"receivable_id": note["id"], "type": "credit_note"})
        clone = await bill.act(issued["id"], "clone")
        assert await events(bill, clone.json()["id"]) == [("receivable_created", {})]
        # the credit note, issued, changes the invoice: updated, and closed as it covers all
        assert (await bill.act(note["id"], "issue")).status_code == 200
        assert (await events(bill, issued["id"]))[-2:] == [
            ("receivable_updated", {}), ("status_changed", {"old_status": "issued", "new_status": "canceled"})]
        assert await events(bill, note["id"]) == [
            ("receivable_created", {}), ("status_changed", {"old_status": "draft", "new_status": "issued"})]

    async def test_new_line_items_are_an_update(self, bill):
        draft = await bill.create(bill.invoice())
        response = await bill.client.put(f"/receivables/{draft['id']}/line_items", headers=bill.on,
                                         json={"data": [bill.line(5)]})
        assert response.status_code == 200, response.text
        assert await events(bill, draft["id"]) == [("receivable_created", {}), ("receivable_updated", {})]

    async def test_a_user_is_named_on_what_it_did(self, partner, bill):
        user = await partner.user_with(bill.entity["id"], receivable=["read", "create", "update"])
        invoice = await bill.create(bill.invoice(), headers=user.auth)
        assert (await bill.act(invoice["id"], "issue")).status_code == 200  # by the partner
        records = (await history(bill, invoice["id"]))["data"]
        assert [r["entity_user_id"] for r in records] == [user.id, None]
        mine = await history(bill, invoice["id"], entity_user_id__in=[user.id])
        assert [r["event_type"] for r in mine["data"]] == ["receivable_created"]
        assert (await history(bill, invoice["id"], headers=user.auth))["data"] == records

    async def test_filters_order_and_pages(self, bill):
        invoice = await bill.issued()
        for amount in (100, 200, 300):
            assert (await bill.act(invoice["id"], "mark_as_partially_paid", {"amount_paid": amount})
                    ).status_code == 200
        records = (await history(bill, invoice["id"]))["data"]
        types = [r["event_type"] for r in records]
        assert types == ["receivable_created", "status_changed", "status_changed", "payment_received",
                         "payment_received", "payment_received"]
        ids = [r["id"] for r in records]
        found = await history(bill, invoice["id"], event_type__in=["status_changed"])
        assert [r["id"] for r in found["data"]] == [ids[1], ids[2]]
        found = await history(bill, invoice["id"], event_type__in=["receivable_created", "payment_received"])
        assert [r["id"] for r in found["data"]] == [ids[0], *ids[3:]]
        assert (await history(bill, invoice["id"], event_type__in=["mail_sent"]))["data"] == []
        third = records[2]["timestamp"]
        assert [r["id"] for r in (await history(bill, invoice["id"], timestamp__gte=third))["data"]] == ids[2:]
        assert [r["id"] for r in (await history(bill, invoice["id"], timestamp__gt=third))["data"]] == ids[3:]
        assert [r["id"] for r in (await history(bill, invoice["id"], timestamp__lt=third))["data"]] == ids[:2]
        assert [r["id"] for r in (await history(bill, invoice["id"], timestamp__lte=third))["data"]] == ids[:3]
        # the same instant written in another time zone
        elsewhere = datetime.fromisoformat(third).astimezone(timezone(timedelta(hours=-5))).isoformat()
        assert [r["id"] for r in (await history(bill, invoice["id"], timestamp__gte=elsewhere))["data"]] == ids[2:]
        assert [r["id"] for r in (await history(bill, invoice["id"], order="desc"))["data"]] == ids[::-1]
        first = await history(bill, invoice["id"], limit=4, sort="timestamp")
        rest = await history(bill, invoice["id"], pagination_token=first["next_pagination_token"], limit=4)
        assert [r["id"] for r in first["data"] + rest["data"]] == ids
        assert rest["next_pagination_token"] is None

    async def test_bad_filters(self, bill):
        invoice = await bill.create(bill.invoice())
        for params, loc in (({"event_type__in": "paid"}, "event_type__in"), ({"limit": 101}, "limit"),
                            ({"sort": "created_at"}, "sort"), ({"timestamp__gt": "today"}, "timestamp__gt")):
            response = await bill.client.get(f"/receivables/{invoice['id']}/history", params=params, headers=bill.on)
            assert locs(response)[0][:2] == ["query", loc], params

    async def test_one_record(self, bill):
        invoice = await bill.issued()
        records = (await history(bill, invoice["id"]))["data"]
        for record in records:
            response = await bill.client.get(f"/receivables/{invoice['id']}/history/{record['id']}",
                                             headers=bill.on)
            assert response.status_code == 200, response.text
            assert_shape(response.json(), "ReceivableHistoryResponse")
            assert response.json() == record

    async def test_unknown_records_are_not_found(self, bill):
        invoice, other = await bill.issued(), await bill.create(bill.invoice())
        unknown = str(uuid.uuid4())
        other_record = (await history(bill, other["id"]))["data"][0]["id"]
        for record_id in (unknown, other_record):
            response = await bill.client.get(f"/receivables/{invoice['id']}/history/{record_id}", headers=bill.on)
            assert response.status_code == 404, response.text
            assert error_message(response) == f"Receivable history record with ID {record_id} not found."
        response = await bill.client.get(f"/receivables/{unknown}/history", headers=bill.on)
        assert response.status_code == 404, response.text
        assert (await bill.client.delete(f"/receivables/{other['id']}", headers=bill.on)).status_code == 204
        response = await bill.client.get(f"/receivables/{other['id']}/history/{other_record}", headers=bill.on)
        assert response.status_code == 404, response.text
        response = await bill.client.get(f"/receivables/{invoice['id']}/history/not-a-uuid", headers=bill.on)
        assert locs(response) == [["path", "receivable_history_id"]]


class TestMails:
    async def test_send_to_the_counterparts_contact(self, bill, db, app):
        invoice = await bill.issued()
        response = await bill.act(invoice["id"], "send", SEND)
        assert response.status_code == 200, response.text
        assert_shape(response.json(), "ReceivableSendResponse")
        mail_id = response.json()["mail_id"]
        [mail] = await mails(bill, invoice["id"])
        assert (mail["status"], mail["recipients"]["to"]) == ("pending", pending("grace@customer.example"))
        assert await deliver(app) >= 1
        [mail] = await mails(bill, invoice["id"])
        assert (mail["id"], mail["status"]) == (mail_id, "sent")
        assert mail["recipients"] == {"to": delivered("grace@customer.example"), "cc": [], "bcc": []}
        one = await bill.client.get(f"/receivables/{invoice['id']}/mails/{mail_id}", headers=bill.on)
        assert one.status_code == 200, one.text
        assert_shape(one.json(), "ReceivableMailResponse")
        assert one.json() == mail
        assert event_actions(db, invoice["id"])[-1] == "receivable.mail_sent"

    async def test_explicit_recipients(self, bill, app):
        invoice = await bill.issued()
        response = await bill.act(invoice["id"], "send", {**SEND, "recipients": {
            "to": ["ap@customer.example", "boss@customer.example"], "cc": ["cc@acme.example"],
            "bcc": ["archive@acme.example"]}})
        assert response.status_code == 200, response.text
        [(_, data)] = await events(bill, invoice["id"], event_type__in=["mail_sent"])
        await deliver(app)
        [mail] = await mails(bill, invoice["id"])
        assert mail["recipients"] == {"to": delivered("ap@customer.example", "boss@customer.example"),
                                      "cc": delivered("cc@acme.example"), "bcc": delivered("archive@acme.example")}
        assert data["recipients"] == {"to": pending("ap@customer.example", "boss@customer.example"),
                                      "cc": pending("cc@acme.example"), "bcc": pending("archive@acme.example")}
        # copies only: the document still goes to the contact
        response = await bill.act(invoice["id"], "send", {**SEND, "recipients": {"cc": ["cc@acme.example"]}})
        assert response.status_code == 200, response.text
        await deliver(app)
        latest = (await mails(bill, invoice["id"], order="desc"))[0]
        assert latest["recipients"]["to"] == delivered("grace@customer.example")

    async def test_without_a_contact_the_counterparts_email(self, bill, app):
        counterpart = await create_counterpart(bill.client, bill.on, legal_name="Mailbox GmbH",
                                               email="office@mailbox.example")
        invoice = await bill.issued(bill.invoice(counterpart_id=counterpart["id"],
                                                 counterpart_billing_address_id=counterpart[
                                                     "default_billing_address_id"]))
        assert invoice["counterpart_contact"] is None
        response = await bill.act(invoice["id"], "send", SEND)
        assert response.status_code == 200, response.text
        await deliver(app)
        [mail] = await mails(bill, invoice["id"])
        assert mail["recipients"]["to"] == delivered("office@mailbox.example")

    async def test_nobody_to_send_to(self, bill, db):
        counterpart = await create_counterpart(bill.client, bill.on, legal_name="Silent GmbH")
        invoice = await bill.issued(bill.invoice(counterpart_id=counterpart["id"],
                                                 counterpart_billing_address_id=counterpart[
                                                     "default_billing_address_id"]))
        before = row_counts(db)
        response = await bill.act(invoice["id"], "send", SEND)
        assert response.status_code == 409, response.text
        assert row_counts(db) == before

    async def test_list_filters_and_unknown_mails(self, bill, app):
        invoice, other = await bill.issued(), await bill.issued()
        first = (await bill.act(invoice["id"], "send", SEND)).json()["mail_id"]
        second = (await bill.act(invoice["id"], "send", SEND)).json()["mail_id"]
        theirs = (await bill.act(other["id"], "send", SEND)).json()["mail_id"]
        assert [m["id"] for m in await mails(bill, invoice["id"], status="pending")] == [first, second]
        await deliver(app)
        assert [m["id"] for m in await mails(bill, invoice["id"])] == [first, second]
        assert [m["id"] for m in await mails(bill, invoice["id"], order="desc")] == [second, first]
        assert [m["id"] for m in await mails(bill, invoice["id"], status="sent")] == [first, second]
        assert await mails(bill, invoice["id"], status__in=["failed", "pending"]) == []
        assert [m["id"] for m in await mails(bill, invoice["id"], sort="updated_at", limit=1)] == [first]
        for mail_id in (str(uuid.uuid4()), theirs):
            response = await bill.client.get(f"/receivables/{invoice['id']}/mails/{mail_id}", headers=bill.on)
            assert response.status_code == 404, response.text
            assert error_message(response) == f"Mail with ID {mail_id} not found."

    async def test_send_issues_a_draft_first(self, bill, db):
        draft = await bill.create(bill.invoice())
        response = await bill.act(draft["id"], "send", SEND)
        assert response.status_code == 200, response.text
        sent = await bill.get(draft["id"])
        assert sent["status"] == "issued" and sent["document_id"] is not None and sent["due_date"] is not None
        assert [t for t, _ in await events(bill, draft["id"])] == ["receivable_created", "status_changed", "mail_sent"]
        assert event_actions(db, draft["id"]) == ["receivable.created", "receivable.issued", "receivable.mail_sent"]

    async def test_a_draft_that_cannot_be_issued_is_not_sent(self, bill, db):
        draft = await bill.create(without_terms(bill))
        before, document = row_counts(db), await bill.get(draft["id"])
        response = await bill.act(draft["id"], "send", SEND)
        assert response.status_code == 409, response.text
        assert error_message(response) == "Receivable cannot be issued: missing payment_terms"
        assert row_counts(db) == before and await bill.get(draft["id"]) == document
        assert await mails(bill, draft["id"]) == []

    async def test_statuses_that_cannot_be_sent(self, bill, db):
        quote = await bill.create(bill.quote())
        assert (await bill.act(quote["id"], "issue")).status_code == 200
        assert (await bill.act(quote["id"], "decline")).status_code == 200
        invoice = await bill.issued()
        assert (await bill.act(invoice["id"], "cancel")).status_code == 204
        for document in (quote, invoice):
            before = row_counts(db)
            for action in ("send", "preview"):
                response = await bill.act(document["id"], action, SEND)
                assert response.status_code == 409, response.text
            assert row_counts(db) == before


class TestPreview:
    async def test_variables_are_substituted(self, bill):
        invoice = await bill.issued()
        response = await bill.act(invoice["id"], "preview", {
            "subject_text": "Invoice {document_id} from {entity_name}",
            "body_text": "Dear {counterpart_name}, {amount_due} ({currency}) are due on {due_date}. {unknown}"})
        assert response.status_code == 201, response.text
        assert_shape(response.json(), "ReceivablePreviewResponse")
        assert response.json() == {
            "subject_preview": f"Invoice {invoice['document_id']} from Acme GmbH",
            "body_preview": f"Dear Customer GmbH, €285.60 (EUR) are due on {long_date(invoice['due_date'], 'en')}. "
                            "{unknown}"}

    async def test_a_quote_and_a_draft(self, bill, db):
        expiry = (clock.now().date() + timedelta(days=14)).isoformat()
        quote = await bill.create(bill.quote(expiry_date=expiry))
        before = row_counts(db)
        response = await bill.act(quote["id"], "preview", {"subject_text": "Quote {document_id}",
                                                           "body_text": "Valid until {expiry_date}: {total_amount}",
                                                           "language": "de", "type": "receivable"})
        assert response.status_code == 201, response.text
        assert response.json() == {"subject_preview": "Quote ",
                                   "body_preview": f"Valid until {long_date(expiry, 'de')}: 285,60\xa0€"}
        assert row_counts(db) == before


class TestSendTestReminder:
    async def test_an_invoice_without_reminders(self, bill, db):
        invoice = await bill.issued()
        before = row_counts(db)
        for reminder_type, kind in (("term_1", "payment"), ("term_final", "payment"), ("overdue", "overdue")):
            response = await bill.act(invoice["id"], "send_test_reminder", {"reminder_type": reminder_type})
            assert response.status_code == 409, response.text
            assert error_message(response) == f"The invoice has no {kind} reminder"
        assert row_counts(db) == before

    async def test_only_invoices_have_reminders(self, bill):
        quote = await bill.create(bill.quote())
        response = await bill.act(quote["id"], "send_test_reminder", {"reminder_type": "term_1"})
        assert response.status_code == 409, response.text


class TestVerify:
    async def test_a_complete_invoice_misses_nothing(self, bill):
        invoice = await bill.create(bill.invoice())
        assert await verify(bill, invoice["id"]) == {"errors": NO_ERRORS, "warnings": {"payment_reminders": None}}
        quote = await bill.create(bill.quote())
        assert (await verify(bill, quote["id"]))["errors"] == NO_ERRORS

    async def test_any_status(self, bill):
        invoice = await bill.issued()
        assert (await verify(bill, invoice["id"]))["errors"] == NO_ERRORS
        assert (await bill.act(invoice["id"], "mark_as_paid")).status_code == 200
        assert (await verify(bill, invoice["id"]))["errors"] == NO_ERRORS

    async def test_missing_bank_account(self, bill):
        invoice = await bill.create(bill.invoice(currency="USD", line_items=[{
            "product": {"name": "Export", "price": {"currency": "USD", "value": 1000}}, "quantity": 1,
            "vat_rate_id": bill.rates[1900]}]))
        assert invoice["entity_bank_account"] is None
        assert (await verify(bill, invoice["id"]))["errors"] == {**NO_ERRORS, "receivable": ["entity_bank_account"]}

    async def test_missing_payment_terms_and_lines(self, bill):
        invoice = await bill.create(without_terms(bill, line_items=[]))
        assert (await verify(bill, invoice["id"]))["errors"] == {**NO_ERRORS,
                                                                 "receivable": ["line_items", "payment_terms"]}
        # a quote needs no payment terms
        quote = await bill.create(bill.quote(line_items=[]))
        assert (await verify(bill, quote["id"]))["errors"] == {**NO_ERRORS, "receivable": ["line_items"]}

    async def test_vat_exempt_without_a_rationale(self, bill):
        invoice = await bill.create(bill.invoice(vat_exempt=True))
        assert (await verify(bill, invoice["id"]))["errors"] == {**NO_ERRORS,
                                                                 "receivable": ["vat_exemption_rationale"]}

    async def test_reverse_charge_needs_the_counterparts_vat_id(self, bill):
        french = await create_counterpart(bill.client, bill.on, organization_payload(
            "Client SARL", address=address_payload(city="Paris", country="FR", postal_code="75001")))
        address = french["default_billing_address_id"]
        invoice = await bill.create(bill.invoice(counterpart_id=french["id"], counterpart_billing_address_id=address))
        assert (await verify(bill, invoice["id"]))["errors"] == {**NO_ERRORS, "counterpart": ["vat_id"]}
        vat_id = await create_vat_id(bill.client, bill.on, french["id"], value="FR12345678901", country="FR")
        fixed = await bill.create(bill.invoice(counterpart_id=french["id"], counterpart_billing_address_id=address,
                                               counterpart_vat_id_id=vat_id["id"]))
        assert (await verify(bill, fixed["id"]))["errors"] == NO_ERRORS
        # a person abroad, or a company at home, is no reverse charge
        person = await create_counterpart(bill.client, bill.on, individual_payload(
            is_customer=True, address=address_payload(city="Paris", country="FR", postal_code="75001")))
        invoice = await bill.create(bill.invoice(counterpart_id=person["id"],
                                                 counterpart_billing_address_id=person["default_billing_address_id"]))
        assert (await verify(bill, invoice["id"]))["errors"] == NO_ERRORS

    async def test_an_entity_without_tax_id_or_vat_id(self, partner):
        bill = await billing(partner, email="untaxed@acme.example")
        response = await bill.client.patch(f"/entities/{bill.entity['id']}", headers=partner.auth,
                                           json={"tax_id": None})
        assert response.status_code == 200, response.text
        invoice = await bill.create(bill.invoice())
        assert (await verify(bill, invoice["id"]))["errors"] == {**NO_ERRORS, "entity": ["tax_id"]}
        response = await bill.client.post(f"/entities/{bill.entity['id']}/vat_ids", headers=partner.auth,
                                          json={"country": "DE", "value": "DE123456789"})
        assert response.status_code == 201, response.text
        registered = await bill.create(bill.invoice(entity_vat_id_id=response.json()["id"]))
        assert (await verify(bill, registered["id"]))["errors"] == NO_ERRORS

    async def test_issue_is_refused_naming_what_is_missing(self, bill, db):
        french = await create_counterpart(bill.client, bill.on, organization_payload(
            "Client SARL", address=address_payload(city="Lyon", country="FR", postal_code="69001")))
        draft = await bill.create(without_terms(bill, counterpart_id=french["id"],
                                                counterpart_billing_address_id=french["default_billing_address_id"],
                                                vat_exempt=True))
        report = (await verify(bill, draft["id"]))["errors"]
        assert report == {**NO_ERRORS, "counterpart": ["vat_id"],
                          "receivable": ["payment_terms", "vat_exemption_rationale"]}
        before, document = row_counts(db), await bill.get(draft["id"])
        response = await bill.act(draft["id"], "issue")
        assert response.status_code == 409, response.text
        assert error_message(response) == (
            "Receivable cannot be issued: missing counterpart.vat_id, payment_terms, vat_exemption_rationale")
        assert row_counts(db) == before and await bill.get(draft["id"]) == document


class TestRequiredFields:
    async def required(self, bill: Billing, **params: Any) -> dict[str, Any]:
        response = await bill.client.get("/receivables/required_fields", params=params, headers=bill.on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert_shape(body, "ReceivableRequiredFields")
        for part in body.values():
            for field in part.values():
                assert isinstance(field["required"], bool) and isinstance(field["description"], str)
        return {part: {name: field["required"] for name, field in fields.items()} for part, fields in body.items()}

    async def test_a_german_entity_without_vat_ids(self, partner):
        bill = await billing(partner, email="plain@acme.example")
        assert await self.required(bill) == {
            "counterpart": {"tax_id": False, "vat_id": False},
            "entity": {"tax_id": True, "vat_id": False},
            "line_item": {"measure_unit": False, "tax_rate_value": False, "vat_rate_id": True},
        }
        some_vat_id = str(uuid.uuid4())
        assert (await self.required(bill, entity_vat_id_id=some_vat_id))["entity"] == {"tax_id": False,
                                                                                       "vat_id": True}
        response = await bill.client.post(f"/entities/{bill.entity['id']}/vat_ids", headers=partner.auth,
                                          json={"country": "DE", "value": "DE123456789"})
        assert response.status_code == 201, response.text
        assert (await self.required(bill))["entity"] == {"tax_id": False, "vat_id": True}

    async def test_reverse_charge_for_a_company_in_another_eu_country(self, bill):
        french = await create_counterpart(bill.client, bill.on, organization_payload(
            "Client SARL", address=address_payload(city="Paris", country="FR", postal_code="75001")))
        assert (await self.required(bill, counterpart_id=french["id"]))["counterpart"] == {"tax_id": False,
                                                                                          "vat_id": True}
        assert (await self.required(bill, counterpart_id=bill.counterpart["id"]))["counterpart"]["vat_id"] is False
        assert (await self.required(bill, counterpart_id=french["id"],
                                    counterpart_billing_address_id=bill.address_id))["counterpart"]["vat_id"] is False
        assert (await self.required(bill, counterpart_country="FR", counterpart_type="organization"))[
            "counterpart"]["vat_id"] is True
        assert (await self.required(bill, counterpart_country="FR", counterpart_type="individual"))[
            "counterpart"]["vat_id"] is False
        assert (await self.required(bill, counterpart_country="US", counterpart_type="organization"))[
            "counterpart"]["vat_id"] is False

    async def test_an_entity_in_a_country_without_a_vat_catalogue(self, partner):
        entity = await partner.create_entity(email="us@acme.example", address={
            "country": "US", "city": "Austin", "line1": "1 Congress Ave", "postal_code": "78701", "state": "TX"})
        response = await partner.client.get("/receivables/required_fields", headers=partner.on(entity["id"]))
        assert response.status_code == 200, response.text
        line_item = response.json()["line_item"]
        assert (line_item["tax_rate_value"]["required"], line_item["vat_rate_id"]["required"]) == (True, False)

    async def test_bad_parameters(self, bill):
        for params in ({"counterpart_country": "XX"}, {"counterpart_type": "robot"}, {"counterpart_id": "1"}):
            response = await bill.client.get("/receivables/required_fields", params=params, headers=bill.on)
            assert response.status_code == 422, response.text


class TestVariables:
    async def test_without_an_entity(self, partner, bill):
        user = await partner.user_with(bill.entity["id"], counterpart=["read"])
        for headers in (partner.auth, user.auth, bill.on):
            response = await bill.client.get("/receivables/variables", headers=headers)
            assert response.status_code == 200, response.text
            body = response.json()
            assert_shape(body, "ReceivableTemplatesVariablesObjectList")
            for item in body["data"]:
                assert_shape(item, "ReceivableTemplatesVariablesObject")
        names = {item["object_subtype"]: {v["name"] for v in item["variables"]} for item in body["data"]}
        assert set(names) == {"invoice", "quote", "credit_note", "discount_reminder", "final_reminder",
                              "overdue_reminder"}
        common = {"{document_id}", "{counterpart_name}", "{entity_name}", "{total_amount}", "{issue_date}",
                  "{currency}"}
        assert common | {"{amount_due}", "{due_date}", "{payment_page_url}"} <= names["invoice"]
        assert common | {"{expiry_date}"} <= names["quote"]


class TestPdfLink:
    async def test_the_shape(self, bill):
        for document in (await bill.create(bill.invoice()), await bill.issued()):
            response = await bill.client.get(f"/receivables/{document['id']}/pdf_link", headers=bill.on)
            assert response.status_code == 200, response.text
            assert_shape(response.json(), "ReceivableFileUrl")
            assert set(response.json()) == {"file_url", "original_file_url"}

    async def test_an_unknown_document(self, bill):
        unknown = str(uuid.uuid4())
        for suffix in ("pdf_link", "history", "mails"):
            response = await bill.client.get(f"/receivables/{unknown}/{suffix}", headers=bill.on)
            assert response.status_code == 404, response.text
            assert error_message(response) == f"Receivable with ID {unknown} not found."
