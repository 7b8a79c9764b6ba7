"""A second baseline for bench/run_me.py: a bare FastAPI app with the same one route.

Same body as bare_app.py (``BENCH_BODY_FILE``), returned as a dict through FastAPI's default
serialisation, no middleware, no dependencies. remit cannot be faster than this, so it shows
how much of the gap to bare Starlette is the framework itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from fastapi import FastAPI

_body_file = os.environ.get("BENCH_BODY_FILE")
BODY = json.loads(Path(_body_file).read_text()) if _body_file else {"id": "00000000-0000-0000-0000-000000000000"}

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/v1/entity_users/me")
async def me() -> dict:
    return BODY
