from __future__ import annotations

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin


class MeasureUnit(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "measure_units"
    __table_args__ = (Index(None, "entity_id", "created_at", "id"),)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(200))
