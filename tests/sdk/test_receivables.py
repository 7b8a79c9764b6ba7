"""Invoices, quotes and credit notes driven end to end through the official ``monite`` SDK against
``remit serve``: every method of ``client.receivables`` is called at least once, and its answer
parses into the SDK's own models.

The overdue scenario is the one exception to "only the SDK": time passes only for the scheduler,
so the test runs the overdue job in its own process against the server's database with the clock
moved, and then reads the result through the SDK like any client would.
"""

from __future__ import annotations

import base64
import io
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from facturx import get_facturx_xml_from_pdf
from lxml import etree
from monite import (
    CounterpartAddress,
    CounterpartCreatePayload_Organization,
    CounterpartOrganizationCreatePayload,
    LineItem,
    Monite,
    Price,
    ReceivableCreateBasedOnPayload,
    ReceivableFacadeCreateInvoicePayload,
    ReceivableFacadeCreateQuotePayload,
    ReceivableResponse_CreditNote,
    ReceivableResponse_Invoice,
    ReceivableResponse_Quote,
    Recipients,
    Signature,
    TermDiscountDays,
    TermFinalDays,
    UpdateCreditNote,
    UpdateCreditNotePayload,
    UpdateInvoice,
    UpdateInvoicePayload,
    UpdateIssuedInvoice,
    UpdateIssuedInvoicePayload,
    UpdateProductForCreditNote,
)
from monite.core.api_error import ApiError
from monite.errors import NotFoundError
from pypdf import PdfReader

from tests.fixtures.smtp import attachments
from tests.sdk.conftest import Server

PRICE = 12_000  # EUR 120.00 a unit, taxed at 19 %
TWO_UNITS = 28_560  # 2 × 12000 + 19 % VAT


@dataclass
class Billing:
    """An entity ready to bill, set up through the SDK: VAT-registered, a customer with an address
    and a contact, a catalogue product, payment terms, an EUR bank account and the 19 % rate."""

    client: Monite
    counterpart_id: str
    address_id: str
    product_id: str
    terms_id: str
    vat_19: str

    def lines(self, quantity: float = 2) -> list[LineItem]:
        return [LineItem(product_id=self.product_id, quantity=quantity, vat_rate_id=self.vat_19)]

    def invoice(self, **fields) -> ReceivableResponse_Invoice:
        fields.setdefault("line_items", self.lines())
        created = self.client.receivables.create(request=ReceivableFacadeCreateInvoicePayload(
            counterpart_id=self.counterpart_id, counterpart_billing_address_id=self.address_id, currency="EUR",
            payment_terms_id=self.terms_id, **fields))
        assert isinstance(created, ReceivableResponse_Invoice)
        return created

    def issued_invoice(self, **fields) -> ReceivableResponse_Invoice:
        issued = self.client.receivables.issue_by_id(self.invoice(**fields).id)
        assert isinstance(issued, ReceivableResponse_Invoice) and issued.status == "issued"
        return issued

    def issued_quote(self, **fields) -> ReceivableResponse_Quote:
        quote = self.client.receivables.create(request=ReceivableFacadeCreateQuotePayload(
            counterpart_id=self.counterpart_id, counterpart_billing_address_id=self.address_id, currency="EUR",
            line_items=self.lines(), **fields))
        assert isinstance(quote, ReceivableResponse_Quote) and quote.status == "draft"
        issued = self.client.receivables.issue_by_id(quote.id)
        assert isinstance(issued, ReceivableResponse_Quote) and issued.status == "issued"
        assert issued.document_id is not None and issued.document_id.startswith("Q-")
        return issued


@pytest.fixture
def bill(partner: Monite, entity, on_entity: Monite) -> Billing:
    return make_billing(partner, entity, on_entity)


def make_billing(partner: Monite, entity, on_entity: Monite) -> Billing:
    partner.entities.update_by_id(entity.id, tax_id="DE123456789")
    address = CounterpartAddress(city="Berlin", country="DE", line1="Unter den Linden 2", postal_code="10117")
    counterpart = on_entity.counterparts.create(request=CounterpartCreatePayload_Organization(
        organization=CounterpartOrganizationCreatePayload(legal_name="Customer GmbH", is_customer=True,
                                                          is_vendor=False, address=address)))
    on_entity.counterparts.contacts.create(counterpart.id, first_name="Grace", last_name="Hopper",
                                           email="grace@customer.example", address=address)
    product = on_entity.products.create(name="Consulting hour", price=Price(currency="EUR", value=PRICE))
    terms = on_entity.payment_terms.create(name="2/10 net 30", term1=TermDiscountDays(number_of_days=10, discount=200),
                                           term_final=TermFinalDays(number_of_days=30))
    on_entity.entities.bank_accounts.create(country="DE", currency="EUR", iban="DE89370400440532013000",
                                            bic="COBADEFFXXX", account_holder_name="Acme GmbH")
    vat_19 = next(rate.id for rate in on_entity.vat_rates.get().data if rate.value == 1900)
    return Billing(on_entity, counterpart.id, counterpart.default_billing_address_id, product.id, terms.id, vat_19)


def refused(call, *args, **kwargs) -> str:
    """The call is refused with 409 and Monite's error body; returns its message."""
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    assert caught.value.status_code == 409, caught.value.body
    assert set(caught.value.body) == {"error"} and set(caught.value.body["error"]) == {"message"}
    return caught.value.body["error"]["message"]


def status_changes(client: Monite, receivable_id: str) -> list[tuple[str, str]]:
    records = client.receivables.get_history(receivable_id, event_type_in=["status_changed"]).data
    return [(r.event_data.old_status, r.event_data.new_status) for r in records]


def test_invoice_issued_then_paid_in_two_steps(bill: Billing):
    receivables = bill.client.receivables
    draft = bill.invoice(memo="Thanks")
    assert (draft.status, draft.document_id, draft.total_amount, draft.amount_due) == ("draft", None, TWO_UNITS,
                                                                                      TWO_UNITS)
    assert receivables.get_by_id(draft.id) == draft

    # Draft edits: a PATCH of the invoice wrapper, then all lines replaced.
    patched = receivables.update_by_id(draft.id, request=UpdateInvoicePayload(invoice=UpdateInvoice(
        footer="Payable by bank transfer")))
    assert isinstance(patched, ReceivableResponse_Invoice)
    assert (patched.memo, patched.footer) == ("Thanks", "Payable by bank transfer")
    lines = receivables.update_line_items_by_id(draft.id, data=bill.lines(3))
    assert [(line.quantity, line.total_before_vat) for line in lines.data] == [(3, 3 * PRICE)]
    lines = receivables.update_line_items_by_id(draft.id, data=bill.lines(2))
    assert receivables.get_by_id(draft.id).total_amount == TWO_UNITS

    verified = receivables.verify_by_id(draft.id)
    assert verified.errors.counterpart == [] and verified.errors.receivable == [] and verified.errors.products == []

    issued = receivables.issue_by_id(draft.id)
    assert isinstance(issued, ReceivableResponse_Invoice)
    assert (issued.status, issued.document_id) == ("issued", "INV-00001")
    assert issued.due_date is not None and issued.payment_terms.term1.end_date is not None
    assert refused(receivables.issue_by_id, draft.id) == "Receivable is not in draft status"
    assert refused(receivables.delete_by_id, draft.id) == "Only draft receivables can be deleted"
    metadata = receivables.update_by_id(draft.id, request=UpdateIssuedInvoicePayload(
        issued_invoice=UpdateIssuedInvoice(partner_metadata={"erp": "A-7"})))
    assert metadata.partner_metadata == {"erp": "A-7"}

    partial = receivables.mark_as_partially_paid_by_id(draft.id, amount_paid=10_000, comment="first half")
    assert isinstance(partial, ReceivableResponse_Invoice)
    assert (partial.status, partial.amount_paid, partial.amount_due) == ("partially_paid", 10_000, TWO_UNITS - 10_000)
    paid = receivables.mark_as_paid_by_id(draft.id, comment="the rest")
    assert (paid.status, paid.amount_paid, paid.amount_due, paid.comment) == ("paid", TWO_UNITS, 0, "the rest")
    assert paid.paid_at is not None
    assert refused(receivables.mark_as_paid_by_id, draft.id) == "Cannot mark_as_paid a receivable in status 'paid'"
    assert refused(receivables.cancel_by_id, draft.id) == "Cannot cancel a receivable in status 'paid'"

    assert status_changes(bill.client, draft.id) == [("draft", "issued"), ("issued", "partially_paid"),
                                                     ("partially_paid", "paid")]
    history = receivables.get_history(draft.id).data
    assert [h.event_type for h in history] == [
        "receivable_created", "receivable_updated", "receivable_updated", "receivable_updated", "status_changed",
        "receivable_updated", "status_changed", "payment_received", "status_changed", "payment_received",
    ]
    payments = [h.event_data for h in history if h.event_type == "payment_received"]
    assert [(p.amount_paid, p.amount_due, p.comment) for p in payments] == [
        (10_000, TWO_UNITS - 10_000, "first half"), (TWO_UNITS - 10_000, 0, "the rest")]
    record = receivables.get_history_by_id(history[-2].id, draft.id)
    assert (record.id, record.receivable_id, record.event_type) == (history[-2].id, draft.id, "status_changed")
    assert (record.event_data.old_status, record.event_data.new_status) == ("partially_paid", "paid")
    # The PDF of the paid invoice, by its signed link (no token needed).
    links = receivables.get_pdf_link_by_id(draft.id)
    assert "INV-00001" in pdf_text(download(links.file_url))

    # Lists and search find it by what it became.
    listed = receivables.get(status="paid", type="invoice")
    assert [r.id for r in listed.data] == [draft.id]
    found = receivables.post_receivables_search(document_id="INV-00001")
    assert [r.id for r in found.data] == [draft.id]


def test_cancel_issues_a_credit_note(bill: Billing):
    receivables = bill.client.receivables
    invoice = bill.issued_invoice()
    assert receivables.cancel_by_id(invoice.id) is None  # 204
    canceled = receivables.get_by_id(invoice.id)
    assert isinstance(canceled, ReceivableResponse_Invoice)
    assert (canceled.status, canceled.amount_due, canceled.total_amount_with_credit_notes) == ("canceled", 0, 0)
    [note_id] = canceled.related_documents.credit_note_ids
    note = receivables.get_by_id(note_id)
    assert isinstance(note, ReceivableResponse_CreditNote)
    assert (note.status, note.total_amount, note.based_on, note.document_id) == (
        "issued", TWO_UNITS, invoice.id, "CN-00001")
    assert status_changes(bill.client, invoice.id) == [("draft", "issued"), ("issued", "canceled")]
    assert status_changes(bill.client, note_id) == [("draft", "issued")]
    assert refused(receivables.cancel_by_id, invoice.id) == "Cannot cancel a receivable in status 'canceled'"
    assert [r.id for r in receivables.get(based_on=invoice.id).data] == [note_id]


def test_quote_accepted_becomes_an_invoice(bill: Billing):
    receivables = bill.client.receivables
    quote = bill.issued_quote(signature_required=True)
    assert refused(receivables.accept_by_id, quote.id) == "A signature is required to accept this quote"
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 40).decode()
    accepted = receivables.accept_by_id(quote.id, signature=Signature(
        email="grace@customer.example", full_name="Grace Hopper", signature_image=png))
    assert accepted.success is True
    assert receivables.get_by_id(quote.id).status == "accepted"
    assert refused(receivables.decline_by_id, quote.id) == "Cannot decline a receivable in status 'accepted'"

    [invoice] = receivables.get(based_on=quote.id).data
    assert isinstance(invoice, ReceivableResponse_Invoice)
    assert (invoice.status, invoice.based_on, invoice.based_on_document_id, invoice.total_amount) == (
        "draft", quote.id, quote.document_id, TWO_UNITS)
    # A quote carries no payment terms, so the invoice needs them before it can be issued.
    assert refused(receivables.issue_by_id, invoice.id) == "Receivable cannot be issued: missing payment_terms"
    receivables.update_by_id(invoice.id, request=UpdateInvoicePayload(invoice=UpdateInvoice(
        payment_terms_id=bill.terms_id)))
    assert receivables.issue_by_id(invoice.id).status == "issued"
    history = receivables.get_history(quote.id, event_type_in=["based_on_receivable_created"]).data
    assert [(h.event_data.receivable_id, h.event_data.type) for h in history] == [(invoice.id, "invoice")]


def test_quote_declined(bill: Billing):
    receivables = bill.client.receivables
    quote = bill.issued_quote()
    declined = receivables.decline_by_id(quote.id, comment="too expensive")
    assert declined.success is True
    after = receivables.get_by_id(quote.id)
    assert isinstance(after, ReceivableResponse_Quote)
    assert (after.status, after.comment) == ("declined", "too expensive")
    assert refused(receivables.accept_by_id, quote.id) == "Cannot accept a receivable in status 'declined'"
    assert receivables.get(based_on=quote.id).data == []
    assert status_changes(bill.client, quote.id) == [("draft", "issued"), ("issued", "declined")]


def test_credit_note_reduces_the_invoice(bill: Billing):
    receivables = bill.client.receivables
    invoice = bill.issued_invoice()
    note = receivables.create(request=ReceivableCreateBasedOnPayload(based_on=invoice.id, type="credit_note"))
    assert isinstance(note, ReceivableResponse_CreditNote)
    assert (note.status, note.based_on, note.total_amount) == ("draft", invoice.id, TWO_UNITS)  # the full remainder
    assert refused(receivables.create, request=ReceivableCreateBasedOnPayload(
        based_on=invoice.id, type="credit_note")) == "A draft credit note already exists for this invoice"

    product_id = invoice.line_items[0].product.id
    one_unit = receivables.update_by_id(note.id, request=UpdateCreditNotePayload(credit_note=UpdateCreditNote(
        line_items={product_id: UpdateProductForCreditNote(quantity=1)}, memo="one hour returned")))
    assert isinstance(one_unit, ReceivableResponse_CreditNote)
    assert (one_unit.subtotal, one_unit.total_vat_amount, one_unit.total_amount) == (PRICE, 2_280, 14_280)
    issued = receivables.issue_by_id(note.id)
    assert isinstance(issued, ReceivableResponse_CreditNote)
    assert (issued.status, issued.document_id) == ("issued", "CN-00001")

    after = receivables.get_by_id(invoice.id)
    assert isinstance(after, ReceivableResponse_Invoice)
    assert (after.status, after.total_amount, after.total_amount_with_credit_notes, after.amount_due) == (
        "issued", TWO_UNITS, TWO_UNITS - 14_280, TWO_UNITS - 14_280)
    assert after.related_documents.credit_note_ids == [note.id]
    # A second credit note can be started now, and the invoice takes payment for what is left.
    rest = receivables.create(request=ReceivableCreateBasedOnPayload(based_on=invoice.id, type="credit_note"))
    assert rest.total_amount == TWO_UNITS - 14_280
    receivables.delete_by_id(rest.id)
    paid = receivables.mark_as_paid_by_id(invoice.id)
    assert (paid.status, paid.amount_paid, paid.amount_due) == ("paid", TWO_UNITS - 14_280, 0)


def later(runtime, days: int, job) -> int:
    """Run a background job in this process as if ``days`` had passed (the server's clock is real)."""
    from remit.core import clock

    clock.move(timedelta(days=days))
    try:
        return job(runtime)
    finally:
        clock.reset()


def test_overdue_once_the_due_date_has_passed(server: Server, bill: Billing):
    from remit.config import Settings
    from remit.receivables import jobs
    from remit.runtime import build

    receivables = bill.client.receivables
    invoice = bill.issued_invoice()
    draft = bill.invoice()
    runtime = build(Settings(database_url=server.database_url, inline_worker=False))
    try:
        later(runtime, 30, jobs.mark_overdue)  # the due date itself is still on time
        assert receivables.get_by_id(invoice.id).status == "issued"
        assert later(runtime, 31, jobs.mark_overdue) >= 1  # other scenarios' invoices may be past due too
        assert later(runtime, 31, jobs.mark_overdue) == 0  # nothing is moved twice
    finally:
        runtime.db.dispose()

    overdue = receivables.get_by_id(invoice.id)
    assert isinstance(overdue, ReceivableResponse_Invoice)
    assert (overdue.status, overdue.amount_due) == ("overdue", TWO_UNITS)
    assert receivables.get_by_id(draft.id).status == "draft"
    assert [r.id for r in receivables.get(status="overdue").data] == [invoice.id]
    assert status_changes(bill.client, invoice.id) == [("draft", "issued"), ("issued", "overdue")]

    # A payment keeps it overdue; only then can it be written off.
    partly = receivables.mark_as_partially_paid_by_id(invoice.id, amount_paid=1_000)
    assert (partly.status, partly.amount_due) == ("overdue", TWO_UNITS - 1_000)
    written_off = receivables.mark_as_uncollectible_by_id(invoice.id, comment="customer vanished")
    assert isinstance(written_off, ReceivableResponse_Invoice)
    assert (written_off.status, written_off.amount_due, written_off.comment) == (
        "uncollectible", TWO_UNITS - 1_000, "customer vanished")
    assert refused(receivables.mark_as_paid_by_id, invoice.id) == (
        "Cannot mark_as_paid a receivable in status 'uncollectible'")


def test_clone_delete_verify_and_mails(bill: Billing):
    receivables = bill.client.receivables
    invoice = bill.issued_invoice()

    clone = receivables.clone_by_id(invoice.id)
    assert isinstance(clone, ReceivableResponse_Invoice)
    assert clone.id != invoice.id
    assert (clone.status, clone.document_id, clone.total_amount) == ("draft", None, invoice.total_amount)
    receivables.delete_by_id(clone.id)
    with pytest.raises(NotFoundError) as caught:
        receivables.get_by_id(clone.id)
    assert caught.value.body == {"error": {"message": f"Receivable with ID {clone.id} not found."}}
    assert [r.id for r in receivables.get(type="invoice").data] == [invoice.id]

    # Verify tells what is missing before issue; issue refuses the same.
    empty = bill.invoice(line_items=[])
    verified = receivables.verify_by_id(empty.id)
    assert verified.errors.receivable != []
    assert refused(receivables.issue_by_id, empty.id).startswith("Receivable cannot be issued: missing")
    required = receivables.get_receivables_required_fields(counterpart_id=bill.counterpart_id)
    assert required.line_item.vat_rate_id.required is True
    variables = receivables.get_variables()
    assert {v.name for group in variables.data for v in group.variables} >= {"{document_id}", "{counterpart_name}"}

    preview = receivables.preview_by_id(invoice.id, subject_text="Invoice {document_id}",
                                        body_text="Dear {counterpart_name}")
    assert (preview.subject_preview, preview.body_preview) == ("Invoice INV-00001", "Dear Customer GmbH")
    sent = receivables.send_by_id(invoice.id, subject_text="Invoice {document_id}", body_text="Please pay.",
                                  recipients=Recipients(to=["ap@customer.example"], cc=["boss@customer.example"]))
    mails = receivables.get_mails(invoice.id)
    assert [m.id for m in mails.data] == [sent.mail_id]
    mail = delivered(receivables, invoice.id, sent.mail_id)
    assert [r.email for r in mail.recipients.to] == ["ap@customer.example"]
    assert [r.email for r in mail.recipients.cc] == ["boss@customer.example"]
    [record] = receivables.get_history(invoice.id, event_type_in=["mail_sent"]).data
    assert record.event_data.mail_id == sent.mail_id

    # A draft is issued by sending it, to the counterpart's contact by default.
    draft = bill.invoice()
    receivables.send_by_id(draft.id, subject_text="Invoice", body_text="Hello")
    sent_draft = receivables.get_by_id(draft.id)
    assert (sent_draft.status, sent_draft.document_id) == ("issued", "INV-00002")
    [draft_mail] = receivables.get_mails(draft.id).data
    assert [r.email for r in draft_mail.recipients.to] == ["grace@customer.example"]
    assert delivered(receivables, draft.id, draft_mail.id).status == "sent"

    # remit offers no reminders yet, so no invoice can name one: a test reminder is refused.
    assert refused(receivables.send_test_reminder_by_id, invoice.id, reminder_type="term_1") == (
        "The invoice has no payment reminder")
    assert receivables.get_mails(invoice.id).data[0].id == sent.mail_id


def download(url: str | None) -> bytes:
    """A document's PDF through its link, as the customer's browser would fetch it."""
    assert url is not None and "/documents/" in url
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def delivered(receivables, receivable_id: str, mail_id: str, timeout: float = 30.0):
    """The mail record once the server's background delivery is done with it."""
    deadline = time.monotonic() + timeout
    while True:
        mail = receivables.get_mail_by_id(receivable_id, mail_id)
        if mail.status not in ("pending", "processing") or time.monotonic() > deadline:
            return mail
        time.sleep(0.2)


def test_invoice_pdf_carries_its_einvoice_and_is_mailed(server: Server, bill: Billing):
    """Done when: created and issued through the SDK, the invoice's pdf_link downloads a PDF that
    shows it and carries a valid EN 16931 XML whose totals match the API; send delivers it to a
    local SMTP server; the mail log shows it sent."""
    receivables = bill.client.receivables
    invoice = bill.issued_invoice(memo="Thank you for your business")
    links = receivables.get_pdf_link_by_id(invoice.id)
    assert links.file_url and links.original_file_url
    pdf = download(links.file_url)
    text = pdf_text(pdf)
    for shown in (invoice.document_id, "Customer GmbH", "Consulting hour", "€285.60", "Thank you for your business"):
        assert shown in text
    name, xml = get_facturx_xml_from_pdf(pdf, check_xsd=True)
    assert name == "factur-x.xml"
    root = etree.fromstring(xml)
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
    summation = root.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", ns)
    assert Decimal(summation.find("ram:GrandTotalAmount", ns).text) == Decimal(invoice.total_amount) / 100
    assert Decimal(summation.find("ram:TaxTotalAmount", ns).text) == Decimal(invoice.total_vat_amount) / 100
    assert Decimal(summation.find("ram:DuePayableAmount", ns).text) == Decimal(invoice.amount_due) / 100
    assert receivables.get_by_id(invoice.id).file_url == links.file_url

    preview = receivables.preview_by_id(invoice.id, subject_text="Invoice {document_id}",
                                        body_text="Please pay {amount_due} by {due_date}.")
    assert preview.subject_preview == f"Invoice {invoice.document_id}"
    assert preview.body_preview.startswith("Please pay €285.60 by ")
    sent = receivables.send_by_id(invoice.id, subject_text=preview.subject_preview, body_text=preview.body_preview)
    mail = delivered(receivables, invoice.id, sent.mail_id)
    assert mail.status == "sent"
    assert [(r.email, r.is_success, r.error) for r in mail.recipients.to] == [("grace@customer.example", True, None)]
    assert [m.id for m in receivables.get_mails(invoice.id, status="sent").data] == [sent.mail_id]
    assert server.smtp is not None
    [(_, rcpt, message)] = server.smtp.wait_for(str(sent.mail_id))
    assert rcpt == ["grace@customer.example"]
    assert message["Subject"] == f"Invoice {invoice.document_id}"
    [attached] = attachments(message)
    assert get_facturx_xml_from_pdf(attached.get_payload(decode=True), check_xsd=True)[1] == xml


def test_every_receivables_method_is_exercised():
    """The scenarios above call every SDK method of the 26 operations; a new one must be added."""
    import inspect
    from pathlib import Path

    from monite.receivables.client import ReceivablesClient

    methods = {name for name, _ in inspect.getmembers(ReceivablesClient, inspect.isfunction)
               if not name.startswith("_")}
    assert len(methods) == 26, sorted(methods)
    source = Path(__file__).read_text()
    assert [m for m in sorted(methods) if f"receivables.{m}(" not in source and f"receivables.{m}," not in source] \
        == []
