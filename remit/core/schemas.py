"""Base classes for wire schemas (Monite's OpenAPI components)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RequestSchema(BaseModel):
    """Request bodies: unknown keys are refused (Monite's ``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")


class ResponseSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PaginatedResponse(ResponseSchema):
    next_pagination_token: str | None = None
    prev_pagination_token: str | None = None
