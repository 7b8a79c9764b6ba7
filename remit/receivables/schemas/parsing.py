"""Reading a receivables request body from its JSON text.

FastAPI decodes a body with ``json.loads``, which turns every fractional number into a float.
``parse_json_body`` decodes with ``parse_float=Decimal`` instead, so a quantity reaches the schema
with exactly the digits the client wrote, and reports failures as FastAPI does (a 422 whose
``loc`` starts with ``"body"``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError


def decode_json_body(raw: bytes | str, *, empty_is_object: bool = False) -> Any:
    """The body's JSON value with fractional numbers as Decimal. An empty body is ``{}`` when
    ``empty_is_object`` (the SDK sends no body for an action whose optional fields are all unset)."""
    if empty_is_object and not raw.strip():
        return {}
    try:
        return json.loads(raw, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error", "input": {},
              "ctx": {"error": exc.msg}}]
        ) from None
    except UnicodeDecodeError:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ("body", 0), "msg": "JSON decode error", "input": {},
              "ctx": {"error": "the body is not UTF-8"}}]
        ) from None


@cache
def _adapter(schema: Any) -> TypeAdapter[Any]:
    return TypeAdapter(schema)


def parse_json_body(schema: Any, raw: bytes | str, *, empty_is_object: bool = False) -> Any:
    """``raw`` validated as ``schema`` (a model class or an annotated type such as
    ``ReceivableFacadeCreatePayload``); a schema error is a ``RequestValidationError``."""
    value = decode_json_body(raw, empty_is_object=empty_is_object)
    try:
        return _adapter(schema).validate_python(value)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
        raise RequestValidationError(errors, body=value) from None
