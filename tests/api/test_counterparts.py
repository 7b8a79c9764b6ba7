"""Counterparts (docs/master-data.md, "Counterparts"): create, read, list with filters and pages,
update, soft delete, partner metadata; permissions
(docs/auth-entities.md, "Which permission an endpoint needs") and tenancy."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.entities import ALL_CRUD
from tests.fixtures.masterdata import (
    BIC_DE,
    IBAN_DE,
    IBAN_GB,
    address_payload,
    assert_isolated,
    assert_shape,
    create_address,
    create_bank_account,
    create_counterpart,
    create_tag,
    create_vat_id,
    error_message,
    event_actions,
    individual_payload,
    locs,
    new_partner,
    organization_payload,
)


async def list_names(client, headers, **params) -> list[str]:
    response = await client.get("/counterparts", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [name_of(c) for c in response.json()["data"]]


def name_of(counterpart: dict) -> str:
    if counterpart["type"] == "organization":
        return counterpart["organization"]["legal_name"]
    return f"{counterpart['individual']['first_name']} {counterpart['individual']['last_name']}"


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


class TestCreateCounterpart:
    async def test_unauthenticated(self, client, entity):
        response = await client.post("/counterparts", json=organization_payload(),
                                     headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_organization(self, client, on, db):
        payload = organization_payload(
            "Acme Supplies Ltd", email="ap@acme-supplies.example", phone="+49 30 1234567",
            root={"tax_id": "DE-12345", "language": "de", "reminders_enabled": False, "external_reference": "ERP-7"},
        )
        response = await client.post("/counterparts", json=payload, headers=on)
        assert response.status_code == 201, response.text
        body = response.json()
        assert_shape(body, "CounterpartResponse")
        assert_shape(body["organization"], "CounterpartOrganizationResponse")
        assert body["type"] == "organization"
        assert body["organization"] == {
            "legal_name": "Acme Supplies Ltd", "is_customer": True, "is_vendor": False,
            "email": "ap@acme-supplies.example", "phone": "+49 30 1234567", "tags": [],
        }
        assert (body["tax_id"], body["language"], body["reminders_enabled"], body["external_reference"]) == (
            "DE-12345", "de", False, "ERP-7"
        )
        assert body["created_automatically"] is False
        assert body["created_by_entity_user_id"] is None  # a partner token has no user
        assert body["default_shipping_address_id"] is None

        # The address of the payload became the counterpart's first address and default billing address.
        addresses = (await client.get(f"/counterparts/{body['id']}/addresses", headers=on)).json()["data"]
        assert len(addresses) == 1
        assert addresses[0]["id"] == body["default_billing_address_id"]
        assert {k: addresses[0][k] for k in ("city", "country", "line1", "postal_code")} == {
            k: payload["organization"]["address"][k] for k in ("city", "country", "line1", "postal_code")
        }
        assert event_actions(db, body["id"]) == ["counterpart.created"]
        assert event_actions(db, addresses[0]["id"]) == ["counterpart_address.created"]

        fetched = await client.get(f"/counterparts/{body['id']}", headers=on)
        assert fetched.status_code == 200
        assert fetched.json() == body

    async def test_individual(self, client, on):
        response = await client.post("/counterparts", json=individual_payload(title="Dr."), headers=on)
        assert response.status_code == 201, response.text
        body = response.json()
        assert_shape(body, "CounterpartResponse")
        assert_shape(body["individual"], "CounterpartIndividualResponse")
        assert body["type"] == "individual"
        assert "organization" not in body
        assert body["individual"]["first_name"] == "Ada"
        assert body["individual"]["last_name"] == "Lovelace"
        assert body["individual"]["title"] == "Dr."
        assert (body["individual"]["is_customer"], body["individual"]["is_vendor"]) == (False, True)
        assert body["language"] == "en" and body["reminders_enabled"] is True
        assert body["default_billing_address_id"] is not None

    async def test_defaults_are_monite_defaults(self, client, on):
        body = await create_counterpart(client, on)
        assert body["language"] == "en"
        assert body["reminders_enabled"] is True
        assert body["tax_id"] is None and body["external_reference"] is None

    async def test_created_by_the_calling_user(self, client, partner, entity):
        user = await partner.user_with(entity["id"], counterpart=["create", "read"])
        body = await create_counterpart(client, user.auth)
        assert body["created_by_entity_user_id"] == user.id

    async def test_with_tags(self, client, on):
        tag_b = await create_tag(client, on, "b-tag", category="department")
        tag_a = await create_tag(client, on, "a-tag")
        body = await create_counterpart(client, on, tag_ids=[tag_b["id"], tag_a["id"]])
        tags = body["organization"]["tags"]
        assert {t["id"] for t in tags} == {tag_a["id"], tag_b["id"]}
        for tag in tags:
            assert_shape(tag, "CounterpartTagSchema")
        assert {t["name"]: t["category"] for t in tags} == {"a-tag": None, "b-tag": "department"}
        fetched = (await client.get(f"/counterparts/{body['id']}", headers=on)).json()
        assert [t["name"] for t in fetched["organization"]["tags"]] == ["a-tag", "b-tag"]

    async def test_unknown_tag_is_refused_and_creates_nothing(self, client, on, partner, other_entity):
        foreign = await create_tag(client, partner.on(other_entity["id"]))
        for tag_id in (str(uuid.uuid4()), foreign["id"]):
            response = await client.post("/counterparts", json=organization_payload(tag_ids=[tag_id]), headers=on)
            assert ["body", "tag_ids"] in locs(response)
        assert await list_names(client, on) == []

    @pytest.mark.parametrize(
        ("payload", "loc"),
        [
            (organization_payload(email="not-an-email"), ["body", "organization", "organization", "email"]),
            (organization_payload(address=address_payload(country="XX")),
             ["body", "organization", "organization", "address", "country"]),
            (organization_payload("x" * 256), ["body", "organization", "organization", "legal_name"]),
            (organization_payload(""), ["body", "organization", "organization", "legal_name"]),
            (individual_payload(last_name="y" * 256), ["body", "individual", "individual", "last_name"]),
            ({**organization_payload(), "unknown_field": 1}, ["body", "organization", "unknown_field"]),
            (organization_payload(unknown_field=1), ["body", "organization", "organization", "unknown_field"]),
            (organization_payload(root={"language": "xx"}), ["body", "organization", "language"]),
            ({"type": "organization", "individual": individual_payload()["individual"]},
             ["body", "organization", "organization"]),
            ({"type": "robot", "organization": organization_payload()["organization"]}, ["body"]),
        ],
        ids=["bad-email", "unknown-country", "name-too-long", "empty-name", "last-name-too-long",
             "unknown-root-field", "unknown-party-field", "unknown-language", "part-of-other-type", "unknown-type"],
    )
    async def test_validation(self, client, on, payload, loc):
        response = await client.post("/counterparts", json=payload, headers=on)
        assert loc in locs(response)
        assert await list_names(client, on) == []


class TestGetCounterpart:
    async def test_unknown_id(self, client, on):
        response = await client.get(f"/counterparts/{uuid.uuid4()}", headers=on)
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Counterpart not found"}}

    async def test_malformed_id(self, client, on):
        response = await client.get("/counterparts/not-a-uuid", headers=on)
        assert ["path", "counterpart_id"] in locs(response)


class TestUpdateCounterpart:
    async def test_organization_fields(self, client, on, db):
        counterpart = await create_counterpart(client, on)
        changes = {
            "organization": {"legal_name": "Renamed AG", "is_vendor": True, "email": "new@renamed.example"},
            "tax_id": "T-1", "language": "fr", "reminders_enabled": False, "external_reference": "X-1",
        }
        response = await client.patch(f"/counterparts/{counterpart['id']}", json=changes, headers=on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert_shape(body, "CounterpartResponse")
        assert body["organization"]["legal_name"] == "Renamed AG"
        assert body["organization"]["is_vendor"] is True
        assert body["organization"]["is_customer"] is True  # untouched
        assert body["organization"]["email"] == "new@renamed.example"
        assert (body["tax_id"], body["language"], body["reminders_enabled"], body["external_reference"]) == (
            "T-1", "fr", False, "X-1"
        )
        assert (await client.get(f"/counterparts/{counterpart['id']}", headers=on)).json() == body
        # The list's name filter follows the new name.
        assert await list_names(client, on, counterpart_name="Renamed AG") == ["Renamed AG"]
        assert event_actions(db, counterpart["id"]) == ["counterpart.created", "counterpart.updated"]

    async def test_individual_fields(self, client, on):
        counterpart = await create_counterpart(client, on, payload=individual_payload())
        response = await client.patch(
            f"/counterparts/{counterpart['id']}", json={"individual": {"first_name": "Augusta", "title": "Countess"}},
            headers=on,
        )
        assert response.status_code == 200, response.text
        individual = response.json()["individual"]
        assert (individual["first_name"], individual["last_name"], individual["title"]) == (
            "Augusta", "Lovelace", "Countess"
        )
        assert await list_names(client, on, counterpart_name="Augusta Lovelace") == ["Augusta Lovelace"]

    async def test_tags_are_replaced(self, client, on):
        one, two = await create_tag(client, on, "one"), await create_tag(client, on, "two")
        counterpart = await create_counterpart(client, on, tag_ids=[one["id"]])
        response = await client.patch(
            f"/counterparts/{counterpart['id']}", json={"organization": {"tag_ids": [two["id"]]}}, headers=on
        )
        assert [t["name"] for t in response.json()["organization"]["tags"]] == ["two"]
        response = await client.patch(
            f"/counterparts/{counterpart['id']}", json={"organization": {"tag_ids": []}}, headers=on
        )
        assert response.json()["organization"]["tags"] == []

    async def test_default_addresses(self, client, on):
        counterpart = await create_counterpart(client, on)
        second = await create_address(client, on, counterpart["id"], city="Hamburg", postal_code="20095")
        response = await client.patch(
            f"/counterparts/{counterpart['id']}",
            json={"default_billing_address_id": second["id"], "default_shipping_address_id": second["id"]},
            headers=on,
        )
        assert response.status_code == 200, response.text
        assert response.json()["default_billing_address_id"] == second["id"]
        assert response.json()["default_shipping_address_id"] == second["id"]

    @pytest.mark.parametrize(
        ("changes", "loc"),
        [
            ({"individual": {"first_name": "X"}}, ["body", "individual"]),
            ({"organization": {"legal_name": None}}, ["body", "organization", "legal_name"]),
            ({"organization": {"is_customer": None}}, ["body", "organization", "is_customer"]),
            ({"organization": {"email": "nope"}}, ["body", "organization", "email"]),
            ({"organization": {"legal_name": "z" * 256}}, ["body", "organization", "legal_name"]),
            ({"default_billing_address_id": None}, ["body", "default_billing_address_id"]),
            ({"language": None}, ["body", "language"]),
            ({"organization": {"legal_name": "A"}, "individual": {"first_name": "B"}}, ["body"]),
            ({"name": "x"}, ["body", "name"]),
        ],
        ids=["type-mismatch", "null-legal-name", "null-is-customer", "bad-email", "name-too-long",
             "null-default-billing", "null-language", "both-parts", "unknown-field"],
    )
    async def test_refused_changes_nothing(self, client, on, changes, loc):
        counterpart = await create_counterpart(client, on)
        response = await client.patch(f"/counterparts/{counterpart['id']}", json=changes, headers=on)
        assert loc in locs(response)
        assert (await client.get(f"/counterparts/{counterpart['id']}", headers=on)).json() == counterpart

    async def test_type_mismatch_on_an_individual(self, client, on):
        counterpart = await create_counterpart(client, on, payload=individual_payload())
        response = await client.patch(
            f"/counterparts/{counterpart['id']}", json={"organization": {"legal_name": "X"}}, headers=on
        )
        assert ["body", "organization"] in locs(response)

    async def test_address_of_another_counterpart_is_refused(self, client, on):
        counterpart, other = await create_counterpart(client, on), await create_counterpart(client, on)
        for key in ("default_billing_address_id", "default_shipping_address_id"):
            for address_id in (other["default_billing_address_id"], str(uuid.uuid4())):
                response = await client.patch(f"/counterparts/{counterpart['id']}", json={key: address_id}, headers=on)
                assert ["body", key] in locs(response)
        assert (await client.get(f"/counterparts/{counterpart['id']}", headers=on)).json() == counterpart

    async def test_unknown_tag_changes_nothing(self, client, on):
        tag = await create_tag(client, on)
        counterpart = await create_counterpart(client, on, tag_ids=[tag["id"]])
        response = await client.patch(
            f"/counterparts/{counterpart['id']}",
            json={"organization": {"legal_name": "Changed", "tag_ids": [str(uuid.uuid4())]}}, headers=on,
        )
        assert ["body", "tag_ids"] in locs(response)
        assert (await client.get(f"/counterparts/{counterpart['id']}", headers=on)).json() == counterpart


class TestDeleteCounterpart:
    async def test_soft_delete(self, client, on, db):
        keep = await create_counterpart(client, on, payload=organization_payload("Keep Me"))
        gone = await create_counterpart(client, on, payload=organization_payload("Delete Me"))
        response = await client.delete(f"/counterparts/{gone['id']}", headers=on)
        assert response.status_code == 204
        assert response.content == b""

        assert (await client.get(f"/counterparts/{gone['id']}", headers=on)).status_code == 404
        assert await list_names(client, on) == ["Keep Me"]
        assert await list_names(client, on, id__in=[gone["id"]]) == []
        for path in ("addresses", "bank_accounts", "contacts", "vat_ids", "partner_metadata"):
            assert (await client.get(f"/counterparts/{gone['id']}/{path}", headers=on)).status_code == 404
        assert (await client.patch(f"/counterparts/{gone['id']}", json={}, headers=on)).status_code == 404
        assert (await client.delete(f"/counterparts/{gone['id']}", headers=on)).status_code == 404
        assert event_actions(db, gone["id"]) == ["counterpart.created", "counterpart.delete"]
        assert (await client.get(f"/counterparts/{keep['id']}", headers=on)).status_code == 200

        # The row is kept for the documents that refer to it.
        from sqlalchemy import select

        from remit.counterparts.models import Counterpart

        with db.transaction(write=False) as session:
            row = session.scalars(select(Counterpart).where(Counterpart.id == uuid.UUID(gone["id"]))).one()
            assert row.deleted_at is not None


class TestPartnerMetadata:
    async def test_put_and_get(self, client, on, db):
        counterpart = await create_counterpart(client, on)
        path = f"/counterparts/{counterpart['id']}/partner_metadata"
        assert (await client.get(path, headers=on)).json() == {"metadata": None}
        response = await client.put(path, json={"metadata": {"erp_id": 42, "nested": {"a": [1, 2]}}}, headers=on)
        assert response.status_code == 200
        assert response.json() == {"metadata": {"erp_id": 42, "nested": {"a": [1, 2]}}}
        response = await client.put(path, json={"metadata": {"other": True}}, headers=on)
        assert (await client.get(path, headers=on)).json() == {"metadata": {"other": True}}  # replaced, not merged
        assert event_actions(db, counterpart["id"])[-1] == "counterpart.metadata_update"

    async def test_metadata_is_required(self, client, on):
        counterpart = await create_counterpart(client, on)
        response = await client.put(f"/counterparts/{counterpart['id']}/partner_metadata", json={}, headers=on)
        assert ["body", "metadata"] in locs(response)


# -- lists ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
async def directory(client, db):
    """One entity with three counterparts that differ in every filterable field."""
    partner = await new_partner(client, db)
    entity = await partner.create_entity()
    on = partner.on(entity["id"])
    tag_1, tag_2 = await create_tag(client, on, "t1"), await create_tag(client, on, "t2")
    alpha = await create_counterpart(client, on, payload=organization_payload(
        "Alpha Trading GmbH", email="ap@alpha.example", is_customer=True, is_vendor=False, tag_ids=[tag_1["id"]],
        address=address_payload(country="DE", city="Berlin"), root={"tax_id": "DE-TAX-1"},
    ))
    await create_bank_account(client, on, alpha["id"], iban=IBAN_DE, bic=BIC_DE)
    await create_vat_id(client, on, alpha["id"], value="DE111111111")
    beta = await create_counterpart(client, on, payload=organization_payload(
        "beta logistics", email="Billing@Beta.example", is_customer=False, is_vendor=True, tag_ids=[tag_2["id"]],
        address=address_payload(country="FR", city="Paris", postal_code="75001"),
    ))
    await create_bank_account(client, on, beta["id"], country="GB", currency="GBP", iban=IBAN_GB, bic=None,
                              sort_code="601613", account_number="31926819")
    ada = await create_counterpart(client, on, payload=individual_payload(
        "Ada", "Lovelace", is_customer=True, is_vendor=True,
        address=address_payload(country="GB", city="London", postal_code="EC1A 1BB"),
    ))
    return {"on": on, "partner": partner, "entity": entity, "alpha": alpha, "beta": beta, "ada": ada,
            "tag_1": tag_1, "tag_2": tag_2}


ALPHA, BETA, ADA = "Alpha Trading GmbH", "beta logistics", "Ada Lovelace"


class TestListCounterparts:
    async def test_shape_and_default_order(self, client, directory):
        response = await client.get("/counterparts", headers=directory["on"])
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"data", "next_pagination_token", "prev_pagination_token"}
        assert body["next_pagination_token"] is None and body["prev_pagination_token"] is None
        assert [name_of(c) for c in body["data"]] == [ALPHA, BETA, ADA]  # created_at
        for item in body["data"]:
            assert_shape(item, "CounterpartResponse")

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"type": "individual"}, [ADA]),
            ({"type": "organization"}, [ALPHA, BETA]),
            ({"counterpart_name": "beta logistics"}, [BETA]),
            ({"counterpart_name": "Beta Logistics"}, []),
            ({"counterpart_name__iexact": "ALPHA trading gmbh"}, [ALPHA]),
            ({"counterpart_name__contains": "Trading"}, [ALPHA]),
            ({"counterpart_name__icontains": "LOVE"}, [ADA]),
            ({"counterpart_name__icontains": "a"}, [ALPHA, BETA, ADA]),
            ({"is_vendor": "true"}, [BETA, ADA]),
            ({"is_vendor": "false"}, [ALPHA]),
            ({"is_customer": "false"}, [BETA]),
            ({"is_customer": "true", "is_vendor": "true"}, [ADA]),
            ({"email": "ap@alpha.example"}, [ALPHA]),
            ({"email__contains": "Billing@"}, [BETA]),
            ({"email__icontains": "BETA.EXAMPLE"}, [BETA]),
            ({"iban": IBAN_DE}, [ALPHA]),
            ({"iban": "DE89 3704 0044 0532 0130 00"}, [ALPHA]),
            ({"iban": IBAN_GB}, [BETA]),
            ({"account_number": "31926819"}, [BETA]),
            ({"sort_code": "601613"}, [BETA]),
            ({"sort_code": "000000"}, []),
            ({"vat_id": "DE111111111"}, [ALPHA]),
            ({"tax_id": "DE-TAX-1"}, [ALPHA]),
            ({"address.country": "FR"}, [BETA]),
            ({"address.country": "GB"}, [ADA]),
            ({"address.city": "London"}, [ADA]),
            ({"address.postal_code": "75001"}, [BETA]),
            ({"address.line1": "Unter den Linden 1", "is_vendor": "false"}, [ALPHA]),
            ({"address.city": "Berlin", "type": "individual"}, []),
        ],
        ids=lambda v: str(v) if not isinstance(v, dict) else "&".join(f"{k}={v[k]}" for k in v),
    )
    async def test_filter(self, client, directory, params, expected):
        assert await list_names(client, directory["on"], **params) == expected

    async def test_contains_is_case_sensitive_on_every_backend(self, client, directory):
        on = directory["on"]
        assert await list_names(client, on, counterpart_name__contains="trading") == []
        assert await list_names(client, on, counterpart_name__contains="Trading") == [ALPHA]
        assert await list_names(client, on, email__contains="billing") == []
        assert await list_names(client, on, email__contains="Billing") == [BETA]

    async def test_id_and_tag_filters(self, client, directory):
        on = directory["on"]
        ids = [directory["alpha"]["id"], directory["ada"]["id"]]
        assert await list_names(client, on, id__in=ids) == [ALPHA, ADA]
        assert await list_names(client, on, id__in=[str(uuid.uuid4())]) == []
        assert await list_names(client, on, tag_ids__in=[directory["tag_2"]["id"]]) == [BETA]
        tags = [directory["tag_1"]["id"], directory["tag_2"]["id"]]
        assert await list_names(client, on, tag_ids__in=tags) == [ALPHA, BETA]

    async def test_created_at_ranges(self, client, directory):
        on = directory["on"]
        middle = directory["beta"]["created_at"]
        assert await list_names(client, on, created_at__gte=middle) == [BETA, ADA]
        assert await list_names(client, on, created_at__gt=middle) == [ADA]
        assert await list_names(client, on, created_at__lt=middle) == [ALPHA]
        assert await list_names(client, on, created_at__lte=middle) == [ALPHA, BETA]
        assert await list_names(client, on, created_at__gt=middle, created_at__lt=directory["ada"]["created_at"]) == []

    async def test_sort_by_name(self, client, directory):
        on = directory["on"]
        assert await list_names(client, on, sort="counterpart_name") == [ADA, ALPHA, BETA]
        assert await list_names(client, on, sort="counterpart_name", order="asc") == [ADA, ALPHA, BETA]
        assert await list_names(client, on, sort="counterpart_name", order="desc") == [BETA, ALPHA, ADA]

    @pytest.mark.parametrize(
        "params",
        [{"sort": "created_at"}, {"sort": "name"}, {"order": "up"}, {"limit": 0}, {"limit": 101},
         {"type": "robot"}, {"is_vendor": "maybe"}, {"id__in": "nope"}, {"created_at__gt": "yesterday"}],
    )
    async def test_bad_query(self, client, directory, params):
        response = await client.get("/counterparts", params=params, headers=directory["on"])
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"][0] == "query"


class TestPagination:
    async def test_pages_with_a_filter(self, client, on):
        names = ["c-one", "a-two", "e-three", "b-four", "d-five", "f-not-a-vendor"]
        for name in names:
            await create_counterpart(client, on, payload=organization_payload(name, is_vendor=name != "f-not-a-vendor"))

        async def page(**params):
            response = await client.get("/counterparts", params=params, headers=on)
            assert response.status_code == 200, response.text
            body = response.json()
            return [name_of(c) for c in body["data"]], body["prev_pagination_token"], body["next_pagination_token"]

        first, prev, next_ = await page(is_vendor="true", sort="counterpart_name", limit=2)
        assert first == ["a-two", "b-four"]
        assert prev is None and next_ is not None
        second, prev_2, next_2 = await page(pagination_token=next_)
        assert second == ["c-one", "d-five"]
        assert prev_2 is not None and next_2 is not None
        third, prev_3, next_3 = await page(pagination_token=next_2)
        assert third == ["e-three"]
        assert next_3 is None and prev_3 is not None

        back, prev_b, next_b = await page(pagination_token=prev_3)
        assert back == ["c-one", "d-five"]
        assert prev_b is not None and next_b is not None
        start, prev_s, next_s = await page(pagination_token=prev_b)
        assert start == ["a-two", "b-four"]
        assert prev_s is None and next_s is not None

        # With a token, the token's own query wins over parameters sent next to it.
        again, _, _ = await page(pagination_token=next_, is_vendor="false", sort="counterpart_name", order="desc",
                                 limit=100, type="individual")
        assert again == second

    async def test_descending_pages(self, client, on):
        for name in ("a", "b", "c"):
            await create_counterpart(client, on, payload=organization_payload(name))
        response = await client.get("/counterparts", params={"sort": "counterpart_name", "order": "desc", "limit": 2},
                                    headers=on)
        body = response.json()
        assert [name_of(c) for c in body["data"]] == ["c", "b"]
        response = await client.get("/counterparts", params={"pagination_token": body["next_pagination_token"]},
                                    headers=on)
        assert [name_of(c) for c in response.json()["data"]] == ["a"]
        assert response.json()["next_pagination_token"] is None

    async def test_bad_tokens(self, client, partner, entity, other_entity, on):
        for _ in range(2):
            await create_counterpart(client, on)
        token = (await client.get("/counterparts", params={"limit": 1}, headers=on)).json()["next_pagination_token"]
        response = await client.get("/counterparts", params={"pagination_token": "garbage"}, headers=on)
        assert response.status_code == 400
        assert error_message(response) == "Invalid pagination token"
        response = await client.get("/tags", params={"pagination_token": token}, headers=on)
        assert response.status_code == 400  # a token of another endpoint
        response = await client.get("/counterparts", params={"pagination_token": token},
                                    headers=partner.on(other_entity["id"]))
        assert response.status_code == 400  # a token of another entity


# -- permissions and tenancy ---------------------------------------------------------------


class TestPermissions:
    @pytest.mark.parametrize(
        ("method", "path", "action"),
        [
            ("GET", "/counterparts", "read"),
            ("POST", "/counterparts", "create"),
            ("GET", "/counterparts/{id}", "read"),
            ("PATCH", "/counterparts/{id}", "update"),
            ("DELETE", "/counterparts/{id}", "delete"),
            ("GET", "/counterparts/{id}/partner_metadata", "read"),
            ("PUT", "/counterparts/{id}/partner_metadata", "update"),
        ],
    )
    async def test_without_permission(self, client, partner, entity, on, method, path, action):
        counterpart = await create_counterpart(client, on)
        granted = [a for a in ALL_CRUD if a != action]
        user = await partner.user_with(entity["id"], counterpart=granted, counterpart_vat_id=ALL_CRUD)
        body = {"PATCH": {"tax_id": "X"}, "PUT": {"metadata": {}}, "POST": organization_payload()}.get(method)
        response = await client.request(method, path.format(id=counterpart["id"]), json=body, headers=user.auth)
        assert response.status_code == 403, response.text
        assert response.json() == {"error": {"message": f"Action {action} for counterpart not allowed"}}
        assert (await client.get(f"/counterparts/{counterpart['id']}", headers=on)).json() == counterpart
        assert len((await client.get("/counterparts", headers=on)).json()["data"]) == 1

    async def test_allowed_for_own(self, client, partner, entity, on):
        own = {"create": "allowed", "read": "allowed_for_own", "update": "allowed_for_own",
               "delete": "allowed_for_own"}
        user = await partner.user_with(entity["id"], counterpart=own)
        mine = await create_counterpart(client, user.auth, payload=organization_payload("Mine"))
        theirs = await create_counterpart(client, on, payload=organization_payload("Theirs"))

        assert await list_names(client, user.auth) == ["Mine"]
        assert await list_names(client, user.auth, id__in=[theirs["id"]]) == []
        assert await list_names(client, on) == ["Mine", "Theirs"]

        assert (await client.get(f"/counterparts/{mine['id']}", headers=user.auth)).status_code == 200
        for method, action, body in (("GET", "read", None), ("PATCH", "update", {"tax_id": "X"}),
                                     ("DELETE", "delete", None)):
            response = await client.request(method, f"/counterparts/{theirs['id']}", json=body, headers=user.auth)
            assert response.status_code == 403
            assert error_message(response) == f"Action {action} for counterpart not allowed"
        response = await client.get(f"/counterparts/{theirs['id']}/addresses", headers=user.auth)
        assert response.status_code == 403
        assert (await client.patch(f"/counterparts/{mine['id']}", json={"tax_id": "X"},
                                   headers=user.auth)).status_code == 200
        assert (await client.delete(f"/counterparts/{mine['id']}", headers=user.auth)).status_code == 204
        assert (await client.get(f"/counterparts/{theirs['id']}", headers=on)).json() == theirs

    async def test_user_with_full_permission(self, client, partner, entity, on):
        user = await partner.user_with(entity["id"], counterpart=ALL_CRUD)
        theirs = await create_counterpart(client, on)
        assert (await client.get(f"/counterparts/{theirs['id']}", headers=user.auth)).status_code == 200
        assert len((await client.get("/counterparts", headers=user.auth)).json()["data"]) == 1


@pytest.fixture
async def other_user(partner, other_entity):
    """A user of the other entity allowed everything on master data."""
    return await partner.user_with(
        other_entity["id"], counterpart=ALL_CRUD, counterpart_vat_id=ALL_CRUD, product=ALL_CRUD, tag=ALL_CRUD,
        entity=["read", "update"],
    )


class TestTenancy:
    @pytest.mark.parametrize("template", ["/v1/counterparts/{counterpart_id}",
                                          "/v1/counterparts/{counterpart_id}/partner_metadata"])
    async def test_other_entity_gets_404(self, app, client, partner, entity, other_entity, other_user, template):
        await assert_isolated(app, client, partner, template, entity["id"], other_entity["id"], other_user)

    async def test_list_shows_only_the_entity(self, client, partner, entity, other_entity, on):
        await create_counterpart(client, on, payload=organization_payload("Ours"))
        await create_counterpart(client, partner.on(other_entity["id"]), payload=organization_payload("Theirs"))
        assert await list_names(client, on) == ["Ours"]
        assert await list_names(client, partner.on(other_entity["id"])) == ["Theirs"]
