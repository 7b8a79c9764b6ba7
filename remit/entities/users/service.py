"""Entity users: CRUD, ``me`` and ``my_role`` (docs/auth-entities.md, "Entity users and roles")."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from remit.auth.permissions import Permissions
from remit.core.context import RequestContext
from remit.core.errors import BadRequest, FieldError, Forbidden, NotFound
from remit.core.events import record_change
from remit.core.pagination import Page, Paginator
from remit.core.repository import EntityScopedRepository
from remit.entities.roles.models import Role
from remit.entities.users import schemas
from remit.entities.users.models import EntityUser

OBJECT = "entity_user"


class EntityUserNotFound(NotFound):
    message = "Entity user not found"


class DuplicateLogin(BadRequest):
    def __init__(self, login: str):
        super().__init__(f"Entity user with login '{login}' already exists")


class EntityUserRepository(EntityScopedRepository[EntityUser]):
    model = EntityUser
    not_found = EntityUserNotFound

    def active(self):
        return self.base().where(EntityUser.status == "active")

    def get(self, object_id: uuid.UUID) -> EntityUser:
        user = self.session.scalars(self.active().where(EntityUser.id == object_id)).first()
        if user is None:
            raise EntityUserNotFound()
        return user

    def login_taken(self, login: str, *, except_id: uuid.UUID | None = None) -> bool:
        stmt = self.active().where(EntityUser.login == login)
        if except_id is not None:
            stmt = stmt.where(EntityUser.id != except_id)
        return self.session.execute(select(exists(stmt))).scalar_one()

    def role(self, role_id: uuid.UUID) -> Role | None:
        return self.session.scalars(
            select(Role).where(Role.id == role_id, Role.entity_id == self.entity_id, Role.status == "active")
        ).first()

    def default_role(self) -> Role | None:
        return self.session.scalars(
            select(Role)
            .where(Role.entity_id == self.entity_id, Role.name == "Default", Role.status == "active")
        ).first()


paginator = Paginator(
    endpoint="GET /entity_users",
    query_model=schemas.EntityUserListQuery,
    id_column=EntityUser.id,
    sort_columns={"created_at": EntityUser.created_at, "updated_at": EntityUser.updated_at},
    custom_filters={
        "name__istartswith": lambda prefix: or_(
            EntityUser.first_name.istartswith(prefix, autoescape=True),
            EntityUser.last_name.istartswith(prefix, autoescape=True),
        )
    },
)


def _assignable_role(repo: EntityUserRepository, ctx: RequestContext, role_id: uuid.UUID) -> Role:
    role = repo.role(role_id)
    if role is None:
        raise FieldError(("body", "role_id"), "Role not found or not active in this entity")
    if ctx.permissions is not None and not Permissions.from_document(role.permissions).within(ctx.permissions):
        raise Forbidden("A role granting more than your own role cannot be assigned")
    return role


def create_entity_user(
    session: Session, ctx: RequestContext, *, payload: schemas.CreateEntityUserRequest
) -> EntityUser:
    ctx.check(OBJECT, "create")
    repo = EntityUserRepository(session, ctx)
    role: Role | None
    if payload.role_id is not None:
        role = _assignable_role(repo, ctx, payload.role_id)
    else:
        role = repo.default_role()
        if role is None:
            raise FieldError(("body", "role_id"), "The entity has no Default role; role_id is required", "missing")
    if repo.login_taken(payload.login):
        raise DuplicateLogin(payload.login)
    user = repo.add(EntityUser(**payload.model_dump(mode="json", exclude={"role_id"}), role_id=role.id))
    record_change(session, entity_id=repo.entity_id, object_type=OBJECT, event_type="created", object_id=user.id)
    return user


def list_entity_users(
    session: Session, ctx: RequestContext, *, query: schemas.EntityUserListQuery
) -> Page[EntityUser]:
    own = ctx.own_filter(OBJECT)
    repo = EntityUserRepository(session, ctx)
    stmt = repo.base()
    if query.status is None and not query.pagination_token:
        # Deleted users are listed only on request; the default travels in the page tokens.
        query = query.model_copy(update={"status": schemas.StatusEnum.active})
    if own is not None:
        stmt = stmt.where(EntityUser.id == own)
    page = paginator.paginate(session, stmt, query, scope=str(repo.entity_id))
    return page


def get_entity_user(session: Session, ctx: RequestContext, *, entity_user_id: uuid.UUID) -> EntityUser:
    user = EntityUserRepository(session, ctx).get(entity_user_id)
    ctx.check(OBJECT, "read", owner_id=user.id)
    return user


def update_entity_user(
    session: Session, ctx: RequestContext, *, entity_user_id: uuid.UUID, payload: schemas.UpdateEntityUserRequest
) -> EntityUser:
    repo = EntityUserRepository(session, ctx)
    user = repo.get(entity_user_id)
    ctx.check(OBJECT, "update", owner_id=user.id)
    _apply(repo, ctx, user, payload.model_dump(mode="json", exclude_unset=True))
    return user


def delete_entity_user(session: Session, ctx: RequestContext, *, entity_user_id: uuid.UUID) -> None:
    repo = EntityUserRepository(session, ctx)
    user = repo.get(entity_user_id)
    ctx.check(OBJECT, "delete", owner_id=user.id)
    user.status = "deleted"
    session.flush()
    record_change(session, entity_id=repo.entity_id, object_type=OBJECT, event_type="deleted", object_id=user.id)


def get_me(session: Session, ctx: RequestContext) -> EntityUser:
    ctx.require_user()
    return ctx.user


def update_me(session: Session, ctx: RequestContext, *, payload: schemas.UpdateMeEntityUserRequest) -> EntityUser:
    user_id = ctx.require_user()
    repo = EntityUserRepository(session, ctx)
    user = repo.get(user_id)  # the context holds a read-only row; change the ORM object
    _apply(repo, ctx, user, payload.model_dump(mode="json", exclude_unset=True))
    return user


def get_my_role(session: Session, ctx: RequestContext) -> Role:
    ctx.require_user()
    return session.get_one(Role, ctx.user.role_id)


def _apply(repo: EntityUserRepository, ctx: RequestContext, user: EntityUser, changes: dict[str, Any]) -> None:
    for required in ("login", "first_name"):
        if required in changes and changes[required] is None:
            raise FieldError(("body", required), "Field cannot be null")
    if "role_id" in changes:
        role_id = changes.pop("role_id")
        if role_id is None:
            raise FieldError(("body", "role_id"), "Field cannot be null")
        user.role_id = _assignable_role(repo, ctx, uuid.UUID(role_id)).id
    if "login" in changes and changes["login"] != user.login and repo.login_taken(changes["login"], except_id=user.id):
        raise DuplicateLogin(changes["login"])
    for key, value in changes.items():
        setattr(user, key, value)
    repo.session.flush()
    record_change(repo.session, entity_id=repo.entity_id, object_type=OBJECT, event_type="updated", object_id=user.id)
