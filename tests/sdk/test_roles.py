"""Roles through the SDK: create, read, page, and the RBAC refusal
(docs/auth-entities.md, "Entity users and roles", "Permissions")."""

from __future__ import annotations

import pytest
from monite.errors import ForbiddenError, NotFoundError

from tests.sdk.conftest import new_login, permissions, user_token


def test_create_role_with_typed_permissions(on_entity):
    role = on_entity.roles.create(
        name="approver", permissions=permissions(role=["read"], entity_user=["read", "create"])
    )
    assert role.name == "approver"
    assert role.status == "active"
    granted = {
        (obj.object_type, action.action_name, action.permission)
        for obj in role.permissions.objects
        for action in obj.actions
    }
    assert granted == {
        ("role", "read", "allowed"),
        ("entity_user", "read", "allowed"),
        ("entity_user", "create", "allowed"),
    }
    assert on_entity.roles.get_by_id(role.id).id == role.id


def test_list_roles_in_pages(on_entity):
    created = [on_entity.roles.create(name=f"role-{i}", permissions=permissions(role=["read"])).id for i in range(3)]
    everything = on_entity.roles.get(limit=100)
    all_ids = [r.id for r in everything.data]
    assert set(created) <= set(all_ids)
    assert everything.next_pagination_token is None and everything.prev_pagination_token is None

    first = on_entity.roles.get(limit=2)
    assert [r.id for r in first.data] == all_ids[:2]
    assert first.prev_pagination_token is None and first.next_pagination_token

    seen = [r.id for r in first.data]
    page = first
    while page.next_pagination_token:
        page = on_entity.roles.get(pagination_token=page.next_pagination_token)
        assert page.prev_pagination_token
        seen.extend(r.id for r in page.data)
    assert seen == all_ids

    back = on_entity.roles.get(pagination_token=page.prev_pagination_token)
    assert [r.id for r in back.data] == seen[-len(page.data) - 2 : -len(page.data)]


def test_role_without_read_cannot_list_roles(server, on_entity):
    role = on_entity.roles.create(name="no-role-read", permissions=permissions(entity_user=["read"]))
    user = on_entity.entity_users.create(login=new_login(), first_name="Nora", role_id=role.id)
    as_user = server.client(token=user_token(server, user.id))
    with pytest.raises(ForbiddenError) as caught:
        as_user.roles.get()
    assert caught.value.status_code == 403
    assert caught.value.body == {"error": {"message": "Action read for role not allowed"}}


def test_delete_missing_role_is_not_found(on_entity):
    with pytest.raises(NotFoundError) as caught:
        on_entity.roles.delete_roles_id("00000000-0000-4000-8000-000000000000")
    assert caught.value.status_code == 404
    assert caught.value.body == {"error": {"message": "Role not found"}}
