"""What hangs off a counterpart (docs/master-data.md, "Counterparts"): addresses, bank accounts
(make_default), contacts (make_default), VAT ids, e-invoicing credentials; permissions and
tenancy."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.entities import ALL_CRUD
from tests.fixtures.masterdata import (
    BIC_DE,
    IBAN_DE,
    IBAN_GB,
    TENANCY_FACTORIES,
    address_payload,
    assert_isolated,
    assert_shape,
    bank_account_payload,
    contact_payload,
    create_address,
    create_bank_account,
    create_contact,
    create_counterpart,
    create_einvoicing_credential,
    create_vat_id,
    error_message,
    event_actions,
    locs,
    new_partner,
)


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


@pytest.fixture
async def counterpart(client, on):
    return await create_counterpart(client, on)


async def listed(client, on, counterpart_id, collection) -> list[dict]:
    response = await client.get(f"/counterparts/{counterpart_id}/{collection}", headers=on)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"data"}
    return response.json()["data"]


class TestAddresses:
    async def test_crud(self, client, on, counterpart, db):
        base = f"/counterparts/{counterpart['id']}/addresses"
        response = await client.post(base, json=address_payload(city="Munich", postal_code="80331", line2="3rd floor",
                                                                state="Bavaria"), headers=on)
        assert response.status_code == 201, response.text
        address = response.json()
        assert_shape(address, "CounterpartAddressResponseWithCounterpartID")
        assert address["counterpart_id"] == counterpart["id"]
        assert (address["city"], address["line2"], address["state"]) == ("Munich", "3rd floor", "Bavaria")

        data = await listed(client, on, counterpart["id"], "addresses")
        assert [a["id"] for a in data] == [counterpart["default_billing_address_id"], address["id"]]
        for item in data:
            assert_shape(item, "CounterpartAddressResponseWithCounterpartID")

        assert (await client.get(f"{base}/{address['id']}", headers=on)).json() == address
        response = await client.patch(f"{base}/{address['id']}", json={"city": "Nuremberg", "line2": None}, headers=on)
        assert response.status_code == 200, response.text
        assert (response.json()["city"], response.json()["line2"], response.json()["postal_code"]) == (
            "Nuremberg", None, "80331"
        )
        assert (await client.get(f"{base}/{address['id']}", headers=on)).json() == response.json()

        response = await client.delete(f"{base}/{address['id']}", headers=on)
        assert response.status_code == 204
        assert (await client.get(f"{base}/{address['id']}", headers=on)).status_code == 404
        assert [a["id"] for a in await listed(client, on, counterpart["id"], "addresses")] == [
            counterpart["default_billing_address_id"]
        ]
        assert event_actions(db, address["id"]) == [
            "counterpart_address.created", "counterpart_address.update", "counterpart_address.delete"
        ]

    async def test_default_billing_address_cannot_be_deleted(self, client, on, counterpart):
        path = f"/counterparts/{counterpart['id']}/addresses/{counterpart['default_billing_address_id']}"
        response = await client.delete(path, headers=on)
        assert response.status_code == 409
        assert error_message(response) == "The default billing address of a counterpart cannot be deleted"
        assert (await client.get(path, headers=on)).status_code == 200
        assert len(await listed(client, on, counterpart["id"], "addresses")) == 1

    async def test_after_moving_the_default_the_old_address_can_go(self, client, on, counterpart):
        second = await create_address(client, on, counterpart["id"], city="Hamburg")
        await client.patch(f"/counterparts/{counterpart['id']}", json={"default_billing_address_id": second["id"]},
                           headers=on)
        first = counterpart["default_billing_address_id"]
        assert (await client.delete(f"/counterparts/{counterpart['id']}/addresses/{first}",
                                    headers=on)).status_code == 204
        response = await client.delete(f"/counterparts/{counterpart['id']}/addresses/{second['id']}", headers=on)
        assert response.status_code == 409

    async def test_deleting_the_shipping_address_clears_it(self, client, on, counterpart):
        shipping = await create_address(client, on, counterpart["id"], city="Bremen")
        await client.patch(f"/counterparts/{counterpart['id']}", json={"default_shipping_address_id": shipping["id"]},
                           headers=on)
        response = await client.delete(f"/counterparts/{counterpart['id']}/addresses/{shipping['id']}", headers=on)
        assert response.status_code == 204
        fetched = (await client.get(f"/counterparts/{counterpart['id']}", headers=on)).json()
        assert fetched["default_shipping_address_id"] is None
        assert fetched["default_billing_address_id"] == counterpart["default_billing_address_id"]

    async def test_not_found(self, client, on, counterpart):
        other = await create_counterpart(client, on)
        response = await client.get(f"/counterparts/{counterpart['id']}/addresses/{uuid.uuid4()}", headers=on)
        assert response.status_code == 404
        assert error_message(response) == "Address not found"
        # An address is found only under its own counterpart.
        path = f"/counterparts/{counterpart['id']}/addresses/{other['default_billing_address_id']}"
        assert (await client.get(path, headers=on)).status_code == 404
        assert (await client.delete(path, headers=on)).status_code == 404
        response = await client.get(f"/counterparts/{uuid.uuid4()}/addresses", headers=on)
        assert response.status_code == 404
        assert error_message(response) == "Counterpart not found"

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            (address_payload(country="XX"), ["body", "country"]),
            ({k: v for k, v in address_payload().items() if k != "city"}, ["body", "city"]),
            (address_payload(line1="l" * 256), ["body", "line1"]),
            (address_payload(postal_code=""), ["body", "postal_code"]),
            (address_payload(unknown=1), ["body", "unknown"]),
        ],
        ids=["unknown-country", "missing-city", "line1-too-long", "empty-postal-code", "unknown-field"],
    )
    async def test_create_validation_changes_nothing(self, client, on, counterpart, body, loc):
        response = await client.post(f"/counterparts/{counterpart['id']}/addresses", json=body, headers=on)
        assert loc in locs(response)
        assert len(await listed(client, on, counterpart["id"], "addresses")) == 1

    @pytest.mark.parametrize(
        ("body", "loc"),
        [({"city": None}, ["body", "city"]), ({"country": None}, ["body", "country"]),
         ({"country": "ZZ"}, ["body", "country"]), ({"line1": ""}, ["body", "line1"])],
    )
    async def test_update_validation_changes_nothing(self, client, on, counterpart, body, loc):
        path = f"/counterparts/{counterpart['id']}/addresses/{counterpart['default_billing_address_id']}"
        before = (await client.get(path, headers=on)).json()
        assert loc in locs(await client.patch(path, json=body, headers=on))
        assert (await client.get(path, headers=on)).json() == before


class TestBankAccounts:
    async def test_crud(self, client, on, counterpart, db):
        base = f"/counterparts/{counterpart['id']}/bank_accounts"
        body = bank_account_payload(iban="de89 3704 0044 0532 0130 00", name="Main", partner_metadata={"k": 1},
                                    account_number="0532013000", routing_number="37040044", sort_code="370400")
        response = await client.post(base, json=body, headers=on)
        assert response.status_code == 200, response.text  # Monite answers 200 here, not 201
        account = response.json()
        assert_shape(account, "CounterpartBankAccountResponse")
        assert account["counterpart_id"] == counterpart["id"]
        assert account["iban"] == IBAN_DE  # compact, upper case
        assert account["bic"] == BIC_DE
        assert (account["country"], account["currency"], account["name"]) == ("DE", "EUR", "Main")
        assert account["is_default_for_currency"] is False
        assert account["partner_metadata"] == {"k": 1}

        data = await listed(client, on, counterpart["id"], "bank_accounts")
        assert data == [account]
        assert (await client.get(f"{base}/{account['id']}", headers=on)).json() == account

        response = await client.patch(f"{base}/{account['id']}", json={"name": "Renamed", "iban": IBAN_GB,
                                                                        "country": "GB", "currency": "GBP"}, headers=on)
        assert response.status_code == 200, response.text
        assert (response.json()["name"], response.json()["iban"], response.json()["currency"]) == (
            "Renamed", IBAN_GB, "GBP"
        )
        assert (await client.get(f"{base}/{account['id']}", headers=on)).json() == response.json()

        assert (await client.delete(f"{base}/{account['id']}", headers=on)).status_code == 204
        response = await client.get(f"{base}/{account['id']}", headers=on)
        assert response.status_code == 404
        assert error_message(response) == "Bank account not found"
        assert await listed(client, on, counterpart["id"], "bank_accounts") == []
        assert event_actions(db, account["id"]) == [
            "counterpart_bank_account.created", "counterpart_bank_account.update", "counterpart_bank_account.delete"
        ]

    async def test_make_default_unsets_the_other_default_of_the_currency(self, client, on, counterpart, db):
        cid = counterpart["id"]
        eur_1 = await create_bank_account(client, on, cid, is_default_for_currency=True)
        eur_2 = await create_bank_account(client, on, cid)
        gbp = await create_bank_account(client, on, cid, country="GB", currency="GBP", iban=IBAN_GB, bic=None,
                                        is_default_for_currency=True)
        assert eur_1["is_default_for_currency"] and gbp["is_default_for_currency"]

        response = await client.post(f"/counterparts/{cid}/bank_accounts/{eur_2['id']}/make_default", headers=on)
        assert response.status_code == 200, response.text
        assert_shape(response.json(), "CounterpartBankAccountResponse")
        assert response.json()["id"] == eur_2["id"]
        assert response.json()["is_default_for_currency"] is True
        defaults = {a["id"]: a["is_default_for_currency"] for a in await listed(client, on, cid, "bank_accounts")}
        assert defaults == {eur_1["id"]: False, eur_2["id"]: True, gbp["id"]: True}
        assert event_actions(db, eur_2["id"])[-1] == "counterpart_bank_account.update"

        # Idempotent.
        response = await client.post(f"/counterparts/{cid}/bank_accounts/{eur_2['id']}/make_default", headers=on)
        assert response.status_code == 200
        defaults = {a["id"]: a["is_default_for_currency"] for a in await listed(client, on, cid, "bank_accounts")}
        assert defaults == {eur_1["id"]: False, eur_2["id"]: True, gbp["id"]: True}

    async def test_default_is_per_counterpart(self, client, on, counterpart):
        other = await create_counterpart(client, on)
        mine = await create_bank_account(client, on, counterpart["id"], is_default_for_currency=True)
        theirs = await create_bank_account(client, on, other["id"], is_default_for_currency=True)
        await client.post(f"/counterparts/{counterpart['id']}/bank_accounts/{mine['id']}/make_default", headers=on)
        response = await client.get(f"/counterparts/{other['id']}/bank_accounts/{theirs['id']}", headers=on)
        assert response.json()["is_default_for_currency"] is True

    async def test_creating_a_default_unsets_the_previous_one(self, client, on, counterpart):
        cid = counterpart["id"]
        first = await create_bank_account(client, on, cid, is_default_for_currency=True)
        second = await create_bank_account(client, on, cid, is_default_for_currency=True)
        defaults = {a["id"]: a["is_default_for_currency"] for a in await listed(client, on, cid, "bank_accounts")}
        assert defaults == {first["id"]: False, second["id"]: True}

    async def test_changing_currency_keeps_one_default_per_currency(self, client, on, counterpart):
        cid = counterpart["id"]
        eur = await create_bank_account(client, on, cid, is_default_for_currency=True)
        gbp = await create_bank_account(client, on, cid, country="GB", currency="GBP", iban=IBAN_GB, bic=None,
                                        is_default_for_currency=True)
        response = await client.patch(f"/counterparts/{cid}/bank_accounts/{eur['id']}", json={"currency": "GBP"},
                                      headers=on)
        assert response.status_code == 200, response.text
        assert response.json()["is_default_for_currency"] is False  # it was the default for EUR
        defaults = {a["id"]: a["is_default_for_currency"] for a in await listed(client, on, cid, "bank_accounts")}
        assert defaults == {eur["id"]: False, gbp["id"]: True}
        # A currency change to the same currency keeps the flag.
        response = await client.patch(f"/counterparts/{cid}/bank_accounts/{gbp['id']}", json={"currency": "GBP"},
                                      headers=on)
        assert response.json()["is_default_for_currency"] is True

    async def test_make_default_of_unknown_account(self, client, on, counterpart):
        response = await client.post(f"/counterparts/{counterpart['id']}/bank_accounts/{uuid.uuid4()}/make_default",
                                     headers=on)
        assert response.status_code == 404

    @pytest.mark.parametrize(
        ("overrides", "loc"),
        [
            ({"iban": "DE00370400440532013000"}, ["body", "iban"]),  # bad check digits
            ({"iban": "DE8937040044"}, ["body", "iban"]),  # too short
            ({"bic": "NOTABIC"}, ["body", "bic"]),
            ({"bic": "COBADEFFXXXX"}, ["body", "bic"]),
            ({"currency": "XXY"}, ["body", "currency"]),
            ({"currency": None}, ["body", "currency"]),
            ({"country": "XX"}, ["body", "country"]),
            ({"name": "n" * 201}, ["body", "name"]),
            ({"is_default_for_currency": "sometimes"}, ["body", "is_default_for_currency"]),
            ({"unknown": True}, ["body", "unknown"]),
        ],
        ids=["iban-checksum", "iban-length", "bic-format", "bic-length", "unknown-currency", "null-currency",
             "unknown-country", "name-too-long", "bad-bool", "unknown-field"],
    )
    async def test_create_validation_changes_nothing(self, client, on, counterpart, overrides, loc):
        response = await client.post(f"/counterparts/{counterpart['id']}/bank_accounts",
                                     json=bank_account_payload(**overrides), headers=on)
        assert loc in locs(response)
        assert await listed(client, on, counterpart["id"], "bank_accounts") == []

    @pytest.mark.parametrize(
        ("body", "loc"),
        [({"iban": "GB00NWBK60161331926819"}, ["body", "iban"]), ({"bic": "X"}, ["body", "bic"]),
         ({"currency": "EURO"}, ["body", "currency"]), ({"currency": None}, ["body", "currency"]),
         ({"is_default_for_currency": True}, ["body", "is_default_for_currency"])],
        ids=["iban", "bic", "currency", "null-currency", "default-flag-is-not-patchable"],
    )
    async def test_update_validation_changes_nothing(self, client, on, counterpart, body, loc):
        account = await create_bank_account(client, on, counterpart["id"])
        path = f"/counterparts/{counterpart['id']}/bank_accounts/{account['id']}"
        assert loc in locs(await client.patch(path, json=body, headers=on))
        assert (await client.get(path, headers=on)).json() == account


class TestContacts:
    async def test_crud(self, client, on, counterpart, db):
        base = f"/counterparts/{counterpart['id']}/contacts"
        response = await client.post(base, json=contact_payload(title="Rear Admiral", phone="+1 555 0100"), headers=on)
        assert response.status_code == 200, response.text  # Monite answers 200 here, not 201
        contact = response.json()
        assert_shape(contact, "CounterpartContactResponse")
        assert_shape(contact["address"], "CounterpartAddress")
        assert contact["counterpart_id"] == counterpart["id"]
        assert (contact["first_name"], contact["last_name"], contact["email"], contact["title"]) == (
            "Grace", "Hopper", "grace@supplier.example", "Rear Admiral"
        )
        assert contact["address"]["city"] == "Berlin"
        assert contact["is_default"] is True  # the first contact

        assert await listed(client, on, counterpart["id"], "contacts") == [contact]
        assert (await client.get(f"{base}/{contact['id']}", headers=on)).json() == contact

        new_address = address_payload(city="Cologne", postal_code="50667")
        response = await client.patch(f"{base}/{contact['id']}", json={"last_name": "Murray", "address": new_address},
                                      headers=on)
        assert response.status_code == 200, response.text
        assert response.json()["last_name"] == "Murray"
        assert response.json()["address"]["city"] == "Cologne"
        assert response.json()["is_default"] is True
        assert (await client.get(f"{base}/{contact['id']}", headers=on)).json() == response.json()

        assert (await client.delete(f"{base}/{contact['id']}", headers=on)).status_code == 204
        response = await client.get(f"{base}/{contact['id']}", headers=on)
        assert response.status_code == 404
        assert error_message(response) == "Contact not found"
        assert event_actions(db, contact["id"]) == [
            "counterpart_contact_person.created", "counterpart_contact_person.update",
            "counterpart_contact_person.delete",
        ]

    async def test_defaults(self, client, on, counterpart, db):
        cid = counterpart["id"]
        first = await create_contact(client, on, cid, first_name="First")
        second = await create_contact(client, on, cid, first_name="Second")
        third = await create_contact(client, on, cid, first_name="Third")
        assert (first["is_default"], second["is_default"], third["is_default"]) == (True, False, False)

        response = await client.post(f"/counterparts/{cid}/contacts/{third['id']}/make_default", headers=on)
        assert response.status_code == 200, response.text
        assert_shape(response.json(), "CounterpartContactResponse")
        assert response.json()["is_default"] is True
        defaults = {c["first_name"]: c["is_default"] for c in await listed(client, on, cid, "contacts")}
        assert defaults == {"First": False, "Second": False, "Third": True}
        assert event_actions(db, third["id"])[-1] == "counterpart_contact_person.make_default"

        # Deleting the default promotes the oldest remaining contact.
        assert (await client.delete(f"/counterparts/{cid}/contacts/{third['id']}", headers=on)).status_code == 204
        defaults = {c["first_name"]: c["is_default"] for c in await listed(client, on, cid, "contacts")}
        assert defaults == {"First": True, "Second": False}

        # Deleting a contact that is not the default changes no default.
        assert (await client.delete(f"/counterparts/{cid}/contacts/{second['id']}", headers=on)).status_code == 204
        assert [(c["first_name"], c["is_default"]) for c in await listed(client, on, cid, "contacts")] == [
            ("First", True)
        ]

    async def test_defaults_are_per_counterpart(self, client, on, counterpart):
        other = await create_counterpart(client, on)
        mine = await create_contact(client, on, counterpart["id"])
        theirs = await create_contact(client, on, other["id"])
        assert mine["is_default"] and theirs["is_default"]
        extra = await create_contact(client, on, counterpart["id"])
        await client.post(f"/counterparts/{counterpart['id']}/contacts/{extra['id']}/make_default", headers=on)
        response = await client.get(f"/counterparts/{other['id']}/contacts/{theirs['id']}", headers=on)
        assert response.json()["is_default"] is True

    async def test_the_last_contact_can_go(self, client, on, counterpart):
        only = await create_contact(client, on, counterpart["id"])
        assert (await client.delete(f"/counterparts/{counterpart['id']}/contacts/{only['id']}",
                                    headers=on)).status_code == 204
        assert await listed(client, on, counterpart["id"], "contacts") == []
        again = await create_contact(client, on, counterpart["id"])
        assert again["is_default"] is True

    @pytest.mark.parametrize(
        ("overrides", "loc"),
        [
            ({"email": "grace-at-example"}, ["body", "email"]),
            ({"first_name": ""}, ["body", "first_name"]),
            ({"last_name": "h" * 256}, ["body", "last_name"]),
            ({"address": address_payload(country="QQ")}, ["body", "address", "country"]),
            ({"address": None}, ["body", "address"]),
            ({"is_default": True}, ["body", "is_default"]),
        ],
        ids=["bad-email", "empty-first-name", "last-name-too-long", "address-country", "no-address",
             "is-default-not-settable"],
    )
    async def test_create_validation_changes_nothing(self, client, on, counterpart, overrides, loc):
        response = await client.post(f"/counterparts/{counterpart['id']}/contacts",
                                     json=contact_payload(**overrides), headers=on)
        assert loc in locs(response)
        assert await listed(client, on, counterpart["id"], "contacts") == []

    @pytest.mark.parametrize(
        ("body", "loc"),
        [({"first_name": None}, ["body", "first_name"]), ({"address": None}, ["body", "address"]),
         ({"email": "no"}, ["body", "email"])],
    )
    async def test_update_validation_changes_nothing(self, client, on, counterpart, body, loc):
        contact = await create_contact(client, on, counterpart["id"])
        path = f"/counterparts/{counterpart['id']}/contacts/{contact['id']}"
        assert loc in locs(await client.patch(path, json=body, headers=on))
        assert (await client.get(path, headers=on)).json() == contact


class TestVatIds:
    async def test_crud(self, client, on, counterpart, db):
        base = f"/counterparts/{counterpart['id']}/vat_ids"
        response = await client.post(base, json={"value": "DE123456789", "country": "DE", "type": "eu_vat"},
                                     headers=on)
        assert response.status_code == 201, response.text
        vat = response.json()
        assert_shape(vat, "CounterpartVatIDResponse")
        assert (vat["counterpart_id"], vat["value"], vat["country"], vat["type"]) == (
            counterpart["id"], "DE123456789", "DE", "eu_vat"
        )
        assert await listed(client, on, counterpart["id"], "vat_ids") == [vat]
        assert (await client.get(f"{base}/{vat['id']}", headers=on)).json() == vat

        response = await client.patch(f"{base}/{vat['id']}", json={"value": "DE987654321"}, headers=on)
        assert response.status_code == 200
        assert response.json() == {**vat, "value": "DE987654321"}

        assert (await client.delete(f"{base}/{vat['id']}", headers=on)).status_code == 204
        response = await client.get(f"{base}/{vat['id']}", headers=on)
        assert response.status_code == 404
        assert error_message(response) == "VAT ID not found"
        assert event_actions(db, vat["id"]) == [
            "counterpart_vat_id.created", "counterpart_vat_id.update", "counterpart_vat_id.delete"
        ]

    async def test_type_defaults_to_unknown(self, client, on, counterpart):
        response = await client.post(f"/counterparts/{counterpart['id']}/vat_ids", json={"value": "X1"}, headers=on)
        assert response.status_code == 201
        assert response.json()["type"] == "unknown"
        assert response.json()["country"] is None

    @pytest.mark.parametrize(
        ("body", "loc"),
        [({"value": "V" * 33}, ["body", "value"]), ({"value": ""}, ["body", "value"]), ({}, ["body", "value"]),
         ({"value": "X", "type": "xx_vat"}, ["body", "type"]), ({"value": "X", "country": "XX"}, ["body", "country"]),
         ({"value": "X", "extra": 1}, ["body", "extra"])],
        ids=["too-long", "empty", "missing", "unknown-type", "unknown-country", "unknown-field"],
    )
    async def test_create_validation_changes_nothing(self, client, on, counterpart, body, loc):
        response = await client.post(f"/counterparts/{counterpart['id']}/vat_ids", json=body, headers=on)
        assert loc in locs(response)
        assert await listed(client, on, counterpart["id"], "vat_ids") == []

    async def test_update_validation_changes_nothing(self, client, on, counterpart):
        vat = await create_vat_id(client, on, counterpart["id"])
        path = f"/counterparts/{counterpart['id']}/vat_ids/{vat['id']}"
        for body, loc in (({"value": None}, ["body", "value"]), ({"type": None}, ["body", "type"]),
                          ({"value": "9" * 33}, ["body", "value"])):
            assert loc in locs(await client.patch(path, json=body, headers=on))
        assert (await client.get(path, headers=on)).json() == vat


class TestEinvoicingCredentials:
    async def test_crud(self, client, on, counterpart):
        base = f"/counterparts/{counterpart['id']}/einvoicing_credentials"
        response = await client.post(base, json={"network_identifier": "0088:123", "network_schema": "NL:KVK"},
                                     headers=on)
        assert response.status_code == 201, response.text
        credential = response.json()
        assert_shape(credential, "CounterpartEinvoicingCredentialResponse")
        assert (credential["network_identifier"], credential["network_schema"]) == ("0088:123", "NL:KVK")
        assert await listed(client, on, counterpart["id"], "einvoicing_credentials") == [credential]
        assert (await client.get(f"{base}/{credential['id']}", headers=on)).json() == credential
        response = await client.patch(f"{base}/{credential['id']}", json={"network_schema": "BE:EN"}, headers=on)
        assert response.status_code == 200
        assert response.json() == {**credential, "network_schema": "BE:EN"}
        assert (await client.delete(f"{base}/{credential['id']}", headers=on)).status_code == 204
        response = await client.get(f"{base}/{credential['id']}", headers=on)
        assert response.status_code == 404
        assert error_message(response) == "E-invoicing credential not found"

    async def test_from_a_vat_id(self, client, on, counterpart):
        vat = await create_vat_id(client, on, counterpart["id"], value="DE999999999", country="DE")
        response = await client.post(f"/counterparts/{counterpart['id']}/einvoicing_credentials",
                                     json={"counterpart_vat_id_id": vat["id"]}, headers=on)
        assert response.status_code == 201, response.text
        assert (response.json()["network_identifier"], response.json()["network_schema"]) == ("DE999999999", "DE:VAT")

    async def test_refused_forms_change_nothing(self, client, on, counterpart):
        cid = counterpart["id"]
        other = await create_counterpart(client, on)
        foreign_vat = await create_vat_id(client, on, other["id"])
        french_vat = await create_vat_id(client, on, cid, value="FR12345678901", country="FR")
        cases = [
            ({}, ["body"]),
            ({"network_identifier": "X"}, ["body"]),
            ({"network_identifier": "X", "network_schema": "XX:VAT"}, ["body", "network_schema"]),
            ({"counterpart_vat_id_id": str(uuid.uuid4())}, ["body", "counterpart_vat_id_id"]),
            ({"counterpart_vat_id_id": foreign_vat["id"]}, ["body", "counterpart_vat_id_id"]),
            ({"counterpart_vat_id_id": french_vat["id"]}, ["body", "counterpart_vat_id_id"]),
            ({"counterpart_vat_id_id": french_vat["id"], "network_identifier": "X", "network_schema": "DE:VAT"},
             ["body"]),
        ]
        for body, loc in cases:
            response = await client.post(f"/counterparts/{cid}/einvoicing_credentials", json=body, headers=on)
            assert loc in locs(response), (body, response.text)
        assert await listed(client, on, cid, "einvoicing_credentials") == []


# -- permissions and tenancy ---------------------------------------------------------------

ROUTES = [
    ("GET", "addresses", None, "read"),
    ("POST", "addresses", None, "create"),
    ("GET", "addresses", "address", "read"),
    ("PATCH", "addresses", "address", "update"),
    ("DELETE", "addresses", "address", "delete"),
    ("GET", "bank_accounts", None, "read"),
    ("POST", "bank_accounts", None, "create"),
    ("GET", "bank_accounts", "bank_account", "read"),
    ("PATCH", "bank_accounts", "bank_account", "update"),
    ("DELETE", "bank_accounts", "bank_account", "delete"),
    ("POST", "bank_accounts", "bank_account/make_default", "update"),
    ("GET", "contacts", None, "read"),
    ("POST", "contacts", None, "create"),
    ("GET", "contacts", "contact", "read"),
    ("PATCH", "contacts", "contact", "update"),
    ("DELETE", "contacts", "contact", "delete"),
    ("POST", "contacts", "contact/make_default", "update"),
    ("GET", "einvoicing_credentials", None, "read"),
    ("POST", "einvoicing_credentials", None, "create"),
    ("GET", "einvoicing_credentials", "credential", "read"),
    ("PATCH", "einvoicing_credentials", "credential", "update"),
    ("DELETE", "einvoicing_credentials", "credential", "delete"),
]
BODIES = {
    "addresses": address_payload,
    "bank_accounts": bank_account_payload,
    "contacts": contact_payload,
    "einvoicing_credentials": lambda: {"network_identifier": "X", "network_schema": "DE:VAT"},
}


@pytest.fixture
async def family(client, on, counterpart):
    """A counterpart with one of each child, keyed by the ROUTES' object names."""
    cid = counterpart["id"]
    return {
        "counterpart": counterpart,
        "address": (await create_address(client, on, cid))["id"],
        "bank_account": (await create_bank_account(client, on, cid))["id"],
        "contact": (await create_contact(client, on, cid))["id"],
        "credential": (await create_einvoicing_credential(client, on, cid))["id"],
        "vat_id": (await create_vat_id(client, on, cid))["id"],
    }


def route_path(family: dict, collection: str, item: str | None) -> str:
    path = f"/counterparts/{family['counterpart']['id']}/{collection}"
    if item:
        name, _, action = item.partition("/")
        path += f"/{family[name]}" + (f"/{action}" if action else "")
    return path


class TestPermissions:
    @pytest.mark.parametrize(("method", "collection", "item", "action"), ROUTES,
                             ids=[f"{m} {c}/{i or ''}" for m, c, i, _ in ROUTES])
    async def test_counterpart_permission(self, client, partner, entity, on, family, method, collection, item,
                                          action):
        granted = [a for a in ALL_CRUD if a != action]
        user = await partner.user_with(entity["id"], counterpart=granted, counterpart_vat_id=ALL_CRUD)
        body = BODIES[collection]() if method == "POST" and not item else ({} if method == "PATCH" else None)
        response = await client.request(method, route_path(family, collection, item), json=body, headers=user.auth)
        assert response.status_code == 403, response.text
        assert response.json() == {"error": {"message": f"Action {action} for counterpart not allowed"}}
        if method == "GET" or item:
            return
        # The refused create left nothing behind.
        assert len(await listed(client, on, family["counterpart"]["id"], collection)) == (
            2 if collection == "addresses" else 1
        )

    @pytest.mark.parametrize(
        ("method", "item", "action"),
        [("GET", False, "read"), ("POST", False, "create"), ("GET", True, "read"), ("PATCH", True, "update"),
         ("DELETE", True, "delete")],
    )
    async def test_vat_ids_need_counterpart_vat_id(self, client, partner, entity, on, family, method, item, action):
        granted = [a for a in ALL_CRUD if a != action]
        user = await partner.user_with(entity["id"], counterpart=ALL_CRUD, counterpart_vat_id=granted)
        path = f"/counterparts/{family['counterpart']['id']}/vat_ids" + (f"/{family['vat_id']}" if item else "")
        body = {"value": "X"} if method == "POST" else ({} if method == "PATCH" else None)
        response = await client.request(method, path, json=body, headers=user.auth)
        assert response.status_code == 403, response.text
        assert error_message(response) == f"Action {action} for counterpart_vat_id not allowed"
        assert len(await listed(client, on, family["counterpart"]["id"], "vat_ids")) == 1

    async def test_vat_ids_without_counterpart_permission(self, client, partner, entity, family):
        user = await partner.user_with(entity["id"], counterpart_vat_id=ALL_CRUD)
        response = await client.get(f"/counterparts/{family['counterpart']['id']}/vat_ids", headers=user.auth)
        assert response.status_code == 200
        assert len(response.json()["data"]) == 1

    async def test_allowed_for_own_follows_the_counterpart_creator(self, client, partner, entity, family):
        own = {a: "allowed_for_own" for a in ALL_CRUD}
        user = await partner.user_with(entity["id"], counterpart=own, counterpart_vat_id=own)
        mine = await create_counterpart(client, user.auth)
        address = await create_address(client, user.auth, mine["id"])
        account = await create_bank_account(client, user.auth, mine["id"])
        contact = await create_contact(client, user.auth, mine["id"])
        await create_vat_id(client, user.auth, mine["id"])
        assert (await client.patch(f"/counterparts/{mine['id']}/addresses/{address['id']}", json={"city": "Kiel"},
                                   headers=user.auth)).status_code == 200
        assert (await client.post(f"/counterparts/{mine['id']}/bank_accounts/{account['id']}/make_default",
                                  headers=user.auth)).status_code == 200
        assert (await client.post(f"/counterparts/{mine['id']}/contacts/{contact['id']}/make_default",
                                  headers=user.auth)).status_code == 200

        theirs = family["counterpart"]["id"]
        for method, path, action, object_type in (
            ("GET", f"/counterparts/{theirs}/addresses", "read", "counterpart"),
            ("GET", f"/counterparts/{theirs}/bank_accounts/{family['bank_account']}", "read", "counterpart"),
            ("POST", f"/counterparts/{theirs}/contacts/{family['contact']}/make_default", "update", "counterpart"),
            ("DELETE", f"/counterparts/{theirs}/addresses/{family['address']}", "delete", "counterpart"),
            ("GET", f"/counterparts/{theirs}/vat_ids", "read", "counterpart_vat_id"),
        ):
            response = await client.request(method, path, headers=user.auth)
            assert response.status_code == 403, (path, response.text)
            assert error_message(response) == f"Action {action} for {object_type} not allowed"


@pytest.fixture
async def other_user(partner, other_entity):
    return await partner.user_with(other_entity["id"], counterpart=ALL_CRUD, counterpart_vat_id=ALL_CRUD)


CHILD_TEMPLATES = [t for t in TENANCY_FACTORIES if t.startswith("/v1/counterparts/{counterpart_id}/")
                   and not t.endswith("/partner_metadata")]


class TestTenancy:
    @pytest.mark.parametrize("template", CHILD_TEMPLATES)
    async def test_other_entity_gets_404(self, app, client, partner, entity, other_entity, other_user, template):
        await assert_isolated(app, client, partner, template, entity["id"], other_entity["id"], other_user)

    async def test_child_of_another_entity_under_an_own_counterpart(self, client, partner, entity, other_entity,
                                                                    on, counterpart):
        """Mixing an own counterpart id with another entity's child id finds nothing either."""
        theirs = partner.on(other_entity["id"])
        foreign = await create_counterpart(client, theirs)
        account = await create_bank_account(client, theirs, foreign["id"])
        contact = await create_contact(client, theirs, foreign["id"])
        for path in (
            f"/counterparts/{counterpart['id']}/addresses/{foreign['default_billing_address_id']}",
            f"/counterparts/{counterpart['id']}/bank_accounts/{account['id']}",
            f"/counterparts/{counterpart['id']}/contacts/{contact['id']}",
        ):
            assert (await client.get(path, headers=on)).status_code == 404
            assert (await client.delete(path, headers=on)).status_code == 404
        assert (await client.post(f"/counterparts/{counterpart['id']}/contacts/{contact['id']}/make_default",
                                  headers=on)).status_code == 404
        response = await client.get(f"/counterparts/{foreign['id']}/contacts/{contact['id']}", headers=theirs)
        assert response.json()["is_default"] is True
