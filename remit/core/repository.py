"""Repositories: every SQL statement of a domain, starting from the request's entity.

A repository is built from ``(session, ctx)``; its ``base()`` select is already filtered on
``entity_id``, so an object of another entity is simply not found (404), never a 403.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from remit.core.base import EntityOwned
from remit.core.context import RequestContext
from remit.core.errors import NotFound

M = TypeVar("M", bound=EntityOwned)


class EntityScopedRepository(Generic[M]):
    # The mapped class whose rows are ``M`` (a ClassVar cannot name a type variable, so the
    # statements below carry ``M`` instead).
    model: ClassVar[type[Any]]
    not_found: ClassVar[type[NotFound]] = NotFound

    def __init__(self, session: Session, ctx: RequestContext):
        self.session = session
        self.ctx = ctx
        self.entity_id = ctx.scoped_entity_id

    def base(self) -> Select[M]:
        stmt: Select[M] = select(self.model).where(self.model.entity_id == self.entity_id)
        return stmt

    def find(self, object_id: uuid.UUID) -> M | None:
        return self.session.scalars(self.base().where(self.model.id == object_id)).first()

    def get(self, object_id: uuid.UUID) -> M:
        obj = self.find(object_id)
        if obj is None:
            raise self.not_found()
        return obj

    def get_for_update(self, object_id: uuid.UUID) -> M:
        """Load and row-lock (PostgreSQL; SQLite transactions that write are already exclusive)."""
        stmt = self.base().where(self.model.id == object_id).with_for_update()
        obj = self.session.scalars(stmt.execution_options(populate_existing=True)).first()
        if obj is None:
            raise self.not_found()
        return obj

    def add(self, obj: M) -> M:
        obj.entity_id = self.entity_id
        self.session.add(obj)
        self.session.flush()
        return obj
