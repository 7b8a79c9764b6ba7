"""POST /auth/token, POST /auth/revoke and bearer checks on every call
(docs/auth-entities.md, "Partners and tokens", "Checks on every request")."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import timedelta

import jwt
import pytest

from remit.core import clock
from tests.fixtures.entities import Partner, new_partner_credential

UNAUTHORIZED = 401


@pytest.fixture(scope="module")
async def partner(client, db) -> Partner:
    """One partner for the module; tests that revoke a token revoke one issued for them."""
    client_id, secret = new_partner_credential(db)
    p = Partner(client, client_id, secret)
    p.token = await p.token_for()
    return p


@pytest.fixture(scope="module")
async def stranger(client, db) -> Partner:
    """Another partner, with its own entity and user."""
    client_id, secret = new_partner_credential(db)
    p = Partner(client, client_id, secret)
    p.token = await p.token_for()
    return p


@pytest.fixture(autouse=True)
def reset_clock():
    yield
    clock.reset()


def grant(partner: Partner, grant_type: str = "client_credentials", **extra) -> dict:
    return {"client_id": str(partner.client_id), "client_secret": partner.client_secret, "grant_type": grant_type, **extra}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def assert_unauthorized(response, message: str | None = None) -> None:
    assert response.status_code == UNAUTHORIZED, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    if message is not None:
        assert body["error"]["message"] == message


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


class TestObtainToken:
    async def test_client_credentials(self, client, partner):
        response = await client.post("/auth/token", json=grant(partner))
        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "expires_in", "token_type"}
        assert body["token_type"] == "Bearer"
        assert body["expires_in"] == 1800
        listed = await client.get("/entities", headers=bearer(body["access_token"]))
        assert listed.status_code == 200

    async def test_client_credentials_ignores_entity_user_id(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        response = await client.post("/auth/token", json=grant(partner, entity_user_id=user.id))
        assert response.status_code == 200
        # Still a partner token: partner-only endpoints answer, user-only ones refuse.
        token = response.json()["access_token"]
        assert (await client.get("/entities", headers=bearer(token))).status_code == 200
        assert (await client.get("/entity_users/me", headers=bearer(token))).status_code == 403

    async def test_entity_user(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        response = await client.post("/auth/token", json=grant(partner, "entity_user", entity_user_id=user.id))
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
        me = await client.get("/entity_users/me", headers=bearer(body["access_token"]))
        assert me.status_code == 200
        assert me.json()["id"] == user.id

    async def test_tokens_are_distinct(self, client, partner):
        first = (await client.post("/auth/token", json=grant(partner))).json()["access_token"]
        second = (await client.post("/auth/token", json=grant(partner))).json()["access_token"]
        assert first != second

    async def test_wrong_secret(self, client, partner):
        body = grant(partner) | {"client_secret": partner.client_secret + "x"}
        response = await client.post("/auth/token", json=body)
        assert response.status_code == 401
        assert response.json() == {"error": {"message": "Invalid client credentials"}}

    async def test_unknown_client(self, client, partner):
        body = grant(partner) | {"client_id": str(uuid.uuid4())}
        response = await client.post("/auth/token", json=body)
        assert response.status_code == 401
        assert response.json() == {"error": {"message": "Invalid client credentials"}}

    async def test_secret_of_another_partner(self, client, partner, stranger):
        body = grant(partner) | {"client_secret": stranger.client_secret}
        response = await client.post("/auth/token", json=body)
        assert response.json() == {"error": {"message": "Invalid client credentials"}}

    async def test_wrong_secret_for_entity_user_grant(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        body = grant(partner, "entity_user", entity_user_id=user.id) | {"client_secret": "nope"}
        response = await client.post("/auth/token", json=body)
        assert response.status_code == 401
        assert response.json() == {"error": {"message": "Invalid client credentials"}}

    @pytest.mark.parametrize("entity_user_id", [None, "absent"])
    async def test_entity_user_grant_without_user(self, client, partner, entity_user_id):
        body = grant(partner, "entity_user")
        if entity_user_id is None:
            body["entity_user_id"] = None
        response = await client.post("/auth/token", json=body)
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["detail"]] == [["body", "entity_user_id"]]

    async def test_unknown_user(self, client, partner):
        response = await client.post("/auth/token", json=grant(partner, "entity_user", entity_user_id=str(uuid.uuid4())))
        assert_unauthorized(response)

    async def test_deleted_user(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        deleted = await client.delete(f"/entity_users/{user.id}", headers=partner.on(entity["id"]))
        assert deleted.status_code == 204
        response = await client.post("/auth/token", json=grant(partner, "entity_user", entity_user_id=user.id))
        assert_unauthorized(response)

    async def test_user_of_another_partner(self, client, partner, stranger):
        foreign_entity = await stranger.create_entity()
        foreign_user = await stranger.create_user(foreign_entity["id"])
        response = await client.post("/auth/token", json=grant(partner, "entity_user", entity_user_id=foreign_user.id))
        assert_unauthorized(response)

    async def test_user_of_an_inactive_entity_still_gets_a_token(self, client, partner):
        entity = await partner.create_entity()
        user = await partner.create_user(entity["id"])
        assert (await client.post(f"/entities/{entity['id']}/deactivate", headers=partner.auth)).status_code == 200
        response = await client.post("/auth/token", json=grant(partner, "entity_user", entity_user_id=user.id))
        assert response.status_code == 200

    @pytest.mark.parametrize(
        ("change", "loc"),
        [
            ({"scope": "all"}, ["body", "scope"]),
            ({"grant_type": "password"}, ["body", "grant_type"]),
            ({"client_id": "not-a-uuid"}, ["body", "client_id"]),
            ({"entity_user_id": "not-a-uuid"}, ["body", "entity_user_id"]),
        ],
    )
    async def test_body_violations(self, client, partner, change, loc):
        response = await client.post("/auth/token", json=grant(partner) | change)
        assert response.status_code == 422
        assert loc in [e["loc"] for e in response.json()["detail"]]

    @pytest.mark.parametrize("missing", ["client_id", "client_secret", "grant_type"])
    async def test_missing_fields(self, client, partner, missing):
        body = grant(partner)
        del body[missing]
        response = await client.post("/auth/token", json=body)
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["detail"]] == [["body", missing]]

    async def test_needs_no_bearer(self, client, partner):
        response = await client.post("/auth/token", json=grant(partner), headers=bearer("garbage"))
        assert response.status_code == 200


class TestBearer:
    """Every authenticated route rejects bad tokens with 401 and a JSON error body."""

    ROUTES = ["/entities", "/entity_users/me"]

    @pytest.mark.parametrize("path", ROUTES)
    async def test_missing(self, client, path):
        response = await client.get(path)
        assert_unauthorized(response, "Unauthorized")

    async def test_missing_on_entity_scoped_route(self, client, entity):
        response = await client.get("/roles", headers={"x-monite-entity-id": entity["id"]})
        assert_unauthorized(response, "Unauthorized")

    @pytest.mark.parametrize(
        "authorization",
        ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Token abc", "bearer-abc", "Bearer not.a.jwt", "Bearer abc"],
    )
    async def test_malformed(self, client, authorization):
        response = await client.get("/entities", headers={"authorization": authorization})
        assert_unauthorized(response)

    async def test_scheme_is_case_insensitive(self, client, partner):
        response = await client.get("/entities", headers={"authorization": f"bearer {partner.token}"})
        assert response.status_code == 200

    async def test_expired(self, client, partner, entity):
        token = await partner.token_for()
        assert (await client.get("/entities", headers=bearer(token))).status_code == 200
        clock.move(timedelta(seconds=1801))
        assert_unauthorized(await client.get("/entities", headers=bearer(token)), "Token expired")
        scoped = await client.get("/roles", headers={**bearer(token), "x-monite-entity-id": entity["id"]})
        assert_unauthorized(scoped, "Token expired")

    async def test_expired_user_token(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        clock.move(timedelta(seconds=1801))
        assert_unauthorized(await client.get("/entity_users/me", headers=user.auth), "Token expired")
        clock.reset()
        assert (await client.get("/entity_users/me", headers=user.auth)).status_code == 200

    async def test_still_valid_just_before_expiry(self, client, partner):
        token = await partner.token_for()
        clock.move(timedelta(seconds=1790))
        assert (await client.get("/entities", headers=bearer(token))).status_code == 200

    async def test_tampered_signature(self, client, partner):
        header, payload, signature = partner.token.split(".")
        forged = jwt.encode({"x": 1}, "a key that remit does not know at all", algorithm="HS256").split(".")[2]
        assert forged != signature
        assert_unauthorized(await client.get("/entities", headers=bearer(f"{header}.{payload}.{forged}")))

    async def test_tampered_payload(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        header, payload, signature = user.token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["grant_type"] = "client_credentials"  # try to turn the user into the partner
        del claims["entity_user_id"], claims["entity_id"]
        assert_unauthorized(await client.get("/entities", headers=bearer(f"{header}.{b64(claims)}.{signature}")))

    async def test_alg_none(self, client, partner):
        payload = partner.token.split(".")[1]
        token = b64({"alg": "none", "typ": "JWT"}) + "." + payload + "."
        assert_unauthorized(await client.get("/entities", headers=bearer(token)))

    async def test_alg_none_with_fresh_claims(self, client, partner):
        now = int(time.time())
        claims = {
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": now + 600,
            "grant_type": "client_credentials",
            "client_id": str(partner.client_id),
            "partner_id": str(uuid.uuid4()),
        }
        token = b64({"alg": "none", "typ": "JWT"}) + "." + b64(claims) + "."
        assert_unauthorized(await client.get("/entities", headers=bearer(token)))

    async def test_revoked_partner_token(self, client, partner, entity):
        token = await partner.token_for()
        revoked = await client.post("/auth/revoke", json=self.revoke_body(partner, token))
        assert revoked.status_code == 200
        assert_unauthorized(await client.get("/entities", headers=bearer(token)), "Token revoked")
        scoped = await client.get("/roles", headers={**bearer(token), "x-monite-entity-id": entity["id"]})
        assert_unauthorized(scoped, "Token revoked")
        # Other tokens of the same client are unaffected.
        assert (await client.get("/entities", headers=partner.auth)).status_code == 200

    async def test_revoked_partner_token_without_entity_header(self, client, partner):
        token = await partner.token_for()
        await client.post("/auth/revoke", json=self.revoke_body(partner, token))
        # 401 comes before the 422 for the missing header.
        assert_unauthorized(await client.get("/roles", headers=bearer(token)), "Token revoked")

    async def test_revoked_user_token(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        await client.post("/auth/revoke", json=self.revoke_body(partner, user.token))
        assert_unauthorized(await client.get("/entity_users/me", headers=user.auth), "Token revoked")
        assert_unauthorized(await client.get("/roles", headers=user.auth), "Token revoked")
        fresh = await partner.token_for("entity_user", user.id)
        assert (await client.get("/entity_users/me", headers=bearer(fresh))).status_code == 200

    async def test_deleted_users_token(self, client, partner, entity):
        user = await partner.create_user(entity["id"])
        assert (await client.get("/entity_users/me", headers=user.auth)).status_code == 200
        assert (await client.delete(f"/entity_users/{user.id}", headers=partner.on(entity["id"]))).status_code == 204
        assert_unauthorized(await client.get("/entity_users/me", headers=user.auth))
        assert_unauthorized(await client.get("/roles", headers=user.auth))
        assert_unauthorized(await client.patch("/entity_users/me", json={"first_name": "X"}, headers=user.auth))

    async def test_partner_token_is_scoped_to_its_partner(self, client, partner, stranger):
        foreign = await stranger.create_entity()
        response = await client.get(f"/entities/{foreign['id']}", headers=partner.auth)
        assert response.status_code == 404

    @staticmethod
    def revoke_body(partner: Partner, token: str) -> dict:
        return {"client_id": str(partner.client_id), "client_secret": partner.client_secret, "token": token}


class TestRevoke:
    revoke_body = staticmethod(TestBearer.revoke_body)

    async def test_revoke(self, client, partner):
        token = await partner.token_for()
        response = await client.post("/auth/revoke", json=self.revoke_body(partner, token))
        assert response.status_code == 200
        assert response.json() == {"message": "Token revoked"}

    async def test_idempotent(self, client, partner):
        token = await partner.token_for()
        for _ in range(3):
            response = await client.post("/auth/revoke", json=self.revoke_body(partner, token))
            assert response.status_code == 200
            assert response.json() == {"message": "Token revoked"}
        assert_unauthorized(await client.get("/entities", headers=bearer(token)), "Token revoked")

    @pytest.mark.parametrize("token", ["", "garbage", "a.b.c"])
    async def test_unknown_token(self, client, partner, token):
        response = await client.post("/auth/revoke", json=self.revoke_body(partner, token))
        assert response.status_code == 200
        assert response.json() == {"message": "Token revoked"}

    async def test_expired_token(self, client, partner):
        token = await partner.token_for()
        clock.move(timedelta(seconds=1801))
        response = await client.post("/auth/revoke", json=self.revoke_body(partner, token))
        assert response.status_code == 200
        assert response.json() == {"message": "Token revoked"}

    async def test_wrong_credentials(self, client, partner):
        token = await partner.token_for()
        body = self.revoke_body(partner, token) | {"client_secret": "wrong"}
        response = await client.post("/auth/revoke", json=body)
        assert_unauthorized(response)
        assert (await client.get("/entities", headers=bearer(token))).status_code == 200

    async def test_unknown_client(self, client, partner):
        body = self.revoke_body(partner, partner.token) | {"client_id": str(uuid.uuid4())}
        assert_unauthorized(await client.post("/auth/revoke", json=body))

    async def test_token_of_another_client(self, client, partner, stranger):
        token = await partner.token_for()
        response = await client.post("/auth/revoke", json=self.revoke_body(stranger, token))
        assert_unauthorized(response)
        assert (await client.get("/entities", headers=bearer(token))).status_code == 200

    async def test_user_token_of_another_client(self, client, partner, stranger, entity):
        user = await partner.create_user(entity["id"])
        assert_unauthorized(await client.post("/auth/revoke", json=self.revoke_body(stranger, user.token)))
        assert (await client.get("/entity_users/me", headers=user.auth)).status_code == 200

    @pytest.mark.parametrize("missing", ["client_id", "client_secret", "token"])
    async def test_missing_fields(self, client, partner, missing):
        body = self.revoke_body(partner, partner.token)
        del body[missing]
        response = await client.post("/auth/revoke", json=body)
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["detail"]] == [["body", missing]]

    async def test_unknown_field(self, client, partner):
        body = self.revoke_body(partner, "x") | {"reason": "lost"}
        response = await client.post("/auth/revoke", json=body)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "reason"]
