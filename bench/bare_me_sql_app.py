"""A second baseline for bench/run_me.py: a bare Starlette route doing /me's essential work.

``GET /v1/entity_users/me`` here reads the bearer token and verifies it with remit's own
``TokenCodec`` (same key, same cache of verified tokens), runs remit's context statement for
``/me`` (``remit.auth.context._USER_CONTEXT``: the user, role, entity and revocation flag in one
SELECT, compiled once for the dialect and executed through the driver) inside a read
transaction, and answers the row as a plain column → value object dumped by orjson. Nothing
else: no version header, request id, rate limit, error conventions, permission document or
response model.

It is the counterpart, for ``/me``, of the baselines of issue 4's benchmarks (B1 runs the same
UPDATE, the list baseline the same SELECT): what the framework plus the SQL cost, so the ratio
to it says how much remit adds on top of the database work itself.

Same database, driver and connection settings as remit (``remit.core.db.engine.create_db_engine``),
one pooled connection per request, run in anyio's worker threads as remit's unit of work is.
``BENCH_DATABASE_URL`` names the database, ``BENCH_SECRET_KEY`` the signing secret remit used.
Run by run_me.py as ``uvicorn --app-dir bench bare_me_sql_app:app``.
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

from remit.auth.context import _USER_CONTEXT
from remit.auth.tokens import TokenCodec
from remit.core.db.engine import create_db_engine
from remit.core.errors import Unauthorized

engine = create_db_engine(os.environ["BENCH_DATABASE_URL"], pool_size=20)
SQLITE = engine.dialect.name == "sqlite"
codec = TokenCodec(os.environ["BENCH_SECRET_KEY"], 1800)
_compiled = _USER_CONTEXT.compile(dialect=engine.dialect)
SQL = _compiled.string
NAMES = [column.name for column in _USER_CONTEXT.selected_columns]
UNAUTHORIZED = Response(b'{"error":{"message":"Unauthorized"}}', status_code=401, media_type="application/json")


def _row(user_id: uuid.UUID, jti: str) -> bytes | None:
    # As SQLAlchemy binds them: SQLite takes positional parameters and ids as 32 hex digits.
    if SQLITE:
        values = {"user_id": user_id.hex, "jti": jti}
        params: tuple | dict = tuple(values[name] for name in _compiled.positiontup)
    else:
        params = {"user_id": user_id, "jti": jti}
    with engine.connect() as conn:
        row = conn.exec_driver_sql(SQL, params).first()
        conn.rollback()
    if row is None:
        return None
    return orjson.dumps(dict(zip(NAMES, row, strict=True)), default=str)


async def me(request: Request) -> Response:
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    try:
        principal = codec.decode(token.strip())
    except Unauthorized:
        return UNAUTHORIZED
    if scheme.lower() != "bearer" or principal.entity_user_id is None:
        return UNAUTHORIZED
    body = await anyio.to_thread.run_sync(_row, principal.entity_user_id, principal.jti)
    return UNAUTHORIZED if body is None else Response(body, media_type="application/json")


app = Starlette(routes=[Route("/v1/entity_users/me", me, methods=["GET"])])
