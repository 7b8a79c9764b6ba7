"""Shared route metadata: the error responses every route can give, for our OpenAPI document."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorSchema(BaseModel):
    message: str


class ErrorSchemaResponse(BaseModel):
    error: ErrorSchema


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for the given error status codes (422 is FastAPI's own)."""
    return {code: {"model": ErrorSchemaResponse} for code in codes}


COMMON_ERRORS = errors(400, 401, 403, 404, 405, 429, 500)
