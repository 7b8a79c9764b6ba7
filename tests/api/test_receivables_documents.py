"""Receivable PDFs (docs/documents.md): what a rendered document shows, its embedded EN 16931
e-invoice (read back, checked against the XSD, totals equal to the API's), and the signed,
expiring links that serve it.

Rendering costs tens of milliseconds per document, so each document here is rendered once per
module and its bytes shared by the tests that read it."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from facturx import get_facturx_xml_from_pdf, xml_check_xsd
from lxml import etree
from pypdf import PdfReader

from remit.core import clock
from tests.fixtures.bank_accounts import create_bank_account
from tests.fixtures.masterdata import new_partner
from tests.fixtures.receivables import Billing, billing

NS = {"rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
      "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture(scope="module")
async def bill(partner) -> Billing:
    return await billing(partner)


async def links(bill: Billing, receivable_id: str) -> dict[str, str]:
    response = await bill.client.get(f"/receivables/{receivable_id}/pdf_link", headers=bill.on)
    assert response.status_code == 200, response.text
    return response.json()


async def fetch(bill: Billing, url: str):
    """GET ``url`` with neither a bearer token nor the version header: the link is the credential."""
    request = bill.client.build_request("GET", url)
    del request.headers["x-monite-version"]
    return await bill.client.send(request)


async def download(bill: Billing, url: str) -> bytes:
    response = await fetch(bill, url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    return response.content


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def xml_of(pdf: bytes) -> etree._Element:
    name, xml = get_facturx_xml_from_pdf(pdf, check_xsd=False)
    assert name == "factur-x.xml"
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")  # raises when it does not validate
    return etree.fromstring(xml)


def amount(root: etree._Element, tag: str) -> Decimal:
    return Decimal(root.find(f".//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:{tag}", NS).text)


def major(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-{"EUR": 2, "JPY": 0}[currency])


def assert_totals(root: etree._Element, document: dict[str, Any]) -> None:
    currency = document["currency"]
    assert root.find(".//ram:InvoiceCurrencyCode", NS).text == currency
    assert amount(root, "GrandTotalAmount") == major(document["total_amount"], currency)
    assert amount(root, "TaxTotalAmount") == major(document["total_vat_amount"], currency)
    assert amount(root, "TaxBasisTotalAmount") == major(document["total_amount"] - document["total_vat_amount"],
                                                        currency)
    assert amount(root, "LineTotalAmount") == major(sum(line["total_before_vat"] for line in document["line_items"]),
                                                    currency)
    if document["type"] == "invoice":
        assert amount(root, "DuePayableAmount") == major(document["amount_due"], currency)
    breakdown = {Decimal(tax.find("ram:RateApplicablePercent", NS).text): Decimal(tax.find("ram:CalculatedAmount", NS).text)
                 for tax in root.findall(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)}
    assert breakdown == {Decimal(group["value"]) / 100: major(group["amount"], currency)
                         for group in document["total_vat_amounts"]}


@pytest.fixture(scope="module")
async def issued(bill: Billing) -> tuple[dict[str, Any], bytes]:
    """An issued EUR invoice with two VAT rates and a discount, and its PDF."""
    payload = bill.invoice(line_items=[bill.line(3), bill.inline_line(1999, 2, rate=700),
                                       bill.inline_line(333, 7, rate=700)],
                           discount={"type": "percentage", "amount": 500}, memo="Thank you for your order.")
    document = await bill.issued(payload)
    return document, await download(bill, (await links(bill, document["id"]))["file_url"])


class TestRenderedInvoice:
    async def test_shows_number_parties_lines_and_totals(self, bill, issued):
        document, pdf = issued
        text = text_of(pdf)
        for shown in (document["document_id"], "Customer GmbH", bill.entity["organization"]["legal_name"],
                      "Consulting hour", "Item 1999", "Thank you for your order.", "Invoice"):
            assert shown in text
        total = f"€{Decimal(document['total_amount']) / 100:,.2f}"
        assert total in text, (total, text)
        assert "DRAFT" not in text

    async def test_is_pdf_a_3b_with_embedded_en16931_xml(self, issued):
        document, pdf = issued
        metadata = PdfReader(io.BytesIO(pdf)).xmp_metadata
        assert metadata is not None
        xmp = metadata.stream.get_data().decode()
        assert "<pdfaid:part>3</pdfaid:part>" in xmp or 'pdfaid:part="3"' in xmp
        assert "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in xmp
        root = xml_of(pdf)
        assert root.find(".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", NS).text == "urn:cen.eu:en16931:2017"
        assert root.find("rsm:ExchangedDocument/ram:ID", NS).text == document["document_id"]
        assert root.find("rsm:ExchangedDocument/ram:TypeCode", NS).text == "380"

    async def test_xml_totals_equal_the_api_with_several_rates(self, issued):
        document, pdf = issued
        assert len(document["total_vat_amounts"]) == 2
        assert document["discounted_subtotal"] < document["subtotal"]
        assert_totals(xml_of(pdf), document)

    async def test_xml_parties_bank_and_terms(self, bill, issued):
        document, pdf = issued
        root = xml_of(pdf)
        seller = root.find(".//ram:SellerTradeParty", NS)
        assert seller.find("ram:Name", NS).text == bill.entity["organization"]["legal_name"]
        assert root.find(".//ram:BuyerTradeParty/ram:Name", NS).text == "Customer GmbH"
        assert root.find(".//ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID", NS).text
        assert root.find(".//ram:PayeePartyCreditorFinancialAccount/ram:IBANID", NS).text == bill.account["iban"]
        assert root.find(".//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime", NS) is not None
        assert len(root.findall(".//ram:IncludedSupplyChainTradeLineItem", NS)) == 3

    async def test_same_revision_is_the_same_file_a_change_a_new_one(self, bill, issued, db):
        from sqlalchemy import func, select

        from remit.receivables.models import ReceivableDocument

        document, pdf = issued
        again = await download(bill, (await links(bill, document["id"]))["file_url"])
        assert again == pdf
        with db.transaction() as session:
            count = session.scalar(select(func.count()).select_from(ReceivableDocument).where(
                ReceivableDocument.receivable_id == uuid.UUID(document["id"])))
        assert count == 1


async def test_jpy_invoice_totals(bill):
    await create_bank_account(bill.client, bill.on, currency="JPY")
    lines = [{"product": {"name": "Tea", "price": {"currency": "JPY", "value": 1234}}, "quantity": 3,
              "vat_rate_id": bill.rates[1900]},
             {"product": {"name": "Cup", "price": {"currency": "JPY", "value": 999}}, "quantity": 1,
              "vat_rate_id": bill.rates[700]}]
    created = await bill.create(bill.invoice(currency="JPY", line_items=lines))
    response = await bill.act(created["id"], "issue")
    assert response.status_code == 200, response.text
    document = response.json()
    pdf = await download(bill, (await links(bill, document["id"]))["original_file_url"])
    assert_totals(xml_of(pdf), document)
    assert "¥" in text_of(pdf)


async def test_credit_note_embeds_a_381(bill, issued):
    invoice, _ = issued
    response = await bill.client.post("/receivables", headers=bill.on, json={
        "type": "credit_note", "based_on": invoice["id"]})
    assert response.status_code == 201, response.text
    note = response.json()
    response = await bill.act(note["id"], "issue")
    assert response.status_code == 200, response.text
    note = response.json()
    pdf = await download(bill, (await links(bill, note["id"]))["file_url"])
    root = xml_of(pdf)
    assert root.find("rsm:ExchangedDocument/ram:TypeCode", NS).text == "381"
    assert_totals(root, note)


async def test_draft_is_marked_and_carries_no_einvoice(bill):
    draft = await bill.create(bill.invoice())
    pdf = await download(bill, (await links(bill, draft["id"]))["file_url"])
    assert "DRAFT" in text_of(pdf)
    assert not any(get_facturx_xml_from_pdf(pdf, check_xsd=False))


async def test_hostile_text_is_inert(bill):
    hostile = ('<img src="http://169.254.169.254/latest"><script>alert(1)</script>{{ 7*7 }}{% raw %}'
               '<link rel=stylesheet href="file:///etc/passwd">')
    draft = await bill.create(bill.invoice(memo=hostile, footer="{{ config }}"))
    text = text_of(await download(bill, (await links(bill, draft["id"]))["file_url"]))
    assert "{{ 7*7 }}" in text and "<script>alert(1)</script>" in text and "{{ config }}" in text
    assert "49" not in text


async def test_paid_invoice_shows_paid_amount_when_the_setting_is_on(bill, partner):
    response = await bill.client.patch(f"/entities/{bill.entity['id']}/settings", headers=partner.auth,
                                       json={"generate_paid_invoice_pdf": True})
    assert response.status_code == 200, response.text
    try:
        invoice = await bill.issued()
        response = await bill.act(invoice["id"], "mark_as_paid", {})
        assert response.status_code == 200, response.text
        text = text_of(await download(bill, (await links(bill, invoice["id"]))["file_url"]))
        assert "PAID" in text and "Amount paid" in text
    finally:
        await bill.client.patch(f"/entities/{bill.entity['id']}/settings", headers=partner.auth,
                                json={"generate_paid_invoice_pdf": False})


async def test_entity_language_and_counterpart_language(bill, partner):
    invoice = await bill.issued()
    urls = await links(bill, invoice["id"])
    assert urls["file_url"] != urls["original_file_url"] or invoice["file_language"] == invoice["original_file_language"]
    assert urls["file_url"].startswith("http") and "/documents/" in urls["file_url"]
    detail = await bill.get(invoice["id"])
    assert detail["file_url"] == urls["file_url"] and detail["original_file_url"] == urls["original_file_url"]


class TestLinks:
    async def test_tampered_link_is_403_and_tells_nothing(self, bill, issued):
        document, _ = issued
        url = (await links(bill, document["id"]))["file_url"]
        head, token, name = url.rsplit("/", 2)
        payload, signature = token.split(".")
        for bad in (f"{payload}.{signature[:-2]}AA", f"{payload[:-2]}AA.{signature}", "x", "x.y", payload):
            response = await fetch(bill, f"{head}/{bad}/{name}")
            assert response.status_code == 403, (bad, response.text)
            assert response.json() == {"error": {"message": "The link is not valid, or no longer valid."}}

    async def test_expired_link_is_403(self, bill, issued):
        document, _ = issued
        url = (await links(bill, document["id"]))["file_url"]
        try:
            clock.move(timedelta(days=7, minutes=-1))
            assert (await fetch(bill, url)).status_code == 200  # still within the TTL
            clock.reset()
            clock.move(timedelta(days=8, minutes=1))
            response = await fetch(bill, url)
        finally:
            clock.reset()
        assert response.status_code == 403
        assert response.json() == {"error": {"message": "The link is not valid, or no longer valid."}}

    async def test_deleted_document_is_404(self, bill):
        draft = await bill.create(bill.invoice())
        url = (await links(bill, draft["id"]))["file_url"]
        assert (await bill.client.delete(f"/receivables/{draft['id']}", headers=bill.on)).status_code == 204
        response = await fetch(bill, url)
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Document not found"}}

    async def test_another_entitys_document_is_404(self, bill, partner):
        other = await billing(partner)
        draft = await other.create(other.invoice())
        response = await bill.client.get(f"/receivables/{draft['id']}/pdf_link", headers=bill.on)
        assert response.status_code == 404


async def test_the_runner_renders_new_revisions_ahead(bill, app, db):
    import asyncio

    from sqlalchemy import select, update

    from remit.core import clock
    from remit.receivables.documents.jobs import Prerenderer
    from remit.receivables.models import Receivable, ReceivableDocument

    def stored(receivable_id: str) -> list[str]:
        with db.transaction() as session:
            return list(session.scalars(select(ReceivableDocument.revision).where(
                ReceivableDocument.receivable_id == uuid.UUID(receivable_id))))

    # Documents of earlier tests in this database were changed long ago: the job, which takes the
    # oldest changes first in batches, then has only this test's to do.
    with db.transaction() as session:
        session.execute(update(Receivable).where(Receivable.updated_at >= clock.now() - timedelta(days=1))
                        .values(updated_at=clock.now() - timedelta(days=2)))
    job = Prerenderer()
    draft = await bill.create(bill.invoice())
    assert stored(draft["id"]) == []
    assert await asyncio.to_thread(job.run, app.state.runtime) >= 1
    [draft_revision] = stored(draft["id"])
    issued = await bill.act(draft["id"], "issue")
    assert issued.status_code == 200
    await asyncio.to_thread(job.run, app.state.runtime)
    revisions = stored(draft["id"])
    assert len(revisions) == 2 and draft_revision in revisions
    assert await asyncio.to_thread(job.run, app.state.runtime) == 0  # nothing new: nothing rendered
    pdf = await download(bill, (await links(bill, draft["id"]))["file_url"])  # the stored one
    assert len(stored(draft["id"])) == 2
    assert_totals(xml_of(pdf), await bill.get(draft["id"]))


def tiny_png() -> bytes:
    """A 4×4 red PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


async def test_logo_from_remits_own_files_is_shown_others_are_not_fetched(bill):
    upload = await bill.client.post("/payables/upload_from_file", headers=bill.on,
                                    files={"file": ("logo.png", tiny_png(), "image/png")})
    assert upload.status_code == 201, upload.text
    logo = upload.json()["file"]["url"]
    own = await bill.create(bill.invoice(entity={"logo": logo}))
    elsewhere = await bill.create(bill.invoice(entity={"logo": "http://169.254.169.254/logo.png"}))

    def images(pdf: bytes) -> int:
        return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)

    assert images(await download(bill, (await links(bill, own["id"]))["file_url"])) == 1
    assert images(await download(bill, (await links(bill, elsewhere["id"]))["file_url"])) == 0


async def test_quote_and_german_captions(bill, partner):
    quote = await bill.create(bill.quote(expiry_date="2027-01-31"))
    response = await bill.act(quote["id"], "issue")
    assert response.status_code == 200, response.text
    text = text_of(await download(bill, (await links(bill, quote["id"]))["file_url"]))
    assert "Quote" in text and "Valid until" in text and "Jan 31, 2027" in text
    pdf = await download(bill, (await links(bill, quote["id"]))["file_url"])
    assert not any(get_facturx_xml_from_pdf(pdf, check_xsd=False))  # quotes carry no e-invoice
    from remit.receivables.documents.view import build

    german = build(await bill.get(quote["id"]), language="de", settings={}, logo=None)
    assert german.data["title"] == "Angebot" and german.data["expiry_date"] == "31.01.2027"
    assert german.data["total"] == "285,60\xa0€"


@pytest.mark.parametrize("overrides", [
    {"vat_exempt": True, "vat_exemption_rationale": "Small business (UStG 19)"},
    {"vat_mode": "inclusive"},
    {"discount": {"type": "amount", "amount": 777}},
], ids=["vat_exempt", "vat_inclusive", "amount_discount"])
async def test_xml_totals_in_other_vat_set_ups(bill, overrides):
    payload = bill.invoice(line_items=[bill.line(3), bill.inline_line(1999, 2, rate=700)], **overrides)
    created = await bill.create(payload)
    response = await bill.act(created["id"], "issue")
    assert response.status_code == 200, response.text
    document = response.json()
    root = xml_of(await download(bill, (await links(bill, document["id"]))["file_url"]))
    assert_totals(root, document)
