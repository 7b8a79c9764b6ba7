"""Webhooks through the official SDK: a subscription receives one signed, verifiable delivery per
committed payable, approval and receivable change, and the events API and the delivery log show
them (``webhook_subscriptions``, ``events`` and ``webhook_deliveries`` clients)."""

from __future__ import annotations

import time

import pytest
from monite import Monite
from monite.core.api_error import ApiError
from monite.errors import NotFoundError

from tests.fixtures.webhooks import Receiver
from tests.unit.test_webhook_signature import snippet


def settled(client: Monite, count: int, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        data = client.webhook_deliveries.get().data
        if sum(d.was_successful is not None for d in data) >= count:
            return data
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries not settled: {data}")
        time.sleep(0.1)


def test_subscription_lifecycle(partner: Monite, receiver: Receiver):
    created = partner.webhook_subscriptions.create(object_type="payable", url=receiver.url(), event_types=["paid"])
    assert created.secret.startswith("whsec_") and created.status == "enabled"
    read = partner.webhook_subscriptions.get_by_id(created.id)
    assert read.event_types == ["paid"] and not hasattr(read, "secret")
    assert created.id in [s.id for s in partner.webhook_subscriptions.get(object_type="payable").data]
    updated = partner.webhook_subscriptions.update_by_id(created.id, event_types=[], url=receiver.url("/v2"))
    assert updated.event_types == [] and updated.url == receiver.url("/v2")
    assert partner.webhook_subscriptions.disable_by_id(created.id).status == "disabled"
    assert partner.webhook_subscriptions.enable_by_id(created.id).status == "enabled"
    regenerated = partner.webhook_subscriptions.regenerate_secret_by_id(created.id)
    assert regenerated.secret != created.secret
    partner.webhook_subscriptions.delete_by_id(created.id)
    with pytest.raises(NotFoundError):
        partner.webhook_subscriptions.get_by_id(created.id)
    with pytest.raises(ApiError) as raised:
        partner.webhook_subscriptions.enable_by_id(created.id)
    assert raised.value.status_code == 404


def test_payable_and_approval_changes_are_delivered_signed(partner: Monite, on_entity: Monite, receiver: Receiver):
    payables = partner.webhook_subscriptions.create(object_type="payable", url=receiver.url("/payables"))
    policies = partner.webhook_subscriptions.create(object_type="approval_policy", url=receiver.url("/policies"))
    verify = snippet()
    payable = on_entity.payables.create(currency="EUR", document_id="WH-1")
    on_entity.payables.cancel_by_id(payable.id)
    got = receiver.wait_count("/payables", 2)
    assert sorted(r.json["action"] for r in got) == ["payable.canceled", "payable.created"]
    assert all(verify(payables.secret, r.headers["Monite-Signature"], r.body) for r in got)
    policy = on_entity.approval_policies.create(name="Everything", script=[True])
    (made,) = receiver.wait_count("/policies", 1)
    assert made.json["action"] == "approval_policy.created" and made.json["object"] == {"id": policy.id}
    assert verify(policies.secret, made.headers["Monite-Signature"], made.body)
    deliveries = settled(on_entity, 3)
    assert {d.event_id for d in deliveries} == {r.json["id"] for r in receiver.received}
    assert all(d.was_successful and d.requests_made_count == 1 for d in deliveries)
    canceled = on_entity.webhook_deliveries.get(event_action="payable.canceled").data
    assert len(canceled) == 1
    event = on_entity.events.get_by_id(canceled[0].event_id)
    assert event.action == "payable.canceled" and event.object == {"id": payable.id}
    listed = on_entity.events.get(object_type="payable").data
    assert [e.action for e in listed] == ["payable.created", "payable.canceled"]


def test_receivable_changes_are_delivered_and_retried(partner: Monite, on_entity: Monite, receiver: Receiver):
    receiver.plan("/receivables", 500)
    partner.webhook_subscriptions.create(object_type="receivable", url=receiver.url("/receivables"),
                                         event_types=["created"])
    counterpart = on_entity.counterparts.create(request={
        "type": "organization",
        "organization": {"legal_name": "Customer GmbH", "is_customer": True, "is_vendor": False,
                         "address": {"country": "DE", "city": "Berlin", "line1": "Str. 1", "postal_code": "10117"}},
    })
    address_id = on_entity.counterparts.get_by_id(counterpart.id).default_billing_address_id
    on_entity.receivables.create(request={
        "type": "quote", "counterpart_id": counterpart.id, "counterpart_billing_address_id": address_id,
        "currency": "EUR", "line_items": [],
    })
    got = receiver.wait_count("/receivables", 2)
    assert [r.status for r in got] == [500, 200] and got[0].body == got[1].body
    (delivery,) = settled(on_entity, 1)
    assert delivery.requests_made_count == 2 and delivery.response_status_code == 200 and delivery.was_successful
