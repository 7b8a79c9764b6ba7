"""Receivable mails through a real SMTP server (aiosmtpd on 127.0.0.1): the PDF attached, each
recipient's outcome recorded, failed recipients tried again a bounded number of times, and user
text that cannot inject headers or recipients."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from facturx import get_facturx_xml_from_pdf

from remit.core import clock
from remit.receivables.mailing.delivery import deliver_due
from remit.receivables.mailing.transport import SmtpTransport
from tests.fixtures.masterdata import new_partner
from tests.fixtures.receivables import Billing, billing
from tests.fixtures.smtp import free_port, smtp_server


@pytest.fixture(scope="module")
def smtp() -> Any:
    with smtp_server() as inbox:
        yield inbox, SmtpTransport(inbox.url, timeout=10)


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture(scope="module")
async def bill(partner) -> Billing:
    return await billing(partner)


async def deliver(app: Any, transport: Any) -> int:
    return await asyncio.to_thread(deliver_due, app.state.runtime, transport)


async def mail(bill: Billing, receivable_id: str, mail_id: str) -> dict[str, Any]:
    response = await bill.client.get(f"/receivables/{receivable_id}/mails/{mail_id}", headers=bill.on)
    assert response.status_code == 200, response.text
    return response.json()


async def send(bill: Billing, receivable_id: str, body: dict[str, Any]) -> str:
    response = await bill.act(receivable_id, "send", body)
    assert response.status_code == 200, response.text
    return response.json()["mail_id"]


async def test_send_delivers_the_invoice_with_its_pdf(bill, app, smtp):
    inbox, transport = smtp
    draft = await bill.create(bill.invoice())
    mail_id = await send(bill, draft["id"], {"subject_text": "Invoice {document_id}",
                                             "body_text": "Dear {counterpart_name}, please pay {amount_due}."})
    invoice = await bill.get(draft["id"])
    assert invoice["status"] == "issued"  # the draft was issued first
    assert (await mail(bill, draft["id"], mail_id))["status"] == "pending"  # nothing sent inside the request
    assert inbox.about(mail_id) == []
    await deliver(app, transport)
    record = await mail(bill, draft["id"], mail_id)
    assert record["status"] == "sent"
    assert record["recipients"]["to"] == [{"email": "grace@customer.example", "is_success": True, "error": None}]
    [(sender, rcpt, message)] = inbox.about(mail_id)
    assert rcpt == ["grace@customer.example"]
    assert message["Subject"] == f"Invoice {invoice['document_id']}"
    assert message["To"] == "grace@customer.example"
    [text] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    assert text.get_payload(decode=True).decode() .strip() == "Dear Customer GmbH, please pay €285.60."
    [pdf] = [part for part in message.walk() if part.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"{invoice['document_id']}.pdf"
    name, xml = get_facturx_xml_from_pdf(pdf.get_payload(decode=True))
    assert name == "factur-x.xml" and invoice["document_id"].encode() in xml


async def test_refused_recipient_is_retried_then_partially_sent(bill, app, smtp):
    inbox, transport = smtp
    invoice = await bill.issued()
    mail_id = await send(bill, invoice["id"], {"subject_text": "Invoice", "body_text": "Hello", "recipients": {
        "to": ["ap@customer.example", "nobody@refuse.example"], "cc": ["cc@acme.example"]}})
    await deliver(app, transport)
    record = await mail(bill, invoice["id"], mail_id)
    assert record["status"] == "pending"  # one recipient left, tries left
    assert record["recipients"]["to"][1]["is_success"] is False
    assert record["recipients"]["to"][1]["error"].startswith("550")
    try:
        for _ in range(2):
            clock.move(timedelta(seconds=61))
            await deliver(app, transport)
    finally:
        clock.reset()
    record = await mail(bill, invoice["id"], mail_id)
    assert record["status"] == "partially_sent"
    assert [entry["is_success"] for entry in record["recipients"]["to"]] == [True, False]
    assert record["recipients"]["cc"][0]["is_success"] is True
    # those reached got the mail once; the retries went to the refused address alone
    assert [rcpt for _, rcpt, _ in inbox.about(mail_id)] == [["ap@customer.example", "cc@acme.example"]]


async def test_unreachable_server_fails_after_bounded_tries(bill, app):
    transport = SmtpTransport(f"smtp+insecure://127.0.0.1:{free_port()}", timeout=2)  # nobody listens
    invoice = await bill.issued()
    mail_id = await send(bill, invoice["id"], {"subject_text": "Invoice", "body_text": "Hello"})
    try:
        for _ in range(5):
            await deliver(app, transport)
            clock.move(timedelta(seconds=61))
    finally:
        clock.reset()
    record = await mail(bill, invoice["id"], mail_id)
    assert record["status"] == "failed"
    [entry] = record["recipients"]["to"]
    assert entry["is_success"] is False and "Connection" in entry["error"]


async def test_header_injection_is_inert(bill, app, smtp):
    inbox, transport = smtp
    invoice = await bill.issued()
    mail_id = await send(bill, invoice["id"], {
        "subject_text": "Invoice\r\nBcc: evil@attacker.example\nX-Injected: yes",
        "body_text": "{{ 7*7 }} {% for x in range(3) %}{document_id}{% endfor %}\r\n.\r\nRCPT TO:<evil@attacker.example>"})
    await deliver(app, transport)
    assert (await mail(bill, invoice["id"], mail_id))["status"] == "sent"
    [(_, rcpt, message)] = inbox.about(mail_id)
    assert rcpt == ["grace@customer.example"]
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["Subject"] == "Invoice Bcc: evil@attacker.example X-Injected: yes"
    [text] = [part for part in message.walk() if part.get_content_type() == "text/plain"]
    body = text.get_payload(decode=True).decode()
    assert f"{{{{ 7*7 }}}} {{% for x in range(3) %}}{invoice['document_id']}{{% endfor %}}" in body


@pytest.mark.parametrize("address", ["a@b.example\r\nBcc: evil@attacker.example", "a@b.example, evil@attacker.example",
                                     "not-an-address"])
async def test_hostile_recipients_are_refused(bill, address):
    invoice = await bill.issued()
    response = await bill.act(invoice["id"], "send", {"subject_text": "S", "body_text": "B",
                                                      "recipients": {"to": [address]}})
    assert response.status_code == 422, response.text


async def test_test_reminder_is_delivered_with_the_invoice(bill, app, db, smtp):
    from sqlalchemy import update

    from remit.receivables.models import Receivable

    inbox, transport = smtp
    invoice = await bill.issued()
    # remit keeps no reminder configurations yet (a reminder id is refused on create): set one directly
    with db.transaction() as session:
        session.execute(update(Receivable).where(Receivable.id == uuid.UUID(invoice["id"]))
                        .values(overdue_reminder_id=uuid.uuid4()))
    response = await bill.act(invoice["id"], "send_test_reminder", {"reminder_type": "overdue"})
    assert response.status_code == 200, response.text
    [mail_id] = response.json()["mail_ids"]
    await deliver(app, transport)
    assert (await mail(bill, invoice["id"], mail_id))["status"] == "sent"
    [(_, _, message)] = inbox.about(mail_id)
    assert message["Subject"] == f"Overdue: invoice {invoice['document_id']}"
    assert any(part.get_content_type() == "application/pdf" for part in message.walk())


async def test_only_a_commit_that_recorded_a_mail_wakes_the_mail_loop(bill, app):
    """Other changes (here: an invoice's create and issue) leave the loop asleep: waking it costs a
    look at the mail queue, which once ran after every commit that wrote events."""
    woken: list[int] = []

    def wake() -> None:
        woken.append(1)

    mails = app.state.runtime.mails
    mails.listen(wake)
    try:
        draft = await bill.create(bill.invoice())
        assert (await bill.act(draft["id"], "issue")).status_code == 200
        assert woken == []
        await send(bill, draft["id"], {"subject_text": "Invoice", "body_text": "Please pay."})
        assert woken == [1]
    finally:
        mails.ignore(wake)
