"""Pagination tokens and ``field__op`` filter names (docs/auth-entities.md, "Lists and pagination"), without a
database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from datetime import UTC, datetime

import orjson
import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from remit.core import pagination
from remit.core.errors import BadRequest
from remit.core.pagination import InvalidPaginationToken, ListQuery, OrderEnum, Paginator, split_filter
from remit.entities.roles.models import Role
from remit.entities.roles.schemas import RoleListQuery
from remit.entities.users.models import EntityUser
from remit.entities.users.schemas import EntityUserListQuery

SCOPE = str(uuid.UUID(int=1))
OTHER_SCOPE = str(uuid.UUID(int=2))
BOUNDARY_AT = datetime(2024, 5, 25, 12, 30, 15, 123456, tzinfo=UTC)
BOUNDARY_ID = uuid.UUID("0d3c7d1c-4c7b-4a5f-9d0e-2f0a1c9b8e7d")


KEY = pagination.token_key("unit-test-secret")


def roles() -> Paginator:
    return Paginator(
        endpoint="GET /roles",
        query_model=RoleListQuery,
        id_column=Role.id,
        sort_columns={"created_at": Role.created_at, "updated_at": Role.updated_at},
    )


def users() -> Paginator:
    return Paginator(
        endpoint="GET /entity_users",
        query_model=EntityUserListQuery,
        id_column=EntityUser.id,
        sort_columns={"created_at": EntityUser.created_at, "updated_at": EntityUser.updated_at},
    )


def query(**values) -> RoleListQuery:
    return RoleListQuery(limit=2, order="desc", sort="updated_at", name="Admins", **values)


def issue(paginator: Paginator, q: ListQuery | None = None, *, scope: str = SCOPE, direction: str = "next") -> str:
    return paginator._encode(q or query(), scope, direction, (BOUNDARY_AT, BOUNDARY_ID), key=KEY)


def forge(document: dict, key: bytes | None = None) -> str:
    """A token with a valid signature over an arbitrary document."""
    payload = base64.urlsafe_b64encode(orjson.dumps(document)).rstrip(b"=")
    signature = base64.urlsafe_b64encode(hmac.new(key or KEY, payload, hashlib.sha256).digest()[:18])
    return (payload + b"." + signature).decode()


def document(token: str) -> dict:
    payload = token.split(".")[0]
    return orjson.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def valid_document(**overrides) -> dict:
    return document(issue(roles())) | overrides


class TestRoundTrip:
    def test_decode_returns_the_query_direction_and_boundary(self):
        q = query(id__in=[BOUNDARY_ID], created_at__gte=BOUNDARY_AT)
        token = roles()._encode(q, SCOPE, "prev", (BOUNDARY_AT, BOUNDARY_ID), key=KEY)
        decoded, direction, boundary = roles()._decode(token, SCOPE, KEY)
        assert decoded == q
        assert decoded.order is OrderEnum.desc
        assert direction == "prev"
        value, last_id = roles()._restore(boundary, Role.updated_at)
        assert value == BOUNDARY_AT
        assert last_id == BOUNDARY_ID

    def test_token_is_url_safe_and_carries_the_documented_keys(self):
        token = issue(roles())
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
        doc = document(token)
        assert doc["v"] == pagination.TOKEN_VERSION
        assert doc["ep"] == "GET /roles"
        assert doc["ent"] == SCOPE
        assert doc["dir"] == "next"
        assert doc["q"] == {"order": "desc", "limit": 2, "sort": "updated_at", "name": "Admins"}
        assert doc["k"] == [BOUNDARY_AT.isoformat(), str(BOUNDARY_ID)]

    def test_the_token_itself_is_not_kept_in_the_query(self):
        token = issue(roles(), query(pagination_token="an earlier token"))
        assert "pagination_token" not in document(token)["q"]
        decoded, _, _ = roles()._decode(token, SCOPE, KEY)
        assert decoded.pagination_token is None

    def test_encoding_is_deterministic(self):
        assert issue(roles()) == issue(roles())


class TestTampering:
    def assert_invalid(self, token: str, paginator: Paginator | None = None, scope: str = SCOPE) -> None:
        with pytest.raises(InvalidPaginationToken) as caught:
            (paginator or roles())._decode(token, scope, KEY)
        assert caught.value.status_code == 400
        assert caught.value.body() == {"error": {"message": "Invalid pagination token"}}

    def test_invalid_token_is_a_bad_request(self):
        assert issubclass(InvalidPaginationToken, BadRequest)

    @pytest.mark.parametrize("position", [0, 5, 20, -30])
    def test_a_changed_payload_character(self, position):
        token = issue(roles())
        payload, signature = token.split(".")
        index = position % len(payload)
        swapped = "A" if payload[index] != "A" else "B"
        self.assert_invalid(payload[:index] + swapped + payload[index + 1 :] + "." + signature)

    def test_a_changed_signature(self):
        token = issue(roles())
        payload, signature = token.split(".")
        swapped = "A" if signature[3] != "A" else "B"
        self.assert_invalid(payload + "." + signature[:3] + swapped + signature[4:])

    def test_payload_edited_and_reencoded_without_the_key(self):
        doc = valid_document(q={"limit": 100, "order": "asc"})
        payload = base64.urlsafe_b64encode(orjson.dumps(doc)).rstrip(b"=").decode()
        self.assert_invalid(payload + "." + issue(roles()).split(".")[1])

    def test_missing_signature(self):
        self.assert_invalid(issue(roles()).split(".")[0])
        self.assert_invalid(issue(roles()).split(".")[0] + ".")

    def test_signed_with_another_key(self):
        self.assert_invalid(forge(valid_document(), key=hashlib.sha256(b"another server").digest()))

    def test_signed_before_the_key_changed(self):
        token = issue(roles())
        with pytest.raises(InvalidPaginationToken):
            roles()._decode(token, SCOPE, pagination.token_key("rotated-secret"))

    @pytest.mark.parametrize("garbage", ["", ".", "abc", "abc.def", "%%%.%%%", "ü.ü", "eyJ2IjoxfQ", "null.null"])
    def test_garbage(self, garbage):
        self.assert_invalid(garbage)

    def test_validly_signed_garbage_payloads(self):
        for payload in (b"not base64 json!", b"bnVsbA", b"W10", b"MQ"):  # text, null, [], 1
            signature = base64.urlsafe_b64encode(hmac.new(KEY, payload, hashlib.sha256).digest()[:18])
            self.assert_invalid((payload + b"." + signature).decode())


class TestForeignTokens:
    def test_token_of_another_endpoint(self):
        token = issue(users(), EntityUserListQuery(limit=2))
        TestTampering().assert_invalid(token, roles())

    def test_token_of_another_entity(self):
        TestTampering().assert_invalid(issue(roles()), scope=OTHER_SCOPE)

    def test_same_endpoint_and_entity_is_accepted(self):
        assert roles()._decode(issue(roles()), SCOPE, KEY)[0].name == "Admins"

    @pytest.mark.parametrize(
        "overrides",
        [
            {"v": pagination.TOKEN_VERSION + 1},
            {"ep": "GET /entities"},
            {"ent": OTHER_SCOPE},
            {"dir": "sideways"},
            {"k": [BOUNDARY_AT.isoformat()]},
            {"k": "not-a-list"},
            {"q": {"limit": 1000}},
            {"q": {"sort": "name"}},
            {"q": {"order": "up"}},
            {"q": "not-an-object"},
        ],
        ids=lambda o: next(iter(o)) + "=" + repr(next(iter(o.values())))[:20],
    )
    def test_forged_documents_with_a_valid_signature(self, overrides):
        TestTampering().assert_invalid(forge(valid_document(**overrides)))

    @pytest.mark.parametrize("missing", ["v", "ep", "ent", "q", "dir", "k"])
    def test_forged_documents_missing_a_key(self, missing):
        doc = valid_document()
        del doc[missing]
        TestTampering().assert_invalid(forge(doc))

    @pytest.mark.parametrize("boundary", [["yesterday", str(BOUNDARY_ID)], [BOUNDARY_AT.isoformat(), "not-a-uuid"], [1, 2]])
    def test_unusable_boundary_values(self, boundary):
        with pytest.raises(InvalidPaginationToken):
            roles()._restore(boundary, Role.created_at)


class TestSplitFilter:
    @pytest.mark.parametrize(
        ("name", "expected"),
        [
            ("status", ("status", None)),
            ("created_at", ("created_at", None)),
            ("created_at__gte", ("created_at", "gte")),
            ("created_at__gt", ("created_at", "gt")),
            ("due_date__lt", ("due_date", "lt")),
            ("total_amount__lte", ("total_amount", "lte")),
            ("id__in", ("id", "in")),
            ("tag_ids__not_in", ("tag_ids", "not_in")),
            ("document_id__contains", ("document_id", "contains")),
            ("counterpart_name__icontains", ("counterpart_name", "icontains")),
            ("name__ncontains", ("name", "ncontains")),
            ("document_id__iexact", ("document_id", "iexact")),
            ("name__istartswith", ("name", "istartswith")),
            # only a known operator is split off
            ("was_created_by_user_id", ("was_created_by_user_id", None)),
            ("field__unknown", ("field__unknown", None)),
            ("a__b__in", ("a__b", "in")),
            ("status_in", ("status_in", None)),
        ],
    )
    def test_split(self, name, expected):
        assert split_filter(name) == expected


class TestApplyFilters:
    def sql(self, q: ListQuery, paginator: Paginator | None = None) -> str:
        stmt = (paginator or roles()).apply_filters(select(Role), q)
        return str(stmt.compile(dialect=postgresql.dialect()))

    def test_no_filters(self):
        assert "WHERE" not in self.sql(RoleListQuery())

    def test_exact_range_and_in_filters(self):
        sql = self.sql(RoleListQuery(name="Admins", created_at__gte=BOUNDARY_AT, created_at__lt=BOUNDARY_AT, id__in=[BOUNDARY_ID]))
        assert "roles.name = " in sql
        assert "roles.created_at >= " in sql
        assert "roles.created_at < " in sql
        assert "roles.id IN " in sql

    def test_paging_parameters_are_not_filters(self):
        q = RoleListQuery(limit=5, order="desc", sort="updated_at", pagination_token="x")
        assert q.filters() == {}
        assert "WHERE" not in self.sql(q)

    def test_custom_filter_replaces_the_column_filter(self):
        paginator = users()
        paginator.custom_filters["name__istartswith"] = lambda prefix: EntityUser.last_name == prefix
        stmt = paginator.apply_filters(select(EntityUser), EntityUserListQuery(name__istartswith="Sm"))
        sql = str(stmt.compile(dialect=postgresql.dialect()))
        assert "entity_users.last_name = " in sql
        assert "name__istartswith" not in sql


class TestListQuery:
    @pytest.mark.parametrize("limit", [0, -1, 101])
    def test_limit_bounds(self, limit):
        with pytest.raises(ValidationError):
            RoleListQuery(limit=limit)

    def test_defaults(self):
        q = RoleListQuery()
        assert (q.limit, q.order, q.sort, q.pagination_token) == (100, OrderEnum.asc, None, None)

    def test_unknown_sort_field(self):
        with pytest.raises(ValidationError):
            RoleListQuery(sort="name")
