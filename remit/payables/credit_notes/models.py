"""Credit notes from suppliers against payables (Monite's ``/payable_credit_notes``).

Only what a payable reads of them is stored for now: the credit notes linked to a payable
(``based_on``) are listed in its ``credit_notes``, and those ``approved`` or ``applied`` reduce
its ``total_amount_with_credit_notes`` (docs/payables.md, "Amounts"). Their own API will add the
rest of Monite's ``CreditNoteResponse`` columns.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin


class PayableCreditNoteStateEnum(StrEnum):
    draft = "draft"
    new = "new"
    submitted_for_approval = "submitted_for_approval"
    approved = "approved"
    applied = "applied"
    rejected = "rejected"
    canceled = "canceled"


# The statuses whose amount is deducted from the payable they are based on.
COUNTED = frozenset({PayableCreditNoteStateEnum.approved, PayableCreditNoteStateEnum.applied})


class PayableCreditNote(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "payable_credit_notes"
    __table_args__ = (
        Index(None, "based_on", "created_at", "id", postgresql_where=text("deleted_at IS NULL"),
              sqlite_where=text("deleted_at IS NULL")),
        CheckConstraint("total_amount >= 0", name="total_amount_not_negative"),
    )

    based_on: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("payables.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[str] = mapped_column(String(255))
    issued_at: Mapped[date | None]
    currency: Mapped[str] = mapped_column(String(3))
    total_amount: Mapped[int | None] = mapped_column(BigInteger)
    deleted_at: Mapped[datetime | None]
