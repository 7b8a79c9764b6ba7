"""Rejecting a draft invoice with the official ``monite`` SDK in hand
(docs/receivables.md, "Rejecting a draft invoice"). The SDK has no method for remit's ``reject``, so the call goes
through the SDK's own HTTP client (its base URL, token, entity and version headers); everything
else — the draft, the read-back, the lists, the history, the refusals of the terminal status — is
the SDK's methods and models, which take the ``rejected`` status and the two extension fields."""

from __future__ import annotations

from typing import Any

import pytest
from monite import Monite, ReceivableResponse_Invoice
from monite.core.api_error import ApiError

from tests.sdk.test_receivables import Billing, make_billing, refused, status_changes


@pytest.fixture
def bill(partner: Monite, entity, on_entity: Monite) -> Billing:
    return make_billing(partner, entity, on_entity)


def reject(client: Monite, receivable_id: str, body: dict[str, Any] | None = None) -> Any:
    response = client._client_wrapper.httpx_client.request(f"receivables/{receivable_id}/reject", method="POST",
                                                           json=body or {})
    return response


def test_draft_rejected_then_read_back_with_the_sdk(bill: Billing):
    receivables = bill.client.receivables
    draft = bill.invoice(memo="Thanks")
    reasons = bill.client._client_wrapper.httpx_client.request("receivable_rejection_reasons", method="GET").json()
    business = next(r for r in reasons["data"] if r["alternative_code"] == "RDTBR")

    response = reject(bill.client, draft.id, {"rejection_reason_id": business["id"], "comment": "Not ordered"})
    assert response.status_code == 200, response.text

    rejected = receivables.get_by_id(draft.id)
    assert isinstance(rejected, ReceivableResponse_Invoice)
    assert (rejected.status, rejected.document_id, rejected.comment) == ("rejected", None, "Not ordered")
    assert (rejected.total_amount, rejected.amount_due, rejected.amount_to_pay) == (draft.total_amount, 0, 0)
    # The SDK's models keep the extension fields they do not declare.
    extra = rejected.dict()
    assert extra["rejection_reason"]["name"] == "Reject Due to Business Request"
    assert extra["rejected_at"] is not None
    assert status_changes(bill.client, draft.id) == [("draft", "rejected")]

    listed = receivables.get(status="rejected").data
    assert [r.id for r in listed] == [draft.id]
    assert [r.id for r in receivables.get(status_in=["rejected", "paid"]).data] == [draft.id]

    # Terminal: no issue, no delete; clone makes a fresh draft.
    assert refused(receivables.issue_by_id, draft.id) == "Receivable is not in draft status"
    assert refused(receivables.delete_by_id, draft.id) == "Only draft receivables can be deleted"
    clone = receivables.clone_by_id(draft.id)
    assert isinstance(clone, ReceivableResponse_Invoice) and clone.status == "draft"
    assert "rejection_reason" not in clone.dict()

    again = reject(bill.client, draft.id)
    assert again.status_code == 409 and again.json() == {"error": {"message": "Only draft invoices can be rejected"}}


def test_an_issued_invoice_cannot_be_rejected(bill: Billing):
    issued = bill.issued_invoice()
    response = reject(bill.client, issued.id)
    assert response.status_code == 409, response.text
    assert bill.client.receivables.get_by_id(issued.id).status == "issued"
    with pytest.raises(ApiError):
        bill.client.receivables.get(status="not-a-status")
