from __future__ import annotations

import uuid
from enum import StrEnum

from remit.core.schemas import RequestSchema, ResponseSchema


class GrantType(StrEnum):
    client_credentials = "client_credentials"
    entity_user = "entity_user"


class ObtainTokenPayload(RequestSchema):
    client_id: uuid.UUID
    client_secret: str
    grant_type: GrantType
    entity_user_id: uuid.UUID | None = None


class RevokeTokenPayload(RequestSchema):
    client_id: uuid.UUID
    client_secret: str
    token: str


class AccessTokenResponse(ResponseSchema):
    access_token: str
    expires_in: int
    token_type: str = "Bearer"


class MessageResponse(ResponseSchema):
    message: str
