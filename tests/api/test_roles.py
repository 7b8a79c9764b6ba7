"""Roles and the permission document
(docs/auth-entities.md, "Entity users and roles", "The permission document"): CRUD, validation, and
RBAC on /roles."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.fixtures.entities import ALL_CRUD, Partner, new_partner, permissions
from tests.fixtures.responses import assert_error, ids, locs

ROLE_KEYS = {"id", "created_at", "updated_at", "name", "permissions", "status"}


@pytest.fixture(scope="module")
async def partner(client, db) -> Partner:
    """One partner for the module; every test works in entities of its own."""
    return await new_partner(client, db)


def role_body(name: str | None = None, perms: dict | None = None) -> dict[str, Any]:
    name = f"role-{uuid.uuid4().hex[:8]}" if name is None else name
    return {"name": name, "permissions": {"objects": []} if perms is None else perms}


async def default_role(client, partner, entity) -> dict[str, Any]:
    response = await client.get("/roles", params={"name": "Default"}, headers=partner.on(entity["id"]))
    [role] = response.json()["data"]
    return role


class TestCreateRole:
    async def test_unauthenticated(self, client, entity):
        response = await client.post("/roles", json=role_body(), headers={"x-monite-entity-id": entity["id"]})
        assert_error(response, 401)

    async def test_partner_without_entity_header(self, client, partner):
        response = await client.post("/roles", json=role_body(), headers=partner.auth)
        assert locs(response) == [["header", "x-monite-entity-id"]]

    async def test_create(self, client, partner, entity):
        perms = {
            "objects": [
                {
                    "object_type": "payable",
                    "actions": [
                        {"action_name": "read", "permission": "allowed"},
                        {"action_name": "pay", "permission": "allowed_for_own"},
                        {"action_name": "cancel", "permission": "not_allowed"},
                    ],
                },
                {"object_type": "receivable", "actions": [{"action_name": "read", "permission": "allowed"}]},
            ]
        }
        response = await client.post("/roles", json=role_body("Accountant", perms), headers=partner.on(entity["id"]))
        assert response.status_code == 200, response.text
        role = response.json()
        assert set(role) == ROLE_KEYS
        assert role["name"] == "Accountant"
        assert role["status"] == "active"
        assert role["permissions"] == perms
        uuid.UUID(role["id"])
        assert role["created_at"].endswith("Z") or role["created_at"].endswith("+00:00")

        read = await client.get(f"/roles/{role['id']}", headers=partner.on(entity["id"]))
        assert read.json() == role

    async def test_action_defaults(self, client, partner, entity):
        perms = {
            "objects": [
                {"object_type": "counterpart", "actions": [{"permission": "allowed_for_own"}, {"action_name": "update"}]},
                {"object_type": "payable", "actions": [{"action_name": "approve"}]},
                {"object_type": "tag"},
            ]
        }
        response = await client.post("/roles", json=role_body(perms=perms), headers=partner.on(entity["id"]))
        assert response.status_code == 200, response.text
        assert response.json()["permissions"] == {
            "objects": [
                {
                    "object_type": "counterpart",
                    "actions": [
                        {"action_name": "read", "permission": "allowed_for_own"},
                        {"action_name": "update", "permission": "allowed"},
                    ],
                },
                {"object_type": "payable", "actions": [{"action_name": "approve", "permission": "allowed"}]},
                {"object_type": "tag", "actions": []},
            ]
        }

    async def test_every_object_type_with_every_action(self, client, partner, entity):
        payable_actions = ["create", "read", "update", "delete", "pay", "approve", "cancel", "submit", "create_from_mail", "reopen"]
        common = [
            "approval_policy", "approval_request", "comment", "counterpart", "counterpart_vat_id", "delivery_note",
            "entity", "entity_bank_account", "entity_user", "entity_vat_ids", "export", "mailbox", "ocr_task",
            "onboarding", "overdue_reminder", "payables_purchase_order", "payment_record", "payment_reminder",
            "person", "product", "project", "receipt", "receivable", "reconciliation", "role", "tag", "todo_task",
            "todo_task_mute", "transaction", "workflow",
        ]  # fmt: skip
        perms = permissions(payable=payable_actions, **{t: ALL_CRUD for t in common})
        response = await client.post("/roles", json=role_body(perms=perms), headers=partner.on(entity["id"]))
        assert response.status_code == 200, response.text
        assert response.json()["permissions"] == perms

    async def test_duplicate_name(self, client, partner, entity):
        await partner.create_role(entity["id"], {"objects": []}, name="Approvers")
        response = await client.post("/roles", json=role_body("Approvers"), headers=partner.on(entity["id"]))
        assert_error(response, 400, "Role with name 'Approvers' already exists")

    async def test_default_role_name_is_taken(self, client, partner, entity):
        response = await client.post("/roles", json=role_body("Default"), headers=partner.on(entity["id"]))
        assert_error(response, 400, "Role with name 'Default' already exists")

    async def test_names_are_case_sensitive(self, client, partner, entity):
        await partner.create_role(entity["id"], {"objects": []}, name="Approvers")
        response = await client.post("/roles", json=role_body("approvers"), headers=partner.on(entity["id"]))
        assert response.status_code == 200

    async def test_same_name_in_another_entity(self, client, partner, entity, other_entity):
        await partner.create_role(entity["id"], {"objects": []}, name="Approvers")
        response = await client.post("/roles", json=role_body("Approvers"), headers=partner.on(other_entity["id"]))
        assert response.status_code == 200

    async def test_name_of_a_deleted_role_is_free(self, client, partner, entity):
        role = await partner.create_role(entity["id"], {"objects": []}, name="Temp")
        assert (await client.delete(f"/roles/{role['id']}", headers=partner.on(entity["id"]))).status_code == 204
        response = await client.post("/roles", json=role_body("Temp"), headers=partner.on(entity["id"]))
        assert response.status_code == 200
        assert response.json()["id"] != role["id"]

    @pytest.mark.parametrize("name", ["Bücher", "Approvers ✓", "財務"])
    async def test_non_ascii_name(self, client, partner, entity, name):
        response = await client.post("/roles", json=role_body(name), headers=partner.on(entity["id"]))
        assert locs(response) == [["body", "name"]]

    @pytest.mark.parametrize("name", ["", "x" * 256])
    async def test_name_length(self, client, partner, entity, name):
        response = await client.post("/roles", json=role_body(name), headers=partner.on(entity["id"]))
        assert ["body", "name"] in locs(response)

    async def test_name_of_255_characters(self, client, partner, entity):
        response = await client.post("/roles", json=role_body("x" * 255), headers=partner.on(entity["id"]))
        assert response.status_code == 200

    @pytest.mark.parametrize("missing", ["name", "permissions"])
    async def test_required(self, client, partner, entity, missing):
        body = role_body()
        del body[missing]
        assert locs(await client.post("/roles", json=body, headers=partner.on(entity["id"]))) == [["body", missing]]

    @pytest.mark.parametrize(
        "objects",
        [
            [{"object_type": "spaceship", "actions": []}],
            [{"object_type": "counterpart", "actions": [{"action_name": "pay"}]}],
            [{"object_type": "counterpart", "actions": [{"action_name": "approve"}]}],
            [{"object_type": "payable", "actions": [{"action_name": "fly"}]}],
            [{"object_type": "payable", "actions": [{"action_name": "read", "permission": "sometimes"}]}],
            [{"actions": [{"action_name": "read"}]}],
            [{"object_type": None, "actions": []}],
            [{"object_type": "tag", "actions": []}, {"object_type": "tag", "actions": []}],
            [{"object_type": "payable", "actions": []}, {"object_type": "payable", "actions": []}],
            [{"object_type": "tag", "actions": [{"action_name": "read"}, {"action_name": "read", "permission": "not_allowed"}]}],
            [{"object_type": "payable", "actions": [{"action_name": "pay"}, {"action_name": "pay"}]}],
            [{"object_type": "tag", "actions": [], "extra": True}],
            [{"object_type": "tag", "actions": [{"action_name": "read", "scope": "all"}]}],
            "everything",
        ],
        ids=[
            "unknown-object-type",
            "payable-action-on-common-object",
            "approve-on-common-object",
            "unknown-payable-action",
            "unknown-permission",
            "missing-object-type",
            "null-object-type",
            "duplicate-object-type",
            "duplicate-payable-object",
            "duplicate-action",
            "duplicate-payable-action",
            "unknown-object-key",
            "unknown-action-key",
            "objects-not-a-list",
        ],
    )
    async def test_invalid_permissions(self, client, partner, entity, objects):
        body = role_body(perms={"objects": objects})
        response = await client.post("/roles", json=body, headers=partner.on(entity["id"]))
        assert response.status_code == 422, response.text
        assert all(loc[:2] == ["body", "permissions"] for loc in locs(response))
        listed = await client.get("/roles", params={"name": body["name"]}, headers=partner.on(entity["id"]))
        assert listed.json()["data"] == []

    async def test_unknown_permissions_key(self, client, partner, entity):
        body = role_body(perms={"objects": [], "admin": True})
        assert ["body", "permissions", "admin"] in locs(await client.post("/roles", json=body, headers=partner.on(entity["id"])))

    async def test_unknown_body_key(self, client, partner, entity):
        body = role_body() | {"status": "active"}
        assert locs(await client.post("/roles", json=body, headers=partner.on(entity["id"]))) == [["body", "status"]]


class TestListRoles:
    @pytest.fixture
    async def roles(self, client, partner, entity) -> list[dict[str, Any]]:
        """Default plus three roles, in creation order."""
        made = [await default_role(client, partner, entity)]
        for name in ("Alpha", "Beta", "Gamma"):
            made.append(await partner.create_role(entity["id"], {"objects": []}, name=name))
        return made

    async def get(self, client, partner, entity, **params):
        return await client.get("/roles", params=params, headers=partner.on(entity["id"]))

    async def test_list(self, client, partner, entity, roles, other_entity):
        await partner.create_role(other_entity["id"], {"objects": []}, name="Elsewhere")
        response = await self.get(client, partner, entity)
        assert response.json() == {"data": roles, "next_pagination_token": None, "prev_pagination_token": None}

    async def test_deleted_roles_are_not_listed(self, client, partner, entity, roles):
        await client.delete(f"/roles/{roles[2]['id']}", headers=partner.on(entity["id"]))
        assert ids(await self.get(client, partner, entity)) == [roles[0]["id"], roles[1]["id"], roles[3]["id"]]

    async def test_filters(self, client, partner, entity, roles):
        r = [x["id"] for x in roles]
        created = [x["created_at"] for x in roles]
        assert ids(await self.get(client, partner, entity, name="Beta")) == [r[2]]
        assert ids(await self.get(client, partner, entity, name="beta")) == []
        assert ids(await self.get(client, partner, entity, id__in=[r[3], r[1]])) == [r[1], r[3]]
        assert ids(await self.get(client, partner, entity, created_at=created[2])) == [r[2]]
        assert ids(await self.get(client, partner, entity, created_at__gt=created[1])) == r[2:]
        assert ids(await self.get(client, partner, entity, created_at__gte=created[1])) == r[1:]
        assert ids(await self.get(client, partner, entity, created_at__lt=created[2])) == r[:2]
        assert ids(await self.get(client, partner, entity, created_at__lte=created[2])) == r[:3]

    async def test_order_and_sort(self, client, partner, entity, roles):
        r = [x["id"] for x in roles]
        assert ids(await self.get(client, partner, entity, order="desc")) == r[::-1]
        await client.patch(f"/roles/{r[1]}", json={"name": "Alpha 2"}, headers=partner.on(entity["id"]))
        assert ids(await self.get(client, partner, entity, sort="updated_at")) == [r[0], r[2], r[3], r[1]]
        assert ids(await self.get(client, partner, entity, sort="created_at")) == r

    async def test_pages(self, client, partner, entity, roles):
        r = [x["id"] for x in roles]
        first = await self.get(client, partner, entity, limit=3)
        assert ids(first) == r[:3]
        assert first.json()["prev_pagination_token"] is None
        second = await self.get(client, partner, entity, pagination_token=first.json()["next_pagination_token"])
        assert ids(second) == r[3:]
        assert second.json()["next_pagination_token"] is None
        back = await self.get(client, partner, entity, pagination_token=second.json()["prev_pagination_token"])
        assert ids(back) == r[:3]
        assert back.json()["prev_pagination_token"] is None

    async def test_token_of_another_entity(self, client, partner, entity, roles, other_entity):
        token = (await self.get(client, partner, entity, limit=1)).json()["next_pagination_token"]
        response = await self.get(client, partner, other_entity, pagination_token=token)
        assert_error(response, 400, "Invalid pagination token")

    @pytest.mark.parametrize(
        ("params", "loc"),
        [
            ({"limit": 0}, ["query", "limit"]),
            ({"limit": 101}, ["query", "limit"]),
            ({"sort": "name"}, ["query", "sort"]),
            ({"id__in": "x"}, ["query", "id__in", 0]),
            ({"created_at": "today"}, ["query", "created_at"]),
        ],
    )
    async def test_invalid_parameters(self, client, partner, entity, params, loc):
        assert loc in locs(await self.get(client, partner, entity, **params))


class TestGetRole:
    async def test_unknown(self, client, partner, entity):
        assert_error(await client.get(f"/roles/{uuid.uuid4()}", headers=partner.on(entity["id"])), 404, "Role not found")

    async def test_deleted(self, client, partner, entity):
        role = await partner.create_role(entity["id"], {"objects": []})
        await client.delete(f"/roles/{role['id']}", headers=partner.on(entity["id"]))
        assert_error(await client.get(f"/roles/{role['id']}", headers=partner.on(entity["id"])), 404, "Role not found")

    async def test_get(self, client, partner, entity):
        role = await partner.create_role(entity["id"], permissions(tag=["read"]))
        response = await client.get(f"/roles/{role['id']}", headers=partner.on(entity["id"]))
        assert response.status_code == 200
        assert response.json() == role


class TestUpdateRole:
    async def patch(self, client, partner, entity, role, body):
        return await client.patch(f"/roles/{role['id']}", json=body, headers=partner.on(entity["id"]))

    async def test_rename(self, client, partner, entity):
        role = await partner.create_role(entity["id"], permissions(tag=["read"]), name="Old")
        response = await self.patch(client, partner, entity, role, {"name": "New"})
        assert response.status_code == 200
        body = response.json()
        assert body["name"] == "New"
        assert body["permissions"] == role["permissions"]
        assert body["updated_at"] > role["updated_at"]
        assert body["created_at"] == role["created_at"]
        assert (await client.get(f"/roles/{role['id']}", headers=partner.on(entity["id"]))).json() == body

    async def test_rename_to_its_own_name(self, client, partner, entity):
        role = await partner.create_role(entity["id"], {"objects": []}, name="Same")
        response = await self.patch(client, partner, entity, role, {"name": "Same"})
        assert response.status_code == 200

    async def test_rename_to_a_taken_name(self, client, partner, entity):
        await partner.create_role(entity["id"], {"objects": []}, name="Taken")
        role = await partner.create_role(entity["id"], {"objects": []}, name="Mine")
        assert_error(await self.patch(client, partner, entity, role, {"name": "Taken"}), 400, "Role with name 'Taken' already exists")
        assert (await client.get(f"/roles/{role['id']}", headers=partner.on(entity["id"]))).json()["name"] == "Mine"

    async def test_permissions_are_replaced_not_merged(self, client, partner, entity):
        role = await partner.create_role(entity["id"], permissions(tag=ALL_CRUD, product=["read"]))
        replacement = permissions(counterpart={"read": "allowed_for_own"})
        response = await self.patch(client, partner, entity, role, {"permissions": replacement})
        assert response.status_code == 200
        assert response.json()["permissions"] == replacement
        assert response.json()["name"] == role["name"]

    async def test_empty_patch(self, client, partner, entity):
        role = await partner.create_role(entity["id"], permissions(tag=["read"]))
        response = await self.patch(client, partner, entity, role, {})
        assert response.status_code == 200
        assert (response.json()["name"], response.json()["permissions"]) == (role["name"], role["permissions"])

    @pytest.mark.parametrize(
        ("body", "loc"),
        [
            ({"name": "Ünïcode"}, ["body", "name"]),
            ({"name": ""}, ["body", "name"]),
            ({"permissions": {"objects": [{"object_type": "nope"}]}}, ["body", "permissions"]),
            ({"status": "deleted"}, ["body", "status"]),
        ],
    )
    async def test_invalid(self, client, partner, entity, body, loc):
        role = await partner.create_role(entity["id"], permissions(tag=["read"]))
        response = await self.patch(client, partner, entity, role, body)
        assert any(found[: len(loc)] == loc for found in locs(response))
        assert (await client.get(f"/roles/{role['id']}", headers=partner.on(entity["id"]))).json() == role

    async def test_unknown_and_deleted(self, client, partner, entity):
        assert_error(await self.patch(client, partner, entity, {"id": uuid.uuid4()}, {"name": "x"}), 404, "Role not found")
        role = await partner.create_role(entity["id"], {"objects": []})
        await client.delete(f"/roles/{role['id']}", headers=partner.on(entity["id"]))
        assert_error(await self.patch(client, partner, entity, role, {"name": "x"}), 404, "Role not found")


class TestDeleteRole:
    async def test_delete(self, client, partner, entity):
        role = await partner.create_role(entity["id"], {"objects": []})
        response = await client.delete(f"/roles/{role['id']}", headers=partner.on(entity["id"]))
        assert response.status_code == 204
        assert response.content == b""
        assert_error(await client.delete(f"/roles/{role['id']}", headers=partner.on(entity["id"])), 404, "Role not found")

    async def test_in_use(self, client, partner, entity):
        role = await partner.create_role(entity["id"], permissions(tag=["read"]))
        user = await partner.create_user(entity["id"], role["id"])
        response = await client.delete(f"/roles/{role['id']}", headers=partner.on(entity["id"]))
        assert_error(response, 409)
        assert (await client.get(f"/roles/{role['id']}", headers=partner.on(entity["id"]))).status_code == 200

        # Once the user is gone (or moved), the role can go.
        await client.delete(f"/entity_users/{user.id}", headers=partner.on(entity["id"]))
        assert (await client.delete(f"/roles/{role['id']}", headers=partner.on(entity["id"]))).status_code == 204

    async def test_in_use_until_the_user_moves(self, client, partner, entity):
        role = await partner.create_role(entity["id"], {"objects": []})
        other = await partner.create_role(entity["id"], {"objects": []})
        user = await partner.create_user(entity["id"], role["id"])
        assert_error(await client.delete(f"/roles/{role['id']}", headers=partner.on(entity["id"])), 409)
        await client.patch(f"/entity_users/{user.id}", json={"role_id": other["id"]}, headers=partner.on(entity["id"]))
        assert (await client.delete(f"/roles/{role['id']}", headers=partner.on(entity["id"]))).status_code == 204

    async def test_deleted_role_cannot_be_assigned(self, client, partner, entity):
        role = await partner.create_role(entity["id"], {"objects": []})
        await client.delete(f"/roles/{role['id']}", headers=partner.on(entity["id"]))
        body = {"login": f"u-{uuid.uuid4().hex[:6]}", "first_name": "A", "role_id": role["id"]}
        response = await client.post("/entity_users", json=body, headers=partner.on(entity["id"]))
        assert locs(response) == [["body", "role_id"]]


ROLE_ROUTES = [
    ("POST", "/roles", "create"),
    ("GET", "/roles", "read"),
    ("GET", "/roles/{id}", "read"),
    ("PATCH", "/roles/{id}", "update"),
    ("DELETE", "/roles/{id}", "delete"),
]


class TestRolePermissions:
    async def call(self, client, user, method, path, role_id):
        body = role_body() if method == "POST" else ({"name": f"renamed-{uuid.uuid4().hex[:6]}"} if method == "PATCH" else None)
        return await client.request(method, path.format(id=role_id), json=body, headers=user.auth)

    @pytest.mark.parametrize(("method", "path", "action"), ROLE_ROUTES)
    async def test_not_allowed(self, client, partner, entity, method, path, action):
        others = [a for a in ALL_CRUD if a != action]
        user = await partner.user_with(entity["id"], role=others)
        target = await partner.create_role(entity["id"], {"objects": []})
        response = await self.call(client, user, method, path, target["id"])
        assert_error(response, 403, f"Action {action} for role not allowed")
        assert (await client.get(f"/roles/{target['id']}", headers=partner.on(entity["id"]))).json() == target

    @pytest.mark.parametrize(("method", "path", "action"), ROLE_ROUTES)
    async def test_allowed(self, client, partner, entity, method, path, action):
        user = await partner.user_with(entity["id"], role=[action])
        target = await partner.create_role(entity["id"], {"objects": []})
        response = await self.call(client, user, method, path, target["id"])
        assert response.status_code == {"POST": 200, "GET": 200, "PATCH": 200, "DELETE": 204}[method], response.text

    async def test_missing_action_entry_is_not_allowed(self, client, partner, entity):
        user = await partner.user_with(entity["id"], tag=ALL_CRUD)
        assert_error(await client.get("/roles", headers=user.auth), 403, "Action read for role not allowed")

    async def test_explicit_not_allowed(self, client, partner, entity):
        user = await partner.user_with(entity["id"], role={"read": "not_allowed"})
        assert_error(await client.get("/roles", headers=user.auth), 403, "Action read for role not allowed")

    async def test_user_token_without_entity_header_works_on_its_entity(self, client, partner, entity, other_entity):
        user = await partner.user_with(entity["id"], role=["read"])
        await partner.create_role(other_entity["id"], {"objects": []}, name="Elsewhere")
        response = await client.get("/roles", params={"name": "Elsewhere"}, headers=user.auth)
        assert response.json()["data"] == []
        assert len(ids(await client.get("/roles", headers=user.auth))) == 2  # Default + the user's own role

    async def test_permission_change_applies_to_existing_tokens(self, client, partner, entity):
        user = await partner.user_with(entity["id"], role=["read", "update"])
        role_id = user.data["role_id"]
        assert (await client.get("/roles", headers=user.auth)).status_code == 200

        revoke = {"permissions": permissions(role=["update"])}
        assert (await client.patch(f"/roles/{role_id}", json=revoke, headers=partner.on(entity["id"]))).status_code == 200
        assert_error(await client.get("/roles", headers=user.auth), 403, "Action read for role not allowed")

        grant = {"permissions": permissions(role=["read"])}
        assert (await client.patch(f"/roles/{role_id}", json=grant, headers=partner.on(entity["id"]))).status_code == 200
        assert (await client.get("/roles", headers=user.auth)).status_code == 200
        assert_error(
            await client.patch(f"/roles/{role_id}", json={"name": "x"}, headers=user.auth), 403, "Action update for role not allowed"
        )

    async def test_a_user_with_role_update_can_lock_itself_out(self, client, partner, entity):
        user = await partner.user_with(entity["id"], role=["read", "update"])
        role_id = user.data["role_id"]
        response = await client.patch(f"/roles/{role_id}", json={"permissions": {"objects": []}}, headers=user.auth)
        assert response.status_code == 200
        assert_error(await client.get("/roles", headers=user.auth), 403, "Action read for role not allowed")


class TestNoPrivilegeEscalation:
    """An entity user may not create or edit a role to grant more than its own role grants."""

    async def test_create_more_powerful_role_is_refused(self, client, partner, entity):
        user = await partner.user_with(entity["id"], role=["create", "read"])
        body = role_body(perms=permissions(role=ALL_CRUD, payable=["read", "pay"]))
        assert_error(await client.post("/roles", json=body, headers=user.auth), 403)
        listed = await client.get("/roles", params={"name": body["name"]}, headers=partner.on(entity["id"]))
        assert listed.json()["data"] == []

    async def test_raising_own_role_is_refused(self, client, partner, entity):
        user = await partner.user_with(entity["id"], role=["read", "update"])
        role_id = user.data["role_id"]
        body = {"permissions": permissions(role=["read", "update"], payable=["read", "approve"])}
        assert_error(await client.patch(f"/roles/{role_id}", json=body, headers=user.auth), 403)
        role = (await client.get(f"/roles/{role_id}", headers=partner.on(entity["id"]))).json()
        assert [o["object_type"] for o in role["permissions"]["objects"]] == ["role"]

    async def test_equal_or_smaller_grants_are_allowed(self, client, partner, entity):
        user = await partner.user_with(entity["id"], role=["create", "read"])
        body = role_body(perms=permissions(role={"read": "allowed_for_own"}))
        assert (await client.post("/roles", json=body, headers=user.auth)).status_code == 200

    async def test_partner_may_grant_anything(self, client, partner, entity):
        body = role_body(perms=permissions(role=ALL_CRUD, payable=["read", "pay", "approve"]))
        assert (await client.post("/roles", json=body, headers=partner.on(entity["id"]))).status_code == 200


class TestMyRole:
    async def test_my_role(self, client, partner, entity):
        user = await partner.user_with(entity["id"], payable={"read": "allowed", "pay": "allowed_for_own"})
        response = await client.get("/entity_users/my_role", headers=user.auth)
        assert response.status_code == 200
        role = (await client.get(f"/roles/{user.data['role_id']}", headers=partner.on(entity["id"]))).json()
        assert response.json() == role
        assert set(role) == ROLE_KEYS

    async def test_needs_no_role_permission(self, client, partner, entity):
        user = await partner.create_user(entity["id"])  # the Default role: no permissions at all
        response = await client.get("/entity_users/my_role", headers=user.auth)
        assert response.status_code == 200
        assert response.json()["name"] == "Default"
        assert response.json()["permissions"] == {"objects": []}

    async def test_follows_role_changes(self, client, partner, entity):
        user = await partner.user_with(entity["id"], tag=["read"])
        replacement = permissions(product=["read"])
        await client.patch(f"/roles/{user.data['role_id']}", json={"permissions": replacement}, headers=partner.on(entity["id"]))
        assert (await client.get("/entity_users/my_role", headers=user.auth)).json()["permissions"] == replacement

    async def test_partner_token(self, client, partner, entity):
        assert_error(await client.get("/entity_users/my_role", headers=partner.on(entity["id"])), 403)
        assert_error(await client.get("/entity_users/my_role", headers=partner.auth), 403)
