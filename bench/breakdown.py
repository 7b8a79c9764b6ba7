#!/usr/bin/env python
"""Where the CPU of ``GET /v1/entity_users/me`` goes, measured in-process (no network).

    python bench/breakdown.py [--n 3000] [--postgres]
    py-spy record -o me.json -f speedscope -- python bench/breakdown.py --loop-me 10

wrk figures on a shared machine move with whatever else runs; CPU time per call does not
move nearly as much. This script builds remit's app in-process (fresh SQLite file, or a temp
PostgreSQL database with ``--postgres``), creates a user through the API, then drives the ASGI
app directly and reports CPU microseconds per call for a ladder of variants — bare Starlette,
bare FastAPI, remit's stack with a no-op route, with the auth dependency, the full endpoint —
and for the pieces of the hot path on their own (limiter, token decode, context query,
thread hop, response model). Pin it with ``taskset -c 0`` for steadier numbers.

It reaches into remit internals (``app.state``, ``resolve_context``) on purpose; if those
move, adjust the ``components`` section.
"""

# (no `from __future__ import annotations`: FastAPI must see the local dependency annotation)

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

VERSION = "2024-05-25"
CLIENT_ID = str(uuid.uuid4())
CLIENT_SECRET = uuid.uuid4().hex


def scope_for(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
        "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000), "state": {},
    }


async def asgi_get(app, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    status = 0
    done = False

    async def receive():
        nonlocal done
        if not done:
            done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope_for(path, list(headers)), receive, send)
    return status


def report(label: str, micros: float, note: str = "") -> None:
    print(f"  {label:<58}{micros:9.1f} µs{('   ' + note) if note else ''}")


def cpu_sync(fn: Callable[[], object], n: int) -> float:
    for _ in range(min(300, n)):
        fn()
    start = time.process_time()
    for _ in range(n):
        fn()
    return 1e6 * (time.process_time() - start) / n


async def cpu_async(fn: Callable[[], Awaitable[object]], n: int) -> float:
    for _ in range(min(300, n)):
        await fn()
    start = time.process_time()
    for _ in range(n):
        await fn()
    return 1e6 * (time.process_time() - start) / n


async def run(args: argparse.Namespace, database_url: str) -> None:
    import httpx
    from fastapi import FastAPI
    from fastapi.routing import APIRoute
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from remit.cli import main as cli

    cli.migrate()
    cli._bootstrap()
    app = cli.app_factory()

    # A user through the API, as in bench/run_me.py.
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit/v1",
                                 headers={"x-monite-version": VERSION}) as http:
        creds = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
        partner = (await http.post("/auth/token", json={**creds, "grant_type": "client_credentials"})).json()
        auth = {"authorization": f"Bearer {partner['access_token']}"}
        entity = (await http.post("/entities", headers=auth, json={
            "type": "organization", "email": "bench@acme.example",
            "address": {"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"},
            "organization": {"legal_name": "Bench GmbH"}})).json()
        on_entity = {**auth, "x-monite-entity-id": entity["id"]}
        role = (await http.post("/roles", headers=on_entity, json={"name": "bench", "permissions": {"objects": [
            {"object_type": "role", "actions": [{"action_name": "read", "permission": "allowed"}]}]}})).json()
        user = (await http.post("/entity_users", headers=on_entity, json={
            "login": "bench", "first_name": "Bench", "role_id": role["id"]})).json()
        token = (await http.post("/auth/token", json={**creds, "grant_type": "entity_user",
                                                       "entity_user_id": user["id"]})).json()["access_token"]
        body = (await http.get("/entity_users/me", headers={"authorization": f"Bearer {token}"})).json()

    headers = [(b"authorization", f"Bearer {token}".encode()), (b"x-monite-version", VERSION.encode()),
               (b"host", b"remit")]
    n = args.n

    # Baselines with the same body.
    async def starlette_me(request):
        return JSONResponse(body)

    bare_starlette = Starlette(routes=[Route("/v1/entity_users/me", starlette_me)])
    bare_fastapi = FastAPI()

    @bare_fastapi.get("/v1/entity_users/me")
    async def fastapi_me() -> dict:
        return body

    # No-op routes inside remit's own app: first in the table, and last (after every router).
    from remit.auth.deps import AuthCallInactiveOk

    async def noop() -> dict:
        return {"ok": True}

    async def noop_auth(call: AuthCallInactiveOk) -> dict:
        return {"ok": True}

    response_class = app.router.default_response_class
    app.router.routes.append(APIRoute("/v1/zz_noop_last", noop, response_class=response_class))
    app.router.routes.insert(0, APIRoute("/v1/zz_noop_first", noop, response_class=response_class))
    app.router.routes.insert(0, APIRoute("/v1/zz_noop_auth", noop_auth, response_class=response_class))

    for path in ("/v1/entity_users/me", "/v1/zz_noop_first", "/v1/zz_noop_last", "/v1/zz_noop_auth"):
        status = await asgi_get(app, path, headers)
        assert status == 200, (path, status)

    if args.loop_me:
        # For a profiler: py-spy record -o me.json -f speedscope -- python bench/breakdown.py --loop-me 10
        deadline = time.monotonic() + args.loop_me
        calls = 0
        while time.monotonic() < deadline:
            await asgi_get(app, "/v1/entity_users/me", headers)
            calls += 1
        print(f"{calls} calls of GET /v1/entity_users/me in {args.loop_me} s")
        return

    print(f"\nCPU per call, in-process, {n} calls each (database: {database_url.split(':')[0]})\n")
    print("whole requests:")
    report("bare Starlette route", await cpu_async(lambda: asgi_get(bare_starlette, "/v1/entity_users/me", headers), n))
    report("bare FastAPI route", await cpu_async(lambda: asgi_get(bare_fastapi, "/v1/entity_users/me", headers), n))
    report("remit app, no-op route first in the table", await cpu_async(
        lambda: asgi_get(app, "/v1/zz_noop_first", headers), n), "FastAPI + remit middleware")
    report("remit app, no-op route last in the table", await cpu_async(
        lambda: asgi_get(app, "/v1/zz_noop_last", headers), n), "+ scanning every route")
    report("remit app, no-op route first + AuthCall dependency", await cpu_async(
        lambda: asgi_get(app, "/v1/zz_noop_auth", headers), n), "+ bearer/JWT, no database")
    report("remit GET /v1/entity_users/me", await cpu_async(
        lambda: asgi_get(app, "/v1/entity_users/me", headers), n), "the real thing")

    print("\ncomponents:")
    from sqlalchemy import bindparam, exists, select

    from remit.auth.context import resolve_context
    from remit.auth.models import RevokedToken
    from remit.core.ratelimit import RateLimiter
    from remit.entities.models import Entity
    from remit.entities.roles.models import Role
    from remit.entities.users.models import EntityUser
    from remit.entities.users.schemas import EntityUserResponse

    db = app.state.db
    codec = app.state.codec
    principal = codec.decode(token)
    limiter = RateLimiter("1000000/second")
    report("RateLimiter.hit (limits, memory://)", cpu_sync(lambda: limiter.hit("t:Bearer " + token), n))
    report("TokenCodec.decode", cpu_sync(lambda: codec.decode(token), n))

    def empty_transaction():
        with db.transaction(write=False):
            pass

    def current_context():
        with db.transaction(write=False) as session:
            resolve_context(session, principal, None, scoped=False, allow_inactive=True)

    prebuilt = (
        select(EntityUser, Role.permissions, Role.updated_at, Entity.status, Entity.partner_id,
               exists().where(RevokedToken.jti == bindparam("jti")))
        .join(Role, Role.id == EntityUser.role_id)
        .join(Entity, Entity.id == EntityUser.entity_id)
        .where(EntityUser.id == bindparam("uid"))
    )

    def prebuilt_context():
        with db.transaction(write=False) as session:
            session.execute(prebuilt, {"jti": principal.jti, "uid": principal.entity_user_id}).first()

    core = (
        select(*EntityUser.__table__.c, Role.permissions, Role.updated_at, Entity.status, Entity.partner_id,
               exists().where(RevokedToken.jti == bindparam("jti")))
        .join(Role, Role.id == EntityUser.role_id)
        .join(Entity, Entity.id == EntityUser.entity_id)
        .where(EntityUser.id == bindparam("uid"))
    )

    def core_connection():
        with db.engine.connect() as conn:
            conn.execute(core, {"jti": principal.jti, "uid": principal.entity_user_id}).first()
            conn.commit()

    def build_statement():
        return (
            select(EntityUser, Role.permissions, Role.updated_at, Entity.status, Entity.partner_id,
                   exists().where(RevokedToken.jti == principal.jti))
            .join(Role, Role.id == EntityUser.role_id)
            .join(Entity, Entity.id == EntityUser.entity_id)
            .where(EntityUser.id == principal.entity_user_id)
        )

    report("Session transaction, no statement", cpu_sync(empty_transaction, n))
    report("building the context SELECT (what each request does)", cpu_sync(build_statement, n))
    report("transaction + resolve_context (current)", cpu_sync(current_context, n))
    report("transaction + the same SELECT prebuilt with bindparams", cpu_sync(prebuilt_context, n), "suggestion")
    report("engine.connect + prebuilt Core SELECT (no Session/ORM)", cpu_sync(core_connection, n), "suggestion")
    if db.is_sqlite:
        raw = db.engine.raw_connection()
        cursor = raw.cursor()
        compiled = core.compile(db.engine)
        sql = str(compiled)
        params = compiled.construct_params({"jti": principal.jti, "uid": principal.entity_user_id.hex})
        values = tuple(params[name] for name in compiled.positiontup)

        def raw_sqlite():
            cursor.execute("BEGIN")
            cursor.execute(sql, values).fetchall()
            cursor.execute("COMMIT")

        report("raw sqlite3: BEGIN + the same SELECT + COMMIT", cpu_sync(raw_sqlite, n), "the floor")
        raw.close()

    import anyio.to_thread

    report("anyio.to_thread.run_sync(no-op) round trip", await cpu_async(
        lambda: anyio.to_thread.run_sync(lambda: None), n), "the thread hop alone")

    def context_in_session(session):
        return resolve_context(session, principal, None, scoped=False, allow_inactive=True)

    report("db.run(resolve_context): thread hop + transaction + context", await cpu_async(
        lambda: db.run(context_in_session, write=False), n), "what the endpoint does")
    with db.transaction(write=False) as session:
        ctx = resolve_context(session, principal, None, scoped=False, allow_inactive=True)
    from pydantic import TypeAdapter

    adapter = TypeAdapter(EntityUserResponse)
    report("EntityUserResponse from ORM + dump (response_model)", cpu_sync(
        lambda: adapter.dump_python(adapter.validate_python(ctx.user, from_attributes=True), mode="json"), n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=3000, help="calls per measurement (default 3000)")
    parser.add_argument("--postgres", action="store_true", help="use a temp database on 127.0.0.1:5432")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--loop-me", type=float, default=0, metavar="SECONDS",
                        help="only call GET /v1/entity_users/me in a loop for this long (to run under a profiler)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="remit-breakdown-"))
    pg_name = None
    if args.postgres:
        from run_me import create_pg_database

        pg_name, database_url = create_pg_database(args.database_url)
    else:
        database_url = f"sqlite:///{tmp / 'remit.db'}"
    for key in [k for k in os.environ if k.startswith("REMIT_")]:
        del os.environ[key]
    os.environ.update(REMIT_DATABASE_URL=database_url, REMIT_CLIENT_ID=CLIENT_ID, REMIT_CLIENT_SECRET=CLIENT_SECRET,
                      REMIT_RATE_LIMIT="1000000/second", REMIT_LOG_LEVEL="warning")
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    try:
        asyncio.run(run(args, database_url))
    finally:
        if pg_name is not None:
            from run_me import drop_pg_database

            drop_pg_database(args.database_url, pg_name)


if __name__ == "__main__":
    main()
