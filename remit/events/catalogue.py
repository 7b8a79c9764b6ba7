"""The event catalogue: every ``<object_type>.<event_type>`` remit may emit (docs/webhooks.md, "Events").

Subscriptions do not validate their ``event_types`` against it (a name remit never emits simply
never matches); it is here so that an event written under a name nobody documented is noticed:
``check`` warns with ``UncataloguedEvent``, which the test suite turns into an error.
"""

from __future__ import annotations

import warnings

# Monite's published names are kept verbatim, odd verb forms included ("delete", "update").
CATALOGUE: dict[str, tuple[str, ...]] = {
    "payable": (
        "created", "created_from_mail", "updated", "deleted", "ocr_finished", "submitted_for_approval",
        "multiple_approval_policies_matched", "approved", "rejected", "reopened", "canceled", "partially_paid",
        "paid",
    ),
    "payable.line_item": ("created", "updated", "deleted"),
    "payables_credit_note": (
        "created", "updated", "deleted", "submitted_for_approval", "approved", "rejected", "canceled",
    ),
    "approval_policy": ("created", "updated", "deleted", "process_canceled"),
    "approval_policy_process": ("created", "execution_error"),
    "approval_request": ("created", "approved", "rejected", "canceled"),
    "receivable": (
        "created", "updated", "deleted", "issued", "mail_sent", "accepted", "declined", "expired", "partially_paid",
        "paid", "overdue", "uncollectible", "canceled", "rejected",
    ),
    "accounting_connection": ("connected", "disconnected", "deauthorized", "pending_auth"),
    "batch_payment": ("status_updated",),
    "comment": ("create", "update"),
    "counterpart": ("created", "updated", "delete", "metadata_update"),
    "counterpart_address": ("created", "update", "delete", "made_default"),
    "counterpart_bank_account": ("created", "update", "delete"),
    "counterpart_contact_person": ("created", "update", "delete", "make_default"),
    "counterpart_tax_id": ("created", "update", "delete"),
    "counterpart_vat_id": ("created", "update", "delete"),
    "delivery_note": ("created", "updated", "delivered", "canceled", "deleted"),
    "entity": (
        "created", "updated", "onboarding_requirements.updated", "onboarding_requirements.status_updated",
        "payment_method.us_ach.activated", "payment_method.us_ach.deactivated",
    ),
    # Not in Monite's table: the entity's own bank accounts report their changes like the others.
    "entity_bank_account": ("created", "updated", "deleted"),
    "entity_user": ("created", "updated", "deleted"),
    "role": ("created", "updated", "deleted"),
    "ocr_task": ("finished",),
    "payment_intent": ("status_updated",),
    "payment_link": ("created", "status_updated"),
    "project": ("created", "updated", "deleted"),
    "receipt": ("created", "updated", "deleted", "ocr_finished"),
    "tag": ("created", "updated", "deleted"),
}  # fmt: skip

ACTIONS: frozenset[str] = frozenset(
    f"{object_type}.{event_type}" for object_type, event_types in CATALOGUE.items() for event_type in event_types
)


class UncataloguedEvent(UserWarning):
    """An event was written under a name the catalogue does not list."""


def check(action: str) -> None:
    if action not in ACTIONS:
        warnings.warn(f"event {action!r} is not in remit.events.catalogue", UncataloguedEvent, stacklevel=3)
