"""Sign-in links handed out by partners, and comments written in the console."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from remit.core import clock
from remit.core.base import Base, EntityOwned, IdMixin


class ConsoleLink(IdMixin, EntityOwned, Base):
    """A single-use sign-in link: only the SHA-256 of its secret is stored."""

    __tablename__ = "console_links"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    entity_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entity_users.id"), index=True)
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"))
    client_id: Mapped[uuid.UUID]  # the partner credential that asked for it
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ConsoleComment(IdMixin, EntityOwned, Base):
    """A comment an approver wrote with a decision (shaped like Monite's ``CommentResource``)."""

    __tablename__ = "console_comments"

    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[uuid.UUID] = mapped_column(index=True)
    created_by_entity_user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entity_users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
