"""Entity users through the SDK: create, me / my_role, paging, refusals
(docs/auth-entities.md, "Entity users and roles")."""

from __future__ import annotations

import uuid

import pytest
from monite.core.api_error import ApiError
from monite.errors import BadRequestError, ForbiddenError, UnprocessableEntityError

from tests.sdk.conftest import new_login, permissions, user_token


def test_user_token_sees_itself_and_its_role(server, entity, on_entity):
    role = on_entity.roles.create(name="clerk", permissions=permissions(role=["read"], entity_user=["read"]))
    login = new_login()
    user = on_entity.entity_users.create(
        login=login, first_name="Casey", last_name="Jones", email="casey@acme.example", role_id=role.id
    )
    assert user.login == login and user.role_id == role.id and user.status == "active"

    as_user = server.client(token=user_token(server, user.id))
    me = as_user.entity_users.get_current()
    assert (me.id, me.login, me.first_name, me.last_name, me.email) == (
        user.id, login, "Casey", "Jones", "casey@acme.example"
    )
    my_role = as_user.entity_users.get_current_role()
    assert (my_role.id, my_role.name) == (role.id, "clerk")
    assert {o.object_type for o in my_role.permissions.objects} == {"role", "entity_user"}

    # An entity-user token needs no entity header, and the user reads its own entity's list.
    listed = as_user.entity_users.get(limit=100)
    assert user.id in {u.id for u in listed.data}


def test_list_entity_users_in_pages(on_entity):
    role = on_entity.roles.create(name="pager", permissions=permissions(role=["read"]))
    created = [
        on_entity.entity_users.create(login=new_login(), first_name=f"U{i}", role_id=role.id).id for i in range(5)
    ]
    everything = [u.id for u in on_entity.entity_users.get(limit=100).data]
    assert set(created) <= set(everything)

    page = on_entity.entity_users.get(limit=2)
    assert len(page.data) == 2 and page.prev_pagination_token is None
    seen = [u.id for u in page.data]
    pages = 1
    while page.next_pagination_token:
        page = on_entity.entity_users.get(pagination_token=page.next_pagination_token)
        seen.extend(u.id for u in page.data)
        pages += 1
    assert seen == everything
    assert pages == (len(everything) + 1) // 2


def test_user_token_on_another_entity_is_forbidden(server, partner, on_entity):
    other = partner.entities.create(
        type="organization",
        email="other@acme.example",
        address={"country": "DE", "city": "Berlin", "line1": "Unter den Linden 2", "postal_code": "10117"},
        organization={"legal_name": "Other GmbH"},
    )
    role = on_entity.roles.create(name="lister", permissions=permissions(entity_user=["read"]))
    user = on_entity.entity_users.create(login=new_login(), first_name="Ed", role_id=role.id)
    misdirected = server.client(token=user_token(server, user.id), entity_id=other.id)
    with pytest.raises(ForbiddenError) as caught:
        misdirected.entity_users.get()
    assert caught.value.body == {
        "error": {"message": "The entity user does not belong to the entity specified in x-monite-entity-id"}
    }


def test_missing_entity_user_is_404(on_entity):
    # entity_users.get_by_id maps no 404 to a typed error: the SDK raises a plain ApiError.
    with pytest.raises(ApiError) as caught:
        on_entity.entity_users.get_by_id(str(uuid.uuid4()))
    assert caught.value.status_code == 404
    assert caught.value.body == {"error": {"message": "Entity user not found"}}


def test_duplicate_login_is_400(on_entity):
    login = new_login()
    on_entity.entity_users.create(login=login, first_name="First")
    with pytest.raises(BadRequestError) as caught:
        on_entity.entity_users.create(login=login, first_name="Second")
    assert caught.value.status_code == 400
    assert caught.value.body == {"error": {"message": f"Entity user with login '{login}' already exists"}}


def test_bad_email_is_422(on_entity):
    with pytest.raises(UnprocessableEntityError) as caught:
        on_entity.entity_users.create(login=new_login(), first_name="Bad", email="not-an-email")
    assert caught.value.status_code == 422
    assert [e["loc"] for e in caught.value.body["detail"]] == [["body", "email"]]


def test_unknown_role_id_is_422(on_entity):
    with pytest.raises(UnprocessableEntityError) as caught:
        on_entity.entity_users.create(login=new_login(), first_name="Bad", role_id=str(uuid.uuid4()))
    assert [e["loc"] for e in caught.value.body["detail"]] == [["body", "role_id"]]
