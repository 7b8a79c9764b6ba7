"""A payable's history: one typed helper per history event type (docs/payables.md, "History").

Every entry is written in the transaction of the change it describes; status changes are written
by the lifecycle engine through ``status_changed`` together with the status (one statement on
PostgreSQL).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.lifecycle import History, Transition
from remit.payables.models import Payable, PayableHistory
from remit.payables.schemas import PayableHistoryEventTypeEnum as EventType

HISTORY = History(PayableHistory.__table__, "payable_id")


def status_changed(session: Session, ctx: RequestContext, payable: Payable, row: Transition[Payable],
                   old_status: str) -> dict[str, Any]:
    """The row's values only: the lifecycle engine inserts it with the status change."""
    return HISTORY.values(session, ctx, payable, EventType.status_changed,
                          {"old_status": old_status, "new_status": row.target})


def payable_created(session: Session, ctx: RequestContext, payable: Payable, *, source: str = "upload") -> uuid.UUID:
    return HISTORY.record(session, ctx, payable, EventType.payable_created, {"payable_source": source})


def payable_updated(session: Session, ctx: RequestContext, payable: Payable) -> uuid.UUID:
    return HISTORY.record(session, ctx, payable, EventType.payable_updated)


def file_attached(session: Session, ctx: RequestContext, payable: Payable, *, file_name: str, file_size: int,
                  url: str) -> uuid.UUID:
    return HISTORY.record(session, ctx, payable, EventType.file_attached,
                          {"file_name": file_name, "file_size": file_size, "url": url})
