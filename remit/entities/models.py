"""Entities, their settings and VAT ids."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Uuid, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin


class EntityType(StrEnum):
    organization = "organization"
    individual = "individual"


class EntityStatus(StrEnum):
    active = "active"
    inactive = "inactive"
    deleted = "deleted"


class Entity(IdMixin, TimestampMixin, Base):
    __tablename__ = "entities"
    __table_args__ = (Index(None, "partner_id", "created_at", "id"),)

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"))
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=EntityStatus.active)
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(100))
    website: Mapped[str | None] = mapped_column(String(2083))
    tax_id: Mapped[str | None] = mapped_column(String(30))
    registration_number: Mapped[str | None] = mapped_column(String(100))
    registration_authority: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[dict]
    organization: Mapped[dict | None]
    individual: Mapped[dict | None]
    partner_metadata: Mapped[dict | None]

    logo = None  # entity logos arrive with file storage


class EntitySettings(Base):
    """The entity's settings document (``SettingsResponse``), stored as given after merging."""

    __tablename__ = "entity_settings"

    entity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entities.id"), primary_key=True)
    data: Mapped[dict]


_SETTINGS = select(EntitySettings.data).where(EntitySettings.entity_id == bindparam("entity_id", type_=Uuid()))


def settings_of(session: Session, entity_id: uuid.UUID) -> dict[str, Any]:
    """The entity's settings document, read once per request (cached on the session; scoped
    requests get it with their context, ``auth.context``)."""
    cache = session.info.setdefault("entity_settings", {})
    data = cache.get(entity_id)
    if data is None:
        data = cache[entity_id] = session.connection().execute(_SETTINGS, {"entity_id": entity_id}).scalar() or {}
    return data


def remember_settings(session: Session, entity_id: uuid.UUID, data: dict[str, Any] | None) -> None:
    """Seed ``settings_of``'s cache with a document read by another statement."""
    session.info.setdefault("entity_settings", {})[entity_id] = data or {}


class EntityVatId(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "entity_vat_ids"

    country: Mapped[str] = mapped_column(String(2))
    type: Mapped[str] = mapped_column(String(32), default="unknown")
    value: Mapped[str] = mapped_column(String(32))
