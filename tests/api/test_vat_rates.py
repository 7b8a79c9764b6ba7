"""VAT rates (docs/master-data.md, "VAT rates"): the shipped catalogue for the entity's country, and
the entity's own custom rates (value = sum of components). Reads open to every user; custom-rate
writes need `entity.update`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from remit.core import clock
from tests.fixtures.masterdata import (
    assert_isolated,
    assert_shape,
    create_counterpart,
    create_custom_vat_rate,
    custom_vat_rate_payload,
    error_message,
    locs,
    new_partner,
)


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


async def entity_in(partner, country: str, **address) -> dict:
    return await partner.create_entity(
        address={"country": country, "city": "Capital", "line1": "Main St 1", "postal_code": "10000", **address}
    )


async def rates(client, headers, **params) -> list[dict]:
    response = await client.get("/vat_rates", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"data"}
    return response.json()["data"]


@pytest.fixture
def on_date():
    """Move remit's clock to a given day for the rest of the test."""

    def move(day: str) -> None:
        target = datetime.fromisoformat(day).replace(tzinfo=UTC)
        clock.move(target - clock.now())

    yield move
    clock.reset()


class TestVatRates:
    async def test_unauthenticated(self, client, entity):
        response = await client.get("/vat_rates", headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_german_entity(self, client, on):
        data = await rates(client, on)
        assert [r["value"] for r in data] == [1900, 700, 0]
        for rate in data:
            assert_shape(rate, "VatRateResponse")
            assert rate["country"] == "DE"
            assert rate["status"] == "active"
            assert rate["components"] == [{"name": "VAT", "value": rate["value"]}]
            assert rate["created_by"] == "monite"
            assert rate["valid_from"] is None and rate["valid_until"] is None
        assert len({r["id"] for r in data}) == 3

    async def test_ids_are_the_same_for_every_entity(self, client, partner, on):
        other = await entity_in(partner, "DE")
        ours, theirs = await rates(client, on), await rates(client, partner.on(other["id"]))
        assert [r["id"] for r in ours] == [r["id"] for r in theirs]

    @pytest.mark.parametrize(("country", "standard"), [("FR", 2000), ("NL", 2100), ("GB", 2000), ("CH", 810)])
    async def test_other_catalogue_countries(self, client, partner, country, standard):
        entity = await entity_in(partner, country)
        data = await rates(client, partner.on(entity["id"]))
        assert {r["country"] for r in data} == {country}
        assert data[0]["value"] == standard
        assert 0 in [r["value"] for r in data]

    async def test_country_without_catalogue(self, client, partner):
        entity = await entity_in(partner, "US", state="NY")
        response = await client.get("/vat_rates", headers=partner.on(entity["id"]))
        assert response.status_code == 200
        assert response.json() == {"data": []}

    async def test_rates_follow_the_date(self, client, partner, on_date):
        """Estonia raised its standard rate from 22 % to 24 % on 2025-07-01 (catalogue data)."""
        entity = await entity_in(partner, "EE")
        headers = partner.on(entity["id"])
        on_date("2025-06-30")
        assert [r["value"] for r in await rates(client, headers)][:2] == [2200, 1300]
        on_date("2025-07-01")
        data = await rates(client, headers)
        assert [r["value"] for r in data][:2] == [2400, 1300]
        assert data[0]["valid_from"] == "2025-07-01"
        assert all(r["status"] == "active" for r in data)
        on_date("2024-12-31")
        assert 1300 not in [r["value"] for r in await rates(client, headers)]

    async def test_counterpart_id(self, client, partner, entity, other_entity, on):
        counterpart = await create_counterpart(client, on)
        assert [r["value"] for r in await rates(client, on, counterpart_id=counterpart["id"])] == [1900, 700, 0]

        response = await client.get("/vat_rates", params={"counterpart_id": str(uuid.uuid4())}, headers=on)
        assert response.status_code == 404
        assert error_message(response) == "Counterpart not found"

        foreign = await create_counterpart(client, partner.on(other_entity["id"]))
        response = await client.get("/vat_rates", params={"counterpart_id": foreign["id"]}, headers=on)
        assert response.status_code == 404

        await client.delete(f"/counterparts/{counterpart['id']}", headers=on)
        response = await client.get("/vat_rates", params={"counterpart_id": counterpart["id"]}, headers=on)
        assert response.status_code == 404

    async def test_entity_vat_id(self, client, partner, entity, other_entity, on):
        response = await client.post(f"/entities/{entity['id']}/vat_ids", json={"country": "DE", "value": "DE1"},
                                     headers=partner.auth)
        assert response.status_code == 201, response.text
        vat_id = response.json()["id"]
        assert [r["value"] for r in await rates(client, on, entity_vat_id_id=vat_id)] == [1900, 700, 0]
        response = await client.get("/vat_rates", params={"entity_vat_id_id": str(uuid.uuid4())}, headers=on)
        assert response.status_code == 404
        response = await client.get("/vat_rates", params={"entity_vat_id_id": vat_id},
                                    headers=partner.on(other_entity["id"]))
        assert response.status_code == 404

    async def test_ignored_parameters(self, client, on):
        params = {"counterpart_address_id": str(uuid.uuid4()), "counterpart_vat_id_id": str(uuid.uuid4()),
                  "product_type": "service"}
        assert [r["value"] for r in await rates(client, on, **params)] == [1900, 700, 0]

    async def test_malformed_counterpart_id(self, client, on):
        response = await client.get("/vat_rates", params={"counterpart_id": "nope"}, headers=on)
        assert ["query", "counterpart_id"] in locs(response)

    async def test_open_to_every_user(self, client, partner, entity):
        user = await partner.user_with(entity["id"])  # a role that grants nothing
        assert [r["value"] for r in await rates(client, user.auth)] == [1900, 700, 0]


async def custom_rates(client, headers) -> list[dict]:
    response = await client.get("/custom_vat_rates", headers=headers)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"data"}
    return response.json()["data"]


class TestCustomVatRates:
    async def test_crud(self, client, on):
        response = await client.post("/custom_vat_rates", json=custom_vat_rate_payload(), headers=on)
        assert response.status_code == 201, response.text
        rate = response.json()
        assert_shape(rate, "CustomVatRateResponse")
        assert rate["name"] == "GST+PST"
        assert [(c["name"], c["value"]) for c in rate["components"]] == [("GST", 500), ("PST", 700)]
        assert rate["value"] == 1200
        assert rate["created_by_entity_user_id"] is None
        assert (await client.get(f"/custom_vat_rates/{rate['id']}", headers=on)).json() == rate
        assert await custom_rates(client, on) == [rate]

        response = await client.patch(f"/custom_vat_rates/{rate['id']}", json={
            "name": "HST", "components": [{"name": "HST", "value": 1300}],
        }, headers=on)
        assert response.status_code == 200, response.text
        assert (response.json()["name"], response.json()["value"]) == ("HST", 1300)
        assert [(c["name"], c["value"]) for c in response.json()["components"]] == [("HST", 1300)]
        assert (await client.get(f"/custom_vat_rates/{rate['id']}", headers=on)).json() == response.json()

        response = await client.patch(f"/custom_vat_rates/{rate['id']}", json={"name": "renamed"}, headers=on)
        assert response.json()["value"] == 1300

        assert (await client.delete(f"/custom_vat_rates/{rate['id']}", headers=on)).status_code == 204
        response = await client.get(f"/custom_vat_rates/{rate['id']}", headers=on)
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Custom VAT rate not found"}}
        assert await custom_rates(client, on) == []

    @pytest.mark.parametrize(
        ("components", "value"),
        [
            ([{"name": "A", "value": 1000}, {"name": "B", "value": 212.5}], 1212.5),
            ([{"name": "A", "value": 0.1}, {"name": "B", "value": 0.2}], 0.3),
            ([{"name": "A", "value": 10000}], 10000),
            ([{"name": "A", "value": 0}], 0),
            ([{"name": f"C{i}", "value": 1000} for i in range(10)], 10000),
        ],
        ids=["fractional", "exact-decimal-sum", "max", "zero", "ten-components"],
    )
    async def test_value_is_the_sum_of_components(self, client, on, components, value):
        rate = await create_custom_vat_rate(client, on, components=components)
        assert rate["value"] == value
        assert (await client.get(f"/custom_vat_rates/{rate['id']}", headers=on)).json()["value"] == value

    @pytest.mark.parametrize(
        ("overrides", "loc"),
        [
            ({"components": []}, ["body", "components"]),
            ({"components": [{"name": f"C{i}", "value": 1} for i in range(11)]}, ["body", "components"]),
            ({"components": [{"name": "A", "value": 10001}]}, ["body", "components", 0, "value"]),
            ({"components": [{"name": "A", "value": -1}]}, ["body", "components", 0, "value"]),
            ({"components": [{"name": "A"}]}, ["body", "components", 0, "value"]),
            ({"components": [{"name": "n" * 65, "value": 1}]}, ["body", "components", 0, "name"]),
            ({"name": "n" * 65}, ["body", "name"]),
            ({"value": 1200}, ["body", "value"]),
        ],
        ids=["no-components", "eleven-components", "component-too-big", "negative-component", "component-no-value",
             "component-name-too-long", "name-too-long", "value-is-computed"],
    )
    async def test_validation_changes_nothing(self, client, on, overrides, loc):
        response = await client.post("/custom_vat_rates", json=custom_vat_rate_payload(**overrides), headers=on)
        assert loc in locs(response)
        assert await custom_rates(client, on) == []

    @pytest.mark.parametrize(
        ("changes", "loc"),
        [({"name": None}, ["body", "name"]), ({"components": None}, ["body", "components"]),
         ({"components": []}, ["body", "components"])],
    )
    async def test_update_validation_changes_nothing(self, client, on, changes, loc):
        rate = await create_custom_vat_rate(client, on)
        assert loc in locs(await client.patch(f"/custom_vat_rates/{rate['id']}", json=changes, headers=on))
        assert (await client.get(f"/custom_vat_rates/{rate['id']}", headers=on)).json() == rate

    async def test_custom_rates_do_not_join_the_catalogue(self, client, on):
        await create_custom_vat_rate(client, on)
        assert [r["value"] for r in await rates(client, on)] == [1900, 700, 0]


class TestCustomVatRatePermissions:
    async def test_reads_are_open_to_every_user(self, client, partner, entity, on):
        rate = await create_custom_vat_rate(client, on)
        user = await partner.user_with(entity["id"])
        assert await custom_rates(client, user.auth) == [rate]
        assert (await client.get(f"/custom_vat_rates/{rate['id']}", headers=user.auth)).json() == rate

    async def test_writes_need_entity_update(self, client, partner, entity, on):
        rate = await create_custom_vat_rate(client, on)
        user = await partner.user_with(entity["id"], entity=["read"], product=["create", "update", "delete"])
        for method, path, body in (
            ("POST", "/custom_vat_rates", custom_vat_rate_payload()),
            ("PATCH", f"/custom_vat_rates/{rate['id']}", {"name": "changed"}),
            ("DELETE", f"/custom_vat_rates/{rate['id']}", None),
        ):
            response = await client.request(method, path, json=body, headers=user.auth)
            assert response.status_code == 403, response.text
            assert error_message(response) == "Action update for entity not allowed"
        assert await custom_rates(client, on) == [rate]

    async def test_entity_update_allows_writes(self, client, partner, entity):
        user = await partner.user_with(entity["id"], entity=["update"])
        rate = await create_custom_vat_rate(client, user.auth)
        assert rate["created_by_entity_user_id"] == user.id
        response = await client.patch(f"/custom_vat_rates/{rate['id']}", json={"name": "x"}, headers=user.auth)
        assert response.status_code == 200
        assert (await client.delete(f"/custom_vat_rates/{rate['id']}", headers=user.auth)).status_code == 204


class TestTenancy:
    async def test_other_entity_gets_404(self, app, client, partner, entity, other_entity):
        other_user = await partner.user_with(other_entity["id"], entity=["read", "update"])
        await assert_isolated(app, client, partner, "/v1/custom_vat_rates/{custom_vat_rate_id}", entity["id"],
                              other_entity["id"], other_user)

    async def test_list_stays_in_the_entity(self, client, partner, other_entity, on):
        await create_custom_vat_rate(client, partner.on(other_entity["id"]))
        assert await custom_rates(client, on) == []
