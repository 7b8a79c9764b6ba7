"""Tokens through the SDK: both grants, refusals, revocation
(docs/auth-entities.md, "Partners and tokens")."""

from __future__ import annotations

import uuid

import pytest
from monite.core.api_error import ApiError
from monite.errors import UnauthorizedError

from tests.sdk.conftest import new_login, permissions, user_token


def test_partner_token_is_a_bearer_token(server):
    token = server.client().access_tokens.create(
        client_id=server.client_id, client_secret=server.client_secret, grant_type="client_credentials"
    )
    assert token.token_type == "Bearer"
    assert token.expires_in == 1800
    assert token.access_token


def test_wrong_client_secret_is_401(server):
    # access_tokens.create maps only 400/422/429 to typed errors, so 401 is a plain ApiError.
    with pytest.raises(ApiError) as caught:
        server.client().access_tokens.create(
            client_id=server.client_id, client_secret="not-the-secret", grant_type="client_credentials"
        )
    assert caught.value.status_code == 401
    assert caught.value.body == {"error": {"message": "Invalid client credentials"}}


def test_unknown_entity_user_grant_is_401(server):
    with pytest.raises(ApiError) as caught:
        user_token(server, str(uuid.uuid4()))
    assert caught.value.status_code == 401
    assert isinstance(caught.value.body["error"]["message"], str)


def test_garbage_token_is_unauthorized(server):
    with pytest.raises(UnauthorizedError) as caught:
        server.client(token="not-a-token").entity_users.get_current()
    assert caught.value.status_code == 401
    assert isinstance(caught.value.body["error"]["message"], str)


def test_revoked_token_is_refused(server, on_entity):
    role = on_entity.roles.create(name="reader", permissions=permissions(role=["read"]))
    user = on_entity.entity_users.create(login=new_login(), first_name="Rita", role_id=role.id)
    token = user_token(server, user.id)
    assert server.client(token=token).entity_users.get_current().id == user.id

    revoked = server.client().access_tokens.revoke(
        client_id=server.client_id, client_secret=server.client_secret, token=token
    )
    assert revoked.message == "Token revoked"
    with pytest.raises(UnauthorizedError) as caught:
        server.client(token=token).entity_users.get_current()
    assert caught.value.body == {"error": {"message": "Token revoked"}}
