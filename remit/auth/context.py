"""Turn a verified token (+ the entity header) into a RequestContext, inside the transaction.

One SQL statement per request: the caller's user, role and entity (or, for a partner, the
entity named by the header) together with the revocation flag of the token.
Checks run in the order spec 40 §2 gives: token (401) → user active (401) → entity resolution
(422 / 404 / 403) → entity status (403) → permission (403, in the service).
"""

from __future__ import annotations

import uuid

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from remit.auth.models import RevokedToken
from remit.auth.permissions import permissions_for_role
from remit.auth.tokens import Principal
from remit.core.context import RequestContext
from remit.core.errors import FieldError, Forbidden, NotFound, Unauthorized
from remit.entities.models import Entity, EntityStatus
from remit.entities.roles.models import Role
from remit.entities.users.models import EntityUser

ENTITY_HEADER = "x-monite-entity-id"


def _revoked(jti: str):
    return exists().where(RevokedToken.jti == jti)


def resolve_context(
    session: Session,
    principal: Principal,
    entity_header: uuid.UUID | None,
    *,
    scoped: bool,
    allow_inactive: bool = False,
) -> RequestContext:
    if principal.is_partner:
        return _partner_context(session, principal, entity_header, scoped=scoped)
    return _user_context(session, principal, entity_header, scoped=scoped, allow_inactive=allow_inactive)


def _partner_context(
    session: Session, principal: Principal, entity_header: uuid.UUID | None, *, scoped: bool
) -> RequestContext:
    if not scoped:
        if session.execute(select(_revoked(principal.jti))).scalar():
            raise Unauthorized("Token revoked")
        return RequestContext(principal=principal, partner_id=principal.partner_id, entity_id=None)
    if entity_header is None:
        if session.execute(select(_revoked(principal.jti))).scalar():
            raise Unauthorized("Token revoked")
        raise FieldError(("header", ENTITY_HEADER), "Field required", "missing")
    status_of_entity = (
        select(Entity.status)
        .where(Entity.id == entity_header, Entity.partner_id == principal.partner_id)
        .scalar_subquery()
    )
    revoked, status = session.execute(select(_revoked(principal.jti), status_of_entity)).one()
    if revoked:
        raise Unauthorized("Token revoked")
    if status is None or status == EntityStatus.deleted:
        raise NotFound("Entity not found")
    if status == EntityStatus.inactive:
        raise Forbidden("Entity is inactive")
    return RequestContext(principal=principal, partner_id=principal.partner_id, entity_id=entity_header)


def _user_context(
    session: Session,
    principal: Principal,
    entity_header: uuid.UUID | None,
    *,
    scoped: bool,
    allow_inactive: bool,
) -> RequestContext:
    row = session.execute(
        select(EntityUser, Role.permissions, Role.updated_at, Entity.status, Entity.partner_id, _revoked(principal.jti))
        .join(Role, Role.id == EntityUser.role_id)
        .join(Entity, Entity.id == EntityUser.entity_id)
        .where(EntityUser.id == principal.entity_user_id)
    ).first()
    if row is None:
        raise Unauthorized("Unauthorized")
    user, permissions, role_version, entity_status, partner_id, revoked = row
    if revoked:
        raise Unauthorized("Token revoked")
    if (
        user.status != "active"
        or user.entity_id != principal.entity_id
        or partner_id != principal.partner_id
        or entity_status == EntityStatus.deleted
    ):
        raise Unauthorized("Unauthorized")
    if scoped and entity_header is not None and entity_header != user.entity_id:
        raise Forbidden("The entity user does not belong to the entity specified in x-monite-entity-id")
    if entity_status == EntityStatus.inactive and not allow_inactive:
        raise Forbidden("Entity is inactive")
    return RequestContext(
        principal=principal,
        partner_id=partner_id,
        entity_id=user.entity_id,
        entity_user_id=user.id,
        user=user,
        permissions=permissions_for_role(user.role_id, role_version, permissions),
    )
