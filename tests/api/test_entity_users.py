"""Entity users (docs/auth-entities.md, "Entity users and roles"): CRUD, soft delete, default role,
privilege escalation, allowed_for_own, /me, filters and pagination."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.fixtures.entities import ALL_CRUD, Partner, new_partner, permissions
from tests.fixtures.responses import assert_error, ids, locs

USER_KEYS = {
    "id", "created_at", "updated_at", "login", "first_name", "last_name", "email", "phone", "role_id", "status",
    "userpic_file_id",
}  # fmt: skip


@pytest.fixture(scope="module")
async def partner(client, db) -> Partner:
    """One partner for the module; every test works in entities of its own."""
    return await new_partner(client, db)


def login() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"


async def default_role_id(client, partner, entity) -> str:
    response = await client.get("/roles", params={"name": "Default"}, headers=partner.on(entity["id"]))
    [role] = response.json()["data"]
    return role["id"]


class TestCreateEntityUser:
    async def test_unauthenticated(self, client, entity):
        response = await client.post("/entity_users", json={"login": login(), "first_name": "A"})
        assert_error(response, 401)

    async def test_partner_without_entity_header(self, client, partner):
        response = await client.post("/entity_users", json={"login": login(), "first_name": "A"}, headers=partner.auth)
        assert locs(response) == [["header", "x-monite-entity-id"]]

    async def test_partner_with_malformed_entity_header(self, client, partner):
        headers = {**partner.auth, "x-monite-entity-id": "not-a-uuid"}
        response = await client.post("/entity_users", json={"login": login(), "first_name": "A"}, headers=headers)
        assert locs(response) == [["header", "x-monite-entity-id"]]

    async def test_create(self, client, partner, entity):
        role = await partner.create_role(entity["id"], permissions(tag=["read"]))
        body = {
            "login": "casey.p",
            "first_name": "Casey",
            "last_name": "Peters",
            "email": "casey@acme.example",
            "phone": "+4930123456",
            "title": "Finance Manager",
            "role_id": role["id"],
        }
        response = await client.post("/entity_users", json=body, headers=partner.on(entity["id"]))
        assert response.status_code == 200, response.text
        user = response.json()
        assert set(user) == USER_KEYS
        assert {k: user[k] for k in ("login", "first_name", "last_name", "email", "phone", "role_id")} == {
            k: body[k] for k in ("login", "first_name", "last_name", "email", "phone", "role_id")
        }
        assert user["status"] == "active"
        assert user["userpic_file_id"] is None
        assert (await client.get(f"/entity_users/{user['id']}", headers=partner.on(entity["id"]))).json() == user

    async def test_default_role_when_role_id_is_omitted(self, client, partner, entity):
        response = await client.post(
            "/entity_users", json={"login": login(), "first_name": "A"}, headers=partner.on(entity["id"])
        )
        assert response.status_code == 200
        assert response.json()["role_id"] == await default_role_id(client, partner, entity)
        assert response.json()["last_name"] is None

    async def test_default_role_when_role_id_is_null(self, client, partner, entity):
        body = {"login": login(), "first_name": "A", "role_id": None}
        response = await client.post("/entity_users", json=body, headers=partner.on(entity["id"]))
        assert response.status_code == 200
        assert response.json()["role_id"] == await default_role_id(client, partner, entity)

    async def test_duplicate_login(self, client, partner, entity):
        await partner.create_user(entity["id"], login="dupe")
        response = await client.post("/entity_users", json={"login": "dupe", "first_name": "B"}, headers=partner.on(entity["id"]))
        assert_error(response, 400, "Entity user with login 'dupe' already exists")

    async def test_same_login_in_another_entity(self, client, partner, entity, other_entity):
        await partner.create_user(entity["id"], login="shared")
        response = await client.post(
            "/entity_users", json={"login": "shared", "first_name": "B"}, headers=partner.on(other_entity["id"])
        )
        assert response.status_code == 200

    async def test_login_of_a_deleted_user_is_free(self, client, partner, entity):
        old = await partner.create_user(entity["id"], login="reused")
        await client.delete(f"/entity_users/{old.id}", headers=partner.on(entity["id"]))
        response = await client.post("/entity_users", json={"login": "reused", "first_name": "B"}, headers=partner.on(entity["id"]))
        assert response.status_code == 200
        assert response.json()["id"] != old.id

    async def test_role_of_another_entity(self, client, partner, entity, other_entity):
        foreign = await partner.create_role(other_entity["id"], {"objects": []})
        body = {"login": login(), "first_name": "A", "role_id": foreign["id"]}
        response = await client.post("/entity_users", json=body, headers=partner.on(entity["id"]))
        assert locs(response) == [["body", "role_id"]]

    async def test_unknown_role(self, client, partner, entity):
        body = {"login": login(), "first_name": "A", "role_id": str(uuid.uuid4())}
        response = await client.post("/entity_users", json=body, headers=partner.on(entity["id"]))
        assert locs(response) == [["body", "role_id"]]

    @pytest.mark.parametrize(
        ("change", "loc"),
        [
            ({"login": None}, ["body", "login"]),
            ({"first_name": None}, ["body", "first_name"]),
            ({"login": "x" * 256}, ["body", "login"]),
            ({"first_name": "x" * 256}, ["body", "first_name"]),
            ({"email": "not-mail"}, ["body", "email"]),
            ({"role_id": "not-a-uuid"}, ["body", "role_id"]),
            ({"status": "deleted"}, ["body", "status"]),
            ({"password": "secret"}, ["body", "password"]),
        ],
    )
    async def test_invalid(self, client, partner, entity, change, loc):
        body = {"login": login(), "first_name": "A"} | change
        response = await client.post("/entity_users", json=body, headers=partner.on(entity["id"]))
        assert loc in locs(response)

    @pytest.mark.parametrize("missing", ["login", "first_name"])
    async def test_required(self, client, partner, entity, missing):
        body = {"login": login(), "first_name": "A"}
        del body[missing]
        response = await client.post("/entity_users", json=body, headers=partner.on(entity["id"]))
        assert locs(response) == [["body", missing]]


class TestPrivilegeEscalation:
    async def test_cannot_assign_a_more_powerful_role(self, client, partner, entity):
        creator = await partner.user_with(entity["id"], entity_user=["create"])
        powerful = await partner.create_role(entity["id"], permissions(entity_user=["create"], role=ALL_CRUD))
        body = {"login": login(), "first_name": "A", "role_id": powerful["id"]}
        response = await client.post("/entity_users", json=body, headers=creator.auth)
        assert_error(response, 403)
        listed = await client.get("/entity_users", params={"login": body["login"]}, headers=partner.on(entity["id"]))
        assert listed.json()["data"] == []

    async def test_allowed_for_own_is_weaker_than_allowed(self, client, partner, entity):
        creator = await partner.user_with(entity["id"], entity_user={"create": "allowed", "read": "allowed_for_own"})
        stronger = await partner.create_role(entity["id"], permissions(entity_user={"read": "allowed"}))
        weaker = await partner.create_role(entity["id"], permissions(entity_user={"read": "allowed_for_own"}))
        body = {"login": login(), "first_name": "A"}
        assert_error(await client.post("/entity_users", json=body | {"role_id": stronger["id"]}, headers=creator.auth), 403)
        response = await client.post("/entity_users", json=body | {"role_id": weaker["id"]}, headers=creator.auth)
        assert response.status_code == 200

    async def test_can_assign_an_equal_or_weaker_role(self, client, partner, entity):
        creator = await partner.user_with(entity["id"], entity_user=["create"], tag=ALL_CRUD)
        for perms in (permissions(entity_user=["create"], tag=ALL_CRUD), permissions(tag=["read"]), {"objects": []}):
            role = await partner.create_role(entity["id"], perms)
            body = {"login": login(), "first_name": "A", "role_id": role["id"]}
            response = await client.post("/entity_users", json=body, headers=creator.auth)
            assert response.status_code == 200, response.text
            assert response.json()["role_id"] == role["id"]

    async def test_own_role_and_default_role(self, client, partner, entity):
        creator = await partner.user_with(entity["id"], entity_user=["create"])
        body = {"login": login(), "first_name": "A", "role_id": creator.data["role_id"]}
        assert (await client.post("/entity_users", json=body, headers=creator.auth)).status_code == 200
        response = await client.post("/entity_users", json={"login": login(), "first_name": "B"}, headers=creator.auth)
        assert response.status_code == 200
        assert response.json()["role_id"] == await default_role_id(client, partner, entity)

    async def test_cannot_upgrade_another_user(self, client, partner, entity):
        manager = await partner.user_with(entity["id"], entity_user=["read", "update"])
        target = await partner.create_user(entity["id"])
        powerful = await partner.create_role(entity["id"], permissions(entity_user=ALL_CRUD))
        response = await client.patch(f"/entity_users/{target.id}", json={"role_id": powerful["id"]}, headers=manager.auth)
        assert_error(response, 403)
        after = await client.get(f"/entity_users/{target.id}", headers=partner.on(entity["id"]))
        assert after.json()["role_id"] == target.data["role_id"]

    async def test_cannot_upgrade_itself(self, client, partner, entity):
        user = await partner.user_with(entity["id"], entity_user={"read": "allowed_for_own", "update": "allowed_for_own"})
        powerful = await partner.create_role(entity["id"], permissions(entity_user=ALL_CRUD))
        response = await client.patch(f"/entity_users/{user.id}", json={"role_id": powerful["id"]}, headers=user.auth)
        assert_error(response, 403)
        assert (await client.get("/entity_users/me", headers=user.auth)).json()["role_id"] == user.data["role_id"]

    async def test_partner_can_assign_any_role(self, client, partner, entity):
        powerful = await partner.create_role(entity["id"], permissions(entity_user=ALL_CRUD, role=ALL_CRUD))
        user = await partner.create_user(entity["id"], powerful["id"])
        assert user.data["role_id"] == powerful["id"]


class TestListEntityUsers:
    @pytest.fixture
    async def people(self, client, partner, entity) -> dict[str, Any]:
        """Five users in creation order, two roles, one more user deleted."""
        reader = await partner.create_role(entity["id"], permissions(tag=["read"]), name="Reader")
        writer = await partner.create_role(entity["id"], permissions(tag=ALL_CRUD), name="Writer")
        specs = [
            ("anna", "Anna", "Schmidt", reader),
            ("ben", "Ben", "Annenberg", reader),
            ("carla", "carla", "Meyer", writer),
            ("dan", "Dan", "Brown", writer),
            ("eve", "Eve", None, None),
        ]
        users = []
        for user_login, first, last, role in specs:
            body = {"login": user_login, "first_name": first, "last_name": last}
            users.append(await partner.create_user(entity["id"], role["id"] if role else None, **body))
        gone = await partner.create_user(entity["id"], reader["id"], login="gone", first_name="Anton")
        assert (await client.delete(f"/entity_users/{gone.id}", headers=partner.on(entity["id"]))).status_code == 204
        return {"ids": [u.id for u in users], "users": users, "reader": reader, "writer": writer, "gone": gone}

    async def get(self, client, partner, entity, **params):
        return await client.get("/entity_users", params=params, headers=partner.on(entity["id"]))

    async def test_list(self, client, partner, entity, people, other_entity):
        await partner.create_user(other_entity["id"])
        response = await self.get(client, partner, entity)
        assert ids(response) == people["ids"]
        assert response.json()["next_pagination_token"] is None
        assert response.json()["prev_pagination_token"] is None
        assert [u["status"] for u in response.json()["data"]] == ["active"] * 5
        assert all(set(u) == USER_KEYS for u in response.json()["data"])

    async def test_deleted_only_on_request(self, client, partner, entity, people):
        response = await self.get(client, partner, entity, status="deleted")
        assert ids(response) == [people["gone"].id]
        assert response.json()["data"][0]["status"] == "deleted"
        assert ids(await self.get(client, partner, entity, status="active")) == people["ids"]

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"login": "carla"}, [2]),
            ({"login": "Carla"}, []),
            ({"first_name": "Dan"}, [3]),
            ({"name__istartswith": "an"}, [0, 1]),  # Anna (first name), Annenberg (last name); not the deleted Anton
            ({"name__istartswith": "CARL"}, [2]),
            ({"name__istartswith": "b"}, [1, 3]),
            ({"name__istartswith": "%"}, []),
            ({"name__istartswith": "zz"}, []),
        ],
    )
    async def test_filters(self, client, partner, entity, people, params, expected):
        assert ids(await self.get(client, partner, entity, **params)) == [people["ids"][i] for i in expected]

    async def test_role_filters(self, client, partner, entity, people):
        u = people["ids"]
        reader, writer = people["reader"]["id"], people["writer"]["id"]
        assert ids(await self.get(client, partner, entity, role_id=reader)) == u[0:2]
        assert ids(await self.get(client, partner, entity, role_id__in=[writer])) == u[2:4]
        assert ids(await self.get(client, partner, entity, role_id__in=[reader, writer])) == u[0:4]
        assert ids(await self.get(client, partner, entity, role_id=str(uuid.uuid4()))) == []

    async def test_id_filters(self, client, partner, entity, people):
        u = people["ids"]
        assert ids(await self.get(client, partner, entity, id__in=[u[3], u[0]])) == [u[0], u[3]]
        assert ids(await self.get(client, partner, entity, id__not_in=[u[0], u[4]])) == u[1:4]
        assert ids(await self.get(client, partner, entity, id__in=[people["gone"].id])) == []

    async def test_created_at_filters(self, client, partner, entity, people):
        u = people["ids"]
        created = [x.data["created_at"] for x in people["users"]]
        assert ids(await self.get(client, partner, entity, created_at__gt=created[2])) == u[3:]
        assert ids(await self.get(client, partner, entity, created_at__gte=created[2])) == u[2:]
        assert ids(await self.get(client, partner, entity, created_at__lt=created[1])) == u[:1]
        assert ids(await self.get(client, partner, entity, created_at__lte=created[1])) == u[:2]

    async def test_sort_by_updated_at(self, client, partner, entity, people):
        u = people["ids"]
        await client.patch(f"/entity_users/{u[1]}", json={"title": "Boss"}, headers=partner.on(entity["id"]))
        assert ids(await self.get(client, partner, entity, sort="updated_at")) == [u[0], u[2], u[3], u[4], u[1]]
        assert ids(await self.get(client, partner, entity, sort="updated_at", order="desc")) == [u[1], u[4], u[3], u[2], u[0]]

    async def test_pages(self, client, partner, entity, people):
        u = people["ids"]
        first = await self.get(client, partner, entity, limit=2)
        assert ids(first) == u[0:2]
        assert first.json()["prev_pagination_token"] is None
        second = await self.get(client, partner, entity, pagination_token=first.json()["next_pagination_token"])
        assert ids(second) == u[2:4]
        third = await self.get(client, partner, entity, pagination_token=second.json()["next_pagination_token"])
        assert ids(third) == u[4:5]  # the deleted user does not appear on later pages either
        assert third.json()["next_pagination_token"] is None
        back = await self.get(client, partner, entity, pagination_token=third.json()["prev_pagination_token"])
        assert ids(back) == u[2:4]

    async def test_pages_of_a_filtered_list(self, client, partner, entity, people):
        u = people["ids"]
        first = await self.get(client, partner, entity, limit=1, role_id=people["writer"]["id"])
        assert ids(first) == [u[2]]
        second = await self.get(client, partner, entity, pagination_token=first.json()["next_pagination_token"])
        assert ids(second) == [u[3]]
        assert second.json()["next_pagination_token"] is None

    async def test_pages_of_deleted_users(self, client, partner, entity, people):
        second_gone = await partner.create_user(entity["id"], login="gone-too")
        await client.delete(f"/entity_users/{second_gone.id}", headers=partner.on(entity["id"]))
        first = await self.get(client, partner, entity, status="deleted", limit=1)
        assert ids(first) == [people["gone"].id]
        second = await self.get(client, partner, entity, pagination_token=first.json()["next_pagination_token"])
        assert ids(second) == [second_gone.id]

    async def test_token_of_another_endpoint(self, client, partner, entity, people):
        token = (await client.get("/roles", params={"limit": 1}, headers=partner.on(entity["id"]))).json()["next_pagination_token"]
        assert_error(await self.get(client, partner, entity, pagination_token=token), 400, "Invalid pagination token")

    @pytest.mark.parametrize(
        ("params", "loc"),
        [
            ({"limit": 0}, ["query", "limit"]),
            ({"limit": 101}, ["query", "limit"]),
            ({"sort": "login"}, ["query", "sort"]),
            ({"status": "sleeping"}, ["query", "status"]),
            ({"role_id": "x"}, ["query", "role_id"]),
        ],
    )
    async def test_invalid_parameters(self, client, partner, entity, params, loc):
        assert loc in locs(await self.get(client, partner, entity, **params))


class TestGetEntityUser:
    async def test_get(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        response = await client.get(f"/entity_users/{user.id}", headers=partner.on(entity["id"]))
        assert response.status_code == 200
        assert response.json() == user.data

    async def test_unknown(self, client, partner, entity):
        response = await client.get(f"/entity_users/{uuid.uuid4()}", headers=partner.on(entity["id"]))
        assert_error(response, 404, "Entity user not found")

    async def test_path_me_is_not_an_id(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        assert (await client.get("/entity_users/me", headers=user.auth)).json()["id"] == user.id


class TestUpdateEntityUser:
    async def patch(self, client, partner, entity, user_id, body):
        return await client.patch(f"/entity_users/{user_id}", json=body, headers=partner.on(entity["id"]))

    async def test_update(self, client, partner, entity):
        user = await partner.create_user(entity["id"], last_name="Old", title="Clerk")
        role = await partner.create_role(entity["id"], permissions(tag=["read"]))
        body = {"first_name": "New", "last_name": None, "email": "n@acme.example", "login": "renamed", "role_id": role["id"]}
        response = await self.patch(client, partner, entity, user.id, body)
        assert response.status_code == 200, response.text
        updated = response.json()
        assert (updated["first_name"], updated["last_name"], updated["email"], updated["login"], updated["role_id"]) == (
            "New", None, "n@acme.example", "renamed", role["id"],
        )  # fmt: skip
        assert "title" not in updated  # stored, but not part of EntityUserResponse
        assert updated["updated_at"] > user.data["updated_at"]
        assert (await client.get(f"/entity_users/{user.id}", headers=partner.on(entity["id"]))).json() == updated

    async def test_login_to_its_own_login(self, client, partner, entity):
        user = await partner.create_user(entity["id"], login="keep")
        assert (await self.patch(client, partner, entity, user.id, {"login": "keep"})).status_code == 200

    async def test_duplicate_login(self, client, partner, entity):
        await partner.create_user(entity["id"], login="taken")
        user = await partner.create_user(entity["id"])
        response = await self.patch(client, partner, entity, user.id, {"login": "taken"})
        assert_error(response, 400, "Entity user with login 'taken' already exists")

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"login": None}, ["body", "login"]),
            ({"first_name": None}, ["body", "first_name"]),
            ({"role_id": None}, ["body", "role_id"]),
            ({"role_id": "nope"}, ["body", "role_id"]),
            ({"email": "nope"}, ["body", "email"]),
            ({"status": "deleted"}, ["body", "status"]),
        ],
    )
    async def test_invalid(self, client, partner, entity, body, loc):
        user = await partner.create_user(entity["id"])
        assert loc in locs(await self.patch(client, partner, entity, user.id, body))
        assert (await client.get(f"/entity_users/{user.id}", headers=partner.on(entity["id"]))).json() == user.data

    async def test_role_of_another_entity(self, client, partner, entity, other_entity):
        user = await partner.create_user(entity["id"])
        foreign = await partner.create_role(other_entity["id"], {"objects": []})
        assert locs(await self.patch(client, partner, entity, user.id, {"role_id": foreign["id"]})) == [["body", "role_id"]]

    async def test_role_change_applies_to_the_existing_token(self, client, partner, entity):
        user = await partner.user_with(entity["id"], tag=["read"])
        assert_error(await client.get("/roles", headers=user.auth), 403, "Action read for role not allowed")
        role = await partner.create_role(entity["id"], permissions(role=["read"]))
        await self.patch(client, partner, entity, user.id, {"role_id": role["id"]})
        assert (await client.get("/roles", headers=user.auth)).status_code == 200


class TestDeleteEntityUser:
    async def test_delete(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        on = partner.on(entity["id"])
        response = await client.delete(f"/entity_users/{user.id}", headers=on)
        assert response.status_code == 204
        assert response.content == b""
        assert_error(await client.get(f"/entity_users/{user.id}", headers=on), 404, "Entity user not found")
        assert_error(await client.patch(f"/entity_users/{user.id}", json={"first_name": "X"}, headers=on), 404)
        assert_error(await client.delete(f"/entity_users/{user.id}", headers=on), 404)
        assert user.id not in ids(await client.get("/entity_users", headers=on))
        assert_error(await client.get("/entity_users/me", headers=user.auth), 401)

    async def test_deleting_oneself(self, client, partner, entity):
        user = await partner.user_with(entity["id"], entity_user={"read": "allowed_for_own", "delete": "allowed_for_own"})
        assert (await client.delete(f"/entity_users/{user.id}", headers=user.auth)).status_code == 204
        assert_error(await client.get("/entity_users/me", headers=user.auth), 401)


ENTITY_USER_ROUTES = [
    ("POST", "/entity_users", "create"),
    ("GET", "/entity_users", "read"),
    ("GET", "/entity_users/{id}", "read"),
    ("PATCH", "/entity_users/{id}", "update"),
    ("DELETE", "/entity_users/{id}", "delete"),
]


class TestEntityUserPermissions:
    async def call(self, client, user, method, path, target_id):
        body = {"login": login(), "first_name": "A"} if method == "POST" else ({"title": "T"} if method == "PATCH" else None)
        return await client.request(method, path.format(id=target_id), json=body, headers=user.auth)

    @pytest.mark.parametrize(("method", "path", "action"), ENTITY_USER_ROUTES)
    async def test_not_allowed(self, client, partner, entity, method, path, action):
        user = await partner.user_with(entity["id"], entity_user=[a for a in ALL_CRUD if a != action])
        target = await partner.create_user(entity["id"])
        response = await self.call(client, user, method, path, target.id)
        assert_error(response, 403, f"Action {action} for entity_user not allowed")
        assert (await client.get(f"/entity_users/{target.id}", headers=partner.on(entity["id"]))).json() == target.data

    @pytest.mark.parametrize(("method", "path", "action"), ENTITY_USER_ROUTES)
    async def test_allowed(self, client, partner, entity, method, path, action):
        user = await partner.user_with(entity["id"], entity_user=[action])
        target = await partner.create_user(entity["id"])
        response = await self.call(client, user, method, path, target.id)
        assert response.status_code == (204 if method == "DELETE" else 200), response.text

    async def test_allowed_for_own_lists_only_oneself(self, client, partner, entity):
        await partner.create_user(entity["id"])
        user = await partner.user_with(entity["id"], entity_user={"read": "allowed_for_own"})
        response = await client.get("/entity_users", headers=user.auth)
        assert ids(response) == [user.id]
        others = await client.get("/entity_users", params={"login": "someone-else"}, headers=user.auth)
        assert ids(others) == []

    async def test_allowed_for_own_single_objects(self, client, partner, entity):
        user = await partner.user_with(
            entity["id"], entity_user={"read": "allowed_for_own", "update": "allowed_for_own", "delete": "allowed_for_own"}
        )
        other = await partner.create_user(entity["id"])
        assert (await client.get(f"/entity_users/{user.id}", headers=user.auth)).status_code == 200
        assert (await client.patch(f"/entity_users/{user.id}", json={"title": "Me"}, headers=user.auth)).status_code == 200
        assert_error(await client.get(f"/entity_users/{other.id}", headers=user.auth), 403, "Action read for entity_user not allowed")
        assert_error(
            await client.patch(f"/entity_users/{other.id}", json={"title": "X"}, headers=user.auth),
            403,
            "Action update for entity_user not allowed",
        )
        assert_error(await client.delete(f"/entity_users/{other.id}", headers=user.auth), 403, "Action delete for entity_user not allowed")
        assert (await client.get(f"/entity_users/{other.id}", headers=partner.on(entity["id"]))).json() == other.data

    async def test_allowed_for_own_create(self, client, partner, entity):
        user = await partner.user_with(entity["id"], entity_user={"create": "allowed_for_own"})
        response = await client.post("/entity_users", json={"login": login(), "first_name": "A"}, headers=user.auth)
        assert response.status_code == 200


class TestMe:
    async def test_get(self, client, partner, entity):
        user = await partner.create_user(entity["id"], last_name="Peters")
        response = await client.get("/entity_users/me", headers=user.auth)
        assert response.status_code == 200
        assert response.json() == user.data

    async def test_needs_no_permission(self, client, partner, entity):
        user = await partner.create_user(entity["id"])  # Default role, no permissions
        assert (await client.get("/entity_users/me", headers=user.auth)).status_code == 200
        assert (await client.patch("/entity_users/me", json={"title": "X"}, headers=user.auth)).status_code == 200

    async def test_ignores_the_entity_header(self, client, partner, entity, other_entity):
        user = await partner.create_user(entity["id"])
        response = await client.get("/entity_users/me", headers={**user.auth, "x-monite-entity-id": other_entity["id"]})
        assert response.status_code == 200
        assert response.json()["id"] == user.id

    async def test_update(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        body = {"first_name": "Casey", "last_name": "Peters", "email": "c@acme.example", "phone": "+1", "title": "CFO"}
        response = await client.patch("/entity_users/me", json=body, headers=user.auth)
        assert response.status_code == 200
        updated = response.json()
        assert {k: updated[k] for k in ("first_name", "last_name", "email", "phone")} == {
            k: body[k] for k in ("first_name", "last_name", "email", "phone")
        }
        assert (updated["login"], updated["role_id"]) == (user.data["login"], user.data["role_id"])
        assert (await client.get(f"/entity_users/{user.id}", headers=partner.on(entity["id"]))).json() == updated

    @pytest.mark.parametrize("body", [{"login": "new"}, {"role_id": str(uuid.uuid4())}, {"status": "deleted"}, {"first_name": None}])
    async def test_cannot_change(self, client, partner, entity, body):
        user = await partner.create_user(entity["id"])
        response = await client.patch("/entity_users/me", json=body, headers=user.auth)
        assert response.status_code == 422
        assert (await client.get("/entity_users/me", headers=user.auth)).json() == user.data

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/entity_users/me"),
            ("PATCH", "/entity_users/me"),
            ("GET", "/entity_users/my_role"),
            ("GET", "/entity_users/my_entity"),
            ("PATCH", "/entity_users/my_entity"),
        ],
    )
    async def test_partner_token(self, client, partner, entity, method, path):
        body = {} if method == "PATCH" else None
        assert_error(await client.request(method, path, json=body, headers=partner.on(entity["id"])), 403)
        assert_error(await client.request(method, path, json=body, headers=partner.auth), 403)
