"""Every failure the receivables domain names (docs/receivables.md, "Errors")."""

from __future__ import annotations

import uuid

from remit.core.errors import BadRequest, Conflict, NotFound


class ReceivableNotFound(NotFound):
    def __init__(self, receivable_id: uuid.UUID | str | None = None):
        super().__init__(f"Receivable with ID {receivable_id} not found." if receivable_id else "Receivable not found.")


class HistoryNotFound(NotFound):
    def __init__(self, history_id: uuid.UUID | str):
        super().__init__(f"Receivable history record with ID {history_id} not found.")


class MailNotFound(NotFound):
    def __init__(self, mail_id: uuid.UUID | str):
        super().__init__(f"Mail with ID {mail_id} not found.")


class ReceivableTransitionConflict(Conflict):
    """An action the document's type or current status does not allow."""

    def __init__(self, action: str | None = None, status: str | None = None, *, kind: str | None = None):
        if kind is not None:
            message = f"Cannot {action} a receivable of type '{kind}'"
        else:
            message = f"Cannot {action} a receivable in status '{status}'"
        super().__init__(message)
        self.action, self.status = action, status


class NotDraft(Conflict):
    message = "Receivable is not in draft status"


class OnlyDraftsDeletable(Conflict):
    message = "Only draft receivables can be deleted"


class InvoiceHasPayments(Conflict):
    message = "Invoice has payments; issue a credit note for the remaining amount instead"


class CannotIssue(Conflict):
    def __init__(self, missing: list[str]):
        super().__init__(f"Receivable cannot be issued: missing {', '.join(missing)}")
        self.missing = missing


class EinvoicingUnavailable(Conflict):
    message = "E-invoicing is not available"


class DraftCreditNoteExists(Conflict):
    message = "A draft credit note already exists for this invoice"


class InvoiceFromQuoteExists(Conflict):
    message = "An invoice based on this quote already exists"


class SignatureRequired(Conflict):
    message = "A signature is required to accept this quote"


class CreditNoteTooLarge(Conflict):
    message = "The credit note exceeds the amount due on the invoice"


class CreditNoteExceedsInvoice(Conflict):
    message = "The credit note returns more than is left to return on the invoice"


class FieldNotEditable(Conflict):
    def __init__(self, field: str):
        super().__init__(f"Field '{field}' cannot be changed on an issued invoice in the entity's edit mode")


class WrongUpdateWrapper(Conflict):
    def __init__(self, wrapper: str, kind: str, status: str):
        super().__init__(f"'{wrapper}' does not apply to a {kind.replace('_', ' ')} in status '{status}'")


class MissingReference(Conflict):
    """Stored data refers to an object that is gone (a clone needs it)."""

    def __init__(self, name: str):
        super().__init__(f"The {name} this document refers to no longer exists")


class NoRecipient(Conflict):
    message = "No recipient: the counterpart has no e-mail address; give recipients"


class NoReminder(Conflict):
    def __init__(self, kind: str):
        super().__init__(f"The invoice has no {kind} reminder")


class PaymentOutOfBounds(BadRequest):
    pass


class OnlyDraftInvoicesRejectable(Conflict):
    message = "Only draft invoices can be rejected"
