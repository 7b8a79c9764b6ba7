"""Scale-out proven (PostgreSQL only; docs/operations.md, "Scaling out"): two ``remit serve``
processes on their own ports and one ``remit worker``, on one PostgreSQL database, with one Redis
as the shared rate-limit store — the production layout of docs/operations.md in miniature.

Every process runs the background jobs and the webhook delivery loop (the servers inline, the
worker on its own), plus a recording test job (``worker_launcher``). Requests of one race are split
between the two servers, released together. The test shows:

* a token issued by one server is accepted by the other, and the rate limit counts across both;
* a payable race (approve against cancel) and a receivable race (16 × mark_as_paid) still have
  exactly one winner, whose change alone is written;
* invoices issued at once through both servers are numbered without a gap or a duplicate;
* every webhook event reaches each of two subscriptions exactly once, whichever of the three
  delivery loops sent it;
* the recording job never runs in two processes at once.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from remit.core.db.engine import normalise_url
from remit.events.models import Event
from remit.webhooks.models import WebhookDelivery, WebhookDeliveryAttempt
from tests.concurrency.conftest import _free_port
from tests.concurrency.processes import VERSION, RemitProcess, login, new_entity, remit_env
from tests.concurrency.test_worker import assert_no_overlap, recorded
from tests.concurrency.worker_launcher import metadata
from tests.fixtures.database import backend
from tests.fixtures.receivables import Billing, billing_on
from tests.fixtures.webhooks import Receiver, start_receiver

pytestmark = [
    pytest.mark.db,
    pytest.mark.skipif(backend() != "postgresql", reason="scale-out is proven on PostgreSQL (set REMIT_TEST_DATABASE_URL)"),
]

RACERS = 16
LAUNCHER = [sys.executable, "-m", "tests.concurrency.worker_launcher"]
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Cluster:
    servers: list[RemitProcess]
    worker: RemitProcess
    env: dict[str, str]
    database_url: str
    receiver: Receiver
    run: str
    redis: bool


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory) -> Iterator[str | None]:
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def cluster(databases, redis_url, tmp_path_factory) -> Iterator[Cluster]:
    database_url = databases.new_url()
    engine = create_engine(normalise_url(database_url))
    metadata.create_all(engine)  # the recording job's table
    engine.dispose()
    workdir = tmp_path_factory.mktemp("scale-out")
    run = uuid.uuid4().hex
    shared = {
        "REMIT_WEBHOOK_ALLOW_PRIVATE_URLS": "true", "REMIT_WEBHOOK_POLL_SECONDS": "1",
        # A refused attempt on a loaded machine is retried within seconds, not a minute: the test
        # proves that nothing is lost or doubled, within its wait.
        "REMIT_WEBHOOK_RETRY_DELAYS": "[1, 2, 5, 10]",
        "REMIT_DB_POOL_SIZE": "8", "TEST_WORKER_RUN": run, "TEST_JOB_INTERVAL": "0.05", "TEST_JOB_SLEEP": "0.05",
    }
    if redis_url is not None:
        shared.update(REMIT_RATE_LIMIT="100000/minute", REMIT_RATE_LIMIT_STORAGE=redis_url)
    env = remit_env(database_url, **shared)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))  # the launcher is in tests/
    receiver = start_receiver()
    servers = []
    for name in ("a", "b"):
        server = RemitProcess.serve(env, workdir / f"serve-{name}.log")
        server.command = [*LAUNCHER, *server.command[3:]]  # `serve --host … --port …` with the test job
        servers.append(server)
    worker = RemitProcess([*LAUNCHER, "worker"], env, workdir / "worker.log")
    try:
        servers[0].start().wait_ready()  # the first migrates (a no-op here) and bootstraps; then the others
        servers[1].start()
        worker.start()
        servers[1].wait_ready()
        yield Cluster(servers, worker, env, database_url, receiver, run, redis_url is not None)
    finally:
        for process in (*servers, worker):
            process.stop()
        receiver.server.shutdown()
        receiver.server.server_close()
    for process in (*servers, worker):
        # uvicorn with one process re-raises the SIGTERM it handled once it has shut down cleanly.
        assert process.proc is not None and process.proc.returncode in (0, -15), process.tail()
        assert process.alarms() == [], process.tail()


@dataclass
class Clients:
    a: httpx.AsyncClient
    b: httpx.AsyncClient
    auth: dict[str, str]

    @property
    def both(self) -> tuple[httpx.AsyncClient, httpx.AsyncClient]:
        return self.a, self.b

    async def race(self, requests: list[tuple[str, str, Any]], headers: dict[str, str]) -> list[tuple[int, Any]]:
        """Send the requests all at once, alternately through server A and server B, each on a warm connection."""
        half = (len(requests) + 1) // 2
        for client in self.both:
            warm = await asyncio.gather(*(client.get("/healthz") for _ in range(half)))
            assert all(r.status_code == 200 for r in warm)
        start = asyncio.Event()
        ready = 0

        async def one(i: int, method: str, path: str, body: Any) -> tuple[int, Any]:
            nonlocal ready
            client = self.both[i % 2]
            request = client.build_request(method, "/v1" + path, json=body, headers=headers)
            ready += 1
            if ready == len(requests):
                start.set()
            await start.wait()
            response = await client.send(request)
            return response.status_code, response.json() if response.content else None

        return list(await asyncio.gather(*(one(i, *r) for i, r in enumerate(requests))))


@pytest.fixture
async def clients(cluster: Cluster) -> AsyncIterator[Clients]:
    limits = httpx.Limits(max_connections=RACERS, max_keepalive_connections=RACERS)
    a_server, b_server = cluster.servers
    async with (
        httpx.AsyncClient(base_url=a_server.root, headers={"x-monite-version": VERSION}, timeout=30, limits=limits) as a,
        httpx.AsyncClient(base_url=b_server.root, headers={"x-monite-version": VERSION}, timeout=30, limits=limits) as b,
    ):
        api_a = httpx.AsyncClient(base_url=a_server.base_url, headers={"x-monite-version": VERSION}, timeout=30)
        async with api_a:
            auth = await login(api_a, cluster.env)
        yield Clients(a, b, auth)


def deliveries_of(cluster: Cluster, missing: dict[str, set[str]]) -> list[Any]:
    """What the database says of the deliveries of these events, with their attempts (for a failure's message)."""
    ids = [uuid.UUID(e) for events in missing.values() for e in events]
    D, A = WebhookDelivery, WebhookDeliveryAttempt
    engine = create_engine(normalise_url(cluster.database_url))
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(
                select(D.event_id, D.url, D.was_successful, D.requests_made_count, D.next_attempt_at, D.claimed_by,
                       D.claimed_until, A.number, A.started_at, A.duration_ms, A.response_status_code, A.error)
                .outerjoin(A, A.delivery_id == D.id).where(D.event_id.in_(ids)).order_by(D.event_id, A.number))]
    finally:
        engine.dispose()


def events_of(cluster: Cluster, object_id: str) -> Counter[str]:
    engine = create_engine(normalise_url(cluster.database_url))
    try:
        with engine.connect() as connection:
            return Counter(connection.scalars(select(Event.action).where(Event.object_id == uuid.UUID(object_id))))
    finally:
        engine.dispose()


async def test_a_token_of_one_server_is_accepted_by_the_other(cluster: Cluster, clients: Clients) -> None:
    a_only = httpx.AsyncClient(base_url=cluster.servers[0].base_url, headers={"x-monite-version": VERSION})
    async with a_only:
        token = await login(a_only, cluster.env)
    response = await clients.b.get("/v1/entities", headers=token)
    assert response.status_code == 200, response.text


async def test_the_rate_limit_counts_across_both_servers(cluster: Cluster, clients: Clients) -> None:
    if not cluster.redis:
        pytest.skip("no redis-server on this machine")
    api = httpx.AsyncClient(base_url=cluster.servers[0].base_url, headers={"x-monite-version": VERSION})
    async with api:
        token = await login(api, cluster.env)  # a token of its own: its count starts here
    remaining = []
    for client in (clients.a, clients.b, clients.a, clients.b):
        response = await client.get("/v1/entities", headers=token)
        assert response.status_code == 200, response.text
        remaining.append(int(response.headers["ratelimit-remaining"]))
    first = remaining[0]
    assert remaining == [first, first - 1, first - 2, first - 3]


async def test_a_payable_race_split_across_servers_has_one_winner(cluster: Cluster, clients: Clients) -> None:
    api = httpx.AsyncClient(base_url=cluster.servers[0].base_url, headers={"x-monite-version": VERSION}, timeout=30)
    async with api:
        on = await new_entity(api, clients.auth)
        for _ in range(3):
            created = await api.post("/payables", json={"currency": "EUR", "total_amount": 500}, headers=on)
            payable = created.json()
            assert payable["status"] == "new", created.text
            pid = payable["id"]
            sent = [("POST", f"/payables/{pid}/{'approve_payment_operation' if i % 4 < 2 else 'cancel'}", None)
                    for i in range(RACERS)]
            outcomes = await clients.race(sent, on)
            statuses = Counter(status for status, _ in outcomes)
            assert statuses == {200: 1, 409: RACERS - 1}, outcomes
            [winner] = [body for status, body in outcomes if status == 200]
            final = (await api.get(f"/payables/{pid}", headers=on)).json()
            assert final["status"] == winner["status"] in ("waiting_to_be_paid", "canceled")
            changes = events_of(cluster, pid)
            assert sum(changes.values()) == 2, changes  # created, and the winner's


async def test_a_receivable_race_split_across_servers_has_one_winner(cluster: Cluster, clients: Clients) -> None:
    bill = await _billing(cluster, clients)
    try:
        for _ in range(3):
            invoice = await bill.issued()
            rid = invoice["id"]
            sent = [("POST", f"/receivables/{rid}/mark_as_paid", {"comment": f"race {i}"}) for i in range(RACERS)]
            outcomes = await clients.race(sent, bill.on)
            assert Counter(status for status, _ in outcomes) == {200: 1, 409: RACERS - 1}, outcomes
            assert events_of(cluster, rid) == {"receivable.created": 1, "receivable.issued": 1, "receivable.paid": 1}
    finally:
        await bill.client.aclose()


async def test_invoices_issued_through_both_servers_are_numbered_without_gaps(cluster: Cluster, clients: Clients) -> None:
    bill = await _billing(cluster, clients)
    drafts = 40
    try:
        ids = [(await bill.create(bill.invoice()))["id"] for _ in range(drafts)]
    finally:
        await bill.client.aclose()
    outcomes = await clients.race([("POST", f"/receivables/{rid}/issue", None) for rid in ids[:RACERS]], bill.on)
    rest = ids[RACERS:]

    async def issue(i: int, rid: str) -> tuple[int, Any]:
        response = await clients.both[i % 2].post(f"/v1/receivables/{rid}/issue", headers=bill.on)
        return response.status_code, response.json()

    outcomes += await asyncio.gather(*(issue(i, rid) for i, rid in enumerate(rest)))
    assert Counter(status for status, _ in outcomes) == {200: drafts}
    assert sorted(body["document_id"] for _, body in outcomes) == [f"INV-{n:05d}" for n in range(1, drafts + 1)]


async def test_every_webhook_reaches_each_subscription_once(cluster: Cluster, clients: Clients) -> None:
    receiver = cluster.receiver
    paths = ("/scale-one", "/scale-two")
    for path in paths:
        response = await clients.a.post("/v1/webhook_subscriptions", headers=clients.auth,
                                        json={"object_type": "payable", "url": receiver.url(path)})
        assert response.status_code == 201, response.text
    api = httpx.AsyncClient(base_url=cluster.servers[1].base_url, headers={"x-monite-version": VERSION}, timeout=30)
    async with api:
        on = await new_entity(api, clients.auth)

        async def lifecycle(i: int) -> list[str]:
            client = clients.both[i % 2]
            created = await client.post("/v1/payables", json={"currency": "EUR", "total_amount": 100}, headers=on)
            pid = created.json()["id"]
            for action in ("submit_for_approval", "reject", "reopen", "cancel"):
                response = await clients.both[(i + 1) % 2].post(f"/v1/payables/{pid}/{action}", headers=on)
                assert response.status_code == 200, response.text
            return [pid]

        payables = [pid for batch in await asyncio.gather(*(lifecycle(i) for i in range(12))) for pid in batch]

    engine = create_engine(normalise_url(cluster.database_url))
    with engine.connect() as connection:
        expected = {str(e) for e in connection.scalars(
            select(Event.id).where(Event.object_id.in_([uuid.UUID(p) for p in payables])))}
        per_payable = connection.scalar(select(func.count()).select_from(Event).where(
            Event.object_id.in_([uuid.UUID(p) for p in payables])))
    engine.dispose()
    assert per_payable == len(expected) == 12 * 5

    def delivered(path: str) -> Counter[str]:
        return Counter(r.json["id"] for r in receiver.on(path))

    try:
        receiver.wait_for(lambda: all(set(delivered(path)) >= expected for path in paths), timeout=60)
    except AssertionError:
        missing = {path: expected - set(delivered(path)) for path in paths}
        raise AssertionError(f"not delivered: {missing}; their deliveries: {deliveries_of(cluster, missing)}") from None
    await asyncio.sleep(1.5)  # a duplicate would come from another loop's retry or lease: give it time to show
    for path in paths:
        got = delivered(path)
        assert set(got) == expected
        assert max(got.values()) == 1, [e for e, n in got.items() if n > 1]


async def test_the_scheduled_job_never_ran_in_two_processes_at_once(cluster: Cluster) -> None:
    deadline = time.monotonic() + 20
    while True:
        rows = recorded(cluster.database_url, cluster.run)
        holders = {row[0] for row in rows}
        if len(holders) >= 2 and sum(row[2] is not None for row in rows) >= 10 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    assert sum(row[2] is not None for row in rows) >= 10, rows
    assert_no_overlap(rows)


async def _billing(cluster: Cluster, clients: Clients) -> Billing:
    """A billing entity set up through server A (its client stays open: the caller closes it)."""
    api = httpx.AsyncClient(base_url=cluster.servers[0].base_url, headers={"x-monite-version": VERSION}, timeout=30)

    @dataclass
    class Partner:
        client: httpx.AsyncClient
        auth: dict[str, str]

        def on(self, entity_id: Any) -> dict[str, str]:
            return {**self.auth, "x-monite-entity-id": str(entity_id)}

    partner = Partner(api, clients.auth)
    response = await api.post("/entities", headers=clients.auth, json={
        "type": "organization", "email": f"bill-{uuid.uuid4().hex[:6]}@scale.example",
        "address": {"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"},
        "organization": {"legal_name": "Scale GmbH"},
    })
    assert response.status_code == 201, response.text
    return await billing_on(partner, response.json()["id"])
