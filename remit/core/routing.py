"""Routes: the /v1 prefix, the error responses for our OpenAPI document, and a route index.

FastAPI matches a request by trying every route in turn (about 150 here), which cost up to
~250 µs a request. ``install_route_index`` looks the request up by its first path segment after
``/v1`` (``payables``, ``roles`` …) and tries only that resource's routes, in their order; a route
whose segment count or literal segments cannot fit the path is passed over without running its
pattern (``payables`` has 30 routes). Anything the index does not resolve (405s, 404s, docs) goes
to FastAPI's router as before.
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


def _shape(path: str) -> tuple[int, tuple[tuple[int, str], ...]] | None:
    """A route path's segment count and its literal segments; None if a parameter may span segments."""
    segments = path.split("/")
    if any(":path}" in segment for segment in segments):
        return None
    return len(segments), tuple((i, seg) for i, seg in enumerate(segments) if "{" not in seg)


def _fits(shape: tuple[int, tuple[tuple[int, str], ...]] | None, segments: list[str]) -> bool:
    if shape is None:
        return True
    count, literals = shape
    return len(segments) == count and all(segments[i] == literal for i, literal in literals)


def install_route_index(app: FastAPI) -> None:
    index: dict[str, list[tuple[APIRoute, Any]]] = defaultdict(list)
    for route in app.router.routes:
        if isinstance(route, APIRoute) and route.path.startswith(API_PREFIX + "/"):
            index[route.path[len(API_PREFIX) + 1 :].split("/", 1)[0]].append((route, _shape(route.path)))
    fallback = app.router.middleware_stack
    start = len(API_PREFIX) + 1

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            routes = index.get(path[start:].split("/", 1)[0]) if path.startswith(API_PREFIX + "/") else None
            segments = path.split("/") if routes else []
            for route, shape in routes or ():
                if not _fits(shape, segments):
                    continue  # its pattern cannot match this path
                match, child_scope = route.matches(scope)
                if match is Match.FULL:
                    scope.update(child_scope)
                    scope.setdefault("router", app.router)
                    await route.handle(scope, receive, send)
                    return
        await fallback(scope, receive, send)

    app.router.middleware_stack = dispatch
