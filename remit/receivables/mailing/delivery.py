"""The delivery of receivable mails, on the background runner (``remit.worker``), never in a request.

``send`` and ``send_test_reminder`` record a mail as ``pending``; the commit that recorded it wakes
this process's loop (``Runtime.mails``), which also looks every ``REMIT_MAIL_POLL_SECONDS`` (for
mails recorded by other processes, and retries). A mail moves
``pending → processing → sent | partially_sent | failed``:

1. **claim** — a conditional update (``pending`` and due, or ``processing`` whose claim lapsed →
   ``processing`` with a lease): the loop runs in every process, and whichever update matches
   owns the mail; a worker that dies mid-delivery leaves the lease to lapse.
2. **attach** — the document's PDF of its current revision (rendered now if it has none).
3. **send** — through the transport, outside any transaction, to the recipients not reached yet.
4. **record** — each recipient's success or error. Recipients that failed are tried again after
   ``REMIT_MAIL_RETRY_SECONDS`` until ``REMIT_MAIL_MAX_ATTEMPTS`` tries; then the mail is
   ``sent`` (all reached), ``partially_sent`` (some) or ``failed`` (none).
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_, select, update

from remit.core import clock
from remit.entities.models import settings_of
from remit.files.models import StoredFile
from remit.receivables.documents import service as documents
from remit.receivables.documents.view import party_name
from remit.receivables.mailing.transport import Transport, from_settings
from remit.receivables.models import Receivable, ReceivableMail

if TYPE_CHECKING:
    from remit.runtime import Runtime

log = logging.getLogger("remit.mail")
LOOP_NAME = "receivables.deliver_mails"
BATCH = 20
LEASE_SECONDS = 300
KINDS = ("to", "cc", "bcc")


@dataclass(frozen=True)
class Claimed:
    mail_id: uuid.UUID
    attempts: int


def _due(now: Any) -> Any:
    return or_(ReceivableMail.status == "pending",
               ReceivableMail.status == "processing") & or_(ReceivableMail.next_attempt_at.is_(None),
                                                            ReceivableMail.next_attempt_at <= now)


def claim(runtime: Runtime, limit: int = BATCH) -> list[Claimed]:
    """Take up to ``limit`` due mails for this process (each a conditional update of its own)."""
    now = clock.now()
    claimed: list[Claimed] = []
    due = (select(ReceivableMail.id, ReceivableMail.status, ReceivableMail.attempts)
           .where(_due(now)).order_by(ReceivableMail.created_at, ReceivableMail.id).limit(limit))
    with runtime.transaction(write=False) as session:  # look before taking a write: most looks find nothing
        if session.execute(due).first() is None:
            return claimed
    with runtime.transaction() as session:
        rows = session.execute(due).all()
        for mail_id, status, attempts in rows:
            result = session.execute(
                update(ReceivableMail)
                .where(ReceivableMail.id == mail_id, ReceivableMail.status == status,
                       ReceivableMail.attempts == attempts)
                .values(status="processing", attempts=attempts + 1, updated_at=now,
                        next_attempt_at=now + timedelta(seconds=LEASE_SECONDS))
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                claimed.append(Claimed(mail_id, attempts + 1))
    return claimed


def _pending_recipients(recipients: dict[str, Any]) -> list[str]:
    return [entry["email"] for kind in KINDS for entry in recipients.get(kind) or [] if not entry.get("is_success")]


def _sender(runtime: Runtime, entity: dict[str, Any]) -> str:
    configured = runtime.settings.mail_from
    if configured:
        return configured
    return str(entity.get("email") or "noreply@localhost")


def _one_line(text: str) -> str:
    """Header text on one line: a line break in user text cannot start a header of its own."""
    from remit.receivables.service.mails import one_line

    return one_line(text)


def compose(runtime: Runtime, mail: ReceivableMail, receivable: Receivable, settings: dict[str, Any],
            attachment: tuple[str, bytes] | None) -> tuple[EmailMessage, str]:
    entity = receivable.entity or {}
    sender = _sender(runtime, entity)
    name = party_name(entity)
    message = EmailMessage()
    message["Subject"] = _one_line(mail.subject)
    message["From"] = formataddr((_one_line(str(name)), sender)) if name else sender
    to = [entry["email"] for entry in mail.recipients.get("to") or []]
    cc = [entry["email"] for entry in mail.recipients.get("cc") or []]
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    reply_to = (settings.get("mail") or {}).get("reply_to")
    if reply_to:
        message["Reply-To"] = _one_line(str(reply_to))
    message["Message-ID"] = make_msgid(idstring=str(mail.id), domain=sender.rpartition("@")[2] or "localhost")
    message.set_content(mail.body or "")
    if attachment is not None:
        file_name, content = attachment
        message.add_attachment(content, maintype="application", subtype="pdf", filename=file_name)
    return message, sender


def _attachment(runtime: Runtime, mail_id: uuid.UUID) -> tuple[ReceivableMail, Receivable, dict[str, Any],
                                                                  tuple[str, bytes]]:
    """The mail, its document, the entity's settings and the PDF to attach (rendered and stored
    if its revision has none; the rendering holds no write transaction)."""
    with runtime.transaction(write=False) as session:
        mail = session.get_one(ReceivableMail, mail_id)
        receivable = session.get_one(Receivable, mail.receivable_id)
        settings = dict(settings_of(session, receivable.entity_id))
        found = documents.lookup(session, receivable, receivable.file_language or "en")
        if isinstance(found, StoredFile):
            session.refresh(found, ["content"])
            attachment = (found.name, found.content)
    if isinstance(found, documents.Rendered):
        rendered = found
        with runtime.transaction() as session:
            documents.keep(session, rendered)
        attachment = (rendered.name, rendered.content)
    return mail, receivable, settings, attachment


def deliver(runtime: Runtime, transport: Transport, claimed: Claimed) -> str:
    """Deliver one claimed mail; its status afterwards."""
    try:
        mail, receivable, settings, attachment = _attachment(runtime, claimed.mail_id)
        message, sender = compose(runtime, mail, receivable, settings, attachment)
        targets = _pending_recipients(mail.recipients)
        results = transport.send(message, sender, targets) if targets else {}
    except Exception as exc:  # the document could not be rendered, the message not composed
        log.exception("mail %s: delivery failed before sending", claimed.mail_id)
        results = {address: f"{type(exc).__name__}: {exc}"[:500] for address in _pending_recipients(
            _recipients_of(runtime, claimed.mail_id))}
    return record(runtime, claimed, results)


def _recipients_of(runtime: Runtime, mail_id: uuid.UUID) -> dict[str, Any]:
    with runtime.transaction(write=False) as session:
        return dict(session.get_one(ReceivableMail, mail_id).recipients)


def record(runtime: Runtime, claimed: Claimed, results: dict[str, str | None]) -> str:
    """Write each recipient's outcome and the mail's status (only while the claim is ours)."""
    now = clock.now()
    settings = runtime.settings
    with runtime.transaction() as session:
        mail = session.scalars(select(ReceivableMail).where(ReceivableMail.id == claimed.mail_id)
                               .with_for_update()).one()
        if mail.status != "processing" or mail.attempts != claimed.attempts:
            return mail.status  # the claim lapsed and another process took the mail over
        recipients = {kind: [dict(entry) for entry in mail.recipients.get(kind) or []] for kind in KINDS}
        for kind in KINDS:
            for entry in recipients[kind]:
                if entry["email"] in results:
                    error = results[entry["email"]]
                    entry["is_success"], entry["error"] = error is None, error
        entries = [entry for kind in KINDS for entry in recipients[kind]]
        reached = sum(1 for entry in entries if entry["is_success"])
        if reached == len(entries):
            status = "sent"
        elif claimed.attempts < settings.mail_max_attempts:
            status = "pending"
        else:
            status = "partially_sent" if reached else "failed"
        mail.recipients = recipients
        mail.status = status
        mail.updated_at = now
        mail.next_attempt_at = now + timedelta(seconds=settings.mail_retry_seconds) if status == "pending" else None
    log.info("mail %s: %s (%d of %d recipients reached, try %d)", claimed.mail_id, status, reached, len(entries),
             claimed.attempts)
    return status


def deliver_due(runtime: Runtime, transport: Transport | None = None) -> int:
    """One pass: claim what is due and deliver it; how many mails were handled."""
    transport = transport or from_settings(runtime.settings.smtp_url, runtime.settings.smtp_timeout_seconds)
    handled = 0
    while True:
        batch = claim(runtime)
        for claimed in batch:
            deliver(runtime, transport, claimed)
        handled += len(batch)
        if len(batch) < BATCH:
            return handled


class Mailer:
    """The loop: a pass whenever woken (a commit that recorded a mail) and every poll interval."""

    def __init__(self) -> None:
        self._wakeup = threading.Event()

    def wake(self) -> None:
        self._wakeup.set()

    def run(self, runtime: Runtime, stopping: threading.Event) -> None:
        poll = runtime.settings.mail_poll_seconds
        while not stopping.is_set():
            self._wakeup.clear()
            deliver_due(runtime)
            self._wakeup.wait(poll)


def register(runtime: Runtime) -> None:
    from remit.worker import Loop

    mailer = Mailer()
    runtime.mails.listen(mailer.wake)
    runtime.jobs.register_loop(Loop(LOOP_NAME, mailer.run, mailer.wake))
