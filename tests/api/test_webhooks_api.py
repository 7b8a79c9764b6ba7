"""/webhook_subscriptions, /events and /webhook_deliveries: every subscription rule and refusal,
partner-only access, tenancy, filters and paging."""

from __future__ import annotations

import uuid

import httpx
import pytest

from remit.app import create_app
from remit.core.db import Database
from tests.fixtures.app import HEADERS, make_settings
from tests.fixtures.entities import ALL_CRUD, new_partner
from tests.fixtures.masterdata import assert_shape
from tests.fixtures.payables import create_payable
from tests.fixtures.responses import assert_error, locs
from tests.fixtures.webhooks import subscribe

URL = "https://hooks.example.com/remit"


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture(scope="module")
async def stranger(client, db):
    return await new_partner(client, db)


async def create(client, partner, **body):
    return await client.post("/webhook_subscriptions", json={"object_type": "payable", "url": URL, **body},
                             headers=partner.auth)


# -- creating ---------------------------------------------------------------------------------


async def test_create_returns_the_secret_once(client, partner):
    response = await create(client, partner, event_types=["paid", "canceled"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert_shape(body, "WebhookSubscriptionResourceWithSecret")
    assert body["secret"].startswith("whsec_") and len(body["secret"]) == len("whsec_") + 43
    assert body["status"] == "enabled" and body["event_types"] == ["paid", "canceled"] and body["url"] == URL
    read = (await client.get(f"/webhook_subscriptions/{body['id']}", headers=partner.auth)).json()
    assert_shape(read, "WebhookSubscriptionResource")
    assert "secret" not in read and read == {k: v for k, v in body.items() if k != "secret"}
    listed = (await client.get("/webhook_subscriptions", headers=partner.auth)).json()["data"]
    assert all("secret" not in item for item in listed)
    other = (await create(client, partner)).json()
    assert other["secret"] != body["secret"]


async def test_the_secret_is_stored_encrypted(client, db, partner):
    body = (await create(client, partner)).json()
    from sqlalchemy import select

    from remit.webhooks.models import WebhookSubscription

    with db.transaction(write=False) as session:
        stored = session.scalars(
            select(WebhookSubscription.secret_encrypted).where(WebhookSubscription.id == uuid.UUID(body["id"]))
        ).one()
    assert body["secret"] not in stored and body["secret"][6:] not in stored


async def test_event_types_omitted_or_empty_mean_every_event(client, partner):
    assert (await create(client, partner)).json()["event_types"] == []
    assert (await create(client, partner, event_types=[])).json()["event_types"] == []
    # Monite's request schema has no null for the list: left out or empty, never null
    refused = await create(client, partner, event_types=None)
    assert refused.status_code == 422 and ["body", "event_types"] in locs(refused), refused.text


async def test_event_types_are_kept_as_given_without_duplicates(client, partner):
    body = (await create(client, partner, event_types=["paid", "not_a_remit_event", "paid"])).json()
    assert body["event_types"] == ["paid", "not_a_remit_event"]


async def test_an_empty_event_type_is_refused(client, partner):
    response = await create(client, partner, event_types=["paid", ""])
    assert locs(response)[0][:2] == ["body", "event_types"]


async def test_payable_line_item_alias_is_stored_as_the_enum_value(client, partner):
    body = (await create(client, partner, object_type="payable_line_item")).json()
    assert body["object_type"] == "payable.line_item"
    assert (await create(client, partner, object_type="payable.line_item")).json()["object_type"] == "payable.line_item"
    assert (await create(client, partner, object_type="counterpart_vat_id")).status_code == 201
    assert (await create(client, partner, object_type="workflow")).status_code == 201  # no events yet: allowed


async def test_an_unknown_object_type_is_refused(client, partner):
    assert locs(await create(client, partner, object_type="payables"))[0][:2] == ["body", "object_type"]


@pytest.mark.parametrize("url", [
    "ftp://hooks.example.com/x", "hooks.example.com/x", "/relative", "", "https://", "mailto:a@b.example",
    "https://hooks.example.com/" + "x" * 2083,
])
async def test_a_url_that_is_not_absolute_http_is_refused(client, partner, url):
    assert locs(await create(client, partner, url=url))[0][:2] == ["body", "url"]


async def test_unknown_fields_and_missing_fields_are_refused(client, partner):
    assert ["body", "secret"] in locs(await create(client, partner, secret="mine"))
    response = await client.post("/webhook_subscriptions", json={"object_type": "payable"}, headers=partner.auth)
    assert ["body", "url"] in locs(response)


async def test_the_same_url_may_serve_several_subscriptions(client, partner):
    first, second = (await create(client, partner)).json(), (await create(client, partner)).json()
    assert first["id"] != second["id"] and first["url"] == second["url"]


# -- who may -----------------------------------------------------------------------------------


async def test_entity_users_may_not_touch_subscriptions(client, partner):
    entity = await partner.create_entity()
    user = await partner.user_with(entity["id"], payable=ALL_CRUD)
    sub = (await create(client, partner)).json()
    headers = {**user.auth, "x-monite-entity-id": entity["id"]}
    assert_error(await client.post("/webhook_subscriptions", json={"object_type": "payable", "url": URL},
                                   headers=headers), 403)
    assert_error(await client.get("/webhook_subscriptions", headers=headers), 403)
    assert_error(await client.get(f"/webhook_subscriptions/{sub['id']}", headers=headers), 403)
    assert_error(await client.post(f"/webhook_subscriptions/{sub['id']}/disable", headers=headers), 403)
    assert_error(await client.get("/events", headers=headers), 403)
    assert_error(await client.get("/webhook_deliveries", headers=headers), 403)


async def test_the_entity_header_is_ignored(client, partner):
    entity = await partner.create_entity()
    response = await client.post("/webhook_subscriptions", json={"object_type": "payable", "url": URL},
                                 headers=partner.on(entity["id"]))
    assert response.status_code == 201
    response = await client.get("/webhook_subscriptions", headers={**partner.auth, "x-monite-entity-id": str(uuid.uuid4())})
    assert response.status_code == 200


@pytest.mark.parametrize("method,suffix", [
    ("GET", ""), ("PATCH", ""), ("DELETE", ""), ("POST", "/disable"), ("POST", "/enable"),
    ("POST", "/regenerate_secret"),
])
async def test_another_partners_subscription_is_not_found(client, partner, stranger, method, suffix):
    sub = (await create(client, partner)).json()
    for sub_id in (sub["id"], str(uuid.uuid4())):
        kwargs = {"json": {"url": URL}} if method == "PATCH" else {}
        response = await client.request(method, f"/webhook_subscriptions/{sub_id}{suffix}", headers=stranger.auth,
                                        **kwargs)
        assert_error(response, 404, "Webhook subscription not found")
    assert (await client.get(f"/webhook_subscriptions/{sub['id']}", headers=partner.auth)).status_code == 200


async def test_lists_show_only_the_partners_own(client, partner, stranger):
    mine = (await create(client, partner)).json()
    theirs = [s["id"] for s in (await client.get("/webhook_subscriptions?limit=100", headers=stranger.auth)).json()["data"]]
    assert mine["id"] not in theirs


# -- changing ----------------------------------------------------------------------------------


async def test_patch_changes_what_it_names_and_null_changes_nothing(client, partner):
    sub = (await create(client, partner, event_types=["paid"])).json()
    path = f"/webhook_subscriptions/{sub['id']}"
    unchanged = (await client.patch(path, json={"url": None, "object_type": None, "event_types": None},
                                    headers=partner.auth)).json()
    assert unchanged == {k: v for k, v in sub.items() if k != "secret"}
    changed = await client.patch(path, json={"url": URL + "/v2", "object_type": "payable_line_item",
                                             "event_types": ["created", "created"]}, headers=partner.auth)
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**unchanged, "url": URL + "/v2", "object_type": "payable.line_item",
                              "event_types": ["created"]}
    assert "secret" not in changed.json()
    assert locs(await client.patch(path, json={"url": "ftp://x.example"}, headers=partner.auth)) == [["body", "url"]]
    assert ["body", "extra"] in locs(await client.patch(path, json={"extra": 1}, headers=partner.auth))


async def test_disable_and_enable_are_idempotent(client, partner):
    sub = (await create(client, partner)).json()
    path = f"/webhook_subscriptions/{sub['id']}"
    for _ in range(2):
        response = await client.post(f"{path}/disable", headers=partner.auth)
        assert response.status_code == 200 and response.json()["status"] == "disabled"
        assert_shape(response.json(), "WebhookSubscriptionResource")
    assert (await client.get(path, headers=partner.auth)).json()["status"] == "disabled"
    for _ in range(2):
        response = await client.post(f"{path}/enable", headers=partner.auth)
        assert response.status_code == 200 and response.json()["status"] == "enabled"


async def test_regenerate_secret_returns_a_new_one(client, partner):
    sub = (await create(client, partner)).json()
    response = await client.post(f"/webhook_subscriptions/{sub['id']}/regenerate_secret", headers=partner.auth)
    assert response.status_code == 200
    assert_shape(response.json(), "WebhookSubscriptionResourceWithSecret")
    assert response.json()["secret"] != sub["secret"] and response.json()["secret"].startswith("whsec_")


async def test_delete_removes_it(client, partner):
    sub = (await create(client, partner)).json()
    path = f"/webhook_subscriptions/{sub['id']}"
    response = await client.delete(path, headers=partner.auth)
    assert response.status_code == 204 and response.content == b""
    assert_error(await client.get(path, headers=partner.auth), 404)
    assert_error(await client.delete(path, headers=partner.auth), 404)


# -- listing -----------------------------------------------------------------------------------


async def test_list_filters_and_pages(client, db):
    partner = await new_partner(client, db)
    made = [(await create(client, partner, object_type=t)).json()["id"]
            for t in ("payable", "receivable", "payable", "payable_line_item")]
    everything = (await client.get("/webhook_subscriptions", headers=partner.auth)).json()
    assert_shape(everything, "WebhookSubscriptionPaginationResource")
    assert [s["id"] for s in everything["data"]] == made
    payables = (await client.get("/webhook_subscriptions?object_type=payable", headers=partner.auth)).json()["data"]
    assert [s["id"] for s in payables] == [made[0], made[2]]
    aliased = (await client.get("/webhook_subscriptions?object_type=payable_line_item", headers=partner.auth)).json()
    assert [s["id"] for s in aliased["data"]] == [made[3]]
    newest = (await client.get("/webhook_subscriptions?order=desc&sort=updated_at", headers=partner.auth)).json()
    assert [s["id"] for s in newest["data"]] == made[::-1]
    seen, token = [], None
    while True:
        params = {"pagination_token": token} if token else {"limit": 3}
        page = (await client.get("/webhook_subscriptions", params=params, headers=partner.auth)).json()
        seen += [s["id"] for s in page["data"]]
        token = page["next_pagination_token"]
        if not token:
            break
    assert seen == made
    assert locs(await client.get("/webhook_subscriptions?limit=101", headers=partner.auth)) == [["query", "limit"]]
    future = (await client.get("/webhook_subscriptions?created_at__gt=2999-01-01T00:00:00Z",
                               headers=partner.auth)).json()
    assert future["data"] == []


# -- the URL guard -----------------------------------------------------------------------------


def app_with(database_url, **settings):
    """An app on a ``Database`` of its own: a database hands its sessions the runtime of the last
    app built on it, so apps with other settings must not share the suite's."""
    return create_app(make_settings(database_url, **settings), database=Database(database_url, pool_size=2))


@pytest.fixture(scope="module")
async def guarded(database_url):
    """An app with the defaults of a production server: private addresses refused, http allowed."""
    app = app_with(database_url, webhook_allow_private_urls=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit.test/v1",
                                 headers=HEADERS) as c:
        yield c
    app.state.db.dispose()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://LOCALHOST./hook", "http://api.localhost/hook",
    "http://10.1.2.3/hook", "http://172.16.0.1/hook", "http://192.168.1.1/hook", "http://169.254.169.254/latest",
    "http://[::1]/hook", "http://[fc00::1]/hook", "http://[fe80::1]/hook", "http://224.0.0.1/hook",
    "http://0.0.0.0/hook", "http://240.0.0.1/hook", "http://100.64.0.1/hook", "http://[::ffff:127.0.0.1]/hook",
    "http://2130706433/hook", "http://0x7f000001/hook",
])
async def test_internal_addresses_are_refused(guarded, client, url):
    partner = await new_partner(guarded, guarded._transport.app.state.db)
    response = await guarded.post("/webhook_subscriptions", json={"object_type": "payable", "url": url},
                                  headers=partner.auth)
    assert locs(response) == [["body", "url"]], url
    assert "address" in response.json()["detail"][0]["msg"]


async def test_public_addresses_are_taken_and_patch_is_checked_too(guarded):
    partner = await new_partner(guarded, guarded._transport.app.state.db)
    response = await guarded.post("/webhook_subscriptions", json={"object_type": "payable", "url": "https://93.184.216.34/h"},
                                  headers=partner.auth)
    assert response.status_code == 201, response.text
    patch = await guarded.patch(f"/webhook_subscriptions/{response.json()['id']}",
                                json={"url": "http://192.168.0.10/h"}, headers=partner.auth)
    assert locs(patch) == [["body", "url"]]


async def test_plain_http_is_refused_when_insecure_urls_are_off(database_url, db):
    app = app_with(database_url, allow_insecure_webhook_urls=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit.test/v1",
                                 headers=HEADERS) as c:
        partner = await new_partner(c, db)
        response = await c.post("/webhook_subscriptions", json={"object_type": "payable", "url": "http://h.example/x"},
                                headers=partner.auth)
        assert locs(response) == [["body", "url"]]
        assert "https" in response.json()["detail"][0]["msg"]
        ok = await c.post("/webhook_subscriptions", json={"object_type": "payable", "url": "https://h.example/x"},
                          headers=partner.auth)
        assert ok.status_code == 201
    app.state.db.dispose()


# -- events ------------------------------------------------------------------------------------


async def test_events_list_filters_pages_and_reads_one(client, partner, stranger):
    entity = await partner.create_entity()
    on = partner.on(entity["id"])
    payable = await create_payable(client, on, currency="EUR")
    await client.post(f"/payables/{payable['id']}/line_items", json={"name": "W", "quantity": 1, "unit_price": 100},
                      headers=on)
    await client.post(f"/payables/{payable['id']}/cancel", headers=on)
    page = (await client.get("/events", headers=on)).json()
    assert_shape(page, "EventPaginationResource")
    actions = [e["action"] for e in page["data"]]
    assert actions[0] == "entity.created"
    assert actions[-3:] == ["payable.created", "payable.line_item.created", "payable.canceled"]
    for event in page["data"]:
        assert_shape(event, "EventResource")
        assert event["api_version"] == "2024-05-25" and event["entity_id"] == entity["id"]
    canceled = page["data"][-1]
    assert canceled["object"] == {"id": payable["id"]} and canceled["object_type"] == "payable"
    assert canceled["description"] == "Payable canceled"
    payables = (await client.get("/events?object_type=payable", headers=on)).json()["data"]
    assert [e["action"] for e in payables] == ["payable.created", "payable.canceled"]
    lines = (await client.get("/events?object_type=payable_line_item", headers=on)).json()["data"]
    assert [e["action"] for e in lines] == ["payable.line_item.created"]
    desc = (await client.get("/events?order=desc&limit=2", headers=on)).json()
    assert [e["action"] for e in desc["data"]] == ["payable.canceled", "payable.line_item.created"]
    rest = (await client.get("/events", params={"pagination_token": desc["next_pagination_token"]}, headers=on)).json()
    assert [e["id"] for e in desc["data"] + rest["data"]] == [e["id"] for e in page["data"]][::-1]
    one = await client.get(f"/events/{canceled['id']}", headers=partner.auth)
    assert one.status_code == 200 and one.json() == canceled
    assert_error(await client.get(f"/events/{canceled['id']}", headers=stranger.auth), 404, "Event not found")
    assert_error(await client.get(f"/events/{uuid.uuid4()}", headers=partner.auth), 404)
    assert locs(await client.get("/events", headers=partner.auth)) == [["header", "x-monite-entity-id"]]
    other = await partner.create_entity()
    assert (await client.get("/events?object_type=payable", headers=partner.on(other["id"]))).json()["data"] == []


async def test_a_refused_request_writes_no_event(client, partner):
    entity = await partner.create_entity()
    on = partner.on(entity["id"])
    before = len((await client.get("/events", headers=on)).json()["data"])
    assert (await client.post("/payables", json={"currency": "XXX"}, headers=on)).status_code == 422
    payable = await create_payable(client, on, currency="EUR")
    assert (await client.post(f"/payables/{payable['id']}/reopen", headers=on)).status_code == 409
    after = (await client.get("/events", headers=on)).json()["data"]
    assert [e["action"] for e in after[before:]] == ["payable.created"]


async def test_deliveries_list_is_entity_scoped_and_empty_without_subscriptions(client, partner):
    entity = await partner.create_entity()
    response = await client.get("/webhook_deliveries", headers=partner.on(entity["id"]))
    assert response.status_code == 200
    assert_shape(response.json(), "WebhookDeliveryPaginationResource")
    assert response.json()["data"] == []
    assert locs(await client.get("/webhook_deliveries", headers=partner.auth)) == [["header", "x-monite-entity-id"]]


async def test_a_new_subscription_does_not_receive_earlier_events(client, db):
    from remit.webhooks import outbox

    partner = await new_partner(client, db)
    entity = await partner.create_entity()
    on = partner.on(entity["id"])
    await create_payable(client, on, currency="EUR")
    await subscribe(client, partner, URL)
    runtime = client._transport.app.state.runtime
    while outbox.dispatch(runtime):
        pass
    assert (await client.get("/webhook_deliveries", headers=on)).json()["data"] == []
    payable = await create_payable(client, on, currency="EUR")
    while outbox.dispatch(runtime):
        pass
    deliveries = (await client.get("/webhook_deliveries", headers=on)).json()["data"]
    assert len(deliveries) == 1
    assert_shape(deliveries[0], "WebhookDeliveryResource")
    event = (await client.get("/events?order=desc&limit=1", headers=on)).json()["data"][0]
    assert event["object"] == {"id": payable["id"]}
    assert deliveries[0] | {"id": None} == {"id": None, "event_id": event["id"], "url": URL, "requests_made_count": 0,
                                            "response": None, "response_status_code": None, "was_successful": None}
