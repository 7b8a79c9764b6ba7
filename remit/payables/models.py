"""Payables (incoming invoices), their line items, history and validation rules."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, object_session, relationship

from remit.core import money
from remit.core.base import Base, EntityOwned, IdMixin, JSONDocument, TimestampMixin
from remit.files.models import StoredFile
from remit.payables.schemas import PayableResponseSchema
from remit.tags.models import Tag

payable_tags = Table(
    "payable_tags",
    Base.metadata,
    Column("payable_id", ForeignKey("payables.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def currency_exchange(settings: dict | None, currency: str | None, total_amount: int | None) -> dict | None:
    """The total in the entity's default currency, when its settings give a rate
    (docs/payables.md, "The payable body")."""
    if currency is None or total_amount is None:
        return None
    default = ((settings or {}).get("currency") or {}).get("default")
    if not default or default == currency:
        return None
    rate = money.exchange_rate(settings or {}, currency, default)
    if rate is None:
        return None
    total = money.to_major(money.convert(total_amount, currency, default, rate), default)
    return {"default_currency_code": default, "rate": float(rate), "total": float(total)}


class Payable(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "payables"
    __table_args__ = (
        # Keyset pages: the entity's live payables by each sort field, optionally by status.
        Index(None, "entity_id", "created_at", "id", postgresql_where=text("deleted_at IS NULL"),
              sqlite_where=text("deleted_at IS NULL")),
        Index(None, "entity_id", "status", "created_at", "id", postgresql_where=text("deleted_at IS NULL"),
              sqlite_where=text("deleted_at IS NULL")),
        Index(None, "entity_id", "issued_at", "id"),
        Index(None, "entity_id", "counterpart_id"),
        CheckConstraint("total_amount >= 0", name="total_amount_not_negative"),
        CheckConstraint("subtotal >= 0", name="subtotal_not_negative"),
        CheckConstraint("tax_amount >= 0", name="tax_amount_not_negative"),
        CheckConstraint("discount >= 0", name="discount_not_negative"),
        CheckConstraint("amount_paid >= 0", name="amount_paid_not_negative"),
        CheckConstraint("tax >= 0 AND tax <= 10000", name="tax_rate_range"),
    )

    status: Mapped[str] = mapped_column(String(32))
    payable_origin: Mapped[str] = mapped_column(String(16), default="upload")
    source_of_payable_data: Mapped[str] = mapped_column(String(16), default="user_specified")
    document_id: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(String(255))
    currency: Mapped[str | None] = mapped_column(String(3))
    total_amount: Mapped[int | None] = mapped_column(BigInteger)
    subtotal: Mapped[int | None] = mapped_column(BigInteger)
    tax: Mapped[int | None] = mapped_column(Integer)
    tax_amount: Mapped[int | None] = mapped_column(BigInteger)
    discount: Mapped[int | None] = mapped_column(BigInteger)
    amount_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    issued_at: Mapped[date | None]
    due_date: Mapped[date | None]
    due_date_derived: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_terms: Mapped[dict | None]
    suggested_payment_term: Mapped[dict | None]
    suggested_payment_term_derived: Mapped[bool] = mapped_column(Boolean, default=False)
    counterpart_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("counterparts.id"))
    counterpart_address_id: Mapped[uuid.UUID | None]
    counterpart_bank_account_id: Mapped[uuid.UUID | None]
    counterpart_vat_id_id: Mapped[uuid.UUID | None]
    counterpart: Mapped[dict | None]  # frozen snapshot (docs/payables.md, "Counterpart snapshot")
    counterpart_raw_data: Mapped[dict | None]
    sender: Mapped[str | None] = mapped_column(String(320))
    project_id: Mapped[uuid.UUID | None]
    purchase_order_id: Mapped[uuid.UUID | None]
    partner_metadata: Mapped[dict | None]
    file_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("files.id"))
    ocr_status: Mapped[str | None] = mapped_column(String(16))
    ocr_request_id: Mapped[uuid.UUID | None]
    other_extracted_data: Mapped[dict | None]
    approval_policy_id: Mapped[uuid.UUID | None]
    marked_as_paid_by_entity_user_id: Mapped[uuid.UUID | None]
    marked_as_paid_with_comment: Mapped[str | None] = mapped_column(String(2000))
    paid_at: Mapped[datetime | None]
    created_by_role_id: Mapped[uuid.UUID | None]
    was_created_by_user_id: Mapped[uuid.UUID | None]
    suggested_counterpart: Mapped[dict | None]
    deleted_at: Mapped[datetime | None]

    # Loaded when read (rendering one payable, approval snapshots); list pages read tags for the whole page.
    tags: Mapped[list[Tag]] = relationship(secondary=payable_tags, lazy="select", order_by=Tag.name)
    # Loaded when rendered (most payables have no file, and a NULL file_id costs no query);
    # lists load it for the whole page at once (service.crud.list_payables).
    stored_file: Mapped[StoredFile | None] = relationship(lazy="select")
    # Not a column: what the locking load saw empty ("tags", "credit_notes": ``PayableRepository.
    # find_for_update``) and nothing has set since; rendering then skips their queries.
    known_empty: frozenset[str] = frozenset()

    wire_model: ClassVar[type] = PayableResponseSchema  # the response model ``wire_document`` writes

    def wire_document(self) -> dict:
        """The response body (``PayableResponseSchema``) of this payable, JSON-ready (``payables.wire``)."""
        from remit.payables import wire  # wire builds on this module

        session = object_session(self)
        assert session is not None  # a payable is rendered inside the request's transaction
        return wire.document(session, self)


class PayableLineItem(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "payable_line_items"
    __table_args__ = (Index(None, "payable_id", "created_at", "id"),)

    payable_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payables.id", ondelete="CASCADE"))
    name: Mapped[str | None] = mapped_column(String(1000))
    description: Mapped[str | None] = mapped_column(String(4000))
    quantity: Mapped[Decimal | None] = mapped_column(Numeric(24, 8))
    unit: Mapped[str | None] = mapped_column(String(100))
    unit_price: Mapped[int | None] = mapped_column(BigInteger)
    tax: Mapped[int | None] = mapped_column(Integer)
    subtotal: Mapped[int | None] = mapped_column(BigInteger)
    tax_amount: Mapped[int | None] = mapped_column(BigInteger)
    total: Mapped[int | None] = mapped_column(BigInteger)
    ledger_account_id: Mapped[uuid.UUID | None]
    accounting_tax_rate_id: Mapped[uuid.UUID | None]
    ocr_set_quantity_to_one: Mapped[bool] = mapped_column(Boolean, default=False)
    was_created_by_user_id: Mapped[uuid.UUID | None]


class PayableHistory(IdMixin, EntityOwned, Base):
    __tablename__ = "payable_history"
    __table_args__ = (Index(None, "payable_id", "timestamp", "id"),)

    payable_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("payables.id", ondelete="CASCADE"))
    timestamp: Mapped[datetime]
    event_type: Mapped[str] = mapped_column(String(32))
    event_data: Mapped[dict]
    entity_user_id: Mapped[uuid.UUID | None]


class PayableValidationRules(IdMixin, TimestampMixin, Base):
    """Required fields for draft → new: an entity's own list, or its partner's default list."""

    __tablename__ = "payable_validation_rules"
    __table_args__ = (
        Index("uq_payable_validation_rules_scope", "partner_id", "entity_id", unique=True),
    )

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"))
    entity_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("entities.id"))
    required_fields: Mapped[list] = mapped_column(JSONDocument)
