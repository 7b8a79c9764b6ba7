"""The manual status transitions (docs/payables.md, "Lifecycle") walked end to end through the
official ``monite`` SDK against ``remit serve``: every documented move, the refused ones (409 with
Monite's body), the partial-payment bounds, deletion, history, and a user whose role lacks
``cancel``."""

from __future__ import annotations

import pytest
from monite import BizObjectsSchemaInput, PayableActionSchema
from monite.core.api_error import ApiError
from monite.errors import BadRequestError, ForbiddenError, NotFoundError
from monite.types.root_schema_input import RootSchemaInput_Payable

from tests.sdk.conftest import new_login, user_token

CONFLICT = {"error": {"message": "Payable couldn't be updated due to current state"}}
PAYABLE_ACTIONS = ["create", "read", "update", "delete", "submit", "approve", "cancel", "pay", "reopen"]


def payable_permissions(actions: list[str]) -> BizObjectsSchemaInput:
    return BizObjectsSchemaInput(objects=[RootSchemaInput_Payable(
        actions=[PayableActionSchema(action_name=a, permission="allowed") for a in actions])])


def complete_payable(client, **fields):
    """A payable promoted to ``new``: the default rules' fields plus one line item (2 × 50.00 at 19 %)."""
    payable = client.payables.create(currency="EUR", document_id="INV-003", issued_at="2024-05-01",
                                     due_date="2024-05-31", **fields)
    assert payable.status == "draft"
    line = client.payables.line_items.create(payable.id, name="Widget", quantity=2, unit_price=5000, tax=1900)
    assert (line.subtotal, line.tax_amount, line.total) == (10000, 1900, 11900)
    payable = client.payables.get_by_id(payable.id)
    assert (payable.status, payable.total_amount) == ("new", 11900)
    return payable


def assert_refused(call, *args, **kwargs) -> None:
    """409 with Monite's body: ``ConflictError`` where the SDK maps 409, else a plain ``ApiError``."""
    with pytest.raises(ApiError) as caught:
        call(*args, **kwargs)
    assert caught.value.status_code == 409
    assert caught.value.body == CONFLICT


def test_seed_003_walk(on_entity):
    payables = on_entity.payables

    # Upload: an empty payable is a draft; cancel works from draft.
    draft = payables.create()
    assert (draft.status, draft.payable_origin, draft.source_of_payable_data) == ("draft", "upload",
                                                                                 "user_specified")
    assert payables.cancel_by_id(draft.id).status == "canceled"
    assert_refused(payables.cancel_by_id, draft.id)  # canceled is terminal
    assert_refused(payables.reopen_by_id, draft.id)

    # A complete payable is new; cancel works from new as well.
    other = complete_payable(on_entity)
    assert payables.cancel_by_id(other.id).status == "canceled"

    # Start approval → reject → reopen → start again → confirm for payment.
    payable = complete_payable(on_entity)
    assert_refused(payables.reject_by_id, payable.id)  # reject needs approve_in_progress
    assert_refused(payables.mark_as_paid_by_id, payable.id)  # not from new
    assert payables.submit_for_approval_by_id(payable.id).status == "approve_in_progress"
    assert_refused(payables.cancel_by_id, payable.id)
    assert_refused(payables.submit_for_approval_by_id, payable.id)
    assert_refused(payables.update_by_id, payable.id, description="too late")  # no edits once submitted
    rejected = payables.reject_by_id(payable.id)
    assert rejected.status == "rejected"
    assert rejected.counterpart is None  # no supplier linked and no raw data: nothing to freeze
    assert payables.reopen_by_id(payable.id).status == "new"
    assert payables.submit_for_approval_by_id(payable.id).status == "approve_in_progress"
    approved = payables.approve_payment_by_id(payable.id)
    assert approved.status == "waiting_to_be_paid"
    assert_refused(payables.approve_payment_by_id, payable.id)

    # Partial payments carry the cumulative amount; amount_due follows.
    partial = payables.mark_as_partially_paid_by_id(payable.id, amount_paid=4000)
    assert (partial.status, partial.amount_paid, partial.amount_due) == ("partially_paid", 4000, 7900)
    partial = payables.mark_as_partially_paid_by_id(payable.id, amount_paid=9000)
    assert (partial.amount_paid, partial.amount_due, partial.amount_to_pay) == (9000, 2900, 2900)
    for amount in (0, 11900):
        with pytest.raises(BadRequestError) as caught:
            payables.mark_as_partially_paid_by_id(payable.id, amount_paid=amount)
        assert caught.value.status_code == 400
        assert caught.value.body == {"error": {"message": "amount_paid must be greater than 0 and less than the "
                                                          "total amount; use mark_as_paid for full payment"}}
    assert_refused(payables.reopen_by_id, payable.id)

    # Mark as paid with a comment.
    paid = payables.mark_as_paid_by_id(payable.id, comment="Paid by bank transfer on 2024-05-20")
    assert (paid.status, paid.amount_paid, paid.amount_due, paid.amount_to_pay) == ("paid", 11900, 0, 0)
    assert paid.marked_as_paid_with_comment == "Paid by bank transfer on 2024-05-20"
    assert paid.marked_as_paid_by_entity_user_id is None  # a partner token
    assert paid.paid_at is not None
    for call in (payables.mark_as_paid_by_id, payables.cancel_by_id, payables.reopen_by_id,
                 payables.delete_by_id):
        assert_refused(call, payable.id)
    assert_refused(payables.mark_as_partially_paid_by_id, payable.id, amount_paid=100)
    assert payables.get_by_id(payable.id).status == "paid"

    history = payables.get_payables_id_history(payable.id, event_type_in=["status_changed"])
    assert [(h.event_data.old_status, h.event_data.new_status) for h in history.data] == [
        ("draft", "new"), ("new", "approve_in_progress"), ("approve_in_progress", "rejected"), ("rejected", "new"),
        ("new", "approve_in_progress"), ("approve_in_progress", "waiting_to_be_paid"),
        ("waiting_to_be_paid", "partially_paid"), ("partially_paid", "partially_paid"),
        ("partially_paid", "paid"),
    ]

    # Deletion of a canceled payable; afterwards it is gone.
    payables.delete_by_id(draft.id)
    with pytest.raises(NotFoundError) as caught:
        payables.get_by_id(draft.id)
    assert caught.value.body == {"error": {"message": f"Payable with ID {draft.id} not found."}}


def test_reopen_from_waiting_to_be_paid(on_entity):
    payable = complete_payable(on_entity)
    assert on_entity.payables.approve_payment_by_id(payable.id).status == "waiting_to_be_paid"
    assert on_entity.payables.reopen_by_id(payable.id).status == "new"
    updated = on_entity.payables.update_by_id(payable.id, description="corrected")
    assert (updated.status, updated.description) == ("new", "corrected")
    assert on_entity.payables.update_by_id(payable.id) == on_entity.payables.get_by_id(payable.id)  # no-op


def test_user_without_cancel_permission(server, on_entity):
    role = on_entity.roles.create(name="no-cancel",
                                  permissions=payable_permissions([a for a in PAYABLE_ACTIONS if a != "cancel"]))
    user = on_entity.entity_users.create(login=new_login(), first_name="Nina", role_id=role.id)
    as_user = server.client(token=user_token(server, user.id))
    payable = complete_payable(as_user)
    assert payable.was_created_by_user_id == user.id
    with pytest.raises(ForbiddenError) as caught:
        as_user.payables.cancel_by_id(payable.id)
    assert caught.value.status_code == 403
    assert caught.value.body == {"error": {"message": "Action cancel for payable not allowed"}}
    assert on_entity.payables.get_by_id(payable.id).status == "new"
    # Everything else the role grants still works, and the payment records the user.
    assert as_user.payables.approve_payment_by_id(payable.id).status == "waiting_to_be_paid"
    paid = as_user.payables.mark_as_paid_by_id(payable.id)
    assert (paid.status, paid.marked_as_paid_by_entity_user_id, paid.marked_as_paid_with_comment) == (
        "paid", user.id, None)
