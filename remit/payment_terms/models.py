from __future__ import annotations

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin


class PaymentTerms(IdMixin, TimestampMixin, EntityOwned, Base):
    """Up to two early-payment discount tiers and a final term (days, discount in basis points)."""

    __tablename__ = "payment_terms"
    __table_args__ = (Index(None, "entity_id", "created_at", "id"),)

    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(String(255))
    term_1_days: Mapped[int | None] = mapped_column(Integer)
    term_1_discount: Mapped[int | None] = mapped_column(Integer)
    term_2_days: Mapped[int | None] = mapped_column(Integer)
    term_2_discount: Mapped[int | None] = mapped_column(Integer)
    term_final_days: Mapped[int] = mapped_column(Integer)

    @property
    def term_1(self) -> dict | None:
        if self.term_1_days is None:
            return None
        return {"number_of_days": self.term_1_days, "discount": self.term_1_discount}

    @property
    def term_2(self) -> dict | None:
        if self.term_2_days is None:
            return None
        return {"number_of_days": self.term_2_days, "discount": self.term_2_discount}

    @property
    def term_final(self) -> dict:
        return {"number_of_days": self.term_final_days}
