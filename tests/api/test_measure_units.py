"""Measure units (docs/master-data.md, "Products and measure units"): a plain list, permissions of
`product`, and products letting go of a deleted unit."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.entities import ALL_CRUD
from tests.fixtures.masterdata import (
    assert_isolated,
    assert_shape,
    create_measure_unit,
    create_product,
    locs,
    new_partner,
)


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


async def units(client, headers) -> list[dict]:
    response = await client.get("/measure_units", headers=headers)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"data"}  # not paginated
    return response.json()["data"]


class TestMeasureUnits:
    async def test_unauthenticated(self, client, entity):
        headers = {"x-monite-entity-id": entity["id"]}
        response = await client.post("/measure_units", json={"name": "kg"}, headers=headers)
        assert response.status_code == 401

    async def test_crud(self, client, on):
        response = await client.post("/measure_units", json={"name": "kg", "description": "Kilogram"}, headers=on)
        assert response.status_code == 201, response.text
        unit = response.json()
        assert_shape(unit, "UnitResponse")
        assert (unit["name"], unit["description"]) == ("kg", "Kilogram")
        assert (await client.get(f"/measure_units/{unit['id']}", headers=on)).json() == unit
        assert await units(client, on) == [unit]

        response = await client.patch(f"/measure_units/{unit['id']}", json={"name": "t", "description": None},
                                      headers=on)
        assert response.status_code == 200
        assert_shape(response.json(), "UnitResponse")
        assert (response.json()["name"], response.json()["description"]) == ("t", None)
        assert (await client.get(f"/measure_units/{unit['id']}", headers=on)).json() == response.json()

        assert (await client.delete(f"/measure_units/{unit['id']}", headers=on)).status_code == 204
        response = await client.get(f"/measure_units/{unit['id']}", headers=on)
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Measure unit not found"}}
        assert await units(client, on) == []

    async def test_list_in_creation_order(self, client, on):
        for name in ("pc", "h", "day"):
            await create_measure_unit(client, on, name)
        assert [u["name"] for u in await units(client, on)] == ["pc", "h", "day"]

    async def test_deleting_a_unit_clears_it_from_products(self, client, on):
        unit = await create_measure_unit(client, on, "h")
        other = await create_measure_unit(client, on, "pc")
        product = await create_product(client, on, measure_unit_id=unit["id"])
        untouched = await create_product(client, on, name="Widget", measure_unit_id=other["id"])
        assert (await client.delete(f"/measure_units/{unit['id']}", headers=on)).status_code == 204
        fetched = (await client.get(f"/products/{product['id']}", headers=on)).json()
        assert fetched["measure_unit_id"] is None
        assert {k: v for k, v in fetched.items() if k not in ("measure_unit_id", "updated_at")} == {
            k: v for k, v in product.items() if k not in ("measure_unit_id", "updated_at")
        }
        assert (await client.get(f"/products/{untouched['id']}", headers=on)).json()["measure_unit_id"] == other["id"]
        response = await client.get("/products", params={"measure_unit_id": unit["id"]}, headers=on)
        assert response.json()["data"] == []

    @pytest.mark.parametrize(
        ("body", "loc"),
        [({"name": "n" * 101}, ["body", "name"]), ({"name": ""}, ["body", "name"]), ({}, ["body", "name"]),
         ({"name": "kg", "description": "d" * 201}, ["body", "description"]),
         ({"name": "kg", "symbol": "kg"}, ["body", "symbol"])],
        ids=["name-too-long", "empty-name", "no-name", "description-too-long", "unknown-field"],
    )
    async def test_validation_changes_nothing(self, client, on, body, loc):
        assert loc in locs(await client.post("/measure_units", json=body, headers=on))
        assert await units(client, on) == []

    @pytest.mark.parametrize(
        ("changes", "loc"),
        [({"name": None}, ["body", "name"]), ({"name": ""}, ["body", "name"]),
         ({"description": "d" * 201}, ["body", "description"])],
    )
    async def test_update_validation_changes_nothing(self, client, on, changes, loc):
        unit = await create_measure_unit(client, on)
        assert loc in locs(await client.patch(f"/measure_units/{unit['id']}", json=changes, headers=on))
        assert (await client.get(f"/measure_units/{unit['id']}", headers=on)).json() == unit

    async def test_unknown(self, client, on):
        for method in ("GET", "PATCH", "DELETE"):
            response = await client.request(method, f"/measure_units/{uuid.uuid4()}",
                                            json={} if method == "PATCH" else None, headers=on)
            assert response.status_code == 404


class TestPermissions:
    @pytest.mark.parametrize(
        ("method", "item", "action"),
        [("GET", False, "read"), ("POST", False, "create"), ("GET", True, "read"), ("PATCH", True, "update"),
         ("DELETE", True, "delete")],
    )
    async def test_needs_product_permission(self, client, partner, entity, on, method, item, action):
        unit = await create_measure_unit(client, on, "existing")
        user = await partner.user_with(entity["id"], product=[a for a in ALL_CRUD if a != action],
                                       entity=["read", "update"])
        path = f"/measure_units/{unit['id']}" if item else "/measure_units"
        body = {"name": "new"} if method in ("POST", "PATCH") else None
        response = await client.request(method, path, json=body, headers=user.auth)
        assert response.status_code == 403, response.text
        assert response.json() == {"error": {"message": f"Action {action} for product not allowed"}}
        assert await units(client, on) == [unit]

    async def test_product_permission_allows(self, client, partner, entity):
        user = await partner.user_with(entity["id"], product=ALL_CRUD)
        unit = await create_measure_unit(client, user.auth)
        assert await units(client, user.auth) == [unit]
        assert (await client.delete(f"/measure_units/{unit['id']}", headers=user.auth)).status_code == 204


class TestTenancy:
    async def test_other_entity_gets_404(self, app, client, partner, entity, other_entity):
        other_user = await partner.user_with(other_entity["id"], product=ALL_CRUD)
        await assert_isolated(app, client, partner, "/v1/measure_units/{unit_id}", entity["id"], other_entity["id"],
                              other_user)

    async def test_list_stays_in_the_entity(self, client, partner, other_entity, on):
        await create_measure_unit(client, partner.on(other_entity["id"]))
        assert await units(client, on) == []
