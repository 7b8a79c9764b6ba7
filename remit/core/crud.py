"""The shape most catalogue resources share: scoped CRUD with permissions, owners and events.

A domain describes its resource once (``Resource``) and its service calls these steps, adding
its own rules around them; anything special stays in the domain's service.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from remit.core.base import EntityOwned
from remit.core.context import RequestContext
from remit.core.events import record_change
from remit.core.pagination import AnySelect, ListQuery, Page, Paginator
from remit.core.repository import EntityScopedRepository

M = TypeVar("M", bound=EntityOwned)


def apply_changes(obj: Any, changes: dict[str, Any]) -> None:
    """Set PATCH fields on ``obj``. A value the object cannot be without is never null here: its
    update schema refuses the null (``remit.core.schemas.Omittable``)."""
    for key, value in changes.items():
        setattr(obj, key, value)


@dataclass(frozen=True)
class Resource(Generic[M]):
    repository: type[EntityScopedRepository[M]]
    object_type: str  # the permission object (docs/auth-entities.md, "Which permission an endpoint needs")
    event_object: str | None = None  # the webhook object type, when changes emit events
    owner_attr: str | None = None  # the creator column that `allowed_for_own` compares
    events: tuple[str, str, str] = ("created", "updated", "deleted")
    # Resources with no object type of their own (payment terms, custom VAT rates): any user of
    # the entity reads them, and writes need this permission instead
    # (docs/auth-entities.md, "Which permission an endpoint needs").
    write_permission: tuple[str, str] | None = None

    def check(self, ctx: RequestContext, action: str, obj: Any = None) -> None:
        if self.write_permission is not None:
            if action != "read":
                ctx.check(*self.write_permission)
            return
        if obj is not None and self.owner_attr:
            ctx.check(self.object_type, action, owner_id=self.owner(obj))
        else:
            ctx.check(self.object_type, action)

    def repo(self, session: Session, ctx: RequestContext) -> EntityScopedRepository[M]:
        return self.repository(session, ctx)

    def owner(self, obj: M) -> uuid.UUID | None:
        return getattr(obj, self.owner_attr) if self.owner_attr else None

    def _event(self, session: Session, ctx: RequestContext, kind: int, obj: Any) -> None:
        if self.event_object:
            record_change(
                session,
                entity_id=ctx.scoped_entity_id,
                object_type=self.event_object,
                event_type=self.events[kind],
                object_id=obj.id,
            )

    def create(self, session: Session, ctx: RequestContext, obj: M) -> M:
        self.check(ctx, "create")
        if self.owner_attr:
            setattr(obj, self.owner_attr, ctx.entity_user_id)
        self.repo(session, ctx).add(obj)
        self._event(session, ctx, 0, obj)
        return obj

    def get(self, session: Session, ctx: RequestContext, object_id: uuid.UUID, action: str = "read") -> M:
        obj = self.repo(session, ctx).get(object_id)
        self.check(ctx, action, obj)
        return obj

    def scoped_list(self, session: Session, ctx: RequestContext) -> AnySelect:
        """The entity's objects the caller may read (``allowed_for_own`` → only its own)."""
        own = None if self.write_permission else ctx.own_filter(self.object_type)
        repo = self.repo(session, ctx)
        stmt = repo.base()
        if own is not None and self.owner_attr:
            stmt = stmt.where(getattr(repo.model, self.owner_attr) == own)
        return stmt

    def list_all(self, session: Session, ctx: RequestContext) -> list[M]:
        model = self.repository.model
        return list(session.scalars(self.scoped_list(session, ctx).order_by(model.created_at, model.id)))

    def page(self, session: Session, ctx: RequestContext, paginator: Paginator, query: ListQuery) -> Page[M]:
        return paginator.paginate(session, self.scoped_list(session, ctx), query, scope=str(ctx.scoped_entity_id))

    def update(self, session: Session, ctx: RequestContext, object_id: uuid.UUID, changes: dict[str, Any]) -> M:
        obj = self.get(session, ctx, object_id, "update")
        apply_changes(obj, changes)
        session.flush()
        self._event(session, ctx, 1, obj)
        return obj

    def changed(self, session: Session, ctx: RequestContext, obj: M) -> M:
        """Flush an object the caller changed itself, and record its event."""
        session.flush()
        self._event(session, ctx, 1, obj)
        return obj

    def delete(self, session: Session, ctx: RequestContext, object_id: uuid.UUID) -> M:
        obj = self.get(session, ctx, object_id, "delete")
        self._event(session, ctx, 2, obj)
        session.delete(obj)
        session.flush()
        return obj
