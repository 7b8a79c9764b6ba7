"""Wire shapes of the console's one API operation, ``POST /v1/console/links`` (a remit extension)."""

from __future__ import annotations

import uuid
from datetime import datetime

from remit.core.schemas import RequestSchema, ResponseSchema


class ConsoleLinkRequest(RequestSchema):
    entity_user_id: uuid.UUID


class ConsoleLinkResponse(ResponseSchema):
    url: str
    expires_at: datetime
