"""The entity's bank accounts, ``/bank_accounts``: one default per currency (the first account of a
currency becomes it, ``make_default`` moves it, deleting it hands it to the oldest remaining account
of the currency), Monite's per-currency requirements, permissions on ``entity_bank_account`` with
``allowed_for_own`` by ``was_created_by_user_id``, events, tenancy, and the loaders other domains use."""

from __future__ import annotations

import uuid

import pytest

from remit.bank_accounts import service
from remit.core.context import RequestContext
from remit.core.errors import NotFound
from tests.fixtures.bank_accounts import (
    IBAN_DE_2,
    IBAN_FR,
    IBAN_GB,
    create_bank_account,
    eur_account,
    gbp_account,
    usd_account,
)
from tests.fixtures.entities import ALL_CRUD
from tests.fixtures.masterdata import BIC_DE, IBAN_DE, assert_shape, error_message, event_actions, locs, new_partner

NOT_FOUND = {"error": {"message": "Bank account not found"}}
RESPONSE = "EntityBankAccountResponse"


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


@pytest.fixture
async def other_user(partner, other_entity):
    """A user of another entity of the same partner, allowed everything on bank accounts."""
    return await partner.user_with(other_entity["id"], entity_bank_account=ALL_CRUD)


async def listed(client, headers) -> list[dict]:
    response = await client.get("/bank_accounts", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def defaults(client, headers) -> dict[str, bool]:
    """``is_default_for_currency`` of every account of the entity, by id."""
    return {a["id"]: a["is_default_for_currency"] for a in await listed(client, headers)}


async def make_default(client, headers, account_id: str):
    return await client.post(f"/bank_accounts/{account_id}/make_default", headers=headers)


class TestCreateBankAccount:
    async def test_unauthenticated(self, client, entity):
        response = await client.post("/bank_accounts", json=eur_account(), headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401
        assert isinstance(error_message(response), str)

    async def test_user_of_another_entity_naming_this_one(self, client, on, entity, other_user):
        headers = {**other_user.auth, "x-monite-entity-id": entity["id"]}
        response = await client.post("/bank_accounts", json=eur_account(), headers=headers)
        assert response.status_code == 403
        assert await listed(client, on) == []
        assert await listed(client, other_user.auth) == []

    async def test_create(self, client, on, db):
        response = await client.post(
            "/bank_accounts", json=eur_account(iban="de89 3704 0044 0532 0130 00", bic="cobadeffxxx"), headers=on
        )
        assert response.status_code == 201, response.text
        account = response.json()
        assert_shape(account, RESPONSE)
        assert account == {
            "id": account["id"],
            "country": "DE",
            "currency": "EUR",
            "iban": IBAN_DE,  # compacted and upper-cased
            "bic": BIC_DE,
            "account_holder_name": "Acme GmbH",
            "bank_name": "Commerzbank",
            "display_name": "Main account",
            "account_number": None,
            "routing_number": None,
            "sort_code": None,
            "is_default_for_currency": True,  # the first EUR account
            "was_created_by_user_id": None,  # a partner token
        }
        assert (await client.get(f"/bank_accounts/{account['id']}", headers=on)).json() == account
        assert event_actions(db, account["id"]) == ["entity_bank_account.created"]

    async def test_only_the_required_fields(self, client, on):
        account = await create_bank_account(client, on, {"country": "DE", "currency": "EUR", "iban": IBAN_DE})
        assert_shape(account, RESPONSE)
        assert account["display_name"] is None and account["bic"] is None

    async def test_created_by_the_calling_user(self, client, partner, entity):
        user = await partner.user_with(entity["id"], entity_bank_account=["create", "read"])
        account = await create_bank_account(client, user.auth)
        assert account["was_created_by_user_id"] == user.id

    async def test_first_account_of_each_currency_is_its_default(self, client, on, db):
        eur = await create_bank_account(client, on)
        second_eur = await create_bank_account(client, on, iban=IBAN_DE_2)
        gbp = await create_bank_account(client, on, gbp_account())
        explicit_no = await create_bank_account(client, on, usd_account(is_default_for_currency=False))
        assert (eur["is_default_for_currency"], second_eur["is_default_for_currency"]) == (True, False)
        assert gbp["is_default_for_currency"] is True
        assert explicit_no["is_default_for_currency"] is True  # the first USD account, whatever was asked
        assert await defaults(client, on) == {eur["id"]: True, second_eur["id"]: False, gbp["id"]: True,
                                              explicit_no["id"]: True}
        assert event_actions(db, eur["id"]) == ["entity_bank_account.created"]

    async def test_a_new_default_takes_over_its_currency_only(self, client, on, db):
        eur = await create_bank_account(client, on)
        gbp = await create_bank_account(client, on, gbp_account())
        new = await create_bank_account(client, on, iban=IBAN_DE_2, is_default_for_currency=True)
        assert new["is_default_for_currency"] is True
        assert await defaults(client, on) == {eur["id"]: False, gbp["id"]: True, new["id"]: True}
        # The account that lost the default says so in an event of its own.
        assert event_actions(db, eur["id"]) == ["entity_bank_account.created", "entity_bank_account.updated"]
        assert event_actions(db, new["id"]) == ["entity_bank_account.created"]
        assert event_actions(db, gbp["id"]) == ["entity_bank_account.created"]

    async def test_defaults_are_per_entity(self, client, partner, on, other_entity):
        theirs = await create_bank_account(client, partner.on(other_entity["id"]))
        mine = await create_bank_account(client, on)
        assert mine["is_default_for_currency"] is True
        response = await client.get(f"/bank_accounts/{theirs['id']}", headers=partner.on(other_entity["id"]))
        assert response.json()["is_default_for_currency"] is True

    @pytest.mark.parametrize(
        "body",
        [
            gbp_account(),
            usd_account(),
            {"country": "CH", "currency": "CHF", "iban": "CH9300762011623852957"},
            {"country": "CA", "currency": "CAD", "account_number": "123456789", "routing_number": "000212345"},
            {"country": "AU", "currency": "AUD", "account_number": "12345678", "sort_code": "062000"},
            {"country": "NG", "currency": "NGN"},  # African countries may use any fields
            {"country": "KE", "currency": "USD", "bic": "KCBLKENXXXX"},
            {"country": "DE", "currency": "EUR", "iban": IBAN_DE, "bank_name": "b" * 255},
            {"country": "FR", "currency": "EUR", "iban": IBAN_FR, "display_name": "d" * 200,
             "account_holder_name": "h" * 200},
        ],
        ids=["gbp", "usd", "chf-iban", "cad-routing", "aud-sort-code", "african-anything", "african-bic-only",
             "longest-bank-name", "longest-names"],
    )
    async def test_accepted_forms(self, client, on, body):
        account = await create_bank_account(client, on, body)
        assert_shape(account, RESPONSE)
        assert {k: account[k] for k in body} == body

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"currency": "EUR", "iban": IBAN_DE}, ["body", "country"]),
            ({"country": "DE", "iban": IBAN_DE}, ["body", "currency"]),
            (eur_account(country="XX"), ["body", "country"]),
            (eur_account(currency="EURO"), ["body", "currency"]),
            (eur_account(iban="DE00370400440532013000"), ["body", "iban"]),
            (eur_account(iban="DE89" + "0" * 40), ["body", "iban"]),
            (eur_account(bic="NOTABIC"), ["body", "bic"]),
            (eur_account(account_holder_name=""), ["body", "account_holder_name"]),
            (eur_account(account_holder_name="h" * 201), ["body", "account_holder_name"]),
            (eur_account(display_name=""), ["body", "display_name"]),
            (eur_account(display_name="d" * 201), ["body", "display_name"]),
            (eur_account(bank_name="b" * 256), ["body", "bank_name"]),
            (eur_account(account_number="1" * 101), ["body", "account_number"]),
            (eur_account(sort_code="1" * 101), ["body", "sort_code"]),
            (eur_account(routing_number="1" * 101), ["body", "routing_number"]),
            (eur_account(is_default_for_currency=None), ["body", "is_default_for_currency"]),
            (eur_account(is_default_for_currency="maybe"), ["body", "is_default_for_currency"]),
            (eur_account(partner_metadata={"k": 1}), ["body", "partner_metadata"]),
            (eur_account(id=str(uuid.uuid4())), ["body", "id"]),
            (eur_account(iban=None), ["body", "iban"]),  # EUR needs an IBAN
            ({"country": "DE", "currency": "EUR", "bic": BIC_DE, "account_number": "1"}, ["body", "iban"]),
            (gbp_account(sort_code=None), ["body", "sort_code"]),
            (gbp_account(account_holder_name=None), ["body", "account_holder_name"]),
            (usd_account(routing_number=None), ["body", "routing_number"]),
            (usd_account(account_number=""), ["body", "account_number"]),
            ({"country": "CH", "currency": "CHF", "account_number": "1"}, ["body"]),
            ({"country": "US", "currency": "CAD"}, ["body"]),
        ],
        ids=["no-country", "no-currency", "unknown-country", "unknown-currency", "iban-checksum", "iban-too-long",
             "bad-bic", "empty-holder", "holder-too-long", "empty-display-name", "display-name-too-long",
             "bank-name-too-long", "account-number-too-long", "sort-code-too-long", "routing-number-too-long",
             "null-default", "non-boolean-default", "counterpart-only-field", "unknown-field", "eur-without-iban",
             "bic-without-iban", "gbp-without-sort-code", "gbp-without-holder", "usd-without-routing-number",
             "usd-with-empty-account-number", "chf-account-number-alone", "cad-nothing"],
    )
    async def test_validation_changes_nothing(self, client, on, db, body, loc):
        response = await client.post("/bank_accounts", json=body, headers=on)
        assert loc in locs(response)
        assert await listed(client, on) == []

    async def test_every_missing_field_is_named(self, client, on):
        response = await client.post("/bank_accounts", json={"country": "GB", "currency": "GBP"}, headers=on)
        assert locs(response) == [["body", "account_holder_name"], ["body", "account_number"], ["body", "sort_code"]]
        assert response.json()["detail"][0]["msg"] == "Field required for GBP bank accounts"

    async def test_no_body(self, client, on):
        response = await client.post("/bank_accounts", headers={**on, "content-type": "application/json"})
        assert ["body", "country"] in locs(response)


class TestListBankAccounts:
    async def test_unauthenticated(self, client, entity):
        response = await client.get("/bank_accounts", headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_another_entitys_accounts_are_not_listed(self, client, partner, on, other_entity, other_user):
        await create_bank_account(client, on)
        assert await listed(client, partner.on(other_entity["id"])) == []
        assert await listed(client, other_user.auth) == []

    async def test_empty(self, client, on):
        response = await client.get("/bank_accounts", headers=on)
        assert response.json() == {"data": [], "next_pagination_token": None, "prev_pagination_token": None}

    async def test_every_account_oldest_first(self, client, on):
        made = [
            await create_bank_account(client, on),
            await create_bank_account(client, on, gbp_account()),
            await create_bank_account(client, on, iban=IBAN_DE_2),
        ]
        response = await client.get("/bank_accounts", headers=on)
        body = response.json()
        assert set(body) == {"data", "next_pagination_token", "prev_pagination_token"}
        assert (body["next_pagination_token"], body["prev_pagination_token"]) == (None, None)
        for item in body["data"]:
            assert_shape(item, RESPONSE)
        assert body["data"] == made

    async def test_takes_no_parameters(self, client, on):
        """Monite's list has no query parameters: paging or sorting ones are ignored, not refused."""
        first = await create_bank_account(client, on)
        second = await create_bank_account(client, on, iban=IBAN_DE_2)
        params = {"limit": 1, "order": "desc", "sort": "iban", "pagination_token": "x", "currency": "GBP"}
        response = await client.get("/bank_accounts", params=params, headers=on)
        assert response.status_code == 200
        assert [a["id"] for a in response.json()["data"]] == [first["id"], second["id"]]


class TestGetBankAccount:
    async def test_unauthenticated(self, client, on, entity):
        account = await create_bank_account(client, on)
        response = await client.get(f"/bank_accounts/{account['id']}", headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_another_entitys_account(self, client, partner, on, other_entity, other_user):
        account = await create_bank_account(client, on)
        for headers in (partner.on(other_entity["id"]), other_user.auth):
            response = await client.get(f"/bank_accounts/{account['id']}", headers=headers)
            assert response.status_code == 404
            assert response.json() == NOT_FOUND

    async def test_get(self, client, on):
        account = await create_bank_account(client, on, gbp_account(display_name="Pounds"))
        response = await client.get(f"/bank_accounts/{account['id']}", headers=on)
        assert response.status_code == 200
        assert_shape(response.json(), RESPONSE)
        assert response.json() == account

    async def test_unknown(self, client, on):
        response = await client.get(f"/bank_accounts/{uuid.uuid4()}", headers=on)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    async def test_not_a_uuid(self, client, on):
        assert locs(await client.get("/bank_accounts/main", headers=on)) == [["path", "bank_account_id"]]


class TestUpdateBankAccount:
    async def test_unauthenticated(self, client, on, entity):
        account = await create_bank_account(client, on)
        response = await client.patch(f"/bank_accounts/{account['id']}", json={"display_name": "x"},
                                      headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401
        assert (await client.get(f"/bank_accounts/{account['id']}", headers=on)).json() == account

    async def test_another_entitys_account(self, client, partner, on, other_entity, other_user):
        account = await create_bank_account(client, on)
        for headers in (partner.on(other_entity["id"]), other_user.auth):
            response = await client.patch(f"/bank_accounts/{account['id']}", json={"display_name": "x"},
                                          headers=headers)
            assert response.status_code == 404
            assert response.json() == NOT_FOUND
        assert (await client.get(f"/bank_accounts/{account['id']}", headers=on)).json() == account

    async def test_rename(self, client, on, db):
        account = await create_bank_account(client, on)
        response = await client.patch(f"/bank_accounts/{account['id']}",
                                      json={"display_name": "Payroll", "account_holder_name": "Acme AG"}, headers=on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert_shape(body, RESPONSE)
        assert body == {**account, "display_name": "Payroll", "account_holder_name": "Acme AG"}
        assert (await client.get(f"/bank_accounts/{account['id']}", headers=on)).json() == body
        assert event_actions(db, account["id"]) == ["entity_bank_account.created", "entity_bank_account.updated"]

    async def test_null_clears_a_name(self, client, on):
        account = await create_bank_account(client, on)
        response = await client.patch(f"/bank_accounts/{account['id']}",
                                      json={"display_name": None, "account_holder_name": None}, headers=on)
        assert response.status_code == 200
        assert (response.json()["display_name"], response.json()["account_holder_name"]) == (None, None)

    async def test_empty_body_changes_nothing(self, client, on):
        account = await create_bank_account(client, on)
        for kwargs in ({"json": {}}, {"headers": {**on, "content-type": "application/json"}}):
            response = await client.patch(f"/bank_accounts/{account['id']}", **{"headers": on, **kwargs})
            assert response.status_code == 200, response.text
            assert response.json() == account

    async def test_default_is_kept(self, client, on):
        account = await create_bank_account(client, on)
        response = await client.patch(f"/bank_accounts/{account['id']}", json={"display_name": "x"}, headers=on)
        assert response.json()["is_default_for_currency"] is True

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"currency": "GBP"}, ["body", "currency"]),  # the currency, country and numbers are fixed
            ({"country": "FR"}, ["body", "country"]),
            ({"iban": IBAN_GB}, ["body", "iban"]),
            ({"is_default_for_currency": False}, ["body", "is_default_for_currency"]),
            ({"display_name": ""}, ["body", "display_name"]),
            ({"display_name": "d" * 201}, ["body", "display_name"]),
            ({"account_holder_name": ""}, ["body", "account_holder_name"]),
            ({"account_holder_name": 7}, ["body", "account_holder_name"]),
        ],
        ids=["currency", "country", "iban", "default", "empty-display-name", "display-name-too-long",
             "empty-holder", "non-string-holder"],
    )
    async def test_validation_changes_nothing(self, client, on, db, body, loc):
        account = await create_bank_account(client, on)
        assert loc in locs(await client.patch(f"/bank_accounts/{account['id']}", json=body, headers=on))
        assert (await client.get(f"/bank_accounts/{account['id']}", headers=on)).json() == account
        assert event_actions(db, account["id"]) == ["entity_bank_account.created"]

    async def test_a_holder_name_its_currency_needs_cannot_be_cleared(self, client, on):
        account = await create_bank_account(client, on, usd_account())
        response = await client.patch(f"/bank_accounts/{account['id']}", json={"account_holder_name": None},
                                      headers=on)
        assert locs(response) == [["body", "account_holder_name"]]
        assert (await client.get(f"/bank_accounts/{account['id']}", headers=on)).json() == account


class TestDeleteBankAccount:
    async def test_unauthenticated(self, client, on, entity):
        account = await create_bank_account(client, on)
        response = await client.delete(f"/bank_accounts/{account['id']}", headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401
        assert await listed(client, on) == [account]

    async def test_another_entitys_account(self, client, partner, on, other_entity, other_user):
        account = await create_bank_account(client, on)
        for headers in (partner.on(other_entity["id"]), other_user.auth):
            response = await client.delete(f"/bank_accounts/{account['id']}", headers=headers)
            assert response.status_code == 404
            assert response.json() == NOT_FOUND
        assert await listed(client, on) == [account]

    async def test_delete(self, client, on, db):
        account = await create_bank_account(client, on)
        response = await client.delete(f"/bank_accounts/{account['id']}", headers=on)
        assert response.status_code == 204
        assert response.content == b""
        response = await client.get(f"/bank_accounts/{account['id']}", headers=on)
        assert response.status_code == 404
        assert response.json() == NOT_FOUND
        assert await listed(client, on) == []
        assert (await client.delete(f"/bank_accounts/{account['id']}", headers=on)).json() == NOT_FOUND
        assert event_actions(db, account["id"]) == ["entity_bank_account.created", "entity_bank_account.deleted"]

    async def test_deleting_the_default_hands_it_to_the_oldest_of_its_currency(self, client, on, db):
        default = await create_bank_account(client, on)
        gbp = await create_bank_account(client, on, gbp_account())
        oldest = await create_bank_account(client, on, iban=IBAN_DE_2)
        newest = await create_bank_account(client, on, country="FR", iban=IBAN_FR, bic=None)
        assert (await client.delete(f"/bank_accounts/{default['id']}", headers=on)).status_code == 204
        assert await defaults(client, on) == {gbp["id"]: True, oldest["id"]: True, newest["id"]: False}
        assert event_actions(db, oldest["id"]) == ["entity_bank_account.created", "entity_bank_account.updated"]
        assert event_actions(db, newest["id"]) == ["entity_bank_account.created"]
        assert event_actions(db, gbp["id"]) == ["entity_bank_account.created"]

    async def test_deleting_another_account_keeps_the_default(self, client, on, db):
        default = await create_bank_account(client, on)
        other = await create_bank_account(client, on, iban=IBAN_DE_2)
        assert (await client.delete(f"/bank_accounts/{other['id']}", headers=on)).status_code == 204
        assert await defaults(client, on) == {default["id"]: True}
        assert event_actions(db, default["id"]) == ["entity_bank_account.created"]

    async def test_the_last_account_of_a_currency_can_go(self, client, on):
        eur = await create_bank_account(client, on)
        gbp = await create_bank_account(client, on, gbp_account())
        assert (await client.delete(f"/bank_accounts/{eur['id']}", headers=on)).status_code == 204
        assert await defaults(client, on) == {gbp["id"]: True}
        again = await create_bank_account(client, on, iban=IBAN_DE_2)
        assert again["is_default_for_currency"] is True


class TestMakeDefault:
    async def test_unauthenticated(self, client, on, entity):
        await create_bank_account(client, on)
        account = await create_bank_account(client, on, iban=IBAN_DE_2)
        response = await client.post(f"/bank_accounts/{account['id']}/make_default",
                                     headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401
        assert (await defaults(client, on))[account["id"]] is False

    async def test_another_entitys_account(self, client, partner, on, other_entity, other_user):
        await create_bank_account(client, on)
        account = await create_bank_account(client, on, iban=IBAN_DE_2)
        for headers in (partner.on(other_entity["id"]), other_user.auth):
            response = await make_default(client, headers, account["id"])
            assert response.status_code == 404
            assert response.json() == NOT_FOUND
        assert (await defaults(client, on))[account["id"]] is False

    async def test_moves_the_default_within_the_currency(self, client, on, db):
        first = await create_bank_account(client, on)
        second = await create_bank_account(client, on, iban=IBAN_DE_2)
        gbp = await create_bank_account(client, on, gbp_account())
        response = await make_default(client, on, second["id"])
        assert response.status_code == 200, response.text
        assert_shape(response.json(), RESPONSE)
        assert response.json() == {**second, "is_default_for_currency": True}
        assert await defaults(client, on) == {first["id"]: False, second["id"]: True, gbp["id"]: True}
        assert event_actions(db, second["id"]) == ["entity_bank_account.created", "entity_bank_account.updated"]
        assert event_actions(db, first["id"]) == ["entity_bank_account.created", "entity_bank_account.updated"]
        assert event_actions(db, gbp["id"]) == ["entity_bank_account.created"]

        # And back.
        assert (await make_default(client, on, first["id"])).json()["is_default_for_currency"] is True
        assert await defaults(client, on) == {first["id"]: True, second["id"]: False, gbp["id"]: True}

    async def test_the_default_already(self, client, on, db):
        account = await create_bank_account(client, on)
        response = await make_default(client, on, account["id"])
        assert response.status_code == 200
        assert response.json() == account
        assert event_actions(db, account["id"]) == ["entity_bank_account.created"]

    async def test_unknown(self, client, on):
        response = await make_default(client, on, str(uuid.uuid4()))
        assert response.status_code == 404
        assert response.json() == NOT_FOUND

    async def test_a_body_is_ignored(self, client, on):
        await create_bank_account(client, on)
        account = await create_bank_account(client, on, iban=IBAN_DE_2)
        response = await client.post(f"/bank_accounts/{account['id']}/make_default", json={}, headers=on)
        assert response.json()["is_default_for_currency"] is True


# -- permissions ------------------------------------------------------------------------------

ROUTES = [
    ("GET", None, "read"),
    ("POST", None, "create"),
    ("GET", "", "read"),
    ("PATCH", "", "update"),
    ("DELETE", "", "delete"),
    ("POST", "/make_default", "update"),
]
ROUTE_IDS = [f"{method} /bank_accounts{'' if item is None else '/{id}' + item}" for method, item, _ in ROUTES]


def route(account_id: str, item: str | None) -> str:
    return "/bank_accounts" if item is None else f"/bank_accounts/{account_id}{item}"


def body_for(method: str, item: str | None) -> dict | None:
    if method == "POST" and item is None:
        return eur_account(iban=IBAN_DE_2)
    return {"display_name": "Changed"} if method == "PATCH" else None


class TestPermissions:
    @pytest.mark.parametrize(("method", "item", "action"), ROUTES, ids=ROUTE_IDS)
    async def test_action_absent(self, client, partner, entity, on, db, method, item, action):
        await create_bank_account(client, on)
        account = await create_bank_account(client, on, iban=IBAN_FR, country="FR", bic=None)
        # Every other action on bank accounts, and everything on another object.
        user = await partner.user_with(entity["id"], entity_bank_account=[a for a in ALL_CRUD if a != action],
                                       counterpart=ALL_CRUD)
        before = await listed(client, on)
        response = await client.request(method, route(account["id"], item), json=body_for(method, item),
                                        headers=user.auth)
        assert response.status_code == 403, response.text
        assert response.json() == {"error": {"message": f"Action {action} for entity_bank_account not allowed"}}
        assert await listed(client, on) == before
        assert event_actions(db, account["id"]) == ["entity_bank_account.created"]

    async def test_no_permission_at_all(self, client, partner, entity, on):
        account = await create_bank_account(client, on)
        user = await partner.user_with(entity["id"], counterpart=ALL_CRUD)
        for method, item, action in ROUTES:
            response = await client.request(method, route(account["id"], item), json=body_for(method, item),
                                            headers=user.auth)
            assert response.status_code == 403, (method, item, response.text)
            assert error_message(response) == f"Action {action} for entity_bank_account not allowed"
        assert await listed(client, on) == [account]

    @pytest.mark.parametrize(("method", "item", "action"), ROUTES, ids=ROUTE_IDS)
    async def test_action_allowed(self, client, partner, entity, on, method, item, action):
        await create_bank_account(client, on)
        account = await create_bank_account(client, on, iban=IBAN_FR, country="FR", bic=None)
        user = await partner.user_with(entity["id"], entity_bank_account=[action])
        response = await client.request(method, route(account["id"], item), json=body_for(method, item),
                                        headers=user.auth)
        assert response.status_code < 300, response.text
        if method == "POST" and item is None:
            assert response.json()["was_created_by_user_id"] == user.id

    async def test_allowed_for_own(self, client, partner, entity, on, db):
        own = {"create": "allowed_for_own", "read": "allowed_for_own", "update": "allowed_for_own",
               "delete": "allowed_for_own"}
        user = await partner.user_with(entity["id"], entity_bank_account=own)
        theirs = await create_bank_account(client, on)
        mine = await create_bank_account(client, user.auth, iban=IBAN_DE_2)  # create: the new one is the user's
        assert mine["was_created_by_user_id"] == user.id
        assert [a["id"] for a in await listed(client, user.auth)] == [mine["id"]]
        assert [a["id"] for a in await listed(client, on)] == [theirs["id"], mine["id"]]

        for method, item, action in ROUTES[2:]:
            response = await client.request(method, route(theirs["id"], item), json=body_for(method, item),
                                            headers=user.auth)
            assert response.status_code == 403, (method, item, response.text)
            assert error_message(response) == f"Action {action} for entity_bank_account not allowed"
        assert event_actions(db, theirs["id"]) == ["entity_bank_account.created"]

        assert (await client.get(f"/bank_accounts/{mine['id']}", headers=user.auth)).status_code == 200
        assert (await client.patch(f"/bank_accounts/{mine['id']}", json={"display_name": "Mine"},
                                   headers=user.auth)).status_code == 200
        assert (await make_default(client, user.auth, mine["id"])).json()["is_default_for_currency"] is True
        # Making its own account the default took the default from someone else's: that is the rule.
        assert await defaults(client, on) == {theirs["id"]: False, mine["id"]: True}
        assert (await client.delete(f"/bank_accounts/{mine['id']}", headers=user.auth)).status_code == 204
        assert await defaults(client, on) == {theirs["id"]: True}

    async def test_the_partner_needs_no_role(self, client, on):
        account = await create_bank_account(client, on)
        assert (await client.get(f"/bank_accounts/{account['id']}", headers=on)).status_code == 200


# -- what other domains call --------------------------------------------------------------------


def context(partner_id, entity_id) -> RequestContext:
    return RequestContext(principal=None, partner_id=partner_id, entity_id=uuid.UUID(str(entity_id)))


class TestLoaders:
    async def test_default_for_currency(self, client, db, partner, on, entity, other_entity):
        first = await create_bank_account(client, on)
        second = await create_bank_account(client, on, iban=IBAN_DE_2)
        await create_bank_account(client, partner.on(other_entity["id"]), gbp_account())
        entity_id = uuid.UUID(entity["id"])
        with db.transaction(write=False) as session:
            assert str(service.default_for_currency(session, entity_id, "EUR").id) == first["id"]
            assert service.default_for_currency(session, entity_id, "GBP") is None  # only the other entity has one
            assert service.default_for_currency(session, uuid.UUID(other_entity["id"]), "GBP") is not None
        await make_default(client, on, second["id"])
        with db.transaction(write=False) as session:
            assert str(service.default_for_currency(session, entity_id, "EUR").id) == second["id"]

    async def test_get(self, client, db, partner, on, entity, other_entity):
        mine = await create_bank_account(client, on)
        theirs = await create_bank_account(client, partner.on(other_entity["id"]))
        ctx = context(partner.client_id, entity["id"])
        with db.transaction(write=False) as session:
            account = service.get(session, ctx, uuid.UUID(mine["id"]))
            assert (str(account.id), account.iban, account.currency) == (mine["id"], IBAN_DE, "EUR")
            for missing in (theirs["id"], str(uuid.uuid4())):
                with pytest.raises(NotFound) as raised:
                    service.get(session, ctx, uuid.UUID(missing))
                assert raised.value.message == "Bank account not found"
