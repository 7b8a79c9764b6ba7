"""Bearer tokens: JWTs signed by remit with HS256 only (PyJWT).

Decoding is the only per-request work a token costs; a verified token's claims are kept in a
small cache keyed by the token string, and expiry is still checked on every use.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from threading import Lock

import jwt

from remit.core import clock
from remit.core.errors import Unauthorized

ALGORITHM = "HS256"
CLIENT_CREDENTIALS = "client_credentials"
ENTITY_USER = "entity_user"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a verified token says the caller is."""

    jti: str
    grant_type: str
    client_id: uuid.UUID
    partner_id: uuid.UUID
    expires_at: int
    entity_id: uuid.UUID | None = None
    entity_user_id: uuid.UUID | None = None

    @property
    def is_partner(self) -> bool:
        return self.grant_type == CLIENT_CREDENTIALS


class TokenCodec:
    def __init__(self, secret: str, ttl_seconds: int, cache_size: int = 4096):
        # A 32-byte HMAC key derived from the configured secret, whatever its length.
        self._key = hashlib.sha256(b"remit-jwt:" + secret.encode()).digest()
        self.ttl_seconds = ttl_seconds
        self._cache: OrderedDict[str, Principal] = OrderedDict()
        self._cache_size = cache_size
        self._lock = Lock()

    def issue(
        self,
        *,
        grant_type: str,
        client_id: uuid.UUID,
        partner_id: uuid.UUID,
        entity_id: uuid.UUID | None = None,
        entity_user_id: uuid.UUID | None = None,
    ) -> str:
        issued = clock.now()
        claims = {
            "jti": secrets.token_hex(16),
            "iat": int(issued.timestamp()),
            "exp": int((issued + timedelta(seconds=self.ttl_seconds)).timestamp()),
            "grant_type": grant_type,
            "client_id": str(client_id),
            "partner_id": str(partner_id),
        }
        if entity_user_id is not None:
            claims["entity_id"] = str(entity_id)
            claims["entity_user_id"] = str(entity_user_id)
        return jwt.encode(claims, self._key, algorithm=ALGORITHM)

    def decode(self, token: str) -> Principal:
        principal = self._cache.get(token)
        if principal is None:
            principal = self._verify(token)
            with self._lock:
                self._cache[token] = principal
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        if principal.expires_at <= clock.now().timestamp():
            raise Unauthorized("Token expired")
        return principal

    def decode_unverified_expiry(self, token: str) -> Principal | None:
        """Claims of a token signed by us, even if expired (for revocation)."""
        try:
            claims = jwt.decode(
                token, self._key, algorithms=[ALGORITHM], options={"verify_exp": False, "verify_iat": False}
            )
            return _principal(claims)
        except (jwt.PyJWTError, KeyError, ValueError, TypeError):
            return None

    def _verify(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                # Time checks use remit's clock (core/clock.py), below, not PyJWT's.
                options={"require": ["exp", "iat", "jti"], "verify_exp": False, "verify_iat": False},
            )
            return _principal(claims)
        except jwt.PyJWTError:
            raise Unauthorized("Unauthorized") from None
        except (KeyError, ValueError, TypeError):
            raise Unauthorized("Unauthorized") from None


def _principal(claims: dict) -> Principal:
    grant_type = claims["grant_type"]
    if grant_type not in (CLIENT_CREDENTIALS, ENTITY_USER):
        raise ValueError(grant_type)
    is_user = grant_type == ENTITY_USER
    return Principal(
        jti=str(claims["jti"]),
        grant_type=grant_type,
        client_id=uuid.UUID(claims["client_id"]),
        partner_id=uuid.UUID(claims["partner_id"]),
        expires_at=int(claims["exp"]),
        entity_id=uuid.UUID(claims["entity_id"]) if is_user else None,
        entity_user_id=uuid.UUID(claims["entity_user_id"]) if is_user else None,
    )


def expiry_datetime(principal: Principal) -> datetime:
    return datetime.fromtimestamp(principal.expires_at, UTC)
