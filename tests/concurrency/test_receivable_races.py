"""Receivables raced on a real two-worker server: issuing many drafts of one entity at once, and
conflicting transitions on one document.

* Numbering: 200 draft invoices of one entity issued by 16 concurrent clients get exactly
  INV-00001..INV-00200: no duplicate, no gap, each invoice one ``status_changed`` row and one
  ``receivable.issued`` event.
* Conflicts: 16 requests released together on one document; exactly one changes its status, the
  others are refused with Monite's error body. The winner wrote one ``status_changed`` history row
  and one event of its transition; the losers wrote nothing. Who loses learns why:
  - 16 × ``mark_as_paid``: 15 × 409, the invoice is ``paid``.
  - 8 × ``issue`` against 8 × ``DELETE`` of a draft: if an issue wins, the others get 409; if a
    delete wins, the document is gone and every other request gets 404, as any request for a
    deleted document does (the payables' delete races answer the same way).
  - 8 × ``cancel`` against 8 × ``mark_as_partially_paid`` (the same amount) of an issued invoice:
    if a cancel wins, 15 × 409; if a payment wins, the cancels get 409 (an invoice with payments
    cannot be canceled) and the other payments 400 — they carry the same cumulative amount, which
    is then no payment at all, and an amount out of bounds is a 400, whatever the status.
  - 8 × ``accept`` against 8 × ``decline`` of an issued quote: 15 × 409; an invoice is made from
    the quote only when an accept won.
  - two draft credit notes of one invoice, 8 issues each, whose totals together pass what the
    invoice still asks: one is issued, and every request for the other gets 409. The API keeps one
    draft credit note per invoice, so the test makes the second while the first is set aside in the
    database, then puts the first back: the state a lost race of that rule would leave.
  - 8 edits of a draft credit note's lines against 8 issues of it: one issue wins, the edits before
    it count, those after it get 409 (and none deadlocks: every write locks the invoice first).
* Documents made from others, and sending: 16 credit notes of one invoice asked for at once make
  one draft (15 × 409); accepting a quote while invoices are created from it makes one invoice;
  sends racing issues of a draft issue it once, and every send records its mail.

Never a 500, never "database is locked", no traceback in the server's log.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from remit.events.models import Event
from remit.receivables.models import Receivable, ReceivableHistory
from tests.concurrency.conftest import CLIENTS, Outcome, Remit, Server
from tests.fixtures.receivables import Billing, billing_on

ROUNDS = 3
DRAFTS = 200
HALF = CLIENTS // 2
TWO_UNITS = 28_560  # the default invoice: 2 × 120.00 at 19 %


def conflict(message: str) -> dict[str, Any]:
    return {"error": {"message": message}}


# -- set-up and reading the tables ----------------------------------------------------------


@dataclass
class _Partner:
    """What ``billing_on`` needs of a partner: its HTTP client and token."""

    client: httpx.AsyncClient
    auth: dict[str, str]

    def on(self, entity_id: Any) -> dict[str, str]:
        return {**self.auth, "x-monite-entity-id": str(entity_id)}


async def new_billing(remit: Remit) -> Billing:
    """A fresh entity ready to bill: its number sequences start at 1."""
    partner = _Partner(remit.http, {"authorization": remit.headers["authorization"]})
    response = await remit.http.post("/entities", headers=partner.auth, json={
        "type": "organization", "email": "receivables@race.example",
        "address": {"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"},
        "organization": {"legal_name": "Acme GmbH"},
    })
    assert response.status_code == 201, response.text
    return await billing_on(partner, response.json()["id"])


@pytest.fixture(scope="module")
async def bill(remit: Remit) -> Billing:
    return await new_billing(remit)


def status_changes(remit: Remit, receivable_id: str) -> list[tuple[str, str]]:
    """The document's ``status_changed`` history rows, oldest first."""
    rid = uuid.UUID(receivable_id)
    with remit.engine.connect() as conn:
        rows = conn.scalars(
            select(ReceivableHistory.event_data)
            .where(ReceivableHistory.receivable_id == rid, ReceivableHistory.event_type == "status_changed")
            .order_by(ReceivableHistory.timestamp, ReceivableHistory.id)
        ).all()
    return [(row["old_status"], row["new_status"]) for row in rows]


def events(remit: Remit, receivable_id: str) -> Counter[str]:
    rid = uuid.UUID(receivable_id)
    with remit.engine.connect() as conn:
        return Counter(conn.scalars(select(Event.action).where(Event.object_id == rid)))


def history_rows(remit: Remit, receivable_id: str) -> Counter[str]:
    rid = uuid.UUID(receivable_id)
    with remit.engine.connect() as conn:
        return Counter(dict(conn.execute(
            select(ReceivableHistory.event_type, func.count())
            .where(ReceivableHistory.receivable_id == rid).group_by(ReceivableHistory.event_type)
        ).all()))


def assert_sane(outcomes: list[Outcome], server: Server, *, monite_bodies: bool = True) -> None:
    """No server failure in the responses or the log; every refusal in Monite's error body (unless
    ``monite_bodies`` is off: a race that mixes in routes with another envelope checks those itself)."""
    assert not [o for o in outcomes if o.status >= 500], [o.text for o in outcomes if o.status >= 500]
    assert not [o for o in outcomes if "locked" in o.text.lower()]
    for o in outcomes:
        if monite_bodies and o.status >= 400:
            assert isinstance(o.body, dict) and set(o.body) == {"error"}, o.text
            assert isinstance(o.body["error"].get("message"), str), o.text
    assert server.new_log_alarms() == []


def winners(sent: list[tuple[str, str, Any]], outcomes: list[Outcome]) -> list[tuple[tuple[str, str, Any], Outcome]]:
    return [(request, o) for request, o in zip(sent, outcomes, strict=True) if o.status < 300]


def action_of(request: tuple[str, str, Any]) -> str:
    method, path, _ = request
    return "delete" if method == "DELETE" else path.rsplit("/", 1)[-1]


# -- numbering ------------------------------------------------------------------------------


async def test_issuing_200_drafts_at_once_numbers_them_without_gaps(remit: Remit, server: Server) -> None:
    bill = await new_billing(remit)
    drafts = [(await bill.create(bill.invoice()))["id"] for _ in range(DRAFTS)]
    warm = await asyncio.gather(*(remit.racers.get("/docs") for _ in range(CLIENTS)))
    assert all(r.status_code == 200 for r in warm)

    queue = list(reversed(drafts))
    start = asyncio.Event()
    ready = 0

    async def client() -> list[Outcome]:
        nonlocal ready
        ready += 1
        if ready == CLIENTS:
            start.set()
        await start.wait()
        outcomes = []
        while queue:
            receivable_id = queue.pop()
            response = await remit.racers.post(f"/receivables/{receivable_id}/issue", headers=bill.on)
            outcomes.append(Outcome(response.status_code, response.json(), response.text))
        return outcomes

    outcomes = [o for batch in await asyncio.gather(*(client() for _ in range(CLIENTS))) for o in batch]
    assert_sane(outcomes, server)
    assert Counter(o.status for o in outcomes) == {200: DRAFTS}
    assert sorted(o.body["id"] for o in outcomes) == sorted(drafts)
    numbers = [o.body["document_id"] for o in outcomes]
    assert sorted(numbers) == [f"INV-{n:05d}" for n in range(1, DRAFTS + 1)]

    entity_id = uuid.UUID(bill.on["x-monite-entity-id"])
    with remit.engine.connect() as conn:
        stored = dict(conn.execute(select(Receivable.id, Receivable.document_id)
                                   .where(Receivable.entity_id == entity_id)).all())
        issued_rows = conn.scalar(select(func.count()).select_from(ReceivableHistory).where(
            ReceivableHistory.entity_id == entity_id, ReceivableHistory.event_type == "status_changed"))
        issued_events = conn.scalar(select(func.count()).select_from(Event).where(
            Event.entity_id == entity_id, Event.action == "receivable.issued"))
    assert {str(k): v for k, v in stored.items()} == {o.body["id"]: o.body["document_id"] for o in outcomes}
    assert (issued_rows, issued_events) == (DRAFTS, DRAFTS)
    for receivable_id in drafts[:: DRAFTS // 10]:  # spot checks of the rows of single documents
        assert status_changes(remit, receivable_id) == [("draft", "issued")]
        assert events(remit, receivable_id) == {"receivable.created": 1, "receivable.issued": 1}
    after = await remit.ok("GET", f"/entities/{entity_id}/settings/next_document_numbers", headers=bill.on)
    assert after["invoice"] == DRAFTS + 1


# -- conflicting transitions ----------------------------------------------------------------


async def test_mark_as_paid_16_times(remit: Remit, server: Server, bill: Billing) -> None:
    for _ in range(ROUNDS):
        invoice = await bill.issued()
        rid = invoice["id"]
        sent = [("POST", f"/receivables/{rid}/mark_as_paid", {"comment": f"race {i}"}) for i in range(CLIENTS)]
        outcomes = await remit.race(sent, headers=bill.on)
        assert_sane(outcomes, server)

        assert Counter(o.status for o in outcomes) == {200: 1, 409: CLIENTS - 1}
        [(_, winner)] = winners(sent, outcomes)
        assert (winner.body["status"], winner.body["amount_paid"], winner.body["amount_due"]) == ("paid", TWO_UNITS, 0)
        refusal = conflict("Cannot mark_as_paid a receivable in status 'paid'")
        assert all(o.body == refusal for o in outcomes if o.status == 409)
        assert status_changes(remit, rid) == [("draft", "issued"), ("issued", "paid")]
        assert events(remit, rid)["receivable.paid"] == 1
        assert history_rows(remit, rid)["payment_received"] == 1
        current = await bill.get(rid)
        assert (current["status"], current["comment"]) == ("paid", winner.body["comment"])


async def test_issue_against_delete_of_a_draft(remit: Remit, server: Server, bill: Billing) -> None:
    seen = set()
    for _ in range(ROUNDS):
        draft = await bill.create(bill.invoice())
        rid = draft["id"]
        sent = [("POST", f"/receivables/{rid}/issue", None), ("DELETE", f"/receivables/{rid}", None)] * HALF
        outcomes = await remit.race(sent, headers=bill.on)
        assert_sane(outcomes, server)

        [(request, winner)] = winners(sent, outcomes)
        won = action_of(request)
        seen.add(won)
        losers = [(action_of(r), o) for r, o in zip(sent, outcomes, strict=True) if o is not winner]
        if won == "issue":
            assert winner.status == 200 and winner.body["status"] == "issued"
            assert all(o.status == 409 for _, o in losers), Counter(o.status for o in outcomes)
            assert all(o.body == conflict("Receivable is not in draft status") for a, o in losers if a == "issue")
            assert all(o.body == conflict("Only draft receivables can be deleted") for a, o in losers if a == "delete")
            assert status_changes(remit, rid) == [("draft", "issued")]
            assert (await bill.get(rid))["status"] == "issued"
        else:
            assert winner.status == 204
            gone = conflict(f"Receivable with ID {rid} not found.")
            assert all((o.status, o.body) == (404, gone) for _, o in losers), Counter(o.status for o in outcomes)
            assert status_changes(remit, rid) == [("draft", "deleted")]
            assert (await remit.http.get(f"/receivables/{rid}", headers=bill.on)).status_code == 404
        counted = events(remit, rid)
        assert (counted["receivable.issued"], counted["receivable.deleted"]) == (
            (1, 0) if won == "issue" else (0, 1))
    print(f"issue against delete, winners seen: {sorted(seen)}")


async def test_cancel_against_partial_payment(remit: Remit, server: Server, bill: Billing) -> None:
    seen = set()
    for _ in range(ROUNDS):
        invoice = await bill.issued()
        rid = invoice["id"]
        sent = [("POST", f"/receivables/{rid}/cancel", None),
                ("POST", f"/receivables/{rid}/mark_as_partially_paid", {"amount_paid": 10_000})] * HALF
        outcomes = await remit.race(sent, headers=bill.on)
        assert_sane(outcomes, server)

        [(request, winner)] = winners(sent, outcomes)
        won = action_of(request)
        seen.add(won)
        losers = [(action_of(r), o) for r, o in zip(sent, outcomes, strict=True) if o is not winner]
        counted = events(remit, rid)
        notes = (await remit.ok("GET", "/receivables", headers=bill.on, params={"based_on": rid}))["data"]
        current = await bill.get(rid)
        if won == "cancel":
            assert winner.status == 204
            assert all((o.status, o.body) == (409, conflict(f"Cannot {a} a receivable in status 'canceled'"))
                       for a, o in losers), [o.text for _, o in losers]
            assert status_changes(remit, rid) == [("draft", "issued"), ("issued", "canceled")]
            assert (counted["receivable.canceled"], counted["receivable.partially_paid"]) == (1, 0)
            assert history_rows(remit, rid)["payment_received"] == 0
            # the credit note the cancel issued, and only that one
            assert [(n["type"], n["status"], n["total_amount"]) for n in notes] == [
                ("credit_note", "issued", TWO_UNITS)]
            assert status_changes(remit, notes[0]["id"]) == [("draft", "issued")]
            assert (current["status"], current["amount_due"], current["amount_paid"]) == ("canceled", 0, 0)
        else:
            assert winner.status == 200 and winner.body["status"] == "partially_paid"
            cancels = [o for a, o in losers if a == "cancel"]
            payments = [o for a, o in losers if a == "mark_as_partially_paid"]
            assert all((o.status, o.body) == (409, conflict("Cannot cancel a receivable in status 'partially_paid'"))
                       for o in cancels), [o.text for o in cancels]
            assert all(o.status == 400 for o in payments), [o.text for o in payments]
            assert status_changes(remit, rid) == [("draft", "issued"), ("issued", "partially_paid")]
            assert (counted["receivable.canceled"], counted["receivable.partially_paid"]) == (0, 1)
            assert history_rows(remit, rid)["payment_received"] == 1
            assert notes == []
            assert (current["status"], current["amount_paid"]) == ("partially_paid", 10_000)
    print(f"cancel against partial payment, winners seen: {sorted(seen)}")


async def test_accept_against_decline_of_a_quote(remit: Remit, server: Server, bill: Billing) -> None:
    seen = set()
    for _ in range(ROUNDS):
        quote = await bill.create(bill.quote())
        rid = quote["id"]
        assert (await bill.act(rid, "issue")).status_code == 200
        sent = [("POST", f"/receivables/{rid}/accept", None),
                ("POST", f"/receivables/{rid}/decline", {"comment": "no"})] * HALF
        outcomes = await remit.race(sent, headers=bill.on)
        assert_sane(outcomes, server)

        [(request, winner)] = winners(sent, outcomes)
        won = action_of(request)
        seen.add(won)
        assert (winner.status, winner.body) == (200, {"success": True})
        target = {"accept": "accepted", "decline": "declined"}[won]
        assert all((o.status, o.body) == (409, conflict(f"Cannot {action_of(r)} a receivable in status '{target}'"))
                   for r, o in zip(sent, outcomes, strict=True) if o is not winner), [o.text for o in outcomes]
        assert status_changes(remit, rid) == [("draft", "issued"), ("issued", target)]
        counted = events(remit, rid)
        assert (counted["receivable.accepted"], counted["receivable.declined"]) == (
            (1, 0) if won == "accept" else (0, 1))
        invoices = (await remit.ok("GET", "/receivables", headers=bill.on, params={"based_on": rid}))["data"]
        assert len(invoices) == (1 if won == "accept" else 0)
        assert history_rows(remit, rid)["based_on_receivable_created"] == len(invoices)
        assert (await bill.get(rid))["status"] == target
    print(f"accept against decline, winners seen: {sorted(seen)}")


@contextlib.contextmanager
def set_aside(remit: Remit, receivable_id: str):
    """The draft counts as deleted meanwhile (so the API lets another draft credit note be made)."""
    rid = uuid.UUID(receivable_id)
    with remit.engine.begin() as conn:
        assert conn.execute(update(Receivable).where(Receivable.id == rid, Receivable.status == "draft")
                            .values(status="deleted")).rowcount == 1
    try:
        yield
    finally:
        with remit.engine.begin() as conn:
            conn.execute(update(Receivable).where(Receivable.id == rid).values(status="draft"))


async def two_drafts(remit: Remit, bill: Billing, invoice: dict[str, Any],
                     lines: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Two draft credit notes of ``invoice``; ``lines``: the credit-note line map of both (None: each
    keeps its default content, everything not yet credited)."""
    notes: list[dict[str, Any]] = []
    for _ in range(2):
        with set_aside(remit, notes[0]["id"]) if notes else contextlib.nullcontext():
            note = await bill.create({"type": "credit_note", "based_on": invoice["id"]})
            if lines is not None:
                response = await bill.client.patch(f"/receivables/{note['id']}", headers=bill.on,
                                                   json={"credit_note": {"line_items": lines}})
                assert response.status_code == 200, response.text
                note = response.json()
        notes.append(note)
    return notes


@pytest.mark.parametrize("kind", ["price_reductions", "full_remainders"])
async def test_two_credit_notes_that_together_pass_the_amount_due(remit: Remit, server: Server, bill: Billing,
                                                                  kind: str) -> None:
    for _ in range(ROUNDS):
        invoice = await bill.issued()
        rid = invoice["id"]
        product_id = invoice["line_items"][0]["product"]["id"]
        # 2 × 70.00 off at 19 % = 166.60 each, or each the whole 285.60: either way two pass the 285.60 due
        lines = {product_id: {"quantity": 2, "price_diff": 7_000}} if kind == "price_reductions" else None
        first, second = await two_drafts(remit, bill, invoice, lines)
        each = 16_660 if kind == "price_reductions" else TWO_UNITS
        assert first["total_amount"] == second["total_amount"] == each
        sent = [("POST", f"/receivables/{first['id']}/issue", None),
                ("POST", f"/receivables/{second['id']}/issue", None)] * HALF
        outcomes = await remit.race(sent, headers=bill.on)
        assert_sane(outcomes, server)

        [(request, winner)] = winners(sent, outcomes)
        assert winner.status == 200 and winner.body["status"] == "issued"
        issued_id = winner.body["id"]
        other_id = second["id"] if issued_id == first["id"] else first["id"]
        for r, o in zip(sent, outcomes, strict=True):
            if o is winner:
                continue
            assert o.status == 409, o.text
            if other_id in r[1]:  # the credit note that could no longer fit
                expected = ("The credit note exceeds the amount due on the invoice" if kind == "price_reductions"
                            else "Cannot issue a credit note for a receivable in status 'canceled'")
            else:
                expected = "Receivable is not in draft status"
            assert o.body == conflict(expected), o.text

        assert status_changes(remit, issued_id) == [("draft", "issued")]
        assert status_changes(remit, other_id) == []
        assert events(remit, issued_id)["receivable.issued"] == 1
        assert events(remit, other_id)["receivable.issued"] == 0
        current = await bill.get(rid)
        assert current["related_documents"]["credit_note_ids"] == [issued_id]
        assert current["total_amount_with_credit_notes"] == TWO_UNITS - each
        assert current["amount_due"] == TWO_UNITS - each
        if kind == "price_reductions":
            assert current["status"] == "issued" and status_changes(remit, rid) == [("draft", "issued")]
        else:
            assert current["status"] == "canceled"
            assert status_changes(remit, rid) == [("draft", "issued"), ("issued", "canceled")]
            assert events(remit, rid)["receivable.canceled"] == 1
        assert (await bill.get(other_id))["status"] == "draft"


async def test_editing_a_draft_credit_note_against_issuing_it(remit: Remit, server: Server, bill: Billing) -> None:
    """8 edits of a draft credit note's lines (which read its invoice) against 8 issues of it (which
    lock the invoice first): every write takes the invoice before the credit note, so none waits on
    the other in a circle (on PostgreSQL that ended one of them in a deadlock error, a 500). One issue
    wins; edits before it succeed, those after it are refused with 409, and the issued note credits
    what the last edit before it left."""
    for _ in range(ROUNDS):
        invoice = await bill.issued()
        product_id = invoice["line_items"][0]["product"]["id"]
        note = await bill.create({"type": "credit_note", "based_on": invoice["id"]})
        edit = {"credit_note": {"line_items": {product_id: {"quantity": 1}}}}
        sent = [("PATCH", f"/receivables/{note['id']}", edit), ("POST", f"/receivables/{note['id']}/issue", None)] * HALF
        outcomes = await remit.race(sent, headers=bill.on)
        assert_sane(outcomes, server)

        issues = [o for r, o in zip(sent, outcomes, strict=True) if r[0] == "POST"]
        edits = [o for r, o in zip(sent, outcomes, strict=True) if r[0] == "PATCH"]
        assert Counter(o.status for o in issues) == {200: 1, 409: HALF - 1}
        assert {o.status for o in edits} <= {200, 409}
        assert status_changes(remit, note["id"]) == [("draft", "issued")]
        assert events(remit, note["id"])["receivable.issued"] == 1
        # The note credits the whole invoice as made, or one of its two units once an edit came first.
        credited = TWO_UNITS // 2 if any(o.status == 200 for o in edits) else TWO_UNITS
        issued = await bill.get(note["id"])
        assert issued["status"] == "issued" and issued["total_amount"] == credited
        assert (await bill.get(invoice["id"]))["amount_due"] == TWO_UNITS - credited


# -- documents made from others, and sending ------------------------------------------------


async def test_one_draft_credit_note_however_many_ask(remit: Remit, server: Server, bill: Billing) -> None:
    """16 credit notes of one invoice asked for at once: one draft is made, the others are told it exists."""
    for _ in range(ROUNDS):
        invoice = await bill.issued()
        sent = [("POST", "/receivables", {"type": "credit_note", "based_on": invoice["id"]})] * CLIENTS
        outcomes = await remit.race(sent, headers=bill.on)
        assert_sane(outcomes, server)

        assert Counter(o.status for o in outcomes) == {201: 1, 409: CLIENTS - 1}
        exists = conflict("A draft credit note already exists for this invoice")
        assert all(o.body == exists for o in outcomes if o.status == 409)
        notes = (await remit.ok("GET", "/receivables", headers=bill.on, params={"based_on": invoice["id"]}))["data"]
        assert [(n["id"], n["status"]) for n in notes] == [(o.body["id"], "draft") for o in outcomes if o.status == 201]
        assert history_rows(remit, invoice["id"])["based_on_receivable_created"] == 1


async def test_accept_against_invoice_based_on_the_quote(remit: Remit, server: Server, bill: Billing) -> None:
    """Accepting a quote and creating an invoice from it, at once: one invoice, whichever comes first."""
    for _ in range(ROUNDS):
        quote = await bill.create(bill.quote())
        rid = quote["id"]
        assert (await bill.act(rid, "issue")).status_code == 200
        sent = [("POST", f"/receivables/{rid}/accept", None),
                ("POST", "/receivables", {"type": "invoice", "based_on": rid})] * HALF
        outcomes = await remit.race(sent, headers=bill.on)
        assert_sane(outcomes, server)

        accepts = [o for r, o in zip(sent, outcomes, strict=True) if action_of(r) == "accept"]
        creates = [o for r, o in zip(sent, outcomes, strict=True) if action_of(r) != "accept"]
        assert Counter(o.status for o in accepts) == {200: 1, 409: HALF - 1}, [o.text for o in accepts]
        assert all(o.body == conflict("Cannot accept a receivable in status 'accepted'")
                   for o in accepts if o.status == 409)
        made = [o for o in creates if o.status == 201]
        assert len(made) <= 1, [o.text for o in creates]
        assert all(o.body == conflict("An invoice based on this quote already exists")
                   for o in creates if o.status != 201), [o.text for o in creates]
        invoices = (await remit.ok("GET", "/receivables", headers=bill.on, params={"based_on": rid}))["data"]
        assert len(invoices) == 1
        if made:
            assert invoices[0]["id"] == made[0].body["id"]
        assert status_changes(remit, rid) == [("draft", "issued"), ("issued", "accepted")]
        assert history_rows(remit, rid)["based_on_receivable_created"] == 1
        assert events(remit, invoices[0]["id"])["receivable.created"] == 1


async def test_send_against_issue_of_a_draft(remit: Remit, server: Server, bill: Billing) -> None:
    """Sending issues a draft first: with issues racing, the draft is issued once, and every send that
    got through recorded its mail."""
    for _ in range(ROUNDS):
        draft = await bill.create(bill.invoice())
        rid = draft["id"]
        sent = [("POST", f"/receivables/{rid}/issue", None),
                ("POST", f"/receivables/{rid}/send", {"subject_text": "Invoice", "body_text": "Hello"})] * HALF
        outcomes = await remit.race(sent, headers=bill.on)
        assert_sane(outcomes, server)

        issues = [o for r, o in zip(sent, outcomes, strict=True) if action_of(r) == "issue"]
        sends = [o for r, o in zip(sent, outcomes, strict=True) if action_of(r) == "send"]
        assert {o.status for o in sends} == {200}, [o.text for o in sends]  # an issued invoice can be sent
        assert Counter(o.status for o in issues) in ({200: 1, 409: HALF - 1}, {409: HALF}), [o.text for o in issues]
        assert all(o.body == conflict("Receivable is not in draft status") for o in issues if o.status == 409)
        assert status_changes(remit, rid) == [("draft", "issued")]
        counted = events(remit, rid)
        assert (counted["receivable.issued"], counted["receivable.mail_sent"]) == (1, HALF)
        mails = (await remit.ok("GET", f"/receivables/{rid}/mails", headers=bill.on))["data"]
        assert sorted(m["id"] for m in mails) == sorted(o.body["mail_id"] for o in sends)
        current = await bill.get(rid)
        assert current["status"] == "issued" and current["document_id"].startswith("INV-")
