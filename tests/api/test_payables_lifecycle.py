"""The payable lifecycle through the API (docs/payables.md, "Lifecycle", "draft → new"): every
(status, action) pair, the history row and the event row of each transition, the effects of each
action, automatic promotion/demotion and ``payables_skip_approval_flow``."""

from __future__ import annotations

import itertools
import uuid

import pytest

from tests.fixtures.masterdata import (
    create_address,
    create_bank_account,
    create_counterpart,
    create_tag,
    create_vat_id,
    error_message,
    event_actions,
    new_partner,
)
from tests.fixtures.payables import (
    ACTIONS,
    COMPLETE_FIELDS,
    CONFLICT,
    LINE_TOTAL,
    PARTIAL_PAYMENT,
    STATES,
    act,
    add_line_item,
    create_payable,
    get_payable,
    history,
    new_payable,
    patch_payable,
    payable_in_state,
    status_changes,
)

# action → {source: target}, as in docs/payables.md, "Lifecycle", "Editing", "Deleting" (the last two for
# PATCH and DELETE).
CHART: dict[str, dict[str, str]] = {
    "cancel": {"draft": "canceled", "new": "canceled"},
    "submit_for_approval": {"new": "approve_in_progress"},
    "approve_payment_operation": {"new": "waiting_to_be_paid", "approve_in_progress": "waiting_to_be_paid"},
    "reject": {"approve_in_progress": "rejected"},
    "reopen": {"rejected": "new", "waiting_to_be_paid": "new"},
    "mark_as_partially_paid": {"waiting_to_be_paid": "partially_paid", "partially_paid": "partially_paid"},
    "mark_as_paid": {"waiting_to_be_paid": "paid", "partially_paid": "paid"},
    "delete": {"draft": "(deleted)", "new": "(deleted)", "canceled": "(deleted)"},
    "patch": {"draft": "draft", "new": "new"},
}
EVENT = {
    "cancel": "payable.canceled",
    "submit_for_approval": "payable.submitted_for_approval",
    "approve_payment_operation": "payable.approved",
    "reject": "payable.rejected",
    "reopen": "payable.reopened",
    "mark_as_partially_paid": "payable.partially_paid",
    "mark_as_paid": "payable.paid",
    "delete": "payable.deleted",
    "patch": "payable.updated",
}
PAIRS = list(itertools.product(STATES, ACTIONS))


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


def test_chart_covers_every_action():
    assert set(CHART) == set(ACTIONS) == set(EVENT)


class TestTransitionMatrix:
    """8 states × 9 actions, each on a payable driven to its state through the API."""

    @pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
    async def test_pair(self, client, on, db, state, action):
        payable = await payable_in_state(client, on, state)
        pid = payable["id"]
        rows_before = await history(client, on, pid)
        events_before = event_actions(db, pid)
        body = {"amount_paid": 6000} if (state, action) == ("partially_paid", "mark_as_partially_paid") else ...

        response = await act(client, on, pid, action, body)

        target = CHART[action].get(state)
        if target is None:
            assert response.status_code == 409, response.text
            assert response.json() == CONFLICT
            assert (await get_payable(client, on, pid))["status"] == state
            assert await history(client, on, pid) == rows_before
            assert event_actions(db, pid) == events_before
            return

        new_events = event_actions(db, pid)[len(events_before):]
        assert new_events == [EVENT[action]]
        if action == "delete":
            assert response.status_code == 204 and response.content == b""
            gone = await client.get(f"/payables/{pid}", headers=on)
            assert gone.status_code == 404
            assert error_message(gone) == f"Payable with ID {pid} not found."
            return

        assert response.status_code == 200, response.text
        assert response.json()["status"] == target
        assert (await get_payable(client, on, pid))["status"] == target
        new_rows = (await history(client, on, pid))[len(rows_before):]
        if action == "patch":
            assert [r["event_type"] for r in new_rows] == ["payable_updated"]
            return
        assert [(r["event_type"], r["event_data"]) for r in new_rows] == [
            ("status_changed", {"old_status": state, "new_status": target})
        ]
        assert new_rows[0]["entity_user_id"] is None  # a partner token


class TestTransitionEffects:
    async def test_history_names_the_acting_user(self, client, partner, entity):
        user = await partner.user_with(entity["id"], payable=["create", "read", "update", "submit", "approve"])
        payable = await new_payable(client, user.auth)
        response = await act(client, user.auth, payable["id"], "submit_for_approval")
        assert response.status_code == 200
        (row,) = [r for r in await history(client, user.auth, payable["id"])
                  if r["event_data"].get("new_status") == "approve_in_progress"]
        assert row["entity_user_id"] == user.id

    async def test_transition_responses_carry_the_tags(self, client, on):
        """A transition's response reads tags only when the locked row has some: both cases."""
        tag = await create_tag(client, on, "urgent")
        tagged = await new_payable(client, on, tag_ids=[tag["id"]])
        untagged = await new_payable(client, on)
        for payable, expected in ((tagged, [tag["id"]]), (untagged, [])):
            for action in ("submit_for_approval", "reject", "reopen"):
                response = await act(client, on, payable["id"], action)
                assert response.status_code == 200, response.text
                assert [t["id"] for t in response.json()["tags"]] == expected, action
        # Tags set in the same request as the load: PATCH adds them to the untagged one, then clears them.
        body = await patch_payable(client, on, untagged["id"], tag_ids=[tag["id"]])
        assert [t["id"] for t in body["tags"]] == [tag["id"]]
        assert [t["id"] for t in (await act(client, on, untagged["id"], "cancel")).json()["tags"]] == [tag["id"]]
        body = await patch_payable(client, on, tagged["id"], tag_ids=[])
        assert body["tags"] == []

    async def test_updated_at_moves(self, client, on):
        payable = await new_payable(client, on)
        body = (await act(client, on, payable["id"], "cancel")).json()
        assert body["updated_at"] > payable["updated_at"]

    async def test_mark_as_paid_records_who_when_and_how(self, client, partner, entity):
        user = await partner.user_with(entity["id"], payable=["create", "read", "update", "approve", "pay"])
        payable = await payable_in_state(client, user.auth, "partially_paid")
        assert (payable["amount_paid"], payable["amount_due"], payable["paid_at"]) == (PARTIAL_PAYMENT,
                                                                                      LINE_TOTAL - PARTIAL_PAYMENT,
                                                                                      None)
        response = await act(client, user.auth, payable["id"], "mark_as_paid", {"comment": "Paid via SEPA"})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "paid"
        assert (body["amount_paid"], body["amount_due"], body["amount_to_pay"]) == (LINE_TOTAL, 0, 0)
        assert body["paid_at"] is not None
        assert body["marked_as_paid_by_entity_user_id"] == user.id
        assert body["marked_as_paid_with_comment"] == "Paid via SEPA"

    @pytest.mark.parametrize("body", [b"", b"{}"], ids=["sdk-no-body", "empty-object"])
    async def test_mark_as_paid_without_comment(self, client, on, body):
        """The SDK sends ``mark_as_paid_by_id(id)`` as a zero-length JSON body
        (docs/auth-entities.md, "Request bodies")."""
        payable = await payable_in_state(client, on, "waiting_to_be_paid")
        response = await client.post(f"/payables/{payable['id']}/mark_as_paid", content=body,
                                     headers={**on, "content-type": "application/json"})
        assert response.status_code == 200, response.text
        paid = response.json()
        assert (paid["status"], paid["marked_as_paid_with_comment"]) == ("paid", None)
        assert paid["marked_as_paid_by_entity_user_id"] is None  # a partner token

    async def test_paying_a_paid_payable_is_a_conflict(self, client, on):
        payable = await payable_in_state(client, on, "paid")
        response = await act(client, on, payable["id"], "mark_as_paid")
        assert (response.status_code, response.json()) == (409, CONFLICT)

    async def test_partial_payments_are_cumulative_and_may_be_corrected(self, client, on, db):
        payable = await payable_in_state(client, on, "waiting_to_be_paid")
        pid = payable["id"]
        for amount in (3000, 9000, 5000):
            response = await act(client, on, pid, "mark_as_partially_paid", {"amount_paid": amount})
            assert response.status_code == 200, response.text
            body = response.json()
            assert (body["status"], body["amount_paid"], body["amount_due"], body["amount_to_pay"]) == (
                "partially_paid", amount, LINE_TOTAL - amount, LINE_TOTAL - amount)
        assert event_actions(db, pid).count("payable.partially_paid") == 3

    @pytest.mark.parametrize("amount", [0, LINE_TOTAL, LINE_TOTAL + 1])
    async def test_partial_payment_out_of_bounds(self, client, on, db, amount):
        payable = await payable_in_state(client, on, "waiting_to_be_paid")
        events = event_actions(db, payable["id"])
        response = await act(client, on, payable["id"], "mark_as_partially_paid", {"amount_paid": amount})
        assert response.status_code == 400, response.text
        assert error_message(response) == (
            "amount_paid must be greater than 0 and less than the total amount; use mark_as_paid for full payment"
        )
        after = await get_payable(client, on, payable["id"])
        assert (after["status"], after["amount_paid"]) == ("waiting_to_be_paid", 0)
        assert event_actions(db, payable["id"]) == events

    @pytest.mark.parametrize("body", [{"amount_paid": -1}, {"amount_paid": 10.5}, {"amount_paid": "100"}, {},
                                      {"amount_paid": 100, "extra": 1}])
    async def test_partial_payment_body_is_validated(self, client, on, body):
        payable = await payable_in_state(client, on, "waiting_to_be_paid")
        response = await client.post(f"/payables/{payable['id']}/mark_as_partially_paid", json=body, headers=on)
        assert response.status_code == 422, response.text
        assert (await get_payable(client, on, payable["id"]))["status"] == "waiting_to_be_paid"

    async def test_partial_payment_without_total_is_a_conflict(self, client, partner, entity):
        on = partner.on(entity["id"])
        # With no rules a payable without any amount is complete and can be approved by hand.
        assert (await client.put("/payables/validations", json={"required_fields": []}, headers=on)).status_code == 200
        payable = await create_payable(client, on)
        assert (payable["status"], payable["total_amount"]) == ("new", None)
        assert (await act(client, on, payable["id"], "approve_payment_operation")).status_code == 200
        response = await act(client, on, payable["id"], "mark_as_partially_paid", {"amount_paid": 100})
        assert response.status_code == 409
        assert error_message(response) == "Payable has no total amount"

    async def test_reopen_from_waiting_to_be_paid_allows_edits_again(self, client, on):
        payable = await payable_in_state(client, on, "waiting_to_be_paid")
        assert (await act(client, on, payable["id"], "patch")).status_code == 409
        assert (await act(client, on, payable["id"], "reopen")).json()["status"] == "new"
        assert (await act(client, on, payable["id"], "patch")).status_code == 200

    async def test_rejected_then_reopened_then_canceled(self, client, on):
        payable = await payable_in_state(client, on, "rejected")
        assert (await act(client, on, payable["id"], "cancel")).status_code == 409
        assert (await act(client, on, payable["id"], "reopen")).json()["status"] == "new"
        assert (await act(client, on, payable["id"], "cancel")).json()["status"] == "canceled"
        assert await status_changes(client, on, payable["id"]) == [
            ("draft", "new"), ("new", "approve_in_progress"), ("approve_in_progress", "rejected"),
            ("rejected", "new"), ("new", "canceled"),
        ]

    async def test_submit_freezes_the_counterpart(self, client, on):
        counterpart = await create_counterpart(client, on, legal_name="Supplier GmbH", email="ap@supplier.example")
        address = await create_address(client, on, counterpart["id"], city="Hamburg")
        account = await create_bank_account(client, on, counterpart["id"])
        vat = await create_vat_id(client, on, counterpart["id"])
        payable = await new_payable(client, on, counterpart_id=counterpart["id"], counterpart_address_id=address["id"],
                                    counterpart_bank_account_id=account["id"], counterpart_vat_id_id=vat["id"])
        assert payable["counterpart"] is None
        body = (await act(client, on, payable["id"], "submit_for_approval")).json()
        snapshot = body["counterpart"]
        assert snapshot["name"] == "Supplier GmbH"
        assert snapshot["email"] == "ap@supplier.example"
        assert snapshot["address"]["city"] == "Hamburg"
        assert snapshot["bank_account"]["iban"] == account["iban"]
        assert snapshot["vat_id"]["value"] == vat["value"]
        # Later edits of the counterpart do not change the snapshot.
        patch = {"organization": {"legal_name": "Renamed AG"}}
        assert (await client.patch(f"/counterparts/{counterpart['id']}", json=patch, headers=on)).status_code == 200
        assert (await get_payable(client, on, payable["id"]))["counterpart"]["name"] == "Supplier GmbH"

    async def test_snapshot_falls_back_to_raw_data(self, client, on):
        payable = await create_payable(client, on, **COMPLETE_FIELDS)
        await patch_payable(client, on, payable["id"], counterpart_raw_data={"name": "OCR Supplier"})
        await add_line_item(client, on, payable["id"])
        body = (await act(client, on, payable["id"], "approve_payment_operation")).json()
        assert body["counterpart"] == {"name": "OCR Supplier"}

    @pytest.mark.parametrize("action", sorted(ACTIONS))
    async def test_unknown_payable(self, client, on, action):
        missing = str(uuid.uuid4())
        response = await act(client, on, missing, action)
        assert response.status_code == 404, response.text
        assert error_message(response) == f"Payable with ID {missing} not found."

    @pytest.mark.parametrize("action", sorted(ACTIONS))
    async def test_deleted_payable_is_gone_for_every_action(self, client, on, action):
        payable = await payable_in_state(client, on, "canceled")
        assert (await act(client, on, payable["id"], "delete")).status_code == 204
        assert (await act(client, on, payable["id"], action)).status_code == 404
        assert (await client.get(f"/payables/{payable['id']}/history", headers=on)).status_code == 404

    async def test_non_uuid_id(self, client, on):
        response = await client.post("/payables/not-a-uuid/cancel", headers=on)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["path", "payable_id"]


class TestPromotionAndDemotion:
    async def test_draft_becomes_new_once_complete(self, client, on, db):
        payable = await create_payable(client, on, currency="EUR", document_id="INV-1")
        assert payable["status"] == "draft"
        await patch_payable(client, on, payable["id"], issued_at="2024-05-01", due_date="2024-05-31")
        assert (await get_payable(client, on, payable["id"]))["status"] == "draft"  # no line item yet
        await add_line_item(client, on, payable["id"])
        assert (await get_payable(client, on, payable["id"]))["status"] == "new"
        assert await status_changes(client, on, payable["id"]) == [("draft", "new")]
        assert event_actions(db, payable["id"]).count("payable.updated") >= 1

    @pytest.mark.parametrize("field", ["due_date", "document_id", "currency", "issued_at"])
    async def test_clearing_a_required_field_demotes(self, client, on, field):
        payable = await new_payable(client, on)
        body = await patch_payable(client, on, payable["id"], **{field: None})
        assert body["status"] == "draft"
        assert (await status_changes(client, on, payable["id"]))[-1] == ("new", "draft")

    async def test_deleting_the_only_line_item_demotes(self, client, on):
        payable = await create_payable(client, on, **COMPLETE_FIELDS)
        line = await add_line_item(client, on, payable["id"])
        assert (await get_payable(client, on, payable["id"]))["status"] == "new"
        response = await client.delete(f"/payables/{payable['id']}/line_items/{line['id']}", headers=on)
        assert response.status_code == 204
        assert (await get_payable(client, on, payable["id"]))["status"] == "draft"

    async def test_created_directly_as_new_when_rules_pass(self, client, on):
        rules = {"required_fields": ["currency", "total_amount"]}
        assert (await client.put("/payables/validations", json=rules, headers=on)).status_code == 200
        payable = await create_payable(client, on, currency="EUR", total_amount=5000)
        assert payable["status"] == "new"
        rows = await history(client, on, payable["id"])
        assert rows[0]["event_type"] == "payable_created"
        assert rows[0]["event_data"] == {"payable_source": "upload"}

    async def test_validate_promotes_after_a_rule_change(self, client, on):
        payable = await create_payable(client, on, currency="EUR")
        response = await client.post(f"/payables/{payable['id']}/validate", headers=on)
        assert response.json()["validation_errors"]
        assert (await get_payable(client, on, payable["id"]))["status"] == "draft"
        await client.put("/payables/validations", json={"required_fields": ["currency"]}, headers=on)
        response = await client.post(f"/payables/{payable['id']}/validate", headers=on)
        assert response.json() == {"id": payable["id"], "validation_errors": []}
        assert (await get_payable(client, on, payable["id"]))["status"] == "new"


class TestSkipApprovalFlow:
    async def _skip(self, client, partner, entity, value: bool = True):
        response = await client.patch(f"/entities/{entity['id']}/settings",
                                      json={"payables_skip_approval_flow": value}, headers=partner.auth)
        assert response.status_code == 200, response.text
        assert response.json()["payables_skip_approval_flow"] is value

    async def test_promotion_moves_on_to_waiting_to_be_paid(self, client, partner, entity, db):
        on = partner.on(entity["id"])
        await self._skip(client, partner, entity)
        payable = await create_payable(client, on, **COMPLETE_FIELDS)
        await add_line_item(client, on, payable["id"])
        assert (await get_payable(client, on, payable["id"]))["status"] == "waiting_to_be_paid"
        assert await status_changes(client, on, payable["id"]) == [("draft", "new"), ("new", "waiting_to_be_paid")]
        assert "payable.approved" in event_actions(db, payable["id"])

    async def test_creation_as_new_moves_on(self, client, partner, entity):
        on = partner.on(entity["id"])
        await self._skip(client, partner, entity)
        await client.put("/payables/validations", json={"required_fields": []}, headers=on)
        payable = await create_payable(client, on, total_amount=100)
        assert payable["status"] == "waiting_to_be_paid"

    async def test_reopened_payable_stays_new_and_submit_goes_through(self, client, partner, entity, db):
        on = partner.on(entity["id"])
        payable = await payable_in_state(client, on, "waiting_to_be_paid")
        await self._skip(client, partner, entity)
        assert (await act(client, on, payable["id"], "reopen")).json()["status"] == "new"
        events = event_actions(db, payable["id"])
        response = await act(client, on, payable["id"], "submit_for_approval")
        assert response.json()["status"] == "waiting_to_be_paid"
        assert (await status_changes(client, on, payable["id"]))[-2:] == [
            ("new", "approve_in_progress"), ("approve_in_progress", "waiting_to_be_paid"),
        ]
        assert event_actions(db, payable["id"])[len(events):] == ["payable.submitted_for_approval",
                                                                  "payable.approved"]

    async def test_off_by_default(self, client, partner, entity):
        response = await client.get(f"/entities/{entity['id']}/settings", headers=partner.auth)
        assert response.json()["payables_skip_approval_flow"] is False
        payable = await new_payable(client, partner.on(entity["id"]))
        assert payable["status"] == "new"
