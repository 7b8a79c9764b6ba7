"""The entity's catalogue of reasons for rejecting a draft invoice (remit extension;
docs/receivables.md, "The rejection-reason catalogue").

Names are unique per entity compared case-insensitively after trimming (``name_key`` holds that
form), alternative codes are unique when set, and at most one live reason is the default; partial
unique indexes back all three, so a race between two writers ends in a 409, never in two rows.
A deleted reason is kept (``deleted_at``): rejected invoices keep their own snapshot of it anyway.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin

LIVE = text("deleted_at IS NULL")
LIVE_DEFAULT = text("deleted_at IS NULL AND is_default")


class ReceivableRejectionReason(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "receivable_rejection_reasons"
    __table_args__ = (
        Index("uq_receivable_rejection_reasons_name", "entity_id", "name_key", unique=True,
              postgresql_where=LIVE, sqlite_where=LIVE),
        Index("uq_receivable_rejection_reasons_code", "entity_id", "alternative_code", unique=True,
              postgresql_where=LIVE, sqlite_where=LIVE),
        Index("uq_receivable_rejection_reasons_default", "entity_id", unique=True,
              postgresql_where=LIVE_DEFAULT, sqlite_where=LIVE_DEFAULT),
    )

    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))  # the name trimmed and case-folded
    alternative_code: Mapped[str | None] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(500))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None]
