"""Base classes for wire schemas (Monite's OpenAPI components)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict


def _in_utc(value: datetime) -> datetime:
    """A datetime from a request, in UTC; one without an offset is read as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError("Datetime is out of range once converted to UTC") from None


# Every datetime a request carries (bodies and filters): stored and compared as aware UTC.
RequestDatetime = Annotated[datetime, AfterValidator(_in_utc)]


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
