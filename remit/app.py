"""create_app(settings): middleware, exception handlers, routers, and the inline background runner."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from remit import __version__
from remit.api import ROUTERS
from remit.auth.tokens import TokenCodec
from remit.config import Settings
from remit.console.endpoints import router as console_router
from remit.core import speedups
from remit.core.db import Database
from remit.core.errors import install_error_handlers
from remit.core.middleware import ConventionsMiddleware
from remit.core.ratelimit import RateLimiter
from remit.core.responses import JSONResponse
from remit.core.routing import install_route_index
from remit.files.endpoints import router as files_router
from remit.operations import health, metrics, requests
from remit.receivables.documents.endpoints import router as documents_router
from remit.runtime import build as build_runtime
from remit.worker import Runner

log = logging.getLogger("remit")


def create_app(
    settings: Settings | None = None, *, database: Database | None = None, worker: bool | None = None
) -> FastAPI:
    """``worker``: run the background jobs (``remit.worker.Runner``) during the app's lifespan, in
    this process (None: ``settings.inline_worker``); the runner is ``app.state.runner`` meanwhile."""
    runtime = build_runtime(settings, database=database)
    settings, db = runtime.settings, runtime.db
    inline_worker = settings.inline_worker if worker is None else worker

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        runner = Runner(runtime) if inline_worker else None
        if runner is not None:
            runner.start()
            app.state.runner = runner
        try:
            yield
        finally:
            # uvicorn runs this once requests in flight have finished (SIGTERM: no new connections,
            # REMIT_SHUTDOWN_TIMEOUT_SECONDS for those in flight); then the jobs get theirs.
            if runner is not None:
                # Off the event loop: stopping waits for running jobs (bounded by their stop timeout).
                await asyncio.to_thread(runner.stop)
                app.state.runner = None
            if database is None:
                db.dispose()
                metrics.process_exited()

    app = FastAPI(
        title="remit",
        version=__version__,
        description="Accounts payable and receivable API, wire-compatible with Monite's API version 2024-05-25.",
        openapi_url="/v1/openapi.json",
        docs_url="/v1/docs",
        redoc_url="/v1/redoc",
        default_response_class=JSONResponse,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.db = db
    app.state.settings = settings
    app.state.runner = None  # the inline background runner while the app runs, if any
    app.state.codec = TokenCodec(runtime.secret, settings.token_ttl_seconds)
    app.state.inline_worker = inline_worker
    if settings.metrics_enabled and database is None:
        metrics.watch_pool(db.engine, settings.db_pool_size)

    speedups.install()
    install_error_handlers(app)
    # Routes are mounted flat (not through include_router, which nests a matcher per router) and
    # indexed by resource, so finding the route costs a dictionary lookup and a few regexes.
    for domain_router in ROUTERS:
        if domain_router is console_router and not settings.console:
            continue  # REMIT_CONSOLE=off: no sign-in links either
        app.router.routes.extend(domain_router.routes)
    app.include_router(files_router)
    health.install(app, metrics=settings.metrics_enabled and settings.metrics_port is None)
    if settings.console:
        from remit.console import pages as console_pages

        console_pages.install(app)
    app.include_router(documents_router)
    limiter = None if settings.rate_limit == "off" else RateLimiter(settings.rate_limit, settings.rate_limit_storage)
    observe = requests.observer(metrics=settings.metrics_enabled, access_log=settings.access_log)
    app.add_middleware(ConventionsMiddleware, limiter=limiter, observe=observe)
    install_route_index(app)
    bearer_security(app)
    return app


def bearer_security(app: FastAPI) -> None:
    """Declare bearer authentication on every /v1 operation but /auth/* in the OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = app.openapi_schema
        if schema is None:
            schema = generate()  # FastAPI's own: builds the document and keeps it as openapi_schema
            schema.setdefault("components", {}).setdefault("securitySchemes", {})["HTTPBearer"] = {
                "type": "http", "scheme": "bearer", "description": "Access token from POST /v1/auth/token",
            }
            for path, operations in schema.get("paths", {}).items():
                if path.startswith("/v1/") and not path.startswith("/v1/auth/"):
                    for operation in operations.values():
                        operation["security"] = [{"HTTPBearer": []}]
        return schema

    # FastAPI's documented way to customise the document is to replace this method.
    app.openapi = openapi  # type: ignore[method-assign]
