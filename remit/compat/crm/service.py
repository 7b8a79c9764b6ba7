"""CRM.COM's ``invoices/reject`` and rejection-reason list over remit's receivables (docs/compat-crm.md):
identifier resolution, the invoice's "short" form, ``fields_set``. The rejection itself is
``receivables.service.rejection.reject_loaded``: the same lock, move, history and event as the
native route."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from remit.compat.crm.envelope import CrmError
from remit.core import money
from remit.core.context import RequestContext
from remit.receivables.errors import OnlyDraftInvoicesRejectable, ReceivableTransitionConflict
from remit.receivables.lifecycle import ReceivableType, S
from remit.receivables.models import Receivable
from remit.receivables.rejection_reasons.models import ReceivableRejectionReason
from remit.receivables.rejection_reasons.service import ReasonRepository
from remit.receivables.service import amounts
from remit.receivables.service.common import OBJECT
from remit.receivables.service.rejection import reject_loaded
from remit.receivables.service.transitions import load_for_transition

INVOICE_FIELDS = ("id", "number", "reference_number", "back_office_code")
REASON_FIELDS = ("id", "name", "alternative_code")
# The "invoice short" object, in the order it is written (docs/compat-crm.md, "The response").
SHORT_FIELDS = ("id", "number", "reference_number", "life_cycle_state", "issued_on", "posted_on", "due_on",
                "total_amount", "outstanding_amount", "unsettled_amount", "currency_rate_period")
REASON_LIST_FIELDS = ("default", "id", "name", "alternative_code", "description")
LIFE_CYCLE_STATE = {S.draft: "DRAFT", S.rejected: "REJECTED", S.canceled: "CANCELLED"}  # every other: POSTED
_HEX_ID = re.compile(r"[0-9a-f]{32}")


def selected(fields_set: str | None, known: Iterable[str]) -> tuple[str, ...]:
    """The known fields ``fields_set`` names, in their own order (all of them without one)."""
    known = tuple(known)
    if fields_set is None:
        return known
    asked = {name.strip() for name in fields_set.split(",")}
    return tuple(name for name in known if name in asked)


def parse_id(value: str) -> uuid.UUID | None:
    """A canonical UUID or its 32 hex digits without dashes, either case; anything else matches nothing."""
    lowered = value.lower()
    digits = lowered.replace("-", "")
    if not _HEX_ID.fullmatch(digits):
        return None
    parsed = uuid.UUID(digits)
    return parsed if lowered in (digits, str(parsed)) else None


# -- finding the invoice and the reason ---------------------------------------------------------


def _metadata(key: str) -> Any:
    """``partner_metadata.<key>`` as text (a number stored there compares as its digits)."""
    return cast(Receivable.partner_metadata[key].as_string(), String)


def find_invoice(session: Session, ctx: RequestContext, field: str, value: str) -> uuid.UUID:
    """The one live invoice of the caller's entity the identifier names."""
    statement = select(Receivable.id).where(
        Receivable.entity_id == ctx.scoped_entity_id, Receivable.type == ReceivableType.invoice,
        Receivable.status != S.deleted,
    )
    if field == "id":
        invoice_id = parse_id(value)
        if invoice_id is None:
            raise _invoice_not_found(field, value)
        statement = statement.where(Receivable.id == invoice_id)
    elif field == "number":
        statement = statement.where(Receivable.document_id == value)
    else:
        statement = statement.where(_metadata(field) == value)
    found = list(session.scalars(statement.limit(2)))
    if not found:
        raise _invoice_not_found(field, value)
    if len(found) > 1:
        raise CrmError(409, "AMBIGUOUS_IDENTIFIER", "More than one invoice matches the identifier",
                       f"Several invoices have {field} '{value}'")
    return found[0]


def _invoice_not_found(field: str, value: str) -> CrmError:
    return CrmError(404, "INVOICE_NOT_FOUND", "Invoice not found", f"No invoice has {field} '{value}'")


def find_reason(session: Session, ctx: RequestContext,
                identifier: tuple[str, str] | None) -> ReceivableRejectionReason | None:
    """The reason the identifier names, or the entity's default (None: there is none)."""
    reasons = ReasonRepository(session, ctx)
    if identifier is None:
        return reasons.default()
    field, value = identifier
    if field == "id":
        reason_id = parse_id(value)
        reason = reasons.find(reason_id) if reason_id is not None else None
    elif field == "name":
        reason = reasons.by_name(value)
    else:
        reason = reasons.by_code(value)
    if reason is None:
        raise CrmError(404, "REJECTION_REASON_NOT_FOUND", "Rejection reason not found",
                       f"No rejection reason has {field} '{value}'")
    return reason


# -- the operations -----------------------------------------------------------------------------


def reject(session: Session, ctx: RequestContext, *, invoice: tuple[str, str], reason: tuple[str, str] | None,
           fields_set: str | None) -> dict[str, Any]:
    ctx.check(OBJECT, "update")
    field, value = invoice
    receivable = load_for_transition(session, ctx, find_invoice(session, ctx, field, value))
    ctx.check(OBJECT, "update", owner_id=receivable.entity_user_id)
    chosen = find_reason(session, ctx, reason)
    try:
        reject_loaded(session, ctx, receivable, reason=chosen, comment=None)
    except (OnlyDraftInvoicesRejectable, ReceivableTransitionConflict) as refused:
        state = life_cycle_state(getattr(refused, "status", None) or receivable.status)
        raise CrmError(409, "INVALID_LIFE_CYCLE_STATE", "Only draft invoices can be rejected",
                       f"Invoice {receivable.id} is in state {state}") from None
    short = invoice_short(receivable)
    return {name: short[name] for name in selected(fields_set, SHORT_FIELDS)}


def reasons(session: Session, ctx: RequestContext, *, fields_set: str | None) -> list[dict[str, Any]]:
    ctx.check(OBJECT, "read")
    fields = selected(fields_set, REASON_LIST_FIELDS)
    listed = []
    for reason in ReasonRepository(session, ctx).all():
        item: dict[str, Any] = {"default": reason.is_default} if "default" in fields else {}
        item["rejection_reason"] = {name: getattr(reason, name) for name in REASON_LIST_FIELDS[1:] if name in fields}
        if "id" in item["rejection_reason"]:
            item["rejection_reason"]["id"] = str(reason.id)
        listed.append(item)
    return listed


# -- the invoice's short form -------------------------------------------------------------------


def life_cycle_state(status: str) -> str:
    return LIFE_CYCLE_STATE.get(S(status), "POSTED")


def _when(value: Any) -> str | None:
    """UTC, to the second, without a zone: ``2014-11-07T11:38:48``."""
    return value.strftime("%Y-%m-%dT%H:%M:%S") if value is not None else None


def major(amount: int, currency: str) -> Decimal:
    return money.to_major(amount, currency)


def invoice_short(invoice: Receivable) -> dict[str, Any]:
    metadata = invoice.partner_metadata or {}
    reference = metadata.get("reference_number")
    state = life_cycle_state(invoice.status)
    posted = None if state == "DRAFT" else invoice.rejected_at if state == "REJECTED" else invoice.issue_date
    owed = 0 if state == "DRAFT" else amounts.balances(invoice)[1]
    return {
        "id": str(invoice.id),
        "number": invoice.document_id,
        "reference_number": str(reference) if reference is not None else None,
        "life_cycle_state": state,
        "issued_on": _when(invoice.issue_date or invoice.created_at),
        "posted_on": _when(posted),
        "due_on": f"{invoice.due_date.isoformat()}T00:00:00" if invoice.due_date else None,
        "total_amount": major(invoice.total_amount, invoice.currency),
        "outstanding_amount": major(owed, invoice.currency),
        "unsettled_amount": major(owed, invoice.currency),
        "currency_rate_period": None,
    }
