"""What every receivable use case shares: loading, the lifecycles, events."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.events import record_change
from remit.core.lifecycle import Lifecycle, Transition
from remit.receivables import history
from remit.receivables.errors import NotDraft, ReceivableNotFound, ReceivableTransitionConflict
from remit.receivables.lifecycle import TABLES, ReceivableType, S
from remit.receivables.models import Receivable
from remit.receivables.repository import ReceivableRepository

OBJECT = "receivable"

LIFECYCLES = {
    kind: Lifecycle(
        TABLES[kind],
        Receivable,
        status_history=(history.HISTORY, history.status_changed),
        owner=lambda receivable: receivable.entity_user_id,
        not_found=lambda receivable: ReceivableNotFound(receivable.id),
    )
    for kind in ReceivableType
}


def move(session: Session, ctx: RequestContext, receivable: Receivable, action: str, *,
         values: dict[str, Any] | None = None, params: dict[str, Any] | None = None) -> Transition[Receivable]:
    """Apply ``action`` through the lifecycle of the document's type; an action its type does not
    have is a conflict (after the permission check, as for a status that does not allow it)."""
    lifecycle = LIFECYCLES[ReceivableType(receivable.type)]
    if action not in lifecycle.table.actions():
        ctx.check(OBJECT, "update", owner_id=receivable.entity_user_id)
        raise ReceivableTransitionConflict(action, receivable.status, kind=receivable.type)
    return lifecycle.apply(session, ctx, receivable, action, values=values, params=params)


def emit(session: Session, receivable: Receivable, event_type: str) -> None:
    """An event that is not a status change (created, updated, mail_sent, partial payments)."""
    record_change(session, entity_id=receivable.entity_id, object_type=OBJECT, event_type=event_type,
                  object_id=receivable.id)


def load(session: Session, ctx: RequestContext, receivable_id: uuid.UUID, permission: str, *,
         for_update: bool = False) -> Receivable:
    repo = ReceivableRepository(session, ctx)
    receivable = repo.get_for_update(receivable_id) if for_update else repo.get(receivable_id)
    ctx.check(OBJECT, permission, owner_id=receivable.entity_user_id)
    return receivable


def load_draft(session: Session, ctx: RequestContext, receivable_id: uuid.UUID) -> Receivable:
    receivable = load(session, ctx, receivable_id, "update", for_update=True)
    if receivable.status != S.draft:
        raise NotDraft()
    return receivable


def touch(session: Session, ctx: RequestContext, receivable: Receivable) -> None:
    """A draft's data changed: history ``receivable_updated`` and the ``updated`` event."""
    session.flush()
    history.receivable_updated(session, ctx, receivable)
    emit(session, receivable, "updated")
