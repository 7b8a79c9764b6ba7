"""One counter per entity and document type: the next number that type will draw."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base


class DocumentType(StrEnum):
    """The types that have a numbering sequence (the keys of ``NextDocumentNumbers``)."""

    invoice = "invoice"
    quote = "quote"
    credit_note = "credit_note"
    delivery_note = "delivery_note"
    purchase_order = "purchase_order"


_TYPES = ", ".join(f"'{t.value}'" for t in DocumentType)


class DocumentCounter(Base):
    """A missing row means nothing was drawn and no next number was set: the next number is 1.

    ``last_issued`` is the number drawn last (0: none). It is kept apart from ``next_number``
    because a next number set by the entity may run ahead of it, and may be set back again as far
    as ``last_issued + 1`` — never lower, so a number is never issued twice.
    """

    __tablename__ = "document_counters"
    __table_args__ = (
        CheckConstraint(f"document_type IN ({_TYPES})", name="document_type_known"),
        CheckConstraint("last_issued >= 0", name="last_issued_not_negative"),
        CheckConstraint("next_number > last_issued", name="next_number_after_last_issued"),
    )

    entity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entities.id"), primary_key=True)
    document_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_number: Mapped[int] = mapped_column(BigInteger, default=1)
    last_issued: Mapped[int] = mapped_column(BigInteger, default=0)
