"""Turn a verified token (+ the entity header) into a RequestContext, inside the transaction.

One SQL statement per request: the caller's user, role and entity (or, for a partner, the
entity named by the header) together with the revocation flag of the token.
Checks run in this order (docs/auth-entities.md, "Checks on every request"): token (401) →
user active (401) → entity resolution (422 / 404 / 403) → entity status (403) → permission (403,
in the service).
"""

from __future__ import annotations

import uuid

from sqlalchemy import String, Uuid, bindparam, exists, select
from sqlalchemy.orm import Session

from remit.auth.models import RevokedToken
from remit.auth.permissions import permissions_for_role
from remit.auth.tokens import Principal
from remit.core.context import RequestContext
from remit.core.errors import FieldError, Forbidden, NotFound, Unauthorized
from remit.entities.models import Entity, EntitySettings, EntityStatus, remember_settings
from remit.entities.roles.models import Role
from remit.entities.users.models import EntityUser

ENTITY_HEADER = "x-monite-entity-id"


# The statements are built once; a request only binds its parameters. They run through Core on
# the session's connection (no ORM identity map), which is most of this request's database cost.
_REVOKED = exists().where(RevokedToken.jti == bindparam("jti", type_=String())).label("revoked")

_USER_CONTEXT = (
    select(
        *EntityUser.__table__.c,
        Role.permissions.label("role_permissions"),
        Role.updated_at.label("role_version"),
        Entity.status.label("entity_status"),
        Entity.partner_id.label("entity_partner_id"),
        _REVOKED,
    )
    .join(Role, Role.id == EntityUser.role_id)
    .join(Entity, Entity.id == EntityUser.entity_id)
    .where(EntityUser.id == bindparam("user_id", type_=Uuid()))
)

# Scoped requests also read the entity's settings document here (payables need it for nearly every
# response); ``entities.models.settings_of`` then finds it on the session instead of querying.
_USER_CONTEXT_SCOPED = _USER_CONTEXT.add_columns(EntitySettings.data.label("entity_settings")).outerjoin(
    EntitySettings, EntitySettings.entity_id == EntityUser.entity_id
)

_PARTNER_ENTITY = select(
    _REVOKED,
    select(Entity.status)
    .where(Entity.id == bindparam("entity_id", type_=Uuid()), Entity.partner_id == bindparam("partner_id", type_=Uuid()))
    .scalar_subquery()
    .label("entity_status"),
    select(EntitySettings.data)
    .where(EntitySettings.entity_id == bindparam("entity_id", type_=Uuid()))
    .scalar_subquery()
    .label("entity_settings"),
)

_PARTNER = select(_REVOKED)


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
    connection = session.connection()
    if not scoped or entity_header is None:
        if connection.execute(_PARTNER, {"jti": principal.jti}).scalar():
            raise Unauthorized("Token revoked")
        if not scoped:
            return RequestContext(principal=principal, partner_id=principal.partner_id, entity_id=None)
        raise FieldError(("header", ENTITY_HEADER), "Field required", "missing")
    revoked, status, settings = connection.execute(
        _PARTNER_ENTITY, {"jti": principal.jti, "entity_id": entity_header, "partner_id": principal.partner_id}
    ).one()
    if revoked:
        raise Unauthorized("Token revoked")
    if status is None or status == EntityStatus.deleted:
        raise NotFound("Entity not found")
    if status == EntityStatus.inactive:
        raise Forbidden("Entity is inactive")
    remember_settings(session, entity_header, settings)
    return RequestContext(principal=principal, partner_id=principal.partner_id, entity_id=entity_header)


def _user_context(
    session: Session,
    principal: Principal,
    entity_header: uuid.UUID | None,
    *,
    scoped: bool,
    allow_inactive: bool,
) -> RequestContext:
    user = session.connection().execute(
        _USER_CONTEXT_SCOPED if scoped else _USER_CONTEXT, {"user_id": principal.entity_user_id, "jti": principal.jti}
    ).first()
    if user is None:
        raise Unauthorized("Unauthorized")
    entity_status, partner_id = user.entity_status, user.entity_partner_id
    if user.revoked:
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
    if scoped:
        remember_settings(session, user.entity_id, user.entity_settings)
    return RequestContext(
        principal=principal,
        partner_id=partner_id,
        entity_id=user.entity_id,
        entity_user_id=user.id,
        user=user,  # a read-only row of entity_users (and the joined columns above)
        permissions=permissions_for_role(user.role_id, user.role_version, user.role_permissions),
    )
