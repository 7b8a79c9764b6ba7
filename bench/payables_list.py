#!/usr/bin/env python
"""``GET /v1/payables?status=…&sort=created_at&order=desc&limit=100``: 1,000,000 vs 10,000 payables,
remit vs a bare route running the same SQL.

    python bench/payables_list.py [--postgres] [--payables 1000000] [--small 10000] [--duration 10]
                                  [--seed-file seed.json [--keep]] [--profile out.json] [--json out.json]

Needs wrk (``apt-get install -y wrk``), taskset (util-linux) and, for ``--profile``, py-spy
(``pip install py-spy``).

1. Seeds a fresh database with bench/seed_payables.py — an entity "big" with ``--payables``
   rows and an entity "small" with ``--small`` rows, statuses 1/8 each — on a SQLite file in a
   temp dir or (``--postgres``) a new database on 127.0.0.1:5432. Seeding 1M rows takes a couple
   of minutes, so ``--keep`` keeps the database and writes its summary to ``--seed-file``; a
   later run given the same ``--seed-file`` reuses it (drop it yourself afterwards).
2. Starts ``remit serve`` (one worker, no access log, rate limit off) pinned to CPU 0 with the
   seeded partner credential; through HTTP makes one entity user per entity, allowed to read
   payables, and checks that remit and the bare route return the same page (ids, in order).
3. wrk (CPU 1, one thread, 16 connections) on remit for "big", then "small"; then the same on
   ``bench/bare_list_app.py`` (same SQL, plain JSON dump; same uvicorn options, CPU 0).
4. Prints req/s, p50, p99 and the two ratios: remit / bare on 1M (target ≥ 0.5) and remit on
   10k / remit on 1M (target ≤ 1.5), plus the query plan of the page query.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import common  # bench/ is on sys.path when run as a script
import httpx
import seed_payables

QUERY = "/v1/payables?status={status}&sort=created_at&order=desc&limit=100"


def write_lua(path: Path, headers: dict[str, str]) -> None:
    lines = ['wrk.method = "GET"', 'wrk.headers["accept"] = "application/json"']
    lines += [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    path.write_text("\n".join(lines) + "\n")


def query_plan(database_url: str, entity_id: str, status: str) -> str:
    """The plan of the page query, as the bare route sends it (the same SQL remit emits)."""
    os.environ["BENCH_DATABASE_URL"] = database_url
    import bare_list_app

    engine = bare_list_app.engine
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                params = (uuid.UUID(entity_id).hex, status, 101, 0)
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + bare_list_app.PAGE_SQL, params).fetchall()
                return "\n".join(str(r[-1]) for r in rows)
            rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + bare_list_app.PAGE_SQL,
                                        (uuid.UUID(entity_id), status, 101)).fetchall()
            return "\n".join(r[0] for r in rows)
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payables", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--status", default="waiting_to_be_paid")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of discarded warm-up per run (default 2)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="measure everything this many times, report medians")
    parser.add_argument("--postgres", action="store_true", help="use a database on 127.0.0.1:5432")
    parser.add_argument("--database-url", default=common.DEFAULT_PG, help="PostgreSQL server for --postgres")
    parser.add_argument("--seed-file", type=Path, help="reuse the database this summary names, if it exists")
    parser.add_argument("--keep", action="store_true", help="keep the seeded database and write --seed-file")
    parser.add_argument("--profile", metavar="FILE", help="record remit with py-spy during its 1M run")
    parser.add_argument("--py-spy-args", default="", help='more py-spy options for --profile, e.g. "--gil"')
    common.add_server_options(parser)
    args = parser.parse_args()
    common.require_tools(profile=bool(args.profile))
    if args.keep and not args.seed_file:
        sys.exit("--keep needs --seed-file (where to write the summary for the next run)")

    tmp = Path(tempfile.mkdtemp(prefix="remit-bench-list-"))
    pg_name = None
    seed: dict[str, Any]
    if args.seed_file and args.seed_file.exists():
        seed = json.loads(args.seed_file.read_text())
        print(f"reusing {seed['database_url']} ({args.seed_file})")
    else:
        if args.postgres:
            pg_name, url = common.create_pg_database(args.database_url, "remit_bench_list")
        else:
            data_dir = args.seed_file.parent if args.keep else tmp
            url = f"sqlite:///{(data_dir / f'remit-list-{uuid.uuid4().hex[:8]}.db').resolve()}"
        t = time.perf_counter()
        seed = seed_payables.seed(url, payables=args.payables, small=args.small, client_id=str(uuid.uuid4()),
                                  client_secret=uuid.uuid4().hex)
        seed["seconds"] = round(time.perf_counter() - t, 1)
        if args.keep:
            args.seed_file.write_text(json.dumps(seed, indent=2))
            pg_name = None  # kept
    database_url = seed["database_url"]
    entities = seed["entities"]
    env = {**common.base_env(), "REMIT_DATABASE_URL": database_url, "REMIT_CLIENT_ID": seed["client_id"],
           "REMIT_CLIENT_SECRET": seed["client_secret"], "REMIT_RATE_LIMIT": "off", "REMIT_LOG_LEVEL": "warning"}
    env.update(common.settings(args.setting))
    bare_env = {**common.base_env(), "BENCH_DATABASE_URL": database_url}
    path = QUERY.format(status=args.status)
    runs: dict[str, list[common.Result]] = {}
    tokens: dict[str, str] = {}
    first_ids: dict[str, list[str]] = {}
    load = common.load_average()

    def measure(name: str, port: int, headers: dict[str, str], pid: int, profile_to: str | None = None) -> None:
        lua = tmp / f"{name.replace(' ', '_')}.lua"
        write_lua(lua, headers)
        url = f"http://127.0.0.1:{port}{path}"
        common.run_wrk("warm-up", url, lua, duration=args.warmup, connections=args.connections, threads=args.threads)
        profiler = common.profile(pid, profile_to, args.duration, args.py_spy_args) if profile_to else None
        if profiler:
            time.sleep(0.5)
        runs.setdefault(name, []).append(common.run_wrk(name, url, lua, duration=args.duration,
                                                        connections=args.connections, threads=args.threads, pid=pid))
        if profiler:
            profiler.wait()

    try:
        for round_no in range(args.rounds):
            port = common.free_port()
            log = tmp / "remit.log"
            proc = common.start_remit(port, env, log, tmp, args.experiment)
            try:
                common.wait_ready(proc, port, log)
                if not tokens:
                    setup = common.Setup(f"http://127.0.0.1:{port}/v1", seed["client_id"], seed["client_secret"])
                    tokens = {name: setup.user_token(entity, payable=["read"]) for name, entity in entities.items()}
                    setup.close()
                for name in ("big", "small"):
                    headers = {"authorization": f"Bearer {tokens[name]}", "x-monite-version": common.VERSION}
                    if round_no == 0:
                        page = httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=30)
                        if page.status_code != 200:
                            sys.exit(f"remit answered {page.status_code}: {page.text[:500]}")
                        first_ids[name] = [p["id"] for p in page.json()["data"]]
                    target = args.profile if (args.profile and name == "big" and round_no == 0) else None
                    measure(f"remit {name}", port, headers, proc.pid, target)
            finally:
                common.stop(proc)

            port = common.free_port()
            log = tmp / "bare.log"
            proc = common.start_bare("bare_list_app", port, bare_env, log, tmp)
            try:
                common.wait_ready(proc, port, log)
                for name in ("big", "small"):
                    headers = {"x-monite-entity-id": entities[name]}
                    if round_no == 0:
                        page = httpx.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=30).json()
                        ids = [str(uuid.UUID(p["id"])) for p in page["data"]]
                        if ids != first_ids[name] or not ids:
                            sys.exit(f"bare route and remit disagree on the {name} page: {ids[:3]} vs "
                                     f"{first_ids[name][:3]}")
                    measure(f"bare {name}", port, headers, proc.pid)
            finally:
                common.stop(proc)
        plans = {name: query_plan(database_url, entities[name], args.status) for name in ("big", "small")}
    finally:
        if pg_name is not None:
            common.drop_pg_database(args.database_url, pg_name)
        shutil.rmtree(tmp, ignore_errors=True)

    res = {name: common.median_result(results) for name, results in runs.items()}
    vs_bare = res["remit big"].rps / res["bare big"].rps
    small_vs_big = res["remit small"].rps / res["remit big"].rps
    cpu_vs_bare = (res["bare big"].cpu_us_per_req / res["remit big"].cpu_us_per_req
                   if res["remit big"].cpu_us_per_req else 0.0)
    backend = "postgresql" if database_url.startswith("postgres") else "sqlite"
    loop, http = common.uvicorn_choices()
    print()
    print(f"GET {path} — {dt.date.today()}, {common.machine()}")
    print(f"database: {backend}; entities: big {sum(seed['counts']['big'].values())} payables "
          f"({seed['counts']['big'].get(args.status)} {args.status}), small {sum(seed['counts']['small'].values())} "
          f"({seed['counts']['small'].get(args.status)} {args.status})")
    print(f"remit serve --workers 1 (loop={loop}, http={http}, no access log, rate limit off), entity-user token; "
          f"server on CPU {common.SERVER_CPU}, wrk on CPU {common.LOADGEN_CPU}")
    if args.experiment:
        print(f"EXPERIMENT: remit started with {', '.join(args.experiment)} applied; not how remit runs today")
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency (+{args.warmup}s warm-up), "
          f"rounds: {args.rounds}; load average at start: {load}")
    print()
    print(common.HEADER)
    for name in ("bare big", "bare small", "remit big", "remit small"):
        print(res[name].row())
    big_rows = sum(seed["counts"]["big"].values())
    print(f"\nremit / bare on {big_rows} payables: {vs_bare:.3f}x "
          f"({'meets' if vs_bare >= 0.5 else 'BELOW'} the 0.5x target); CPU per request, bare / remit: {cpu_vs_bare:.3f}x")
    print(f"remit on small / remit on big: {small_vs_big:.3f}x ({'within' if small_vs_big <= 1.5 else 'OUTSIDE'} 1.5x)")
    print("\nquery plan (big):\n  " + plans["big"].replace("\n", "\n  "))
    errors = sum(r.non_2xx + r.socket_errors for r in res.values())
    if errors:
        print("WARNING: some requests failed (non-2xx or socket errors); the figures are not valid.")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "date": str(dt.date.today()), "machine": common.machine(), "experiments": args.experiment, "database": backend, "load_average": load,
            "seed": {k: v for k, v in seed.items() if k != "client_secret"}, "status": args.status,
            "duration": args.duration, "connections": args.connections, "rounds": args.rounds,
            "remit_vs_bare": vs_bare, "remit_vs_bare_cpu": cpu_vs_bare, "small_vs_big": small_vs_big,
            "results": {name: common.as_dict(r) for name, r in res.items()}, "plans": plans,
        }, indent=2))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
