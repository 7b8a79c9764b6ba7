#!/usr/bin/env python
"""``submit_for_approval`` latency with 1,000 active approval policies against 1 policy.

    python bench/approvals_submit.py [--postgres] [--policies 1000] [--submissions 300] [--concurrency 4]
                                     [--block 25] [--profile out.json [--py-spy-args "--gil"]] [--json out.json]

Needs taskset (util-linux) and, for ``--profile``, py-spy (``pip install py-spy``).

1. Starts ``remit serve`` (one worker, no access log, rate limiter off) pinned to CPU 0 on a fresh
   SQLite file (``--postgres``: a fresh database on 127.0.0.1:5432, dropped at the end). This
   script pins itself to CPU 1.
2. Through HTTP, two entities with the same cast (validation rules ``[]`` so ``POST /payables``
   lands in ``new``; one approver; counterpart "ACME"; tag "Ops"):
   * **many** — ``--policies`` active policies at the same priority: one that matches the bench
     payables and ``--policies − 1`` that do not, with the triggers Monite's policy builder writes
     (``{"all": ["{event_name == 'submitted_for_approval'}", <operator objects>]}``) on amount,
     currency, counterpart and tags, in four rotating shapes (amount threshold above the bill;
     another counterpart; another tag; another currency with an amount range);
   * **one** — only the matching policy.
   Every policy's script is the builder's one-approver ``if … then approve else reject``. All
   policies share the priority, so matching must evaluate every trigger on every submission.
3. Creates the payables (EUR 500.00, counterpart ACME, tag Ops) and submits them with the partner
   token, in alternating blocks of ``--block`` (one entity, then the other, so drift in machine load
   hits both alike): first sequentially on one keep-alive connection, then with ``--concurrency``
   requests in flight. Each submission must answer 200 with ``approve_in_progress`` and the
   matching policy's id (one process, one approval request each). The first block of each entity
   is a discarded warm-up (it fills the parsed-trigger cache).
4. Prints p50 / p99 / mean latency, the server's CPU time per submission (``/proc/<pid>/stat``) and
   the ratio many / one. Aim: many ≤ 1.5× one at p50, and p99 ≤ 20 ms with 1,000 policies.
5. ``--profile``: afterwards, py-spy records the server while more submissions go to **many**.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import common  # bench/ is on sys.path when run as a script
import httpx

AMOUNT = 50_000


@dataclass
class Entity:
    name: str
    headers: dict[str, str]
    policy_id: str = ""
    payables: list[str] = field(default_factory=list)


@dataclass
class Stats:
    entity: str
    mode: str
    n: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    cpu_us: float  # server CPU per submission

    def row(self) -> str:
        return (f"{self.entity:<8}{self.mode:<14}{self.n:>6}{self.p50_ms:>9.2f}{self.p99_ms:>9.2f}"
                f"{self.mean_ms:>9.2f}{self.cpu_us:>12.0f}")


HEADER = f"{'entity':<8}{'mode':<14}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}{'mean ms':>9}{'cpu us/req':>12}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def builder_trigger(*conditions: Any) -> dict[str, Any]:
    return {"all": ["{event_name == 'submitted_for_approval'}", *conditions]}


def op(operator: str, left: Any, right: Any) -> dict[str, Any]:
    return {"operator": operator, "left_operand": left, "right_operand": right}


AMOUNT_VAR = {"name": "invoice.amount"}
CURRENCY_VAR = {"name": "invoice.currency"}
COUNTERPART_VAR = {"name": "invoice.counterpart_id"}
TAGS_VAR = {"name": "invoice.tags.id"}


def miss_trigger(i: int) -> dict[str, Any]:
    """A realistic trigger that does not match the bench payables (EUR 500.00, ACME, tag Ops)."""
    shape = i % 4
    if shape == 0:  # "bills over X EUR", X above the bench bill
        return builder_trigger(op(">=", AMOUNT_VAR, 100_000 + 100 * i), op("==", CURRENCY_VAR, "EUR"))
    if shape == 1:  # one of some other counterparts
        return builder_trigger(op("in", COUNTERPART_VAR, [str(uuid.uuid4()), str(uuid.uuid4())]),
                               op(">=", AMOUNT_VAR, 1_000))
    if shape == 2:  # tagged with some other tag
        return builder_trigger(op("in", str(uuid.uuid4()), TAGS_VAR), op("==", CURRENCY_VAR, "EUR"))
    return builder_trigger(op("==", CURRENCY_VAR, ["USD", "GBP", "CHF"][i % 3]),  # another currency
                           op("range", AMOUNT_VAR, [1_000 + i, 1_000_000 + i]))


def hit_trigger(counterpart_id: str, tag_id: str) -> dict[str, Any]:
    return builder_trigger(op(">=", AMOUNT_VAR, 10_000), op("==", CURRENCY_VAR, "EUR"),
                           op("in", COUNTERPART_VAR, [counterpart_id]), op("in", tag_id, TAGS_VAR))


def script(approver_id: str) -> list[Any]:
    return [{"if": {"run_concurrently": False, "all": [
        {"call": "ApprovalRequests.request_approval_by_users",
         "params": {"user_ids": [approver_id], "required_approval_count": 1}}]},
        "then": ["{Payables.approve(invoice.id)}"], "else": ["{Payables.reject(invoice.id)}"]}]


def prepare(setup: common.Setup, name: str, policies: int, payables: int) -> Entity:
    entity_id = setup.entity(name)
    on = {**setup.partner, "x-monite-entity-id": entity_id}
    http = setup.http
    setup.ok(http.put("/payables/validations", headers=on, json={"required_fields": []}))
    role = setup.ok(http.post("/roles", headers=on, json={"name": "approvers", "permissions": {"objects": [
        {"object_type": "approval_request",
         "actions": [{"action_name": a, "permission": "allowed"} for a in ("read", "update")]}]}}))
    approver = setup.ok(http.post("/entity_users", headers=on, json={
        "login": f"approver-{uuid.uuid4().hex[:6]}", "first_name": "Ben", "role_id": role["id"]}))
    acme = setup.ok(http.post("/counterparts", headers=on, json={"type": "organization", "organization": {
        "legal_name": "ACME GmbH", "is_customer": False, "is_vendor": True,
        "address": {"country": "DE", "city": "Berlin", "line1": "Str. 1", "postal_code": "10115"}}}))
    tag = setup.ok(http.post("/tags", headers=on, json={"name": "Ops"}))
    entity = Entity(name, on)
    started = time.monotonic()
    for i in range(policies - 1):
        setup.ok(http.post("/approval_policies", headers=on, json={
            "name": f"miss {i}", "trigger": miss_trigger(i), "script": script(approver["id"])}))
    entity.policy_id = setup.ok(http.post("/approval_policies", headers=on, json={
        "name": "hit", "trigger": hit_trigger(acme["id"], tag["id"]), "script": script(approver["id"])}))["id"]
    if policies > 1:
        print(f"  {name}: {policies} policies created in {time.monotonic() - started:.1f} s")
    for i in range(payables):
        payable = setup.ok(http.post("/payables", headers=on, json={
            "currency": "EUR", "total_amount": AMOUNT, "document_id": f"{name}-{i:05d}",
            "counterpart_id": acme["id"], "tag_ids": [tag["id"]]}))
        assert payable["status"] == "new", payable
        entity.payables.append(payable["id"])
    return entity


def check(entity: Entity, response: httpx.Response) -> None:
    if response.status_code != 200:
        sys.exit(f"{entity.name}: submit answered {response.status_code} {response.text}")
    body = response.json()
    if (body["status"], body["approval_policy_id"]) != ("approve_in_progress", entity.policy_id):
        sys.exit(f"{entity.name}: unexpected submit outcome {body['status']} {body['approval_policy_id']}")


def run_sequential(client: httpx.Client, entity: Entity, ids: list[str]) -> list[float]:
    latencies = []
    for payable_id in ids:
        started = time.perf_counter()
        response = client.post(f"/payables/{payable_id}/submit_for_approval", headers=entity.headers)
        latencies.append((time.perf_counter() - started) * 1000)
        check(entity, response)
    return latencies


async def run_concurrent(client: httpx.AsyncClient, entity: Entity, ids: list[str], concurrency: int) -> list[float]:
    queue = list(ids)
    latencies: list[float] = []

    async def worker() -> None:
        while queue:
            payable_id = queue.pop()
            started = time.perf_counter()
            response = await client.post(f"/payables/{payable_id}/submit_for_approval", headers=entity.headers)
            latencies.append((time.perf_counter() - started) * 1000)
            check(entity, response)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def measure(base: str, pid: int, entities: list[Entity], *, mode: str, count: int, block: int,
            concurrency: int) -> list[Stats]:
    """Alternating blocks of ``block`` submissions per entity; the first block of each is warm-up."""
    latencies: dict[str, list[float]] = {e.name: [] for e in entities}
    cpu: dict[str, float] = {e.name: 0.0 for e in entities}
    loop = asyncio.new_event_loop()
    sync_client = httpx.Client(base_url=base, headers={"x-monite-version": common.VERSION}, timeout=60)
    async_client = httpx.AsyncClient(base_url=base, headers={"x-monite-version": common.VERSION}, timeout=60,
                                     limits=httpx.Limits(max_connections=concurrency))
    try:
        blocks = count // block + 1
        for number in range(blocks):
            order = entities if number % 2 == 0 else list(reversed(entities))
            for entity in order:
                ids, entity.payables = entity.payables[:block], entity.payables[block:]
                before = common.cpu_seconds(pid)
                if mode == "sequential":
                    result = run_sequential(sync_client, entity, ids)
                else:
                    result = loop.run_until_complete(run_concurrent(async_client, entity, ids, concurrency))
                used = common.cpu_seconds(pid) - before
                if number > 0:  # block 0 is warm-up
                    latencies[entity.name] += result
                    cpu[entity.name] += used
    finally:
        sync_client.close()
        loop.run_until_complete(async_client.aclose())
        loop.close()
    label = mode if mode == "sequential" else f"concurrency {concurrency}"
    return [Stats(e.name, label, len(latencies[e.name]), statistics.median(latencies[e.name]),
                  percentile(latencies[e.name], 0.99), statistics.fmean(latencies[e.name]),
                  1e6 * cpu[e.name] / len(latencies[e.name])) for e in entities]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policies", type=int, default=1000, help="active policies in entity 'many' (default 1000)")
    parser.add_argument("--submissions", type=int, default=300, help="measured submissions per entity and mode")
    parser.add_argument("--block", type=int, default=25, help="submissions per alternating block (default 25)")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight in the concurrent mode")
    parser.add_argument("--postgres", action="store_true", help="use a temp database on 127.0.0.1:5432")
    parser.add_argument("--database-url", default=common.DEFAULT_PG, help="PostgreSQL server for --postgres")
    parser.add_argument("--profile", metavar="FILE", help="py-spy the server during extra submissions to 'many'")
    parser.add_argument("--py-spy-args", default="", help='more py-spy options for --profile, e.g. "--gil"')
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    if args.profile and common.py_spy() is None:
        sys.exit("--profile needs py-spy: pip install py-spy")
    try:
        os.sched_setaffinity(0, {int(common.LOADGEN_CPU)})
    except (AttributeError, OSError):
        print("note: could not pin this client to CPU 1")

    tmp = Path(tempfile.mkdtemp(prefix="remit-bench-approvals-"))
    pg_name = None
    if args.postgres:
        pg_name, database_url = common.create_pg_database(args.database_url, "remit_bench_apr")
    else:
        database_url = f"sqlite:///{tmp / 'remit.db'}"
    client_id, client_secret = str(uuid.uuid4()), uuid.uuid4().hex
    env = {**common.base_env(), "REMIT_DATABASE_URL": database_url, "REMIT_CLIENT_ID": client_id,
           "REMIT_CLIENT_SECRET": client_secret, "REMIT_RATE_LIMIT": "off", "REMIT_LOG_LEVEL": "warning"}
    port = common.free_port()
    log = tmp / "remit.log"
    base = f"http://127.0.0.1:{port}/v1"
    block = args.block
    per_mode = (args.submissions // block + 1) * block  # + the warm-up block
    extra = 200 if args.profile else 0
    print(common.machine())
    print(f"database: {'PostgreSQL' if args.postgres else 'SQLite'}; load average {common.load_average()}")
    proc = common.start_remit(port, env, log, tmp)
    results: list[Stats] = []
    try:
        common.wait_ready(proc, port, log)
        setup = common.Setup(base, client_id, client_secret)
        many = prepare(setup, "many", args.policies, 2 * per_mode + extra)
        one = prepare(setup, "one", 1, 2 * per_mode)
        setup.close()
        for mode in ("sequential", "concurrent"):
            results += measure(base, proc.pid, [one, many], mode=mode, count=args.submissions, block=block,
                               concurrency=args.concurrency)
        if args.profile:
            with httpx.Client(base_url=base, headers={"x-monite-version": common.VERSION}, timeout=60) as client:
                started = time.monotonic()
                run_sequential(client, many, many.payables[:10])  # estimate the duration
                seconds = (time.monotonic() - started) / 10 * (extra - 10)
                profiler = common.profile(proc.pid, args.profile, seconds, args.py_spy_args)
                time.sleep(1.0)  # py-spy attaches
                run_sequential(client, many, many.payables[10:])
                profiler.wait()
            print(f"profile written to {args.profile}")
    finally:
        common.stop(proc)
        if pg_name:
            common.drop_pg_database(args.database_url, pg_name)

    print(f"\nload average after: {common.load_average()}")
    print(HEADER)
    for stats in results:
        print(stats.row())
    verdicts = []
    for mode in ("sequential", f"concurrency {args.concurrency}"):
        by = {s.entity: s for s in results if s.mode == mode}
        ratio_p50 = by["many"].p50_ms / by["one"].p50_ms
        ratio_cpu = by["many"].cpu_us / by["one"].cpu_us
        ok = ratio_p50 <= 1.5 and by["many"].p99_ms <= 20
        verdicts.append({"mode": mode, "ratio_p50": ratio_p50, "ratio_cpu": ratio_cpu,
                         "p99_many_ms": by["many"].p99_ms, "met": ok})
        print(f"{mode}: many/one p50 {ratio_p50:.2f}x, CPU {ratio_cpu:.2f}x; p99 with {args.policies} policies "
              f"{by['many'].p99_ms:.1f} ms -> {'met' if ok else 'NOT met'} (aim <= 1.5x, p99 <= 20 ms)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "database": "postgresql" if args.postgres else "sqlite", "policies": args.policies,
            "machine": common.machine(), "results": [asdict(s) for s in results], "verdicts": verdicts,
        }, indent=2))


if __name__ == "__main__":
    main()
