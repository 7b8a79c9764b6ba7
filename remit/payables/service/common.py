"""What every payable use case shares: loading for a write, history, events, the draft ⇄ new check."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from remit.core import clock, lifecycle
from remit.core.context import RequestContext
from remit.core.events import announce, event_values, record_change
from remit.core.lifecycle import Transition
from remit.entities.models import settings_of
from remit.events.models import Event
from remit.payables.errors import PayableNotEditable, PayableNotFound
from remit.payables.lifecycle import EDITABLE, TABLE, PayableStateEnum
from remit.payables.models import Payable, PayableHistory
from remit.payables.repository import PayableRepository, ValidationRulesRepository
from remit.payables.validation import validation_errors

OBJECT = "payable"


_INSERT_HISTORY = insert(PayableHistory.__table__)


def record_history(
    session: Session, ctx: RequestContext, payable: Payable, event_type: str, event_data: dict[str, Any] | None = None
) -> uuid.UUID:
    """A history row (a Core INSERT, now)."""
    values = history_values(session, ctx, payable, event_type, event_data)
    session.connection().execute(_INSERT_HISTORY, values)
    return values["id"]


def history_values(
    session: Session, ctx: RequestContext, payable: Payable, event_type: str, event_data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The columns of a history row; rows of one request get strictly increasing timestamps."""
    now = clock.now()
    last = session.info.get("payable_history_last")
    if last is not None and now <= last:
        now = last + timedelta(microseconds=1)
    session.info["payable_history_last"] = now
    return {
        "id": uuid.uuid4(),
        "entity_id": payable.entity_id,
        "payable_id": payable.id,
        "timestamp": now,
        "event_type": event_type,
        "event_data": event_data or {},
        "entity_user_id": ctx.entity_user_id,
    }


def emit(session: Session, payable: Payable, event_type: str, object_type: str = OBJECT,
         object_id: uuid.UUID | None = None) -> None:
    record_change(
        session, entity_id=payable.entity_id, object_type=object_type, event_type=event_type,
        object_id=object_id or payable.id,
    )


def status_records(session: Session, ctx: RequestContext, payable: Payable, row: Transition,
                   old: str) -> list[tuple[Table, dict[str, Any]]]:
    """The lifecycle engine's rows of a status change: its history row and its event row, written
    with the status (one statement on PostgreSQL)."""
    return [
        (PayableHistory.__table__,
         history_values(session, ctx, payable, "status_changed", {"old_status": old, "new_status": row.target})),
        (Event.__table__,
         event_values(session, entity_id=payable.entity_id, object_type=OBJECT, event_type=row.event,
                      object_id=payable.id)),
    ]


def on_status_change(session: Session, ctx: RequestContext, payable: Payable, row: Transition, old: str) -> None:
    """The lifecycle engine's hook after a status change: the announcement, in this transaction."""
    announce(session, f"payable.{row.action}", ctx=ctx, payable=payable)


def move(session: Session, ctx: RequestContext, payable: Payable, action: str, *,
         values: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> Transition:
    return lifecycle.apply(
        session, ctx, TABLE, payable, action,
        on_change=on_status_change,
        records=status_records,
        owner_id=payable.was_created_by_user_id,
        values=values,
        params=params,
        not_found=lambda: PayableNotFound(payable.id),
    )


def load(session: Session, ctx: RequestContext, payable_id: uuid.UUID, permission: str,
         *, for_update: bool = False) -> Payable:
    repo = PayableRepository(session, ctx)
    payable = repo.get_for_update(payable_id) if for_update else repo.get(payable_id)
    ctx.check(OBJECT, permission, owner_id=payable.was_created_by_user_id)
    return payable


def load_editable(session: Session, ctx: RequestContext, payable_id: uuid.UUID) -> Payable:
    """A payable whose data may change: ``draft`` or ``new`` only (spec 10 §6.3)."""
    payable = load(session, ctx, payable_id, "update", for_update=True)
    if payable.status not in EDITABLE:
        raise PayableNotEditable()
    return payable


def check_rules(session: Session, ctx: RequestContext, payable: Payable, *, after_create: bool = False) -> None:
    """After a write: promote a valid draft, demote an invalid new (spec 10 §5.3)."""
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
