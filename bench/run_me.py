#!/usr/bin/env python
"""Throughput and latency of an authenticated ``GET /v1/entity_users/me``: remit vs a bare route.

    python bench/run_me.py [--duration 10] [--connections 16] [--postgres] [--rounds 1]

What it does, in one run:

1. starts ``remit serve`` (one uvicorn worker, access log off) pinned to CPU 0 with
   ``taskset -c 0``, on a fresh SQLite database in a temp dir (``--postgres``: a fresh
   database created on 127.0.0.1:5432 and dropped at the end; ``--database-url`` names
   another server). The partner credential comes from REMIT_CLIENT_ID / REMIT_CLIENT_SECRET.
   The rate limiter stays on (it is part of the real request path) but is set to
   ``1000000/second`` so it never throttles the benchmark (``--rate-limit`` changes it);
2. through HTTP (httpx) obtains a partner token, creates an entity, a role and an entity
   user, gets the user's token, and captures the body of ``GET /v1/entity_users/me``;
3. runs ``wrk --latency`` pinned to CPU 1 (``taskset -c 1``) against remit, with a Lua script
   setting ``authorization`` and ``x-monite-version``; a short warm-up run comes first;
4. stops remit, starts ``bench/bare_app.py`` (a bare Starlette route returning the same
   JSON body), ``bench/bare_fastapi_app.py`` (the same on FastAPI; ``--no-fastapi`` skips
   it) and ``bench/bare_me_sql_app.py`` (a bare Starlette route that checks the same token
   and runs remit's context SELECT on the same database, then dumps the row) with the same
   uvicorn options, pinned to CPU 0, and measures them the same way;
5. prints req/s, p50 and p99, the server CPU time per request (``/proc/<pid>/stat``), the
   ratio remit / bare Starlette (target >= 0.5) and the ratios to the other two baselines.
   ``--rounds N`` repeats 1-4 and reports medians.

``--profile out.json`` additionally records remit with ``py-spy record --gil`` during its
measured run (speedscope format; ``--profile out.svg`` gives a flame graph; summarise with
bench/profile_summary.py). Needs ``pip install py-spy``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
from common import (  # bench/ is on sys.path when run as a script
    _ms,
    add_server_options,
    cpu_seconds,
    create_pg_database,
    drop_pg_database,
    free_port,
    py_spy,
    settings,
    start_remit,
    stop,
    uvicorn_choices,
    wait_ready,
)

BENCH_DIR = Path(__file__).resolve().parent
VERSION = "2024-05-25"
PATH = "/v1/entity_users/me"
SERVER_CPU = "0"
LOADGEN_CPU = "1"


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    cpu_us: float = 0.0  # server CPU time (user + system) per request during the measured run


# --- helpers -------------------------------------------------------------------------------


def require_tools(profile: str | None) -> None:
    missing = []
    if shutil.which("wrk") is None:
        missing.append("wrk: install it with `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk` (macOS)")
    if shutil.which("taskset") is None:
        missing.append("taskset: install util-linux (`apt-get install -y util-linux`)")
    if profile and py_spy() is None:
        missing.append("py-spy: install it with `pip install py-spy`")
    if missing:
        sys.exit("bench/run_me.py needs:\n  " + "\n  ".join(missing))


# --- remit set-up through HTTP ------------------------------------------------------------


def make_user_token(base: str, client_id: str, client_secret: str) -> str:
    with httpx.Client(base_url=base, headers={"x-monite-version": VERSION}, timeout=10) as http:

        def ok(response: httpx.Response) -> dict:
            if response.status_code >= 300:
                sys.exit(f"set-up call {response.request.method} {response.request.url} failed: "
                         f"{response.status_code} {response.text}")
            return response.json()

        creds = {"client_id": client_id, "client_secret": client_secret}
        partner = ok(http.post("/auth/token", json={**creds, "grant_type": "client_credentials"}))["access_token"]
        auth = {"authorization": f"Bearer {partner}"}
        entity = ok(http.post("/entities", headers=auth, json={
            "type": "organization",
            "email": "bench@acme.example",
            "address": {"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"},
            "organization": {"legal_name": "Bench GmbH"},
        }))
        on_entity = {**auth, "x-monite-entity-id": entity["id"]}
        role = ok(http.post("/roles", headers=on_entity, json={
            "name": "bench",
            "permissions": {"objects": [
                {"object_type": "role", "actions": [{"action_name": "read", "permission": "allowed"}]},
                {"object_type": "entity_user", "actions": [{"action_name": "read", "permission": "allowed"}]},
            ]},
        }))
        user = ok(http.post("/entity_users", headers=on_entity, json={
            "login": "bench-user", "first_name": "Bench", "last_name": "User",
            "email": "bench.user@acme.example", "role_id": role["id"],
        }))
        return ok(http.post("/auth/token", json={**creds, "grant_type": "entity_user", "entity_user_id": user["id"]}))[
            "access_token"
        ]


# --- wrk --------------------------------------------------------------------------------


def write_lua(path: Path, token: str) -> None:
    path.write_text(
        'wrk.method = "GET"\n'
        f'wrk.headers["authorization"] = "Bearer {token}"\n'
        f'wrk.headers["x-monite-version"] = "{VERSION}"\n'
        'wrk.headers["accept"] = "application/json"\n'
    )



def run_wrk(name: str, url: str, lua: Path, duration: int, connections: int, threads: int) -> Result:
    cmd = ["taskset", "-c", LOADGEN_CPU, "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s",
           "--latency", "--timeout", "10s", "-s", str(lua), url]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(match.group(1))
    if match := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in match.groups())
    return Result(name, rps, p50, p99, requests, errors)


def measure(name: str, port: int, pid: int, lua: Path, args: argparse.Namespace) -> Result:
    url = f"http://127.0.0.1:{port}{PATH}"
    run_wrk(name, url, lua, args.warmup, args.connections, args.threads)  # warm-up, discarded
    before = cpu_seconds(pid)
    result = run_wrk(name, url, lua, args.duration, args.connections, args.threads)
    result.cpu_us = 1e6 * (cpu_seconds(pid) - before) / max(1, result.requests)
    return result


def measure_baseline(label: str, module: str, loop: str, http: str, body_file: Path, lua: Path,
                     env: dict[str, str], tmp: Path, args: argparse.Namespace) -> Result:
    port = free_port()
    log = tmp / f"{module}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(
            ["taskset", "-c", SERVER_CPU, sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH_DIR),
             f"{module}:app", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
             "--no-access-log", "--loop", loop, "--http", http, "--no-proxy-headers", "--log-level", "warning"],
            cwd=tmp, env={**env, "BENCH_BODY_FILE": str(body_file)}, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_ready(proc, port, log, path=PATH)
        return measure(label, port, proc.pid, lua, args)
    finally:
        stop(proc)


# --- main -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: it has one CPU)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of discarded warm-up per server (default 2)")
    parser.add_argument("--rounds", type=int, default=1, help="measure each server this many times, report medians")
    parser.add_argument("--postgres", action="store_true", help="use a temp database on 127.0.0.1:5432")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL server URL used with --postgres (default: %(default)s)")
    parser.add_argument("--rate-limit", default="1000000/second",
                        help='REMIT_RATE_LIMIT for remit (default: %(default)s, i.e. on but never throttling)')
    parser.add_argument("--no-fastapi", action="store_true", help="skip the bare FastAPI reference")
    parser.add_argument("--profile", metavar="FILE", help="record remit with py-spy during its measured runs")
    add_server_options(parser)
    args = parser.parse_args()
    require_tools(args.profile)

    loop, http = uvicorn_choices()
    tmp = Path(tempfile.mkdtemp(prefix="remit-bench-"))
    pg_name = None
    if args.postgres:
        pg_name, database_url = create_pg_database(args.database_url, "remit_bench")
    else:
        database_url = f"sqlite:///{tmp / 'remit.db'}"

    client_id, client_secret, secret_key = str(uuid.uuid4()), uuid.uuid4().hex, uuid.uuid4().hex
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    remit_env = {
        **base_env,
        "REMIT_DATABASE_URL": database_url,
        "REMIT_CLIENT_ID": client_id,
        "REMIT_CLIENT_SECRET": client_secret,
        "REMIT_SECRET_KEY": secret_key,  # bare_me_sql_app verifies the same tokens
        "REMIT_RATE_LIMIT": args.rate_limit,
        "REMIT_LOG_LEVEL": "warning",
        **settings(args.setting),
    }
    lua = tmp / "headers.lua"
    body_file = tmp / "me.json"
    baselines = [("bare starlette", "bare_app")] + ([] if args.no_fastapi else [("bare fastapi", "bare_fastapi_app")])
    baselines.append(("starlette + SQL", "bare_me_sql_app"))
    base_env = {**base_env, "BENCH_DATABASE_URL": database_url, "BENCH_SECRET_KEY": secret_key}
    remit_results: list[Result] = []
    bare_results: dict[str, list[Result]] = {label: [] for label, _ in baselines}
    load_before = os.getloadavg()
    try:
        for round_no in range(args.rounds):
            # remit, exactly as an operator runs it (uvicorn's "auto" loop/http = the same choices as below).
            port = free_port()
            log = tmp / "remit.log"
            proc = start_remit(port, remit_env, log, tmp, args.experiment)
            try:
                wait_ready(proc, port, log)
                if round_no == 0:
                    token = make_user_token(f"http://127.0.0.1:{port}/v1", client_id, client_secret)
                    write_lua(lua, token)
                    me = httpx.get(f"http://127.0.0.1:{port}{PATH}",
                                   headers={"authorization": f"Bearer {token}", "x-monite-version": VERSION})
                    if me.status_code != 200:
                        sys.exit(f"GET {PATH} answered {me.status_code}: {me.text}")
                    body_file.write_bytes(me.content)
                profiler = None
                if args.profile:
                    fmt = "speedscope" if args.profile.endswith(".json") else "flamegraph"
                    target = args.profile if args.rounds == 1 else f"{args.profile}.{round_no}"
                    profiler = subprocess.Popen(
                        [py_spy(), "record", "-p", str(proc.pid), "-o", target, "-f", fmt, "-r", "200", "--gil",
                         "-d", str(args.warmup + args.duration + 1)],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    )
                    time.sleep(1)
                remit_results.append(measure("remit", port, proc.pid, lua, args))
                if profiler is not None:
                    profiler.wait()
            finally:
                stop(proc)

            for label, module in baselines:
                bare_results[label].append(measure_baseline(label, module, loop, http, body_file, lua, base_env, tmp, args))
    finally:
        if pg_name is not None:
            drop_pg_database(args.database_url, pg_name)
        shutil.rmtree(tmp, ignore_errors=True)

    def median(results: list[Result]) -> Result:
        return Result(
            results[0].name,
            statistics.median(r.rps for r in results),
            statistics.median(r.p50_ms for r in results),
            statistics.median(r.p99_ms for r in results),
            sum(r.requests for r in results),
            sum(r.errors for r in results),
            statistics.median(r.cpu_us for r in results),
        )

    remit = median(remit_results)
    bares = {label: median(results) for label, results in bare_results.items()}
    bare = bares["bare starlette"]
    ratio = remit.rps / bare.rps
    backend = "postgresql" if args.postgres else "sqlite"
    load_after = os.getloadavg()
    print()
    print(f"GET {PATH} (entity-user token) — {dt.date.today()}, {platform.node()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"remit database: {backend}; REMIT_RATE_LIMIT={args.rate_limit}; uvicorn 1 worker, "
          f"loop={loop}, http={http}, no access log; servers on CPU {SERVER_CPU}, wrk on CPU {LOADGEN_CPU}")
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency"
          f" (+{args.warmup}s warm-up), rounds: {args.rounds} (medians)")
    print(f"load average (1 min) before: {load_before[0]:.2f}, after: {load_after[0]:.2f}")
    print()
    print(f"{'server':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'cpu us/req':>12}{'requests':>11}{'errors':>8}")
    for r in (*bares.values(), remit):
        print(f"{r.name:<16}{r.rps:>10.0f}{r.p50_ms:>10.2f}{r.p99_ms:>10.2f}{r.cpu_us:>12.0f}{r.requests:>11}{r.errors:>8}")
    verdict = "meets" if ratio >= 0.5 else "BELOW"
    print(f"\nratio remit / bare starlette: {ratio:.3f}x ({verdict} the 0.5x target)")
    if "bare fastapi" in bares:
        print(f"ratio remit / bare fastapi:   {remit.rps / bares['bare fastapi'].rps:.3f}x")
        print(f"ratio bare fastapi / bare starlette: {bares['bare fastapi'].rps / bare.rps:.3f}x")
    print(f"ratio remit / starlette + SQL (same token check and context SELECT, plain dump): "
          f"{remit.rps / bares['starlette + SQL'].rps:.3f}x")
    if load_before[0] > 0.5:
        print("NOTE: the machine was not idle when the run started; other processes share the CPUs.")
    if remit.errors or any(r.errors for r in bares.values()):
        print("WARNING: some requests failed (non-2xx or socket errors); the figures are not valid.")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "date": str(dt.date.today()), "database": backend, "rate_limit": args.rate_limit,
            "duration": args.duration, "connections": args.connections, "threads": args.threads,
            "rounds": args.rounds, "experiments": args.experiment, "settings": args.setting, "ratio": ratio, "load_before": load_before, "load_after": load_after,
            "results": [r.__dict__ for r in (*bares.values(), remit)],
            "all_rounds": {"remit": [r.__dict__ for r in remit_results],
                           **{label: [r.__dict__ for r in results] for label, results in bare_results.items()}},
        }, indent=2))


if __name__ == "__main__":
    main()
