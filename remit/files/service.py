"""Storing files and describing them on the wire (``FileSchema``).

Files are served outside ``/v1`` at ``/files/{id}/{access_key}/{name}``: the URL itself is the
credential, as with Monite's pre-signed storage URLs. ``REMIT_PUBLIC_URL`` is the base of those URLs.
"""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
import uuid
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from remit.config import get_settings
from remit.files.models import StoredFile


def store(
    session: Session, *, entity_id: uuid.UUID, content: bytes, name: str, file_type: str, mimetype: str | None = None
) -> StoredFile:
    stored = StoredFile(
        id=uuid.uuid4(),
        entity_id=entity_id,
        file_type=file_type,
        name=name,
        mimetype=mimetype or mimetypes.guess_type(name)[0] or "application/octet-stream",
        size=len(content),
        md5=hashlib.md5(content, usedforsecurity=False).hexdigest(),
        region=get_settings().storage_region,
        access_key=secrets.token_urlsafe(24),
        content=content,
    )
    session.add(stored)
    session.flush()
    return stored


def url(stored: StoredFile) -> str:
    base = get_settings().public_url.rstrip("/")
    return f"{base}/files/{stored.id}/{stored.access_key}/{quote(stored.name)}"


def describe(stored: StoredFile | None) -> dict[str, Any] | None:
    if stored is None:
        return None
    return {
        "id": stored.id,
        "created_at": stored.created_at,
        "file_type": stored.file_type,
        "md5": stored.md5,
        "mimetype": stored.mimetype,
        "name": stored.name,
        "region": stored.region,
        "size": stored.size,
        "url": url(stored),
        "pages": [],
        "previews": [],
    }


def find(session: Session, file_id: uuid.UUID) -> StoredFile | None:
    return session.get(StoredFile, file_id)


def download(session: Session, file_id: uuid.UUID, access_key: str) -> StoredFile | None:
    stored = session.scalars(
        select(StoredFile).where(StoredFile.id == file_id).options(undefer(StoredFile.content))
    ).first()
    if stored is None or not secrets.compare_digest(stored.access_key, access_key):
        return None
    return stored
