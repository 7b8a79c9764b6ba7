"""Every domain's models, imported so that Alembic and the schema test see one metadata."""

from remit.approvals.models import ApprovalPolicy, ApprovalProcess, ApprovalRequest, ApprovalRequestAssignee
from remit.auth.models import Partner, PartnerCredential, RevokedToken, ServerSecret
from remit.bank_accounts.models import EntityBankAccount
from remit.console.models import ConsoleComment, ConsoleLink
from remit.core.base import Base
from remit.counterparts.models import (
    Counterpart,
    CounterpartAddress,
    CounterpartBankAccount,
    CounterpartContact,
    CounterpartEinvoicingCredential,
    CounterpartVatId,
)
from remit.entities.document_numbers.models import DocumentCounter
from remit.entities.models import Entity, EntitySettings, EntityVatId
from remit.entities.roles.models import Role
from remit.entities.users.models import EntityUser
from remit.events.models import Event
from remit.files.models import StoredFile
from remit.measure_units.models import MeasureUnit
from remit.payables.credit_notes.models import PayableCreditNote
from remit.payables.models import Payable, PayableHistory, PayableLineItem, PayableValidationRules
from remit.payment_terms.models import PaymentTerms
from remit.products.models import Product
from remit.receivables.models import Receivable, ReceivableHistory, ReceivableLineItem, ReceivableMail
from remit.receivables.rejection_reasons.models import ReceivableRejectionReason
from remit.tags.models import Tag
from remit.vat_rates.models import CustomVatRate
from remit.webhooks.models import WebhookDelivery, WebhookDeliveryAttempt, WebhookSubscription

metadata = Base.metadata

__all__ = [
    "ApprovalPolicy",
    "ApprovalProcess",
    "ApprovalRequest",
    "ApprovalRequestAssignee",
    "Base",
    "ConsoleComment",
    "ConsoleLink",
    "Counterpart",
    "CounterpartAddress",
    "CounterpartBankAccount",
    "CounterpartContact",
    "CounterpartEinvoicingCredential",
    "CounterpartVatId",
    "CustomVatRate",
    "DocumentCounter",
    "Entity",
    "EntityBankAccount",
    "EntitySettings",
    "EntityUser",
    "EntityVatId",
    "Event",
    "MeasureUnit",
    "Partner",
    "PartnerCredential",
    "Payable",
    "PayableCreditNote",
    "PayableHistory",
    "PayableLineItem",
    "PayableValidationRules",
    "PaymentTerms",
    "Product",
    "Receivable",
    "ReceivableHistory",
    "ReceivableLineItem",
    "ReceivableMail",
    "ReceivableRejectionReason",
    "RevokedToken",
    "Role",
    "ServerSecret",
    "StoredFile",
    "Tag",
    "WebhookDelivery",
    "WebhookDeliveryAttempt",
    "WebhookSubscription",
    "metadata",
]
