"""Partners and credentials, token issue and revocation (docs/auth-entities.md, "Partners and tokens")."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from remit.auth import schemas
from remit.auth.models import Partner, PartnerCredential, RevokedToken, ServerSecret
from remit.auth.tokens import CLIENT_CREDENTIALS, TokenCodec, expiry_datetime
from remit.core import clock
from remit.core.errors import FieldError, Unauthorized
from remit.entities.models import Entity, EntityStatus
from remit.entities.users.models import EntityUser

SIGNING_KEY = "token_signing_key"
_hasher = PasswordHasher()
# Verified (client_id, secret) pairs, so a token request costs one hash per process and secret.
_verified: dict[tuple[uuid.UUID, str], str] = {}


class InvalidCredentials(Unauthorized):
    message = "Invalid client credentials"


@dataclass(frozen=True)
class NewCredential:
    partner_id: uuid.UUID
    client_id: uuid.UUID
    client_secret: str


def create_partner(session: Session, *, name: str) -> NewCredential:
    partner = Partner(name=name, settings={})
    session.add(partner)
    session.flush()
    secret = secrets.token_urlsafe(32)
    return add_credential(session, partner_id=partner.id, client_id=uuid.uuid4(), client_secret=secret)


def add_credential(
    session: Session, *, partner_id: uuid.UUID, client_id: uuid.UUID, client_secret: str
) -> NewCredential:
    session.add(
        PartnerCredential(
            client_id=client_id, partner_id=partner_id, secret_hash=_hasher.hash(client_secret), created_at=clock.now()
        )
    )
    session.flush()
    return NewCredential(partner_id, client_id, client_secret)


def ensure_credential(session: Session, *, client_id: uuid.UUID, client_secret: str, name: str) -> bool:
    """Make sure a bootstrap credential exists with this secret; True if something was written."""
    credential = session.get(PartnerCredential, client_id)
    if credential is None:
        partner = Partner(name=name, settings={})
        session.add(partner)
        session.flush()
        add_credential(session, partner_id=partner.id, client_id=client_id, client_secret=client_secret)
        return True
    if not _matches(credential, client_secret):
        credential.secret_hash = _hasher.hash(client_secret)
        return True
    return False


def _matches(credential: PartnerCredential, secret: str) -> bool:
    key = (credential.client_id, secret)
    if _verified.get(key) == credential.secret_hash:
        return True
    try:
        _hasher.verify(credential.secret_hash, secret)
    except (VerificationError, InvalidHashError):
        return False
    _verified[key] = credential.secret_hash
    return True


def _authenticate(session: Session, client_id: uuid.UUID, secret: str) -> PartnerCredential:
    credential = session.get(PartnerCredential, client_id)
    if credential is None or not _matches(credential, secret):
        raise InvalidCredentials()
    return credential


def obtain_token(session: Session, *, codec: TokenCodec, payload: schemas.ObtainTokenPayload) -> dict:
    credential = _authenticate(session, payload.client_id, payload.client_secret)
    if payload.grant_type == CLIENT_CREDENTIALS:
        token = codec.issue(grant_type=CLIENT_CREDENTIALS, client_id=credential.client_id, partner_id=credential.partner_id)
    else:
        if payload.entity_user_id is None:
            raise FieldError(("body", "entity_user_id"), "Field required for the entity_user grant", "missing")
        row = session.execute(
            select(EntityUser.id, EntityUser.entity_id)
            .join(Entity, Entity.id == EntityUser.entity_id)
            .where(
                EntityUser.id == payload.entity_user_id,
                EntityUser.status == "active",
                Entity.partner_id == credential.partner_id,
                Entity.status != EntityStatus.deleted,
            )
        ).first()
        if row is None:
            raise Unauthorized("Entity user not found or not active")
        token = codec.issue(
            grant_type=payload.grant_type.value,
            client_id=credential.client_id,
            partner_id=credential.partner_id,
            entity_id=row.entity_id,
            entity_user_id=row.id,
        )
    return {"access_token": token, "expires_in": codec.ttl_seconds, "token_type": "Bearer"}


def revoke_token(session: Session, *, codec: TokenCodec, payload: schemas.RevokeTokenPayload) -> dict:
    credential = _authenticate(session, payload.client_id, payload.client_secret)
    principal = codec.decode_unverified_expiry(payload.token)
    if principal is not None:
        if principal.client_id != credential.client_id:
            raise Unauthorized("The token was not issued to this client")
        expires_at = expiry_datetime(principal)
        if expires_at > clock.now():
            insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            session.execute(
                insert(RevokedToken)
                .values(jti=principal.jti, expires_at=expires_at)
                .on_conflict_do_nothing(index_elements=["jti"])
            )
        # Expired revocations are of no use any more.
        session.execute(delete(RevokedToken).where(RevokedToken.expires_at < clock.now()))
    return {"message": "Token revoked"}


def signing_key(session: Session, configured: str) -> str:
    """The configured key, else the one generated on first start and kept in the database."""
    if configured:
        return configured
    stored = session.get(ServerSecret, SIGNING_KEY)
    if stored is None:
        insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        session.execute(
            insert(ServerSecret)
            .values(name=SIGNING_KEY, value=secrets.token_urlsafe(48), created_at=clock.now())
            .on_conflict_do_nothing(index_elements=["name"])
        )
        stored = session.get_one(ServerSecret, SIGNING_KEY)
    return stored.value
