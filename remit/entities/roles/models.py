from __future__ import annotations

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin


class Role(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "roles"
    __table_args__ = (
        # Names are unique among the entity's active roles.
        Index(
            "uq_roles_entity_id_name_active",
            "entity_id",
            "name",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(None, "entity_id", "created_at", "id"),
    )

    name: Mapped[str] = mapped_column(String(255))
    permissions: Mapped[dict]
    status: Mapped[str] = mapped_column(String(16), default="active")
