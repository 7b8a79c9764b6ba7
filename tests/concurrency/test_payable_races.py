"""16 clients race every payable action on a real two-worker server (docs/payables.md, "Race safety").

Each race takes a fresh payable in a source status of the action, fires 16 identical requests
at once over 16 warmed-up connections spread over two ``remit serve`` worker processes, and
checks what a user can see afterwards. Every race is repeated ``ROUNDS`` times.

What "exactly one wins" means per action:

* ``cancel``, ``submit_for_approval``, ``approve_payment_operation``, ``reject``, ``reopen``,
  ``mark_as_paid`` — the target status is not a source of the same action, so exactly one
  request gets 200 and the 15 others 409 ``{"error": {"message": "Payable couldn't be updated
  due to current state"}}``. The winner wrote one ``status_changed`` history row and one event;
  the losers wrote nothing.
* ``DELETE`` — exactly one 204. The payable is then gone, and every endpoint answers 404 for it
  afterwards (docs/payables.md, "Deleting"), so the 15 losers get **404** ``Payable with ID … not found.``
  (not 409: the lifecycle engine's re-read tells "gone" from "moved on"). A deletion writes no
  history row and one ``payable.deleted`` event.
* ``mark_as_partially_paid`` — ``partially_paid`` is itself a source of the action (the value is
  cumulative and may be corrected by a later call: docs/payables.md, "Notes on the transitions"), so
  16 concurrent partial payments on a ``waiting_to_be_paid`` payable do not conflict with each
  other: they serialise on the row lock and **all 16 succeed** (200). What must happen exactly once
  is the status change ``waiting_to_be_paid → partially_paid``: exactly one history row has that
  ``old_status``, the 15 others record ``partially_paid → partially_paid``. Every call writes one
  history row and one ``payable.partially_paid`` event (16 + 16). No update is lost: each 200 body
  echoes its own ``amount_paid``, and the payable keeps the amount of the request that committed
  last (the one with the greatest ``updated_at``).
* mixed — ``cancel``, ``submit_for_approval`` and ``approve_payment_operation`` on one ``new``
  payable at once: exactly one of the 16 wins, whichever it is; and 8 ``DELETE`` against 8
  ``submit_for_approval``: one wins, and the 15 losers get 404 if the DELETE won, 409 otherwise.

Never a 500, never "database is locked" (in a body or in the server log).
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime

import httpx
import pytest

from tests.concurrency.conftest import CLIENTS, Outcome, Remit, Server, cpu_ticks

ROUNDS = 3
STATE_CONFLICT = {"error": {"message": "Payable couldn't be updated due to current state"}}

# (action, source status, target status)
SINGLE_WINNER = [
    ("cancel", "new", "canceled"),
    ("cancel", "draft", "canceled"),
    ("submit_for_approval", "new", "approve_in_progress"),
    ("approve_payment_operation", "new", "waiting_to_be_paid"),
    ("approve_payment_operation", "approve_in_progress", "waiting_to_be_paid"),
    ("reject", "approve_in_progress", "rejected"),
    ("reopen", "rejected", "new"),
    ("reopen", "waiting_to_be_paid", "new"),
    ("mark_as_paid", "waiting_to_be_paid", "paid"),
    ("mark_as_paid", "partially_paid", "paid"),
]
EVENT_OF = {
    "cancel": "payable.canceled",
    "submit_for_approval": "payable.submitted_for_approval",
    "approve_payment_operation": "payable.approved",
    "reject": "payable.rejected",
    "reopen": "payable.reopened",
    "mark_as_paid": "payable.paid",
    "mark_as_partially_paid": "payable.partially_paid",
}


def assert_sane(outcomes: list[Outcome], server: Server) -> None:
    """No server failure, in the responses or in the server's log."""
    assert not [o for o in outcomes if o.status >= 500], [o.text for o in outcomes if o.status >= 500]
    assert not [o for o in outcomes if "locked" in o.text.lower()]
    for o in outcomes:
        if o.status >= 400:
            assert isinstance(o.body, dict) and isinstance(o.body.get("error", {}).get("message"), str), o.text
    assert server.new_log_alarms() == []


def body_for(action: str, index: int = 0) -> dict | None:
    return {"comment": f"race {index}"} if action == "mark_as_paid" else None


@pytest.mark.parametrize(("action", "source", "target"), SINGLE_WINNER, ids=lambda v: v)
async def test_one_winner(remit: Remit, server: Server, action: str, source: str, target: str) -> None:
    for _ in range(ROUNDS):
        payable = await remit.payable_in(source)
        pid = payable["id"]
        history_before, events_before = remit.counts(pid)
        outcomes = await remit.race(
            [("POST", f"/payables/{pid}/{action}", body_for(action, i)) for i in range(CLIENTS)],
            headers=remit.headers_for(payable),
        )
        assert_sane(outcomes, server)

        codes = Counter(o.status for o in outcomes)
        assert codes == {200: 1, 409: CLIENTS - 1}, codes
        winner = next(o for o in outcomes if o.status == 200)
        assert winner.body["id"] == pid and winner.body["status"] == target
        assert all(o.body == STATE_CONFLICT for o in outcomes if o.status == 409)

        history_after, events_after = remit.counts(pid)
        assert history_after - history_before == 1
        assert events_after - events_before == 1
        last = remit.history(pid)[-1]
        assert last["event_type"] == "status_changed"
        assert last["event_data"] == {"old_status": source, "new_status": target}
        assert remit.event_actions(pid)[-1] == EVENT_OF[action]
        current = await remit.ok("GET", f"/payables/{pid}", headers=remit.headers_for(payable))
        assert current["status"] == target
        if action == "mark_as_paid":
            assert current["amount_paid"] == 100_000 and current["amount_due"] == 0
            assert current["marked_as_paid_with_comment"] == winner.body["marked_as_paid_with_comment"]


@pytest.mark.parametrize("source", ["new", "draft", "canceled"])
async def test_delete_one_winner(remit: Remit, server: Server, source: str) -> None:
    for _ in range(ROUNDS):
        payable = await remit.payable_in(source)
        pid = payable["id"]
        headers = remit.headers_for(payable)
        history_before, events_before = remit.counts(pid)
        outcomes = await remit.race([("DELETE", f"/payables/{pid}", None)] * CLIENTS, headers=headers)
        assert_sane(outcomes, server)

        codes = Counter(o.status for o in outcomes)
        assert codes == {204: 1, 404: CLIENTS - 1}, codes
        gone = {"error": {"message": f"Payable with ID {pid} not found."}}
        assert all(o.body == gone for o in outcomes if o.status == 404)
        history_after, events_after = remit.counts(pid)
        assert history_after == history_before  # no history for a deleted payable (docs/payables.md, "Deleting")
        assert events_after - events_before == 1
        assert remit.event_actions(pid)[-1] == "payable.deleted"
        response = await remit.http.get(f"/payables/{pid}", headers=headers)
        assert response.status_code == 404


async def test_partial_payments_change_status_once(remit: Remit, server: Server) -> None:
    for _ in range(ROUNDS):
        payable = await remit.payable_in("waiting_to_be_paid")
        pid = payable["id"]
        history_before, events_before = remit.counts(pid)
        amounts = [1_000 + 100 * i for i in range(CLIENTS)]  # distinct, so each write is identifiable
        outcomes = await remit.race(
            [("POST", f"/payables/{pid}/mark_as_partially_paid", {"amount_paid": a}) for a in amounts],
            headers=remit.headers,
        )
        assert_sane(outcomes, server)

        assert Counter(o.status for o in outcomes) == {200: CLIENTS}
        for amount, outcome in zip(amounts, outcomes, strict=True):
            assert outcome.body["status"] == "partially_paid"
            assert outcome.body["amount_paid"] == amount

        history_after, events_after = remit.counts(pid)
        assert history_after - history_before == CLIENTS
        assert events_after - events_before == CLIENTS
        changes = [h["event_data"] for h in remit.history(pid)[-CLIENTS:]]
        assert all(h["new_status"] == "partially_paid" for h in changes)
        assert Counter(h["old_status"] for h in changes) == {"waiting_to_be_paid": 1, "partially_paid": CLIENTS - 1}
        assert changes[0]["old_status"] == "waiting_to_be_paid"  # and it is the first one
        assert remit.event_actions(pid)[-CLIENTS:] == ["payable.partially_paid"] * CLIENTS

        last_writer = max(outcomes, key=lambda o: datetime.fromisoformat(o.body["updated_at"]))
        current = await remit.ok("GET", f"/payables/{pid}")
        assert current["status"] == "partially_paid"
        assert current["amount_paid"] == last_writer.body["amount_paid"]
        assert current["amount_due"] == 100_000 - current["amount_paid"]


async def test_mixed_actions_from_new(remit: Remit, server: Server) -> None:
    actions = ["cancel", "submit_for_approval", "approve_payment_operation"]
    targets = {"cancel": "canceled", "submit_for_approval": "approve_in_progress",
               "approve_payment_operation": "waiting_to_be_paid"}
    for _ in range(ROUNDS):
        payable = await remit.payable_in("new")
        pid = payable["id"]
        history_before, events_before = remit.counts(pid)
        sent = list(itertools.islice(itertools.cycle(actions), CLIENTS))
        outcomes = await remit.race([("POST", f"/payables/{pid}/{a}", None) for a in sent], headers=remit.headers)
        assert_sane(outcomes, server)

        assert Counter(o.status for o in outcomes) == {200: 1, 409: CLIENTS - 1}
        action = next(a for a, o in zip(sent, outcomes, strict=True) if o.status == 200)
        history_after, events_after = remit.counts(pid)
        assert (history_after - history_before, events_after - events_before) == (1, 1)
        assert remit.history(pid)[-1]["event_data"] == {"old_status": "new", "new_status": targets[action]}
        assert (await remit.ok("GET", f"/payables/{pid}"))["status"] == targets[action]


async def test_delete_against_submit(remit: Remit, server: Server) -> None:
    """8 DELETEs and 8 submissions of one ``new`` payable: one wins; the losers learn which way it went."""
    for _ in range(ROUNDS):
        payable = await remit.payable_in("new")
        pid = payable["id"]
        history_before, events_before = remit.counts(pid)
        sent = [("DELETE", f"/payables/{pid}", None), ("POST", f"/payables/{pid}/submit_for_approval", None)] * (
            CLIENTS // 2
        )
        outcomes = await remit.race(sent, headers=remit.headers)
        assert_sane(outcomes, server)

        winners = [(request[0], o.status) for request, o in zip(sent, outcomes, strict=True) if o.status < 300]
        assert len(winners) == 1, Counter(o.status for o in outcomes)
        history_after, events_after = remit.counts(pid)
        if winners[0] == ("DELETE", 204):  # gone: everyone else is told so
            assert Counter(o.status for o in outcomes) == {204: 1, 404: CLIENTS - 1}
            assert (history_after - history_before, events_after - events_before) == (0, 1)
        else:  # moved on to approve_in_progress, which neither action accepts
            assert winners[0] == ("POST", 200)
            assert Counter(o.status for o in outcomes) == {200: 1, 409: CLIENTS - 1}
            assert (history_after - history_before, events_after - events_before) == (1, 1)


def test_both_workers_serve_requests(server: Server, remit: Remit) -> None:
    """The races above only mean something if two processes took part: both workers burn CPU."""
    workers = server.worker_pids()
    assert len(workers) == 2, workers
    before = {pid: cpu_ticks(pid) for pid in workers}
    headers = {"x-monite-version": "2024-05-25", **remit.headers}
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        for _ in range(120):  # a new connection each time, so accept() is spread over the workers
            assert http.get("/payables", params={"limit": 1}, headers={"connection": "close"}).status_code == 200
    used = {pid: cpu_ticks(pid) - before[pid] for pid in workers}
    assert all(ticks > 0 for ticks in used.values()), used
