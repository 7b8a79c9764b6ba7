"""Money: integer minor units, currencies and their exponents, rounding — in one place.

Currency codes are Monite's ``CurrencyEnum`` (ISO 4217); the number of minor-unit digits comes
from CLDR data through babel (EUR 2, JPY 0, KWD 3), never from a hard-coded ``* 100``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Annotated, Any

from babel.numbers import get_currency_precision
from pydantic import Field

from remit.core.enums import CurrencyEnum

# The largest amount the wire allows (JavaScript's safe integer), and the column type holds.
MAX_AMOUNT = 9_007_199_254_740_991

# An amount in minor units: a non-negative integer (floats and strings are refused by the schema).
MinorUnits = Annotated[int, Field(ge=0, le=MAX_AMOUNT, strict=True)]
# An amount a list filters on (query strings are strings, so not strict); bounded, so a huge value
# is a 422 rather than an integer the database cannot bind.
AmountFilter = Annotated[int, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]


@cache
def exponent(currency: str) -> int:
    """Digits after the decimal point of the currency's minor unit."""
    code = CurrencyEnum(currency).value  # raises ValueError for an unknown code
    return get_currency_precision(code)


def to_major(amount: int, currency: str) -> Decimal:
    """1250 EUR → Decimal('12.50'); 1250 JPY → Decimal('1250')."""
    return Decimal(amount).scaleb(-exponent(currency))


def to_minor(value: Decimal | str | int, currency: str) -> int:
    """Decimal('12.505') EUR → 1251 (half away from zero on the minor unit)."""
    return int(round_half_up(Decimal(value).scaleb(exponent(currency))))


def round_half_up(value: Decimal) -> Decimal:
    """Half away from zero to an integer, the rounding every amount computation uses."""
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def percent_of(amount: int, basis_points: int | Decimal) -> int:
    """``amount × bp / 10000``, rounded half away from zero (1250 bp = 12.5 %)."""
    return int(round_half_up(Decimal(amount) * Decimal(basis_points) / Decimal(10000)))


def exchange_rate(settings: dict[str, Any], from_currency: str, to_currency: str) -> Decimal | None:
    """The rate to turn ``from_currency`` into ``to_currency`` from an entity's settings
    (``currency.exchange_rates``: ``{base, to, rate}`` means 1 base = rate × to), or None."""
    if from_currency == to_currency:
        return Decimal(1)
    for entry in (settings.get("currency") or {}).get("exchange_rates") or []:
        if not entry:
            continue
        if (entry["base"], entry["to"]) == (from_currency, to_currency):
            return Decimal(str(entry["rate"]))
        if (entry["base"], entry["to"]) == (to_currency, from_currency):
            return Decimal(1) / Decimal(str(entry["rate"]))
    return None


def convert(amount: int, from_currency: str, to_currency: str, rate: Decimal) -> int:
    """``amount`` minor units of one currency in minor units of another, rounded half up."""
    return to_minor(to_major(amount, from_currency) * rate, to_currency)
