"""Subscription secrets: made, kept encrypted, and used to sign deliveries.

A secret is ``whsec_`` + 43 URL-safe base64 characters (32 random bytes). It is returned once (at
creation and when regenerated) and stored encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from
``cryptography``), because every delivery attempt needs it back to sign. The Fernet key is derived
with HKDF-SHA256 from the server's secret (``REMIT_SECRET_KEY``, or the one generated and kept in
the database), so a copy of the database alone does not give the secrets away.

The signature (docs/webhooks.md, "Verifying a delivery"): ``Monite-Signature: t=<unix seconds>,v1=<hex>``
where ``<hex>`` is HMAC-SHA256 over ``"<t>." + body`` keyed with the whole secret's UTF-8 bytes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "whsec_"
_INFO = b"remit webhook subscription secrets v1"

__all__ = ["InvalidToken", "SecretBox", "new_secret", "signature_header", "sign"]


def new_secret() -> str:
    return PREFIX + secrets.token_urlsafe(32)  # 32 bytes: 43 characters, no padding


class SecretBox:
    """Encrypts and decrypts subscription secrets with a key derived from the server's secret."""

    def __init__(self, server_secret: str):
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(server_secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str:
        """The secret; ``InvalidToken`` if it was sealed under another server secret."""
        return self._fernet.decrypt(sealed.encode("ascii")).decode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"
