from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin


class Product(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "products"
    __table_args__ = (
        Index(None, "entity_id", "created_at", "id"),
        Index(None, "entity_id", "name", "id"),
        CheckConstraint("price_value >= 0", name="price_not_negative"),
        CheckConstraint("(price_value IS NULL) = (price_currency IS NULL)", name="price_complete"),
    )

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(2000))
    type: Mapped[str] = mapped_column(String(16), default="product")
    price_value: Mapped[int | None] = mapped_column(BigInteger)
    price_currency: Mapped[str | None] = mapped_column(String(3))
    measure_unit_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("measure_units.id", ondelete="SET NULL"))
    smallest_amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 6))
    external_reference: Mapped[str | None] = mapped_column(String(255))
    ledger_account_id: Mapped[uuid.UUID | None]
    entity_user_id: Mapped[uuid.UUID | None]

    @property
    def price(self) -> dict | None:
        if self.price_value is None:
            return None
        return {"currency": self.price_currency, "value": self.price_value}
