"""The approver's console (docs/console.md) over HTTP: sign-in links, sessions, CSRF, and decisions
that change the payable exactly as the API's own operations do."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from remit.app import create_app
from remit.console import views
from remit.core import clock
from remit.entities.users.models import EntityUser
from tests.fixtures.app import make_settings
from tests.fixtures.approvals import submitted_with_process
from tests.fixtures.masterdata import event_actions, new_partner
from tests.fixtures.payables import get_payable, new_payable, status_changes
from tests.fixtures.receivables import billing_on

DECIDERS = {"approval_request": ["read", "update"], "payable": ["read"]}
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


@pytest.fixture
async def browser(app) -> AsyncIterator[httpx.AsyncClient]:
    """A browser: no API headers, keeps its cookies."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as c:
        yield c


async def link_for(client, on, user_id) -> dict:
    response = await client.post("/console/links", json={"entity_user_id": str(user_id)}, headers=on)
    assert response.status_code == 201, response.text
    return response.json()


async def sign_in(client, browser, on, user_id) -> str:
    """Sign in through a fresh link; the CSRF token of the first page."""
    link = await link_for(client, on, user_id)
    response = await browser.get(link["url"])
    assert (response.status_code, response.headers["location"]) == (303, "/console/")
    page = await browser.get("/console/")
    assert page.status_code == 200, page.text
    return CSRF.search(page.text).group(1)


class TestLinks:
    async def test_unauthenticated(self, client, entity, admin):
        response = await client.post("/console/links", json={"entity_user_id": admin.id},
                                     headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_entity_user_tokens_are_refused(self, client, admin):
        response = await client.post("/console/links", json={"entity_user_id": admin.id}, headers=admin.auth)
        assert response.status_code == 403

    async def test_entity_header_required(self, client, partner, admin):
        response = await client.post("/console/links", json={"entity_user_id": admin.id}, headers=partner.auth)
        assert response.status_code == 422

    @pytest.mark.parametrize("who", ["unknown", "other entity", "deleted", "inactive"])
    async def test_only_active_users_of_the_entity(self, client, partner, entity, other_entity, on, db, who):
        if who == "unknown":
            user_id = str(uuid.uuid4())
        elif who == "other entity":
            user_id = (await partner.user_with(other_entity["id"], **DECIDERS)).id
        else:
            user_id = (await partner.user_with(entity["id"], **DECIDERS)).id
            if who == "deleted":
                assert (await client.delete(f"/entity_users/{user_id}", headers=on)).status_code == 204
            else:
                with db.transaction() as session:
                    session.get_one(EntityUser, uuid.UUID(user_id)).status = "inactive"
        response = await client.post("/console/links", json={"entity_user_id": user_id}, headers=on)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "entity_user_id"]

    async def test_created(self, client, partner, entity, on):
        user = await partner.user_with(entity["id"], **DECIDERS)
        before = clock.now()
        body = await link_for(client, on, user.id)
        assert set(body) == {"url", "expires_at"}
        assert body["url"].startswith("http://127.0.0.1:8000/console/sign-in/")
        expires = body["expires_at"]
        from datetime import datetime

        delta = datetime.fromisoformat(expires) - before
        assert timedelta(seconds=895) < delta < timedelta(seconds=905)

    async def test_listed_as_an_extension(self, client):
        document = (await client.get("/openapi.json")).json()
        operation = document["paths"]["/v1/console/links"]["post"]
        assert "remit extensions" in operation["tags"]
        assert not any(path.startswith("/console") for path in document["paths"])


class TestSignIn:
    async def test_once(self, client, partner, entity, on, browser):
        user = await partner.user_with(entity["id"], **DECIDERS)
        link = await link_for(client, on, user.id)
        first = await browser.get(link["url"])
        assert (first.status_code, first.headers["location"]) == (303, "/console/")
        cookie = first.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/console" in cookie
        assert (await browser.get("/console/")).status_code == 200
        async with httpx.AsyncClient(transport=browser._transport, base_url=str(browser.base_url)) as other:
            again = await other.get(link["url"])
            assert again.status_code == 403
            assert "set-cookie" not in again.headers or "remit_console=\"\"" in again.headers["set-cookie"]
            assert (await other.get("/console/")).status_code == 401

    async def test_expired(self, client, partner, entity, on, browser):
        user = await partner.user_with(entity["id"], **DECIDERS)
        link = await link_for(client, on, user.id)
        clock.move(timedelta(minutes=16))
        try:
            response = await browser.get(link["url"])
        finally:
            clock.reset()
        assert response.status_code == 403
        assert (await browser.get("/console/")).status_code == 401

    async def test_unknown_link(self, browser):
        assert (await browser.get("/console/sign-in/not-a-link")).status_code == 403

    async def test_no_session_shows_no_data(self, browser):
        response = await browser.get("/console/")
        assert response.status_code == 401
        assert "Sign-in link expired or missing" in response.text
        assert "Waiting for me" not in response.text

    async def test_forged_cookie(self, browser):
        browser.cookies.set("remit_console", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl", path="/console")
        assert (await browser.get("/console/payables")).status_code == 401

    async def test_session_expires(self, client, partner, entity, on, browser):
        user = await partner.user_with(entity["id"], **DECIDERS)
        await sign_in(client, browser, on, user.id)
        clock.move(timedelta(hours=9))
        try:
            assert (await browser.get("/console/")).status_code == 401
        finally:
            clock.reset()

    @pytest.mark.parametrize("how", ["deleted", "deactivated"])
    async def test_revoked_with_the_user(self, client, partner, entity, on, browser, db, how):
        user = await partner.user_with(entity["id"], **DECIDERS)
        await sign_in(client, browser, on, user.id)
        if how == "deleted":
            assert (await client.delete(f"/entity_users/{user.id}", headers=on)).status_code == 204
        else:
            with db.transaction() as session:
                session.get_one(EntityUser, uuid.UUID(user.id)).status = "inactive"
        assert (await browser.get("/console/")).status_code == 401

    async def test_sign_out_revokes_the_session(self, client, partner, entity, on, browser):
        user = await partner.user_with(entity["id"], **DECIDERS)
        csrf = await sign_in(client, browser, on, user.id)
        cookie = browser.cookies.get("remit_console")
        assert (await browser.post("/console/sign-out", data={})).status_code == 403  # CSRF here too
        response = await browser.post("/console/sign-out", data={"csrf_token": csrf})
        assert response.status_code == 200
        browser.cookies.set("remit_console", cookie, path="/console")  # a copy kept elsewhere
        assert (await browser.get("/console/")).status_code == 401


class TestDecisions:
    async def test_waiting_for_me_then_approve(self, client, partner, entity, other_entity, on, browser, db):
        made = await submitted_with_process(partner, entity["id"])
        csrf = await sign_in(client, browser, on, made["approver"].id)
        page = (await browser.get("/console/")).text
        payable_id, request_id = made["payable"]["id"], made["request"]["id"]
        assert made["policy"]["name"] in page and "INV-00042" in page and "119,00\xa0€" in page and "Widget" in page
        assert f'value="{request_id}"' in page

        response = await browser.post(f"/console/payables/{payable_id}/approve",
                                      data={"csrf_token": csrf, "request_id": request_id})
        assert (response.status_code, response.headers["location"]) == (
            303, f"/console/payables/{payable_id}?done=approve")
        assert (await get_payable(client, on, payable_id))["status"] == "waiting_to_be_paid"
        assert event_actions(db, request_id)[-1] == "approval_request.approved"

        # The same decision through the API leaves the same trace.
        other = await submitted_with_process(partner, other_entity["id"])
        api = await client.post(f"/approval_requests/{other['request']['id']}/approve", headers=other["approver"].auth)
        assert api.status_code == 200
        assert await status_changes(client, on, payable_id) == await status_changes(
            client, partner.on(other_entity["id"]), other["payable"]["id"])
        assert [a for a in event_actions(db, payable_id)] == [a for a in event_actions(db, other["payable"]["id"])]
        assert "Nothing is waiting for your decision." in (await browser.get("/console/")).text

        # Deciding again (someone else's click, a second tab) answers with a message, not an error page.
        again = await browser.post(f"/console/payables/{payable_id}/approve",
                                   data={"csrf_token": csrf, "request_id": request_id})
        assert (again.status_code, again.headers["location"]) == (303, f"/console/payables/{payable_id}?done=conflict")
        shown = await browser.get(again.headers["location"])
        assert shown.status_code == 200 and "Someone else already decided" in shown.text

    async def test_reject_with_a_comment(self, client, partner, entity, on, browser):
        made = await submitted_with_process(partner, entity["id"])
        csrf = await sign_in(client, browser, on, made["approver"].id)
        payable_id = made["payable"]["id"]
        response = await browser.post(f"/console/payables/{payable_id}/reject", data={
            "csrf_token": csrf, "request_id": made["request"]["id"], "comment": "Wrong <b>VAT</b> rate"})
        assert response.status_code == 303
        assert (await get_payable(client, on, payable_id))["status"] == "rejected"
        page = (await browser.get(f"/console/payables/{payable_id}")).text
        assert "Wrong &lt;b&gt;VAT&lt;/b&gt; rate" in page

    @pytest.mark.parametrize("problem", ["missing", "wrong", "foreign origin"])
    async def test_csrf(self, client, partner, entity, on, browser, problem):
        made = await submitted_with_process(partner, entity["id"])
        csrf = await sign_in(client, browser, on, made["approver"].id)
        data = {"request_id": made["request"]["id"]}
        headers = {}
        if problem == "wrong":
            data["csrf_token"] = "0" * 64
        elif problem == "foreign origin":
            data["csrf_token"] = csrf
            headers["origin"] = "https://evil.example"
        response = await browser.post(f"/console/payables/{made['payable']['id']}/approve", data=data,
                                      headers=headers)
        assert response.status_code == 403
        assert (await get_payable(client, on, made["payable"]["id"]))["status"] == "approve_in_progress"

    async def test_csrf_token_is_per_session(self, client, partner, entity, on, browser, app):
        made = await submitted_with_process(partner, entity["id"])
        await sign_in(client, browser, on, made["approver"].id)
        bystander = await partner.user_with(entity["id"], **DECIDERS)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as b2:
            other_csrf = await sign_in(client, b2, on, bystander.id)
        response = await browser.post(f"/console/payables/{made['payable']['id']}/approve",
                                      data={"csrf_token": other_csrf, "request_id": made["request"]["id"]})
        assert response.status_code == 403

    async def test_without_permission_no_button_and_forged_post_refused(self, client, partner, entity, on, browser):
        made = await submitted_with_process(partner, entity["id"])
        reader = await partner.user_with(entity["id"], approval_request=["read"], payable=["read"])
        csrf = await sign_in(client, browser, on, reader.id)
        payable_id = made["payable"]["id"]
        page = (await browser.get(f"/console/payables/{payable_id}")).text
        assert "Approve" not in page and "Reject" not in page
        assert "Nothing is waiting" in (await browser.get("/console/")).text
        for action in ("approve", "reject", "cancel", "mark_as_paid"):
            response = await browser.post(f"/console/payables/{payable_id}/{action}",
                                          data={"csrf_token": csrf, "request_id": made["request"]["id"]})
            assert response.status_code == 403, action
            response = await browser.post(f"/console/payables/{payable_id}/{action}", data={"csrf_token": csrf})
            assert response.status_code in (403, 409), action
        assert (await get_payable(client, on, payable_id))["status"] == "approve_in_progress"

    async def test_not_eligible_user_cannot_decide_someone_elses_request(self, client, partner, entity, on, browser):
        made = await submitted_with_process(partner, entity["id"])
        stranger = await partner.user_with(entity["id"], **DECIDERS)
        csrf = await sign_in(client, browser, on, stranger.id)
        response = await browser.post(f"/console/payables/{made['payable']['id']}/approve",
                                      data={"csrf_token": csrf, "request_id": made["request"]["id"]})
        assert response.status_code == 403
        assert "not allowed to act on this approval request" in response.text

    async def test_a_refusal_speaks_the_readers_language(self, client, partner, entity, on, browser):
        """The sentence in German, the service's own (English) message beneath it, marked as English."""
        made = await submitted_with_process(partner, entity["id"])
        stranger = await partner.user_with(entity["id"], **DECIDERS)
        csrf = await sign_in(client, browser, on, stranger.id)
        response = await browser.post(f"/console/payables/{made['payable']['id']}/approve",
                                      data={"csrf_token": csrf, "request_id": made["request"]["id"]},
                                      headers={"accept-language": "de-DE,de;q=0.9"})
        assert response.status_code == 403
        assert '<html lang="de"' in response.text
        assert "Dazu sind Sie nicht berechtigt." in response.text
        assert "You are not allowed to do this." not in response.text
        detail = response.text.split('<span lang="en">', 1)[1].split("</span>", 1)[0]
        assert "not allowed to act on this approval request" in detail
        missing = await browser.get(f"/console/payables/{uuid.uuid4()}", headers={"accept-language": "de"})
        assert missing.status_code == 404
        assert "Das wurde nicht gefunden, oder Sie dürfen es nicht sehen." in missing.text

    async def test_other_entitys_payable_is_not_found(self, client, partner, entity, other_entity, browser):
        theirs = await new_payable(client, partner.on(other_entity["id"]))
        user = await partner.user_with(entity["id"], payable=["read", "approve"])
        csrf = await sign_in(client, browser, partner.on(entity["id"]), user.id)
        assert (await browser.get(f"/console/payables/{theirs['id']}")).status_code == 404
        response = await browser.post(f"/console/payables/{theirs['id']}/approve", data={"csrf_token": csrf})
        assert response.status_code == 404

    async def test_manual_moves_follow_the_role(self, client, partner, entity, on, browser):
        payable = await new_payable(client, on)
        clerk = await partner.user_with(entity["id"], payable=["read", "cancel"])
        csrf = await sign_in(client, browser, on, clerk.id)
        page = (await browser.get(f"/console/payables/{payable['id']}")).text
        assert "Cancel bill" in page and "Mark as paid" not in page and "Reopen" not in page
        assert ">Approve<" not in page
        response = await browser.post(f"/console/payables/{payable['id']}/cancel", data={"csrf_token": csrf})
        assert response.status_code == 303
        assert (await get_payable(client, on, payable["id"]))["status"] == "canceled"

    async def test_mark_as_paid_with_a_note(self, client, partner, entity, on, browser):
        payable = await new_payable(client, on)
        assert (await client.post(f"/payables/{payable['id']}/approve_payment_operation", headers=on)).status_code == 200
        payer = await partner.user_with(entity["id"], payable=["read", "pay"])
        csrf = await sign_in(client, browser, on, payer.id)
        response = await browser.post(f"/console/payables/{payable['id']}/mark_as_paid",
                                      data={"csrf_token": csrf, "comment": "Paid by bank transfer"})
        assert response.status_code == 303
        paid = await get_payable(client, on, payable["id"])
        assert (paid["status"], paid["marked_as_paid_with_comment"], paid["marked_as_paid_by_entity_user_id"]) == (
            "paid", "Paid by bank transfer", payer.id)


class TestPages:
    async def test_payables_list_filters_and_pages(self, client, partner, entity, on, browser, monkeypatch):
        monkeypatch.setattr(views, "PAGE_SIZE", 2)
        ids = [(await new_payable(client, on, document_id=f"DOC-{i}"))["id"] for i in range(3)]
        await client.post(f"/payables/{ids[0]}/cancel", headers=on)
        reader = await partner.user_with(entity["id"], payable=["read"])
        await sign_in(client, browser, on, reader.id)
        first = (await browser.get("/console/payables")).text
        assert "DOC-2" in first and "DOC-1" in first and "DOC-0" not in first
        cursor = re.search(r'href="/console/payables\?cursor=([^"]+)" rel="next"', first).group(1)
        second = (await browser.get(f"/console/payables?cursor={cursor}")).text
        assert "DOC-0" in second and "DOC-2" not in second
        canceled = (await browser.get("/console/payables?status=canceled")).text
        assert "DOC-0" in canceled and "DOC-1" not in canceled

    async def test_reading_needs_the_permission(self, client, partner, entity, on, browser):
        nobody = await partner.user_with(entity["id"], approval_request=["read"])
        await sign_in(client, browser, on, nobody.id)
        response = await browser.get("/console/payables")
        assert response.status_code == 403

    async def test_pdf_inline(self, client, partner, entity, on, browser):
        payable = await new_payable(client, on)
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        response = await client.post(f"/payables/{payable['id']}/attach_file", headers=on,
                                     files={"file": ("bill.pdf", pdf, "application/pdf")})
        assert response.status_code in (200, 201), response.text
        reader = await partner.user_with(entity["id"], payable=["read"])
        await sign_in(client, browser, on, reader.id)
        page = (await browser.get(f"/console/payables/{payable['id']}")).text
        assert f'src="/console/payables/{payable["id"]}/file"' in page
        file = await browser.get(f"/console/payables/{payable['id']}/file")
        assert (file.status_code, file.headers["content-type"], file.content) == (200, "application/pdf", pdf)

    async def test_invoices_read_only(self, client, partner, entity, on, browser):
        setup = await billing_on(partner, entity["id"])
        issued = await setup.issued()
        await setup.create(setup.invoice())  # a draft
        reader = await partner.user_with(entity["id"], receivable=["read"], payable=["read"])
        await sign_in(client, browser, on, reader.id)
        page = await browser.get("/console/invoices")
        assert page.status_code == 200 and "Customer GmbH" in page.text and 'method="post"' not in page.text.split(
            "<main")[1]
        only_issued = (await browser.get("/console/invoices?status=issued")).text
        assert only_issued.count('href="/console/invoices/') == 1
        detail = await browser.get(f"/console/invoices/{issued['id']}")
        assert detail.status_code == 200 and issued["document_id"] in detail.text
        assert 'method="post"' not in detail.text.split("<main")[1]
        assert (await browser.get(f"/console/invoices/{uuid.uuid4()}")).status_code == 404

    async def test_invoices_need_the_permission(self, client, partner, entity, on, browser):
        setup = await billing_on(partner, entity["id"])
        issued = await setup.issued()
        reader = await partner.user_with(entity["id"], payable=["read"])
        await sign_in(client, browser, on, reader.id)
        assert (await browser.get("/console/invoices")).status_code == 403
        assert (await browser.get(f"/console/invoices/{issued['id']}")).status_code == 403

    async def test_german(self, client, partner, entity, on, browser):
        made = await submitted_with_process(partner, entity["id"])
        await sign_in(client, browser, on, made["approver"].id)
        page = (await browser.get("/console/", headers={"accept-language": "de-DE,de;q=0.9"})).text
        assert '<html lang="de">' in page and "Wartet auf mich" in page and "Genehmigen" in page
        response = await browser.get("/console/language/de", params={"back": "/console/payables"})
        assert (response.status_code, response.headers["location"]) == (303, "/console/payables")
        assert "Wartet auf mich" in (await browser.get("/console/")).text
        for elsewhere in ("https://evil.example/", "//evil.example/console/", "/v1/payables"):
            response = await browser.get("/console/language/en", params={"back": elsewhere})
            assert response.headers["location"] == "/console/"

    async def test_pages_send_security_headers(self, client, partner, entity, on, browser):
        user = await partner.user_with(entity["id"], **DECIDERS)
        await sign_in(client, browser, on, user.id)
        response = await browser.get("/console/")
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        assert '<html lang="en">' in response.text
        css = await browser.get("/console/static/console.css")
        assert css.status_code == 200 and "text/css" in css.headers["content-type"]


async def test_console_off(database_url, db):
    app = create_app(make_settings(database_url, console=False), database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit.test") as c:
        assert (await c.get("/console/")).status_code == 404
        response = await c.post("/v1/console/links", json={}, headers={"x-monite-version": "2024-05-25"})
        assert response.status_code == 404
