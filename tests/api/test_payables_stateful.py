"""Random action sequences on one payable, checked step by step against a model of the lifecycle
(docs/payables.md, "Lifecycle").

The model knows the transition chart, the editing rules (docs/payables.md, "Editing"), the draft ⇄ new
rules with the default validation rules (docs/payables.md, "draft → new") and the amount rules
(docs/payables.md, "Amounts"). After every step the API's
status must equal the model's, the amounts must keep their invariants, and exactly the expected
``status_changed`` history rows and event rows must exist: one per successful transition, none for
a refused one.

The app runs synchronously through ``starlette.testclient.TestClient`` (its own event loop in a
worker thread) on the session's migrated database, so Hypothesis drives plain functions.
"""

from __future__ import annotations

import uuid
import warnings
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

with warnings.catch_warnings():  # starlette 1.x prefers httpx2; the httpx transport works the same
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from remit.app import create_app
from remit.core import clock
from tests.fixtures.app import HEADERS, make_settings
from tests.fixtures.entities import new_partner_credential, org_payload
from tests.fixtures.masterdata import event_actions

CHART: dict[str, tuple[frozenset[str], str, str]] = {  # action → (sources, target, event)
    "cancel": (frozenset({"draft", "new"}), "canceled", "payable.canceled"),
    "submit_for_approval": (frozenset({"new"}), "approve_in_progress", "payable.submitted_for_approval"),
    "approve_payment_operation": (frozenset({"new", "approve_in_progress"}), "waiting_to_be_paid",
                                  "payable.approved"),
    "reject": (frozenset({"approve_in_progress"}), "rejected", "payable.rejected"),
    "reopen": (frozenset({"rejected", "waiting_to_be_paid"}), "new", "payable.reopened"),
    "mark_as_partially_paid": (frozenset({"waiting_to_be_paid", "partially_paid"}), "partially_paid",
                               "payable.partially_paid"),
    "mark_as_paid": (frozenset({"waiting_to_be_paid", "partially_paid"}), "paid", "payable.paid"),
}
EDITABLE = {"draft", "new"}
DELETABLE = {"draft", "new", "canceled"}
STATES = ["draft", "new", "approve_in_progress", "waiting_to_be_paid", "partially_paid", "paid", "canceled",
          "rejected"]
PATH_FROM_NEW = {
    "draft": [], "new": [], "approve_in_progress": ["submit_for_approval"],
    "waiting_to_be_paid": ["approve_payment_operation"],
    "partially_paid": ["approve_payment_operation", "mark_as_partially_paid"],
    "paid": ["approve_payment_operation", "mark_as_paid"], "canceled": ["cancel"],
    "rejected": ["submit_for_approval", "reject"],
}
CONFLICT = {"error": {"message": "Payable couldn't be updated due to current state"}}
TERMS = {"name": "2/10 net 30", "term_1": {"discount": 200, "number_of_days": 10}, "term_final": {"number_of_days": 30}}


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_total(unit_price: int, quantity: str, tax: int) -> int:
    subtotal = half_up(Decimal(unit_price) * Decimal(quantity))
    return subtotal + half_up(Decimal(subtotal) * tax / 10000)


@pytest.fixture(scope="module")
def api(database_url, db):
    """A synchronous client on the app, a fresh partner and entity, and the partner's headers."""
    app = create_app(make_settings(database_url), database=db)
    with TestClient(app, base_url="http://remit.test/v1", headers=HEADERS) as client:
        client_id, secret = new_partner_credential(db)
        token = client.post("/auth/token", json={"client_id": str(client_id), "client_secret": secret,
                                                 "grant_type": "client_credentials"}).json()["access_token"]
        auth = {"authorization": f"Bearer {token}"}
        entity = client.post("/entities", json=org_payload(), headers=auth).json()
        yield client, {**auth, "x-monite-entity-id": entity["id"]}


def test_payable_lifecycle_state_machine(api, db):
    client, on = api
    today = clock.now().date()

    class PayableMachine(RuleBasedStateMachine):
        @initialize(start=st.sampled_from(STATES), complete=st.booleans())
        def create(self, start, complete):
            """A payable driven through the API (and the model) to a random starting status."""
            complete = complete or start != "draft"
            # Complete fields (the due date derives from the terms): one line item promotes it to new.
            fields = {"currency": "EUR", "issued_at": today.isoformat(), "payment_terms": TERMS}
            if complete:
                fields["document_id"] = f"INV-{uuid.uuid4().hex[:6]}"
            response = client.post("/payables", json=fields, headers=on)
            assert response.status_code == 200, response.text
            body = response.json()
            self.id = body["id"]
            self.complete = complete
            self.status = "draft"
            self.lines: list[tuple[str, int]] = []  # (id, total)
            self.total: int | None = None
            self.paid = 0
            self.deleted = False
            self.transitions: list[tuple[str, str]] = []
            self.events = ["payable.created"]
            if start != "draft":
                self.add_line_item(unit_price=10000, quantity="1", tax=1900)
            for action in PATH_FROM_NEW[start]:
                if action == "mark_as_partially_paid":
                    self.mark_as_partially_paid(amount=5000)
                elif action == "mark_as_paid":
                    self.mark_as_paid(comment=None)
                else:
                    self.transition(action)
            assert self.status == start

        # -- helpers ---------------------------------------------------------------------

        def _move(self, target: str, event: str) -> None:
            self.transitions.append((self.status, target))
            self.events.append(event)
            self.status = target

        def _valid(self) -> bool:
            return self.complete and bool(self.lines)

        def _after_write(self) -> None:
            """Promotion / demotion after a write to a draft or new payable
            (docs/payables.md, "draft → new")."""
            if self.status == "draft" and self._valid():
                self._move("new", "payable.updated")
            elif self.status == "new" and not self._valid():
                self._move("draft", "payable.updated")

        def _expect_gone(self, response) -> bool:
            if self.deleted:
                assert response.status_code == 404, response.text
            return self.deleted

        def _expect_conflict(self, response) -> None:
            assert (response.status_code, response.json()) == (409, CONFLICT)

        # -- rules -----------------------------------------------------------------------

        @rule(action=st.sampled_from(["cancel", "submit_for_approval", "approve_payment_operation", "reject",
                                      "reopen"]))
        def transition(self, action):
            response = client.post(f"/payables/{self.id}/{action}", headers=on)
            if self._expect_gone(response):
                return
            sources, target, event = CHART[action]
            if self.status in sources:
                assert response.status_code == 200, (action, self.status, response.text)
                self._move(target, event)
                assert response.json()["status"] == target
            else:
                self._expect_conflict(response)

        @rule(amount=st.one_of(st.integers(0, 30000), st.sampled_from([0, 1])))
        def mark_as_partially_paid(self, amount):
            response = client.post(f"/payables/{self.id}/mark_as_partially_paid", json={"amount_paid": amount},
                                   headers=on)
            if self._expect_gone(response):
                return
            sources, target, event = CHART["mark_as_partially_paid"]
            if self.status not in sources:
                self._expect_conflict(response)
            elif not 0 < amount < self.total:
                assert response.status_code == 400, response.text
            else:
                assert response.status_code == 200, response.text
                self.paid = amount
                self._move(target, event)

        @rule(comment=st.one_of(st.none(), st.text(max_size=20)))
        def mark_as_paid(self, comment):
            response = client.post(f"/payables/{self.id}/mark_as_paid", json={"comment": comment}, headers=on)
            if self._expect_gone(response):
                return
            sources, target, event = CHART["mark_as_paid"]
            if self.status in sources:
                assert response.status_code == 200, response.text
                assert response.json()["marked_as_paid_with_comment"] == comment
                self.paid = self.total
                self._move(target, event)
            else:
                self._expect_conflict(response)

        @rule(unit_price=st.integers(1, 100000), quantity=st.sampled_from(["1", "2", "0.5", "1.5", "0.333"]),
              tax=st.sampled_from([0, 700, 1900]))
        def add_line_item(self, unit_price, quantity, tax):
            body = {"name": "item", "unit_price": unit_price, "quantity": float(quantity), "tax": tax}
            response = client.post(f"/payables/{self.id}/line_items", json=body, headers=on)
            if self._expect_gone(response):
                return
            if self.status not in EDITABLE:
                self._expect_conflict(response)
                return
            assert response.status_code == 201, response.text
            expected = line_total(unit_price, quantity, tax)
            assert response.json()["total"] == expected
            self.lines.append((response.json()["id"], expected))
            self.total = sum(t for _, t in self.lines)
            self._after_write()

        @rule()
        def delete_line_item(self):
            if not self.lines:
                return
            line_id, _ = self.lines[-1]
            response = client.delete(f"/payables/{self.id}/line_items/{line_id}", headers=on)
            if self._expect_gone(response):
                return
            if self.status not in EDITABLE:
                self._expect_conflict(response)
                return
            assert response.status_code == 204, response.text
            self.lines.pop()
            if self.lines:  # the last line's deletion keeps the last computed amounts
                self.total = sum(t for _, t in self.lines)
            self._after_write()

        @rule(empty=st.booleans())
        def patch(self, empty):
            body = {} if empty else {"description": "edited"}
            response = client.patch(f"/payables/{self.id}", json=body, headers=on)
            if self._expect_gone(response):
                return
            if empty:
                assert response.status_code == 200  # a no-op in any status
            elif self.status in EDITABLE:
                assert response.status_code == 200, response.text
                self.events.append("payable.updated")
            else:
                self._expect_conflict(response)

        @rule()
        def delete(self):
            response = client.delete(f"/payables/{self.id}", headers=on)
            if self._expect_gone(response):
                return
            if self.status in DELETABLE:
                assert response.status_code == 204, response.text
                self.deleted = True
                self.events.append("payable.deleted")
            else:
                self._expect_conflict(response)

        # -- invariants ------------------------------------------------------------------

        @invariant()
        def matches_the_model(self):
            assert event_actions(db, self.id) == self.events
            response = client.get(f"/payables/{self.id}", headers=on)
            if self.deleted:
                assert response.status_code == 404
                return
            body = response.json()
            assert body["status"] == self.status
            assert body["total_amount"] == self.total
            rows = client.get(f"/payables/{self.id}/history", params={"event_type__in": "status_changed"},
                              headers=on).json()["data"]
            assert [(r["event_data"]["old_status"], r["event_data"]["new_status"]) for r in rows] == self.transitions
            if self.total is None:
                assert (body["amount_due"], body["amount_to_pay"]) == (None, None)
                return
            paid, due, to_pay = body["amount_paid"], body["amount_due"], body["amount_to_pay"]
            assert paid == self.paid
            assert 0 <= paid <= self.total
            assert due == self.total - paid
            assert 0 <= to_pay <= due
            assert to_pay == due - half_up(Decimal(due) * 200 / 10000)  # term_1 is valid today
            if self.status == "paid":
                assert (due, to_pay, paid) == (0, 0, self.total)

    run_state_machine_as_test(
        PayableMachine,
        settings=settings(max_examples=25, stateful_step_count=15, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )

