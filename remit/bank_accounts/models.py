"""The entity's own bank accounts: where its customers pay (invoices name one)."""

from __future__ import annotations

import uuid

from sqlalchemy import Boolean, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin


class EntityBankAccount(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "entity_bank_accounts"
    __table_args__ = (
        Index(None, "entity_id", "created_at", "id"),
        # At most one default per currency, whatever two requests race to do; the service also
        # serialises the default-changing writes of an entity so that a race is not a 409.
        Index(
            "uq_entity_bank_accounts_entity_id_currency_default",
            "entity_id",
            "currency",
            unique=True,
            sqlite_where=text("is_default_for_currency"),
            postgresql_where=text("is_default_for_currency"),
        ),
    )

    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    account_holder_name: Mapped[str | None] = mapped_column(String(200))
    account_number: Mapped[str | None] = mapped_column(String(100))
    bank_name: Mapped[str | None] = mapped_column(String(255))
    bic: Mapped[str | None] = mapped_column(String(11))
    iban: Mapped[str | None] = mapped_column(String(34))
    routing_number: Mapped[str | None] = mapped_column(String(100))
    sort_code: Mapped[str | None] = mapped_column(String(100))
    display_name: Mapped[str | None] = mapped_column(String(200))
    is_default_for_currency: Mapped[bool] = mapped_column(Boolean, default=False)
    was_created_by_user_id: Mapped[uuid.UUID | None]
