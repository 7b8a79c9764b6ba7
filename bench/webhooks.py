"""Commit-to-delivery latency of webhooks at a steady rate, against a local receiver.

Starts ``remit serve`` (one process, its inline delivery loop on) on a fresh SQLite file or
PostgreSQL database, subscribes a receiver on 127.0.0.1 to every payable event, then moves
payables (submit_for_approval → reject → reopen) at ``--rate`` transitions per second for
``--duration`` seconds, one event each. Latency is the receiver's arrival time minus the event's
``created_at`` (taken inside the transaction, before its commit, so it slightly overstates the
commit-to-delivery time). Reports p50/p95/p99/max and how many committed events never arrived
("lost", after a grace period). Target: p95 ≤ 1 s, zero lost.

    python bench/webhooks.py [--postgres] [--rate 100] [--duration 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from remit.core.db.engine import normalise_url  # noqa: E402
from remit.events.models import Event  # noqa: E402
from remit.migrations import upgrade  # noqa: E402
from tests.fixtures.webhooks import start_receiver  # noqa: E402

NEXT = {"new": "submit_for_approval", "approve_in_progress": "reject", "rejected": "reopen"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database(postgres: str | None, workdir: Path) -> tuple[str, str | None]:
    if not postgres:
        return f"sqlite:///{workdir / 'bench.db'}", None
    name = f"remit_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(postgres), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(normalise_url(postgres)).set(database=name).render_as_string(hide_password=False), name


def drop(postgres: str, name: str) -> None:
    admin = create_engine(normalise_url(postgres), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


async def drive(base: str, client_id: str, secret: str, receiver_url: str, rate: float, duration: float) -> str:
    async with httpx.AsyncClient(base_url=base, headers={"x-monite-version": "2024-05-25"}, timeout=30) as http:
        token = (await http.post("/auth/token", json={"client_id": client_id, "client_secret": secret,
                                                      "grant_type": "client_credentials"})).json()["access_token"]
        auth = {"authorization": f"Bearer {token}"}
        entity = (await http.post("/entities", headers=auth, json={
            "type": "organization", "email": "bench@acme.example",
            "address": {"country": "DE", "city": "Berlin", "line1": "Str. 1", "postal_code": "10117"},
            "organization": {"legal_name": "Bench GmbH"}})).json()
        on = {**auth, "x-monite-entity-id": entity["id"]}
        await http.put("/payables/validations", json={"required_fields": []}, headers=on)
        payables = {}
        for _ in range(64):
            p = (await http.post("/payables", json={"currency": "EUR", "total_amount": 100}, headers=on)).json()
            payables[p["id"]] = "new"
        r = await http.post("/webhook_subscriptions", headers=auth, json={"object_type": "payable", "url": receiver_url})
        assert r.status_code == 201, r.text
        ids, sent, failures = list(payables), 0, 0
        start = time.monotonic()

        async def one(pid: str) -> None:
            nonlocal failures
            response = await http.post(f"/payables/{pid}/{NEXT[payables[pid]]}", headers=on)
            if response.status_code == 200:
                payables[pid] = response.json()["status"]
            else:
                failures += 1

        tasks = []
        while (elapsed := time.monotonic() - start) < duration:
            due = int(elapsed * rate) + 1
            while sent < due:
                pid = ids[sent % len(ids)]
                tasks.append(asyncio.create_task(one(pid)))
                sent += 1
                if sent % len(ids) == 0:  # a payable moves again only after its last move answered
                    await asyncio.gather(*tasks)
                    tasks.clear()
            await asyncio.sleep(0.002)
        await asyncio.gather(*tasks)
        print(f"sent {sent} transitions in {time.monotonic() - start:.1f} s, {failures} failed")
        return entity["id"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", nargs="?", const="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--grace", type=float, default=10)
    parser.add_argument("--json")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="remit-bench-webhooks-"))
    url, pg_name = database(args.postgres, workdir)
    upgrade(url)
    receiver = start_receiver()
    port, client_id, secret = free_port(), str(uuid.uuid4()), uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    env.update(REMIT_DATABASE_URL=url, REMIT_CLIENT_ID=client_id, REMIT_CLIENT_SECRET=secret,
               REMIT_SECRET_KEY="bench-webhooks-key-0123456789abcdef", REMIT_RATE_LIMIT="off",
               REMIT_WEBHOOK_ALLOW_PRIVATE_URLS="true", REMIT_LOG_LEVEL="warning")
    log = (workdir / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "remit.cli.main", "serve", "--port", str(port), "--no-access-log"],
                              env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/docs", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        entity_id = asyncio.run(drive(base, client_id, secret, receiver.url("/bench"), args.rate, args.duration))
        engine = create_engine(normalise_url(url))
        with engine.connect() as c:
            committed = dict(c.execute(select(Event.id, Event.created_at).where(
                Event.entity_id == uuid.UUID(entity_id), Event.object_type == "payable",
                Event.action != "payable.created")).all())
        engine.dispose()
        deadline = time.monotonic() + args.grace
        while time.monotonic() < deadline:
            arrived = {uuid.UUID(r.json["id"]): r.at for r in receiver.on("/bench")}
            if set(committed) <= set(arrived):
                break
            time.sleep(0.1)
        arrived = {}
        for r in receiver.on("/bench"):
            arrived.setdefault(uuid.UUID(r.json["id"]), r.at)
        latencies = sorted(arrived[e] - committed[e].timestamp() for e in committed if e in arrived)
        lost = len(set(committed) - set(arrived))
        q = statistics.quantiles(latencies, n=100)
        figures = {
            "database": "postgresql" if pg_name else "sqlite", "rate": args.rate, "events": len(committed),
            "p50_ms": round(q[49] * 1000, 1), "p95_ms": round(q[94] * 1000, 1), "p99_ms": round(q[98] * 1000, 1),
            "max_ms": round(latencies[-1] * 1000, 1), "lost": lost,
            "duplicates": len(receiver.on("/bench")) - len(arrived),
        }
        print(json.dumps(figures))
        print("target p95 <= 1000 ms, 0 lost:", "met" if figures["p95_ms"] <= 1000 and lost == 0 else "NOT met")
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=1))
    finally:
        server.terminate()
        server.wait(timeout=20)
        receiver.server.shutdown()
        if pg_name:
            drop(args.postgres, pg_name)


if __name__ == "__main__":
    main()
