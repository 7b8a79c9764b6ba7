"""RequestContext: who is calling, for which entity, with which permissions.

Built once per request inside the request transaction (``remit.auth.context``) and passed
explicitly to every service function.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from remit.auth.permissions import Permission, PermissionDenied, Permissions
from remit.core.errors import Forbidden

if TYPE_CHECKING:
    from remit.auth.tokens import Principal

_ANY: Any = object()


@dataclass(frozen=True, slots=True)
class RequestContext:
    principal: Principal
    partner_id: uuid.UUID
    entity_id: uuid.UUID | None
    entity_user_id: uuid.UUID | None = None
    user: Any = None  # the caller's EntityUser row, for entity-user tokens
    permissions: Permissions | None = None  # None: a partner token, no role applies

    @property
    def is_partner(self) -> bool:
        return self.entity_user_id is None

    @property
    def scoped_entity_id(self) -> uuid.UUID:
        if self.entity_id is None:  # a programming error: a scoped repository on an unscoped route
            raise RuntimeError("this route is not entity-scoped")
        return self.entity_id

    def require_partner(self) -> None:
        if not self.is_partner:
            raise Forbidden("This action requires a partner token")

    def require_user(self) -> uuid.UUID:
        """The caller's entity user id; 403 for a partner token."""
        if self.entity_user_id is None:  # a partner token
            raise Forbidden("This action requires an entity user token")
        return self.entity_user_id

    def check(self, object_type: str, action: str, *, owner_id: uuid.UUID | None = _ANY) -> Permission:
        """Allow or raise 403. ``owner_id`` is the creator of the single object acted on."""
        if self.permissions is None:
            return Permission.allowed
        permission = self.permissions.get(object_type, action)
        if permission is Permission.not_allowed:
            raise PermissionDenied(object_type, action)
        if permission is Permission.allowed_for_own and owner_id is not _ANY and owner_id != self.entity_user_id:
            raise PermissionDenied(object_type, action)
        return permission

    def own_filter(self, object_type: str, action: str = "read") -> uuid.UUID | None:
        """For list endpoints: the creator id to restrict to, or None for everything."""
        if self.check(object_type, action) is Permission.allowed_for_own:
            return self.entity_user_id
        return None
