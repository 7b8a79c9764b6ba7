"""The manual status transitions (docs/payables.md, "Lifecycle") and ``validate``
(docs/payables.md, "draft → new")."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.entities.models import settings_of
from remit.payables import schemas, wire
from remit.payables.lifecycle import PayableStateEnum
from remit.payables.models import Payable
from remit.payables.repository import PayableRepository, ValidationRulesRepository
from remit.payables.service.common import check_rules, load, move
from remit.payables.validation import validation_errors


def _load(session: Session, ctx: RequestContext, payable_id: uuid.UUID) -> Payable:
    # The permission is the transition row's; the lifecycle engine checks it with the owner.
    return PayableRepository(session, ctx).get_for_update(payable_id)


def cancel(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> Payable:
    payable = _load(session, ctx, payable_id)
    move(session, ctx, payable, "cancel")
    return payable


def submit_for_approval(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> Payable:
    payable = _load(session, ctx, payable_id)
    move(session, ctx, payable, "submit_for_approval", values={"counterpart": snapshot(session, payable)})
    if settings_of(session, payable.entity_id).get("payables_skip_approval_flow"):
        move(session, ctx, payable, "approve_by_policy")
    return payable


def approve_payment_operation(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> Payable:
    payable = _load(session, ctx, payable_id)
    move(session, ctx, payable, "approve_payment_operation", values={"counterpart": snapshot(session, payable)})
    return payable


def reject(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> Payable:
    payable = _load(session, ctx, payable_id)
    move(session, ctx, payable, "reject")
    return payable


def reopen(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> Payable:
    payable = _load(session, ctx, payable_id)
    move(session, ctx, payable, "reopen", values={"approval_policy_id": None})
    return payable


def mark_as_partially_paid(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, payload: schemas.PartiallyPaidPayload
) -> Payable:
    payable = _load(session, ctx, payable_id)
    move(
        session, ctx, payable, "mark_as_partially_paid",
        values={"amount_paid": payload.amount_paid, "counterpart": snapshot(session, payable)},
        params={"amount_paid": payload.amount_paid, "total": wire.balances_of(session, payable)[0]},
    )
    return payable


def mark_as_paid(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, payload: schemas.CommentPayload,
    payable: Payable | None = None, paid_by: Any = ...,
) -> Payable:
    """``paid_by`` overrides ``marked_as_paid_by_entity_user_id`` (default: the caller)."""
    payable = payable or _load(session, ctx, payable_id)
    move(
        session, ctx, payable, "mark_as_paid",
        values={
            "amount_paid": wire.balances_of(session, payable)[0] or 0,
            "paid_at": clock.now(),
            "marked_as_paid_by_entity_user_id": ctx.entity_user_id if paid_by is ... else paid_by,
            "marked_as_paid_with_comment": payload.comment,
            "counterpart": snapshot(session, payable),
        },
    )
    return payable


def decide_by_policy(
    session: Session, ctx: RequestContext, payable: Payable, kind: str, *, comment: str | None = None,
    paid_by: uuid.UUID | None = None,
) -> None:
    """An approval script's ``Payables.approve/reject/mark_as_paid``
    (docs/approvals-script.md, "Running the list").

    ``paid_by``: the user whose approval let the script reach ``mark_as_paid`` (None if nobody approved).

    Approving an approved or rejecting a rejected payable is a no-op; any other move the table
    does not allow raises ``InvalidPayableTransition`` (a runtime error of the process).
    """
    if kind == "approve":
        if payable.status != PayableStateEnum.waiting_to_be_paid:
            move(session, ctx, payable, "approve_by_policy", values={"counterpart": snapshot(session, payable)})
    elif kind == "reject":
        if payable.status != PayableStateEnum.rejected:
            move(session, ctx, payable, "reject_by_policy")
    elif kind == "mark_as_paid":
        if payable.status == PayableStateEnum.approve_in_progress:
            move(session, ctx, payable, "approve_by_policy", values={"counterpart": snapshot(session, payable)})
        mark_as_paid(session, ctx, payable_id=payable.id, payload=schemas.CommentPayload(comment=comment),
                     payable=payable, paid_by=paid_by)
    else:
        raise ValueError(kind)


def validate(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> dict[str, Any]:
    """The rules the payable breaks; a valid draft is promoted to ``new``
    (docs/payables.md, "draft → new")."""
    payable = load(session, ctx, payable_id, "read", for_update=True)
    rules = ValidationRulesRepository(session, ctx).effective()
    errors = validation_errors(payable, PayableRepository(session, ctx).lines(payable.id), rules)
    if payable.status == PayableStateEnum.draft and not errors:
        check_rules(session, ctx, payable)
    return {"id": payable.id, "validation_errors": errors}


def snapshot(session: Session, payable: Payable) -> dict[str, Any] | None:
    """The counterpart's data frozen on the payable the first time it is needed
    (docs/payables.md, "Counterpart snapshot")."""
    if payable.counterpart is not None:
        return payable.counterpart
    if payable.counterpart_id is None:
        return payable.counterpart_raw_data
    from remit.counterparts.models import Counterpart, CounterpartAddress, CounterpartBankAccount, CounterpartVatId

    counterpart = session.get(Counterpart, payable.counterpart_id)
    if counterpart is None:
        return payable.counterpart_raw_data
    data: dict[str, Any] = {
        "name": counterpart.name,
        "email": counterpart.email,
        "phone": counterpart.phone,
        "tax_id": counterpart.tax_id,
    }
    address_id = payable.counterpart_address_id or counterpart.default_billing_address_id
    if address_id and (address := session.get(CounterpartAddress, address_id)) is not None:
        data["address"] = {k: getattr(address, k) for k in ("line1", "line2", "city", "postal_code", "state", "country")}
    if payable.counterpart_bank_account_id and (
        account := session.get(CounterpartBankAccount, payable.counterpart_bank_account_id)
    ) is not None:
        data["bank_account"] = {
            k: getattr(account, k)
            for k in ("account_holder_name", "account_number", "iban", "bic", "sort_code", "routing_number")
        }
    if payable.counterpart_vat_id_id and (vat := session.get(CounterpartVatId, payable.counterpart_vat_id_id)):
        data["vat_id"] = {"country": vat.country, "type": vat.type, "value": vat.value}
    return data
