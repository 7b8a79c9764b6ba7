"""The baseline for bench/run_me.py: a bare Starlette app with one route.

``GET /v1/entity_users/me`` answers the JSON body captured from remit (read from the file
named by ``BENCH_BODY_FILE``) through Starlette's own ``JSONResponse`` — no middleware, no
authentication, no database. It is what "the framework alone" costs on this machine.

Run by run_me.py as ``uvicorn --app-dir bench bare_app:app`` with the same uvicorn options
as remit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_body_file = os.environ.get("BENCH_BODY_FILE")
BODY = json.loads(Path(_body_file).read_text()) if _body_file else {"id": "00000000-0000-0000-0000-000000000000"}


async def me(request: Request) -> JSONResponse:
    return JSONResponse(BODY)


app = Starlette(routes=[Route("/v1/entity_users/me", me, methods=["GET"])])
