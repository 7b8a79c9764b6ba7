"""Evaluating triggers (docs/approvals-script.md, "Triggers") — the worked examples and the value rules
(docs/approvals-script.md, "Evaluated strings", "Operator objects and operands")."""

from __future__ import annotations

import pytest

from remit.approvals.script import Environment, EvaluationError, evaluate_trigger, parse_trigger

from ._script_examples import (
    C_ACME,
    C_OTHER,
    EVENT,
    EXAMPLE_6_TRIGGERS,
    EXAMPLES,
    T_MKT,
    env,
    invoice,
    marketing_tag,
    rates,
)


def matches(raw, environment: Environment) -> bool:
    return evaluate_trigger(parse_trigger(raw), environment)


# -- worked examples (docs/approvals-script.md, "Worked examples") ----------------------------

EXAMPLE_CASES = [
    # Example 1: EUR and at least 500.00
    ("example_1", invoice(amount=75000, currency="EUR"), None, True),     # P1
    ("example_1", invoice(amount=30000, currency="EUR"), None, False),    # P2
    ("example_1", invoice(amount=50000, currency="EUR"), None, True),     # the bound is inclusive
    ("example_1", invoice(amount=75000, currency="USD"), None, False),
    # Example 2
    ("example_2", invoice(amount=60000), None, True),                    # P3
    ("example_2", invoice(amount=49999), None, False),
    # Example 3: counterpart ACME
    ("example_3", invoice(counterpart_id=C_ACME), None, True),           # P4
    ("example_3", invoice(counterpart_id=C_OTHER), None, False),
    ("example_3", invoice(counterpart_id=None), None, False),
    # Example 4: tagged Marketing or above 1000.00
    ("example_4", invoice(amount=20000, tags=[marketing_tag()]), None, True),  # P5
    ("example_4", invoice(amount=20000, tags=[]), None, False),
    ("example_4", invoice(amount=150000, tags=[]), None, True),
    ("example_4", invoice(amount=20000, tags=[{"id": "x", "name": "Marketing team"}]), None, False),
    # Example 5: EUR or USD, converted below 200.00 EUR
    ("example_5", invoice(amount=15000, currency="USD"), rates(USD_EUR="0.9"), True),   # P6: 13500 < 20000
    ("example_5", invoice(amount=25000, currency="USD"), rates(USD_EUR="0.9"), False),  # 22500
    ("example_5", invoice(amount=19999, currency="EUR"), None, True),                   # same currency
    ("example_5", invoice(amount=15000, currency="GBP"), None, False),                  # short-circuits
]


@pytest.mark.parametrize(("name", "inv", "convert", "expected"), EXAMPLE_CASES, ids=range(len(EXAMPLE_CASES)))
def test_worked_example_triggers(name, inv, convert, expected):
    assert matches(EXAMPLES[name]["trigger"], env(inv, convert)) is expected


def test_example_5_without_a_rate_cannot_be_evaluated():
    with pytest.raises(EvaluationError) as info:
        matches(EXAMPLES["example_5"]["trigger"], env(invoice(amount=15000, currency="USD"), rates()))
    assert info.value.message == "No exchange rate from USD to EUR"
    assert info.value.location == "trigger.all[2].left_operand"
    with pytest.raises(EvaluationError):  # no converter at all
        matches(EXAMPLES["example_5"]["trigger"], env(invoice(amount=15000, currency="USD")))


@pytest.mark.parametrize(("inv", "expected"), [
    (invoice(amount=200000, tags=[]), {"A": True, "B": True, "C": False}),
    (invoice(amount=200000, tags=[marketing_tag()]), {"A": True, "B": True, "C": True}),
    (invoice(amount=60000, tags=[]), {"A": False, "B": True, "C": False}),
])
def test_example_6_triggers(inv, expected):
    assert {k: matches(v, env(inv)) for k, v in EXAMPLE_6_TRIGGERS.items()} == expected


def test_event_name_is_evaluated_literally():
    assert matches(EVENT, env()) is True
    assert matches("{event_name == 'submit_for_approval'}", env()) is False


# -- shapes (docs/approvals-script.md, "Triggers") --------------------------------------------


@pytest.mark.parametrize(("raw", "expected"), [
    (None, True),
    (True, True),
    (False, False),
    ([], True),
    ({"all": []}, True),
    ({"any": []}, False),
    ([EVENT, "{invoice.amount > 100000}"], False),
    ({"any": [False, {"all": [True, EVENT]}]}, True),
])
def test_shapes(raw, expected):
    assert matches(raw, env()) is expected


@pytest.mark.parametrize(("inv", "expected"), [
    (invoice(counterpart_id=C_ACME, amount=30001, currency="EUR", payable_origin="email"), True),
    (invoice(counterpart_id=C_ACME, amount=30000, currency="EUR", payable_origin="email"), False),
    (invoice(counterpart_id=C_OTHER, amount=40000, currency="EUR", payable_origin="upload"), False),
    (invoice(counterpart_id=C_ACME, amount=40000, currency="USD", payable_origin="upload"), False),
    (invoice(counterpart_id=C_ACME, amount=40000, currency="EUR", payable_origin="einvoicing"), False),
])
def test_legacy_version_1_trigger(inv, expected):
    legacy = {"version": 1, "object_type": "payable", "action": "create", "counterparts": [C_ACME],
              "amount": {"gt": 30000}, "currency": "EUR",
              "custom_params": {"comes_from_email": True, "comes_from_upload": True},
              "statuses": ["waiting_to_be_paid"]}
    assert matches(legacy, env(inv)) is expected


def test_legacy_amount_bounds_and_origin_filter():
    legacy = {"version": 1, "amount": {"gte": 100, "lte": 200, "eq": 150}, "custom_params": {"comes_from_email": True}}
    assert matches(legacy, env(invoice(amount=150, payable_origin="email"))) is True
    assert matches(legacy, env(invoice(amount=150, payable_origin="upload"))) is False
    assert matches(legacy, env(invoice(amount=151, payable_origin="email"))) is False
    assert matches({"version": 1}, env()) is True


# -- value rules (docs/approvals-script.md, "Evaluated strings", "Operator objects and operands") ---

SNAPSHOT = invoice(
    amount=50000,
    description="Office chairs for the Berlin office",
    tags=[marketing_tag(), {"id": "t2", "name": "Furniture", "category": None, "description": None}],
    line_items=[{"ledger_account_id": "L1", "quantity": 2.5}, {"ledger_account_id": "L2", "quantity": 1}],
    partner_metadata={"threshold": "50000", "flag": True, "nested": {"k": [1, 2]}},
    discount=None,
    tax=0,
)

EXPRESSIONS = [
    # numbers, decimals and numeric strings
    ("{invoice.amount == 50000}", True),
    ("{invoice.amount == 50000.0}", True),
    ("{invoice.amount == '50000'}", True),
    ("{'50000' == invoice.amount}", True),
    ("{invoice.amount >= invoice.partner_metadata.threshold}", True),
    ("{invoice.amount > '49999.99'}", True),
    ("{invoice.amount > 'abc'}", False),
    ("{invoice.amount == 'abc'}", False),
    ("{'10' < '9'}", True),  # two strings compare as strings
    ("{'10' == '10.0'}", False),
    ("{-1 < 0}", True),
    ("{invoice.line_items.quantity == [2.5, 1]}", True),
    # strings and dates
    ("{invoice.currency == \"EUR\"}", True),
    ("{invoice.issued_at < '2024-05-02'}", True),
    ("{invoice.due_date >= '2024-06-01'}", True),
    ("{'b' > 'a'}", True),
    # null
    ("{invoice.discount == null}", True),
    ("{invoice.discount == None}", True),
    ("{invoice.discount != null}", False),
    ("{invoice.discount < 1}", False),
    ("{invoice.discount >= 1}", False),
    ("{null <= null}", False),
    ("{invoice.missing_field == null}", True),
    ("{invoice.counterpart.missing.deeper == null}", True),
    ("{event_name.length == null}", True),
    # mixed types
    ("{true == 1}", False),
    ("{false == 0}", False),
    ("{true > false}", False),
    ("{[1, 2] == [1, 2]}", True),
    ("{invoice.partner_metadata.nested == invoice.partner_metadata.nested}", True),
    ("{invoice.amount > [1]}", False),
    # in / not in
    ("{'Marketing' in invoice.tags.name}", True),
    ("{‘Marketing’ in invoice.tags.name}", True),
    ("{'Market' in invoice.tags.name}", False),
    ("{'chairs' in invoice.description}", True),
    ("{'Chairs' in invoice.description}", False),
    ("{5 in invoice.description}", False),
    ("{'x' in invoice.discount}", False),
    ("{'x' in invoice.partner_metadata}", False),
    ("{'50000' in [invoice.amount]}", True),
    ("{'L2' in invoice.line_items.ledger_account_id}", True),
    ("{'t2' not in invoice.tags.id}", False),
    ("{'EUR' not in 'USD GBP'}", True),
    # truthiness and boolean operators
    ("{invoice.description}", True),
    ("{invoice.discount}", False),
    ("{invoice.tax}", False),
    ("{invoice.tags}", True),
    ("{invoice.line_items.missing}", True),  # [null, null] is a non-empty list
    ("{invoice.partner_metadata.flag and invoice.amount}", True),
    ("{invoice.discount or ''}", False),
    ("{not invoice.discount}", True),
    ("{!invoice.tags}", False),
    ("{[] || '' == null}", False),
    ("{invoice.tax && invoice.missing.x.y}", False),
    ("{True and not False and (None or 1)}", True),
    ("{'a' == 'a' or 1 == 2 and false}", True),
    ("{'it\\'s' == \"it's\"}", True),
]


@pytest.mark.parametrize(("expression", "expected"), EXPRESSIONS, ids=[e for e, _ in EXPRESSIONS])
def test_expression_semantics(expression, expected):
    assert matches(expression, env(SNAPSHOT)) is expected


OPERATORS = [
    (">=", {"name": "invoice.amount"}, 30000, True),
    (">=", {"name": "invoice.amount"}, "50000", True),
    ("<", {"name": "invoice.amount"}, "{invoice.partner_metadata.threshold}", False),
    ("==", {"name": "invoice.currency"}, "EUR", True),
    ("in", {"name": "invoice.currency"}, "EUR", True),  # substring, as some Monite fixtures write it
    ("in", {"name": "invoice.counterpart_id"}, [C_ACME, C_OTHER], True),
    ("in", T_MKT, {"name": "invoice.tags.id"}, True),
    ("not in", T_MKT, {"name": "invoice.tags.id"}, False),
    ("not_in", "t3", {"name": "invoice.tags.id"}, True),
    ("range", {"name": "invoice.amount"}, [50000, 60000], True),
    ("range", {"name": "invoice.amount"}, [40000, 50000], True),
    ("range", {"name": "invoice.amount"}, [50001, 60000], False),
    ("range", {"name": "invoice.amount"}, ["100", "50000"], True),
    ("range", {"name": "invoice.discount"}, [0, 1], False),
    ("!=", {"name": "invoice.discount"}, None, False),
    ("==", {"name": "event_name"}, "submitted_for_approval", True),
    ("==", "{invoice.amount}", 50000, True),
    ("==", True, "{invoice.partner_metadata.flag}", True),
    ("<=", {"call": "Currency.convert", "params": {"amount": "{invoice.amount}", "from_currency": "EUR",
                                                    "to_currency": "EUR"}}, 50000, True),
    ("==", {"call": "Currency.convert", "params": {"amount": 1000, "from_currency": "usd", "to_currency": "EUR"}},
     900, True),
]


@pytest.mark.parametrize(("op", "left", "right", "expected"), OPERATORS, ids=range(len(OPERATORS)))
def test_operator_objects(op, left, right, expected):
    raw = {"operator": op, "left_operand": left, "right_operand": right}
    assert matches(raw, env(SNAPSHOT, rates(USD_EUR="0.9"))) is expected


def test_currency_convert_in_strings_positional_and_keyword():
    environment = env(invoice(amount=15000, currency="USD"), rates(USD_EUR="0.9"))
    assert matches("{Currency.convert(invoice.amount, invoice.currency, 'EUR') == 13500}", environment)
    assert matches("{Currency.convert(to_currency='EUR', amount=invoice.amount, from_currency='USD') < 20000}",
                   environment)


# -- evaluation errors ------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "message", "location"), [
    ({"all": [EVENT, "{Currency.convert(invoice.amount, 'USD', 'JPY') > 1}"]},
     "No exchange rate from USD to JPY", "trigger.all[1]"),
    ("{Currency.convert(invoice.description, 'USD', 'EUR') > 1}",
     "Currency.convert: amount must be an integer number of minor units", "trigger"),
    ("{Currency.convert(1, invoice.discount, 'EUR') > 1}",
     "Currency.convert: currencies must be currency codes", "trigger"),
    ({"operator": "range", "left_operand": 1, "right_operand": "{[1]}"},
     "range needs a two-element list [min, max]", "trigger"),
    ({"any": [False, {"operator": "==", "left_operand": {"call": "Currency.convert", "params": {
        "amount": 1, "from_currency": "GBP", "to_currency": "EUR"}}, "right_operand": 1}]},
     "No exchange rate from GBP to EUR", "trigger.any[1].left_operand"),
])
def test_evaluation_errors_are_located(raw, message, location):
    with pytest.raises(EvaluationError) as info:
        matches(raw, env(SNAPSHOT, rates(USD_EUR="0.9")))
    assert (info.value.message, info.value.location) == (message, location)
    assert str(info.value) == message


def test_converter_failures_become_evaluation_errors():
    def broken(amount, source, target):
        raise KeyError(source)

    def wrong(amount, source, target):
        return "12"

    raw = "{Currency.convert(100, 'USD', 'EUR') > 1}"
    with pytest.raises(EvaluationError, match="No exchange rate from USD to EUR"):
        matches(raw, env(SNAPSHOT, broken))
    with pytest.raises(EvaluationError, match="did not return an integer"):
        matches(raw, env(SNAPSHOT, wrong))


def test_combinators_short_circuit_before_errors():
    assert matches({"all": [False, "{Currency.convert(1, 'USD', 'EUR') > 0}"]}, env()) is False
    assert matches({"any": [True, "{Currency.convert(1, 'USD', 'EUR') > 0}"]}, env()) is True
    assert matches("{false and Currency.convert(1, 'USD', 'EUR') > 0}", env()) is False


def test_context_that_is_not_an_object():
    with pytest.raises(EvaluationError):
        evaluate_trigger(parse_trigger(EVENT), Environment(context=[]))  # type: ignore[arg-type]
    assert evaluate_trigger(parse_trigger("{invoice.amount == null}"), Environment(context={})) is True
