"""Derived payable values, pure functions of the payable, its line items and a date
(docs/payables.md, "Amounts", "Due date and suggested payment term")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from remit.payables import amounts
from remit.payables.validation import DEFAULT_REQUIRED_FIELDS, validation_errors

TERMS_2_10_1_20_NET_30 = {
    "name": "2/10, 1/20, net 30",
    "term_1": {"discount": 200, "number_of_days": 10},
    "term_2": {"discount": 100, "number_of_days": 20},
    "term_final": {"number_of_days": 30},
}
ISSUED = date(2024, 5, 1)


def payable(**fields):
    values = {"total_amount": 100000, "amount_paid": 0, "status": "waiting_to_be_paid", "payment_terms": None,
              "issued_at": None, "subtotal": None}
    values.update(fields)
    return SimpleNamespace(**values)


def balances(p, today: date = date.min, credit_notes: int = 0) -> tuple[int | None, int | None, int | None]:
    return amounts.balances(total_amount=p.total_amount, amount_paid=p.amount_paid, status=p.status,
                            payment_terms=p.payment_terms, issued_at=p.issued_at, today=today,
                            credit_notes=credit_notes)


def total_with_credit_notes(p, credit_notes: int = 0):
    return balances(p, credit_notes=credit_notes)[0]


def amount_due(p, credit_notes: int = 0):
    return balances(p, credit_notes=credit_notes)[1]


def amount_to_pay(p, today: date, credit_notes: int = 0):
    return balances(p, today, credit_notes)[2]


def line(subtotal=None, tax_amount=None, total=None, tax=None, **fields):
    return SimpleNamespace(subtotal=subtotal, tax_amount=tax_amount, total=total, tax=tax, **fields)


class TestLineItemAmounts:
    @pytest.mark.parametrize(("unit_price", "quantity", "tax", "expected"), [
        (1200, "1", 1250, (1200, 150, 1350)),  # Monite's guide
        (5000, "2", 1900, (10000, 1900, 11900)),
        (1000, "1.5", 1900, (1500, 285, 1785)),
        (1000, "0.333", None, (333, 0, 333)),
        (1000, "0.3335", 0, (334, 0, 334)),  # 333.5 → half up
        (999, "0.5", 1000, (500, 50, 550)),  # 499.5 → 500; 50.0
        (105, "1", 1000, (105, 11, 116)),  # 10.5 → 11 (half up, not to even)
        (-500, "1", 1900, (-500, -95, -595)),  # a discount line
        (-105, "1", 1000, (-105, -11, -116)),  # half away from zero
        (0, "3", 1900, (0, 0, 0)),
        (1000, "0", 1900, (0, 0, 0)),
    ])
    def test_rounding(self, unit_price, quantity, tax, expected):
        assert amounts.line_item_amounts(unit_price, Decimal(quantity), tax) == expected

    def test_binary_float_quantities_are_not_used(self):
        # 0.1 + 0.2 as a float is 0.30000000000000004; as a Decimal string it is exact.
        assert amounts.line_item_amounts(1000, 0.1 + 0.2, None)[0] == 300
        assert amounts.line_item_amounts(1, Decimal("2.5"), None)[0] == 3  # 2.5 → 3, not banker's 2

    @pytest.mark.parametrize(("unit_price", "quantity"), [(None, Decimal(1)), (100, None), (None, None)])
    def test_missing_price_or_quantity(self, unit_price, quantity):
        assert amounts.line_item_amounts(unit_price, quantity, 1900) == (None, None, None)

    @given(unit_price=st.integers(-10**9, 10**9), quantity=st.decimals(0, 10**4, places=3),
           tax=st.integers(0, 10000))
    def test_total_is_subtotal_plus_tax(self, unit_price, quantity, tax):
        subtotal, tax_amount, total = amounts.line_item_amounts(unit_price, quantity, tax)
        assert total == subtotal + tax_amount
        assert abs(subtotal - unit_price * quantity) <= Decimal("0.5")


class TestTotalsFromLines:
    def test_sums_and_common_rate(self):
        lines = [line(10000, 1900, 11900, 1900), line(500, 95, 595, 1900)]
        assert amounts.totals_from_lines(lines, None) == {
            "subtotal": 10500, "tax_amount": 1995, "total_amount": 12495, "tax": 1900,
        }

    def test_mixed_rates_give_null_tax(self):
        lines = [line(10000, 1900, 11900, 1900), line(1000, 70, 1070, 700)]
        assert amounts.totals_from_lines(lines, None)["tax"] is None

    def test_discount_is_subtracted_and_never_below_zero(self):
        lines = [line(10000, 1900, 11900, 1900)]
        assert amounts.totals_from_lines(lines, 900)["total_amount"] == 11000
        assert amounts.totals_from_lines(lines, 20000)["total_amount"] == 0

    def test_negative_lines_reduce_the_sum(self):
        lines = [line(10000, 0, 10000, 0), line(-2500, 0, -2500, 0)]
        assert amounts.totals_from_lines(lines, None) == {
            "subtotal": 7500, "tax_amount": 0, "total_amount": 7500, "tax": 0,
        }

    def test_lines_without_amounts_count_zero(self):
        lines = [line(10000, 1900, 11900, 1900), line(None, None, None, 1900)]
        assert amounts.totals_from_lines(lines, None)["total_amount"] == 11900


class TestDueAndToPay:
    def test_total_with_credit_notes(self):
        assert total_with_credit_notes(payable(total_amount=None)) is None
        assert total_with_credit_notes(payable(total_amount=5)) == 5

    def test_amount_due(self):
        assert amount_due(payable(total_amount=None)) is None
        assert amount_due(payable(amount_paid=40000)) == 60000
        assert amount_due(payable(amount_paid=40000, status="paid")) == 0
        assert amount_due(payable(amount_paid=None)) == 100000

    @pytest.mark.parametrize(("today", "discount", "to_pay"), [
        (date(2024, 4, 20), 200, 98000),  # before issue: tier 1
        (date(2024, 5, 8), 200, 98000),  # the worked example of docs/payables.md, "Amounts"
        (date(2024, 5, 11), 200, 98000),  # last day of tier 1 (issued_at + 10)
        (date(2024, 5, 12), 100, 99000),
        (date(2024, 5, 15), 100, 99000),
        (date(2024, 5, 21), 100, 99000),  # last day of tier 2
        (date(2024, 5, 22), 0, 100000),
        (date(2024, 5, 25), 0, 100000),
        (date(2024, 7, 1), 0, 100000),
    ])
    def test_worked_example(self, today, discount, to_pay):
        p = payable(payment_terms=TERMS_2_10_1_20_NET_30, issued_at=ISSUED)
        assert amounts.discount_on(p.payment_terms, p.issued_at, today) == discount
        assert amount_to_pay(p, today) == to_pay

    def test_worked_example_after_partial_payment(self):
        p = payable(payment_terms=TERMS_2_10_1_20_NET_30, issued_at=ISSUED, amount_paid=40000)
        assert amount_due(p) == 60000
        assert amount_to_pay(p, date(2024, 5, 8)) == 58800

    def test_no_terms_or_no_issue_date(self):
        assert amount_to_pay(payable(), date(2024, 5, 8)) == 100000
        assert amount_to_pay(payable(payment_terms=TERMS_2_10_1_20_NET_30), date(2024, 5, 8)) == 100000

    def test_to_pay_is_zero_once_paid_and_null_without_total(self):
        p = payable(payment_terms=TERMS_2_10_1_20_NET_30, issued_at=ISSUED, status="paid", amount_paid=100000)
        assert amount_to_pay(p, date(2024, 5, 8)) == 0
        assert amount_to_pay(payable(total_amount=None), date(2024, 5, 8)) is None

    def test_discount_rounds_half_up(self):
        p = payable(total_amount=125, payment_terms={"name": "x", "term_1": {"discount": 200, "number_of_days": 9},
                                                      "term_final": {"number_of_days": 30}}, issued_at=ISSUED)
        assert amount_to_pay(p, ISSUED) == 122  # 2 % of 125 = 2.5 → 3

    @given(total=st.integers(0, 10**12), paid_share=st.floats(0, 1), day=st.integers(-5, 40))
    def test_invariants(self, total, paid_share, day):
        paid = int(total * paid_share)
        p = payable(total_amount=total, amount_paid=paid, payment_terms=TERMS_2_10_1_20_NET_30, issued_at=ISSUED)
        due = amount_due(p)
        to_pay = amount_to_pay(p, date.fromordinal(ISSUED.toordinal() + day))
        assert due == total - paid
        assert 0 <= to_pay <= due


class TestCreditNotes:
    def test_only_approved_and_applied_credit_notes_count(self):
        notes = [{"status": status, "total_amount": 1000} for status in
                 ("draft", "new", "submitted_for_approval", "approved", "applied", "rejected", "canceled")]
        assert amounts.credit_note_sum(notes) == 2000
        assert amounts.credit_note_sum([{"status": "applied", "total_amount": None}]) == 0
        assert amounts.credit_note_sum([]) == 0

    def test_credit_notes_reduce_what_is_owed_and_never_below_zero(self):
        p = payable(payment_terms=TERMS_2_10_1_20_NET_30, issued_at=ISSUED, amount_paid=10000)
        assert balances(p, date(2024, 5, 8), credit_notes=30000) == (70000, 60000, 58800)
        assert balances(p, date(2024, 5, 8), credit_notes=150000) == (0, 0, 0)
        assert balances(payable(total_amount=None), credit_notes=500) == (None, None, None)


class TestDerivedDates:
    def test_due_date_from_final_term(self):
        assert amounts.derived_due_date(TERMS_2_10_1_20_NET_30, ISSUED) == date(2024, 5, 31)
        assert amounts.derived_due_date(TERMS_2_10_1_20_NET_30, None) is None
        assert amounts.derived_due_date(None, ISSUED) is None

    @pytest.mark.parametrize(("priority", "expected"), [
        ("working_capital", {"date": "2024-05-31", "discount": 0}),
        (None, {"date": "2024-05-31", "discount": 0}),
        ("bottom_line", {"date": "2024-05-11", "discount": 200}),
        ("balanced", {"date": "2024-05-21", "discount": 100}),
    ])
    def test_suggested_term_by_priority(self, priority, expected):
        today = date(2024, 5, 2)
        assert amounts.suggested_term(TERMS_2_10_1_20_NET_30, ISSUED, None, priority, today) == expected

    def test_suggested_term_skips_tiers_in_the_past(self):
        today = date(2024, 5, 15)
        assert amounts.suggested_term(TERMS_2_10_1_20_NET_30, ISSUED, None, "bottom_line", today) == {
            "date": "2024-05-21", "discount": 100,
        }

    def test_suggested_term_only_final_tier(self):
        terms = {"name": "net 30", "term_final": {"number_of_days": 30}}
        for priority in ("working_capital", "balanced", "bottom_line"):
            assert amounts.suggested_term(terms, ISSUED, None, priority, ISSUED) == {"date": "2024-05-31",
                                                                                      "discount": 0}

    def test_suggested_term_without_terms(self):
        assert amounts.suggested_term(None, None, date(2024, 6, 1), None, ISSUED) == {"date": "2024-06-01",
                                                                                      "discount": 0}
        assert amounts.suggested_term(None, ISSUED, None, None, ISSUED) is None


class TestValidationRules:
    def complete(self, **overrides):
        values = {"currency": "EUR", "document_id": "INV-1", "due_date": date(2024, 5, 31), "issued_at": ISSUED,
                  "total_amount": 11900, "subtotal": 10000}
        values.update(overrides)
        return SimpleNamespace(**values)

    def test_complete_payable_with_a_line_is_valid(self):
        lines = [line(10000, 1900, 11900, 1900)]
        assert validation_errors(self.complete(), lines, DEFAULT_REQUIRED_FIELDS) == []

    def test_missing_fields_and_lines(self):
        errors = validation_errors(self.complete(document_id="  ", due_date=None), [], DEFAULT_REQUIRED_FIELDS)
        assert errors == [
            {"loc": ["document_id"], "msg": "Field required", "type": "missing"},
            {"loc": ["due_date"], "msg": "Field required", "type": "missing"},
            {"loc": ["line_items"], "msg": "At least one line item is required", "type": "missing"},
        ]

    def test_line_item_fields(self):
        lines = [line(10000, 1900, 11900, 1900, unit_price=5000), line(0, 0, 0, 0, unit_price=None)]
        errors = validation_errors(self.complete(), lines, ["line_items.unit_price"])
        assert errors == [{"loc": ["line_items", 1, "unit_price"], "msg": "Field required", "type": "missing"}]

    def test_consistency_rules(self):
        lines = [line(10000, 1900, 12000, 1900)]
        errors = validation_errors(self.complete(subtotal=9000), lines, ["line_items"])
        assert [e["loc"] for e in errors] == [["line_items", 0, "total"], ["subtotal"]]

    def test_empty_rules(self):
        assert validation_errors(self.complete(currency=None), [], []) == []
