"""Approvals raced on a real two-worker ``remit serve`` (lock order payable → process → request:
docs/approvals.md, "How it works", "Who may approve or reject", "Effects on the payable"), on SQLite
and on PostgreSQL.

Uses the ``server`` and ``remit`` fixtures of ``tests/concurrency/conftest.py``, but its own entity
(so its policies never touch the payable races): three approvers U1, U2, U3 and one policy asking
"any two of the three" for every payable, builder form (approve if the gate is true, else reject).

* **The last approval, raced.** U1 approves; then 8 × U2 and 8 × U3 approve at once. Exactly one
  request wins (200, request ``approved``); the 15 others get 409 ``Approval request is not in
  status waiting``. The payable moves once (one ``status_changed`` row, one ``payable.approved``),
  the request is approved once (one ``approval_request.approved``), the process succeeds.
* **Two of three, all at once.** Fresh request, U1/U2/U3 × 5 (+1) at once: exactly two 200s (one
  partial approval, one completing it), every other request 409, one ``payable.approved``.
* **Approve against a manual reject.** U1 approves; then 8 × U2 approve and 8 × partner
  ``POST /payables/{id}/reject`` at once. Either the approval wins (payable ``waiting_to_be_paid``,
  process ``succeeded``, request ``approved``; every reject 409 ``Payable couldn't be updated due to
  current state``) or the reject wins (payable ``rejected``, process ``canceled``, request
  ``canceled``; every approval 409 ``… not in status waiting``) — never both, never a 500.

Every race is repeated ``ROUNDS`` times; the server's log must stay free of tracebacks.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from remit.events.models import Event
from remit.payables.models import PayableHistory
from tests.concurrency.conftest import CLIENTS, Outcome, Remit, Server

ROUNDS = 5
NOT_WAITING = {"error": {"message": "Approval request is not in status waiting"}}
ALREADY_APPROVED = {"error": {"message": "The user has already approved this approval request"}}
STATE_CONFLICT = {"error": {"message": "Payable couldn't be updated due to current state"}}


@dataclass
class Cast:
    remit: Remit
    on: dict[str, str]            # the partner on the approvals entity
    users: list[dict[str, str]]   # auth headers of U1, U2, U3 (with the entity header)
    user_ids: list[str]
    policy_id: str

    async def submitted(self) -> tuple[str, str, str]:
        """A payable submitted for approval: (payable id, process id, request id)."""
        payable = await self.remit.ok("POST", "/payables", headers=self.on, json={
            "currency": "EUR", "total_amount": 100_000, "document_id": f"APR-{uuid.uuid4().hex[:8]}"})
        assert payable["status"] == "new", payable
        payable = await self.remit.ok("POST", f"/payables/{payable['id']}/submit_for_approval", headers=self.on)
        assert (payable["status"], payable["approval_policy_id"]) == ("approve_in_progress", self.policy_id)
        requests = await self.remit.ok("GET", "/approval_requests", headers=self.on,
                                       params={"object_id": payable["id"]})
        [request] = requests["data"]
        processes = await self.remit.ok("GET", f"/approval_policies/{self.policy_id}/processes", headers=self.on)
        [process] = [p for p in processes["data"] if p["metadata"]["object_id"] == payable["id"]]
        return payable["id"], process["id"], request["id"]

    async def state(self, payable_id: str, process_id: str, request_id: str) -> tuple[str, str, str, dict]:
        payable = await self.remit.ok("GET", f"/payables/{payable_id}", headers=self.on)
        process = await self.remit.ok("GET", f"/approval_policies/{self.policy_id}/processes/{process_id}",
                                      headers=self.on)
        request = await self.remit.ok("GET", f"/approval_requests/{request_id}", headers=self.on)
        return payable["status"], process["status"], request["status"], request

    def actions(self, object_id: str) -> Counter:
        with self.remit.engine.connect() as conn:
            return Counter(conn.scalars(select(Event.action).where(Event.object_id == uuid.UUID(object_id))))

    def transitions(self, payable_id: str) -> list[tuple[str, str]]:
        with self.remit.engine.connect() as conn:
            rows = conn.scalars(
                select(PayableHistory.event_data).where(
                    PayableHistory.payable_id == uuid.UUID(payable_id), PayableHistory.event_type == "status_changed"
                ).order_by(PayableHistory.timestamp, PayableHistory.id)
            )
            return [(r["old_status"], r["new_status"]) for r in rows]

    def history_count(self, payable_id: str) -> int:
        with self.remit.engine.connect() as conn:
            return conn.scalar(select(func.count()).select_from(PayableHistory)
                               .where(PayableHistory.payable_id == uuid.UUID(payable_id)))


async def race(remit: Remit, requests: list[tuple[str, str, dict[str, str]]]) -> list[Outcome]:
    """Send ``(method, path, headers)`` requests all at once, each on its own warmed-up connection."""
    assert len(requests) <= CLIENTS
    warm = await asyncio.gather(*(remit.racers.get("/docs") for _ in requests))
    assert all(r.status_code == 200 for r in warm)
    start = asyncio.Event()
    built = [remit.racers.build_request(method, path, headers=headers) for method, path, headers in requests]

    async def one(request) -> Outcome:
        await start.wait()
        response = await remit.racers.send(request)
        try:
            parsed = response.json() if response.content else None
        except ValueError:
            parsed = None
        return Outcome(response.status_code, parsed, response.text)

    tasks = [asyncio.create_task(one(r)) for r in built]
    await asyncio.sleep(0)  # every task is now parked on the start line
    start.set()
    return list(await asyncio.gather(*tasks))


def assert_sane(outcomes: list[Outcome], server: Server) -> None:
    assert not [o.text for o in outcomes if o.status >= 500]
    assert not [o for o in outcomes if "locked" in o.text.lower()]
    for o in outcomes:
        if o.status >= 400:
            assert isinstance(o.body, dict) and isinstance(o.body.get("error", {}).get("message"), str), o.text
    assert server.new_log_alarms() == []


@pytest.fixture(scope="module")
async def cast(remit: Remit) -> Cast:
    partner = {"authorization": remit.headers["authorization"]}
    entity = await remit.ok("POST", "/entities", headers=partner, json={
        "type": "organization", "email": "approvals@acme.example",
        "address": {"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"},
        "organization": {"legal_name": "Approvals Race GmbH"},
    })
    on = {**partner, "x-monite-entity-id": entity["id"]}
    assert await remit.ok("PUT", "/payables/validations", headers=on, json={"required_fields": []}) == {
        "required_fields": []}
    role = await remit.ok("POST", "/roles", headers=on, json={"name": "approvers", "permissions": {"objects": [
        {"object_type": "approval_request",
         "actions": [{"action_name": a, "permission": "allowed"} for a in ("read", "update")]}]}})
    users, user_ids = [], []
    for i in range(3):
        user = await remit.ok("POST", "/entity_users", headers=on,
                              json={"login": f"racer-{i}-{uuid.uuid4().hex[:6]}", "first_name": f"U{i + 1}",
                                    "role_id": role["id"]})
        token = (await remit.http.post("/auth/token", json={
            "client_id": remit.server.client_id, "client_secret": remit.server.client_secret,
            "grant_type": "entity_user", "entity_user_id": user["id"]})).json()["access_token"]
        users.append({"authorization": f"Bearer {token}", "x-monite-entity-id": entity["id"]})
        user_ids.append(user["id"])
    policy = await remit.ok("POST", "/approval_policies", headers=on, json={
        "name": "any two of three",
        "script": [{"if": {"run_concurrently": False, "all": [
            {"call": "ApprovalRequests.request_approval_by_users",
             "params": {"user_ids": user_ids, "required_approval_count": 2}}]},
            "then": ["{Payables.approve(invoice.id)}"], "else": ["{Payables.reject(invoice.id)}"]}],
    })
    return Cast(remit, on, users, user_ids, policy["id"])


async def approve(cast: Cast, who: int, request_id: str) -> dict[str, Any]:
    return await cast.remit.ok("POST", f"/approval_requests/{request_id}/approve", headers=cast.users[who])


async def test_last_approval_raced(cast: Cast, server: Server) -> None:
    for _ in range(ROUNDS):
        payable_id, process_id, request_id = await cast.submitted()
        assert (await approve(cast, 0, request_id))["status"] == "waiting"
        path = f"/approval_requests/{request_id}/approve"
        sent = [("POST", path, cast.users[1 + i % 2]) for i in range(CLIENTS)]
        outcomes = await race(cast.remit, sent)
        assert_sane(outcomes, server)

        assert Counter(o.status for o in outcomes) == {200: 1, 409: CLIENTS - 1}
        winner_index = next(i for i, o in enumerate(outcomes) if o.status == 200)
        winner = outcomes[winner_index]
        assert winner.body["status"] == "approved"
        winner_id = cast.user_ids[1 + winner_index % 2]
        assert winner.body["approved_by"] == [cast.user_ids[0], winner_id]
        assert all(o.body == NOT_WAITING for o in outcomes if o.status == 409)

        payable, process, request, body = await cast.state(payable_id, process_id, request_id)
        assert (payable, process, request) == ("waiting_to_be_paid", "succeeded", "approved")
        assert body["approved_by"] == [cast.user_ids[0], winner_id]
        assert cast.transitions(payable_id) == [("new", "approve_in_progress"),
                                                ("approve_in_progress", "waiting_to_be_paid")]
        assert cast.actions(payable_id)["payable.approved"] == 1
        assert cast.actions(request_id) == {"approval_request.created": 1, "approval_request.approved": 1}


async def test_two_of_three_all_at_once(cast: Cast, server: Server) -> None:
    for _ in range(ROUNDS):
        payable_id, process_id, request_id = await cast.submitted()
        path = f"/approval_requests/{request_id}/approve"
        sent = [("POST", path, cast.users[i % 3]) for i in range(CLIENTS)]
        outcomes = await race(cast.remit, sent)
        assert_sane(outcomes, server)

        assert Counter(o.status for o in outcomes) == {200: 2, 409: CLIENTS - 2}
        ok = [(i, o) for i, o in enumerate(outcomes) if o.status == 200]
        assert sorted(o.body["status"] for _, o in ok) == ["approved", "waiting"]
        deciders = {cast.user_ids[i % 3] for i, _ in ok}
        assert len(deciders) == 2  # two different users; nobody approved twice
        assert all(o.body in (NOT_WAITING, ALREADY_APPROVED) for o in outcomes if o.status == 409)

        payable, process, request, body = await cast.state(payable_id, process_id, request_id)
        assert (payable, process, request) == ("waiting_to_be_paid", "succeeded", "approved")
        assert set(body["approved_by"]) == deciders and len(body["approved_by"]) == 2
        assert cast.transitions(payable_id)[1:] == [("approve_in_progress", "waiting_to_be_paid")]
        assert cast.actions(payable_id)["payable.approved"] == 1
        assert cast.actions(request_id) == {"approval_request.created": 1, "approval_request.approved": 1}


async def test_approve_against_manual_reject(cast: Cast, server: Server) -> None:
    seen = Counter()
    for _ in range(ROUNDS * 2):
        payable_id, process_id, request_id = await cast.submitted()
        assert (await approve(cast, 0, request_id))["status"] == "waiting"
        history_before = cast.history_count(payable_id)
        sent = [("POST", f"/approval_requests/{request_id}/approve", cast.users[1]),
                ("POST", f"/payables/{payable_id}/reject", cast.on)] * (CLIENTS // 2)
        outcomes = await race(cast.remit, sent)
        assert_sane(outcomes, server)

        assert Counter(o.status for o in outcomes) == {200: 1, 409: CLIENTS - 1}, [o.text for o in outcomes]
        won = next(i for i, o in enumerate(outcomes) if o.status == 200)
        approvals, rejects = outcomes[0::2], outcomes[1::2]
        payable, process, request, body = await cast.state(payable_id, process_id, request_id)
        actions = cast.actions(payable_id)
        assert cast.history_count(payable_id) - history_before == 1
        if won % 2 == 0:  # the approval completed the request first
            seen["approve"] += 1
            assert (payable, process, request) == ("waiting_to_be_paid", "succeeded", "approved")
            assert body["approved_by"] == cast.user_ids[:2]
            assert all(o.body == STATE_CONFLICT for o in rejects)
            assert all(o.body == ALREADY_APPROVED or o.body == NOT_WAITING for o in approvals if o.status == 409)
            assert cast.transitions(payable_id)[-1] == ("approve_in_progress", "waiting_to_be_paid")
            assert (actions["payable.approved"], actions["payable.rejected"]) == (1, 0)
            assert cast.actions(request_id) == {"approval_request.created": 1, "approval_request.approved": 1}
        else:  # the manual reject came first and canceled the process
            seen["reject"] += 1
            assert outcomes[won].body["status"] == "rejected"
            assert (payable, process, request) == ("rejected", "canceled", "canceled")
            assert body["approved_by"] == cast.user_ids[:1]
            assert all(o.body == NOT_WAITING for o in approvals)
            assert all(o.body == STATE_CONFLICT for o in rejects if o.status == 409)
            assert cast.transitions(payable_id)[-1] == ("approve_in_progress", "rejected")
            assert (actions["payable.approved"], actions["payable.rejected"]) == (0, 1)
            assert cast.actions(request_id) == {"approval_request.created": 1, "approval_request.canceled": 1}
            assert cast.actions(cast.policy_id)["approval_policy.process_canceled"] >= 1
    assert sum(seen.values()) == ROUNDS * 2
