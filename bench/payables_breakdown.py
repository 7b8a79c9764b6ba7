#!/usr/bin/env python
"""Where the CPU of a payable transition and of a payables list page goes, in-process (no network).

    taskset -c 0 python bench/payables_breakdown.py [--n 500] [--postgres] [--list-rows 20000]

wrk figures on a shared machine move with whatever else runs; CPU time per call moves much less.
This builds remit's app in-process on a fresh database (SQLite file, or a temp PostgreSQL database
with ``--postgres``), sets it up through the API (partner, entity with validation rules ``[]``,
an entity user allowed every payable action, three payables in ``new``), seeds ``--list-rows``
payables into a second entity with bench/seed_payables.py, then drives the ASGI app directly and
reports CPU microseconds per call (``time.process_time``, all threads of this process):

* transitions, cycling ``submit_for_approval → reject → reopen`` over three payables: the whole
  request; the unit of work alone (context + service + render + commit, no HTTP, no thread
  hop); without the render; without the approvals subscriber; and its pieces — an empty write
  transaction, the context query, ``get_for_update`` with and without the ``tags`` selectin,
  the response render — plus a lean Core version of the same writes (prebuilt statements:
  context check, conditional UPDATE, history INSERT, event INSERT) as a floor;
* the list page (``status=waiting_to_be_paid&sort=created_at&order=desc&limit=100``): the whole
  request with the garbage collector as it is, after ``gc.freeze()``, and with a higher gen-0
  threshold; the unit of work; ``paginate`` alone, with and without the tags selectin; the
  render alone; the same page validated from plain dicts instead of ORM objects; and the bare
  route's work (same SQL through the driver, rows to dicts, orjson).

It reaches into remit internals (``Call``, ``Output``, ``resolve_context``, the paginator) on
purpose; if those move, adjust the measurements. Pin it (``taskset -c 0``) for steadier numbers.
"""

# (no `from __future__ import annotations`: keeps FastAPI-facing objects plain)

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

VERSION = "2024-05-25"
STATUS = "waiting_to_be_paid"
LIST_QS = f"status={STATUS}&sort=created_at&order=desc&limit=100"


class GcMeter:
    """Wall time spent inside the cyclic garbage collector, per generation (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.runs = [0, 0, 0]
        self._started = 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds[info["generation"]] += time.perf_counter() - self._started
            self.runs[info["generation"]] += 1

    def snapshot(self) -> tuple[list[float], list[int]]:
        return list(self.seconds), list(self.runs)


GC = GcMeter()
_last_gc = ""


def report(label: str, micros: float, note: str = "") -> None:
    gc_note = f"   [gc {_last_gc}]" if _last_gc else ""
    print(f"  {label:<66}{micros:9.0f} µs{gc_note}{('   ' + note) if note else ''}", flush=True)


def _gc_note(before: tuple[list[float], list[int]], n: int) -> str:
    global _last_gc
    seconds, runs = GC.snapshot()
    spent = sum(seconds) - sum(before[0])
    per = [(r - b) / n for r, b in zip(runs, before[1], strict=True)]
    _last_gc = f"{1e6 * spent / n:.0f} µs/call in the collector; gen0/1/2 runs per call {per[0]:.2f}/{per[1]:.2f}/{per[2]:.3f}"
    return _last_gc


def cprofile(label: str, fn: Callable[[], object], n: int) -> None:
    """Print the top functions of ``fn`` under cProfile (``--cprofile``), by own and by cumulative time."""
    import cProfile
    import pstats

    profile = cProfile.Profile(time.process_time)  # CPU time: waiting on the server is not cost here
    profile.enable()
    for _ in range(n):
        fn()
    profile.disable()
    print(f"\n  cProfile of {label}, {n} calls:")
    stats = pstats.Stats(profile).strip_dirs()
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


def cpu_sync(fn: Callable[[], object], n: int) -> float:
    for _ in range(min(50, n)):
        fn()
    before = GC.snapshot()
    start = time.process_time()
    for _ in range(n):
        fn()
    result = 1e6 * (time.process_time() - start) / n
    _gc_note(before, n)
    return result


async def cpu_async(fn: Callable[[], Awaitable[object]], n: int) -> float:
    for _ in range(min(50, n)):
        await fn()
    before = GC.snapshot()
    start = time.process_time()
    for _ in range(n):
        await fn()
    result = 1e6 * (time.process_time() - start) / n
    _gc_note(before, n)
    return result


async def asgi(app, method: str, path: str, headers: list[tuple[bytes, bytes]], *, query: str = "",
               body: bytes = b"") -> tuple[int, bytes]:
    status, chunks, sent = 0, [], False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": headers, "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000), "state": {},
    }
    await app(scope, receive, send)
    return status, b"".join(chunks)


async def main_async(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import httpx
    import seed_payables
    from common import DEFAULT_PG, create_pg_database, drop_pg_database, machine
    from pydantic import TypeAdapter
    from sqlalchemy import insert, select, update
    from sqlalchemy.orm import lazyload

    from remit.app import create_app
    from remit.auth import service as auth_service
    from remit.auth.context import resolve_context
    from remit.auth.deps import Call, Output
    from remit.config import Settings
    from remit.core import clock
    from remit.core.db import Database
    from remit.events.models import Event
    from remit.migrations import upgrade
    from remit.payables import schemas, wire
    from remit.payables.models import Payable, PayableHistory
    from remit.payables.repository import PayableRepository
    from remit.payables.service import crud, transitions

    tmp = Path(tempfile.mkdtemp(prefix="remit-breakdown-"))
    pg_name = None
    if args.postgres:
        pg_name, url = create_pg_database(DEFAULT_PG, "remit_breakdown")
    else:
        url = f"sqlite:///{tmp / 'remit.db'}"
    upgrade(url)
    db = Database(url, pool_size=5)
    try:
        app = create_app(Settings(database_url=url, rate_limit="off", log_level="warning"), database=db)
        client_id, secret = str(uuid.uuid4()), uuid.uuid4().hex
        with db.transaction() as session:
            auth_service.ensure_credential(session, client_id=uuid.UUID(client_id), client_secret=secret, name="b")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit/v1",
                                     headers={"x-monite-version": VERSION}) as http:
            async def ok(method, path, **kw):
                r = await http.request(method, path, **kw)
                assert r.status_code < 300, r.text
                return r.json() if r.content else None

            partner = (await ok("POST", "/auth/token", json={
                "client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"}))["access_token"]
            auth = {"authorization": f"Bearer {partner}"}

            async def entity(name):
                return (await ok("POST", "/entities", headers=auth, json={
                    "type": "organization", "email": f"{name}@bench.example",
                    "address": {"country": "DE", "city": "Berlin", "line1": "x", "postal_code": "10117"},
                    "organization": {"legal_name": name}}))["id"]

            async def user_token(entity_id, actions):
                on = {**auth, "x-monite-entity-id": entity_id}
                role = await ok("POST", "/roles", headers=on, json={"name": f"r-{uuid.uuid4().hex[:6]}", "permissions": {
                    "objects": [{"object_type": "payable", "actions": [
                        {"action_name": a, "permission": "allowed"} for a in actions]}]}})
                user = await ok("POST", "/entity_users", headers=on, json={
                    "login": f"u-{uuid.uuid4().hex[:6]}", "first_name": "B", "role_id": role["id"]})
                return (await ok("POST", "/auth/token", json={
                    "client_id": client_id, "client_secret": secret, "grant_type": "entity_user",
                    "entity_user_id": user["id"]}))["access_token"]

            tx_entity = await entity("transitions")
            on = {**auth, "x-monite-entity-id": tx_entity}
            await ok("PUT", "/payables/validations", headers=on, json={"required_fields": []})
            tx_token = await user_token(tx_entity, ["create", "read", "submit", "approve", "reopen"])
            payables = [uuid.UUID((await ok("POST", "/payables", headers=on, json={
                "currency": "EUR", "total_amount": 1000 + i, "document_id": f"B-{i}"}))["id"]) for i in range(3)]
            list_entity = await entity("list")
            list_token = await user_token(list_entity, ["read"])
        insert_rows = seed_payables.insert_sqlite if db.is_sqlite else seed_payables.insert_postgres
        insert_rows(db, uuid.UUID(list_entity), args.list_rows, 1)

        print(f"\n{machine()}; database: {'sqlite' if db.is_sqlite else 'postgresql'}; n={args.n}; "
              f"list entity: {args.list_rows} payables\n")
        codec = app.state.codec
        tx_headers = [(b"authorization", f"Bearer {tx_token}".encode()), (b"x-monite-version", VERSION.encode()),
                      (b"content-length", b"0")]
        list_headers = [(b"authorization", f"Bearer {list_token}".encode()), (b"x-monite-version", VERSION.encode())]
        cycle = ["submit_for_approval", "reject", "reopen"]
        step = {"i": 0}

        def next_action() -> tuple[uuid.UUID, str]:
            i = step["i"]
            step["i"] += 1
            return payables[i % 3], cycle[(i // 3) % 3]

        # --- transitions -----------------------------------------------------------------------
        print("payable transition (submit_for_approval → reject → reopen):")

        async def full_request():
            pid, action = next_action()
            status, body = await asgi(app, "POST", f"/v1/payables/{pid}/{action}", tx_headers)
            assert status == 200, body

        report("whole request through the ASGI app (incl. thread hop)", await cpu_async(full_request, args.n))

        tx_principal = codec.decode(tx_token)
        render = Output(TypeAdapter(schemas.PayableResponseSchema), 200, schemas.PayableResponseSchema)

        def unit(output: Output) -> Callable[[], object]:
            call = Call(db, tx_principal, None, True, True, output)

            def run():
                pid, action = next_action()
                return db._run(call._invoke, (getattr(transitions, action), {"payable_id": pid}), {}, True)
            return run

        if args.cprofile:
            cprofile("transition unit of work", unit(render), args.n)
        report("unit of work: context + service + render + commit (no HTTP)", cpu_sync(unit(render), args.n))
        report("  … without the response render", cpu_sync(unit(Output(None, 200)), args.n))
        hooks = app.state.runtime.hooks
        saved = dict(hooks._after)
        hooks._after.clear()
        try:
            report("  … without the render and the approvals subscriber", cpu_sync(unit(Output(None, 200)), args.n),
                   "(the submit hook → approvals on_submitted: snapshot + policy query)")
        finally:
            hooks._after.update(saved)

        def empty_tx():
            with db.transaction():
                pass

        def with_context():
            with db.transaction() as session:
                resolve_context(session, tx_principal, None, scoped=True)

        def with_load(no_tags: bool):
            def run():
                with db.transaction() as session:
                    ctx = resolve_context(session, tx_principal, None, scoped=True)
                    repo = PayableRepository(session, ctx)
                    stmt = repo.base().where(Payable.id == payables[0]).with_for_update()
                    if no_tags:
                        stmt = stmt.options(lazyload(Payable.tags), lazyload(Payable.stored_file))
                    session.scalars(stmt).first()
            return run

        report("empty write transaction (Session, BEGIN [IMMEDIATE], COMMIT)", cpu_sync(empty_tx, args.n))
        report("  + resolve_context (user, role, entity, revocation)", cpu_sync(with_context, args.n))
        report("  + get_for_update (payable row + tags selectin)", cpu_sync(with_load(False), args.n))
        report("  + get_for_update with lazyload(tags, stored_file)", cpu_sync(with_load(True), args.n))

        with db.transaction() as session:
            ctx = resolve_context(session, tx_principal, None, scoped=True)
            loaded = PayableRepository(session, ctx).get(payables[0])
            report("response render alone (wire form + JSON)", cpu_sync(lambda: render.render(loaded), args.n))

        # The floor: the same writes with prebuilt Core statements on a plain connection.
        ctx_check = select(Payable.status).where(Payable.id == payables[1], Payable.entity_id == uuid.UUID(tx_entity))
        flip = {"new": "approve_in_progress", "approve_in_progress": "rejected", "rejected": "new"}
        history_t, event_t = PayableHistory.__table__, Event.__table__
        payable_t = Payable.__table__

        def lean():
            with db.engine.connect().execution_options(remit_write=True) as conn, conn.begin():
                current = conn.execute(ctx_check).scalar()
                now = clock.now()
                conn.execute(update(payable_t).where(payable_t.c.id == payables[1], payable_t.c.status == current)
                             .values(status=flip[current], updated_at=now))
                conn.execute(insert(history_t).values(
                    id=uuid.uuid4(), entity_id=uuid.UUID(tx_entity), payable_id=payables[1], timestamp=now,
                    event_type="status_changed", event_data={"old_status": current, "new_status": flip[current]},
                    entity_user_id=None))
                conn.execute(insert(event_t).values(
                    id=uuid.uuid4(), entity_id=uuid.UUID(tx_entity), object_type="payable",
                    action="payable.updated", object_id=payables[1], description="bench",
                    api_version=VERSION, created_at=now))

        lock = db._write_lock if db.is_sqlite else None

        def lean_locked():
            if lock is None:
                return lean()
            with lock:
                return lean()

        report("floor: Core SELECT status + UPDATE + 2 INSERTs + COMMIT (prebuilt)", cpu_sync(lean_locked, args.n))

        # --- list --------------------------------------------------------------------------------
        print(f"\nGET /v1/payables?{LIST_QS} ({args.list_rows} payables in the entity):")

        async def list_request():
            status, body = await asgi(app, "GET", "/v1/payables", list_headers, query=LIST_QS)
            assert status == 200, body

        n_list = max(args.n // 3, 50)
        gc_default = await cpu_async(list_request, n_list)
        report("whole request, garbage collector as remit runs it", gc_default)
        gc.collect()
        gc.freeze()
        report("whole request after gc.freeze()", await cpu_async(list_request, n_list))
        old_threshold = gc.get_threshold()
        gc.set_threshold(50_000, 20, 100)
        report("whole request after gc.freeze() + gc.set_threshold(50_000, 20, 100)",
               await cpu_async(list_request, n_list))
        gc.set_threshold(*old_threshold)
        gc.unfreeze()
        print("  (the lines below run with the collector as remit runs it)")

        list_principal = codec.decode(list_token)
        query = schemas.PayableListQuery.model_validate({"status": STATUS, "sort": "created_at", "order": "desc",
                                                         "limit": 100})
        page_render = Output(TypeAdapter(schemas.PayablePaginationResponse), 200)

        def list_unit(output: Output):
            call = Call(db, list_principal, None, True, False, output)
            return lambda: db._run(call._invoke, (crud.list_payables, {"query": query}), {}, False)

        if args.cprofile:
            cprofile("list unit of work", list_unit(page_render), n_list)
        report("unit of work: context + paginate + render (no HTTP)", cpu_sync(list_unit(page_render), n_list))
        report("  … without the render", cpu_sync(list_unit(Output(None, 200)), n_list))

        def paginate(no_tags: bool):
            def run():
                with db.transaction(write=False) as session:
                    ctx = resolve_context(session, list_principal, None, scoped=True)
                    stmt = crud.scoped_payables(session, ctx)
                    if no_tags:
                        stmt = stmt.options(lazyload(Payable.tags), lazyload(Payable.stored_file))
                    return crud.paginator.paginate(session, stmt, query, scope=str(ctx.scoped_entity_id))
            return run

        report("context + paginate (ORM page + tags selectin)", cpu_sync(paginate(False), n_list))
        report("context + paginate with lazyload(tags, stored_file)", cpu_sync(paginate(True), n_list))
        with db.transaction(write=False) as session:
            ctx = resolve_context(session, list_principal, None, scoped=True)
            page = crud.paginator.paginate(session, crud.scoped_payables(session, ctx), query,
                                           scope=str(ctx.scoped_entity_id))
            report("render alone: validate the page as remit renders it + dump_json",
                   cpu_sync(lambda: page_render.render(page), n_list))
            item_adapter = TypeAdapter(schemas.PayablePaginationResponse)
            dicts = {"data": [wire.document(session, p) for p in page.data],
                     "next_pagination_token": page.next_pagination_token, "prev_pagination_token": None}
            report("render from plain dicts (validate_python + dump_json)",
                   cpu_sync(lambda: item_adapter.dump_json(item_adapter.validate_python(dicts)), n_list))

        os.environ["BENCH_DATABASE_URL"] = url
        import bare_list_app

        report("bare route's work: same SQL via the driver, rows → dicts, orjson",
               cpu_sync(lambda: bare_list_app._page(uuid.UUID(list_entity), STATUS, 100), n_list))
        bare_list_app.engine.dispose()
    finally:
        db.dispose()
        if pg_name is not None:
            drop_pg_database(DEFAULT_PG, pg_name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=500, help="calls per transition measurement (lists: n/3)")
    parser.add_argument("--list-rows", type=int, default=20_000)
    parser.add_argument("--postgres", action="store_true", help="a temp database on 127.0.0.1:5432")
    parser.add_argument("--cprofile", action="store_true", help="also print cProfile tables of both units of work")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
