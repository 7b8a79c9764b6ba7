"""Dependency aliases endpoints declare: the caller, and the unit of work that serves them.

An endpoint takes one of these and hands its service call to ``.run`` — the call then runs in
one worker thread inside one transaction: context resolution, service, commit.

* ``EntityCall``  — entity-scoped routes (``x-monite-entity-id`` required with partner tokens).
* ``AuthCall``    — authenticated routes that are not entity-scoped (``/entities``, ``/entity_users/me``).
* ``PublicCall``  — no bearer token (``/auth/*``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from remit.auth.context import resolve_context
from remit.auth.tokens import Principal, TokenCodec
from remit.core.context import RequestContext
from remit.core.db import Database
from remit.core.errors import Unauthorized

T = TypeVar("T")

bearer_scheme = HTTPBearer(auto_error=False, description="Access token from POST /auth/token")


@dataclass(frozen=True, slots=True)
class Call:
    db: Database
    principal: Principal
    entity_header: uuid.UUID | None
    scoped: bool
    write: bool
    allow_inactive: bool = False

    async def run(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Run ``fn(session, ctx, **kwargs)`` in one transaction."""
        return await self.db.run(self._invoke, fn, kwargs, write=self.write)

    def _invoke(self, session: Session, fn: Callable[..., T], kwargs: dict[str, Any]) -> T:
        ctx = resolve_context(
            session, self.principal, self.entity_header, scoped=self.scoped, allow_inactive=self.allow_inactive
        )
        return fn(session, ctx, **kwargs)


@dataclass(frozen=True, slots=True)
class Public:
    db: Database
    codec: TokenCodec

    async def run(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        return await self.db.run(fn, codec=self.codec, **kwargs)


def _principal(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthorized("Unauthorized")
    return request.app.state.codec.decode(credentials.credentials)


async def _entity_call(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    x_monite_entity_id: Annotated[
        uuid.UUID | None,
        Header(description="The ID of the entity that owns the requested resource (required with partner tokens)"),
    ] = None,
) -> Call:
    principal = _principal(request, credentials)
    return Call(request.app.state.db, principal, x_monite_entity_id, True, request.method != "GET")


async def _auth_call(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Call:
    principal = _principal(request, credentials)
    return Call(request.app.state.db, principal, None, False, request.method != "GET")


async def _auth_call_inactive_ok(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Call:
    principal = _principal(request, credentials)
    return Call(request.app.state.db, principal, None, False, request.method != "GET", allow_inactive=True)


async def _public(request: Request) -> Public:
    return Public(request.app.state.db, request.app.state.codec)


EntityCall = Annotated[Call, Depends(_entity_call)]
AuthCall = Annotated[Call, Depends(_auth_call)]
AuthCallInactiveOk = Annotated[Call, Depends(_auth_call_inactive_ok)]
PublicCall = Annotated[Public, Depends(_public)]

__all__ = ["AuthCall", "AuthCallInactiveOk", "Call", "EntityCall", "PublicCall", "RequestContext"]
