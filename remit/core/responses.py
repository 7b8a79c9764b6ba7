"""JSON responses rendered with orjson (UUIDs and datetimes natively, no float surprises)."""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi.encoders import jsonable_encoder
from starlette.responses import JSONResponse as _StarletteJSONResponse


class JSONResponse(_StarletteJSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content, option=orjson.OPT_UTC_Z)
        except orjson.JSONEncodeError:
            # orjson refuses integers beyond 64 bits, which a 422 body may echo back as "input".
            return json.dumps(jsonable_encoder(content), separators=(",", ":")).encode()
