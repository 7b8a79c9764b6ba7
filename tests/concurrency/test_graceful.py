"""Graceful shutdown and restarts of a real ``remit serve --workers 2``
(docs/operations.md, "Restarts and shutdown").

* SIGTERM under load: 8 clients move payables (submit → reject → reopen …) as fast as the server
  answers; SIGTERM reaches the supervisor mid-load. No response is a 5xx, the process exits 0
  within its bound, and every change the server acknowledged is in the database — and nothing
  more: each payable's events past its creation are exactly its 200s.
* A worker killed with SIGKILL is replaced by uvicorn's supervisor, and the server stays ready.
* The metrics of both worker processes are added up in one scrape (multiprocess mode), and a dead
  worker's counts are kept.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections import Counter

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from remit.core.db.engine import normalise_url
from remit.events.models import Event
from tests.api.test_operations import sample
from tests.concurrency.processes import VERSION, RemitProcess, login, new_entity, remit_env

pytestmark = pytest.mark.db

NEXT = {"new": "submit_for_approval", "approve_in_progress": "reject", "rejected": "reopen"}
CLIENTS = 8
PAYABLES_PER_CLIENT = 3
LOAD_SECONDS = 1.5


@pytest.fixture
def serving(databases, tmp_path):
    started: list[RemitProcess] = []

    def start(**settings: str) -> RemitProcess:
        env = remit_env(databases.new_url(), REMIT_SHUTDOWN_TIMEOUT_SECONDS="15",
                        REMIT_WORKER_STOP_TIMEOUT_SECONDS="5", **settings)
        server = RemitProcess.serve(env, tmp_path / f"serve-{len(started)}.log", workers=2).start()
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.stop()


async def test_sigterm_under_load_answers_every_request_and_loses_no_change(serving):
    server = serving()
    engine = create_engine(normalise_url(server.env["REMIT_DATABASE_URL"]))
    limits = httpx.Limits(max_connections=CLIENTS + 2, max_keepalive_connections=CLIENTS + 2)
    async with httpx.AsyncClient(base_url=server.base_url, headers={"x-monite-version": VERSION}, timeout=30,
                                 limits=limits) as http:
        on = await new_entity(http, await login(http, server.env))
        owned: list[list[str]] = []
        for _ in range(CLIENTS):
            ids = []
            for _ in range(PAYABLES_PER_CLIENT):
                response = await http.post("/payables", json={"currency": "EUR", "total_amount": 100}, headers=on)
                assert response.status_code == 200 and response.json()["status"] == "new", response.text
                ids.append(response.json()["id"])
            owned.append(ids)
        with engine.connect() as connection:
            baseline = dict(connection.execute(
                select(Event.object_id, func.count()).where(Event.object_type == "payable").group_by(Event.object_id)
            ).all())

        statuses: Counter[int] = Counter()
        acknowledged: Counter[str] = Counter()
        refused: Counter[str] = Counter()  # transport errors: how each client learnt the server had gone

        async def client(ids: list[str]) -> None:
            state = dict.fromkeys(ids, "new")
            turn = 0
            while True:
                pid = ids[turn % len(ids)]
                turn += 1
                try:
                    response = await http.post(f"/payables/{pid}/{NEXT[state[pid]]}", headers=on)
                except httpx.TransportError as exc:
                    refused[type(exc).__name__] += 1
                    return  # the server is going or gone
                statuses[response.status_code] += 1
                if response.status_code == 200:
                    acknowledged[pid] += 1
                    state[pid] = response.json()["status"]
                else:
                    return  # not expected: the assertions below say what came back

        load = [asyncio.create_task(client(ids)) for ids in owned]
        await asyncio.sleep(LOAD_SECONDS)
        assert sum(statuses.values()) > 20, (statuses, server.tail())  # the load is under way
        sent_at = time.monotonic()
        server.terminate()
        done, pending = await asyncio.wait(load, timeout=30)
        assert not pending, "clients still running 30 s after SIGTERM"
        code = await asyncio.to_thread(server.proc.wait, 30)
        stopped_in = time.monotonic() - sent_at

    assert code == 0, server.tail()
    assert stopped_in < 25, stopped_in
    assert set(statuses) == {200}, (statuses, server.tail())
    assert sum(refused.values()) == CLIENTS, refused  # every client ran until the server went away
    with engine.connect() as connection:
        after = dict(connection.execute(
            select(Event.object_id, func.count()).where(Event.object_type == "payable").group_by(Event.object_id)
        ).all())
    engine.dispose()
    changes = {str(pid): after[pid] - baseline[pid] for pid in after if after[pid] != baseline[pid]}
    assert changes == dict(acknowledged), (changes, acknowledged)
    assert server.alarms() == []
    log = server.log.read_text()
    assert "Shutting down" in log and "background jobs stopped" in log


async def test_a_killed_worker_is_replaced_and_metrics_add_up(serving):
    server = serving()
    first = server.worker_pids()
    assert len(first) == 2, first
    unauthenticated = 24
    async with httpx.AsyncClient(base_url=server.root, headers={"x-monite-version": VERSION}, timeout=10,
                                 limits=httpx.Limits(max_connections=unauthenticated)) as http:
        # Concurrent connections, so both workers take some of them.
        responses = await asyncio.gather(*(http.get("/v1/payables") for _ in range(unauthenticated)))
        assert {r.status_code for r in responses} == {401}
        scrape = (await http.get("/metrics")).text
        count = "remit_http_request_duration_seconds_count"
        assert sample(scrape, count, method="GET", route="/v1/payables", status="401") == unauthenticated

        os.kill(first[0], signal.SIGKILL)
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline:
            now = server.worker_pids()
            if len(now) == 2 and first[0] not in now:
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError(f"no new worker: {server.worker_pids()}\n{server.tail()}")
        server.wait_ready()
        for _ in range(4):  # whichever worker answers
            assert (await http.get("/readyz")).status_code == 200
        scrape = (await http.get("/metrics")).text
        assert sample(scrape, count, method="GET", route="/v1/payables", status="401") == unauthenticated
        assert sample(scrape, "remit_db_connections_in_use") >= 0
    assert server.proc.poll() is None


def test_remit_check_reports_in_plain_words(databases, tmp_path):
    import subprocess
    import sys

    env = remit_env(databases.new_url(), REMIT_SECRET_KEY="short")
    result = subprocess.run([sys.executable, "-m", "remit.cli.main", "check"], env=env, capture_output=True,
                            text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "REMIT_SECRET_KEY is 5 characters" in result.stdout
    assert "the database answers" in result.stdout
    assert "the schema is at this remit's latest migration" in result.stdout

    env = remit_env(databases.new_url(), REMIT_ALLOW_INSECURE_WEBHOOK_URLS="false")
    result = subprocess.run([sys.executable, "-m", "remit.cli.main", "check"], env=env, capture_output=True,
                            text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no problem found" in result.stdout

    env = remit_env(f"sqlite:///{tmp_path / 'empty.db'}")
    result = subprocess.run([sys.executable, "-m", "remit.cli.main", "check"], env=env, capture_output=True,
                            text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 1
    assert "run `remit migrate`" in result.stdout
    assert uuid.UUID(env["REMIT_CLIENT_ID"])  # (the environment is a real one)
