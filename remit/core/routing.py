"""Routes: the /v1 prefix, the error responses for our OpenAPI document, and a route index.

FastAPI matches a request by trying every route in turn (about 150 here), which cost up to
~250 µs a request. ``install_route_index`` looks the request up by its first path segment after
``/v1`` (``payables``, ``roles`` …) and tries only that resource's routes; anything it does not
resolve (405s, 404s, docs) goes to FastAPI's router as before.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.routing import Match
from starlette.types import Receive, Scope, Send

API_PREFIX = "/v1"


class ErrorSchema(BaseModel):
    message: str


class ErrorSchemaResponse(BaseModel):
    error: ErrorSchema


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the given error status codes (422 is FastAPI's own)."""
    return {code: {"model": ErrorSchemaResponse} for code in codes}


COMMON_ERRORS = errors(400, 401, 403, 404, 405, 429, 500)


def install_route_index(app: FastAPI) -> None:
    index: dict[str, list[APIRoute]] = defaultdict(list)
    for route in app.router.routes:
        if isinstance(route, APIRoute) and route.path.startswith(API_PREFIX + "/"):
            index[route.path[len(API_PREFIX) + 1 :].split("/", 1)[0]].append(route)
    fallback = app.router.middleware_stack
    start = len(API_PREFIX) + 1

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            routes = index.get(path[start:].split("/", 1)[0]) if path.startswith(API_PREFIX + "/") else None
            for route in routes or ():
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child_scope)
                    scope.setdefault("router", app.router)
                    await route.handle(scope, receive, send)
                    return
        await fallback(scope, receive, send)

    app.router.middleware_stack = dispatch
