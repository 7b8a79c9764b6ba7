"""Webhook deliveries to a real local HTTP receiver, by the delivery loop on the background runner."""

from __future__ import annotations

import time

import httpx
import pytest

from remit.app import create_app
from remit.worker import Runner
from tests.fixtures.app import HEADERS, make_settings
from tests.fixtures.entities import new_partner
from tests.fixtures.payables import create_payable
from tests.fixtures.webhooks import Receiver, receiver, subscribe  # noqa: F401

DELAYS = [0.3, 0.3, 0.3]


@pytest.fixture(scope="module")
def hooks_app(database_url, db):
    return create_app(make_settings(
        database_url, webhook_retry_delays=DELAYS, webhook_timeout_seconds=1, webhook_claim_margin_seconds=1,
        webhook_poll_seconds=1,
    ), database=db)


@pytest.fixture(scope="module")
def runner(hooks_app):
    runtime = hooks_app.state.runtime
    with Runner(runtime, jobs=[], loops=runtime.jobs.loops) as r:
        yield r


@pytest.fixture(scope="module")
async def hooks(hooks_app, runner):
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=hooks_app), base_url="http://remit.test/v1", headers=HEADERS
    ) as c:
        yield c


@pytest.fixture(scope="module")
async def partner(hooks):
    return await new_partner(hooks, hooks_app_db(hooks))


def hooks_app_db(client):
    return client._transport.app.state.db


@pytest.fixture
async def entity(partner):
    return await partner.create_entity()


async def test_a_committed_change_is_delivered_within_a_second(hooks, partner, entity, receiver: Receiver):
    sub = await subscribe(hooks, partner, receiver.url("/a"))
    start = time.time()
    payable = await create_payable(hooks, partner.on(entity["id"]), currency="EUR")
    got = receiver.wait_count("/a", 1, timeout=5)
    assert got[0].at - start < 1.0
    body = got[0].json
    assert body["action"] == "payable.created"
    assert body["object"] == {"id": payable["id"]}
    assert body["webhook_subscription_id"] == sub["id"]
