"""Products and services (docs/master-data.md, "Products and measure units"): prices in integer
minor units of a known currency, measure units of the same entity, list filters and pages,
permissions on `product` with `allowed_for_own` by `entity_user_id`, tenancy."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.entities import ALL_CRUD
from tests.fixtures.masterdata import (
    assert_isolated,
    assert_shape,
    create_measure_unit,
    create_product,
    error_message,
    locs,
    new_partner,
    product_payload,
)


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


async def product_names(client, headers, **params) -> list[str]:
    response = await client.get("/products", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [p["name"] for p in response.json()["data"]]


class TestCreateProduct:
    async def test_unauthenticated(self, client, entity):
        response = await client.post("/products", json=product_payload(), headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_create(self, client, on, entity):
        unit = await create_measure_unit(client, on, "hour")
        ledger_account = str(uuid.uuid4())
        payload = product_payload(description="One hour of consulting", measure_unit_id=unit["id"],
                                  smallest_amount=0.25, external_reference="SKU-1", ledger_account_id=ledger_account)
        response = await client.post("/products", json=payload, headers=on)
        assert response.status_code == 201, response.text
        product = response.json()
        assert_shape(product, "ProductServiceResponse")
        assert product["entity_id"] == entity["id"]
        assert product["entity_user_id"] is None
        assert (product["name"], product["type"], product["description"]) == (
            "Consulting hour", "service", "One hour of consulting"
        )
        assert product["price"] == {"currency": "EUR", "value": 12000}
        assert product["measure_unit_id"] == unit["id"]
        assert product["smallest_amount"] == 0.25
        assert (product["external_reference"], product["ledger_account_id"]) == ("SKU-1", ledger_account)
        assert (await client.get(f"/products/{product['id']}", headers=on)).json() == product

    async def test_defaults(self, client, on):
        response = await client.post("/products", json={"name": "Widget"}, headers=on)
        assert response.status_code == 201
        product = response.json()
        assert product["type"] == "product"
        assert product["price"] is None and product["measure_unit_id"] is None

    async def test_created_by_the_calling_user(self, client, partner, entity):
        user = await partner.user_with(entity["id"], product=["create", "read"])
        assert (await create_product(client, user.auth))["entity_user_id"] == user.id

    @pytest.mark.parametrize(
        ("currency", "value"), [("JPY", 1500), ("KWD", 1250), ("EUR", 0), ("EUR", 9_007_199_254_740_991)]
    )
    async def test_prices_are_minor_units(self, client, on, currency, value):
        product = await create_product(client, on, price={"currency": currency, "value": value})
        assert product["price"] == {"currency": currency, "value": value}

    @pytest.mark.parametrize(
        ("overrides", "loc"),
        [
            ({"price": {"currency": "EUR", "value": -1}}, ["body", "price", "value"]),
            ({"price": {"currency": "EUR", "value": 1.5}}, ["body", "price", "value"]),
            ({"price": {"currency": "EUR", "value": 100.0}}, ["body", "price", "value"]),
            ({"price": {"currency": "EUR", "value": "100"}}, ["body", "price", "value"]),
            ({"price": {"currency": "EUR", "value": 9_007_199_254_740_992}}, ["body", "price", "value"]),
            ({"price": {"currency": "EURO", "value": 100}}, ["body", "price", "currency"]),
            ({"price": {"currency": "XXY", "value": 100}}, ["body", "price", "currency"]),
            ({"price": {"value": 100}}, ["body", "price", "currency"]),
            ({"name": "n" * 101}, ["body", "name"]),
            ({"name": ""}, ["body", "name"]),
            ({"description": "d" * 2001}, ["body", "description"]),
            ({"type": "subscription"}, ["body", "type"]),
            ({"smallest_amount": -1}, ["body", "smallest_amount"]),
            ({"external_reference": ""}, ["body", "external_reference"]),
            ({"measure_unit_id": "hour"}, ["body", "measure_unit_id"]),
            ({"vat_rate": 1900}, ["body", "vat_rate"]),
        ],
        ids=["negative-price", "float-price", "integral-float-price", "string-price", "price-too-big",
             "currency-code-length", "unknown-currency", "no-currency", "name-too-long", "empty-name",
             "description-too-long", "unknown-type", "negative-smallest-amount", "empty-reference",
             "malformed-unit-id", "unknown-field"],
    )
    async def test_validation_changes_nothing(self, client, on, overrides, loc):
        assert loc in locs(await client.post("/products", json=product_payload(**overrides), headers=on))
        assert await product_names(client, on) == []

    async def test_unknown_measure_unit(self, client, partner, on, other_entity):
        foreign = await create_measure_unit(client, partner.on(other_entity["id"]))
        for unit_id in (str(uuid.uuid4()), foreign["id"]):
            response = await client.post("/products", json=product_payload(measure_unit_id=unit_id), headers=on)
            assert response.json()["detail"] == [
                {"loc": ["body", "measure_unit_id"], "msg": "Measure unit not found", "type": "value_error"}
            ]
        assert await product_names(client, on) == []


class TestUpdateProduct:
    async def test_update(self, client, on):
        product = await create_product(client, on)
        unit = await create_measure_unit(client, on, "day")
        response = await client.patch(f"/products/{product['id']}", json={
            "name": "Consulting day", "price": {"currency": "USD", "value": 80000}, "measure_unit_id": unit["id"],
            "type": "product",
        }, headers=on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert_shape(body, "ProductServiceResponse")
        assert (body["name"], body["type"], body["measure_unit_id"]) == ("Consulting day", "product", unit["id"])
        assert body["price"] == {"currency": "USD", "value": 80000}
        assert (await client.get(f"/products/{product['id']}", headers=on)).json() == body

    async def test_clearing_fields(self, client, on):
        unit = await create_measure_unit(client, on)
        product = await create_product(client, on, measure_unit_id=unit["id"], description="d")
        response = await client.patch(f"/products/{product['id']}", json={
            "price": None, "measure_unit_id": None, "description": None}, headers=on)
        assert response.status_code == 200
        assert (response.json()["price"], response.json()["measure_unit_id"], response.json()["description"]) == (
            None, None, None
        )

    @pytest.mark.parametrize(
        ("changes", "loc"),
        [
            ({"name": None}, ["body", "name"]),
            ({"type": None}, ["body", "type"]),
            ({"price": {"currency": "EUR", "value": 1.5}}, ["body", "price", "value"]),
            ({"price": {"currency": "EUR", "value": -5}}, ["body", "price", "value"]),
            ({"price": {"currency": "ZZZ", "value": 5}}, ["body", "price", "currency"]),
            ({"measure_unit_id": str(uuid.uuid4())}, ["body", "measure_unit_id"]),
            ({"name": "n" * 101}, ["body", "name"]),
            ({"entity_id": str(uuid.uuid4())}, ["body", "entity_id"]),
        ],
        ids=["null-name", "null-type", "float-price", "negative-price", "unknown-currency", "unknown-unit",
             "name-too-long", "read-only-field"],
    )
    async def test_refused_changes_nothing(self, client, on, changes, loc):
        product = await create_product(client, on)
        assert loc in locs(await client.patch(f"/products/{product['id']}", json=changes, headers=on))
        assert (await client.get(f"/products/{product['id']}", headers=on)).json() == product


class TestDeleteProduct:
    async def test_delete(self, client, on):
        keep = await create_product(client, on, name="keep")
        gone = await create_product(client, on, name="gone")
        assert (await client.delete(f"/products/{gone['id']}", headers=on)).status_code == 204
        response = await client.get(f"/products/{gone['id']}", headers=on)
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Product not found"}}
        assert (await client.delete(f"/products/{gone['id']}", headers=on)).status_code == 404
        assert await product_names(client, on) == ["keep"]
        assert (await client.get(f"/products/{keep['id']}", headers=on)).status_code == 200


@pytest.fixture(scope="module")
async def shelf(client, db):
    """One entity with products that differ in every filterable field."""
    partner = await new_partner(client, db)
    entity = await partner.create_entity()
    on = partner.on(entity["id"])
    hour = await create_measure_unit(client, on, "hour")
    piece = await create_measure_unit(client, on, "piece")
    made = {}
    for name, type_, price, unit in [
        ("Consulting", "service", ("EUR", 12000), hour),
        ("cable", "product", ("EUR", 500), piece),
        ("Adapter", "product", ("USD", 1500), piece),
        ("Support plan", "service", ("GBP", 12000), None),
        ("Sticker", "product", None, None),
    ]:
        overrides = {"name": name, "type": type_, "measure_unit_id": unit["id"] if unit else None,
                     "price": {"currency": price[0], "value": price[1]} if price else None}
        made[name] = await create_product(client, on, **overrides)
    return {"on": on, "hour": hour, "piece": piece, "products": made}


class TestListProducts:
    async def test_shape_and_default_order(self, client, shelf):
        response = await client.get("/products", headers=shelf["on"])
        body = response.json()
        assert set(body) == {"data", "next_pagination_token", "prev_pagination_token"}
        assert [p["name"] for p in body["data"]] == ["Consulting", "cable", "Adapter", "Support plan", "Sticker"]
        for item in body["data"]:
            assert_shape(item, "ProductServiceResponse")

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"name": "cable"}, ["cable"]),
            ({"name": "Cable"}, []),
            ({"name__contains": "port"}, ["Support plan"]),
            ({"name__icontains": "CON"}, ["Consulting"]),
            ({"name__icontains": "t"}, ["Consulting", "Adapter", "Support plan", "Sticker"]),
            ({"type": "service"}, ["Consulting", "Support plan"]),
            ({"type": "product"}, ["cable", "Adapter", "Sticker"]),
            ({"price": 12000}, ["Consulting", "Support plan"]),
            ({"price__gt": 1500}, ["Consulting", "Support plan"]),
            ({"price__gte": 1500}, ["Consulting", "Adapter", "Support plan"]),
            ({"price__lt": 1500}, ["cable"]),
            ({"price__lte": 1500}, ["cable", "Adapter"]),
            ({"price__gte": 500, "price__lt": 12000}, ["cable", "Adapter"]),
            ({"currency": "EUR"}, ["Consulting", "cable"]),
            ({"currency__in": ["USD", "GBP"]}, ["Adapter", "Support plan"]),
            ({"currency": "EUR", "price__gt": 1000}, ["Consulting"]),
            ({"type": "service", "currency": "GBP"}, ["Support plan"]),
        ],
        ids=lambda v: "&".join(f"{k}={v[k]}" for k in v) if isinstance(v, dict) else str(v),
    )
    async def test_filter(self, client, shelf, params, expected):
        assert await product_names(client, shelf["on"], **params) == expected

    async def test_id_unit_and_date_filters(self, client, shelf):
        on, products = shelf["on"], shelf["products"]
        assert await product_names(client, on, measure_unit_id=shelf["piece"]["id"]) == ["cable", "Adapter"]
        assert await product_names(client, on, measure_unit_id=str(uuid.uuid4())) == []
        ids = [products["Sticker"]["id"], products["cable"]["id"]]
        assert await product_names(client, on, id__in=ids) == ["cable", "Sticker"]
        middle = products["Adapter"]["created_at"]
        assert await product_names(client, on, created_at__gt=middle) == ["Support plan", "Sticker"]
        assert await product_names(client, on, created_at__lte=middle) == ["Consulting", "cable", "Adapter"]

    async def test_sort_by_name(self, client, shelf):
        on = shelf["on"]
        ascending = await product_names(client, on, sort="name")
        # Where "cable" goes among capitalised names is the database's collation (binary on SQLite).
        assert sorted(ascending) == sorted(shelf["products"])
        assert [n for n in ascending if n != "cable"] == ["Adapter", "Consulting", "Sticker", "Support plan"]
        assert await product_names(client, on, sort="name", order="desc") == list(reversed(ascending))

    async def test_pages(self, client, shelf):
        on = shelf["on"]
        response = await client.get("/products", params={"type": "product", "limit": 2}, headers=on)
        body = response.json()
        assert [p["name"] for p in body["data"]] == ["cable", "Adapter"]
        assert body["prev_pagination_token"] is None
        response = await client.get("/products", params={"pagination_token": body["next_pagination_token"],
                                                         "type": "service"}, headers=on)
        body = response.json()
        assert [p["name"] for p in body["data"]] == ["Sticker"]
        assert body["next_pagination_token"] is None
        response = await client.get("/products", params={"pagination_token": body["prev_pagination_token"]},
                                    headers=on)
        assert [p["name"] for p in response.json()["data"]] == ["cable", "Adapter"]
        assert response.json()["prev_pagination_token"] is None

    @pytest.mark.parametrize("params", [{"sort": "created_at"}, {"sort": "price"}, {"price__gt": -1},
                                        {"price": 1.5}, {"currency": "EURO"}, {"type": "thing"},
                                        {"measure_unit_id": "x"}, {"limit": 101}])
    async def test_bad_query(self, client, shelf, params):
        response = await client.get("/products", params=params, headers=shelf["on"])
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"][0] == "query"


class TestPermissions:
    @pytest.mark.parametrize(
        ("method", "item", "action"),
        [("GET", False, "read"), ("POST", False, "create"), ("GET", True, "read"), ("PATCH", True, "update"),
         ("DELETE", True, "delete")],
    )
    async def test_without_permission(self, client, partner, entity, on, method, item, action):
        product = await create_product(client, on, name="existing")
        user = await partner.user_with(entity["id"], product=[a for a in ALL_CRUD if a != action],
                                       counterpart=ALL_CRUD, entity=["read", "update"])
        path = f"/products/{product['id']}" if item else "/products"
        body = product_payload() if method == "POST" else ({"name": "x"} if method == "PATCH" else None)
        response = await client.request(method, path, json=body, headers=user.auth)
        assert response.status_code == 403, response.text
        assert response.json() == {"error": {"message": f"Action {action} for product not allowed"}}
        assert (await client.get(f"/products/{product['id']}", headers=on)).json() == product
        assert await product_names(client, on) == ["existing"]

    async def test_allowed_for_own(self, client, partner, entity, on):
        own = {"create": "allowed", "read": "allowed_for_own", "update": "allowed_for_own",
               "delete": "allowed_for_own"}
        user = await partner.user_with(entity["id"], product=own)
        mine = await create_product(client, user.auth, name="mine")
        theirs = await create_product(client, on, name="theirs")
        assert await product_names(client, user.auth) == ["mine"]
        assert await product_names(client, user.auth, id__in=[theirs["id"]]) == []
        assert await product_names(client, on) == ["mine", "theirs"]
        for method, action in (("GET", "read"), ("PATCH", "update"), ("DELETE", "delete")):
            body = {"name": "hijacked"} if method == "PATCH" else None
            response = await client.request(method, f"/products/{theirs['id']}", json=body, headers=user.auth)
            assert response.status_code == 403
            assert error_message(response) == f"Action {action} for product not allowed"
        assert (await client.patch(f"/products/{mine['id']}", json={"name": "still mine"},
                                   headers=user.auth)).status_code == 200
        assert (await client.get(f"/products/{theirs['id']}", headers=on)).json() == theirs


class TestTenancy:
    async def test_other_entity_gets_404(self, app, client, partner, entity, other_entity):
        other_user = await partner.user_with(other_entity["id"], product=ALL_CRUD)
        await assert_isolated(app, client, partner, "/v1/products/{product_id}", entity["id"], other_entity["id"],
                              other_user)

    async def test_list_stays_in_the_entity(self, client, partner, other_entity, on):
        await create_product(client, partner.on(other_entity["id"]))
        assert await product_names(client, on) == []
