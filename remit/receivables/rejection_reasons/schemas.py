"""Wire shapes of the rejection-reason catalogue (remit extension; docs/receivables.md, "The rejection-reason catalogue")."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from remit.core.schemas import Omittable, RequestSchema, ResponseSchema


def _not_blank(value: str) -> str:
    """Names and codes are compared after trimming, so they are stored trimmed and may not be blank."""
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


Name = Annotated[str, Field(min_length=1, max_length=100), AfterValidator(_not_blank)]
AlternativeCode = Annotated[str, Field(min_length=1, max_length=50), AfterValidator(_not_blank)]
Description = Annotated[str, Field(max_length=500)]


class ReceivableRejectionReasonCreatePayload(RequestSchema):
    name: Name
    alternative_code: AlternativeCode | None = None
    description: Description | None = None
    is_default: bool = False


class ReceivableRejectionReasonUpdatePayload(RequestSchema):
    name: Omittable[Name] = None
    alternative_code: AlternativeCode | None = None
    description: Description | None = None
    is_default: Omittable[bool] = None


class ReceivableRejectionReasonResponse(ResponseSchema):
    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    name: str
    alternative_code: str | None = None
    description: str | None = None
    is_default: bool


class ReceivableRejectionReasonList(ResponseSchema):
    data: list[ReceivableRejectionReasonResponse]
