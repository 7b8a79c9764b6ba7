"""Entities (docs/auth-entities.md, "Entities"): create, list, read, update, (de)activate, settings, VAT ids,
partner metadata, and who may call which of them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import select

from remit.events.models import Event
from tests.fixtures.entities import ALL_CRUD, Partner, new_partner_credential, org_payload
from tests.fixtures.responses import assert_error, ids, locs

ENTITY_KEYS = {
    "id", "created_at", "updated_at", "type", "status", "email", "phone", "website", "tax_id",
    "registration_number", "registration_authority", "logo", "address",
}  # fmt: skip
ORGANIZATION_KEYS = {
    "legal_name", "business_structure", "directors_provided", "executives_provided", "legal_entity_id",
    "owners_provided", "representative_provided",
}  # fmt: skip
INDIVIDUAL_KEYS = {"first_name", "last_name", "title", "date_of_birth", "id_number", "ssn_last_4"}
SETTINGS_KEYS = {
    "accounting", "allow_purchase_order_autolinking", "currency", "document_ids", "document_rendering",
    "generate_paid_invoice_pdf", "language", "mail", "payables_ocr_auto_tagging", "payables_skip_approval_flow",
    "payment_priority", "quote_signature_required", "receivable_edit_flow", "reminder",
    "vat_inclusive_discount_mode", "vat_mode",
}  # fmt: skip
ADDRESS = {"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"}


async def fresh_partner(client, db) -> Partner:
    client_id, secret = new_partner_credential(db)
    p = Partner(client, client_id, secret)
    p.token = await p.token_for()
    return p


@pytest.fixture(scope="module")
async def partner(client, db) -> Partner:
    """One partner for the module; tests that list the partner's entities make their own."""
    return await fresh_partner(client, db)


@pytest.fixture(scope="module")
async def stranger(client, db) -> Partner:
    """Another partner: it must never see the first one's entities."""
    return await fresh_partner(client, db)


def individual_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "type": "individual",
        "email": "jane@doe.example",
        "address": {"country": "US", "city": "Austin", "line1": "1 Main St", "postal_code": "73301", "state": "TX"},
        "individual": {"first_name": "Jane", "last_name": "Doe"},
    }
    payload.update(overrides)
    return payload


# -- create ---------------------------------------------------------------------------------


class TestCreateEntity:
    async def test_unauthenticated(self, client):
        response = await client.post("/entities", json=org_payload())
        assert_error(response, 401)

    async def test_entity_user_cannot_create(self, client, admin):
        response = await client.post("/entities", json=org_payload(), headers=admin.auth)
        assert_error(response, 403)

    async def test_organization(self, client, partner):
        payload = org_payload(
            phone="+49 30 123456",
            tax_id="DE123456789",
            website="https://acme.example/about",
            registration_number="HRB 12345",
            registration_authority="Amtsgericht Charlottenburg",
            address={**ADDRESS, "line2": "Hinterhaus"},
            organization={"legal_name": "Acme GmbH", "business_structure": "private_corporation", "legal_entity_id": "LEI-1"},
        )
        response = await client.post("/entities", json=payload, headers=partner.auth)
        assert response.status_code == 201, response.text
        body = response.json()
        assert set(body) == ENTITY_KEYS | {"organization"}
        assert body["type"] == "organization"
        assert body["status"] == "active"
        assert body["email"] == "billing@acme.example"
        assert body["phone"] == "+49 30 123456"
        assert body["tax_id"] == "DE123456789"
        assert body["website"] == "https://acme.example/about"
        assert body["registration_number"] == "HRB 12345"
        assert body["registration_authority"] == "Amtsgericht Charlottenburg"
        assert body["logo"] is None
        assert body["address"] == {**ADDRESS, "line2": "Hinterhaus", "state": None}
        assert set(body["organization"]) == ORGANIZATION_KEYS
        assert body["organization"]["legal_name"] == "Acme GmbH"
        assert body["organization"]["business_structure"] == "private_corporation"
        assert body["organization"]["legal_entity_id"] == "LEI-1"
        uuid.UUID(body["id"])
        created = datetime.fromisoformat(body["created_at"])
        assert created.utcoffset() == timedelta(0)
        assert abs(datetime.now(UTC) - created) < timedelta(minutes=1)
        assert body["updated_at"] >= body["created_at"]

    async def test_individual(self, client, partner):
        payload = individual_payload(
            individual={
                "first_name": "Jane",
                "last_name": "Doe",
                "title": "Dr",
                "date_of_birth": "1990-01-31",
                "ssn_last_4": "1234",
                "id_number": "X-1",
            }
        )
        response = await client.post("/entities", json=payload, headers=partner.auth)
        assert response.status_code == 201, response.text
        body = response.json()
        assert set(body) == ENTITY_KEYS | {"individual"}
        assert body["type"] == "individual"
        assert body["individual"] == {
            "first_name": "Jane",
            "last_name": "Doe",
            "title": "Dr",
            "date_of_birth": "1990-01-31",
            "ssn_last_4": "1234",
            "id_number": "X-1",
        }
        assert body["address"]["state"] == "TX"

    async def test_readable_afterwards(self, client, partner):
        created = await partner.create_entity()
        response = await client.get(f"/entities/{created['id']}", headers=partner.auth)
        assert response.status_code == 200
        assert response.json() == created

    @pytest.mark.parametrize(
        ("payload", "loc"),
        [
            (org_payload(organization=None), ["body", "organization"]),
            ({k: v for k, v in org_payload().items() if k != "organization"}, ["body", "organization"]),
            (org_payload(individual={"first_name": "J", "last_name": "D"}), ["body", "individual"]),
            (individual_payload(individual=None), ["body", "individual"]),
            (individual_payload(organization={"legal_name": "Acme"}), ["body", "organization"]),
        ],
        ids=["org-null", "org-missing", "org-with-individual", "individual-missing", "individual-with-org"],
    )
    async def test_type_and_sub_object_must_match(self, client, partner, payload, loc):
        response = await client.post("/entities", json=payload, headers=partner.auth)
        assert loc in locs(response)

    @pytest.mark.parametrize(
        ("change", "loc"),
        [
            ({"type": "robot"}, ["body", "type"]),
            ({"email": "not-an-email"}, ["body", "email"]),
            ({"address": {**ADDRESS, "country": "XX"}}, ["body", "address", "country"]),
            ({"address": {**ADDRESS, "postal_code": "12345678901"}}, ["body", "address", "postal_code"]),
            ({"address": {k: v for k, v in ADDRESS.items() if k != "city"}}, ["body", "address", "city"]),
            ({"organization": {"legal_name": ""}}, ["body", "organization", "legal_name"]),
            ({"organization": {"legal_name": "A", "business_structure": "cartel"}}, ["body", "organization", "business_structure"]),
            ({"tax_id": ""}, ["body", "tax_id"]),
            ({"website": "not a url"}, ["body", "website"]),
            ({"registration_number": "HRB 1"}, ["body", "registration_authority"]),
        ],
    )
    async def test_invalid_fields(self, client, partner, change, loc):
        response = await client.post("/entities", json=org_payload(**change), headers=partner.auth)
        assert loc in locs(response)

    @pytest.mark.parametrize("missing", ["type", "email", "address"])
    async def test_required_fields(self, client, partner, missing):
        payload = org_payload()
        del payload[missing]
        response = await client.post("/entities", json=payload, headers=partner.auth)
        assert ["body", missing] in locs(response)

    async def test_nothing_is_written_on_validation_error(self, client, db):
        lister = await fresh_partner(client, db)
        await client.post("/entities", json=org_payload(registration_number="HRB 1"), headers=lister.auth)
        listed = await client.get("/entities", headers=lister.auth)
        assert listed.json()["data"] == []

    async def test_writes_an_entity_created_event(self, partner, db):
        created = await partner.create_entity()
        with db.transaction(write=False) as session:
            events = session.scalars(select(Event).where(Event.entity_id == uuid.UUID(created["id"]))).all()
        assert [(e.action, e.object_type, str(e.object_id)) for e in events] == [
            ("entity.created", "entity", created["id"])
        ]
        assert events[0].api_version == "2024-05-25"

    async def test_creates_default_settings_and_role(self, client, partner):
        created = await partner.create_entity()
        settings = await client.get(f"/entities/{created['id']}/settings", headers=partner.auth)
        assert settings.status_code == 200
        assert settings.json()["language"] == "en"
        roles = await client.get("/roles", headers=partner.on(created["id"]))
        assert [(r["name"], r["permissions"], r["status"]) for r in roles.json()["data"]] == [
            ("Default", {"objects": []}, "active")
        ]


# -- list -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def listing(client, db) -> dict[str, Any]:
    """A partner of its own with five entities: org, individual, org (inactive), individual, org."""
    lister = await fresh_partner(client, db)
    entities = []
    for i in range(5):
        make = org_payload if i % 2 == 0 else individual_payload
        response = await client.post("/entities", json=make(email=f"e{i}@list.example"), headers=lister.auth)
        assert response.status_code == 201
        entities.append(response.json())
    deactivated = await client.post(f"/entities/{entities[2]['id']}/deactivate", headers=lister.auth)
    entities[2] = deactivated.json()
    return {"partner": lister, "entities": entities, "ids": [e["id"] for e in entities]}


class TestListEntities:
    async def get(self, client, listing, **params):
        return await client.get("/entities", params=params, headers=listing["partner"].auth)

    async def test_entity_user_cannot_list(self, client, admin):
        assert_error(await client.get("/entities", headers=admin.auth), 403)

    async def test_all_of_the_partners_entities_in_creation_order(self, client, listing):
        response = await self.get(client, listing)
        assert response.status_code == 200
        body = response.json()
        assert ids(response) == listing["ids"]
        assert body["data"] == listing["entities"]
        assert body["next_pagination_token"] is None and body["prev_pagination_token"] is None

    async def test_descending(self, client, listing):
        assert ids(await self.get(client, listing, order="desc")) == listing["ids"][::-1]

    async def test_sort_by_updated_at(self, client, listing):
        e = listing["ids"]
        assert ids(await self.get(client, listing, sort="updated_at")) == [e[0], e[1], e[3], e[4], e[2]]

    async def test_empty_list(self, client, db):
        lister = await fresh_partner(client, db)
        response = await client.get("/entities", headers=lister.auth)
        assert response.json() == {"data": [], "next_pagination_token": None, "prev_pagination_token": None}

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"type": "individual"}, [1, 3]),
            ({"type": "organization"}, [0, 2, 4]),
            ({"status": "inactive"}, [2]),
            ({"status": "active"}, [0, 1, 3, 4]),
            ({"email": "e3@list.example"}, [3]),
            ({"email": "E3@list.example"}, []),
            ({"email__in": ["e0@list.example", "e4@list.example"]}, [0, 4]),
            ({"email__not_in": ["e0@list.example", "e4@list.example"]}, [1, 2, 3]),
            ({"type": "organization", "status": "active"}, [0, 4]),
        ],
    )
    async def test_filters(self, client, listing, params, expected):
        response = await self.get(client, listing, **params)
        assert response.status_code == 200
        assert ids(response) == [listing["ids"][i] for i in expected]

    async def test_id_filters(self, client, listing):
        e = listing["ids"]
        assert ids(await self.get(client, listing, id__in=[e[4], e[1]])) == [e[1], e[4]]
        assert ids(await self.get(client, listing, id__in=[e[2]])) == [e[2]]
        assert ids(await self.get(client, listing, id__in=[str(uuid.uuid4())])) == []
        assert ids(await self.get(client, listing, id__not_in=[e[0], e[3]])) == [e[1], e[2], e[4]]

    async def test_created_at_ranges(self, client, listing):
        e, created = listing["ids"], [x["created_at"] for x in listing["entities"]]
        assert ids(await self.get(client, listing, created_at__gt=created[1])) == e[2:]
        assert ids(await self.get(client, listing, created_at__gte=created[1])) == e[1:]
        assert ids(await self.get(client, listing, created_at__lt=created[3])) == e[:3]
        assert ids(await self.get(client, listing, created_at__lte=created[3])) == e[:4]
        assert ids(await self.get(client, listing, created_at__gt=created[0], created_at__lt=created[4])) == e[1:4]

    async def test_created_at_with_an_offset(self, client, listing):
        e = listing["ids"]
        instant = datetime.fromisoformat(listing["entities"][2]["created_at"])
        shifted = instant.astimezone(timezone(timedelta(hours=2))).isoformat()
        assert "+02:00" in shifted
        assert ids(await self.get(client, listing, created_at__gte=shifted)) == e[2:]

    async def test_other_partners_do_not_see_them(self, client, listing, partner):
        response = await client.get("/entities", params={"id__in": listing["ids"]}, headers=partner.auth)
        assert response.json()["data"] == []

    @pytest.mark.parametrize(
        ("params", "loc"),
        [
            ({"limit": 0}, ["query", "limit"]),
            ({"limit": 101}, ["query", "limit"]),
            ({"limit": "ten"}, ["query", "limit"]),
            ({"order": "up"}, ["query", "order"]),
            ({"sort": "email"}, ["query", "sort"]),
            ({"type": "robot"}, ["query", "type"]),
            ({"status": "deleted-ish"}, ["query", "status"]),
            ({"created_at__gt": "yesterday"}, ["query", "created_at__gt"]),
            ({"id__in": "nope"}, ["query", "id__in", 0]),
        ],
    )
    async def test_invalid_parameters(self, client, listing, params, loc):
        assert loc in locs(await self.get(client, listing, **params))

    async def test_limit_bounds_are_inclusive(self, client, listing):
        assert len(ids(await self.get(client, listing, limit=1))) == 1
        assert len(ids(await self.get(client, listing, limit=100))) == 5


class TestPaginateEntities:
    async def page(self, client, listing, **params):
        response = await client.get("/entities", params=params, headers=listing["partner"].auth)
        assert response.status_code == 200, response.text
        return response.json()

    async def test_forwards_then_backwards(self, client, listing):
        e = listing["ids"]
        first = await self.page(client, listing, limit=2)
        assert [x["id"] for x in first["data"]] == e[0:2]
        assert first["prev_pagination_token"] is None
        assert first["next_pagination_token"]

        second = await self.page(client, listing, pagination_token=first["next_pagination_token"])
        assert [x["id"] for x in second["data"]] == e[2:4]
        assert second["prev_pagination_token"] and second["next_pagination_token"]

        third = await self.page(client, listing, pagination_token=second["next_pagination_token"])
        assert [x["id"] for x in third["data"]] == e[4:5]
        assert third["next_pagination_token"] is None
        assert third["prev_pagination_token"]

        back = await self.page(client, listing, pagination_token=third["prev_pagination_token"])
        assert [x["id"] for x in back["data"]] == e[2:4]  # the original order, not reversed
        assert back["next_pagination_token"] and back["prev_pagination_token"]

        start = await self.page(client, listing, pagination_token=back["prev_pagination_token"])
        assert [x["id"] for x in start["data"]] == e[0:2]
        assert start["prev_pagination_token"] is None
        assert start["next_pagination_token"]

        again = await self.page(client, listing, pagination_token=start["next_pagination_token"])
        assert [x["id"] for x in again["data"]] == e[2:4]

    async def test_descending_pages(self, client, listing):
        e = listing["ids"][::-1]
        first = await self.page(client, listing, limit=3, order="desc")
        assert [x["id"] for x in first["data"]] == e[0:3]
        second = await self.page(client, listing, pagination_token=first["next_pagination_token"])
        assert [x["id"] for x in second["data"]] == e[3:5]
        assert second["next_pagination_token"] is None
        back = await self.page(client, listing, pagination_token=second["prev_pagination_token"])
        assert [x["id"] for x in back["data"]] == e[0:3]
        assert back["prev_pagination_token"] is None

    async def test_filters_travel_in_the_token(self, client, listing):
        e = listing["ids"]
        first = await self.page(client, listing, limit=1, type="individual")
        assert [x["id"] for x in first["data"]] == [e[1]]
        # Everything but the token is ignored on later pages.
        second = await self.page(
            client, listing, pagination_token=first["next_pagination_token"], type="organization", limit=100, order="desc"
        )
        assert [x["id"] for x in second["data"]] == [e[3]]
        assert second["next_pagination_token"] is None

    async def test_exact_multiple_of_the_limit(self, client, listing):
        e = listing["ids"]
        first = await self.page(client, listing, limit=2, id__in=e[:4])
        second = await self.page(client, listing, pagination_token=first["next_pagination_token"])
        assert [x["id"] for x in second["data"]] == e[2:4]
        assert second["next_pagination_token"] is None

    async def test_token_of_another_endpoint(self, client, listing):
        lister, entity_id = listing["partner"], listing["ids"][0]
        await lister.create_role(entity_id, {"objects": []})
        roles = await client.get("/roles", params={"limit": 1}, headers=lister.on(entity_id))
        token = roles.json()["next_pagination_token"]
        assert token
        response = await client.get("/entities", params={"pagination_token": token}, headers=lister.auth)
        assert_error(response, 400, "Invalid pagination token")

    async def test_token_of_another_partner(self, client, listing, partner):
        await partner.create_entity()
        await partner.create_entity()
        theirs = await client.get("/entities", params={"limit": 1}, headers=partner.auth)
        token = theirs.json()["next_pagination_token"]
        assert token
        response = await client.get("/entities", params={"pagination_token": token}, headers=listing["partner"].auth)
        assert_error(response, 400, "Invalid pagination token")

    @pytest.mark.parametrize("token", ["garbage", "eyJ2IjoxfQ.AAAA", "a" * 500])
    async def test_garbage_token(self, client, listing, token):
        response = await client.get("/entities", params={"pagination_token": token}, headers=listing["partner"].auth)
        assert_error(response, 400, "Invalid pagination token")

    async def test_tampered_token(self, client, listing):
        first = await self.page(client, listing, limit=2)
        token = first["next_pagination_token"]
        payload, signature = token.split(".")
        tampered = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + signature
        response = await client.get("/entities", params={"pagination_token": tampered}, headers=listing["partner"].auth)
        assert_error(response, 400, "Invalid pagination token")


# -- read / update --------------------------------------------------------------------------


class TestGetEntity:
    async def test_unauthenticated(self, client, entity):
        assert_error(await client.get(f"/entities/{entity['id']}"), 401)

    async def test_of_another_partner(self, client, entity, stranger):
        assert_error(await client.get(f"/entities/{entity['id']}", headers=stranger.auth), 404, "Entity not found")

    async def test_unknown(self, client, partner):
        assert_error(await client.get(f"/entities/{uuid.uuid4()}", headers=partner.auth), 404, "Entity not found")

    async def test_partner(self, client, partner, entity):
        response = await client.get(f"/entities/{entity['id']}", headers=partner.auth)
        assert response.status_code == 200
        assert response.json() == entity

    async def test_partner_ignores_the_entity_header(self, client, partner, entity, other_entity):
        response = await client.get(f"/entities/{entity['id']}", headers=partner.on(other_entity["id"]))
        assert response.status_code == 200
        assert response.json()["id"] == entity["id"]

    async def test_entity_user_with_entity_read(self, client, partner, entity):
        user = await partner.user_with(entity["id"], entity=["read"])
        response = await client.get(f"/entities/{entity['id']}", headers=user.auth)
        assert response.status_code == 200
        assert response.json() == entity

    async def test_entity_user_without_entity_read(self, client, partner, entity):
        user = await partner.user_with(entity["id"], entity=["update"], role=["read"])
        response = await client.get(f"/entities/{entity['id']}", headers=user.auth)
        assert_error(response, 403, "Action read for entity not allowed")

    async def test_entity_user_reading_another_entity(self, client, partner, entity, other_entity):
        user = await partner.user_with(entity["id"], entity=["read"])
        assert_error(await client.get(f"/entities/{other_entity['id']}", headers=user.auth), 404, "Entity not found")


class TestMyEntity:
    @pytest.mark.parametrize("path", ["/entity_users/my_entity", "/entities/me"])
    async def test_with_entity_read(self, client, partner, entity, path):
        user = await partner.user_with(entity["id"], entity=["read"])
        response = await client.get(path, headers=user.auth)
        assert response.status_code == 200
        assert response.json() == entity

    @pytest.mark.parametrize("path", ["/entity_users/my_entity", "/entities/me"])
    async def test_without_entity_read(self, client, partner, entity, path):
        user = await partner.user_with(entity["id"], role=["read"])
        assert_error(await client.get(path, headers=user.auth), 403, "Action read for entity not allowed")

    @pytest.mark.parametrize("path", ["/entity_users/my_entity", "/entities/me"])
    async def test_partner_token(self, client, partner, entity, path):
        assert_error(await client.get(path, headers=partner.on(entity["id"])), 403)
        assert_error(await client.patch(path, json={"phone": "1"}, headers=partner.on(entity["id"])), 403)

    @pytest.mark.parametrize("path", ["/entity_users/my_entity", "/entities/me"])
    async def test_update(self, client, partner, entity, path):
        user = await partner.user_with(entity["id"], entity=["read", "update"])
        response = await client.patch(path, json={"phone": "+49 1"}, headers=user.auth)
        assert response.status_code == 200
        assert response.json()["phone"] == "+49 1"
        assert response.json()["id"] == entity["id"]

    async def test_update_without_permission(self, client, partner, entity):
        user = await partner.user_with(entity["id"], entity=["read"])
        response = await client.patch("/entity_users/my_entity", json={"phone": "1"}, headers=user.auth)
        assert_error(response, 403, "Action update for entity not allowed")


class TestUpdateEntity:
    async def patch(self, client, partner, entity, body):
        return await client.patch(f"/entities/{entity['id']}", json=body, headers=partner.auth)

    async def test_of_another_partner(self, client, entity, stranger):
        assert_error(await self.patch(client, stranger, entity, {"phone": "1"}), 404, "Entity not found")

    async def test_simple_fields(self, client, partner, entity):
        response = await self.patch(client, partner, entity, {"phone": "+49 30 1", "email": "new@acme.example"})
        assert response.status_code == 200
        body = response.json()
        assert (body["phone"], body["email"]) == ("+49 30 1", "new@acme.example")
        assert body["updated_at"] > entity["updated_at"]
        assert body["created_at"] == entity["created_at"]
        assert body["address"] == entity["address"]
        assert (await client.get(f"/entities/{entity['id']}", headers=partner.auth)).json() == body

    async def test_empty_patch_changes_nothing_but_updated_at(self, client, partner, entity):
        response = await self.patch(client, partner, entity, {})
        assert response.status_code == 200
        assert {k: v for k, v in response.json().items() if k != "updated_at"} == {
            k: v for k, v in entity.items() if k != "updated_at"
        }

    async def test_address_is_merged(self, client, partner, entity):
        response = await self.patch(client, partner, entity, {"address": {"city": "Munich", "line2": "Hinterhaus"}})
        assert response.status_code == 200
        assert response.json()["address"] == {
            "country": "DE",
            "city": "Munich",
            "line1": "Friedrichstr. 1",
            "line2": "Hinterhaus",
            "postal_code": "10117",
            "state": None,
        }

    async def test_address_field_cleared_with_null(self, client, partner, entity):
        await self.patch(client, partner, entity, {"address": {"line2": "Hinterhaus"}})
        response = await self.patch(client, partner, entity, {"address": {"line2": None}})
        assert response.json()["address"]["line2"] is None
        assert response.json()["address"]["city"] == "Berlin"

    @pytest.mark.parametrize(("part", "field"), [
        ("address", "city"), ("address", "line1"), ("address", "postal_code"), ("organization", "legal_name"),
    ])
    async def test_null_for_a_part_every_entity_has(self, client, partner, entity, part, field):
        """Monite's update schema lets these be null; remit refuses the null (it was stored, and the
        response, which requires them, was a 500)."""
        response = await self.patch(client, partner, entity, {part: {field: None}})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", part, field]
        assert (await client.get(f"/entities/{entity['id']}", headers=partner.auth)).json() == entity

    async def test_null_name_of_an_individual(self, client, partner):
        created = (await client.post("/entities", json=individual_payload(), headers=partner.auth)).json()
        response = await self.patch(client, partner, created, {"individual": {"last_name": None}})
        assert response.json()["detail"][0]["loc"] == ["body", "individual", "last_name"]

    async def test_country_cannot_change(self, client, partner, entity):
        response = await self.patch(client, partner, entity, {"address": {"country": "FR"}})
        assert ["body", "address", "country"] in locs(response)
        assert (await client.get(f"/entities/{entity['id']}", headers=partner.auth)).json()["address"]["country"] == "DE"

    async def test_organization_is_merged(self, client, partner, entity):
        response = await self.patch(client, partner, entity, {"organization": {"business_structure": "multi_member_llc"}})
        assert response.status_code == 200
        organization = response.json()["organization"]
        assert organization["legal_name"] == "Acme GmbH"
        assert organization["business_structure"] == "multi_member_llc"

    async def test_individual_is_merged(self, client, partner):
        created = (await client.post("/entities", json=individual_payload(), headers=partner.auth)).json()
        response = await self.patch(client, partner, created, {"individual": {"title": "Dr"}})
        assert response.status_code == 200
        assert response.json()["individual"] | {"title": None} == created["individual"] | {"title": None}
        assert response.json()["individual"]["title"] == "Dr"

    async def test_sub_object_of_the_other_type(self, client, partner, entity):
        response = await self.patch(client, partner, entity, {"individual": {"first_name": "J"}})
        assert ["body", "individual"] in locs(response)
        created = (await client.post("/entities", json=individual_payload(), headers=partner.auth)).json()
        response = await self.patch(client, partner, created, {"organization": {"legal_name": "X"}})
        assert ["body", "organization"] in locs(response)

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"type": "individual"}, ["body", "type"]),
            ({"status": "inactive"}, ["body", "status"]),
            ({"email": "nope"}, ["body", "email"]),
            ({"email": None}, ["body", "email"]),
            ({"address": {"postal_code": "12345678901"}}, ["body", "address", "postal_code"]),
            ({"organization": {"legal_name": ""}}, ["body", "organization", "legal_name"]),
            ({"registration_number": "HRB 9"}, ["body", "registration_authority"]),
        ],
    )
    async def test_invalid(self, client, partner, entity, body, loc):
        assert loc in locs(await self.patch(client, partner, entity, body))
        unchanged = (await client.get(f"/entities/{entity['id']}", headers=partner.auth)).json()
        assert unchanged == entity

    async def test_registration_number_with_authority(self, client, partner, entity):
        body = {"registration_number": "HRB 9", "registration_authority": "Amtsgericht Charlottenburg"}
        response = await self.patch(client, partner, entity, body)
        assert response.status_code == 200
        assert response.json()["registration_number"] == "HRB 9"

    async def test_entity_user_with_update(self, client, partner, entity):
        user = await partner.user_with(entity["id"], entity=["update"])
        response = await self.patch(client, user, entity, {"tax_id": "T-1"})
        assert response.status_code == 200
        assert response.json()["tax_id"] == "T-1"

    async def test_entity_user_without_update(self, client, partner, entity):
        user = await partner.user_with(entity["id"], entity=["read"])
        assert_error(await self.patch(client, user, entity, {"tax_id": "T-1"}), 403, "Action update for entity not allowed")


# -- status ---------------------------------------------------------------------------------


class TestActivation:
    async def test_deactivate_and_activate(self, client, partner, entity):
        response = await client.post(f"/entities/{entity['id']}/deactivate", headers=partner.auth)
        assert response.status_code == 200
        assert response.json()["status"] == "inactive"
        assert response.json()["id"] == entity["id"]
        read = await client.get(f"/entities/{entity['id']}", headers=partner.auth)
        assert read.status_code == 200 and read.json()["status"] == "inactive"

        response = await client.post(f"/entities/{entity['id']}/activate", headers=partner.auth)
        assert response.status_code == 200
        assert response.json()["status"] == "active"

    async def test_idempotent(self, client, partner, entity):
        activated = await client.post(f"/entities/{entity['id']}/activate", headers=partner.auth)
        assert activated.status_code == 200
        assert activated.json() == entity  # unchanged, not even updated_at
        first = await client.post(f"/entities/{entity['id']}/deactivate", headers=partner.auth)
        second = await client.post(f"/entities/{entity['id']}/deactivate", headers=partner.auth)
        assert second.status_code == 200
        assert second.json() == first.json()

    async def test_inactive_entity_refuses_entity_scoped_calls(self, client, partner, entity):
        user = await partner.user_with(entity["id"], role=["read", "create"], entity_user=["read"], entity=["read"])
        await client.post(f"/entities/{entity['id']}/deactivate", headers=partner.auth)
        on = partner.on(entity["id"])
        for response in (
            await client.get("/roles", headers=on),
            await client.post("/roles", json={"name": "x", "permissions": {"objects": []}}, headers=on),
            await client.get("/entity_users", headers=on),
            await client.get(f"/entity_users/{user.id}", headers=on),
            await client.get("/roles", headers=user.auth),
            await client.get("/entity_users", headers=user.auth),
            await client.get("/entity_users/my_entity", headers=user.auth),
            await client.get("/entity_users/my_role", headers=user.auth),
            await client.get(f"/entities/{entity['id']}", headers=user.auth),
        ):
            assert_error(response, 403, "Entity is inactive")

        me = await client.get("/entity_users/me", headers=user.auth)
        assert me.status_code == 200
        assert me.json()["id"] == user.id

        await client.post(f"/entities/{entity['id']}/activate", headers=partner.auth)
        assert (await client.get("/roles", headers=on)).status_code == 200
        assert (await client.get("/roles", headers=user.auth)).status_code == 200

    async def test_nothing_is_created_in_an_inactive_entity(self, client, partner, entity):
        await client.post(f"/entities/{entity['id']}/deactivate", headers=partner.auth)
        await client.post("/roles", json={"name": "ghost", "permissions": {"objects": []}}, headers=partner.on(entity["id"]))
        await client.post(f"/entities/{entity['id']}/activate", headers=partner.auth)
        roles = await client.get("/roles", params={"name": "ghost"}, headers=partner.on(entity["id"]))
        assert roles.json()["data"] == []

    async def test_of_another_partner(self, client, partner, entity, stranger):
        for action in ("activate", "deactivate"):
            assert_error(await client.post(f"/entities/{entity['id']}/{action}", headers=stranger.auth), 404)
        assert (await client.get(f"/entities/{entity['id']}", headers=partner.auth)).json()["status"] == "active"

    async def test_unknown(self, client, partner):
        assert_error(await client.post(f"/entities/{uuid.uuid4()}/deactivate", headers=partner.auth), 404)


# -- partner-only endpoints -----------------------------------------------------------------


class TestPartnerOnly:
    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("POST", "/entities", org_payload()),
            ("GET", "/entities", None),
            ("POST", "/entities/{id}/activate", None),
            ("POST", "/entities/{id}/deactivate", None),
            ("GET", "/entities/{id}/partner_metadata", None),
            ("PUT", "/entities/{id}/partner_metadata", {"metadata": {"a": 1}}),
        ],
    )
    async def test_entity_user_token_is_refused(self, client, admin, entity, method, path, body):
        response = await client.request(method, path.format(id=entity["id"]), json=body, headers=admin.auth)
        assert_error(response, 403)


class TestPartnerMetadata:
    async def test_initially_empty(self, client, partner, entity):
        response = await client.get(f"/entities/{entity['id']}/partner_metadata", headers=partner.auth)
        assert response.status_code == 200
        assert response.json() == {"metadata": None}

    async def test_put_replaces(self, client, partner, entity):
        url = f"/entities/{entity['id']}/partner_metadata"
        first = {"metadata": {"crm_id": "42", "nested": {"tags": ["a", "b"], "n": 1.5}}}
        response = await client.put(url, json=first, headers=partner.auth)
        assert response.status_code == 200
        assert response.json() == first
        assert (await client.get(url, headers=partner.auth)).json() == first

        second = {"metadata": {"other": True}}
        assert (await client.put(url, json=second, headers=partner.auth)).json() == second
        assert (await client.get(url, headers=partner.auth)).json() == second

    async def test_not_part_of_the_entity(self, client, partner, entity):
        await client.put(f"/entities/{entity['id']}/partner_metadata", json={"metadata": {"a": 1}}, headers=partner.auth)
        body = (await client.get(f"/entities/{entity['id']}", headers=partner.auth)).json()
        assert "partner_metadata" not in body and "metadata" not in body

    @pytest.mark.parametrize("body", [{}, {"metadata": "text"}, {"metadata": {}, "extra": 1}])
    async def test_invalid(self, client, partner, entity, body):
        response = await client.put(f"/entities/{entity['id']}/partner_metadata", json=body, headers=partner.auth)
        assert response.status_code == 422

    async def test_of_another_partner(self, client, entity, stranger):
        url = f"/entities/{entity['id']}/partner_metadata"
        assert_error(await client.get(url, headers=stranger.auth), 404)
        assert_error(await client.put(url, json={"metadata": {}}, headers=stranger.auth), 404)


# -- settings -------------------------------------------------------------------------------


class TestSettings:
    async def get(self, client, auth, entity):
        return await client.get(f"/entities/{entity['id']}/settings", headers=auth)

    async def patch(self, client, auth, entity, body):
        return await client.patch(f"/entities/{entity['id']}/settings", json=body, headers=auth)

    async def test_defaults(self, client, partner, entity):
        response = await self.get(client, partner.auth, entity)
        assert response.status_code == 200
        settings = response.json()
        assert set(settings) == SETTINGS_KEYS
        assert settings["language"] == "en"
        assert settings["currency"] == {"default": "EUR", "exchange_rates": []}
        assert settings["reminder"] == {"enabled": True}
        assert settings["vat_mode"] == "exclusive"
        assert settings["vat_inclusive_discount_mode"] == "exclusive"
        assert settings["payment_priority"] == "working_capital"
        assert settings["allow_purchase_order_autolinking"] is True
        assert settings["receivable_edit_flow"] == "compliant"
        assert settings["payables_ocr_auto_tagging"] is None
        assert settings["quote_signature_required"] is False
        assert settings["generate_paid_invoice_pdf"] is False
        assert settings["payables_skip_approval_flow"] is False
        assert settings["mail"] == {"reply_to": None}
        assert "next_number" not in settings["document_ids"]
        assert settings["document_ids"]["document_type_prefix"]["invoice"] == "INV"
        line_items = settings["document_rendering"]["line_items"]
        assert line_items["vat_amount"]["display"] is False
        assert all(column["display"] for name, column in line_items.items() if name != "vat_amount")

    async def test_default_currency_follows_the_country(self, client, partner):
        created = (await client.post("/entities", json=individual_payload(), headers=partner.auth)).json()
        assert (await self.get(client, partner.auth, created)).json()["currency"]["default"] == "USD"

    async def test_patch_is_a_deep_merge(self, client, partner, entity):
        before = (await self.get(client, partner.auth, entity)).json()
        body = {
            "document_rendering": {"line_items": {"vat_amount": {"display": True, "label": "VAT"}}},
            "currency": {"default": "USD"},
            "language": "de",
            "mail": {"reply_to": ["ap@acme.example"]},
        }
        response = await self.patch(client, partner.auth, entity, body)
        assert response.status_code == 200, response.text
        after = response.json()
        assert after["language"] == "de"
        assert after["currency"] == {"default": "USD", "exchange_rates": []}
        assert after["mail"] == {"reply_to": ["ap@acme.example"]}
        assert after["document_rendering"]["line_items"]["vat_amount"] == {"display": True, "label": "VAT"}
        assert after["document_rendering"]["line_items"]["name"] == {"display": True}
        assert after["document_rendering"]["quote"] == before["document_rendering"]["quote"]
        untouched = SETTINGS_KEYS - {"document_rendering", "currency", "language", "mail"}
        assert {k: after[k] for k in untouched} == {k: before[k] for k in untouched}
        assert (await self.get(client, partner.auth, entity)).json() == after

    async def test_next_number_is_write_only(self, client, partner, entity):
        url = f"/entities/{entity['id']}/settings/next_document_numbers"
        assert (await client.get(url, headers=partner.auth)).json() == {
            "credit_note": 1, "delivery_note": 1, "invoice": 1, "purchase_order": 1, "quote": 1,
        }  # fmt: skip
        response = await self.patch(
            client, partner.auth, entity, {"document_ids": {"next_number": {"invoice": 42}, "prefix": "ACME"}}
        )
        assert response.status_code == 200
        document_ids = response.json()["document_ids"]
        assert "next_number" not in document_ids
        assert document_ids["prefix"] == "ACME"
        assert document_ids["separator"] == "-"
        assert "next_number" not in (await self.get(client, partner.auth, entity)).json()["document_ids"]

        await self.patch(client, partner.auth, entity, {"document_ids": {"next_number": {"quote": 7}}})
        assert (await client.get(url, headers=partner.auth)).json() == {
            "credit_note": 1, "delivery_note": 1, "invoice": 42, "purchase_order": 1, "quote": 7,
        }  # fmt: skip

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"language": "klingon"}, ["body", "language"]),
            ({"colour": "blue"}, ["body", "colour"]),
            ({"document_ids": {"next_number": {"invoice": 0}}}, ["body", "document_ids", "next_number", "invoice"]),
            ({"document_ids": {"min_digits": 26}}, ["body", "document_ids", "min_digits"]),
            ({"currency": {"exchange_rates": []}}, ["body", "currency", "default"]),
            ({"vat_mode": "sometimes"}, ["body", "vat_mode"]),
            ({"mail": {"reply_to": ["not-mail"]}}, ["body", "mail", "reply_to", 0]),
        ],
    )
    async def test_invalid(self, client, partner, entity, body, loc):
        assert loc in locs(await self.patch(client, partner.auth, entity, body))

    @pytest.mark.parametrize("field", [
        "generate_paid_invoice_pdf", "payables_skip_approval_flow", "quote_signature_required",
        "vat_inclusive_discount_mode",
    ])
    async def test_null_where_the_setting_is_never_null(self, client, partner, entity, field):
        """Monite's payload has these as non-nullable; a null was stored and the response was a 500."""
        before = (await self.get(client, partner.auth, entity)).json()
        assert ["body", field] in locs(await self.patch(client, partner.auth, entity, {field: None}))
        assert (await self.get(client, partner.auth, entity)).json() == before
        flipped = "inclusive" if field == "vat_inclusive_discount_mode" else True
        response = await self.patch(client, partner.auth, entity, {field: flipped})
        assert response.status_code == 200
        assert response.json()[field] == flipped

    @pytest.mark.parametrize("path", [
        ("display_line_items",), ("display_entity_bank_account",), ("invoice", "display_entity_bank_account"),
        ("quote", "display_signature"), ("line_items", "price", "display"), ("line_items", "vat_amount"),
    ])
    async def test_null_where_a_rendering_setting_is_never_null(self, client, partner, entity, path):
        """A rendering flag always has a value (Monite's default); a null was stored and returned."""
        before = (await self.get(client, partner.auth, entity)).json()
        body: dict = {path[-1]: None}
        for name in reversed(path[:-1]):
            body = {name: body}
        response = await self.patch(client, partner.auth, entity, {"document_rendering": body})
        assert ["body", "document_rendering", *path] in locs(response)
        assert (await self.get(client, partner.auth, entity)).json() == before
        response = await self.patch(client, partner.auth, entity, {"document_rendering": {"display_line_items": False}})
        assert response.json()["document_rendering"]["display_line_items"] is False

    async def test_entity_user_permissions(self, client, partner, entity):
        reader = await partner.user_with(entity["id"], entity=["read"])
        writer = await partner.user_with(entity["id"], entity=["read", "update"])
        nobody = await partner.user_with(entity["id"], role=["read"])
        assert (await self.get(client, reader.auth, entity)).status_code == 200
        url = f"/entities/{entity['id']}/settings/next_document_numbers"
        assert (await client.get(url, headers=reader.auth)).status_code == 200
        assert_error(await self.patch(client, reader.auth, entity, {"language": "fr"}), 403, "Action update for entity not allowed")
        assert (await self.patch(client, writer.auth, entity, {"language": "fr"})).json()["language"] == "fr"
        assert_error(await self.get(client, nobody.auth, entity), 403, "Action read for entity not allowed")
        assert_error(await client.get(url, headers=nobody.auth), 403, "Action read for entity not allowed")

    async def test_of_another_partner(self, client, entity, stranger):
        assert_error(await self.get(client, stranger.auth, entity), 404)
        assert_error(await self.patch(client, stranger.auth, entity, {"language": "fr"}), 404)
        url = f"/entities/{entity['id']}/settings/next_document_numbers"
        assert_error(await client.get(url, headers=stranger.auth), 404)


# -- VAT ids --------------------------------------------------------------------------------


class TestVatIds:
    def url(self, entity, vat_id=None) -> str:
        base = f"/entities/{entity['id']}/vat_ids"
        return f"{base}/{vat_id}" if vat_id else base

    async def create(self, client, auth, entity, **body):
        return await client.post(self.url(entity), json={"country": "DE", "value": "DE123456789", **body}, headers=auth)

    async def test_crud(self, client, partner, entity):
        created = await self.create(client, partner.auth, entity, type="eu_vat")
        assert created.status_code == 201, created.text
        vat = created.json()
        assert set(vat) == {"id", "entity_id", "country", "type", "value"}
        assert (vat["entity_id"], vat["country"], vat["type"], vat["value"]) == (entity["id"], "DE", "eu_vat", "DE123456789")

        assert (await client.get(self.url(entity, vat["id"]), headers=partner.auth)).json() == vat

        patched = await client.patch(self.url(entity, vat["id"]), json={"value": "DE987"}, headers=partner.auth)
        assert patched.status_code == 200
        assert patched.json() == {**vat, "value": "DE987"}

        deleted = await client.delete(self.url(entity, vat["id"]), headers=partner.auth)
        assert deleted.status_code == 204
        assert deleted.content == b""
        assert_error(await client.get(self.url(entity, vat["id"]), headers=partner.auth), 404)
        assert_error(await client.delete(self.url(entity, vat["id"]), headers=partner.auth), 404)
        assert (await client.get(self.url(entity), headers=partner.auth)).json() == {"data": []}

    async def test_type_defaults_to_unknown(self, client, partner, entity):
        assert (await self.create(client, partner.auth, entity)).json()["type"] == "unknown"

    async def test_list(self, client, partner, entity, other_entity):
        first = (await self.create(client, partner.auth, entity, value="A1")).json()
        second = (await self.create(client, partner.auth, entity, value="B2", country="FR")).json()
        await self.create(client, partner.auth, other_entity, value="C3")
        response = await client.get(self.url(entity), headers=partner.auth)
        assert response.status_code == 200
        assert response.json() == {"data": [first, second]}

    async def test_vat_id_of_another_entity(self, client, partner, entity, other_entity):
        vat = (await self.create(client, partner.auth, other_entity)).json()
        assert_error(await client.get(self.url(entity, vat["id"]), headers=partner.auth), 404)
        assert_error(await client.patch(self.url(entity, vat["id"]), json={"value": "X"}, headers=partner.auth), 404)
        assert_error(await client.delete(self.url(entity, vat["id"]), headers=partner.auth), 404)
        assert (await client.get(self.url(other_entity, vat["id"]), headers=partner.auth)).json() == vat

    async def test_of_another_partner(self, client, partner, entity, stranger):
        vat = (await self.create(client, partner.auth, entity)).json()
        assert_error(await self.create(client, stranger.auth, entity), 404)
        assert_error(await client.get(self.url(entity), headers=stranger.auth), 404)
        assert_error(await client.get(self.url(entity, vat["id"]), headers=stranger.auth), 404)

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"country": "XX"}, ["body", "country"]),
            ({"value": "1" * 33}, ["body", "value"]),
            ({"type": "imaginary"}, ["body", "type"]),
            ({"extra": 1}, ["body", "extra"]),
        ],
    )
    async def test_invalid_create(self, client, partner, entity, body, loc):
        assert loc in locs(await self.create(client, partner.auth, entity, **body))

    @pytest.mark.parametrize("missing", ["country", "value"])
    async def test_required(self, client, partner, entity, missing):
        body = {"country": "DE", "value": "X"}
        del body[missing]
        assert ["body", missing] in locs(await client.post(self.url(entity), json=body, headers=partner.auth))

    @pytest.mark.parametrize("body", [{"value": None}, {"country": None}, {"country": "XX"}, {"value": "1" * 33}])
    async def test_invalid_patch(self, client, partner, entity, body):
        vat = (await self.create(client, partner.auth, entity)).json()
        response = await client.patch(self.url(entity, vat["id"]), json=body, headers=partner.auth)
        assert response.status_code == 422
        assert (await client.get(self.url(entity, vat["id"]), headers=partner.auth)).json() == vat

    async def test_entity_user_permissions(self, client, partner, entity, admin):
        assert (await self.create(client, admin.auth, entity)).status_code == 201
        reader = await partner.user_with(entity["id"], entity_vat_ids=["read"])
        assert (await client.get(self.url(entity), headers=reader.auth)).status_code == 200
        assert_error(await self.create(client, reader.auth, entity), 403, "Action create for entity_vat_ids not allowed")
        vat = (await self.create(client, partner.auth, entity)).json()
        assert_error(
            await client.patch(self.url(entity, vat["id"]), json={"value": "X"}, headers=reader.auth),
            403,
            "Action update for entity_vat_ids not allowed",
        )
        assert_error(
            await client.delete(self.url(entity, vat["id"]), headers=reader.auth), 403, "Action delete for entity_vat_ids not allowed"
        )
        nobody = await partner.user_with(entity["id"], entity=["read"])
        assert_error(await client.get(self.url(entity), headers=nobody.auth), 403, "Action read for entity_vat_ids not allowed")

    async def test_entity_user_of_another_entity(self, client, partner, entity, other_entity):
        user = await partner.user_with(other_entity["id"], entity_vat_ids=ALL_CRUD)
        vat = (await self.create(client, partner.auth, entity)).json()
        assert_error(await client.get(self.url(entity), headers=user.auth), 404)
        assert_error(await client.get(self.url(entity, vat["id"]), headers=user.auth), 404)
        assert_error(await self.create(client, user.auth, entity), 404)
