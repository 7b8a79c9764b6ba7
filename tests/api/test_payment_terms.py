"""Payment terms (docs/master-data.md, "Payment terms"): up to two discount tiers and a final term
whose days grow strictly; reads open to every user of the entity, writes need `entity.update`
(docs/auth-entities.md, "Which permission an endpoint needs")."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.masterdata import (
    assert_isolated,
    assert_shape,
    create_payment_terms,
    error_message,
    locs,
    new_partner,
    payment_terms_payload,
)


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


async def all_terms(client, headers) -> list[dict]:
    response = await client.get("/payment_terms", headers=headers)
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"data"}
    return response.json()["data"]


TWO_TIERS = payment_terms_payload(
    name="3/7, 2/14, net 30",
    description="Early payment discounts",
    term_1={"number_of_days": 7, "discount": 300},
    term_2={"number_of_days": 14, "discount": 200},
    term_final={"number_of_days": 30},
)


class TestCreatePaymentTerms:
    async def test_unauthenticated(self, client, entity):
        response = await client.post("/payment_terms", json=TWO_TIERS, headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_two_tiers(self, client, on):
        response = await client.post("/payment_terms", json=TWO_TIERS, headers=on)
        assert response.status_code == 201, response.text
        terms = response.json()
        assert_shape(terms, "PaymentTermsResponse")
        assert_shape(terms["term_1"], "TermDiscountDays")
        assert {k: terms[k] for k in TWO_TIERS} == TWO_TIERS
        assert (await client.get(f"/payment_terms/{terms['id']}", headers=on)).json() == terms
        assert await all_terms(client, on) == [terms]

    async def test_final_term_only(self, client, on):
        terms = await create_payment_terms(client, on, name="Net 30", term_1=None, term_final={"number_of_days": 30})
        assert terms["term_1"] is None and terms["term_2"] is None
        assert terms["term_final"] == {"number_of_days": 30}
        assert terms["description"] is None

    async def test_zero_days_final(self, client, on):
        terms = await create_payment_terms(client, on, name="Due on receipt", term_1=None,
                                           term_final={"number_of_days": 0})
        assert terms["term_final"] == {"number_of_days": 0}

    @pytest.mark.parametrize(
        ("overrides", "loc"),
        [
            ({"term_1": {"number_of_days": 30, "discount": 100}}, ["body"]),  # term_1 == term_final
            ({"term_1": {"number_of_days": 31, "discount": 100}}, ["body"]),  # term_1 > term_final
            ({"term_2": {"number_of_days": 10, "discount": 100}}, ["body"]),  # term_2 == term_1
            ({"term_2": {"number_of_days": 5, "discount": 100}}, ["body"]),  # term_2 < term_1
            ({"term_2": {"number_of_days": 30, "discount": 100}}, ["body"]),  # term_2 == term_final
            ({"term_1": None, "term_2": {"number_of_days": 5, "discount": 100}}, ["body", "term_2"]),
            ({"term_1": {"number_of_days": 10, "discount": 10001}}, ["body", "term_1", "discount"]),
            ({"term_1": {"number_of_days": 10, "discount": -1}}, ["body", "term_1", "discount"]),
            ({"term_1": {"number_of_days": 10, "discount": 1.5}}, ["body", "term_1", "discount"]),
            ({"term_1": {"number_of_days": 10}}, ["body", "term_1", "discount"]),
            ({"term_final": {"number_of_days": 10001}}, ["body", "term_final", "number_of_days"]),
            ({"term_final": {"number_of_days": -1}}, ["body", "term_final", "number_of_days"]),
            ({"term_final": {"number_of_days": "30"}}, ["body", "term_final", "number_of_days"]),
            ({"term_final": None}, ["body", "term_final"]),
            ({"name": "n" * 101}, ["body", "name"]),
            ({"name": ""}, ["body", "name"]),
            ({"description": "d" * 256}, ["body", "description"]),
            ({"net_days": 30}, ["body", "net_days"]),
        ],
        ids=["t1-eq-final", "t1-gt-final", "t2-eq-t1", "t2-lt-t1", "t2-eq-final", "t2-without-t1",
             "discount-too-big", "negative-discount", "float-discount", "discount-missing", "days-too-many",
             "negative-days", "string-days", "no-final", "name-too-long", "empty-name", "description-too-long",
             "unknown-field"],
    )
    async def test_validation_changes_nothing(self, client, on, overrides, loc):
        response = await client.post("/payment_terms", json=payment_terms_payload(**overrides), headers=on)
        assert loc in locs(response)
        assert await all_terms(client, on) == []


class TestUpdatePaymentTerms:
    async def test_update(self, client, on):
        terms = await create_payment_terms(client, on)
        response = await client.patch(f"/payment_terms/{terms['id']}", json={
            "name": "1/5, 0.5/10 net 45", "term_1": {"number_of_days": 5, "discount": 100},
            "term_2": {"number_of_days": 10, "discount": 50}, "term_final": {"number_of_days": 45},
        }, headers=on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert_shape(body, "PaymentTermsResponse")
        assert body["name"] == "1/5, 0.5/10 net 45"
        assert body["term_1"] == {"number_of_days": 5, "discount": 100}
        assert body["term_2"] == {"number_of_days": 10, "discount": 50}
        assert body["term_final"] == {"number_of_days": 45}
        assert (await client.get(f"/payment_terms/{terms['id']}", headers=on)).json() == body

    async def test_removing_tiers(self, client, on):
        terms = await create_payment_terms(client, on, **{k: TWO_TIERS[k] for k in ("term_1", "term_2")})
        response = await client.patch(f"/payment_terms/{terms['id']}", json={"term_2": None}, headers=on)
        assert response.status_code == 200
        assert response.json()["term_2"] is None
        assert response.json()["term_1"] == TWO_TIERS["term_1"]
        response = await client.patch(f"/payment_terms/{terms['id']}", json={"term_1": None}, headers=on)
        assert response.json()["term_1"] is None

    @pytest.mark.parametrize(
        ("changes", "loc"),
        [
            ({"term_1": None}, ["body", "term_2"]),  # term_2 would be left without term_1
            ({"term_final": {"number_of_days": 14}}, ["body"]),  # final no longer after term_2
            ({"term_1": {"number_of_days": 20, "discount": 100}}, ["body"]),  # term_1 after term_2
            ({"term_final": None}, ["body", "term_final"]),
            ({"name": None}, ["body", "name"]),
            ({"term_2": {"number_of_days": 20, "discount": 10001}}, ["body", "term_2", "discount"]),
        ],
        ids=["drop-t1", "final-before-t2", "t1-after-t2", "null-final", "null-name", "discount-too-big"],
    )
    async def test_refused_changes_nothing(self, client, on, changes, loc):
        terms = await create_payment_terms(client, on, **{k: TWO_TIERS[k] for k in ("term_1", "term_2")})
        response = await client.patch(f"/payment_terms/{terms['id']}", json=changes, headers=on)
        assert loc in locs(response)
        assert (await client.get(f"/payment_terms/{terms['id']}", headers=on)).json() == terms


class TestDeletePaymentTerms:
    async def test_delete(self, client, on):
        keep, gone = await create_payment_terms(client, on, name="keep"), await create_payment_terms(client, on)
        assert (await client.delete(f"/payment_terms/{gone['id']}", headers=on)).status_code == 204
        response = await client.get(f"/payment_terms/{gone['id']}", headers=on)
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Payment terms not found"}}
        assert await all_terms(client, on) == [keep]

    async def test_unknown(self, client, on):
        for method in ("GET", "PATCH", "DELETE"):
            response = await client.request(method, f"/payment_terms/{uuid.uuid4()}",
                                            json={} if method == "PATCH" else None, headers=on)
            assert response.status_code == 404


class TestListPaymentTerms:
    async def test_in_creation_order(self, client, on):
        names = ["first", "second", "third"]
        for name in names:
            await create_payment_terms(client, on, name=name)
        assert [t["name"] for t in await all_terms(client, on)] == names


class TestPermissions:
    async def test_reads_are_open_to_every_user(self, client, partner, entity, on):
        terms = await create_payment_terms(client, on)
        user = await partner.user_with(entity["id"])  # a role that grants nothing
        assert (await client.get("/payment_terms", headers=user.auth)).json() == {"data": [terms]}
        assert (await client.get(f"/payment_terms/{terms['id']}", headers=user.auth)).json() == terms

    async def test_writes_need_entity_update(self, client, partner, entity, on):
        terms = await create_payment_terms(client, on)
        user = await partner.user_with(entity["id"], entity=["read"], tag=["create", "update", "delete"])
        for method, path, body in (
            ("POST", "/payment_terms", payment_terms_payload()),
            ("PATCH", f"/payment_terms/{terms['id']}", {"name": "changed"}),
            ("DELETE", f"/payment_terms/{terms['id']}", None),
        ):
            response = await client.request(method, path, json=body, headers=user.auth)
            assert response.status_code == 403, response.text
            assert error_message(response) == "Action update for entity not allowed"
        assert await all_terms(client, on) == [terms]

    async def test_entity_update_allows_writes(self, client, partner, entity):
        user = await partner.user_with(entity["id"], entity=["update"])
        terms = await create_payment_terms(client, user.auth)
        response = await client.patch(f"/payment_terms/{terms['id']}", json={"name": "changed"}, headers=user.auth)
        assert response.status_code == 200
        assert (await client.delete(f"/payment_terms/{terms['id']}", headers=user.auth)).status_code == 204


class TestTenancy:
    async def test_other_entity_gets_404(self, app, client, partner, entity, other_entity):
        other_user = await partner.user_with(other_entity["id"], entity=["read", "update"])
        await assert_isolated(app, client, partner, "/v1/payment_terms/{payment_terms_id}", entity["id"],
                              other_entity["id"], other_user)

    async def test_list_stays_in_the_entity(self, client, partner, entity, other_entity, on):
        await create_payment_terms(client, partner.on(other_entity["id"]))
        assert await all_terms(client, on) == []
