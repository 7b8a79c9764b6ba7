"""The route index picks the route FastAPI's own router picks, for every path and method remit serves."""

from __future__ import annotations

import re

import anyio
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.routing import Match

ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"


def _fastapi_choice(app, scope) -> APIRoute | None:
    """FastAPI's router: the first route, in order, whose pattern and method match."""
    for route in app.router.routes:
        if isinstance(route, APIRoute) and route.matches(dict(scope))[0] is Match.FULL:
            return route
    return None


def test_index_agrees_with_fastapi(app, monkeypatch):
    handled: list[APIRoute] = []

    async def handle(self, scope, receive, send):
        if self.matches(dict(scope))[0] is Match.FULL:  # FastAPI's 405s go through a partial match
            handled.append(self)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        pass

    monkeypatch.setattr(APIRoute, "handle", handle)
    dispatch = app.router.middleware_stack
    routes = [r for r in app.router.routes if isinstance(r, APIRoute) and r.path.startswith("/v1/")]
    paths = {re.sub(r"\{[^}]+\}", ID, r.path) for r in routes}
    paths |= {re.sub(r"\{[^}]+\}", "validations", r.path) for r in routes}  # a literal where an id goes
    paths |= {p + "/" for p in list(paths)} | {f"/v1/payables/{ID}/unknown", "/v1/nowhere", "/v1/payables/a/b/c/d"}
    checked = 0
    for path in sorted(paths):
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": [],
                     "query_string": b"", "app": app}
            handled.clear()
            try:
                anyio.run(dispatch, dict(scope), receive, send)
            except HTTPException as exc:  # FastAPI's router, when nothing matches
                assert exc.status_code == 404
            expected = _fastapi_choice(app, scope)
            assert handled == ([expected] if expected else []), (method, path)
            checked += 1
    assert checked > 1000
