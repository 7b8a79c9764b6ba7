"""Mails of receivables: previewing texts, sending a document (issuing a draft first), test
reminders. Mails are recorded here; their delivery belongs to the mail transport."""

from __future__ import annotations

import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.db.unit_of_work import after_commit
from remit.counterparts.models import Counterpart
from remit.entities.models import settings_of
from remit.receivables import history
from remit.receivables.documents.view import Formatter, locale_for, party_name
from remit.receivables.errors import NoRecipient, NoReminder, ReceivableTransitionConflict
from remit.receivables.lifecycle import ReceivableType, S
from remit.receivables.models import Receivable, ReceivableMail
from remit.receivables.service import amounts
from remit.receivables.service.common import OBJECT, emit, load

# The statuses in which a document may be previewed and sent, by type.
SENDABLE = {
    ReceivableType.invoice: frozenset({S.draft, S.issued, S.overdue, S.partially_paid, S.paid}),
    ReceivableType.quote: frozenset({S.draft, S.issued}),
    ReceivableType.credit_note: frozenset({S.draft, S.issued}),
}
_VARIABLE = re.compile(r"\{(\w+)\}")
_LINE_BREAK = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")


def values(receivable: Receivable, language: str | None = None) -> dict[str, str]:
    """What the template variables stand for in this document, amounts and dates written the way
    ``language`` writes them (Babel)."""
    fmt = Formatter(receivable.currency, locale_for(language or receivable.file_language))
    entity = receivable.entity or {}
    name = party_name(entity)
    result = {
        "document_id": receivable.document_id or "", "counterpart_name": receivable.counterpart_name or "",
        "entity_name": name, "total_amount": fmt.money(receivable.total_amount), "currency": receivable.currency,
        "issue_date": fmt.day(receivable.issue_date), "expiry_date": fmt.day(receivable.expiry_date),
        "due_date": fmt.day(receivable.due_date), "payment_page_url": receivable.payment_page_url or "",
    }
    if receivable.type == ReceivableType.invoice:
        result["amount_due"] = fmt.money(amounts.balances(receivable)[1])
    return result


def render(text: str, variables: dict[str, str]) -> str:
    """``{name}`` replaced by its value; unknown names stay as they are. Plain substitution, one
    pass: user text runs no code, and a value is never read again as a template."""
    return _VARIABLE.sub(lambda match: variables.get(match.group(1), match.group(0)), text)


def one_line(text: str) -> str:
    """A subject on one line (a mail header): line breaks in user text become spaces."""
    return _LINE_BREAK.sub(" ", text)


# Test reminders' texts (reminder configurations are not kept by remit yet; their ids are).
REMINDER_TEXTS = {
    "term_1": ("Reminder: invoice {document_id}",
               "Dear {counterpart_name},\n\nthis is a reminder that invoice {document_id} of {total_amount} can "
               "still be paid with a discount.\n\n{entity_name}"),
    "term_2": ("Reminder: invoice {document_id}",
               "Dear {counterpart_name},\n\nthis is a reminder that invoice {document_id} of {total_amount} can "
               "still be paid with a discount.\n\n{entity_name}"),
    "term_final": ("Reminder: invoice {document_id} is due on {due_date}",
                   "Dear {counterpart_name},\n\ninvoice {document_id} is due on {due_date}; {amount_due} remain "
                   "to be paid.\n\n{entity_name}"),
    "overdue": ("Overdue: invoice {document_id}",
                "Dear {counterpart_name},\n\ninvoice {document_id} was due on {due_date}; {amount_due} remain "
                "unpaid. Please pay at your earliest convenience.\n\n{entity_name}"),
}


def _sendable(receivable: Receivable, action: str, settings: dict[str, Any]) -> None:
    allowed = SENDABLE[ReceivableType(receivable.type)]
    if receivable.type == ReceivableType.invoice and settings.get("receivable_edit_flow") == "non_compliant":
        allowed = allowed | {S.canceled}
    if receivable.status not in allowed:
        raise ReceivableTransitionConflict(action, receivable.status)


def preview(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID, body_text: str,
            subject_text: str, language: str | None = None) -> dict[str, str]:
    receivable = load(session, ctx, receivable_id, "read")
    _sendable(receivable, "preview", settings_of(session, receivable.entity_id))
    variables = values(receivable, language)
    return {"body_preview": render(body_text, variables), "subject_preview": one_line(render(subject_text, variables))}


def _recipients(session: Session, receivable: Receivable,
                given: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """Who gets the mail: the addresses given, else the counterpart contact's e-mail, else the
    counterpart's own (read from the counterpart, which the document does not copy). Every
    recipient starts unreached; the delivery records each one's outcome."""
    def states(addresses: list[str] | None) -> list[dict[str, Any]]:
        return [{"email": str(address), "is_success": False, "error": None} for address in addresses or []]

    to = list((given or {}).get("to") or [])
    if not to:
        contact = receivable.counterpart_contact or {}
        if contact.get("email"):
            to = [contact["email"]]
    if not to:
        email = session.scalar(select(Counterpart.email).where(
            Counterpart.id == receivable.counterpart_id, Counterpart.entity_id == receivable.entity_id))
        if email:
            to = [email]
    if not to:
        raise NoRecipient()
    return {"to": states(to), "cc": states((given or {}).get("cc")), "bcc": states((given or {}).get("bcc"))}


def _record(session: Session, ctx: RequestContext, receivable: Receivable, *, subject: str, body: str,
            recipients: dict[str, Any], kind: str = "receivable", language: str = "en") -> ReceivableMail:
    """The mail as ``pending``: the background delivery (``receivables.mailing.delivery``) sends it,
    woken by this request's commit."""
    now = clock.now()
    mail = ReceivableMail(
        id=uuid.uuid4(), entity_id=receivable.entity_id, receivable_id=receivable.id, status="pending", kind=kind,
        subject=one_line(subject), body=body, language=language, recipients=recipients, created_at=now,
        updated_at=now, attempts=0, next_attempt_at=now,
    )
    session.add(mail)
    session.flush()
    runtime = session.info.get("runtime")
    if runtime is not None:
        after_commit(session, runtime.mails.committed)
    history.mail_sent(session, ctx, receivable, mail_id=mail.id, mail_status=mail.status, recipients=recipients,
                      term=None if kind == "receivable" else kind)
    emit(session, receivable, "mail_sent")
    return mail


def send(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID, subject_text: str, body_text: str,
         recipients: dict[str, Any] | None, language: str | None = None) -> dict[str, Any]:
    """Send the document; a draft is issued first (every issue check applies, and nothing is sent
    when one fails)."""
    from remit.receivables.service.transitions import issue_loaded, load_for_transition

    receivable = load_for_transition(session, ctx, receivable_id)
    ctx.check(OBJECT, "update", owner_id=receivable.entity_user_id)
    settings = settings_of(session, receivable.entity_id)
    _sendable(receivable, "send", settings)
    to = _recipients(session, receivable, recipients)
    if receivable.status == S.draft:
        issue_loaded(session, ctx, receivable)
    language = language or receivable.file_language or "en"
    variables = values(receivable, language)
    mail = _record(session, ctx, receivable, subject=render(subject_text, variables),
                   body=render(body_text, variables), recipients=to, language=language)
    return {"mail_id": mail.id}


def send_test_reminder(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID, reminder_type: str,
                       recipients: dict[str, Any] | None) -> dict[str, Any]:
    """A reminder of the kind asked, sent now as a test; it needs the reminder set on the invoice."""
    receivable = load(session, ctx, receivable_id, "read")
    if receivable.type != ReceivableType.invoice:
        raise ReceivableTransitionConflict("send a reminder for", receivable.status, kind=receivable.type)
    reminder = receivable.overdue_reminder_id if reminder_type == "overdue" else receivable.payment_reminder_id
    if reminder is None:
        raise NoReminder("overdue" if reminder_type == "overdue" else "payment")
    to = _recipients(session, receivable, recipients)
    subject, body = REMINDER_TEXTS[reminder_type]
    variables = values(receivable)
    mail = _record(session, ctx, receivable, subject=render(subject, variables), body=render(body, variables),
                   recipients=to, kind=reminder_type, language=receivable.file_language or "en")
    return {"mail_ids": [mail.id]}
