"""16 clients move one entity's default bank account at once, on a real two-worker server.

Whatever the interleaving, a currency with accounts ends with exactly one default, and no request
fails for a reason of the race (no 409 from the unique index, no 500, no "database is locked"):

* 16 first accounts of a currency created at once: all 201, one of them the default;
* ``make_default`` on 16 different accounts of a currency at once: all 200, one default after;
* 8 deletions (the default among them) mixed with 8 ``make_default`` of the other accounts:
  deletions 204, make_defaults 200, exactly one default among the survivors.
"""

from __future__ import annotations

import uuid

import pytest

from tests.concurrency.conftest import CLIENTS, Remit

ROUNDS = 3


async def fresh_entity(remit: Remit) -> dict[str, str]:
    auth = {"authorization": remit.headers["authorization"]}
    entity = await remit.ok("POST", "/entities", headers=auth, json={
        "type": "organization",
        "email": f"bank-{uuid.uuid4().hex[:6]}@acme.example",
        "address": {"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"},
        "organization": {"legal_name": "Race Bank GmbH"},
    })
    return {**auth, "x-monite-entity-id": entity["id"]}


def account(n: int) -> dict[str, str]:
    return {"country": "DE", "currency": "EUR", "iban": "DE89370400440532013000", "display_name": f"#{n}"}


async def defaults(remit: Remit, headers: dict[str, str]) -> list[str]:
    accounts = (await remit.ok("GET", "/bank_accounts", headers=headers))["data"]
    return [a["id"] for a in accounts if a["is_default_for_currency"]]


def assert_clean(remit: Remit, outcomes) -> None:
    assert all(o.status < 500 for o in outcomes), [o.text for o in outcomes if o.status >= 500]
    assert not remit.server.new_log_alarms()


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_first_accounts_created_at_once(remit: Remit, round_):
    headers = await fresh_entity(remit)
    outcomes = await remit.race([("POST", "/bank_accounts", account(n)) for n in range(CLIENTS)], headers=headers)
    assert_clean(remit, outcomes)
    assert [o.status for o in outcomes] == [201] * CLIENTS, [o.text for o in outcomes if o.status != 201]
    claimed = [o.body["id"] for o in outcomes if o.body["is_default_for_currency"]]
    assert len(claimed) == 1
    assert await defaults(remit, headers) == claimed


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_make_default_on_every_account_at_once(remit: Remit, round_):
    headers = await fresh_entity(remit)
    ids = [(await remit.ok("POST", "/bank_accounts", headers=headers, json=account(n)))["id"] for n in range(CLIENTS)]
    outcomes = await remit.race([("POST", f"/bank_accounts/{i}/make_default", None) for i in ids], headers=headers)
    assert_clean(remit, outcomes)
    assert [o.status for o in outcomes] == [200] * CLIENTS
    assert len(await defaults(remit, headers)) == 1


@pytest.mark.parametrize("round_", range(ROUNDS))
async def test_deletions_and_make_default_at_once(remit: Remit, round_):
    headers = await fresh_entity(remit)
    ids = [(await remit.ok("POST", "/bank_accounts", headers=headers, json=account(n)))["id"] for n in range(CLIENTS)]
    doomed, chosen = ids[: CLIENTS // 2], ids[CLIENTS // 2 :]
    requests = [("DELETE", f"/bank_accounts/{i}", None) for i in doomed]
    requests += [("POST", f"/bank_accounts/{i}/make_default", None) for i in chosen]
    outcomes = await remit.race(requests, headers=headers)
    assert_clean(remit, outcomes)
    assert [o.status for o in outcomes] == [204] * len(doomed) + [200] * len(chosen)
    survivors = (await remit.ok("GET", "/bank_accounts", headers=headers))["data"]
    assert [a["id"] for a in survivors] == chosen
    assert len(await defaults(remit, headers)) == 1
