"""Rejecting a draft invoice, raced on a real two-worker server (docs/receivables.md, "Rejecting a
draft invoice"): the rejection takes the same row lock as every transition, so of conflicting
requests on one draft exactly one changes it and every other is refused with 409, writing nothing.

* 8 × ``issue`` against 8 × ``reject`` of a draft: the winner is ``issued`` or ``rejected``; the
  losing issues are told the document is no longer a draft, the losing rejects that only drafts can
  be rejected.
* 8 × the native ``reject`` against 8 × the CRM.COM-compatible ``invoices/reject``: one wins; the
  native losers answer Monite's error body, the compat losers CRM.COM's envelope with
  ``INVALID_LIFE_CYCLE_STATE``.

Each round checks the one ``status_changed`` row and the one event of the winner. Never a 500,
never "database is locked", no traceback in the server's log.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.concurrency.conftest import Remit, Server
from tests.concurrency.test_receivable_races import (
    HALF,
    ROUNDS,
    action_of,
    assert_sane,
    events,
    new_billing,
    status_changes,
    winners,
)
from tests.fixtures.receivables import Billing

COMPAT = "/compat/crm/invoices/reject"
NOT_DRAFT = {"error": {"message": "Receivable is not in draft status"}}
ONLY_DRAFTS = {"error": {"message": "Only draft invoices can be rejected"}}


@pytest.fixture(scope="module")
async def bill(remit: Remit) -> Billing:
    return await new_billing(remit)


async def test_issue_against_reject_of_a_draft(remit: Remit, server: Server, bill: Billing) -> None:
    seen = set()
    for _ in range(ROUNDS):
        rid = (await bill.create(bill.invoice()))["id"]
        sent = [("POST", f"/receivables/{rid}/issue", None),
                ("POST", f"/receivables/{rid}/reject", {"comment": "refused"})] * HALF
        outcomes = await remit.race(sent, headers=bill.on)
        assert_sane(outcomes, server)

        [(request, winner)] = winners(sent, outcomes)
        won = action_of(request)
        seen.add(won)
        target = {"issue": "issued", "reject": "rejected"}[won]
        assert winner.status == 200 and winner.body["status"] == target
        for r, o in zip(sent, outcomes, strict=True):
            if o is not winner:
                assert (o.status, o.body) == (409, NOT_DRAFT if action_of(r) == "issue" else ONLY_DRAFTS), o.text
        assert status_changes(remit, rid) == [("draft", target)]
        counted = events(remit, rid)
        assert (counted["receivable.issued"], counted["receivable.rejected"]) == (
            (1, 0) if won == "issue" else (0, 1))
        current = await bill.get(rid)
        assert current["status"] == target
        if won == "reject":
            assert (current["document_id"], current["amount_due"], current["comment"]) == (None, 0, "refused")
    print(f"issue against reject, winners seen: {sorted(seen)}")


async def test_native_reject_against_compat_reject(remit: Remit, server: Server, bill: Billing) -> None:
    seen = set()
    for index in range(ROUNDS):
        reference = f"race-{index}-{id(bill)}"
        rid = (await bill.create(bill.invoice(partner_metadata={"reference_number": reference})))["id"]
        native: tuple[str, str, Any] = ("POST", f"/receivables/{rid}/reject", {})
        compat: tuple[str, str, Any] = ("POST", COMPAT, {"invoice_identifier": {"reference_number": reference},
                                                         "rejection_reason_identifier": {"alternative_code": "RDTBR"}})
        sent = [native, compat] * HALF
        outcomes = await remit.race(sent, headers=bill.on)
        assert_sane(outcomes, server, monite_bodies=False)  # the compat losers answer CRM.COM's envelope

        [(request, winner)] = winners(sent, outcomes)
        seen.add("compat" if request is compat else "native")
        assert Counter(o.status for o in outcomes) == {200: 1, 409: 2 * HALF - 1}
        for r, o in zip(sent, outcomes, strict=True):
            if o is winner:
                continue
            if r is compat:
                assert o.body["data"] is None and o.body["status"]["code"] == "INVALID_LIFE_CYCLE_STATE", o.text
                assert o.body["status"]["description"] == f"Invoice {rid} is in state REJECTED"
            else:
                assert o.body == ONLY_DRAFTS, o.text
        assert status_changes(remit, rid) == [("draft", "rejected")]
        assert events(remit, rid)["receivable.rejected"] == 1
        reason = (await bill.get(rid))["rejection_reason"]["alternative_code"]
        assert reason == ("RDTBR" if request is compat else "RDTE")
    print(f"native against compat reject, winners seen: {sorted(seen)}")
