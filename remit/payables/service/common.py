"""What every payable use case shares: loading for a write, the lifecycle, events, the draft ⇄ new check."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.events import record_change
from remit.core.lifecycle import Lifecycle, Transition
from remit.entities.models import settings_of
from remit.payables import history
from remit.payables.errors import PayableNotEditable, PayableNotFound
from remit.payables.lifecycle import EDITABLE, TABLE, PayableStateEnum
from remit.payables.models import Payable
from remit.payables.repository import PayableRepository, ValidationRulesRepository
from remit.payables.validation import validation_errors

OBJECT = "payable"

LIFECYCLE = Lifecycle(
    TABLE,
    Payable,
    status_history=(history.HISTORY, history.status_changed),
    owner=lambda payable: payable.was_created_by_user_id,
    not_found=lambda payable: PayableNotFound(payable.id),
)


def emit(session: Session, payable: Payable, event_type: str, object_type: str = OBJECT,
         object_id: uuid.UUID | None = None) -> None:
    """An event of a change that is not a status change (a payable or line item created, updated…)."""
    record_change(
        session, entity_id=payable.entity_id, object_type=object_type, event_type=event_type,
        object_id=object_id or payable.id,
    )


def move(session: Session, ctx: RequestContext, payable: Payable, action: str, *,
         values: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> Transition[Payable]:
    return LIFECYCLE.apply(session, ctx, payable, action, values=values, params=params)


def load(session: Session, ctx: RequestContext, payable_id: uuid.UUID, permission: str,
         *, for_update: bool = False) -> Payable:
    repo = PayableRepository(session, ctx)
    payable = repo.get_for_update(payable_id) if for_update else repo.get(payable_id)
    ctx.check(OBJECT, permission, owner_id=payable.was_created_by_user_id)
    return payable


def load_editable(session: Session, ctx: RequestContext, payable_id: uuid.UUID) -> Payable:
    """A payable whose data may change: ``draft`` or ``new`` only (docs/payables.md, "Editing")."""
    payable = load(session, ctx, payable_id, "update", for_update=True)
    if payable.status not in EDITABLE:
        raise PayableNotEditable()
    return payable


def check_rules(session: Session, ctx: RequestContext, payable: Payable, *, after_create: bool = False) -> None:
    """After a write: promote a valid draft, demote an invalid new (docs/payables.md, "draft → new")."""
    if payable.status not in EDITABLE:
        return
    rules = ValidationRulesRepository(session, ctx).effective()
    lines = PayableRepository(session, ctx).lines(payable.id)
    valid = not validation_errors(payable, lines, rules)
    if payable.status == PayableStateEnum.draft and valid:
        move(session, ctx, payable, "promote")
        _skip_approval_if_set(session, ctx, payable)
    elif payable.status == PayableStateEnum.new and not valid:
        move(session, ctx, payable, "demote")
    elif after_create and payable.status == PayableStateEnum.new:
        _skip_approval_if_set(session, ctx, payable)


def _skip_approval_if_set(session: Session, ctx: RequestContext, payable: Payable) -> None:
    if settings_of(session, payable.entity_id).get("payables_skip_approval_flow"):
        move(session, ctx, payable, "skip_approval")
