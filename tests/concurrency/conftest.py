"""A real ``remit serve --workers 2`` on its own database, and the tools to race it.

These tests need committed transactions and two processes contending for the same rows, so
they use neither the ASGI client nor the rollback fixtures of ``tests/api``:

* ``server`` (once per session) creates a fresh migrated database with the shared
  ``databases`` fixture — SQLite by default, PostgreSQL when ``REMIT_TEST_DATABASE_URL`` is
  set — and starts ``python -m remit.cli.main serve --workers 2`` on a free port with a
  bootstrap partner credential (``REMIT_CLIENT_ID`` / ``REMIT_CLIENT_SECRET``);
* ``remit`` (once per session) logs in as that partner through HTTP, creates two entities —
  one whose validation rules are ``[]`` so ``POST /payables`` lands in ``new``, one with the
  default rules so it lands in ``draft`` — and builds payables in any status by walking the
  lifecycle over HTTP;
* ``Remit.race`` first (re)opens 16 keep-alive connections in one client pool (a burst of 16
  concurrent ``GET /v1/docs``, which touch no database, so no TCP handshake is left in the
  race; uvicorn hands the connections to both workers), builds the 16 requests, lets all 16
  tasks block on one ``asyncio.Event`` and releases them together (``asyncio.gather``);
* ``Remit.counts`` reads ``payable_history`` and ``events`` straight from the database.

The server's log is checked after every race for tracebacks, "unhandled error" and
"database is locked".
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, create_engine, func, select

from remit.core.db.engine import normalise_url
from remit.events.models import Event
from remit.payables.models import PayableHistory

VERSION = "2024-05-25"
CLIENTS = 16
WORKERS = 2
LOG_ALARMS = ("Traceback", "unhandled error", "database is locked", "OperationalError")


# -- the server -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def cpu_ticks(pid: int) -> int:
    """utime + stime of a process, in clock ticks (``/proc/<pid>/stat`` fields 14 and 15)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])


@dataclass
class Server:
    proc: subprocess.Popen
    base_url: str
    database_url: str
    log: Path
    client_id: str
    client_secret: str
    _log_offset: int = 0

    def worker_pids(self) -> list[int]:
        """uvicorn's worker processes (spawned children), not multiprocessing's helpers."""
        return [pid for pid in _children(self.proc.pid) if "spawn_main" in _cmdline(pid)]

    def new_log_alarms(self) -> list[str]:
        """Lines of the server log written since the last call that point at a server-side failure."""
        data = self.log.read_bytes()
        fresh, self._log_offset = data[self._log_offset :], len(data)
        return [line for line in fresh.decode(errors="replace").splitlines() if any(a in line for a in LOG_ALARMS)]


def _wait_ready(proc: subprocess.Popen, base_url: str, log: Path, timeout: float = 60.0) -> None:
    """Until every worker has logged its startup and the socket answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"remit serve exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        if log.read_text(errors="replace").count("Application startup complete") >= WORKERS:
            try:
                httpx.get(f"{base_url}/docs", timeout=2.0)  # cheap: no OpenAPI generation
                return
            except httpx.HTTPError:
                pass
        time.sleep(0.1)
    raise RuntimeError(f"remit serve did not answer within {timeout:.0f} s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def server(databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database_url = databases.new_url()  # migrated; `remit serve` runs the (no-op) upgrade again
    port = _free_port()
    workdir = tmp_path_factory.mktemp("remit-serve")
    log = workdir / "server.log"
    client_id, client_secret = str(uuid.uuid4()), uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    env.update(
        REMIT_DATABASE_URL=database_url,
        REMIT_CLIENT_ID=client_id,
        REMIT_CLIENT_SECRET=client_secret,
        REMIT_SECRET_KEY="concurrency-test-signing-key-0123456789",
        REMIT_RATE_LIMIT="off",
        REMIT_LOG_LEVEL="info",  # startup lines tell when both workers are up; no access log
    )
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "remit.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(WORKERS), "--no-access-log"],
            cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_ready(proc, base_url, log)
        yield Server(proc, base_url, database_url, log, client_id, client_secret)
    finally:
        proc.terminate()  # uvicorn's supervisor stops its workers on SIGTERM
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- the client side ------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int
    body: Any
    text: str


@dataclass
class Remit:
    """The partner's view of the server, plus direct row counts."""

    server: Server
    http: httpx.AsyncClient
    racers: httpx.AsyncClient  # up to CLIENTS connections, one per concurrent request
    engine: Engine
    headers: dict[str, str] = field(default_factory=dict)        # entity with rules [] → new
    draft_headers: dict[str, str] = field(default_factory=dict)  # entity with default rules → draft

    async def ok(self, method: str, path: str, *, headers: dict[str, str] | None = None, **kwargs: Any) -> Any:
        response = await self.http.request(method, path, headers=headers or self.headers, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    # Payables in a given status, reached through the API.
    PATHS = {
        "new": [],
        "canceled": [("cancel", None)],
        "approve_in_progress": [("submit_for_approval", None)],
        "rejected": [("submit_for_approval", None), ("reject", None)],
        "waiting_to_be_paid": [("approve_payment_operation", None)],
        "partially_paid": [("approve_payment_operation", None), ("mark_as_partially_paid", {"amount_paid": 500})],
    }

    async def payable_in(self, status: str, *, total_amount: int = 100_000) -> dict[str, Any]:
        body = {"currency": "EUR", "total_amount": total_amount, "document_id": f"RACE-{uuid.uuid4().hex[:8]}"}
        if status == "draft":
            payable = await self.ok("POST", "/payables", json=body, headers=self.draft_headers)
            assert payable["status"] == "draft", payable
            return payable
        payable = await self.ok("POST", "/payables", json=body)
        assert payable["status"] == "new", payable
        for action, payload in self.PATHS[status]:
            payable = await self.ok("POST", f"/payables/{payable['id']}/{action}", json=payload)
        assert payable["status"] == status, payable
        return payable

    def headers_for(self, payable: dict[str, Any]) -> dict[str, str]:
        return self.draft_headers if payable["status"] == "draft" else self.headers

    def counts(self, payable_id: str) -> tuple[int, int]:
        """(history rows, event rows) of one payable, read from the database."""
        pid = uuid.UUID(payable_id)
        with self.engine.connect() as conn:
            history = conn.scalar(select(func.count()).select_from(PayableHistory).where(PayableHistory.payable_id == pid))
            events = conn.scalar(select(func.count()).select_from(Event).where(Event.object_id == pid))
        return history, events

    def history(self, payable_id: str) -> list[dict[str, Any]]:
        pid = uuid.UUID(payable_id)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(PayableHistory.event_type, PayableHistory.event_data, PayableHistory.timestamp)
                .where(PayableHistory.payable_id == pid)
                .order_by(PayableHistory.timestamp, PayableHistory.id)
            ).all()
        return [{"event_type": r[0], "event_data": r[1], "timestamp": r[2]} for r in rows]

    def event_actions(self, payable_id: str) -> list[str]:
        pid = uuid.UUID(payable_id)
        with self.engine.connect() as conn:
            return list(conn.scalars(select(Event.action).where(Event.object_id == pid).order_by(Event.created_at)))

    async def race(self, requests: list[tuple[str, str, Any]], *, headers: dict[str, str]) -> list[Outcome]:
        """Send ``(method, path, json)`` requests all at once, each on its own warmed-up connection."""
        assert len(requests) <= CLIENTS
        # (Re)open one keep-alive connection per request before the start line: a burst of cheap
        # requests that need no database, so the race itself has no TCP handshake in it.
        warm = await asyncio.gather(*(self.racers.get("/docs") for _ in requests))
        assert all(r.status_code == 200 for r in warm)
        start = asyncio.Event()
        ready = 0

        async def one(method: str, path: str, body: Any) -> Outcome:
            nonlocal ready
            request = self.racers.build_request(method, path, json=body, headers=headers)
            ready += 1
            if ready == len(requests):
                start.set()
            await start.wait()
            response = await self.racers.send(request)
            try:
                parsed = response.json() if response.content else None
            except ValueError:
                parsed = None
            return Outcome(response.status_code, parsed, response.text)

        return list(await asyncio.gather(*(one(*r) for r in requests)))


@pytest.fixture(scope="session")
async def remit(server: Server) -> AsyncIterator[Remit]:
    engine = create_engine(normalise_url(server.database_url), pool_size=2)
    async with (
        httpx.AsyncClient(base_url=server.base_url, headers={"x-monite-version": VERSION}, timeout=30) as http,
        httpx.AsyncClient(
            base_url=server.base_url, headers={"x-monite-version": VERSION}, timeout=60,
            limits=httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS),
        ) as racers,
    ):
        token = (await http.post("/auth/token", json={
            "client_id": server.client_id, "client_secret": server.client_secret, "grant_type": "client_credentials",
        })).json()["access_token"]
        auth = {"authorization": f"Bearer {token}"}
        remit = Remit(server, http, racers, engine)

        async def entity(email: str) -> str:
            response = await http.post("/entities", headers=auth, json={
                "type": "organization",
                "email": email,
                "address": {"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"},
                "organization": {"legal_name": "Race GmbH"},
            })
            assert response.status_code == 201, response.text
            return response.json()["id"]

        remit.headers = {**auth, "x-monite-entity-id": await entity("race@acme.example")}
        remit.draft_headers = {**auth, "x-monite-entity-id": await entity("drafts@acme.example")}
        rules = await remit.ok("PUT", "/payables/validations", json={"required_fields": []})
        assert rules == {"required_fields": []}
        yield remit
    engine.dispose()
