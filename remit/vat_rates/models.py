from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, JSONDocument, TimestampMixin


class CustomVatRate(IdMixin, TimestampMixin, EntityOwned, Base):
    """An entity-defined rate made of named components (e.g. GST + PST), in basis points."""

    __tablename__ = "custom_vat_rates"
    __table_args__ = (Index(None, "entity_id", "created_at", "id"),)

    name: Mapped[str] = mapped_column(String(64))
    components: Mapped[list] = mapped_column(JSONDocument)
    created_by_entity_user_id: Mapped[uuid.UUID | None]

    @property
    def value(self) -> int | float:
        """The sum of the components (exact: components may hold fractional basis points)."""
        total = sum((Decimal(str(c["value"])) for c in self.components), Decimal(0))
        return int(total) if total == total.to_integral_value() else float(total)
