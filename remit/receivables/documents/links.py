"""Signed, expiring links to a document's PDF, served outside ``/v1`` without a bearer token.

A link names the document, its entity, the language and the moment it stops working, signed with
an HMAC of the server's secret: ``{public_url}/documents/{token}/{name}.pdf``. The token is
opaque to its holder; a changed byte or a passed moment makes it a 403 that tells which of the
two it was to nobody. A link always serves the document as it is *now* (its current revision).

Expiry moments are rounded up to the next full ``BUCKET`` seconds (midnight UTC), so the links a
document shows stay the same between reads on one day (and caches can keep them): a link works
for the TTL and up to a day more.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from remit.core import clock

BUCKET = 24 * 3600
PURPOSE = b"remit receivable document links v1"


@dataclass(frozen=True)
class Grant:
    receivable_id: uuid.UUID
    entity_id: uuid.UUID
    language: str
    expires: int  # POSIX seconds


@functools.lru_cache(maxsize=8)  # one secret per server (a few while keys rotate): derived once, not per link
def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def expiry(ttl_seconds: int, now: datetime | None = None) -> int:
    moment = int((now or clock.now()).timestamp()) + ttl_seconds
    return -(-moment // BUCKET) * BUCKET


def sign(secret: str, grant: Grant) -> str:
    payload = _b64(json.dumps([grant.receivable_id.hex, grant.entity_id.hex, grant.language, grant.expires],
                              separators=(",", ":")).encode())
    signature = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest()[:20])
    return f"{payload}.{signature}"


def verify(secret: str, token: str, now: datetime | None = None) -> Grant | None:
    """The grant of a well-signed, unexpired token; None for anything else."""
    payload, _, signature = token.partition(".")
    if not payload or not signature:
        return None
    expected = _b64(hmac.new(_key(secret), payload.encode(), hashlib.sha256).digest()[:20])
    if not hmac.compare_digest(expected, signature):
        return None
    try:
        receivable, entity, language, expires = json.loads(_unb64(payload))
        grant = Grant(uuid.UUID(hex=receivable), uuid.UUID(hex=entity), str(language), int(expires))
    except (ValueError, TypeError):
        return None
    if grant.expires <= int((now or clock.now()).timestamp()):
        return None
    return grant


def url(base: str, secret: str, grant: Grant, name: str) -> str:
    return f"{base.rstrip('/')}/documents/{sign(secret, grant)}/{quote(name, safe='')}.pdf"
