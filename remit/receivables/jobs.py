"""The receivables' background jobs: invoices past their due date become overdue, issued quotes
past their expiry date expire (docs/receivables.md, "Time-driven transitions").

Each run scans in batches, each batch in a short transaction of its own, and moves every document
through the normal lifecycle with the system as the actor: the move is a conditional update, so a
document a request or another process moved meanwhile is skipped, never moved twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.errors import Conflict
from remit.entities.models import Entity
from remit.receivables.lifecycle import ReceivableType, S
from remit.receivables.models import Receivable
from remit.receivables.service import amounts
from remit.receivables.service.common import move
from remit.worker.jobs import Job, Jobs

if TYPE_CHECKING:
    from remit.runtime import Runtime

INTERVAL_SECONDS = 300.0
BATCH = 200


def system_context(entity_id: uuid.UUID, partner_id: uuid.UUID) -> RequestContext:
    """The system acting on an entity's documents: full rights, no user."""
    return RequestContext(principal=None, partner_id=partner_id, entity_id=entity_id)  # type: ignore[arg-type]


def _sweep(runtime: Runtime, candidates: Callable[[date], Any], action: str,
           still_due: Callable[[Receivable], bool] = lambda receivable: True) -> int:
    today = clock.now().date()
    moved, after = 0, None
    while True:
        with runtime.transaction() as session:
            statement = candidates(today).order_by(Receivable.id).limit(BATCH)
            if after is not None:
                statement = statement.where(Receivable.id > after)
            rows = session.execute(statement).all()
            for receivable_id, entity_id, partner_id in rows:
                moved += _move_one(session, receivable_id, entity_id, partner_id, action, still_due)
        if len(rows) < BATCH:
            return moved
        after = rows[-1][0]


def _move_one(session: Session, receivable_id: uuid.UUID, entity_id: uuid.UUID, partner_id: uuid.UUID, action: str,
              still_due: Callable[[Receivable], bool]) -> int:
    receivable = session.scalars(select(Receivable).where(
        Receivable.id == receivable_id, Receivable.entity_id == entity_id,
    ).with_for_update().execution_options(populate_existing=True)).first()
    if receivable is None or not still_due(receivable):
        return 0
    try:
        move(session, system_context(entity_id, partner_id), receivable, action)
    except Conflict:  # moved by someone else since the scan: nothing to do
        return 0
    return 1


def _overdue(today: date) -> Any:
    return (select(Receivable.id, Receivable.entity_id, Entity.partner_id)
            .join(Entity, Entity.id == Receivable.entity_id)
            .where(Receivable.status.in_((S.issued, S.partially_paid)), Receivable.due_date < today,
                   Receivable.type == ReceivableType.invoice))


def _expired(today: date) -> Any:
    return (select(Receivable.id, Receivable.entity_id, Entity.partner_id)
            .join(Entity, Entity.id == Receivable.entity_id)
            .where(Receivable.status == S.issued, Receivable.expiry_date < today,
                   Receivable.type == ReceivableType.quote))


def mark_overdue(runtime: Runtime) -> int:
    """Invoices whose due date has passed (UTC) and that still expect money: ``overdue``."""
    return _sweep(runtime, _overdue, "mark_overdue", lambda invoice: amounts.balances(invoice)[1] > 0)


def expire_quotes(runtime: Runtime) -> int:
    """Issued quotes whose expiry date has passed (UTC): ``expired``."""
    return _sweep(runtime, _expired, "expire")


MARK_OVERDUE = Job("receivables.mark_overdue", INTERVAL_SECONDS, mark_overdue)
EXPIRE_QUOTES = Job("receivables.expire_quotes", INTERVAL_SECONDS, expire_quotes)


def register(jobs: Jobs) -> None:
    jobs.register(MARK_OVERDUE)
    jobs.register(EXPIRE_QUOTES)
