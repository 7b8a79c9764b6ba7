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
from pydantic import TypeAdapter
from sqlalchemy.orm import Session
from starlette.responses import Response

from remit.auth.context import resolve_context
from remit.auth.tokens import Principal, TokenCodec
from remit.core import rowjson
from remit.core.context import RequestContext
from remit.core.db import Database
from remit.core.errors import Unauthorized
from remit.core.responses import JSONResponse

T = TypeVar("T")

# Bearer authentication is declared in the OpenAPI document by ``app.py`` (``bearer_security``);
# reading the header here directly costs a dictionary lookup instead of a security dependency.


@dataclass(frozen=True, slots=True)
class Output:
    """How a route's result becomes its response: validated and rendered inside the transaction.

    Rendering there means lazy attributes still load, a rendering bug rolls the request back
    instead of answering 500 after a commit, and FastAPI has nothing left to re-validate.
    """

    adapter: TypeAdapter | None
    status_code: int
    model: Any = None

    def render(self, result: Any) -> Any:
        if self.adapter is None or isinstance(result, Response):
            return result
        if isinstance(result, rowjson.Prepared):
            return JSONResponse(result.document, status_code=self.status_code)
        if self.model is not None and getattr(type(result), "wire_model", None) is self.model:
            # An object that writes this response body itself (e.g. ``Payable.wire_document``).
            return JSONResponse(result.wire_document(), status_code=self.status_code)
        body = self.adapter.dump_json(self.adapter.validate_python(result, from_attributes=True))
        return Response(body, status_code=self.status_code, media_type="application/json")


_outputs: dict[int, Output] = {}


def _output(request: Request) -> Output:
    route = request.scope.get("route")
    output = _outputs.get(id(route))
    if output is None:
        model = getattr(route, "response_model", None)
        output = Output(
            TypeAdapter(model) if model is not None else None, getattr(route, "status_code", None) or 200, model
        )
        _outputs[id(route)] = output
    return output


@dataclass(frozen=True, slots=True)
class Call:
    db: Database
    principal: Principal
    entity_header: uuid.UUID | None
    scoped: bool
    write: bool
    output: Output
    allow_inactive: bool = False
    runtime: Any = None  # the app's runtime, carried by the request's session

    async def run(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        """Run ``fn(session, ctx, **kwargs)`` in one transaction and render the route's response."""
        return await self.db.run(self._invoke, fn, kwargs, write=self.write, runtime=self.runtime)

    def _invoke(self, session: Session, fn: Callable[..., T], kwargs: dict[str, Any]) -> T:
        ctx = resolve_context(
            session, self.principal, self.entity_header, scoped=self.scoped, allow_inactive=self.allow_inactive
        )
        result = fn(session, ctx, **kwargs)
        session.flush()
        return self.output.render(result)


@dataclass(frozen=True, slots=True)
class Public:
    db: Database
    codec: TokenCodec
    output: Output
    runtime: Any = None

    async def run(self, fn: Callable[..., T], /, **kwargs: Any) -> T:
        return await self.db.run(self._invoke, fn, kwargs, runtime=self.runtime)

    def _invoke(self, session: Session, fn: Callable[..., T], kwargs: dict[str, Any]) -> T:
        result = fn(session, codec=self.codec, **kwargs)
        session.flush()
        return self.output.render(result)


def _principal(request: Request) -> Principal:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Unauthorized")
    return request.app.state.codec.decode(token)


async def _entity_call(
    request: Request,
    x_monite_entity_id: Annotated[
        uuid.UUID | None,
        Header(description="The ID of the entity that owns the requested resource (required with partner tokens)"),
    ] = None,
) -> Call:
    principal = _principal(request)
    return Call(request.app.state.db, principal, x_monite_entity_id, True, request.method != "GET", _output(request),
                runtime=request.app.state.runtime)


async def _optional_entity_call(
    request: Request,
    x_monite_entity_id: Annotated[uuid.UUID | None, Header()] = None,
) -> Call:
    """Entity-scoped when the entity is known (user token, or header); partner-wide otherwise."""
    principal = _principal(request)
    scoped = x_monite_entity_id is not None
    return Call(
        request.app.state.db, principal, x_monite_entity_id, scoped, request.method != "GET", _output(request),
        runtime=request.app.state.runtime,
    )


async def _auth_call(
    request: Request,
) -> Call:
    principal = _principal(request)
    return Call(request.app.state.db, principal, None, False, request.method != "GET", _output(request),
                runtime=request.app.state.runtime)


async def _auth_call_inactive_ok(
    request: Request,
) -> Call:
    principal = _principal(request)
    return Call(
        request.app.state.db, principal, None, False, request.method != "GET", _output(request), allow_inactive=True,
        runtime=request.app.state.runtime,
    )


async def _public(request: Request) -> Public:
    return Public(request.app.state.db, request.app.state.codec, _output(request), request.app.state.runtime)


EntityCall = Annotated[Call, Depends(_entity_call)]
OptionalEntityCall = Annotated[Call, Depends(_optional_entity_call)]
AuthCall = Annotated[Call, Depends(_auth_call)]
AuthCallInactiveOk = Annotated[Call, Depends(_auth_call_inactive_ok)]
PublicCall = Annotated[Public, Depends(_public)]

__all__ = ["AuthCall", "AuthCallInactiveOk", "Call", "EntityCall", "OptionalEntityCall", "PublicCall", "RequestContext"]
