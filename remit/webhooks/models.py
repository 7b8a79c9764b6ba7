"""Webhook subscriptions (the partner's), and the delivery log: a delivery per (event, subscription)
with the attempts made for it.

A delivery keeps the exact body it sends (so every attempt sends the same bytes) and the claim of
the worker attempting it: ``claimed_until`` is a lease, so a worker killed mid-attempt leaves a
claim that expires and is taken again. ``next_attempt_at`` and ``claimed_until`` are read against
the database server's clock on PostgreSQL (every machine agrees on it) and the machine's wall
clock on SQLite (every process sharing the file is on one machine); never ``core.clock``, which
tests move by days.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, IdMixin, TimestampMixin

URL_MAX = 2083


class WebhookSubscription(IdMixin, TimestampMixin, Base):
    __tablename__ = "webhook_subscriptions"
    __table_args__ = (Index(None, "partner_id", "created_at", "id"),)

    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"))
    object_type: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(URL_MAX))
    event_types: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(16))
    # The signing secret, encrypted (Fernet; the key is derived from the server's secret).
    secret_encrypted: Mapped[str] = mapped_column(Text)
    # Events with a larger ``seq`` are queued for it: those committed since it was created or last
    # enabled, however late the worker gets to them.
    enabled_after_seq: Mapped[int] = mapped_column(BigInteger)


class WebhookDelivery(IdMixin, TimestampMixin, Base):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index(None, "entity_id", "created_at", "id"),
        # The deliveries a worker may claim: pending ones, by when they are due.
        Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=text("was_successful IS NULL"),
              sqlite_where=text("was_successful IS NULL")),
    )

    entity_id: Mapped[uuid.UUID]
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    event_seq: Mapped[int] = mapped_column(BigInteger)
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="SET NULL"), index=True
    )
    object_type: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(128))
    url: Mapped[str] = mapped_column(String(URL_MAX))
    body: Mapped[str] = mapped_column(Text)
    requests_made_count: Mapped[int] = mapped_column(Integer, default=0)
    response: Mapped[str | None] = mapped_column(Text)
    response_status_code: Mapped[int | None]
    was_successful: Mapped[bool | None]
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(64))


class WebhookDeliveryAttempt(IdMixin, Base):
    """One finished attempt (an attempt cut by a crash leaves none: its delivery's count says so)."""

    __tablename__ = "webhook_delivery_attempts"

    delivery_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(String(URL_MAX))
    started_at: Mapped[datetime]
    duration_ms: Mapped[int] = mapped_column(Integer)
    response_status_code: Mapped[int | None]
    response: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(String(255))
