"""Event rows: written in the transaction of the change they describe (the outbox).

``seq`` is assigned by the database as rows are inserted (a sequence on PostgreSQL, SQLite's
rowid with AUTOINCREMENT, so a number is never handed out twice): the webhook worker takes
pending events in that order, never by a clock. ``dispatched_at`` stays NULL until the worker
has queued the event's deliveries; a partial index keeps the pending ones at hand.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from remit.core import clock
from remit.core.base import Base

# SQLite hands out rowids only to a column declared exactly INTEGER PRIMARY KEY.
SEQ_TYPE = BigInteger().with_variant(Integer(), "sqlite")


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index(None, "entity_id", "created_at", "id"),
        Index("ix_events_pending", "seq", postgresql_where=text("dispatched_at IS NULL"),
              sqlite_where=text("dispatched_at IS NULL")),
        {"sqlite_autoincrement": True},
    )

    seq: Mapped[int] = mapped_column(SEQ_TYPE, primary_key=True, autoincrement=True)
    id: Mapped[uuid.UUID] = mapped_column(unique=True, default=uuid.uuid4)
    entity_id: Mapped[uuid.UUID] = mapped_column(index=False)
    object_type: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(128))
    object_id: Mapped[uuid.UUID]
    description: Mapped[str] = mapped_column(String(255))
    api_version: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    dispatched_at: Mapped[datetime | None]
