"""The console in Chromium, as an approver uses it (issue "The approver's page"): sign in through a link,
see what waits, approve and reject, and every refusal — with screenshots of each page."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from monite import (
    ActionSchema,
    BizObjectsSchemaInput,
    CounterpartAddress,
    CounterpartCreatePayload_Organization,
    CounterpartOrganizationCreatePayload,
    Monite,
    PayableActionSchema,
)
from monite.types import root_schema_input

from tests.browser.conftest import LINK_TTL_SECONDS, screenshot_dir, sign_in_link
from tests.sdk.conftest import VERSION, Server, new_login
from tests.sdk.test_receivables import make_billing

_ROOTS = {cls.model_fields["object_type"].default: cls for name, cls in vars(root_schema_input).items()
          if name.startswith("RootSchemaInput_")}


def permissions(**objects: list[str]) -> BizObjectsSchemaInput:
    """``permissions(payable=["read"])`` as the SDK's typed role document (payables have their own action type)."""
    return BizObjectsSchemaInput(objects=[
        _ROOTS[kind](actions=[(PayableActionSchema if kind == "payable" else ActionSchema)(
            action_name=action, permission="allowed") for action in actions])
        for kind, actions in objects.items()
    ])

def one_page_pdf(text: str) -> bytes:
    """A small valid PDF showing ``text`` (built by hand: no PDF library needed)."""
    stream = f"BT /F1 20 Tf 60 760 Td ({text}) Tj 0 -32 Td /F1 12 Tf (2 x Consulting   119.00 EUR) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@dataclass
class Company:
    server: Server
    token: str
    entity_id: str
    on: Monite

    def user(self, perms: BizObjectsSchemaInput) -> str:
        role = self.on.roles.create(name=f"role-{uuid.uuid4().hex[:6]}", permissions=perms)
        user = self.on.entity_users.create(login=new_login(), first_name="Erika", last_name="Mustermann",
                                           role_id=role.id)
        return str(user.id)

    def link(self, user_id: str) -> str:
        return sign_in_link(self.server, self.token, self.entity_id, user_id)

    def payable(self, document_id: str, *, supplier: str = "Nordwind Logistik GmbH", pdf: bool = False) -> str:
        counterpart = self.on.counterparts.create(request=CounterpartCreatePayload_Organization(
            organization=CounterpartOrganizationCreatePayload(
                legal_name=supplier, is_customer=False, is_vendor=True,
                address=CounterpartAddress(city="Hamburg", country="DE", line1="Kai 1", postal_code="20457"))))
        payable = self.on.payables.create(currency="EUR", document_id=document_id, issued_at="2024-05-01",
                                          due_date="2024-05-31", counterpart_id=counterpart.id)
        self.on.payables.line_items.create(payable.id, name="Consulting", quantity=2, unit_price=50_00, tax=1900)
        if pdf:
            response = httpx.post(f"{self.server.base_url}/payables/{payable.id}/attach_file", headers=self.api,
                                  files={"file": (f"{document_id}.pdf", one_page_pdf(f"Invoice {document_id}"),
                                                  "application/pdf")}, timeout=10)
            assert response.status_code in (200, 201), response.text
        return str(payable.id)

    def submit(self, payable_id: str) -> None:
        self.on.payables.submit_for_approval_by_id(payable_id)

    def status(self, payable_id: str) -> str:
        return str(self.on.payables.get_by_id(payable_id).status)

    @property
    def site(self) -> str:
        return self.server.base_url.removesuffix("/v1")

    @property
    def api(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}", "x-monite-entity-id": self.entity_id,
                "x-monite-version": VERSION}


@pytest.fixture(scope="module")
def company(console_server: Server) -> Company:
    anonymous = console_server.client()
    token = anonymous.access_tokens.create(client_id=console_server.client_id,
                                           client_secret=console_server.client_secret,
                                           grant_type="client_credentials").access_token
    partner = console_server.client(token=token)
    entity = partner.entities.create(
        type="organization", email="ap@acme.example",
        address={"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"},
        organization={"legal_name": "Acme GmbH"},
    )
    on = console_server.client(token=token, entity_id=entity.id)
    return Company(console_server, token, str(entity.id), on)


@pytest.fixture(scope="module")
def approver(company: Company) -> str:
    """A user every policy of this module asks (one policy takes every submitted payable)."""
    user_id = company.user(permissions(approval_request=["read", "update"], payable=["read"],
                                       approval_policy=["read"]))
    company.on.approval_policies.create(
        name="Bills need Erika's approval",
        script=[{"if": {"all": [{"call": "ApprovalRequests.request_approval_by_users",
                                 "params": {"user_ids": [user_id], "required_approval_count": 1}}]},
                 "then": ["{Payables.approve(invoice.id)}"], "else": ["{Payables.reject(invoice.id)}"]}],
    )
    return user_id


def shot(page: Any, name: str, *, full_page: bool = True) -> None:
    page.screenshot(path=str(screenshot_dir() / f"console-{name}.png"), full_page=full_page)


def csrf_of(page: Any) -> str:
    token: str = page.locator("input[name=csrf_token]").first.get_attribute("value")
    return token


def test_sign_in_see_waiting_and_approve(company: Company, approver: str, context: Any) -> None:
    payable_id = company.payable(f"INV-{uuid.uuid4().hex[:4].upper()}", pdf=True)
    company.payable("INV-SECOND", supplier="Kaffeerösterei Hansa")
    company.submit(payable_id)
    page = context.new_page()
    page.goto(company.link(approver))
    assert page.url.endswith("/console/")
    assert page.locator("html").get_attribute("lang") == "en"
    card = page.locator(".card").filter(has_text="Nordwind Logistik GmbH")
    assert card.count() == 1
    assert "119,00" in card.inner_text() and "Bills need Erika's approval" in card.inner_text()
    card.locator("summary", has_text="Line items").click()
    assert "Consulting" in card.inner_text()
    shot(page, "waiting")

    # Keyboard: on a fresh page the first Tab reaches the skip link; the Approve button takes focus and Enter.
    page.reload()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    approve = card.get_by_role("button", name="Approve")
    approve.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/console/payables/{payable_id}?done=approve")
    assert "You approved this bill." in page.locator("[role=status]").inner_text()
    assert company.status(payable_id) == "waiting_to_be_paid"
    page.locator("iframe.pdf").wait_for()
    page.wait_for_timeout(500)  # let the PDF viewer paint
    shot(page, "payable")

    page.goto(f"{company.site}/console/payables")
    shot(page, "payables")
    assert page.locator("table.list tbody tr").count() >= 2
    shot(page, "payables")
    page.get_by_role("link", name="Approved, to pay").click()
    assert page.locator("table.list tbody tr").count() == 1
    # This approver may not read invoices: the menu does not offer them.
    assert page.get_by_role("link", name="Invoices").count() == 0


def test_invoices_for_whoever_may_read_them(company: Company, context: Any) -> None:
    billing = make_billing(company.server.client(token=company.token), SimpleNamespace(id=company.entity_id),
                           company.on)
    issued = billing.issued_invoice()
    billing.invoice()  # and a draft
    clerk = company.user(permissions(receivable=["read"], payable=["read"]))
    page = context.new_page()
    page.goto(company.link(clerk))
    page.get_by_role("link", name="Invoices").click()
    page.wait_for_url("**/console/invoices")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 2
    assert issued.document_id is not None and issued.document_id in rows.first.inner_text() + rows.last.inner_text()
    assert "Customer GmbH" in rows.first.inner_text()
    shot(page, "invoices")


def test_reject_with_a_comment(company: Company, approver: str, context: Any) -> None:
    payable_id = company.payable("INV-REJECT", supplier="Druckerei Blau")
    company.submit(payable_id)
    page = context.new_page()
    page.goto(company.link(approver))
    card = page.locator(".card").filter(has_text="Druckerei Blau")
    card.locator("summary", has_text="Reject").click()
    card.get_by_label("Comment (optional)").fill("The VAT rate is wrong")
    shot(page, "reject")
    card.get_by_role("button", name="Reject", exact=True).click()
    page.wait_for_url(f"**/console/payables/{payable_id}?done=reject")
    assert company.status(payable_id) == "rejected"
    assert "The VAT rate is wrong" in page.locator(".comments").inner_text()


def test_without_permission_no_button_and_forged_post_refused(company: Company, approver: str,
                                                              context: Any) -> None:
    payable_id = company.payable("INV-FORGED")
    company.submit(payable_id)
    reader = company.user(permissions(approval_request=["read"], payable=["read"]))
    page = context.new_page()
    page.goto(company.link(reader))
    assert "Nothing is waiting for your decision." in page.inner_text("main")
    page.goto(f"{company.site}/console/payables/{payable_id}")
    assert page.get_by_role("button", name="Approve").count() == 0
    assert page.get_by_role("button", name="Reject").count() == 0
    requests = company.on.approval_requests.get(object_id=payable_id).data
    forged = page.request.post(f"{company.site}/console/payables/{payable_id}/approve",
                               form={"csrf_token": csrf_of(page), "request_id": str(requests[0].id)})
    assert forged.status == 403
    assert company.status(payable_id) == "approve_in_progress"


def test_csrf_without_token_refused(company: Company, approver: str, context: Any) -> None:
    payable_id = company.payable("INV-CSRF")
    company.submit(payable_id)
    page = context.new_page()
    page.goto(company.link(approver))
    request_id = page.locator("input[name=request_id]").first.get_attribute("value")
    response = page.request.post(f"{company.site}/console/payables/{payable_id}/approve", form={"request_id": request_id})
    assert response.status == 403
    assert company.status(payable_id) == "approve_in_progress"


def test_reused_and_expired_links_refused(company: Company, approver: str, context: Any) -> None:
    link = company.link(approver)
    page = context.new_page()
    assert page.goto(link).status == 200
    other = context.browser.new_context()
    try:
        reused = other.new_page()
        response = reused.goto(link)
        assert response.status == 403
        assert "expired or was already used" in reused.inner_text("main")
        shot(reused, "link-refused")
        stale = company.link(approver)
        time.sleep(LINK_TTL_SECONDS + 1)
        assert reused.goto(stale).status == 403
        assert reused.goto(f"{company.site}/console/").status == 401
        assert "Erika" not in reused.inner_text("body")
    finally:
        other.close()


def test_german_and_phone(company: Company, approver: str, browser: Any) -> None:
    payable_id = company.payable("INV-HANDY", supplier="Bäckerei Süd")
    company.submit(payable_id)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE", device_scale_factor=2,
                                is_mobile=True, has_touch=True)
    try:
        page = phone.new_page()
        page.goto(company.link(approver))
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.get_by_role("heading", name="Wartet auf mich").count() == 1
        assert page.get_by_role("button", name="Genehmigen").count() >= 1
        # Nothing overflows sideways on a phone.
        assert page.evaluate("document.documentElement.scrollWidth <= 390")
        shot(page, "waiting-de-phone")
        page.get_by_role("link", name="Bäckerei Süd").click()
        assert page.get_by_role("heading", name="Positionen").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth <= 390")
        shot(page, "payable-de-phone")
    finally:
        phone.close()
