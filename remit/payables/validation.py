"""The draft → new rules (docs/payables.md, "draft → new"): which fields a payable needs before it
is ``new``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class PayablesFieldsAllowedForValidate(StrEnum):
    currency = "currency"
    document_id = "document_id"
    due_date = "due_date"
    issued_at = "issued_at"
    tax_amount = "tax_amount"
    total_amount = "total_amount"
    subtotal = "subtotal"
    description = "description"
    suggested_payment_term = "suggested_payment_term"
    payment_terms = "payment_terms"
    tax = "tax"
    sender = "sender"
    file_id = "file_id"
    counterpart_id = "counterpart_id"
    counterpart_bank_account_id = "counterpart_bank_account_id"
    counterpart_address_id = "counterpart_address_id"
    counterpart_vat_id_id = "counterpart_vat_id_id"
    line_items = "line_items"
    line_items_quantity = "line_items.quantity"
    line_items_unit_price = "line_items.unit_price"
    line_items_tax = "line_items.tax"
    line_items_ledger_account_id = "line_items.ledger_account_id"
    line_items_accounting_tax_rate_id = "line_items.accounting_tax_rate_id"
    line_items_unit = "line_items.unit"
    line_items_name = "line_items.name"
    line_items_description = "line_items.description"
    line_items_subtotal = "line_items.subtotal"
    line_items_total = "line_items.total"
    line_items_tax_amount = "line_items.tax_amount"


DEFAULT_REQUIRED_FIELDS = ["currency", "document_id", "due_date", "issued_at", "total_amount", "line_items"]


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validation_errors(payable: Any, lines: list[Any], required_fields: list[str]) -> list[dict[str, Any]]:
    """Pydantic-style errors for every rule the payable breaks; ``[]`` when it may be ``new``."""
    errors: list[dict[str, Any]] = []
    needs_lines = False
    for field in required_fields:
        if field == "line_items":
            needs_lines = True
        elif field.startswith("line_items."):
            needs_lines = True
            attr = field.split(".", 1)[1]
            for index, line in enumerate(lines):
                if _missing(getattr(line, attr)):
                    errors.append({"loc": ["line_items", index, attr], "msg": "Field required", "type": "missing"})
        elif _missing(getattr(payable, field)):
            errors.append({"loc": [field], "msg": "Field required", "type": "missing"})
    if needs_lines and not lines:
        errors.append({"loc": ["line_items"], "msg": "At least one line item is required", "type": "missing"})
    if "line_items" in required_fields and lines:
        for index, line in enumerate(lines):
            complete = line.tax is not None and None not in (line.subtotal, line.tax_amount, line.total)
            if complete and line.subtotal + line.tax_amount != line.total:
                errors.append({"loc": ["line_items", index, "total"],
                               "msg": "subtotal + tax_amount must equal total", "type": "value_error"})
        if payable.subtotal is not None and sum(li.subtotal or 0 for li in lines) != payable.subtotal:
            errors.append({"loc": ["subtotal"], "msg": "The line items' subtotals must add up to the subtotal",
                           "type": "value_error"})
    return errors
