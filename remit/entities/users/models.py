from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin


class EntityUser(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "entity_users"
    __table_args__ = (
        # Logins are unique among the entity's non-deleted users.
        Index(
            "uq_entity_users_entity_id_login_active",
            "entity_id",
            "login",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(None, "entity_id", "created_at", "id"),
        Index(None, "entity_id", "updated_at", "id"),
    )

    role_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("roles.id"), index=True)
    login: Mapped[str] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="active")
    userpic_file_id: Mapped[uuid.UUID | None]
