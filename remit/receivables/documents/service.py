"""A document's PDF for its current revision: found among the files rendered before, or rendered
now and stored (one file per revision and language, ``ReceivableDocument``).

When: a document is rendered the first time its PDF is asked for — through a link, by the mail
delivery that attaches it, or by the background job that renders new revisions ahead of that
(``receivables.render_documents``) — never inside the request that changed it; see
docs/decisions.md, "PDFs are rendered off the request path".
"""

from __future__ import annotations

import base64
import logging
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from remit.core import clock
from remit.entities.models import settings_of
from remit.files import service as files
from remit.files.models import StoredFile
from remit.receivables import wire
from remit.receivables.documents import einvoice, links, render, view
from remit.receivables.models import Receivable, ReceivableDocument

log = logging.getLogger("remit.documents")
FILE_TYPE = "receivables"
_OWN_FILE = re.compile(r"/files/(?P<id>[0-9a-fA-F-]{32,36})/(?P<key>[^/]+)/")


def _logo(session: Session, receivable: Receivable) -> str | None:
    """The entity's logo as a ``data:`` URI when it is one of remit's stored images; a logo
    elsewhere on the web is not fetched (rendering reaches no network)."""
    address = (receivable.entity or {}).get("logo")
    match = _OWN_FILE.search(address or "")
    if match is None:
        return None
    try:
        stored = files.download(session, uuid.UUID(match["id"]), match["key"])
    except ValueError:
        return None
    if stored is None or stored.entity_id != receivable.entity_id or not stored.mimetype.startswith("image/"):
        return None
    return f"data:{stored.mimetype};base64,{base64.b64encode(stored.content).decode()}"


def view_of(session: Session, receivable: Receivable, language: str, *, reminder: bool = False) -> tuple[
        view.View, dict[str, Any]]:
    body = wire.document(session, receivable, links=False)
    settings = settings_of(session, receivable.entity_id)
    return view.build(body, language=language, settings=settings, logo=_logo(session, receivable),
                      reminder=reminder), body


def file_name(receivable: Receivable) -> str:
    return receivable.document_id or f"{receivable.type}-{receivable.id}"


def render_pdf(session: Session, receivable: Receivable, language: str, *, reminder: bool = False) -> tuple[
        view.View, bytes]:
    """Render (not store) the document's PDF; issued invoices and credit notes embed their e-invoice."""
    shown, body = view_of(session, receivable, language, reminder=reminder)
    xml = einvoice.build(body) if not reminder and einvoice.supported(body) else None
    return shown, render.pdf(shown, title=f"{shown.data['title']} {shown.data['document_id']}".strip(), xml=xml)


@dataclass(frozen=True)
class Rendered:
    """A PDF rendered for a revision that had none, not stored yet (``keep`` stores it)."""

    receivable_id: uuid.UUID
    entity_id: uuid.UUID
    revision: str
    language: str
    name: str
    content: bytes
    render_ms: int


def _stored(session: Session, receivable_id: uuid.UUID, revision: str, language: str) -> StoredFile | None:
    found = session.scalar(select(ReceivableDocument.file_id).where(
        ReceivableDocument.receivable_id == receivable_id, ReceivableDocument.revision == revision,
        ReceivableDocument.language == language))
    return files.find(session, found) if found is not None else None


def lookup(session: Session, receivable: Receivable, language: str) -> StoredFile | Rendered:
    """The stored PDF of the document's current revision in ``language``, or — when there is none
    yet — that PDF rendered now (writes nothing: rendering holds no write transaction)."""
    shown, _ = view_of(session, receivable, language)
    revision = shown.digest()
    stored = _stored(session, receivable.id, revision, language)
    if stored is not None:
        return stored
    started = time.perf_counter()
    _, content = render_pdf(session, receivable, language)
    elapsed = int((time.perf_counter() - started) * 1000)
    log.info("rendered %s %s (%s) in %d ms", receivable.type, receivable.id, language, elapsed)
    return Rendered(receivable.id, receivable.entity_id, revision, language, f"{file_name(receivable)}.pdf", content,
                    elapsed)


def keep(session: Session, rendered: Rendered) -> StoredFile:
    """Store a rendered PDF as its revision's file (or return the one stored meanwhile)."""
    existing = _stored(session, rendered.receivable_id, rendered.revision, rendered.language)
    if existing is not None:
        return existing
    stored = files.store(session, entity_id=rendered.entity_id, content=rendered.content, name=rendered.name,
                         file_type=FILE_TYPE, mimetype="application/pdf")
    try:
        with session.begin_nested():
            session.add(ReceivableDocument(
                id=uuid.uuid4(), entity_id=rendered.entity_id, receivable_id=rendered.receivable_id,
                revision=rendered.revision, language=rendered.language, file_id=stored.id,
                render_ms=rendered.render_ms, created_at=clock.now()))
    except IntegrityError:  # stored at the same moment by another process: keep theirs
        session.delete(stored)
        kept = _stored(session, rendered.receivable_id, rendered.revision, rendered.language)
        if kept is not None:
            return kept
        raise
    return stored


def urls(session: Session, receivable: Receivable) -> dict[str, str]:
    """``file_url`` (the counterpart's language) and ``original_file_url`` (the entity's)."""
    from remit.runtime import runtime_of

    runtime = runtime_of(session)
    settings = runtime.settings
    expires = links.expiry(settings.document_link_ttl_seconds)
    name = file_name(receivable)

    def link(language: str) -> str:
        grant = links.Grant(receivable.id, receivable.entity_id, language, expires)
        return links.url(settings.public_url, runtime.secret, grant, name)

    shown, original = receivable.file_language or "en", receivable.original_file_language or "en"
    file_url = link(shown)
    return {"file_url": file_url, "original_file_url": file_url if original == shown else link(original)}


def by_link(session: Session, token: str) -> StoredFile | Rendered | None:
    """What a link grants: the stored or freshly rendered PDF, or None for a document gone.
    Raises ``LinkRefused`` for a link that is not good (tampered or expired)."""
    from remit.runtime import runtime_of

    grant = links.verify(runtime_of(session).secret, token)
    if grant is None:
        raise LinkRefused()
    receivable = session.scalars(select(Receivable).where(
        Receivable.id == grant.receivable_id, Receivable.entity_id == grant.entity_id,
        Receivable.status != "deleted")).first()
    if receivable is None:
        return None
    found = lookup(session, receivable, grant.language)
    if isinstance(found, StoredFile):
        session.refresh(found, ["content"])
    return found


class LinkRefused(Exception):
    """A link whose signature does not hold or whose time has passed."""
