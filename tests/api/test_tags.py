"""Tags (docs/master-data.md, "Tags"): names unique per entity (case-sensitive, 400 on a duplicate),
list filters and pages, permissions on `tag` with `allowed_for_own` by creator, tenancy."""

from __future__ import annotations

import uuid

import pytest

from tests.fixtures.entities import ALL_CRUD
from tests.fixtures.masterdata import (
    assert_isolated,
    assert_shape,
    create_counterpart,
    create_tag,
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


async def tag_names(client, headers, **params) -> list[str]:
    response = await client.get("/tags", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [t["name"] for t in response.json()["data"]]


def duplicate(name: str) -> dict:
    return {"error": {"message": f"Tag with name '{name}' already exists"}}


class TestCreateTag:
    async def test_unauthenticated(self, client, entity):
        response = await client.post("/tags", json={"name": "x"}, headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401

    async def test_create(self, client, on, db):
        response = await client.post("/tags", json={"name": "Marketing", "category": "department",
                                                    "description": "Costs of the marketing team"}, headers=on)
        assert response.status_code == 201, response.text
        tag = response.json()
        assert_shape(tag, "TagReadSchema")
        assert (tag["name"], tag["category"], tag["description"]) == (
            "Marketing", "department", "Costs of the marketing team"
        )
        assert tag["created_by_entity_user_id"] is None
        assert (await client.get(f"/tags/{tag['id']}", headers=on)).json() == tag
        assert event_actions(db, tag["id"]) == ["tag.created"]

    async def test_created_by_the_calling_user(self, client, partner, entity):
        user = await partner.user_with(entity["id"], tag=["create", "read"])
        tag = await create_tag(client, user.auth, "mine")
        assert tag["created_by_entity_user_id"] == user.id

    async def test_duplicate_name(self, client, on):
        await create_tag(client, on, "Marketing")
        response = await client.post("/tags", json={"name": "Marketing", "category": "project"}, headers=on)
        assert response.status_code == 400
        assert response.json() == duplicate("Marketing")
        assert await tag_names(client, on) == ["Marketing"]

    async def test_names_are_case_sensitive(self, client, on):
        await create_tag(client, on, "Marketing")
        await create_tag(client, on, "marketing")
        assert sorted(await tag_names(client, on)) == ["Marketing", "marketing"]

    async def test_same_name_in_another_entity(self, client, on, partner, other_entity):
        await create_tag(client, on, "Shared")
        await create_tag(client, partner.on(other_entity["id"]), "Shared")

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"name": "n" * 256}, ["body", "name"]),
            ({"name": ""}, ["body", "name"]),
            ({}, ["body", "name"]),
            ({"name": "x", "category": "colour"}, ["body", "category"]),
            ({"name": "x", "description": ""}, ["body", "description"]),
            ({"name": "x", "description": "d" * 256}, ["body", "description"]),
            ({"name": "x", "colour": "red"}, ["body", "colour"]),
        ],
        ids=["name-too-long", "empty-name", "no-name", "unknown-category", "empty-description",
             "description-too-long", "unknown-field"],
    )
    async def test_validation_changes_nothing(self, client, on, body, loc):
        assert loc in locs(await client.post("/tags", json=body, headers=on))
        assert await tag_names(client, on) == []


class TestUpdateTag:
    async def test_update(self, client, on, db):
        tag = await create_tag(client, on, "Old", category="project")
        response = await client.patch(f"/tags/{tag['id']}", json={"name": "New", "description": "Renamed"},
                                      headers=on)
        assert response.status_code == 200, response.text
        body = response.json()
        assert_shape(body, "TagReadSchema")
        assert (body["name"], body["description"], body["category"]) == ("New", "Renamed", "project")
        assert body["updated_at"] >= tag["updated_at"]
        assert (await client.get(f"/tags/{tag['id']}", headers=on)).json() == body
        assert event_actions(db, tag["id"]) == ["tag.created", "tag.updated"]

    async def test_rename_to_an_existing_name(self, client, on):
        await create_tag(client, on, "Taken")
        tag = await create_tag(client, on, "Mine")
        response = await client.patch(f"/tags/{tag['id']}", json={"name": "Taken"}, headers=on)
        assert response.status_code == 400
        assert response.json() == duplicate("Taken")
        assert (await client.get(f"/tags/{tag['id']}", headers=on)).json() == tag

    async def test_keeping_its_own_name(self, client, on):
        tag = await create_tag(client, on, "Same")
        response = await client.patch(f"/tags/{tag['id']}", json={"name": "Same", "category": "cost_center"},
                                      headers=on)
        assert response.status_code == 200
        assert response.json()["category"] == "cost_center"

    @pytest.mark.parametrize(
        ("body", "loc"),
        [({"name": None}, ["body", "name"]), ({"name": ""}, ["body", "name"]),
         ({"category": "x"}, ["body", "category"]), ({"id": str(uuid.uuid4())}, ["body", "id"])],
    )
    async def test_validation_changes_nothing(self, client, on, body, loc):
        tag = await create_tag(client, on, "Stable")
        assert loc in locs(await client.patch(f"/tags/{tag['id']}", json=body, headers=on))
        assert (await client.get(f"/tags/{tag['id']}", headers=on)).json() == tag


class TestDeleteTag:
    async def test_delete(self, client, on, db):
        tag = await create_tag(client, on, "Gone")
        response = await client.delete(f"/tags/{tag['id']}", headers=on)
        assert response.status_code == 204
        response = await client.get(f"/tags/{tag['id']}", headers=on)
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Tag not found"}}
        assert await tag_names(client, on) == []
        assert (await client.delete(f"/tags/{tag['id']}", headers=on)).status_code == 404
        assert event_actions(db, tag["id"]) == ["tag.created", "tag.deleted"]
        # The name is free again.
        await create_tag(client, on, "Gone")

    async def test_deleted_tag_leaves_counterparts(self, client, on):
        keep, gone = await create_tag(client, on, "keep"), await create_tag(client, on, "gone")
        counterpart = await create_counterpart(client, on, tag_ids=[keep["id"], gone["id"]])
        assert (await client.delete(f"/tags/{gone['id']}", headers=on)).status_code == 204
        fetched = (await client.get(f"/counterparts/{counterpart['id']}", headers=on)).json()
        assert [t["name"] for t in fetched["organization"]["tags"]] == ["keep"]


class TestListTags:
    async def test_filters_and_sort(self, client, partner, entity, on):
        user = await partner.user_with(entity["id"], tag=["create", "read"])
        a = await create_tag(client, on, "a")
        b = await create_tag(client, user.auth, "b")
        c = await create_tag(client, on, "c")
        response = await client.get("/tags", headers=on)
        body = response.json()
        assert set(body) == {"data", "next_pagination_token", "prev_pagination_token"}
        for item in body["data"]:
            assert_shape(item, "TagReadSchema")
        assert [t["name"] for t in body["data"]] == ["a", "b", "c"]
        assert await tag_names(client, on, order="desc") == ["c", "b", "a"]
        assert await tag_names(client, on, sort="created_at", order="desc") == ["c", "b", "a"]
        assert await tag_names(client, on, created_by_entity_user_id=user.id) == ["b"]
        assert await tag_names(client, on, name__in=["a", "c", "zzz"]) == ["a", "c"]
        assert await tag_names(client, on, name__in=["A"]) == []
        assert await tag_names(client, on, id__in=[b["id"], c["id"]]) == ["b", "c"]

        await client.patch(f"/tags/{a['id']}", json={"description": "touched"}, headers=on)
        assert await tag_names(client, on, sort="updated_at") == ["b", "c", "a"]

    async def test_pages(self, client, on):
        for name in "abcde":
            await create_tag(client, on, name)
        response = await client.get("/tags", params={"limit": 2, "name__in": list("abde")}, headers=on)
        body = response.json()
        assert [t["name"] for t in body["data"]] == ["a", "b"]
        assert body["prev_pagination_token"] is None
        response = await client.get("/tags", params={"pagination_token": body["next_pagination_token"],
                                                     "name__in": ["c"]}, headers=on)
        body = response.json()
        assert [t["name"] for t in body["data"]] == ["d", "e"]
        assert body["next_pagination_token"] is None
        response = await client.get("/tags", params={"pagination_token": body["prev_pagination_token"]}, headers=on)
        assert [t["name"] for t in response.json()["data"]] == ["a", "b"]
        assert response.json()["prev_pagination_token"] is None

    @pytest.mark.parametrize("params", [{"sort": "name"}, {"limit": 101}, {"id__in": "x"},
                                        {"created_by_entity_user_id": "me"}])
    async def test_bad_query(self, client, on, params):
        response = await client.get("/tags", params=params, headers=on)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][0] == "query"


class TestPermissions:
    @pytest.mark.parametrize(
        ("method", "item", "action"),
        [("GET", False, "read"), ("POST", False, "create"), ("GET", True, "read"), ("PATCH", True, "update"),
         ("DELETE", True, "delete")],
    )
    async def test_without_permission(self, client, partner, entity, on, method, item, action):
        tag = await create_tag(client, on, "existing")
        user = await partner.user_with(entity["id"], tag=[a for a in ALL_CRUD if a != action], counterpart=ALL_CRUD)
        path = f"/tags/{tag['id']}" if item else "/tags"
        body = {"name": "new"} if method in ("POST", "PATCH") else None
        response = await client.request(method, path, json=body, headers=user.auth)
        assert response.status_code == 403, response.text
        assert response.json() == {"error": {"message": f"Action {action} for tag not allowed"}}
        assert await tag_names(client, on) == ["existing"]

    async def test_allowed_for_own(self, client, partner, entity, on):
        own = {"create": "allowed", "read": "allowed_for_own", "update": "allowed_for_own",
               "delete": "allowed_for_own"}
        user = await partner.user_with(entity["id"], tag=own)
        mine = await create_tag(client, user.auth, "mine")
        theirs = await create_tag(client, on, "theirs")
        assert await tag_names(client, user.auth) == ["mine"]
        assert await tag_names(client, user.auth, id__in=[theirs["id"]]) == []
        assert await tag_names(client, user.auth, created_by_entity_user_id=str(uuid.uuid4())) == []
        assert await tag_names(client, on) == ["mine", "theirs"]
        for method, action in (("GET", "read"), ("PATCH", "update"), ("DELETE", "delete")):
            body = {"name": "hijacked"} if method == "PATCH" else None
            response = await client.request(method, f"/tags/{theirs['id']}", json=body, headers=user.auth)
            assert response.status_code == 403
            assert error_message(response) == f"Action {action} for tag not allowed"
        assert (await client.patch(f"/tags/{mine['id']}", json={"name": "still mine"},
                                   headers=user.auth)).status_code == 200
        assert (await client.delete(f"/tags/{mine['id']}", headers=user.auth)).status_code == 204
        assert await tag_names(client, on) == ["theirs"]


class TestTenancy:
    async def test_other_entity_gets_404(self, app, client, partner, entity, other_entity):
        other_user = await partner.user_with(other_entity["id"], tag=ALL_CRUD)
        await assert_isolated(app, client, partner, "/v1/tags/{tag_id}", entity["id"], other_entity["id"], other_user)

    async def test_list_and_filters_stay_in_the_entity(self, client, partner, entity, other_entity, on):
        foreign = await create_tag(client, partner.on(other_entity["id"]), "foreign")
        await create_tag(client, on, "ours")
        assert await tag_names(client, on) == ["ours"]
        assert await tag_names(client, on, id__in=[foreign["id"]]) == []
        # A foreign tag cannot be attached to a counterpart.
        response = await client.post("/counterparts", json={
            "type": "organization",
            "organization": {"legal_name": "X", "is_customer": True, "is_vendor": False, "tag_ids": [foreign["id"]],
                             "address": {"city": "B", "country": "DE", "line1": "L", "postal_code": "1"}},
        }, headers=on)
        assert ["body", "tag_ids"] in locs(response)
