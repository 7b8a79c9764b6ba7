"""Sign-in links and console sessions (docs/console.md, "Security model").

A partner asks for a link for one of its entity users (``create_link``). Opening it once
(``redeem``) marks it used with a conditional UPDATE and starts a session: a signed cookie naming
the user, the entity and a session id. Every console request turns that cookie into the same
``RequestContext`` an entity user's API token gets (``auth.context.resolve_context``), so a user
deleted or deactivated since, or an entity that went inactive, ends the session there; signing out
revokes the session id the way ``/auth/revoke`` revokes a token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from remit.auth.models import RevokedToken
from remit.auth.tokens import ENTITY_USER, Principal
from remit.console.errors import CsrfRefused, LinkRefused, NotSignedIn
from remit.console.models import ConsoleLink
from remit.core import clock
from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.entities.users.models import EntityUser

LINK_PATH = "/console/sign-in/"
COOKIE = "remit_console"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class NewLink:
    url: str
    expires_at: datetime


def create_link(
    session: Session, ctx: RequestContext, *, entity_user_id: uuid.UUID, base_url: str, ttl_seconds: int
) -> NewLink:
    """A partner's sign-in link for an active user of the entity in ``x-monite-entity-id``."""
    ctx.require_partner()
    entity_id = ctx.scoped_entity_id
    user = session.scalars(
        select(EntityUser).where(EntityUser.entity_id == entity_id, EntityUser.id == entity_user_id)
    ).first()
    if user is None or user.status != "active":
        raise FieldError(("body", "entity_user_id"), "Must be an active entity user of this entity")
    token = secrets.token_urlsafe(32)
    now = clock.now()
    link = ConsoleLink(
        entity_id=entity_id,
        entity_user_id=user.id,
        partner_id=ctx.partner_id,
        client_id=ctx.principal.client_id,
        token_hash=_hash(token),
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    session.add(link)
    session.flush()
    return NewLink(url=f"{base_url.rstrip('/')}{LINK_PATH}{token}", expires_at=link.expires_at)


def redeem(session: Session, token: str) -> ConsoleLink:
    """Use a link once. Unknown, expired and used links are refused alike."""
    now = clock.now()
    used = session.execute(
        update(ConsoleLink)
        .where(ConsoleLink.token_hash == _hash(token), ConsoleLink.used_at.is_(None), ConsoleLink.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused()
    link = session.scalars(select(ConsoleLink).where(ConsoleLink.token_hash == _hash(token))).one()
    user = session.get(EntityUser, link.entity_user_id)
    if user is None or user.status != "active":
        raise LinkRefused()
    return link


class Sessions:
    """Signs and reads session cookies and their CSRF tokens with a key derived from the server secret."""

    def __init__(self, secret: str, ttl_seconds: int):
        self._key = hashlib.sha256(b"remit-console:" + secret.encode()).digest()
        self.ttl_seconds = ttl_seconds

    def issue(self, link: ConsoleLink) -> str:
        now = clock.now()
        claims = {
            "sid": secrets.token_hex(16),
            "uid": str(link.entity_user_id),
            "eid": str(link.entity_id),
            "pid": str(link.partner_id),
            "cid": str(link.client_id),
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
        }
        return jwt.encode(claims, self._key, algorithm="HS256")

    def principal(self, cookie: str | None) -> Principal:
        """The entity user a session cookie names; its ``jti`` is the session id (revocable)."""
        if not cookie:
            raise NotSignedIn()
        try:
            claims: dict[str, Any] = jwt.decode(
                cookie, self._key, algorithms=["HS256"], options={"verify_exp": False, "verify_iat": False}
            )
            principal = Principal(
                jti=str(claims["sid"]),
                grant_type=ENTITY_USER,
                client_id=uuid.UUID(claims["cid"]),
                partner_id=uuid.UUID(claims["pid"]),
                expires_at=int(claims["exp"]),
                entity_id=uuid.UUID(claims["eid"]),
                entity_user_id=uuid.UUID(claims["uid"]),
            )
        except (jwt.PyJWTError, KeyError, ValueError, TypeError):
            raise NotSignedIn() from None
        if principal.expires_at <= clock.now().timestamp():
            raise NotSignedIn()
        return principal

    def csrf_token(self, principal: Principal) -> str:
        return hmac.new(self._key, b"csrf:" + principal.jti.encode(), hashlib.sha256).hexdigest()

    def check_csrf(self, principal: Principal, given: str | None) -> None:
        if not given or not hmac.compare_digest(self.csrf_token(principal), given):
            raise CsrfRefused()


def sign_out(session: Session, principal: Principal) -> None:
    """Revoke the session id, as ``/auth/revoke`` revokes a token's ``jti``."""
    if session.get(RevokedToken, principal.jti) is None:
        session.add(RevokedToken(jti=principal.jti, expires_at=datetime.fromtimestamp(principal.expires_at, UTC)))
        session.flush()
