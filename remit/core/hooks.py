"""Typed in-transaction hooks: other domains act on a status change inside its transaction.

A domain's lifecycle announces every transition it applies; a subscriber names the transition
it follows by its row (a module constant such as ``payables.lifecycle.SUBMIT_FOR_APPROVAL``),
so the type checker and a reader can follow the link. Subscribers run in the transaction of the
change: a failure rolls both back. Dependencies stay one-way: the announcing domain never
imports its subscribers; the runtime wires them (``remit.runtime``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy.orm import Session

from remit.core.context import RequestContext

if TYPE_CHECKING:
    from remit.core.lifecycle import Transition

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Change(Generic[T]):
    """A status change that was just written: ``obj`` is in ``transition.target`` now."""

    session: Session
    ctx: RequestContext
    obj: T
    transition: Transition[T]
    old_status: str


Subscriber = Callable[[Change[T]], None]
# Told that an object of some type was created (``session``, its id), in the creating transaction.
CreationSubscriber = Callable[[Session, uuid.UUID], None]


class Hooks:
    """The subscribers of transitions, wired once per process by the runtime."""

    def __init__(self) -> None:
        self._after: dict[int, list[Subscriber[Any]]] = {}
        self._created: dict[str, list[CreationSubscriber]] = {}

    def after(self, transition: Transition[T], subscriber: Subscriber[T]) -> None:
        """Run ``subscriber`` after every ``transition`` (once, however often it is wired)."""
        subscribers = self._after.setdefault(id(transition), [])
        if subscriber not in subscribers:
            subscribers.append(subscriber)

    def run(self, change: Change[T]) -> None:
        for subscriber in self._after.get(id(change.transition), ()):
            subscriber(change)

    def on_created(self, object_type: str, subscriber: CreationSubscriber) -> None:
        """Run ``subscriber`` whenever an object of ``object_type`` is created (e.g. ``"entity"``)."""
        subscribers = self._created.setdefault(object_type, [])
        if subscriber not in subscribers:
            subscribers.append(subscriber)

    def created(self, session: Session, object_type: str, object_id: uuid.UUID) -> None:
        for subscriber in self._created.get(object_type, ()):
            subscriber(session, object_id)
