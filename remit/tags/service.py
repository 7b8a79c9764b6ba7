"""Tags: names unique per entity (case-sensitive); a duplicate is 400 (docs/master-data.md, "Tags")."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.crud import Resource
from remit.core.errors import BadRequest, FieldError, NotFound
from remit.core.pagination import Page, Paginator
from remit.core.repository import EntityScopedRepository
from remit.tags import schemas
from remit.tags.models import Tag


class TagNotFound(NotFound):
    message = "Tag not found"


class DuplicateTagName(BadRequest):
    def __init__(self, name: str):
        super().__init__(f"Tag with name '{name}' already exists")


class TagRepository(EntityScopedRepository[Tag]):
    model = Tag
    not_found = TagNotFound

    def name_taken(self, name: str, *, except_id: uuid.UUID | None = None) -> bool:
        stmt = self.base().where(Tag.name == name)
        if except_id is not None:
            stmt = stmt.where(Tag.id != except_id)
        return self.session.execute(select(exists(stmt))).scalar_one()

    def missing(self, tag_ids: list[uuid.UUID]) -> list[uuid.UUID]:
        found = set(self.session.scalars(select(Tag.id).where(Tag.entity_id == self.entity_id, Tag.id.in_(tag_ids))))
        return [t for t in tag_ids if t not in found]

    def by_ids(self, tag_ids: list[uuid.UUID]) -> list[Tag]:
        """The entity's tags with these ids (duplicates collapsed); an unknown id is a 422."""
        unknown = self.missing(tag_ids)
        if unknown:
            raise FieldError(("body", "tag_ids"), f"Tags not found: {', '.join(map(str, unknown))}")
        tags = {t.id: t for t in self.session.scalars(self.base().where(Tag.id.in_(tag_ids)))}
        # Sorted by name, the order relationships load them in, so create and read agree.
        return sorted((tags[t] for t in dict.fromkeys(tag_ids)), key=lambda t: t.name)


TAGS = Resource(TagRepository, object_type="tag", event_object="tag", owner_attr="created_by_entity_user_id")

paginator = Paginator(
    endpoint="GET /tags",
    query_model=schemas.TagListQuery,
    id_column=Tag.id,
    sort_columns={"created_at": Tag.created_at, "updated_at": Tag.updated_at},
)


def create_tag(session: Session, ctx: RequestContext, *, payload: schemas.TagCreateSchema) -> Tag:
    if TagRepository(session, ctx).name_taken(payload.name):
        raise DuplicateTagName(payload.name)
    return TAGS.create(session, ctx, Tag(**payload.model_dump(mode="json")))


def list_tags(session: Session, ctx: RequestContext, *, query: schemas.TagListQuery) -> Page[Tag]:
    return TAGS.page(session, ctx, paginator, query)


def get_tag(session: Session, ctx: RequestContext, *, tag_id: uuid.UUID) -> Tag:
    return TAGS.get(session, ctx, tag_id)


def update_tag(session: Session, ctx: RequestContext, *, tag_id: uuid.UUID, payload: schemas.TagUpdateSchema) -> Tag:
    changes = payload.model_dump(mode="json", exclude_unset=True)
    if changes.get("name") and TagRepository(session, ctx).name_taken(changes["name"], except_id=tag_id):
        raise DuplicateTagName(changes["name"])
    return TAGS.update(session, ctx, tag_id, changes)


def delete_tag(session: Session, ctx: RequestContext, *, tag_id: uuid.UUID) -> None:
    TAGS.delete(session, ctx, tag_id)
