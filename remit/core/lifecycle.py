"""One lifecycle for every document with a status (docs/architecture.md, "State machines").

A domain declares a ``TransitionTable`` (action, source states, target, the permission it needs,
the event it emits, guards) and a ``Lifecycle`` that binds it to its ORM model, its history table
and its not-found error. Every status change goes through ``Lifecycle.apply``:

1. check the permission (the row's, with the object's owner): "you may not" before "not now";
2. look up (action, current status); no row → the domain's conflict error (409);
3. run the guards (pure functions over the loaded document and the request's parameters);
4. write the new status with a conditional UPDATE on (id, entity_id, status) together with the
   status change's history row and event row — one statement on PostgreSQL
   (``db.update_with_rows``), so a lost race inserts nothing; rowcount 0 means a concurrent request
   won, and a re-read tells "gone" (404) from "moved on" (409);
5. run the hooks other domains subscribed to this transition (``core.hooks``), in the same
   transaction.

No other code assigns ``status``. A new document type needs its table, its models, a ``History``
and a ``Lifecycle`` to get all of this.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Table, Update, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.db.statements import update_with_rows
from remit.core.errors import Conflict, NotFound
from remit.core.events import Event, event_values
from remit.core.hooks import Change
from remit.core.runtime import runtime_of
from remit.operations.metrics import TRANSITIONS


class Document(Protocol):
    """What the engine needs of an object with a status (it reads them; only the engine's own
    UPDATE writes ``status``)."""

    @property
    def id(self) -> Any: ...

    @property
    def entity_id(self) -> Any: ...

    @property
    def status(self) -> Any: ...


T = TypeVar("T")
D = TypeVar("D", bound=Document)
Guard = Callable[[Any, RequestContext, Mapping[str, Any]], None]
Rows = Sequence[tuple[Table, Mapping[str, Any]]]


@dataclass(frozen=True, eq=False)
class Transition(Generic[T]):
    """One row of a transition table. Compared by identity: a hook names the row it follows."""

    action: str
    sources: frozenset[str]
    target: str
    event: str | None  # event type emitted on success (``<object_type>.<event>``); None: no event
    permission: str | None = None  # action checked on the object type; None = system move
    guards: tuple[Guard, ...] = ()
    manual: bool = True  # False: automatic/system moves (no endpoint)


def transition(action: str, sources: Iterable[str], target: str, event: str | None, *,
               permission: str | None = None, guards: Iterable[Guard] = (), manual: bool = True) -> Transition[Any]:
    return Transition(action, frozenset(sources), target, event, permission, tuple(guards), manual)


@dataclass(frozen=True)
class TransitionTable:
    object_type: str
    states: tuple[str, ...]
    rows: tuple[Transition[Any], ...]
    conflict: type[Conflict]
    _index: dict[tuple[str, str], Transition[Any]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], Transition[Any]] = {}
        for row in self.rows:
            for source in row.sources:
                if (row.action, source) in index:
                    raise ValueError(f"duplicate transition {row.action} from {source}")
                index[(row.action, source)] = row
        object.__setattr__(self, "_index", index)

    def find(self, action: str, status: str) -> Transition[Any] | None:
        return self._index.get((action, status))

    def actions(self) -> list[str]:
        return list(dict.fromkeys(row.action for row in self.rows))

    def permission(self, action: str) -> str | None:
        """The permission an action needs (the same on every row of that action)."""
        for row in self.rows:
            if row.action == action:
                return row.permission
        raise KeyError(action)

    def sources(self, action: str) -> frozenset[str]:
        return frozenset(s for (a, s) in self._index if a == action)

    def mermaid(self, *, initial: Iterable[tuple[str, str]] = (), final: Iterable[str] = ()) -> str:
        """The state diagram in Mermaid syntax, for the docs (they are tested to show the current one)."""
        lines = ["stateDiagram-v2", *(f"    [*] --> {state}: {label}" for state, label in initial)]
        for row in self.rows:
            for source in sorted(row.sources):
                label = row.action if row.manual else f"{row.action} (auto)"
                lines.append(f"    {source} --> {row.target}: {label}")
        lines.extend(f"    {state} --> [*]" for state in final)
        return "\n".join(lines)


# -- history ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """A document's history table: ``id, entity_id, <owner>, timestamp, event_type, event_data,
    entity_user_id``. Domains write it through one typed helper per event type (``history.py``)."""

    table: Table
    owner_column: str  # the column naming the document, e.g. "payable_id"

    def values(self, session: Session, ctx: RequestContext, obj: Document, event_type: StrEnum,
               event_data: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The row's columns; the rows of one request get strictly increasing timestamps."""
        return {
            "id": uuid.uuid4(),
            "entity_id": obj.entity_id,
            self.owner_column: obj.id,
            "timestamp": clock.increasing(session.info, self.table.name),
            "event_type": event_type.value,
            "event_data": dict(event_data or {}),
            "entity_user_id": ctx.entity_user_id,
        }

    def record(self, session: Session, ctx: RequestContext, obj: Document, event_type: StrEnum,
               event_data: Mapping[str, Any] | None = None) -> uuid.UUID:
        """Insert a history row now (a Core INSERT, no unit-of-work flush); returns its id."""
        values = self.values(session, ctx, obj, event_type, event_data)
        session.connection().execute(_insert(self.table), values)
        row_id: uuid.UUID = values["id"]
        return row_id


@cache
def _insert(table: Table) -> Any:
    return insert(table)


# -- the engine -------------------------------------------------------------------------------

# The values of a status change's history row; None writes none (e.g. a move to the same status).
StatusHistory = Callable[[Session, RequestContext, Any, Transition[Any], str], Mapping[str, Any] | None]
EventsOf = Callable[[Any, Transition[Any]], Iterable[tuple[str, Any, str]]]


@dataclass(frozen=True)
class Lifecycle(Generic[D]):
    """A transition table bound to its model, its history and its errors."""

    table: TransitionTable
    model: type[D]
    # The history row of a status change (None: the type keeps no history), given the old status.
    status_history: tuple[History, StatusHistory] | None = None
    # The events of a change as (object_type, object_id, event_type); default: the row's event on the object.
    events: EventsOf | None = None
    owner: Callable[[D], uuid.UUID | None] = lambda obj: None
    not_found: Callable[[D], NotFound] = lambda obj: NotFound()

    def apply(self, session: Session, ctx: RequestContext, obj: D, action: str, *,
              values: Mapping[str, Any] | None = None, params: Mapping[str, Any] | None = None) -> Transition[D]:
        """Move ``obj`` by ``action``; ``values`` are extra columns written in the same UPDATE,
        ``params`` what the guards read."""
        table = self.table
        permission = table.permission(action)
        if permission is not None:
            ctx.check(table.object_type, permission, owner_id=self.owner(obj))
        row = table.find(action, obj.status)
        if row is None:
            raise table.conflict(action=action, status=obj.status)
        for guard in row.guards:
            guard(obj, ctx, params or {})
        session.flush()  # pending ORM changes of this request go first
        old_status = obj.status
        changes = {"status": row.target, "updated_at": clock.now(), **(values or {})}
        model_table: Table = self.model.__table__  # type: ignore[attr-defined]
        count = update_with_rows(
            session.connection(),
            _conditional_update(model_table, tuple(changes)),
            {**{f"v_{name}": value for name, value in changes.items()},
             "_id": obj.id, "_entity_id": obj.entity_id, "_status": old_status},
            self._rows(session, ctx, obj, row, old_status),
        )
        if count != 1:
            current = session.execute(
                select(model_table.c.status).where(model_table.c.id == obj.id, model_table.c.entity_id == obj.entity_id)
            ).scalar()
            if current is None:
                raise self.not_found(obj)
            raise table.conflict(action=action, status=current)
        for key, value in changes.items():
            set_committed_value(obj, key, value)
        TRANSITIONS.labels(table.object_type, action).inc()
        runtime_of(session).hooks.run(Change(session, ctx, obj, row, old_status))
        return row

    def _rows(self, session: Session, ctx: RequestContext, obj: D, row: Transition[D], old: str) -> Rows:
        rows: list[tuple[Table, Mapping[str, Any]]] = []
        if self.status_history is not None:
            history, build = self.status_history
            values = build(session, ctx, obj, row, old)
            if values is not None:
                rows.append((history.table, values))
        events = self.events(obj, row) if self.events is not None else (
            [(self.table.object_type, obj.id, row.event)] if row.event else []
        )
        for object_type, object_id, event_type in events:
            rows.append((Event.__table__, event_values(
                session, entity_id=obj.entity_id, object_type=object_type, event_type=event_type, object_id=object_id,
            )))
        return rows


@cache
def _conditional_update(table: Table, columns: tuple[str, ...]) -> Update:
    """``UPDATE … SET <columns> WHERE id, entity_id and status match``, built once per column set."""
    return (
        update(table)
        .where(
            table.c.id == bindparam("_id"),
            table.c.entity_id == bindparam("_entity_id"),
            table.c.status == bindparam("_status"),
        )
        .values({name: bindparam(f"v_{name}") for name in columns})
    )


def set_committed(obj: Any, key: str, value: Any) -> None:
    """Reflect a value written by a Core UPDATE on the loaded object without marking it dirty."""
    set_committed_value(obj, key, value)
