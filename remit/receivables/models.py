"""Receivables: invoices, quotes and credit notes in one table, their line items, history and mails.

A receivable keeps **snapshots** of what it was made from — counterpart, addresses, contact, VAT
ids, the entity and its bank account, payment terms, and each line's product and VAT rate — as
JSON documents beside the ids they came from (docs/receivables.md, "Snapshots"). Totals are
computed by ``receivables.totals`` whenever the document changes and stored, so reads, lists and
filters use them as they are; balances that depend on payments and credit notes are derived at
read time from ``amount_paid`` and ``credited``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

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
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from remit.core.base import Base, EntityOwned, IdMixin, JSONDocument, TimestampMixin
from remit.tags.models import Tag

receivable_tags = Table(
    "receivable_tags",
    Base.metadata,
    Column("receivable_id", ForeignKey("receivables.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)

LIVE = text("status <> 'deleted'")


class Receivable(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "receivables"
    __table_args__ = (
        # Keyset pages over the entity's live documents, by the common sorts.
        Index(None, "entity_id", "created_at", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        Index(None, "entity_id", "type", "status", "created_at", "id", postgresql_where=LIVE, sqlite_where=LIVE),
        Index(None, "entity_id", "based_on"),
        Index(None, "entity_id", "counterpart_id"),
        # The scheduler's scans: issued invoices past due, issued quotes past expiry.
        Index(None, "status", "due_date"),
        Index(None, "status", "expiry_date"),
        # The document renderer's look for recent changes (receivables.render_documents, every 2 s).
        Index(None, "updated_at"),
        CheckConstraint("type IN ('invoice', 'quote', 'credit_note')", name="known_type"),
        CheckConstraint("total_amount >= 0", name="total_amount_not_negative"),
        CheckConstraint("amount_paid >= 0", name="amount_paid_not_negative"),
        CheckConstraint("credited >= 0", name="credited_not_negative"),
        CheckConstraint("deduction_amount >= 0", name="deduction_amount_not_negative"),
    )

    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    document_id: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[datetime | None]
    due_date: Mapped[date | None]
    fulfillment_date: Mapped[date | None]
    expiry_date: Mapped[date | None]

    # The counterpart: ids as given, data as it was when taken (create, draft edits, issue).
    counterpart_id: Mapped[uuid.UUID]
    counterpart_type: Mapped[str] = mapped_column(String(16))
    counterpart_name: Mapped[str | None] = mapped_column(String(512))
    counterpart_tax_id: Mapped[str | None] = mapped_column(String(30))
    counterpart_external_reference: Mapped[str | None] = mapped_column(String(255))
    counterpart_business_type: Mapped[str | None] = mapped_column(String(50))
    counterpart_billing_address_id: Mapped[uuid.UUID | None]
    counterpart_shipping_address_id: Mapped[uuid.UUID | None]
    counterpart_vat_id_id: Mapped[uuid.UUID | None]
    contact_id: Mapped[uuid.UUID | None]
    counterpart_billing_address: Mapped[dict[str, Any] | None]
    counterpart_shipping_address: Mapped[dict[str, Any] | None]
    counterpart_vat_id: Mapped[dict[str, Any] | None]
    counterpart_contact: Mapped[dict[str, Any] | None]
    counterpart_einvoicing_credentials_id: Mapped[uuid.UUID | None]
    network_credentials_id: Mapped[uuid.UUID | None]

    # The issuing entity.
    entity: Mapped[dict[str, Any]]
    entity_overrides: Mapped[dict[str, Any] | None]  # the payload's ``entity`` object, applied over the snapshot
    entity_address: Mapped[dict[str, Any]]
    entity_bank_account_id: Mapped[uuid.UUID | None]
    entity_bank_account: Mapped[dict[str, Any] | None]
    entity_vat_id_id: Mapped[uuid.UUID | None]
    entity_vat_id: Mapped[dict[str, Any] | None]

    payment_terms_id: Mapped[uuid.UUID | None]
    payment_terms: Mapped[dict[str, Any] | None]  # with each tier's end_date once issued

    trade_name: Mapped[str | None] = mapped_column(String(255))
    memo: Mapped[str | None] = mapped_column(Text)
    footer: Mapped[str | None] = mapped_column(Text)
    commercial_condition_description: Mapped[str | None] = mapped_column(Text)
    deduction_memo: Mapped[str | None] = mapped_column(Text)
    purchase_order: Mapped[str | None] = mapped_column(String(100))
    vat_exemption_rationale: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    payment_page_url: Mapped[str | None] = mapped_column(String(2083))
    quote_accept_page_url: Mapped[str | None] = mapped_column(String(65536))
    einvoice_error_comment: Mapped[str | None] = mapped_column(Text)

    discount: Mapped[dict[str, Any] | None]  # {type, amount} as given
    deduction_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    withholding_tax_rate: Mapped[int | None] = mapped_column(Integer)
    vat_mode: Mapped[str] = mapped_column(String(16), default="exclusive")
    vat_inclusive_discount_mode: Mapped[str] = mapped_column(String(16), default="exclusive")
    vat_exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    signature_required: Mapped[bool | None] = mapped_column(Boolean)
    signature: Mapped[dict[str, Any] | None]
    is_einvoice: Mapped[bool] = mapped_column(Boolean, default=False)

    # Totals, computed on every change of the document (receivables.totals).
    subtotal: Mapped[int | None] = mapped_column(BigInteger)
    discount_value: Mapped[int | None] = mapped_column(BigInteger)
    discounted_subtotal: Mapped[int | None] = mapped_column(BigInteger)
    total_vat_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    total_vat_amounts: Mapped[list[Any]] = mapped_column(JSONDocument, default=list)
    subtotal_after_vat: Mapped[int | None] = mapped_column(BigInteger)
    total_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    total_withholding_tax: Mapped[int | None] = mapped_column(BigInteger)

    # Invoices: payments recorded and credit notes issued against them.
    amount_paid: Mapped[int] = mapped_column(BigInteger, default=0)
    credited: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_at: Mapped[datetime | None]
    credit_note_ids: Mapped[list[Any]] = mapped_column(JSONDocument, default=list)
    # Rejected invoices (remit extension): the catalogue reason as it was then, and when.
    rejection_reason: Mapped[dict[str, Any] | None]
    rejected_at: Mapped[datetime | None]

    based_on: Mapped[uuid.UUID | None]
    based_on_document_id: Mapped[str | None] = mapped_column(String(100))

    entity_user_id: Mapped[uuid.UUID | None]
    project_id: Mapped[uuid.UUID | None]
    partner_metadata: Mapped[dict[str, Any] | None]
    document_rendering: Mapped[dict[str, Any] | None]
    attachments: Mapped[list[Any]] = mapped_column(JSONDocument, default=list)
    overdue_reminder_id: Mapped[uuid.UUID | None]
    payment_reminder_id: Mapped[uuid.UUID | None]
    recurrence_id: Mapped[uuid.UUID | None]
    file_language: Mapped[str] = mapped_column(String(2), default="en")
    original_file_language: Mapped[str] = mapped_column(String(2), default="en")

    tags: Mapped[list[Tag]] = relationship(secondary=receivable_tags, lazy="select", order_by=Tag.name)
    line_items: Mapped[list[ReceivableLineItem]] = relationship(
        lazy="select", order_by="ReceivableLineItem.position", cascade="all, delete-orphan",
    )


class ReceivableLineItem(IdMixin, EntityOwned, Base):
    """One line: the product and VAT rate as they were taken, and the line's computed amounts.

    ``alloc``/``alloc_incl`` are the line's share of the document discount: credit notes credit
    the same share of what they return.
    """

    __tablename__ = "receivable_line_items"
    __table_args__ = (
        Index(None, "receivable_id", "position"),
        Index(None, "entity_id", "product_id"),
    )

    receivable_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("receivables.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[uuid.UUID]  # the catalogue product, or the id made for an inline one
    quantity: Mapped[Decimal] = mapped_column(Numeric(28, 10))
    discount: Mapped[dict[str, Any] | None]
    vat_rate_id: Mapped[uuid.UUID | None]
    custom_vat_rate_id: Mapped[uuid.UUID | None]
    tax_rate_value: Mapped[int | None] = mapped_column(Integer)
    tax_rate_name: Mapped[str | None] = mapped_column(String(64))
    accounting_tax_rate_id: Mapped[uuid.UUID | None]
    product: Mapped[dict[str, Any]]  # LineItemProduct as shown, with the rate's exact value for recomputation
    total_before_vat: Mapped[int] = mapped_column(BigInteger, default=0)
    total_after_vat: Mapped[int] = mapped_column(BigInteger, default=0)
    alloc: Mapped[int] = mapped_column(BigInteger, default=0)
    alloc_incl: Mapped[int] = mapped_column(BigInteger, default=0)
    taxable: Mapped[int] = mapped_column(BigInteger, default=0)
    # Credit notes: the invoice line credited, and the price reduction per unit (None: a return).
    source_line_id: Mapped[uuid.UUID | None]
    price_diff: Mapped[int | None] = mapped_column(BigInteger)


class ReceivableHistory(IdMixin, EntityOwned, Base):
    __tablename__ = "receivable_history"
    __table_args__ = (Index(None, "receivable_id", "timestamp", "id"),)

    receivable_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("receivables.id", ondelete="CASCADE"))
    timestamp: Mapped[datetime]
    event_type: Mapped[str] = mapped_column(String(40))
    event_data: Mapped[dict[str, Any]]
    entity_user_id: Mapped[uuid.UUID | None]
    current_pdf_url: Mapped[str | None] = mapped_column(String(2083))


class ReceivableMail(IdMixin, TimestampMixin, EntityOwned, Base):
    """A mail sent (or to be sent) for a receivable: the record ``send`` creates."""

    __tablename__ = "receivable_mails"
    __table_args__ = (Index(None, "receivable_id", "created_at", "id"), Index(None, "status", "next_attempt_at"))

    receivable_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("receivables.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32), default="receivable")  # or a reminder's term
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(2), default="en")
    recipients: Mapped[dict[str, Any]]  # {to, cc, bcc: [{email, is_success, error}]}
    # Delivery (receivables.mails.delivery): tries made so far, and when the next may start — for a
    # ``processing`` mail, when its claim lapses (a worker that died mid-delivery leaves it to expire).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None]


class ReceivableDocument(IdMixin, EntityOwned, Base):
    """A rendered PDF of one revision of a document in one language (receivables.documents).

    ``revision`` is a digest of everything the PDF shows, so a document that did not change since
    its last rendering reuses that file, and every change gets a file of its own."""

    __tablename__ = "receivable_documents"
    __table_args__ = (UniqueConstraint("receivable_id", "revision", "language"),)

    receivable_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("receivables.id", ondelete="CASCADE"))
    revision: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    file_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("files.id", ondelete="CASCADE"), index=True)
    render_ms: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
