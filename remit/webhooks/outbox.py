"""The database side of delivery: queue deliveries for pending events, claim due ones, record results.

Each function is one short transaction (run in a thread by the delivery loop), so a worker killed
at any point leaves the database consistent:

- ``dispatch`` takes pending events in ``seq`` order (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
  several workers share them; SQLite's writers are serialised anyway), inserts one delivery per
  matching enabled subscription and marks the events dispatched, in one commit: an event is
  queued exactly once, or not yet.
- ``claim`` takes due deliveries whose claim is free or expired (``SKIP LOCKED`` again), counts the
  attempt and sets a lease (``claimed_until``). A worker killed mid-attempt leaves the lease to
  expire; another worker then takes the delivery again (at-least-once).
- ``record`` writes an attempt's outcome if the claim is still this worker's, and schedules the
  next attempt from the retry delays, with ±10 % jitter.

Times that decide claims and retries come from the database server on PostgreSQL (one clock for
every machine) and from the wall clock on SQLite (one machine); never from ``core.clock``.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, case, exists, func, insert, select, update

from remit.core import clock
from remit.entities.models import Entity
from remit.events.models import Event
from remit.webhooks import schemas
from remit.webhooks.models import WebhookDelivery, WebhookDeliveryAttempt, WebhookSubscription
from remit.webhooks.secrets import InvalidToken

if TYPE_CHECKING:
    from remit.runtime import Runtime

ENABLED = "enabled"
DISPATCH_BATCH = 500
RESPONSE_MAX_BYTES = 4096
JITTER = 0.1

D = WebhookDelivery
S = WebhookSubscription


def db_now(connection: Connection) -> datetime:
    """The time claims and retries are measured against (see the module's docstring)."""
    if connection.dialect.name == "postgresql":
        value: datetime = connection.execute(select(func.clock_timestamp())).scalar_one()
        return value.astimezone(UTC)
    return datetime.now(UTC)


# -- queueing ---------------------------------------------------------------------------------

_ANY_ENABLED = select(exists().where(S.status == ENABLED))
_ANY_PENDING = select(exists().where(Event.dispatched_at.is_(None)))


def body_of(event: Any, subscription_id: uuid.UUID) -> str:
    document = {**_event_document(event), "webhook_subscription_id": subscription_id}
    return schemas.EventResourceForWebhookClient.model_validate(document).model_dump_json()


def _event_document(event: Any) -> dict[str, Any]:
    from remit.webhooks.service import event_resource

    return event_resource(event)


def _matches(subscription: Any, event: Any) -> bool:
    if subscription.object_type != event.object_type or event.seq <= subscription.enabled_after_seq:
        return False
    event_type = event.action[len(event.object_type) + 1:]
    return not subscription.event_types or event_type in subscription.event_types


def dispatch(runtime: Runtime, *, limit: int = DISPATCH_BATCH) -> int:
    """Queue the deliveries of up to ``limit`` pending events; how many events it took.

    With no enabled subscription anywhere, events stay pending and nothing is written: a
    subscription made later receives only events after it (``enabled_after_seq``), and the pending
    ones are marked when there is one.
    """
    with runtime.transaction(write=False) as session:
        connection = session.connection()
        if not connection.execute(_ANY_PENDING).scalar() or not connection.execute(_ANY_ENABLED).scalar():
            return 0
    with runtime.transaction() as session:
        connection = session.connection()
        stmt = (
            select(Event.__table__, Entity.partner_id)
            .outerjoin(Entity, Entity.id == Event.entity_id)
            .where(Event.dispatched_at.is_(None))
            .order_by(Event.seq)
            .limit(limit)
        )
        if connection.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True, of=Event.__table__)
        events = connection.execute(stmt).all()
        if not events:
            return 0
        partners = {event.partner_id for event in events if event.partner_id is not None}
        subscriptions: dict[uuid.UUID, list[Any]] = {}
        if partners:
            for subscription in connection.execute(
                select(S.id, S.partner_id, S.object_type, S.event_types, S.url, S.enabled_after_seq)
                .where(S.partner_id.in_(partners), S.status == ENABLED)
            ):
                subscriptions.setdefault(subscription.partner_id, []).append(subscription)
        now, due = clock.now(), db_now(connection)
        rows = [
            {
                "id": uuid.uuid4(), "entity_id": event.entity_id, "event_id": event.id, "event_seq": event.seq,
                "subscription_id": subscription.id, "object_type": event.object_type, "action": event.action,
                "url": subscription.url, "body": body_of(event, subscription.id), "requests_made_count": 0,
                "next_attempt_at": due, "created_at": now, "updated_at": now,
            }
            for event in events
            for subscription in subscriptions.get(event.partner_id, ())
            if _matches(subscription, event)
        ]
        if rows:
            connection.execute(insert(D.__table__), rows)
        connection.execute(
            update(Event.__table__).where(Event.seq.in_([event.seq for event in events])).values(dispatched_at=now)
        )
        return len(events)


# -- claiming ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker may attempt now (attempt ``number``), with what the attempt needs."""

    id: uuid.UUID
    number: int
    claimed_by: str
    body: bytes
    url: str
    secret: str | None  # None: unreadable (sealed under another server secret)


def claim(runtime: Runtime, *, limit: int, worker: str) -> list[Claimed]:
    """Claim up to ``limit`` due deliveries. Deliveries that must not be attempted (their
    subscription disabled or deleted, or no attempt left after a claim expired) end as failed here."""
    settings = runtime.settings
    db = runtime.db
    attempts = len(settings.webhook_retry_delays) + 1
    lease = timedelta(seconds=settings.webhook_timeout_seconds + settings.webhook_claim_margin_seconds)

    def due(now: datetime) -> Any:
        return (
            select(D.id, D.requests_made_count, S.status, S.url, S.secret_encrypted, D.body)
            .outerjoin(S, S.id == D.subscription_id)
            .where(
                D.was_successful.is_(None), D.next_attempt_at <= now,
                (D.claimed_until.is_(None)) | (D.claimed_until < now),
            )
            .order_by(D.event_seq)
            .limit(limit)
        )

    if db.is_sqlite:  # look before taking the write lock: most looks find nothing
        with runtime.transaction(write=False) as session:
            connection = session.connection()
            if connection.execute(due(db_now(connection))).first() is None:
                return []
    with runtime.transaction() as session:
        connection = session.connection()
        now = db_now(connection)
        stmt = due(now)
        if connection.dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True, of=D.__table__)
        rows = connection.execute(stmt).all()
        if not rows:
            return []
        ended = [row.id for row in rows if row.status != ENABLED or row.requests_made_count >= attempts]
        if ended:
            connection.execute(
                update(D.__table__).where(D.id.in_(ended)).values(
                    was_successful=False, next_attempt_at=None, claimed_until=None, claimed_by=None,
                    updated_at=clock.now(),
                )
            )
        taken = [row for row in rows if row.id not in set(ended)]
        if not taken:
            return []
        connection.execute(
            update(D.__table__).where(D.id.in_([row.id for row in taken])).values(
                requests_made_count=D.requests_made_count + 1, claimed_until=now + lease, claimed_by=worker,
            )
        )
    box = runtime.webhooks.box
    claimed = []
    for row in taken:
        try:
            secret: str | None = box.open(row.secret_encrypted)
        except InvalidToken:
            secret = None
        claimed.append(Claimed(row.id, row.requests_made_count + 1, worker, row.body.encode(), row.url, secret))
    return claimed


def next_due_in(runtime: Runtime) -> float | None:
    """Seconds until a pending delivery can be claimed (its next attempt, or the end of the lease
    that holds it); None when none is pending."""
    with runtime.transaction(write=False) as session:
        connection = session.connection()
        free_at = case((D.claimed_until > D.next_attempt_at, D.claimed_until), else_=D.next_attempt_at)
        first = connection.execute(
            select(func.min(free_at)).where(D.was_successful.is_(None), D.next_attempt_at.is_not(None))
        ).scalar()
        if first is None:
            return None
        if isinstance(first, str):  # SQLite hands an aggregate of a typed column back as text
            first = datetime.fromisoformat(first)
        if first.tzinfo is None:
            first = first.replace(tzinfo=UTC)
        return max(0.0, (first - db_now(connection)).total_seconds())


# -- results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    started_at: datetime
    duration_ms: int
    status_code: int | None
    response: str | None
    error: str | None

    @property
    def success(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def jittered(delay: float) -> float:
    return delay * random.uniform(1 - JITTER, 1 + JITTER)


def record(runtime: Runtime, claimed: Claimed, outcome: Outcome) -> None:
    """Write the attempt and the delivery's new state (if the claim is still ours)."""
    record_many(runtime, [(claimed, outcome)])


def record_many(runtime: Runtime, results: list[tuple[Claimed, Outcome]]) -> None:
    """``record`` for several attempts, in one transaction and a fixed number of statements (one
    write on SQLite's single writer; on PostgreSQL a handful of round trips, not three per attempt)."""
    delays = runtime.settings.webhook_retry_delays
    with runtime.transaction() as session:
        connection = session.connection()
        connection.execute(insert(WebhookDeliveryAttempt.__table__), [
            {
                "id": uuid.uuid4(), "delivery_id": claimed.id, "number": claimed.number, "url": claimed.url,
                "started_at": outcome.started_at, "duration_ms": outcome.duration_ms,
                "response_status_code": outcome.status_code, "response": outcome.response,
                "error": (outcome.error or "")[:255] or None,
            }
            for claimed, outcome in results
        ])
        stmt = (
            select(D.id, D.was_successful, D.requests_made_count, D.claimed_by, S.status)
            .outerjoin(S, S.id == D.subscription_id)
            .where(D.id.in_([claimed.id for claimed, _ in results]))
            .order_by(D.id)  # locks taken in one order by every recorder
        )
        if connection.dialect.name == "postgresql":
            stmt = stmt.with_for_update(of=D.__table__)
        rows = {row.id: row for row in connection.execute(stmt)}
        now, due = clock.now(), db_now(connection)
        changes = []
        for claimed, outcome in results:
            row = rows.get(claimed.id)
            if row is None or row.claimed_by != claimed.claimed_by or row.requests_made_count != claimed.number:
                continue  # our lease ran out and another worker took the delivery over: its attempt decides
            if outcome.success:
                successful, next_attempt = True, None
            elif row.was_successful is False or row.status != ENABLED or claimed.number > len(delays):
                successful, next_attempt = False, None
            else:  # tried again after the schedule's delay
                successful, next_attempt = None, due + timedelta(seconds=jittered(delays[claimed.number - 1]))
            changes.append({
                "delivery": claimed.id, "was_successful": successful, "next_attempt_at": next_attempt,
                "response": outcome.response, "response_status_code": outcome.status_code, "url": claimed.url,
                "claimed_until": None, "claimed_by": None, "updated_at": now,
            })
        if changes:
            connection.execute(_RECORD, changes)


# Every column an attempt's result sets, by name (one executemany for a batch of results).
_RECORD = (
    update(D.__table__)
    .where(D.__table__.c.id == bindparam("delivery"))
    .values({name: bindparam(name) for name in (
        "was_successful", "next_attempt_at", "response", "response_status_code", "url", "claimed_until",
        "claimed_by", "updated_at")})
)


def release(runtime: Runtime, claims: list[Claimed]) -> int:
    """Let go of claims whose attempts were cut short (a process shutting down): the deliveries are
    due again at once, for any worker, and the cut attempt does not count against their attempts.
    A claim that is no longer ours (its lease ran out and another worker took it) is left alone."""
    released = 0
    with runtime.transaction() as session:
        connection = session.connection()
        for claimed in claims:
            released += connection.execute(
                update(D.__table__)
                .where(D.id == claimed.id, D.claimed_by == claimed.claimed_by, D.requests_made_count == claimed.number)
                .values(claimed_until=None, claimed_by=None, requests_made_count=claimed.number - 1)
            ).rowcount
    return released


# -- retention --------------------------------------------------------------------------------

PURGE_BATCH = 1000


def purge(runtime: Runtime) -> int:
    """Delete events older than the retention (and, by cascade, their deliveries and attempts),
    oldest first, in short batches; how many events went."""
    cutoff = clock.now() - timedelta(days=runtime.settings.event_retention_days)
    removed = 0
    while True:
        with runtime.transaction() as session:
            connection = session.connection()
            # The oldest events by number are the oldest by time: no index on created_at needed.
            oldest = connection.execute(
                select(Event.seq, Event.created_at).order_by(Event.seq).limit(PURGE_BATCH)
            ).all()
            expired = [row.seq for row in oldest if row.created_at < cutoff]
            if expired:
                connection.execute(Event.__table__.delete().where(Event.seq.in_(expired)))
        removed += len(expired)
        if len(expired) < PURGE_BATCH:
            return removed
