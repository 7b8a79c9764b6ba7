"""What a script sees (docs/approvals-script.md, "Evaluation context"): the payable as a plain dict,
and Currency.convert."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.core import money
from remit.core.money import exchange_rate
from remit.counterparts.models import Counterpart
from remit.payables import wire
from remit.payables.models import Payable
from remit.payables.repository import PayableRepository

EVENT_NAME = "submitted_for_approval"

_SCALARS = (
    "total_amount", "subtotal", "tax", "tax_amount", "discount", "amount_paid", "currency", "document_id", "description", "sender", "issued_at", "due_date",
    "status", "counterpart_id", "counterpart_address_id", "counterpart_bank_account_id", "counterpart_vat_id_id",
    "project_id", "purchase_order_id", "was_created_by_user_id", "created_by_role_id", "payable_origin",
    "source_of_payable_data", "ocr_status", "partner_metadata", "created_at", "updated_at", "counterpart",
)
_LINE_FIELDS = (
    "id", "name", "description", "quantity", "unit", "unit_price", "tax", "subtotal", "tax_amount", "total",
    "ledger_account_id", "accounting_tax_rate_id",
)


def plain(value: Any) -> Any:
    """UUIDs as lowercase strings, dates ``YYYY-MM-DD``, datetimes ISO, decimals as numbers."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def invoice(session: Session, payable: Payable, repo: PayableRepository) -> dict[str, Any]:
    data = {name: plain(getattr(payable, name)) for name in _SCALARS}
    data["total_amount_with_credit_notes"], data["amount_due"], data["amount_to_pay"] = wire.balances_of(session, payable)
    data["id"] = str(payable.id)
    data["amount"] = payable.total_amount
    data["tags"] = [
        {"id": str(t.id), "name": t.name, "category": t.category, "description": t.description} for t in payable.tags
    ]
    data["line_items"] = [{f: plain(getattr(li, f)) for f in _LINE_FIELDS} for li in repo.lines(payable.id)]
    data["counterpart_name"] = _counterpart_name(session, payable)
    return data


def _counterpart_name(session: Session, payable: Payable) -> str | None:
    if payable.counterpart and payable.counterpart.get("name"):
        return payable.counterpart["name"]
    if payable.counterpart_id is not None:
        name = session.scalar(select(Counterpart.name).where(Counterpart.id == payable.counterpart_id))
        if name:
            return name
    return (payable.counterpart_raw_data or {}).get("name")


def context(session: Session, payable: Payable, repo: PayableRepository) -> dict[str, Any]:
    return {"event_name": EVENT_NAME, "invoice": invoice(session, payable, repo)}


def converter(settings: dict[str, Any]) -> Callable[[int, str, str], int]:
    """Currency.convert with the entity's exchange rates (``settings.currency.exchange_rates``)."""

    def convert(amount: int, from_currency: str, to_currency: str) -> int:
        rate = exchange_rate(settings, from_currency, to_currency)
        if rate is None:
            raise LookupError(f"No exchange rate from {from_currency} to {to_currency}")
        return money.convert(int(amount), from_currency, to_currency, rate)

    return convert
