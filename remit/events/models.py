"""Event rows: written in the transaction of the change they describe (the outbox)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from remit.core import clock
from remit.core.base import Base, IdMixin


class Event(IdMixin, Base):
    __tablename__ = "events"
    __table_args__ = (Index(None, "entity_id", "created_at", "id"),)

    entity_id: Mapped[uuid.UUID] = mapped_column(index=False)
    object_type: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(128))
    object_id: Mapped[uuid.UUID]
    description: Mapped[str] = mapped_column(String(255))
    api_version: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
