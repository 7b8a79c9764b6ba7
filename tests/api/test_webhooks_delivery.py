"""Webhook deliveries to a real local HTTP receiver, sent by the delivery loop on the background
runner: signatures (checked with the snippet of docs/webhooks.md), retries after 500s and
timeouts, event type filters, disable/enable, delete, regenerate secret, redirects, the address
guard at delivery time, expired claims, receivable events, and retention."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update

from remit.app import create_app
from remit.core import clock
from remit.core.db import Database
from remit.events.models import Event
from remit.webhooks import outbox
from remit.webhooks.models import WebhookDelivery, WebhookDeliveryAttempt, WebhookSubscription
from remit.worker import Runner
from tests.fixtures.app import HEADERS, make_settings
from tests.fixtures.entities import new_partner
from tests.fixtures.masterdata import assert_shape
from tests.fixtures.payables import create_payable
from tests.fixtures.receivables import billing
from tests.fixtures.webhooks import Receiver, subscribe
from tests.unit.test_webhook_signature import snippet

DELAYS = [0.3, 0.3, 0.3]  # 4 attempts
SETTINGS = {
    "webhook_retry_delays": DELAYS, "webhook_timeout_seconds": 1, "webhook_claim_margin_seconds": 1,
    "webhook_poll_seconds": 1,
}


def app_with(database_url, **settings):
    """An app on a ``Database`` of its own: a database hands its sessions the runtime of the last
    app built on it, so apps with other settings must not share the suite's."""
    database = Database(database_url, pool_size=5)
    return create_app(make_settings(database_url, **{**SETTINGS, **settings}), database=database)


@pytest.fixture(scope="module")
def hooks_app(database_url):
    app = app_with(database_url)
    yield app
    app.state.db.dispose()


@pytest.fixture(autouse=True)
def quiet_outbox(db):
    """Other modules' subscriptions (to hosts that do not answer here) must not queue ahead of this
    test's deliveries: they are disabled and their pending deliveries closed before each test."""
    with db.transaction() as session:
        session.execute(update(WebhookSubscription).where(WebhookSubscription.status == "enabled")
                        .values(status="disabled"))
        session.execute(update(WebhookDelivery).where(WebhookDelivery.was_successful.is_(None))
                        .values(was_successful=False, next_attempt_at=None, claimed_until=None))


@pytest.fixture
def runner(hooks_app):
    """The app's delivery loop, running for the test."""
    runtime = hooks_app.state.runtime
    with Runner(runtime, jobs=[], loops=runtime.jobs.loops, stop_timeout=5) as r:
        yield r


@pytest.fixture(scope="module")
async def hooks(hooks_app):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=hooks_app), base_url="http://remit.test/v1", headers=HEADERS
    ) as c:
        yield c


@pytest.fixture
async def partner(hooks, db):
    """A partner per test: its subscriptions see only its own events."""
    return await new_partner(hooks, db)


@pytest.fixture
async def on(partner):
    entity = await partner.create_entity()
    return partner.on(entity["id"])


async def deliveries(client, on, **params) -> list[dict]:
    response = await client.get("/webhook_deliveries", params=params, headers=on)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def settled(client, on, count: int = 1, timeout: float = 10.0, **params) -> list[dict]:
    """The entity's deliveries once ``count`` of them are final (successful or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        found = await deliveries(client, on, **params)
        if sum(d["was_successful"] is not None for d in found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"deliveries not settled in {timeout} s: {found}")
        time.sleep(0.05)


async def test_a_change_is_delivered_signed_within_a_second(hooks, partner, on, runner, receiver: Receiver):
    sub = await subscribe(hooks, partner, receiver.url("/a"))
    start = time.time()
    payable = await create_payable(hooks, on, currency="EUR")
    (got,) = receiver.wait_count("/a", 1, timeout=5)
    assert got.at - start < 1.0
    body = got.json
    assert_shape(body, "EventResourceForWebhookClient")
    assert body["action"] == "payable.created" and body["object"] == {"id": payable["id"]}
    assert body["webhook_subscription_id"] == sub["id"] and body["api_version"] == "2024-05-25"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["User-Agent"].startswith("remit-webhooks/")
    assert snippet()(sub["secret"], got.headers["Monite-Signature"], got.body)
    event = (await hooks.get(f"/events/{body['id']}", headers=partner.auth)).json()
    assert event == {k: v for k, v in body.items() if k != "webhook_subscription_id"}
    (delivery,) = await settled(hooks, on)
    assert delivery == {"id": delivery["id"], "event_id": body["id"], "url": receiver.url("/a"),
                        "requests_made_count": 1, "response": '{"ok": true}', "response_status_code": 200,
                        "was_successful": True}


async def test_retries_after_500s_until_a_2xx(hooks, partner, on, runner, receiver: Receiver):
    receiver.plan("/flaky", 500, 500, 200)
    sub = await subscribe(hooks, partner, receiver.url("/flaky"))
    await create_payable(hooks, on, currency="EUR")
    got = receiver.wait_count("/flaky", 3)
    (delivery,) = await settled(hooks, on)
    assert delivery["requests_made_count"] == 3 and delivery["response_status_code"] == 200
    assert delivery["was_successful"] is True
    assert len({r.body for r in got}) == 1  # the same bytes every time
    assert len({r.headers["Monite-Signature"] for r in got}) >= 1
    assert all(snippet()(sub["secret"], r.headers["Monite-Signature"], r.body) for r in got)
    assert got[1].at - got[0].at >= DELAYS[0] * 0.9
    assert len(receiver.wait_count("/flaky", 3)) == 3  # nothing more after the success


async def test_a_delivery_that_never_succeeds_ends_failed(hooks, db, partner, on, runner, receiver: Receiver):
    receiver.plan("/down", *([503] * 10))
    await subscribe(hooks, partner, receiver.url("/down"))
    await create_payable(hooks, on, currency="EUR")
    (delivery,) = await settled(hooks, on)
    assert delivery["requests_made_count"] == len(DELAYS) + 1
    assert delivery["was_successful"] is False and delivery["response_status_code"] == 503
    assert delivery["response"] == "nope"
    with db.transaction(write=False) as session:
        attempts = session.scalars(select(WebhookDeliveryAttempt.number).where(
            WebhookDeliveryAttempt.delivery_id == uuid.UUID(delivery["id"])).order_by(WebhookDeliveryAttempt.number))
        assert list(attempts) == [1, 2, 3, 4]


async def test_a_timeout_is_a_failure_and_retried(hooks, partner, on, runner, receiver: Receiver):
    receiver.plan("/slow", ("sleep", 1.6))
    await subscribe(hooks, partner, receiver.url("/slow"))
    await create_payable(hooks, on, currency="EUR")
    receiver.wait_count("/slow", 2)
    (delivery,) = await settled(hooks, on)
    assert delivery["requests_made_count"] == 2 and delivery["was_successful"] is True


async def test_redirects_are_not_followed(hooks, partner, on, runner, receiver: Receiver):
    receiver.plan("/moved", *([("redirect", receiver.url("/target"))] * 10))
    await subscribe(hooks, partner, receiver.url("/moved"))
    await create_payable(hooks, on, currency="EUR")
    (delivery,) = await settled(hooks, on)
    assert delivery["was_successful"] is False and delivery["response_status_code"] == 307
    assert receiver.on("/target") == []


async def test_event_types_filter_what_is_delivered(hooks, partner, on, runner, receiver: Receiver):
    await subscribe(hooks, partner, receiver.url("/canceled"), event_types=["canceled"])
    await subscribe(hooks, partner, receiver.url("/lines"), object_type="payable_line_item")
    await subscribe(hooks, partner, receiver.url("/all"))
    payable = await create_payable(hooks, on, currency="EUR")
    await hooks.post(f"/payables/{payable['id']}/line_items", json={"name": "W", "quantity": 1, "unit_price": 10},
                     headers=on)
    await hooks.post(f"/payables/{payable['id']}/cancel", headers=on)
    assert [r.json["action"] for r in receiver.wait_count("/canceled", 1)] == ["payable.canceled"]
    assert [r.json["action"] for r in receiver.wait_count("/lines", 1)] == ["payable.line_item.created"]
    assert sorted(r.json["action"] for r in receiver.wait_count("/all", 2)) == ["payable.canceled", "payable.created"]
    found = await settled(hooks, on, 4)
    assert len(found) == 4  # one per (event, subscription)
    canceled = await deliveries(hooks, on, event_action="payable.canceled")
    assert len(canceled) == 2
    assert len(await deliveries(hooks, on, event_id=canceled[0]["event_id"])) == 2
    assert len(await deliveries(hooks, on, object_type="payable_line_item")) == 1


async def test_disabled_subscriptions_get_nothing_and_enable_does_not_replay(
    hooks, partner, on, runner, receiver: Receiver
):
    sub = await subscribe(hooks, partner, receiver.url("/toggle"))
    path = f"/webhook_subscriptions/{sub['id']}"
    await hooks.post(f"{path}/disable", headers=partner.auth)
    await create_payable(hooks, on, currency="EUR")
    await hooks.post(f"{path}/enable", headers=partner.auth)
    payable = await create_payable(hooks, on, currency="EUR")
    (got,) = receiver.wait_count("/toggle", 1)
    assert got.json["object"] == {"id": payable["id"]}
    time.sleep(0.5)
    assert len(receiver.on("/toggle")) == 1
    assert len(await deliveries(hooks, on)) == 1


async def test_disabling_ends_queued_attempts_as_failed(hooks, partner, on, runner, receiver: Receiver):
    receiver.plan("/failing", *([500] * 10))
    sub = await subscribe(hooks, partner, receiver.url("/failing"))
    await create_payable(hooks, on, currency="EUR")
    receiver.wait_count("/failing", 1)
    await hooks.post(f"/webhook_subscriptions/{sub['id']}/disable", headers=partner.auth)
    (delivery,) = await settled(hooks, on)
    assert delivery["was_successful"] is False
    made = len(receiver.on("/failing"))
    time.sleep(1.0)
    assert len(receiver.on("/failing")) == made <= 2


async def test_deleting_abandons_queued_deliveries(hooks, partner, on, runner, receiver: Receiver):
    receiver.plan("/gone", *([500] * 10))
    sub = await subscribe(hooks, partner, receiver.url("/gone"))
    await create_payable(hooks, on, currency="EUR")
    receiver.wait_count("/gone", 1)
    assert (await hooks.delete(f"/webhook_subscriptions/{sub['id']}", headers=partner.auth)).status_code == 204
    (delivery,) = await settled(hooks, on)
    assert delivery["was_successful"] is False
    made = len(receiver.on("/gone"))
    time.sleep(1.0)
    assert len(receiver.on("/gone")) == made


async def test_after_regenerate_only_the_new_secret_verifies(hooks, partner, on, runner, receiver: Receiver):
    receiver.plan("/rotate", 500)
    sub = await subscribe(hooks, partner, receiver.url("/rotate"))
    verify = snippet()
    await create_payable(hooks, on, currency="EUR")
    (first,) = receiver.wait_count("/rotate", 1)
    new = (await hooks.post(f"/webhook_subscriptions/{sub['id']}/regenerate_secret", headers=partner.auth)).json()
    retried = receiver.wait_count("/rotate", 2)[1]  # the retry of the older event uses the new secret
    assert verify(sub["secret"], first.headers["Monite-Signature"], first.body)
    assert verify(new["secret"], retried.headers["Monite-Signature"], retried.body)
    assert not verify(sub["secret"], retried.headers["Monite-Signature"], retried.body)
    await create_payable(hooks, on, currency="EUR")
    latest = receiver.wait_count("/rotate", 3)[2]
    assert verify(new["secret"], latest.headers["Monite-Signature"], latest.body)
    assert not verify(sub["secret"], latest.headers["Monite-Signature"], latest.body)


async def test_a_changed_url_takes_the_next_attempts(hooks, partner, on, runner, receiver: Receiver):
    receiver.plan("/old", 500)
    sub = await subscribe(hooks, partner, receiver.url("/old"))
    await create_payable(hooks, on, currency="EUR")
    receiver.wait_count("/old", 1)
    await hooks.patch(f"/webhook_subscriptions/{sub['id']}", json={"url": receiver.url("/new")}, headers=partner.auth)
    receiver.wait_count("/new", 1)
    (delivery,) = await settled(hooks, on)
    assert delivery["url"] == receiver.url("/new") and delivery["requests_made_count"] == 2


async def test_an_expired_claim_is_taken_again(hooks, hooks_app, partner, on, receiver: Receiver):
    """A worker that claimed a delivery and died (it never records anything): once the lease runs
    out (timeout + margin: 2 s here), the running loop attempts it again."""
    runtime = hooks_app.state.runtime
    await subscribe(hooks, partner, receiver.url("/orphan"))
    await create_payable(hooks, on, currency="EUR")
    while outbox.dispatch(runtime):
        pass
    (claimed,) = outbox.claim(runtime, limit=10, worker="a worker that dies")
    assert claimed.number == 1
    assert outbox.claim(runtime, limit=10, worker="another worker") == []  # the lease holds it
    with Runner(runtime, jobs=[], loops=runtime.jobs.loops, stop_timeout=5):
        (got,) = receiver.wait_count("/orphan", 1, timeout=6)
        (delivery,) = await settled(hooks, on)
    assert delivery["requests_made_count"] == 2 and delivery["was_successful"] is True


async def test_the_address_guard_holds_at_delivery_time(database_url, db, receiver: Receiver):
    """A subscription taken while private addresses were allowed, delivered by a server that refuses
    them: the attempts fail without a connection being made."""
    lax, strict = app_with(database_url), app_with(database_url, webhook_allow_private_urls=False)
    transport = httpx.ASGITransport(app=lax)
    async with httpx.AsyncClient(transport=transport, base_url="http://remit.test/v1", headers=HEADERS) as client:
        partner = await new_partner(client, db)
        entity = await partner.create_entity()
        on = partner.on(entity["id"])
        await subscribe(client, partner, receiver.url("/private"))
        await create_payable(client, on, currency="EUR")
        runtime = strict.state.runtime
        with Runner(runtime, jobs=[], loops=runtime.jobs.loops, stop_timeout=5):
            (delivery,) = await settled(client, on)
    assert delivery["was_successful"] is False and delivery["response_status_code"] is None
    assert receiver.on("/private") == []
    with db.transaction(write=False) as session:
        errors = set(session.scalars(select(WebhookDeliveryAttempt.error).where(
            WebhookDeliveryAttempt.delivery_id == uuid.UUID(delivery["id"]))))
    assert errors == {"refused: 127.0.0.1 is a loopback address"}
    lax.state.db.dispose()
    strict.state.db.dispose()


async def test_receivable_events_are_delivered(hooks, partner, on, runner, receiver: Receiver):
    await subscribe(hooks, partner, receiver.url("/paid"), object_type="receivable", event_types=["paid"])
    await subscribe(hooks, partner, receiver.url("/invoices"), object_type="receivable")
    setup = await billing(partner)
    invoice = await setup.issued()
    response = await setup.act(invoice["id"], "mark_as_paid")
    assert response.status_code == 200, response.text
    assert [r.json["action"] for r in receiver.wait_count("/paid", 1)] == ["receivable.paid"]
    actions = [r.json["action"] for r in receiver.wait_count("/invoices", 3)]
    assert sorted(actions) == ["receivable.created", "receivable.issued", "receivable.paid"]


async def test_retention_purges_old_events_with_their_deliveries(hooks, hooks_app, db, partner, on, receiver: Receiver):
    runtime = hooks_app.state.runtime
    await subscribe(hooks, partner, receiver.url("/kept"))
    payable = await create_payable(hooks, on, currency="EUR")
    while outbox.dispatch(runtime):
        pass
    # Age the payable's events and every event before them: the purge relies on the oldest events by
    # number being the oldest by time, and other modules may have written well over a batch before.
    with db.transaction() as session:
        last = session.scalar(select(func.max(Event.seq)).where(Event.object_id == uuid.UUID(payable["id"])))
        session.execute(update(Event).where(Event.seq <= last).values(created_at=clock.now() - timedelta(days=91)))
    old = [e for e in (await hooks.get("/events", headers=on)).json()["data"] if e["object"] == {"id": payable["id"]}]
    assert len(old) == 1
    assert outbox.purge(runtime) >= 1
    assert (await hooks.get(f"/events/{old[0]['id']}", headers=partner.auth)).status_code == 404
    assert await deliveries(hooks, on) == []
    with db.transaction(write=False) as session:
        oldest = session.scalar(select(func.min(Event.created_at)))
    assert oldest is None or oldest >= clock.now() - timedelta(days=90)
    assert outbox.purge(runtime) == 0
