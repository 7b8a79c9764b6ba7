#!/usr/bin/env python
"""Receivable PDFs: render time per invoice, and what rendering costs invoice issue throughput.

    python bench/receivables_pdf.py [--renders 20] [--drafts 300] [--concurrency 4] [--json out.json]

Needs taskset (util-linux). All in one run:

1. **Render time** (in this process, no server): an issued EUR invoice with 10 lines and one with
   200 lines, each line at 19 % or 7 %, rendered ``--renders`` times through the same pipeline
   remit uses (``documents.view`` → ``einvoice.build`` (CII XML, XSD-checked) → WeasyPrint PDF/A-3b
   → ``factur-x`` embedding with its XSD check). The first render of each is a warm-up (fonts,
   templates) and reported apart. Prints p50 / p90 / max per size and the PDF size.
2. **Issue throughput, rendering on against off**: ``remit serve`` (one worker, pinned to CPU 0,
   inline background runner) on a fresh SQLite file, twice — ``REMIT_PRERENDER_DOCUMENTS=true``
   (the runner renders every new revision in the background, the default) and ``=false`` (PDFs
   rendered only when asked for). Each run seeds ``--drafts`` draft invoices (one line), then
   issues them all with ``--concurrency`` requests in flight and reports issues per second and
   p50 / p99 latency; with rendering on it also reports how long after the last issue the runner
   had rendered every issued revision (the backlog drain).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import common  # bench/ is on sys.path when run as a script
import httpx
from receivables_issue import billing, seed_drafts


def body(lines: int) -> dict[str, Any]:
    """The wire body of an issued invoice with ``lines`` lines (the shape ``receivables.wire`` makes)."""
    items, groups = [], {1900: [0, 0], 700: [0, 0]}
    for n in range(lines):
        rate = 1900 if n % 3 else 700
        quantity, price = 1 + n % 5, 1_000 + 37 * n
        net = quantity * price
        items.append({"quantity": quantity, "total_before_vat": net, "total_after_vat": net,
                      "product": {"name": f"Service item {n + 1}", "description": "Bench line" if n % 4 == 0 else None,
                                  "price": {"currency": "EUR", "value": price}, "vat_rate": {"value": rate},
                                  "measure_unit": {"name": "h"} if n % 2 else None}})
        groups[rate][0] += net
    for rate, group in groups.items():
        group[1] = (group[0] * rate + 5_000) // 10_000
    subtotal = sum(group[0] for group in groups.values())
    vat = sum(group[1] for group in groups.values())
    return {
        "type": "invoice", "status": "issued", "currency": "EUR", "document_id": "INV-00042",
        "issue_date": datetime(2026, 12, 7, tzinfo=UTC), "due_date": "2027-01-06",
        "entity": {"name": "Bench GmbH", "email": "billing@bench.example", "tax_id": "DE123"},
        "entity_address": {"line1": "Friedrichstr. 1", "city": "Berlin", "postal_code": "10117", "country": "DE"},
        "entity_vat_id": {"value": "DE123456789"}, "counterpart_name": "Customer GmbH",
        "counterpart_billing_address": {"line1": "Unter den Linden 2", "city": "Berlin", "postal_code": "10117",
                                        "country": "DE"},
        "entity_bank_account": {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX",
                                "account_holder_name": "Bench GmbH", "bank_name": "Bench Bank"},
        "line_items": items, "subtotal": subtotal,
        "total_vat_amounts": [{"value": rate, "taxable_amount": g[0], "amount": g[1]} for rate, g in groups.items()],
        "total_vat_amount": vat, "total_amount": subtotal + vat, "amount_paid": 0, "amount_due": subtotal + vat,
        "total_amount_with_credit_notes": subtotal + vat,
        "payment_terms": {"name": "Net 30", "term_final": {"number_of_days": 30}},
    }


def render_times(lines: int, renders: int) -> dict[str, Any]:
    from remit.receivables.documents import einvoice, render, view

    invoice = body(lines)
    times, size = [], 0
    for _ in range(renders + 1):
        started = time.perf_counter()
        shown = view.build(invoice, language="en", settings={}, logo=None)
        pdf = render.pdf(shown, title="Invoice INV-00042", xml=einvoice.build(invoice))
        times.append((time.perf_counter() - started) * 1000)
        size = len(pdf)
    warm = sorted(times[1:])
    return {"lines": lines, "first_ms": round(times[0], 1), "p50_ms": round(statistics.median(warm), 1),
            "p90_ms": round(warm[int(len(warm) * 0.9) - 1], 1), "max_ms": round(warm[-1], 1), "pdf_bytes": size}


def issue_run(prerender: bool, drafts: int, concurrency: int, workdir: Path) -> dict[str, Any]:
    port = common.free_port()
    client_id, secret = str(uuid.uuid4()), f"bench-{uuid.uuid4().hex}"
    database = workdir / f"remit-{'on' if prerender else 'off'}.db"
    env = {**common.base_env(), "REMIT_DATABASE_URL": f"sqlite:///{database}", "REMIT_CLIENT_ID": client_id,
           "REMIT_CLIENT_SECRET": secret, "REMIT_RATE_LIMIT": "off", "REMIT_LOG_LEVEL": "warning",
           "REMIT_PRERENDER_DOCUMENTS": "true" if prerender else "false"}
    log = workdir / f"server-{'on' if prerender else 'off'}.log"
    proc = common.start_remit(port, env, log, workdir)
    try:
        common.wait_ready(proc, port, log)
        base = f"http://127.0.0.1:{port}/v1"
        setup = common.Setup(base, client_id, secret)
        entity, token, payload = billing(setup)
        seed_drafts(base, entity, token, payload, drafts)
        headers = {"x-monite-version": common.VERSION, "authorization": f"Bearer {token}",
                   "x-monite-entity-id": entity}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            ids, cursor = [], None
            while True:
                page = http.get("/receivables", params={"limit": 100, "status": "draft",
                                                        **({"pagination_token": cursor} if cursor else {})}).json()
                ids += [r["id"] for r in page["data"]]
                cursor = page.get("next_pagination_token")
                if not cursor:
                    break
        time.sleep(3 if prerender else 0.5)  # let the runner render the drafts first: issuing is what we measure
        cpu_before = common.cpu_seconds(proc.pid)
        latencies: list[float] = []

        def issue(chunk: list[str]) -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
                for receivable_id in chunk:
                    started = time.perf_counter()
                    response = http.post(f"/receivables/{receivable_id}/issue")
                    latencies.append((time.perf_counter() - started) * 1000)
                    if response.status_code != 200:
                        sys.exit(f"issue failed: {response.status_code} {response.text}")

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(issue, [ids[i::concurrency] for i in range(concurrency)]))
        elapsed = time.perf_counter() - started
        cpu = common.cpu_seconds(proc.pid) - cpu_before
        result: dict[str, Any] = {
            "prerender": prerender, "issued": len(ids), "seconds": round(elapsed, 2),
            "issues_per_second": round(len(ids) / elapsed, 1),
            "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(sorted(latencies)[max(0, int(len(latencies) * 0.99) - 1)], 1),
            "server_cpu_ms_per_issue": round(cpu * 1000 / len(ids), 2)}
        if prerender:
            result["drain_seconds"] = round(drain(database, len(ids), started + elapsed), 2)
        setup.close()
        return result
    finally:
        common.stop(proc)


def drain(database: Path, issued: int, since: float, timeout: float = 600) -> float:
    """Seconds from the last issue until every issued invoice has a PDF stored since its issue."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{database}")
    query = text("SELECT count(*) FROM receivables r WHERE r.status = 'issued' AND EXISTS ("
                 "SELECT 1 FROM receivable_documents d WHERE d.receivable_id = r.id AND d.created_at >= r.updated_at)")
    try:
        while time.perf_counter() - since < timeout:
            with engine.connect() as conn:
                if conn.scalar(query) >= issued:
                    return time.perf_counter() - since
            time.sleep(0.25)
        return float("nan")
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--drafts", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if shutil.which("taskset") is None:
        sys.exit("this benchmark needs taskset: install util-linux (`apt-get install -y util-linux`)")
    print(common.machine())
    renders = [render_times(lines, args.renders) for lines in (10, 200)]
    for r in renders:
        print(f"render {r['lines']:>3} lines: first {r['first_ms']} ms, p50 {r['p50_ms']} ms, p90 {r['p90_ms']} ms, "
              f"max {r['max_ms']} ms, {r['pdf_bytes']} bytes")
    with tempfile.TemporaryDirectory(prefix="remit-bench-pdf-") as tmp:
        runs = [issue_run(prerender, args.drafts, args.concurrency, Path(tmp)) for prerender in (False, True)]
    for r in runs:
        print(f"issue, rendering {'on ' if r['prerender'] else 'off'}: {r['issues_per_second']} issues/s, "
              f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, server CPU {r['server_cpu_ms_per_issue']} ms/issue"
              + (f", all issued PDFs rendered {r['drain_seconds']} s after the last issue" if r["prerender"] else ""))
    off, on = runs
    print(f"ratio on / off: {on['issues_per_second'] / off['issues_per_second']:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"machine": common.machine(), "renders": renders, "issue": runs}, indent=2))


if __name__ == "__main__":
    main()
