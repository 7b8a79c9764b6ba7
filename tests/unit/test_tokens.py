"""Bearer tokens (docs/auth-entities.md, "Partners and tokens"): HS256 JWTs issued and verified by
TokenCodec."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from datetime import timedelta

import jwt
import pytest

from remit.auth.tokens import CLIENT_CREDENTIALS, ENTITY_USER, TokenCodec, expiry_datetime
from remit.core import clock
from remit.core.errors import Unauthorized

TTL = 1800
CLIENT_ID = uuid.uuid4()
PARTNER_ID = uuid.uuid4()
ENTITY_ID = uuid.uuid4()
USER_ID = uuid.uuid4()


@pytest.fixture(autouse=True)
def reset_clock():
    clock.reset()
    yield
    clock.reset()


@pytest.fixture
def codec() -> TokenCodec:
    return TokenCodec("unit-test-secret", TTL)


def partner_token(codec: TokenCodec) -> str:
    return codec.issue(grant_type=CLIENT_CREDENTIALS, client_id=CLIENT_ID, partner_id=PARTNER_ID)


def user_token(codec: TokenCodec) -> str:
    return codec.issue(
        grant_type=ENTITY_USER, client_id=CLIENT_ID, partner_id=PARTNER_ID, entity_id=ENTITY_ID, entity_user_id=USER_ID
    )


def claims(**overrides) -> dict:
    now = int(time.time())
    values = {
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + TTL,
        "grant_type": CLIENT_CREDENTIALS,
        "client_id": str(CLIENT_ID),
        "partner_id": str(PARTNER_ID),
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def assert_rejected(codec: TokenCodec, token: str, message: str = "Unauthorized") -> None:
    with pytest.raises(Unauthorized) as caught:
        codec.decode(token)
    assert caught.value.status_code == 401
    assert caught.value.message == message


class TestIssue:
    def test_partner_token(self, codec):
        principal = codec.decode(partner_token(codec))
        assert principal.is_partner
        assert principal.grant_type == CLIENT_CREDENTIALS
        assert (principal.client_id, principal.partner_id) == (CLIENT_ID, PARTNER_ID)
        assert principal.entity_id is None and principal.entity_user_id is None

    def test_entity_user_token(self, codec):
        principal = codec.decode(user_token(codec))
        assert not principal.is_partner
        assert principal.grant_type == ENTITY_USER
        assert (principal.entity_id, principal.entity_user_id) == (ENTITY_ID, USER_ID)

    def test_claims(self, codec):
        before = int(clock.now().timestamp())
        token = user_token(codec)
        header = jwt.get_unverified_header(token)
        body = jwt.decode(token, options={"verify_signature": False})
        assert header["alg"] == "HS256"
        assert set(body) == {"jti", "iat", "exp", "grant_type", "client_id", "partner_id", "entity_id", "entity_user_id"}
        assert body["exp"] - body["iat"] == TTL
        assert before <= body["iat"] <= before + 1
        assert body["entity_user_id"] == str(USER_ID)

    def test_partner_token_has_no_user_claims(self, codec):
        body = jwt.decode(partner_token(codec), options={"verify_signature": False})
        assert "entity_id" not in body and "entity_user_id" not in body

    def test_every_token_is_unique(self, codec):
        tokens = {partner_token(codec) for _ in range(20)}
        ids = {codec.decode(t).jti for t in tokens}
        assert len(tokens) == len(ids) == 20

    def test_issue_follows_the_clock(self, codec):
        # Tests move the clock (core/clock.py); a token issued then must be usable then.
        clock.move(timedelta(days=3))
        principal = codec.decode(partner_token(codec))
        assert principal.expires_at == pytest.approx((clock.now() + timedelta(seconds=TTL)).timestamp(), abs=2)
        assert expiry_datetime(principal) == pytest.approx(clock.now() + timedelta(seconds=TTL), abs=timedelta(seconds=2))


class TestExpiry:
    def test_valid_just_before_expiry(self, codec):
        token = partner_token(codec)
        clock.move(timedelta(seconds=TTL - 5))
        assert codec.decode(token).partner_id == PARTNER_ID

    def test_expired(self, codec):
        token = partner_token(codec)
        clock.move(timedelta(seconds=TTL + 1))
        assert_rejected(codec, token, "Token expired")

    def test_expiry_is_checked_even_for_a_cached_token(self, codec):
        token = user_token(codec)
        codec.decode(token)  # verified and cached
        clock.move(timedelta(seconds=TTL + 1))
        assert_rejected(codec, token, "Token expired")
        clock.reset()
        assert codec.decode(token).entity_user_id == USER_ID

    def test_expired_token_signed_elsewhere(self, codec):
        token = jwt.encode(claims(exp=int(time.time()) - 10), codec._key, algorithm="HS256")
        assert_rejected(codec, token, "Token expired")

    def test_expired_token_can_still_be_read_for_revocation(self, codec):
        token = partner_token(codec)
        clock.move(timedelta(seconds=TTL + 60))
        principal = codec.decode_unverified_expiry(token)
        assert principal is not None and principal.client_id == CLIENT_ID


class TestForgery:
    def test_tampered_signature(self, codec):
        header, payload, signature = partner_token(codec).split(".")
        forged = jwt.encode(claims(), "not the key, but just as long as one", algorithm="HS256").split(".")[2]
        assert forged != signature
        assert_rejected(codec, f"{header}.{payload}.{forged}")

    def test_tampered_payload(self, codec):
        header, _, signature = user_token(codec).split(".")
        payload = b64(claims(grant_type=CLIENT_CREDENTIALS))  # try to turn a user token into a partner token
        assert_rejected(codec, f"{header}.{payload}.{signature}")

    def test_signed_by_another_server(self, codec):
        assert_rejected(codec, partner_token(TokenCodec("another-secret", TTL)))

    def test_signed_with_a_key_derived_differently_from_the_same_secret(self, codec):
        assert_rejected(codec, jwt.encode(claims(), hashlib.sha256(b"unit-test-secret").digest(), algorithm="HS256"))

    @pytest.mark.parametrize("signature", ["", "c2lnbmF0dXJl"])
    def test_alg_none(self, codec, signature):
        token = b64({"alg": "none", "typ": "JWT"}) + "." + b64(claims()) + "." + signature
        assert_rejected(codec, token)

    @pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
    @pytest.mark.parametrize("alg", ["HS384", "HS512"])
    def test_other_hmac_algorithms_with_the_right_key(self, codec, alg):
        assert_rejected(codec, jwt.encode(claims(), codec._key, algorithm=alg))

    @pytest.mark.parametrize("token", ["", "abc", "a.b.c", "Bearer x", "e30.e30.", "....", "ü.ü.ü"])
    def test_garbage(self, codec, token):
        assert_rejected(codec, token)
        assert codec.decode_unverified_expiry(token) is None


class TestClaims:
    @pytest.mark.parametrize("grant_type", ["password", "authorization_code", "", "CLIENT_CREDENTIALS", None])
    def test_wrong_grant(self, codec, grant_type):
        token = jwt.encode(claims(grant_type=grant_type), codec._key, algorithm="HS256")
        assert_rejected(codec, token)
        assert codec.decode_unverified_expiry(token) is None

    @pytest.mark.parametrize("missing", ["jti", "iat", "exp", "client_id", "partner_id"])
    def test_required_claims(self, codec, missing):
        document = claims()
        del document[missing]
        assert_rejected(codec, jwt.encode(document, codec._key, algorithm="HS256"))

    @pytest.mark.parametrize(
        "overrides",
        [
            {"client_id": "not-a-uuid"},
            {"partner_id": "not-a-uuid"},
            {"grant_type": ENTITY_USER},  # a user grant without entity_id / entity_user_id
            {"grant_type": ENTITY_USER, "entity_id": str(ENTITY_ID), "entity_user_id": "nope"},
            {"exp": "tomorrow"},
        ],
    )
    def test_malformed_claims(self, codec, overrides):
        assert_rejected(codec, jwt.encode(claims(**overrides), codec._key, algorithm="HS256"))

    def test_a_well_formed_token_signed_with_the_key_is_accepted(self, codec):
        # The counterpart of the cases above: the hand-built claims are otherwise valid.
        token = jwt.encode(claims(), codec._key, algorithm="HS256")
        assert codec.decode(token).partner_id == PARTNER_ID
