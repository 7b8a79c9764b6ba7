"""Counterparts (vendors and customers) and what hangs off them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin
from remit.tags.models import Tag

counterpart_tags = Table(
    "counterpart_tags",
    Base.metadata,
    Column("counterpart_id", ForeignKey("counterparts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Counterpart(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "counterparts"
    __table_args__ = (
        Index(None, "entity_id", "created_at", "id"),
        Index(None, "entity_id", "name", "id"),
    )

    type: Mapped[str] = mapped_column(String(16))
    # The display name lists sort and filter on: legal name, or "first last" for individuals.
    name: Mapped[str] = mapped_column(String(512))
    legal_name: Mapped[str | None] = mapped_column(String(255))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(100))
    is_customer: Mapped[bool] = mapped_column(Boolean)
    is_vendor: Mapped[bool] = mapped_column(Boolean)
    tax_id: Mapped[str | None] = mapped_column(String(30))
    language: Mapped[str] = mapped_column(String(2), default="en")
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    external_reference: Mapped[str | None] = mapped_column(String(255))
    created_automatically: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_entity_user_id: Mapped[uuid.UUID | None]
    # Plain ids (no foreign key: addresses point back at their counterpart); kept valid by the service.
    default_billing_address_id: Mapped[uuid.UUID | None]
    default_shipping_address_id: Mapped[uuid.UUID | None]
    partner_metadata: Mapped[dict | None]
    # Soft delete: documents keep referring to a deleted counterpart (docs/master-data.md, "Counterparts").
    deleted_at: Mapped[datetime | None]

    tags: Mapped[list[Tag]] = relationship(secondary=counterpart_tags, lazy="selectin", order_by=Tag.name)

    def _party(self, **fields: Any) -> dict[str, Any]:
        return {
            **fields,
            "is_customer": self.is_customer,
            "is_vendor": self.is_vendor,
            "email": self.email,
            "phone": self.phone,
            "tags": self.tags,
        }

    @property
    def organization(self) -> dict[str, Any] | None:
        if self.type != "organization":
            return None
        return self._party(legal_name=self.legal_name)

    @property
    def individual(self) -> dict[str, Any] | None:
        if self.type != "individual":
            return None
        return self._party(first_name=self.first_name, last_name=self.last_name, title=self.title)


class CounterpartAddress(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "counterpart_addresses"

    counterpart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("counterparts.id"), index=True)
    city: Mapped[str] = mapped_column(String(255))
    country: Mapped[str] = mapped_column(String(2))
    line1: Mapped[str] = mapped_column(String(255))
    line2: Mapped[str | None] = mapped_column(String(255))
    postal_code: Mapped[str] = mapped_column(String(32))
    state: Mapped[str | None] = mapped_column(String(255))


class CounterpartBankAccount(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "counterpart_bank_accounts"

    counterpart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("counterparts.id"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    currency: Mapped[str] = mapped_column(String(3))
    account_holder_name: Mapped[str | None] = mapped_column(String(255))
    account_number: Mapped[str | None] = mapped_column(String(100))
    bic: Mapped[str | None] = mapped_column(String(11))
    iban: Mapped[str | None] = mapped_column(String(34), index=True)
    routing_number: Mapped[str | None] = mapped_column(String(100))
    sort_code: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(200))
    is_default_for_currency: Mapped[bool] = mapped_column(Boolean, default=False)
    partner_metadata: Mapped[dict | None]


class CounterpartContact(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "counterpart_contacts"

    counterpart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("counterparts.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[dict]
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class CounterpartVatId(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "counterpart_vat_ids"

    counterpart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("counterparts.id"), index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    type: Mapped[str] = mapped_column(String(32), default="unknown")
    value: Mapped[str] = mapped_column(String(32), index=True)


class CounterpartEinvoicingCredential(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "counterpart_einvoicing_credentials"

    counterpart_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("counterparts.id"), index=True)
    network_identifier: Mapped[str] = mapped_column(String(255))
    network_schema: Mapped[str] = mapped_column(String(16))
    counterpart_vat_id_id: Mapped[uuid.UUID | None]
