"""Roles: CRUD on permission documents
(docs/auth-entities.md, "Entity users and roles", "The permission document")."""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from remit.auth.permissions import Permissions
from remit.core.context import RequestContext
from remit.core.errors import BadRequest, Conflict, Forbidden, NotFound
from remit.core.events import record_change
from remit.core.pagination import Page, Paginator
from remit.core.repository import EntityScopedRepository
from remit.entities.roles import schemas
from remit.entities.roles.models import Role
from remit.entities.users.models import EntityUser

OBJECT = "role"


class RoleNotFound(NotFound):
    message = "Role not found"


class DuplicateRoleName(BadRequest):
    def __init__(self, name: str):
        super().__init__(f"Role with name '{name}' already exists")


class RoleInUse(Conflict):
    message = "The role is assigned to entity users and cannot be deleted"


class RoleRepository(EntityScopedRepository[Role]):
    model = Role
    not_found = RoleNotFound

    def base(self):
        return super().base().where(Role.status == "active")

    def name_taken(self, name: str, *, except_id: uuid.UUID | None = None) -> bool:
        stmt = self.base().where(Role.name == name)
        if except_id is not None:
            stmt = stmt.where(Role.id != except_id)
        return self.session.execute(select(exists(stmt))).scalar_one()

    def in_use(self, role_id: uuid.UUID) -> bool:
        users = select(EntityUser.id).where(
            EntityUser.entity_id == self.entity_id, EntityUser.role_id == role_id, EntityUser.status == "active"
        )
        return self.session.execute(select(exists(users))).scalar_one()


paginator = Paginator(
    endpoint="GET /roles",
    query_model=schemas.RoleListQuery,
    id_column=Role.id,
    sort_columns={"created_at": Role.created_at, "updated_at": Role.updated_at},
)


class RoleTooPowerful(Forbidden):
    message = "A role granting more than your own role cannot be created or given those permissions"


def _document(ctx: RequestContext, permissions: schemas.BizObjectsSchema) -> dict:
    """The permission document; an entity user may not grant more than its own role grants."""
    document = permissions.model_dump(mode="json")
    if ctx.permissions is not None and not Permissions.from_document(document).within(ctx.permissions):
        raise RoleTooPowerful()
    return document


def create_role(session: Session, ctx: RequestContext, *, payload: schemas.CreateRoleRequest) -> Role:
    ctx.check(OBJECT, "create")
    repo = RoleRepository(session, ctx)
    if repo.name_taken(payload.name):
        raise DuplicateRoleName(payload.name)
    role = repo.add(Role(name=payload.name, permissions=_document(ctx, payload.permissions), status="active"))
    record_change(session, entity_id=repo.entity_id, object_type=OBJECT, event_type="created", object_id=role.id)
    return role


def list_roles(session: Session, ctx: RequestContext, *, query: schemas.RoleListQuery) -> Page[Role]:
    ctx.check(OBJECT, "read")
    repo = RoleRepository(session, ctx)
    return paginator.paginate(session, repo.base(), query, scope=str(repo.entity_id))


def get_role(session: Session, ctx: RequestContext, *, role_id: uuid.UUID) -> Role:
    ctx.check(OBJECT, "read")
    return RoleRepository(session, ctx).get(role_id)


def update_role(
    session: Session, ctx: RequestContext, *, role_id: uuid.UUID, payload: schemas.UpdateRoleRequest
) -> Role:
    ctx.check(OBJECT, "update")
    repo = RoleRepository(session, ctx)
    role = repo.get_for_update(role_id)
    if payload.name is not None and payload.name != role.name:
        if repo.name_taken(payload.name, except_id=role.id):
            raise DuplicateRoleName(payload.name)
        role.name = payload.name
    if payload.permissions is not None:
        role.permissions = _document(ctx, payload.permissions)  # the document is replaced, not merged
    session.flush()
    record_change(session, entity_id=repo.entity_id, object_type=OBJECT, event_type="updated", object_id=role.id)
    return role


def delete_role(session: Session, ctx: RequestContext, *, role_id: uuid.UUID) -> None:
    ctx.check(OBJECT, "delete")
    repo = RoleRepository(session, ctx)
    role = repo.get_for_update(role_id)
    if repo.in_use(role.id):
        raise RoleInUse()
    role.status = "deleted"
    session.flush()
    record_change(session, entity_id=repo.entity_id, object_type=OBJECT, event_type="deleted", object_id=role.id)
