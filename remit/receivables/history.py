"""A receivable's history: one typed helper per history event type (docs/receivables.md, "History").

Every entry is written in the transaction of the change it describes; status changes are written
by the lifecycle engine through ``status_changed`` together with the status.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.lifecycle import History, Transition
from remit.receivables.models import Receivable, ReceivableHistory
from remit.receivables.schemas.common import ReceivableHistoryEventTypeEnum

EventType = ReceivableHistoryEventTypeEnum
HISTORY = History(ReceivableHistory.__table__, "receivable_id")


def status_changed(session: Session, ctx: RequestContext, receivable: Receivable, row: Transition[Receivable],
                   old_status: str) -> dict[str, Any] | None:
    """The row's values for the lifecycle engine; none when the status stays (a payment on an overdue invoice)."""
    if old_status == row.target:
        return None
    return HISTORY.values(session, ctx, receivable, EventType.status_changed,
                          {"old_status": old_status, "new_status": row.target})


def receivable_created(session: Session, ctx: RequestContext, receivable: Receivable) -> uuid.UUID:
    return HISTORY.record(session, ctx, receivable, EventType.receivable_created)


def receivable_updated(session: Session, ctx: RequestContext, receivable: Receivable) -> uuid.UUID:
    return HISTORY.record(session, ctx, receivable, EventType.receivable_updated)


def based_on_receivable_created(session: Session, ctx: RequestContext, source: Receivable,
                                created: Receivable) -> uuid.UUID:
    return HISTORY.record(session, ctx, source, EventType.based_on_receivable_created,
                          {"receivable_id": str(created.id), "type": created.type})


def payment_received(session: Session, ctx: RequestContext, invoice: Receivable, *, amount_paid: int,
                     amount_due: int, comment: str | None) -> uuid.UUID:
    """``amount_paid``: this payment (the increment), ``amount_due``: what remains after it."""
    return HISTORY.record(session, ctx, invoice, EventType.payment_received,
                          {"amount_paid": amount_paid, "amount_due": amount_due, "comment": comment})


def mail_sent(session: Session, ctx: RequestContext, receivable: Receivable, *, mail_id: uuid.UUID,
              mail_status: str, recipients: dict[str, Any], term: str | None = None) -> uuid.UUID:
    data: dict[str, Any] = {"mail_id": str(mail_id), "mail_status": mail_status, "recipients": recipients}
    event = EventType.mail_sent
    if term is not None:
        data["term"] = term
        event = EventType.overdue_reminder_mail_sent if term == "overdue" else EventType.payment_reminder_mail_sent
    return HISTORY.record(session, ctx, receivable, event, data)
