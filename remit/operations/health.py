"""``/healthz``, ``/readyz`` and ``/metrics``: outside ``/v1``, no authentication, no version header
(docs/operations.md, "Health checks").

- ``GET /healthz`` — the process answers: 200 ``{"status": "ok"}``, no I/O.
- ``GET /readyz`` — 200 when this process can serve: the database answers (within
  ``READY_TIMEOUT`` seconds), its schema is at this remit's migration head, and the background
  runner is alive when this process runs one (``REMIT_INLINE_WORKER``); 503 otherwise, with every
  check's verdict in the body.
- ``GET /metrics`` — Prometheus text (``remit.operations.metrics``), unless metrics are off or
  served on a port of their own.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from sqlalchemy import text
from sqlalchemy.orm import Session

from remit.core.responses import JSONResponse

READY_TIMEOUT = 2.0

router = APIRouter(include_in_schema=False)


@cache
def migration_heads() -> frozenset[str]:
    """This remit's migration heads (read once: they are files shipped with the package)."""
    from alembic.script import ScriptDirectory

    from remit.migrations import alembic_config

    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


def _revisions(session: Session) -> frozenset[str]:
    return frozenset(session.execute(text("SELECT version_num FROM alembic_version")).scalars())


@router.get("/healthz")
async def healthz() -> Response:
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    checks: dict[str, str] = {}
    runtime = request.app.state.runtime
    try:
        revisions = await asyncio.wait_for(
            runtime.db.run(_revisions, write=False, runtime=runtime), timeout=READY_TIMEOUT
        )
    except TimeoutError:
        checks["database"] = f"no answer within {READY_TIMEOUT:g} s"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    else:
        checks["database"] = "ok"
        heads = migration_heads()
        checks["migrations"] = "ok" if revisions == heads else (
            f"database at {', '.join(sorted(revisions)) or 'no revision'}, this remit needs {', '.join(sorted(heads))}"
        )
    if request.app.state.inline_worker:
        runner = request.app.state.runner
        checks["runner"] = "ok" if runner is not None and runner.alive() else "not running"
    ready = all(verdict == "ok" for verdict in checks.values())
    body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    from remit.operations.metrics import exposition

    body, content_type = await asyncio.to_thread(exposition, request.app.state.db)
    return Response(body, media_type=content_type)


def install(app: FastAPI, *, metrics: bool) -> None:
    """Mount the probes, and ``/metrics`` when ``metrics`` (on the API's port)."""
    for route in router.routes:
        if metrics or getattr(route, "path", None) != "/metrics":
            app.router.routes.append(route)
