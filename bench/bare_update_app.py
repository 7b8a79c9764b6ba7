"""B1, the baseline of bench/payables_transitions.py: one single-row UPDATE by primary key.

``POST /v1/payables/{payable_id}/{action}`` runs

    UPDATE payables SET status = :target, updated_at = :now WHERE id = :payable_id

in its own transaction on a connection taken from a pool, and answers ``{"id", "status"}``
(enough for the wrk script to pick the next action). No authentication, no status check, no
history or event row: what one write to the same table costs through the same stack.

Same database as remit (``BENCH_DATABASE_URL``: the same SQLite file or PostgreSQL database),
same driver and connection settings — the engine comes from ``remit.core.db.engine.create_db_engine``
(psycopg 3 / sqlite3, pool of 20, SQLite WAL + ``synchronous=NORMAL`` + busy timeout) — and
the same threading model: the blocking work runs in anyio's worker threads, one hop per
request, and SQLite writers take a process lock and ``BEGIN IMMEDIATE`` as remit's do.

Run by payables_transitions.py as ``uvicorn --app-dir bench bare_update_app:app``.
"""

from __future__ import annotations

import os
import threading
import uuid
from contextlib import nullcontext
from datetime import UTC, datetime

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from remit.core.db.engine import create_db_engine

engine = create_db_engine(os.environ["BENCH_DATABASE_URL"], pool_size=20)
SQLITE = engine.dialect.name == "sqlite"
PARAM = "?" if SQLITE else "%s"
SQL = f"UPDATE payables SET status = {PARAM}, updated_at = {PARAM} WHERE id = {PARAM}"
TARGET = {"submit_for_approval": "approve_in_progress", "reject": "rejected", "reopen": "new",
          "approve_payment_operation": "waiting_to_be_paid", "cancel": "canceled"}
_lock = threading.Lock() if SQLITE else None


def _update(payable_id: uuid.UUID, target: str) -> int:
    now = datetime.now(UTC)
    # Stored the way remit's column types store them: SQLite gets hex ids and naive UTC text.
    params = (target, now.strftime("%Y-%m-%d %H:%M:%S.%f"), payable_id.hex) if SQLITE \
        else (target, now, payable_id)
    with _lock or nullcontext(), engine.connect().execution_options(remit_write=True) as conn, conn.begin():
        result = conn.exec_driver_sql(SQL, params)
    return result.rowcount


async def transition(request: Request) -> JSONResponse:
    try:
        payable_id = uuid.UUID(request.path_params["payable_id"])
        target = TARGET[request.path_params["action"]]
    except (ValueError, KeyError):
        return JSONResponse({"error": {"message": "Not found"}}, status_code=404)
    if await anyio.to_thread.run_sync(_update, payable_id, target) != 1:
        return JSONResponse({"error": {"message": "Not found"}}, status_code=404)
    return JSONResponse({"id": str(payable_id), "status": target})


async def docs(request: Request) -> JSONResponse:
    return JSONResponse({})


app = Starlette(routes=[
    Route("/v1/payables/{payable_id}/{action}", transition, methods=["POST"]),
    Route("/v1/docs", docs, methods=["GET"]),  # readiness probe, as remit's
])
