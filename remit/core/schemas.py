"""Base classes for wire schemas (Monite's OpenAPI components)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class RequestSchema(BaseModel):
    """Request bodies: unknown keys are refused (Monite's ``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")


class ResponseSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PaginatedResponse(ResponseSchema):
    next_pagination_token: str | None = None
    prev_pagination_token: str | None = None


class PartnerMetadata(RequestSchema):
    """Free-form JSON a partner keeps on an object (``PUT …/partner_metadata``)."""

    metadata: dict[str, Any]


class PartnerMetadataResponse(ResponseSchema):
    metadata: dict[str, Any] | None = None
