"""The one permission check every domain calls (docs/auth-entities.md, "Permissions").

A role's permission document (``BizObjectsSchema``) becomes a mapping
``(object_type, action) -> permission``; anything missing is ``not_allowed``. Partner tokens
have no role and are allowed everything (the callers that need a person check that separately).
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from remit.core.errors import Forbidden


class Permission(StrEnum):
    allowed = "allowed"
    allowed_for_own = "allowed_for_own"
    not_allowed = "not_allowed"


_RANK = {Permission.not_allowed: 0, Permission.allowed_for_own: 1, Permission.allowed: 2}


class PermissionDenied(Forbidden):
    def __init__(self, object_type: str, action: str):
        super().__init__(f"Action {action} for {object_type} not allowed")


class Permissions:
    __slots__ = ("_grants",)

    def __init__(self, grants: dict[tuple[str, str], Permission]):
        self._grants = grants

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> Permissions:
        grants: dict[tuple[str, str], Permission] = {}
        for obj in document.get("objects") or ():
            for action in obj.get("actions") or ():
                grants[(obj["object_type"], action["action_name"])] = Permission(action["permission"])
        return cls(grants)

    def items(self):
        return self._grants.items()

    def within(self, own: Permissions) -> bool:
        """True if these grants give nothing beyond ``own`` (no privilege escalation)."""
        return all(_RANK[p] <= _RANK[own.get(obj, action)] for (obj, action), p in self._grants.items())

    def get(self, object_type: str, action: str) -> Permission:
        return self._grants.get((object_type, action), Permission.not_allowed)


_parsed: dict[tuple[uuid.UUID, object], Permissions] = {}


def permissions_for_role(role_id: uuid.UUID, version: object, document: dict[str, Any]) -> Permissions:
    """Parse a role's document once per (role, updated_at)."""
    key = (role_id, version)
    permissions = _parsed.get(key)
    if permissions is None:
        permissions = Permissions.from_document(document)
        if len(_parsed) > 4096:
            _parsed.clear()
        _parsed[key] = permissions
    return permissions
