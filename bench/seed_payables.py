#!/usr/bin/env python
"""Seed a remit database with many payables, fast, for bench/payables_list.py.

    python bench/seed_payables.py --database-url sqlite:///big.db [--payables 1000000] [--small 10000] \\
        [--client-id UUID --client-secret S] [--out seed.json]

1. migrates the database (``remit.migrations.upgrade``);
2. makes sure a partner credential exists (``remit.auth.service.ensure_credential``; the same
   call ``remit serve`` makes for REMIT_CLIENT_ID / REMIT_CLIENT_SECRET, so a server started with
   those variables accepts it);
3. creates two entities of that partner through remit's own HTTP API, served in-process
   (``httpx.ASGITransport`` on ``create_app``): "big" and "small";
4. bulk-inserts ``--payables`` rows for "big" and ``--small`` rows for "small" straight into the
   migrated ``payables`` table — SQLite: one ``executemany`` per 50,000 rows in one transaction,
   values converted by the column types' own bind processors so they are stored exactly as
   remit stores them; PostgreSQL: ``COPY … FROM STDIN`` (psycopg 3);
5. ``ANALYZE``; writes a JSON summary (credential, entity ids, rows per status) to ``--out``.

Rows cycle through the eight statuses (1/8 each) with increasing ``created_at`` over the past
year, a document number, amounts, dates and OCR-style ``counterpart_raw_data``, so a list page
carries realistic bodies.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from remit.app import create_app
from remit.auth import service as auth_service
from remit.config import Settings
from remit.core.db import Database
from remit.migrations import upgrade
from remit.payables.lifecycle import PayableStateEnum
from remit.payables.models import Payable

VERSION = "2024-05-25"
STATUSES = [s.value for s in PayableStateEnum]
BATCH = 50_000
SUPPLIERS = ["Lindqvist AB", "Acme Office Supplies GmbH", "Northwind Traders", "Contoso Ltd", "Fabrikam SARL",
             "Globex Corporation", "Initech BV", "Umbrella Logistics", "Stark Components", "Wayne Paper Co"]


def rows(entity_id: uuid.UUID, count: int, *, seed: int) -> Iterator[dict[str, Any]]:
    """``count`` payable rows, oldest first, spread over the year before now."""
    rnd = random.Random(seed)
    end = datetime.now(UTC) - timedelta(minutes=5)
    step = timedelta(days=365) / max(count, 1)
    start = end - step * count
    for i in range(count):
        created = start + step * i + timedelta(microseconds=rnd.randrange(1000))
        status = STATUSES[i % len(STATUSES)]
        subtotal = rnd.randrange(1_000, 5_000_000)
        tax_amount = subtotal * 19 // 100
        total = subtotal + tax_amount
        issued = created.date() - timedelta(days=rnd.randrange(0, 10))
        paid = {"paid": total, "partially_paid": total // 3}.get(status, 0)
        supplier = SUPPLIERS[i % len(SUPPLIERS)]
        yield {
            "id": uuid.uuid4(),
            "entity_id": entity_id,
            "status": status,
            "payable_origin": "upload",
            "source_of_payable_data": "user_specified",
            "document_id": f"INV-{i:07d}",
            "description": f"Invoice {i} from {supplier}",
            "currency": "EUR",
            "total_amount": total,
            "subtotal": subtotal,
            "tax": 1900,
            "tax_amount": tax_amount,
            "amount_paid": paid,
            "issued_at": issued,
            "due_date": issued + timedelta(days=30),
            "due_date_derived": False,
            "suggested_payment_term_derived": False,
            "counterpart_raw_data": {"name": supplier, "email": "billing@supplier.example",
                                     "address": {"country": "DE", "city": "Berlin"}},
            "paid_at": created + timedelta(days=20) if status == "paid" else None,
            "created_at": created,
            "updated_at": created,
        }


COLUMNS = list(next(rows(uuid.UUID(int=0), 1, seed=0)).keys())


def insert_sqlite(db: Database, entity_id: uuid.UUID, count: int, seed: int) -> None:
    dialect = db.engine.dialect
    table = Payable.__table__
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in COLUMNS]
    sql = f"INSERT INTO payables ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"

    def converted(batch: list[dict[str, Any]]) -> Iterator[tuple]:
        for row in batch:
            yield tuple(p(row[c]) if p is not None and row[c] is not None else row[c]
                        for p, c in zip(processors, COLUMNS, strict=True))

    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("BEGIN")
        batch: list[dict[str, Any]] = []
        for row in rows(entity_id, count, seed=seed):
            batch.append(row)
            if len(batch) == BATCH:
                cursor.executemany(sql, converted(batch))
                batch.clear()
        if batch:
            cursor.executemany(sql, converted(batch))
        cursor.execute("COMMIT")
        cursor.execute("ANALYZE")
        cursor.close()
    finally:
        raw.close()


def insert_postgres(db: Database, entity_id: uuid.UUID, count: int, seed: int) -> None:
    from psycopg.types.json import Jsonb

    json_columns = {"counterpart_raw_data"}
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        with conn.cursor() as cursor, cursor.copy(f"COPY payables ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in rows(entity_id, count, seed=seed):
                copy.write_row([Jsonb(row[c]) if c in json_columns else row[c] for c in COLUMNS])
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE payables")
        conn.autocommit = False
    finally:
        raw.close()


async def create_entities(db: Database, url: str, client_id: str, client_secret: str) -> dict[str, str]:
    app = create_app(Settings(database_url=url, rate_limit="off"), database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit/v1",
                                 headers={"x-monite-version": VERSION}) as http:
        token = await http.post("/auth/token", json={
            "client_id": client_id, "client_secret": client_secret, "grant_type": "client_credentials"})
        token.raise_for_status()
        auth = {"authorization": f"Bearer {token.json()['access_token']}"}
        ids = {}
        for name in ("big", "small"):
            response = await http.post("/entities", headers=auth, json={
                "type": "organization",
                "email": f"{name}@bench.example",
                "address": {"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"},
                "organization": {"legal_name": f"Bench {name.capitalize()} GmbH"},
            })
            response.raise_for_status()
            ids[name] = response.json()["id"]
        return ids


def seed(database_url: str, *, payables: int, small: int, client_id: str, client_secret: str,
         quiet: bool = False) -> dict[str, Any]:
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, flush=True))
    started = time.perf_counter()
    upgrade(database_url)
    db = Database(database_url, pool_size=2)
    try:
        with db.transaction() as session:
            auth_service.ensure_credential(session, client_id=uuid.UUID(client_id), client_secret=client_secret,
                                           name="bench")
        entities = asyncio.run(create_entities(db, database_url, client_id, client_secret))
        say(f"entities: {entities}")
        insert = insert_sqlite if db.is_sqlite else insert_postgres
        for name, count, rnd_seed in (("big", payables, 1), ("small", small, 2)):
            t = time.perf_counter()
            insert(db, uuid.UUID(entities[name]), count, rnd_seed)
            say(f"{name}: {count} payables in {time.perf_counter() - t:.1f} s")
        with db.engine.connect() as conn:
            counts = {name: dict(conn.execute(
                text("SELECT status, count(*) FROM payables WHERE entity_id = :e GROUP BY status"),
                {"e": uuid.UUID(entities[name]).hex if db.is_sqlite else uuid.UUID(entities[name])},
            ).all()) for name in entities}
    finally:
        db.dispose()
    say(f"seeded in {time.perf_counter() - started:.1f} s")
    return {"database_url": database_url, "client_id": client_id, "client_secret": client_secret,
            "entities": entities, "counts": counts, "date": str(date.today())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--payables", type=int, default=1_000_000, help="rows for the big entity")
    parser.add_argument("--small", type=int, default=10_000, help="rows for the small entity")
    parser.add_argument("--client-id", default=str(uuid.uuid4()))
    parser.add_argument("--client-secret", default=uuid.uuid4().hex)
    parser.add_argument("--out", type=Path, help="write the summary JSON here")
    args = parser.parse_args()
    summary = seed(args.database_url, payables=args.payables, small=args.small,
                   client_id=args.client_id, client_secret=args.client_secret)
    text_ = json.dumps(summary, indent=2)
    if args.out:
        args.out.write_text(text_)
    print(text_)


if __name__ == "__main__":
    main()
