"""The console's strings: one Babel catalogue per language, read from its ``.po`` file at start-up
(no compile step), and the locale-aware formatting of amounts and dates."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations

from remit.core import money

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "de")  # English is the source language: its catalogue is the msgids themselves
DEFAULT = "en"


@lru_cache
def translations(language: str) -> NullTranslations:
    po = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT or not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


def negotiate(chosen: str | None, accept_language: str | None) -> str:
    """A language the console has: the one chosen (cookie), else the browser's first we have."""
    if chosen in LANGUAGES:
        return chosen
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower().split("-")[0]
        if tag in LANGUAGES:
            return tag
    return DEFAULT


def _locale(name: str) -> Locale:
    try:
        return Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT)


def amount(value: int | None, currency: str | None, locale: str) -> str:
    """Minor units as the entity's locale writes the amount (``1.234,56 €`` in de_DE)."""
    if value is None or not currency:
        return "—"
    major: Decimal = money.to_major(value, currency)
    return format_currency(major, currency, locale=_locale(locale))


def number(value: Any, locale: str) -> str:
    if value is None:
        return "—"
    return format_decimal(Decimal(str(value)).normalize(), locale=_locale(locale))


def day(value: Any, locale: str) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return format_datetime(value, "medium", locale=_locale(locale))
    return format_date(value, "medium", locale=_locale(locale))
