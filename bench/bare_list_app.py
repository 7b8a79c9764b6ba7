"""The baseline of bench/payables_list.py: remit's list SQL and a plain JSON dump, nothing else.

``GET /v1/payables?status=…&limit=…`` (entity from the ``x-monite-entity-id`` header, no
authentication, newest first) runs the two statements remit emits for
``GET /v1/payables?status=…&sort=created_at&order=desc&limit=100`` — copied from SQLAlchemy's
echo of remit (``remit/core/pagination.py`` + ``remit/payables/service/crud.py``), one page
plus one row to know whether there is a next page, then the ``selectin`` load of the page's
tags — and answers ``{"data": [row, …], "next_pagination_token": null, "prev_pagination_token":
null}`` with the rows as plain column → value objects, serialised by orjson (what remit uses
too; it is the cheapest dump, so the baseline is a strict one). Not emitted here: remit's
token/entity check (``revoked_tokens`` / ``entities``) — that is part of what remit adds.

Same database, driver and connection settings as remit (``remit.core.db.engine.create_db_engine``,
pool of 20), one connection per request from the pool inside a read transaction, run in
anyio's worker threads as remit's unit of work is. ``BENCH_DATABASE_URL`` names the database.
"""

from __future__ import annotations

import os
import uuid

import anyio.to_thread
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from remit.core.db.engine import create_db_engine

engine = create_db_engine(os.environ["BENCH_DATABASE_URL"], pool_size=20)
SQLITE = engine.dialect.name == "sqlite"

COLUMNS = (
    "payables.status, payables.payable_origin, payables.source_of_payable_data, payables.document_id, "
    "payables.description, payables.currency, payables.total_amount, payables.subtotal, payables.tax, "
    "payables.tax_amount, payables.discount, payables.amount_paid, payables.issued_at, payables.due_date, "
    "payables.due_date_derived, payables.payment_terms, payables.suggested_payment_term, "
    "payables.suggested_payment_term_derived, payables.counterpart_id, payables.counterpart_address_id, "
    "payables.counterpart_bank_account_id, payables.counterpart_vat_id_id, payables.counterpart, "
    "payables.counterpart_raw_data, payables.sender, payables.project_id, payables.purchase_order_id, "
    "payables.partner_metadata, payables.file_id, payables.ocr_status, payables.ocr_request_id, "
    "payables.other_extracted_data, payables.approval_policy_id, payables.marked_as_paid_by_entity_user_id, "
    "payables.marked_as_paid_with_comment, payables.paid_at, payables.created_by_role_id, "
    "payables.was_created_by_user_id, payables.suggested_counterpart, payables.deleted_at, payables.id, "
    "payables.created_at, payables.updated_at, payables.entity_id"
)
TAG_COLUMNS = ("payable_tags.payable_id, tags.name, tags.category, tags.description, tags.created_by_entity_user_id, "
               "tags.id, tags.created_at, tags.updated_at, tags.entity_id")

if SQLITE:  # as SQLAlchemy renders it for sqlite3 (LIMIT with OFFSET; ids stored as 32 hex digits)
    PAGE_SQL = (f"SELECT {COLUMNS} \nFROM payables \nWHERE payables.entity_id = ? AND payables.deleted_at IS NULL "
                "AND payables.status = ? ORDER BY payables.created_at DESC, payables.id DESC\n LIMIT ? OFFSET ?")
    TAGS_SQL = (f"SELECT {TAG_COLUMNS} \nFROM payable_tags JOIN tags ON tags.id = payable_tags.tag_id \n"
                "WHERE payable_tags.payable_id IN ({ids}) ORDER BY tags.name")
    ID_PARAM = "?"
else:  # as SQLAlchemy renders it for psycopg 3
    PAGE_SQL = (f"SELECT {COLUMNS} \nFROM payables \nWHERE payables.entity_id = %s::UUID AND payables.deleted_at "
                "IS NULL AND payables.status = %s::VARCHAR ORDER BY payables.created_at DESC, payables.id DESC \n"
                " LIMIT %s::INTEGER")
    TAGS_SQL = (f"SELECT {TAG_COLUMNS} \nFROM payable_tags JOIN tags ON tags.id = payable_tags.tag_id \n"
                "WHERE payable_tags.payable_id IN ({ids}) ORDER BY tags.name")
    ID_PARAM = "%s::UUID"
NAMES = [c.split(".", 1)[1] for c in COLUMNS.split(", ")]
ID_INDEX = NAMES.index("id")


def _page(entity_id: uuid.UUID, status: str, limit: int) -> bytes:
    params = (entity_id.hex, status, limit + 1, 0) if SQLITE else (entity_id, status, limit + 1)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(PAGE_SQL, params).fetchall()[:limit]
        tags: dict = {}
        if rows:
            ids = tuple(row[ID_INDEX] for row in rows)
            sql = TAGS_SQL.format(ids=", ".join([ID_PARAM] * len(ids)))
            for tag in conn.exec_driver_sql(sql, ids):
                tags.setdefault(tag[0], []).append(dict(zip(TAG_COLUMNS.split(", "), tag[1:], strict=False)))
        conn.rollback()
    data = []
    for row in rows:
        item = dict(zip(NAMES, row, strict=True))
        item["tags"] = tags.get(row[ID_INDEX], [])
        data.append(item)
    return orjson.dumps({"data": data, "next_pagination_token": None, "prev_pagination_token": None})


async def payables(request: Request) -> Response:
    try:
        entity_id = uuid.UUID(request.headers["x-monite-entity-id"])
        limit = min(max(int(request.query_params.get("limit", 100)), 1), 100)
    except (KeyError, ValueError):
        return Response(b'{"error":{"message":"bad request"}}', status_code=400, media_type="application/json")
    status = request.query_params.get("status", "new")
    body = await anyio.to_thread.run_sync(_page, entity_id, status, limit)
    return Response(body, media_type="application/json")


async def docs(request: Request) -> Response:
    return Response(b"{}", media_type="application/json")


app = Starlette(routes=[
    Route("/v1/payables", payables, methods=["GET"]),
    Route("/v1/docs", docs, methods=["GET"]),  # readiness probe, as remit's
])
