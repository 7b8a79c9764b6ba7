"""``record_change``: the event row of a state change, written in the caller's transaction.

Domains call it next to the change it describes (or insert ``event_values`` together with their
own rows, ``db.insert_rows``), so a committed change always has its event and a rolled-back one
has none. Status changes write theirs through the lifecycle engine (``core.lifecycle``), with the
history row, in the same statement. Webhook delivery reads these rows after commit: a transaction
that wrote events tells its runtime's ``Outbox`` once it has committed, so the process's webhook
worker starts at once instead of at its next look.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.db.unit_of_work import after_commit
from remit.core.versioning import IMPLEMENTED_VERSION
from remit.events import catalogue
from remit.events.models import Event

__all__ = ["Event", "Outbox", "event_values", "record_change"]


class Outbox:
    """The listeners told, after a commit, that events were written (the webhook worker's wake-up)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def listen(self, listener: Callable[[], None]) -> None:
        if listener not in self._listeners:
            self._listeners.append(listener)

    def ignore(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def committed(self) -> None:
        for listener in list(self._listeners):
            listener()

_INSERT_EVENT = insert(Event.__table__)


def record_change(session: Session, **fields: Any) -> uuid.UUID:
    """Insert the event row now (a Core INSERT, no unit-of-work flush); returns its id.

    ``fields``: the keyword arguments of ``event_values`` (entity, object type and id, event type,
    optional description).
    """
    values = event_values(session, **fields)
    session.connection().execute(_INSERT_EVENT, values)
    event_id: uuid.UUID = values["id"]
    return event_id


def event_values(
    session: Session,
    *,
    entity_id: uuid.UUID,
    object_type: str,
    event_type: str,
    object_id: uuid.UUID,
    description: str | None = None,
) -> dict[str, Any]:
    """The columns of an event row, for a caller that inserts it with other rows (``db.insert_rows``).

    Events of one request get strictly increasing ``created_at`` values, so they list in the
    order they happened.
    """
    now = clock.increasing(session.info, "events")
    action = f"{object_type}.{event_type}"
    catalogue.check(action)
    outbox: Outbox | None = getattr(session.info.get("runtime"), "outbox", None)
    if outbox is not None:
        after_commit(session, outbox.committed)
    return {
        "id": uuid.uuid4(),
        "entity_id": entity_id,
        "object_type": object_type,
        "action": action,
        "object_id": object_id,
        "description": description or f"{object_type.replace('_', ' ').capitalize()} {event_type.replace('_', ' ')}",
        "api_version": IMPLEMENTED_VERSION,
        "created_at": now,
    }
