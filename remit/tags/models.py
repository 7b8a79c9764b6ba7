from __future__ import annotations

import uuid

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin


class Tag(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "tags"
    __table_args__ = (
        Index("uq_tags_entity_id_name", "entity_id", "name", unique=True),
        Index(None, "entity_id", "created_at", "id"),
    )

    name: Mapped[str] = mapped_column(String(255))
    category: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(String(255))
    created_by_entity_user_id: Mapped[uuid.UUID | None]
