"""remit.core.money: currency exponents from CLDR, minor/major conversion, rounding half away from zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from remit.core.money import MAX_AMOUNT, MinorUnits, exponent, percent_of, round_half_up, to_major, to_minor


class TestExponent:
    @pytest.mark.parametrize(("currency", "digits"), [("EUR", 2), ("USD", 2), ("GBP", 2), ("JPY", 0), ("KRW", 0),
                                                      ("KWD", 3), ("BHD", 3), ("CHF", 2)])
    def test_known(self, currency, digits):
        assert exponent(currency) == digits

    @pytest.mark.parametrize("currency", ["XXX1", "ABC", "eur", "", "EURO"])
    def test_unknown_is_a_value_error(self, currency):
        with pytest.raises(ValueError):
            exponent(currency)


class TestConversion:
    @pytest.mark.parametrize(
        ("amount", "currency", "major"),
        [(1250, "EUR", Decimal("12.50")), (1, "EUR", Decimal("0.01")), (0, "EUR", Decimal("0")),
         (1250, "JPY", Decimal("1250")), (1250, "KWD", Decimal("1.250")), (-1999, "USD", Decimal("-19.99"))],
    )
    def test_to_major(self, amount, currency, major):
        result = to_major(amount, currency)
        assert result == major
        assert isinstance(result, Decimal)

    def test_to_major_keeps_the_scale(self):
        assert str(to_major(1250, "EUR")) == "12.50"
        assert str(to_major(1250, "KWD")) == "1.250"

    @pytest.mark.parametrize(
        ("value", "currency", "minor"),
        [
            (Decimal("12.50"), "EUR", 1250),
            ("12.5", "EUR", 1250),
            (12, "EUR", 1200),
            ("12.505", "EUR", 1251),  # half away from zero
            ("12.5049", "EUR", 1250),
            ("-12.505", "EUR", -1251),
            ("1250.5", "JPY", 1251),
            ("1250.4", "JPY", 1250),
            ("1.2345", "KWD", 1235),
            ("1.2344", "KWD", 1234),
        ],
    )
    def test_to_minor(self, value, currency, minor):
        assert to_minor(value, currency) == minor

    @pytest.mark.parametrize("currency", ["EUR", "JPY", "KWD"])
    @pytest.mark.parametrize("amount", [0, 1, 99, 1250, 123456789, MAX_AMOUNT])
    def test_round_trip(self, amount, currency):
        assert to_minor(to_major(amount, currency), currency) == amount

    def test_unknown_currency(self):
        with pytest.raises(ValueError):
            to_minor("1", "ZZZ")
        with pytest.raises(ValueError):
            to_major(1, "ZZZ")


class TestRounding:
    @pytest.mark.parametrize(
        ("value", "rounded"),
        [("0.5", 1), ("1.5", 2), ("2.5", 3), ("-0.5", -1), ("-2.5", -3), ("2.4999", 2), ("-2.4999", -2), ("3", 3)],
    )
    def test_round_half_up_is_away_from_zero(self, value, rounded):
        assert round_half_up(Decimal(value)) == rounded

    @pytest.mark.parametrize(
        ("amount", "bp", "expected"),
        [
            (10000, 1900, 1900),  # 19 % of 100.00
            (1050, 1900, 200),  # 199.5 → 200
            (1, 5000, 1),  # 0.5 → 1 (banker's rounding would give 0)
            (3, 5000, 2),  # 1.5 → 2
            (5, 5000, 3),  # 2.5 → 3 (banker's rounding would give 2)
            (2, 2500, 1),  # 0.5 → 1
            (1, 4999, 0),
            (12345, 0, 0),
            (12345, 10000, 12345),
            (-5, 5000, -3),  # negative amounts round away from zero too
            (1000, Decimal("1212.5"), 121),  # fractional basis points: 121.25
            (1000, Decimal("1215"), 122),  # 121.5 → 122
            (MAX_AMOUNT, 10000, MAX_AMOUNT),
        ],
    )
    def test_percent_of(self, amount, bp, expected):
        assert percent_of(amount, bp) == expected
        assert isinstance(percent_of(amount, bp), int)


class TestMinorUnits:
    adapter = TypeAdapter(MinorUnits)

    @pytest.mark.parametrize("value", [0, 1, MAX_AMOUNT])
    def test_accepts_non_negative_integers(self, value):
        assert self.adapter.validate_python(value) == value

    @pytest.mark.parametrize("value", [-1, 1.5, 100.0, "100", MAX_AMOUNT + 1, True])
    def test_refuses_the_rest(self, value):
        with pytest.raises(ValidationError):
            self.adapter.validate_python(value)
