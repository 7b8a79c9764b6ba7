"""What bench/payables_transitions.py and bench/payables_list.py share.

Starting servers pinned to a CPU, throwaway PostgreSQL databases, wrk runs and their parsing,
and remit set-up over HTTP. Tools needed: ``wrk`` (``apt-get install -y wrk``), ``taskset``
(util-linux) and, for ``--profile``, ``py-spy`` (``pip install py-spy``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

BENCH_DIR = Path(__file__).resolve().parent
VERSION = "2024-05-25"
SERVER_CPU = "0"
LOADGEN_CPU = "1"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def require_tools(*, profile: bool = False) -> None:
    missing = []
    if shutil.which("wrk") is None:
        missing.append("wrk: install it with `apt-get install -y wrk` (Debian/Ubuntu) or `brew install wrk` (macOS)")
    if shutil.which("taskset") is None:
        missing.append("taskset: install util-linux (`apt-get install -y util-linux`)")
    if profile and py_spy() is None:
        missing.append("py-spy: install it with `pip install py-spy`")
    if missing:
        sys.exit("this benchmark needs:\n  " + "\n  ".join(missing))


def py_spy() -> str | None:
    """py-spy on PATH, or next to this Python (a virtualenv's bin/)."""
    beside = Path(sys.executable).parent / "py-spy"
    return shutil.which("py-spy") or (str(beside) if beside.exists() else None)


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{platform.node()}: {os.cpu_count()} CPUs ({cpu}){mem}, Python {platform.python_version()}"


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def uvicorn_choices() -> tuple[str, str]:
    """The event loop and HTTP parser uvicorn's "auto" picks (what `remit serve` gets)."""
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return loop, http


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """``--setting``, ``--experiment`` and ``--json``, as the payables benchmarks take them."""
    parser.add_argument("--setting", action="append", default=[], metavar="REMIT_NAME=VALUE",
                        help="a remit setting for the remit server (repeatable), e.g. REMIT_DB_THREADS=4")
    parser.add_argument("--experiment", action="append", default=[], choices=EXPERIMENTS,
                        help="start remit with a suggested change applied (repeatable; see common.py)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")


def settings(pairs: list[str]) -> dict[str, str]:
    """``--setting REMIT_NAME=VALUE`` options as environment variables for the remit server."""
    result = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.startswith("REMIT_"):
            sys.exit(f"--setting wants REMIT_NAME=VALUE, not {pair!r}")
        result[name] = value
    return result


def base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("REMIT_", "BENCH_"))}


def start(cmd: list[str], env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(["taskset", "-c", SERVER_CPU, *cmd], cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


# Experiments, not how remit runs: the same app started by a launcher that first applies changes
# suggested in docs/performance.md, so they can be measured without editing remit.
#   gc-freeze            gc.collect(); gc.freeze() once the app is built (start-up objects leave
#                        the collector's reach, so full collections stop walking ~220k objects)
#   gc-threshold         gc.set_threshold(50_000, 20, 100): far fewer young collections
#   (both gc ones are what `remit serve` does today; kept to measure against a plain launcher)
#   sqlite-inline-writes SQLite write units of work run on the event loop (no worker thread)
#   switch-interval-1ms  sys.setswitchinterval(0.001): the GIL changes hands sooner
#   sqlite-inline-reads  SQLite read-only units of work on the event loop (no worker thread)
#   read-threads-N       read-only units of work through an anyio CapacityLimiter(N) (default: anyio's 40 threads)
#   threads-N            every unit of work (reads and writes; SQLite writes stay one at a time) through one
#                        CapacityLimiter(N): fewer threads contending for the GIL
#   sqlite-background-checkpoint  wal_autocheckpoint=0 on remit's connections and a thread running
#                        PRAGMA wal_checkpoint(PASSIVE) every 0.5 s, so no request pays for a checkpoint
#   latency-log          not a change: records, per request, the time to the unit of work's start, the unit
#                        of work itself and the rest, and writes percentiles to $LATENCY_LOG at exit
EXPERIMENTS = ("gc-freeze", "gc-threshold", "sqlite-inline-writes", "switch-interval-1ms",
               "sqlite-background-checkpoint", "read-threads-1", "read-threads-2", "read-threads-4", "sqlite-inline-reads",
               "threads-2", "threads-4", "threads-8",
               "latency-log")
_LAUNCHER = """
import functools, gc, sys
import anyio, uvicorn
from remit.cli import main as cli
from remit.config import get_settings
from remit.core import db as remit_db
experiments = set(sys.argv[2].split(","))
if "sqlite-inline-writes" in experiments:  # SQLite write units of work on the event loop, no thread hop
    original_run = remit_db.Database.run
    async def run(self, fn, /, *args, write=True, **kwargs):
        if write and self.is_sqlite:
            return self._run(fn, args, kwargs, write)
        return await original_run(self, fn, *args, write=write, **kwargs)
    remit_db.Database.run = run
if "sqlite-inline-reads" in experiments:
    original_inline_run = remit_db.Database.run
    async def run(self, fn, /, *args, write=True, _run=original_inline_run, **kwargs):
        if not write and self.is_sqlite:
            return self._run(fn, args, kwargs, write)
        return await _run(self, fn, *args, write=write, **kwargs)
    remit_db.Database.run = run
for n in (1, 2, 4):
    if f"read-threads-{n}" in experiments:
        original_read_run = remit_db.Database.run
        read_limiter = anyio.CapacityLimiter(n)
        async def run(self, fn, /, *args, write=True, _run=original_read_run, **kwargs):
            if write:
                return await _run(self, fn, *args, write=write, **kwargs)
            return await anyio.to_thread.run_sync(functools.partial(self._run, fn, args, kwargs, write),
                                                  limiter=read_limiter)
        remit_db.Database.run = run
for n in (2, 4, 8):
    if f"threads-{n}" in experiments:
        original_any_run = remit_db.Database.run
        any_limiter = anyio.CapacityLimiter(n)
        async def run(self, fn, /, *args, write=True, _run=original_any_run, _limiter=any_limiter, **kwargs):
            async with _limiter:
                return await _run(self, fn, *args, write=write, **kwargs)
        remit_db.Database.run = run
if "switch-interval-1ms" in experiments:
    sys.setswitchinterval(0.001)
cli.migrate()
cli._bootstrap()
app = cli.app_factory()
gc.collect()
if "sqlite-background-checkpoint" in experiments:  # no checkpoint (and its fsync) inside a request
    import sqlite3, threading, time
    from sqlalchemy import event
    engine = app.state.db.engine
    engine.dispose()
    event.listen(engine, "connect", lambda dbapi, record: dbapi.execute("PRAGMA wal_autocheckpoint=0"))
    def checkpoint(path=engine.url.database):
        conn = sqlite3.connect(path, check_same_thread=False)
        while True:
            time.sleep(0.5)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    threading.Thread(target=checkpoint, daemon=True).start()
if "latency-log" in experiments:  # where a request's time goes, server side
    import contextvars, json, os, time
    marks = contextvars.ContextVar("marks")
    samples = []
    original_db_run = remit_db.Database._run
    def timed_run(self, fn, args, kwargs, write, _run=original_db_run, _marks=marks):
        started = time.perf_counter()
        try:
            return _run(self, fn, args, kwargs, write)
        finally:
            m = _marks.get(None)
            if m is not None:
                m.extend((started, time.perf_counter()))
    remit_db.Database._run = timed_run
    inner = app
    async def app(scope, receive, send, _inner=inner, _marks=marks):
        if scope["type"] == "lifespan":  # uvicorn re-raises SIGTERM after shutdown: report before
            async def lifespan_receive():
                message = await receive()
                if message["type"] == "lifespan.shutdown":
                    report()
                return message
            return await _inner(scope, lifespan_receive, send)
        if scope["type"] != "http":
            return await _inner(scope, receive, send)
        m = [time.perf_counter()]
        _marks.set(m)
        async def timed_send(message):
            if message["type"] == "http.response.start":
                m.append(time.perf_counter())
            await send(message)
        await _inner(scope, receive, timed_send)
        if len(m) == 4:
            samples.append((m[1] - m[0], m[2] - m[1], m[3] - m[2], m[3] - m[0]))
    def report(samples=samples):
        out = {}
        for i, name in enumerate(("to_unit_of_work", "unit_of_work", "after", "total")):
            values = sorted(s[i] * 1000 for s in samples)
            if values:
                out[name] = {q: round(values[min(len(values) - 1, int(len(values) * q / 100))], 2) for q in (50, 90, 99)}
        out["n"] = len(samples)
        with open(os.environ.get("LATENCY_LOG", "latency.json"), "w") as f:
            json.dump(out, f)
if "gc-freeze" in experiments:
    gc.freeze()
if "gc-threshold" in experiments:
    gc.set_threshold(50_000, 20, 100)
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=False, log_level=get_settings().log_level,
            proxy_headers=False)
"""


def start_remit(port: int, env: dict[str, str], log: Path, cwd: Path,
                experiments: list[str] | None = None) -> subprocess.Popen:
    """``remit serve`` exactly as an operator runs it: one worker, no access log.

    ``experiments`` (names from EXPERIMENTS): the same app started by _LAUNCHER with those changes."""
    if experiments:
        return start([sys.executable, "-c", _LAUNCHER, str(port), ",".join(experiments)], env, log, cwd)
    return start([sys.executable, "-m", "remit.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
                  "--workers", "1", "--no-access-log"], env, log, cwd)


def start_bare(module: str, port: int, env: dict[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    """A bench/ Starlette app under the same uvicorn options remit gets."""
    loop, http = uvicorn_choices()
    return start([sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH_DIR), f"{module}:app", "--host",
                  "127.0.0.1", "--port", str(port), "--workers", "1", "--no-access-log", "--loop", loop,
                  "--http", http, "--no-proxy-headers", "--log-level", "warning"], env, log, cwd)


def wait_ready(proc: subprocess.Popen, port: int, log: Path, path: str = "/v1/docs", timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    stop(proc)
    sys.exit(f"server did not answer on port {port} within {timeout:.0f} s:\n{log.read_text(errors='replace')}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def create_pg_database(server_url: str, prefix: str) -> tuple[str, str]:
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, make_url(server_url).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def profile(pid: int, target: str, seconds: float, extra: str = "") -> subprocess.Popen:
    """py-spy on the server. ``extra``: more py-spy options, e.g. ``--gil`` (only samples of the
    thread holding the GIL: where the CPU goes) or ``--native`` (C frames too)."""
    fmt = "speedscope" if target.endswith(".json") else "flamegraph"
    return subprocess.Popen([py_spy(), "record", "-p", str(pid), "-o", target, "-f", fmt, "-r", "250",
                             "-d", str(int(seconds) + 1), *extra.split()],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --- wrk ---------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    lua: dict[str, int]
    cpu_s: float = 0.0  # CPU time the server process used during the run (user + system)

    @property
    def cpu_us_per_req(self) -> float:
        """Server CPU time per request: steadier than req/s when other work shares the machine."""
        return 1e6 * self.cpu_s / self.requests if self.requests else 0.0

    def row(self) -> str:
        return (f"{self.name:<28}{self.rps:>9.0f}{self.p50_ms:>9.2f}{self.p99_ms:>9.2f}"
                f"{self.requests:>10}{self.non_2xx + self.socket_errors:>8}{self.cpu_us_per_req:>14.0f}")


HEADER = (f"{'server':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'requests':>10}{'errors':>8}"
          f"{'cpu us/req':>14}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (``/proc/<pid>/stat`` fields 14 and 15)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def run_wrk(name: str, url: str, lua: Path, *, duration: int, connections: int, threads: int = 1,
            pid: int | None = None) -> Result:
    """One wrk run; ``pid``: the server process whose CPU time to record."""
    cmd = ["taskset", "-c", LOADGEN_CPU, "wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s",
           "--latency", "--timeout", "10s", "-s", str(lua), url]
    cpu_before = cpu_seconds(pid) if pid else 0.0
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    cpu = cpu_seconds(pid) - cpu_before if pid else 0.0
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)) else 0
    sock = sum(int(g) for g in m.groups()) if (
        m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)) else 0
    lua = {k: int(v) for k, v in re.findall(r"^LUA (\w+)=(\d+)$", out, re.M)}
    for line in re.findall(r"^LUA-BAD .*$", out, re.M)[:5]:
        print(f"  {name}: {line}")
    return Result(name, rps, p50, p99, requests, non_2xx, sock, lua, cpu)


def median_result(results: list[Result]) -> Result:
    import statistics

    return Result(
        results[0].name,
        statistics.median(r.rps for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.requests for r in results),
        sum(r.non_2xx for r in results),
        sum(r.socket_errors for r in results),
        {k: sum(r.lua.get(k, 0) for r in results) for k in results[0].lua},
        sum(r.cpu_s for r in results),  # with the summed requests: requests per CPU-second overall
    )


def as_dict(result: Result) -> dict[str, Any]:
    return {**asdict(result), "cpu_us_per_req": result.cpu_us_per_req}


# --- remit set-up over HTTP --------------------------------------------------------------


class Setup:
    """Partner token, entities, roles and users through remit's public API."""

    def __init__(self, base: str, client_id: str, client_secret: str):
        self.http = httpx.Client(base_url=base, headers={"x-monite-version": VERSION}, timeout=30)
        self.creds = {"client_id": client_id, "client_secret": client_secret}
        self.partner = {"authorization": f"Bearer {self.token('client_credentials')}"}

    def ok(self, response: httpx.Response) -> Any:
        if response.status_code >= 300:
            sys.exit(f"set-up call {response.request.method} {response.request.url} failed: "
                     f"{response.status_code} {response.text}")
        return response.json() if response.content else None

    def token(self, grant_type: str, **extra: str) -> str:
        body = {**self.creds, "grant_type": grant_type, **extra}
        return self.ok(self.http.post("/auth/token", json=body))["access_token"]

    def entity(self, name: str) -> str:
        return self.ok(self.http.post("/entities", headers=self.partner, json={
            "type": "organization",
            "email": f"{name}@bench.example",
            "address": {"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"},
            "organization": {"legal_name": f"Bench {name} GmbH"},
        }))["id"]

    def user_token(self, entity_id: str, **objects: list[str]) -> str:
        """An entity user whose role allows the given actions (``payable=["read", "submit"]``)."""
        on = {**self.partner, "x-monite-entity-id": entity_id}
        role = self.ok(self.http.post("/roles", headers=on, json={
            "name": f"bench-{uuid.uuid4().hex[:6]}",
            "permissions": {"objects": [
                {"object_type": obj, "actions": [{"action_name": a, "permission": "allowed"} for a in actions]}
                for obj, actions in objects.items()
            ]},
        }))
        user = self.ok(self.http.post("/entity_users", headers=on, json={
            "login": f"bench-{uuid.uuid4().hex[:6]}", "first_name": "Bench", "last_name": "User",
            "role_id": role["id"],
        }))
        return self.token("entity_user", entity_user_id=user["id"])

    def close(self) -> None:
        self.http.close()
