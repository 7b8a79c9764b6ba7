"""Defaults for a new entity: its settings document and its "Default" role."""

from __future__ import annotations

import copy
from typing import Any

from babel.numbers import get_territory_currencies

from remit.core.enums import CurrencyEnum

_COLUMN = {"display": True}

DEFAULT_SETTINGS: dict[str, Any] = {
    "language": "en",
    "reminder": {"enabled": True},
    "vat_mode": "exclusive",
    "vat_inclusive_discount_mode": "exclusive",
    "payment_priority": "working_capital",
    "allow_purchase_order_autolinking": True,
    "receivable_edit_flow": "compliant",
    "document_ids": {
        "document_type_prefix": {
            "credit_note": "CN",
            "delivery_note": "DN",
            "invoice": "INV",
            "purchase_order": "PO",
            "quote": "Q",
        },
        "include_date": False,
        "min_digits": 5,
        "prefix": None,
        "separator": "-",
    },
    "payables_ocr_auto_tagging": None,
    "quote_signature_required": False,
    "generate_paid_invoice_pdf": False,
    "payables_skip_approval_flow": False,
    "document_rendering": {
        "display_entity_bank_account": True,
        "display_line_items": True,
        "invoice": {"display_entity_bank_account": True},
        "credit_note": {"display_entity_bank_account": True},
        "quote": {"display_entity_bank_account": True, "display_signature": False},
        "line_items": {
            "discount": _COLUMN,
            "measure_unit": _COLUMN,
            "name": _COLUMN,
            "price": _COLUMN,
            "price_after_vat": _COLUMN,
            "quantity": _COLUMN,
            "total_price": _COLUMN,
            "total_price_after_vat": _COLUMN,
            "vat_amount": {"display": False},
            "vat_rate": _COLUMN,
        },
    },
    "mail": {"reply_to": None},
    "accounting": None,
}


def default_currency(country: str) -> str:
    """The country's current currency when Monite knows it, else EUR."""
    for code in get_territory_currencies(country):
        if code in CurrencyEnum.__members__:
            return code
    return CurrencyEnum.EUR.value


def default_settings(country: str) -> dict[str, Any]:
    settings = copy.deepcopy(DEFAULT_SETTINGS)
    settings["currency"] = {"default": default_currency(country), "exchange_rates": []}
    return settings


def deep_merge(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Merge ``patch`` into a copy of ``target``: dicts recursively, anything else replaced."""
    merged = copy.deepcopy(target)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
