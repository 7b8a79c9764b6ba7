"""The small engine that applies a transition table (STYLE.md "State machines").

A domain declares its table once — action, source states, target, the permission it needs, the
event it emits, and guards — and every status change goes through ``apply``:

1. look up (action, current status); no row → the domain's conflict error (409);
2. check the permission and run the guards (pure functions over the loaded document);
3. write the new status with a conditional UPDATE on (id, entity_id, status), and with it the rows
   the domain's ``records`` gives (history row + event row): one statement on PostgreSQL
   (``db.update_with_rows``); rowcount 0 means a concurrent request won, nothing was inserted, and
   a re-read tells "gone" (404) from "moved on" (409);
4. call the domain's ``on_change`` in the same transaction (announcements to other domains).

No other code assigns ``status``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Table, Update, bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.db.statements import update_with_rows
from remit.core.errors import Conflict, NotFound

Guard = Callable[[Any, RequestContext, Mapping[str, Any]], None]


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    event: str  # webhook event type emitted on success (``<object_type>.<event>``)
    permission: str | None = None  # action checked on the object type; None = system move
    guards: tuple[Guard, ...] = ()
    manual: bool = True  # False: automatic/system moves (no endpoint)


def transition(action: str, sources: Iterable[str], target: str, event: str, *, permission: str | None = None,
               guards: Iterable[Guard] = (), manual: bool = True) -> Transition:
    return Transition(action, frozenset(sources), target, event, permission, tuple(guards), manual)


@dataclass(frozen=True)
class TransitionTable:
    object_type: str
    states: tuple[str, ...]
    rows: tuple[Transition, ...]
    conflict: type[Conflict]
    _index: dict[tuple[str, str], Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        index: dict[tuple[str, str], Transition] = {}
        for row in self.rows:
            for source in row.sources:
                if (row.action, source) in index:
                    raise ValueError(f"duplicate transition {row.action} from {source}")
                index[(row.action, source)] = row
        object.__setattr__(self, "_index", index)

    def find(self, action: str, status: str) -> Transition | None:
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


OnChange = Callable[[Session, RequestContext, Any, Transition, str], None]
Records = Callable[[Session, RequestContext, Any, Transition, str], Sequence[tuple[Table, Mapping[str, Any]]]]


def apply(
    session: Session,
    ctx: RequestContext,
    table: TransitionTable,
    obj: Any,
    action: str,
    *,
    on_change: OnChange,
    records: Records | None = None,
    owner_id: Any = None,
    values: Mapping[str, Any] | None = None,
    params: Mapping[str, Any] | None = None,
    not_found: Callable[[], NotFound] = NotFound,
) -> Transition:
    """Move ``obj`` by ``action``; ``values`` are extra columns written in the same UPDATE.

    ``records(session, ctx, obj, row, old_status)``: rows to insert if, and only if, the status changes.
    """
    permission = table.permission(action)
    if permission is not None:  # "you may not" before "not now"
        ctx.check(table.object_type, permission, owner_id=owner_id)
    row = table.find(action, obj.status)
    if row is None:
        raise table.conflict(action=action, status=obj.status)
    for guard in row.guards:
        guard(obj, ctx, params or {})
    session.flush()  # pending ORM changes of this request go first
    model = type(obj)
    old_status = obj.status
    changes = {"status": row.target, "updated_at": clock.now(), **(values or {})}
    count = update_with_rows(
        session.connection(),
        _conditional_update(model.__table__, tuple(changes)),
        {**{f"v_{name}": value for name, value in changes.items()},
         "_id": obj.id, "_entity_id": obj.entity_id, "_status": old_status},
        records(session, ctx, obj, row, old_status) if records is not None else (),
    )
    if count != 1:
        current = session.execute(
            select(model.status).where(model.id == obj.id, model.entity_id == obj.entity_id)
        ).scalar()
        if current is None:
            raise not_found()
        raise table.conflict(action=action, status=current)
    for key, value in changes.items():
        set_committed(obj, key, value)
    on_change(session, ctx, obj, row, old_status)
    return row


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
