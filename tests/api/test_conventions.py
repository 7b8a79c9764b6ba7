"""Conventions every route shares (docs/auth-entities.md, "Conventions every endpoint shares"):
version header, request id, error shapes, content negotiation, empty JSON bodies, rate limiting, the
OpenAPI document."""

from __future__ import annotations

import json
import time
import uuid

import httpx
import pytest

from remit.app import create_app
from tests.fixtures.app import make_settings
from tests.fixtures.entities import Partner, new_partner_credential
from tests.fixtures.receivables import billing_on

BASE_URL = "http://remit.test/v1"


@pytest.fixture
async def bare(app):
    """A client that sends no x-monite-version header."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as c:
        yield c


@pytest.fixture(scope="module")
async def partner(client, db) -> Partner:
    """One partner for the module: these tests read, they do not list the partner's entities."""
    client_id, secret = new_partner_credential(db)
    p = Partner(client, client_id, secret)
    p.token = await p.token_for()
    return p


@pytest.fixture
async def user(partner, entity):
    return await partner.user_with(entity["id"], entity=["read"])


class TestVersionHeader:
    async def test_missing(self, bare, partner):
        response = await bare.get("/entities", headers=partner.auth)
        assert response.status_code == 400
        assert response.json() == {
            "error": {"type": "missing_api_version", "message": "Missing the x-monite-version HTTP header"}
        }
        assert "x-monite-version" not in response.headers

    async def test_missing_is_checked_before_authentication(self, bare):
        response = await bare.get("/entities")
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "missing_api_version"

    async def test_missing_on_the_token_endpoint(self, bare, partner):
        body = {"client_id": str(partner.client_id), "client_secret": partner.client_secret, "grant_type": "client_credentials"}
        response = await bare.post("/auth/token", json=body)
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "missing_api_version"

    @pytest.mark.parametrize("value", ["latest", "2024-13-01", "2024-5-25", "20240525", "2024-05-25T00:00:00Z", ""])
    async def test_malformed(self, client, partner, value):
        response = await client.get("/entities", headers={**partner.auth, "x-monite-version": value})
        assert response.status_code == 422
        detail = response.json()["detail"]
        assert [e["loc"] for e in detail] == [["header", "x-monite-version"]]
        assert all(isinstance(e["msg"], str) and isinstance(e["type"], str) for e in detail)

    @pytest.mark.parametrize("value", ["2022-01-01", "2022-11-15"])
    async def test_too_old(self, client, partner, value):
        response = await client.get("/entities", headers={**partner.auth, "x-monite-version": value})
        assert response.status_code == 400
        assert response.json() == {"error": {"message": f"Unsupported API version {value}"}}

    @pytest.mark.parametrize(
        ("requested", "echoed"),
        [
            ("2024-05-25", "2024-05-25"),
            ("2024-06-01", "2024-05-25"),
            ("2030-01-01", "2025-06-23"),
            ("2023-06-04", "2023-06-04"),
            ("2022-11-16", "2022-11-16"),
        ],
    )
    async def test_matched_version_is_echoed(self, client, partner, requested, echoed):
        response = await client.get("/entities", headers={**partner.auth, "x-monite-version": requested})
        assert response.status_code == 200
        assert response.headers["x-monite-version"] == echoed

    async def test_echoed_on_errors_too(self, client):
        response = await client.get("/entities", headers={"x-monite-version": "2024-06-01"})
        assert response.status_code == 401
        assert response.headers["x-monite-version"] == "2024-05-25"


class TestResponseHeaders:
    async def test_request_id_is_echoed(self, client, partner):
        response = await client.get("/entities", headers={**partner.auth, "x-request-id": "req-42"})
        assert response.headers["x-request-id"] == "req-42"

    async def test_request_id_is_generated(self, client, partner):
        first = await client.get("/entities", headers=partner.auth)
        second = await client.get("/entities", headers=partner.auth)
        ids = [uuid.UUID(r.headers["x-request-id"]) for r in (first, second)]
        assert ids[0] != ids[1]

    async def test_request_id_on_rejected_requests(self, bare):
        response = await bare.get("/entities", headers={"x-request-id": "rejected-1"})
        assert response.status_code == 400
        assert response.headers["x-request-id"] == "rejected-1"

    async def test_process_time(self, client, partner):
        response = await client.get("/entities", headers=partner.auth)
        assert float(response.headers["x-process-time"]) >= 0

    async def test_entity_header_is_echoed(self, client, partner, entity):
        response = await client.get("/roles", headers=partner.on(entity["id"]))
        assert response.status_code == 200
        assert response.headers["x-monite-entity-id"] == entity["id"]

    async def test_json_content_type(self, client, partner):
        response = await client.get("/entities", headers=partner.auth)
        assert response.headers["content-type"].startswith("application/json")


class TestFrameworkErrors:
    async def test_unknown_route(self, client, partner):
        response = await client.get("/no_such_resource", headers=partner.auth)
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Not Found"}}

    async def test_unknown_route_outside_v1(self, app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit.test") as c:
            response = await c.get("/v2/entities", headers={"x-monite-version": "2024-05-25"})
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Not Found"}}

    @pytest.mark.parametrize(("method", "path"), [("DELETE", "/entities"), ("PUT", "/roles"), ("GET", "/auth/token")])
    async def test_wrong_method(self, client, partner, method, path):
        response = await client.request(method, path, headers=partner.auth)
        assert response.status_code == 405
        assert response.json() == {"error": {"message": "Method Not Allowed"}}

    async def test_unknown_body_field(self, client, partner):
        body = {
            "type": "organization",
            "email": "a@b.example",
            "address": {"country": "DE", "city": "Berlin", "line1": "X 1", "postal_code": "10117"},
            "organization": {"legal_name": "A"},
            "colour": "blue",
        }
        response = await client.post("/entities", json=body, headers=partner.auth)
        assert response.status_code == 422
        detail = response.json()["detail"]
        assert [(e["loc"], e["type"]) for e in detail] == [(["body", "colour"], "extra_forbidden")]

    async def test_unknown_nested_body_field(self, client, user):
        response = await client.patch("/entity_users/me", json={"first_name": "A", "nick": "a"}, headers=user.auth)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "nick"]

    async def test_non_uuid_path_id(self, client, partner):
        response = await client.get("/entities/not-a-uuid", headers=partner.auth)
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["detail"]] == [["path", "entity_id"]]

    async def test_non_uuid_path_id_on_entity_scoped_route(self, client, partner, entity):
        response = await client.get("/roles/123", headers=partner.on(entity["id"]))
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["detail"]] == [["path", "role_id"]]

    async def test_malformed_json(self, client, user):
        response = await client.patch(
            "/entity_users/me", content=b'{"first_name": ', headers={**user.auth, "content-type": "application/json"}
        )
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"][0] == "body"

    async def test_unknown_query_parameters_are_ignored(self, client, partner):
        response = await client.get("/entities", params={"colour": "blue"}, headers=partner.auth)
        assert response.status_code == 200


class TestEmptyJsonBody:
    async def test_no_body_with_json_content_type_is_an_empty_object(self, client, user):
        response = await client.patch("/entity_users/me", headers={**user.auth, "content-type": "application/json"})
        assert response.status_code == 200, response.text
        assert response.json()["id"] == user.id
        assert response.json()["first_name"] == user.data["first_name"]

    async def test_explicit_empty_object(self, client, user):
        response = await client.patch("/entity_users/me", json={}, headers=user.auth)
        assert response.status_code == 200
        assert response.json()["id"] == user.id

    async def test_empty_body_on_a_route_with_required_fields_is_a_validation_error(self, client, partner):
        response = await client.post("/entities", headers={**partner.auth, "content-type": "application/json"})
        assert response.status_code == 422
        locs = [e["loc"] for e in response.json()["detail"]]
        assert ["body", "type"] in locs and ["body", "email"] in locs


class TestBodiesThatAreNotJson:
    """A body that is not JSON remit can read is a 422 with Monite's validation body, whatever its
    bytes and content type (docs/decisions.md, "A body that is not JSON"); the fuzz sends such bodies
    to every operation."""

    @pytest.mark.parametrize("content_type", ["application/json", "application/json; charset=utf-8",
                                              "Application/Merge-Patch+JSON"])
    @pytest.mark.parametrize("body", [b"\xff", b'{"name": "\xfftag"}', b"\x00\x00{}", b"\xfe\xff\x00{\x00}"])
    async def test_json_that_cannot_be_decoded(self, client, partner, entity, content_type, body):
        response = await client.post("/tags", content=body, headers={**partner.on(entity["id"]),
                                                                     "content-type": content_type})
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert (error["type"], error["loc"][0], error["msg"]) == ("json_invalid", "body", "JSON decode error")
        assert (await client.get("/tags", headers=partner.on(entity["id"]))).json()["data"] == []

    async def test_the_reproduction_without_a_token(self, client):
        for path in ("/tags", "/auth/token"):
            for content_type in ("text/plain", "application/json"):
                response = await client.post(path, content=b"\xff", headers={"content-type": content_type})
                assert response.status_code == (422 if content_type == "application/json" or path == "/auth/token"
                                                 else 401), (path, content_type, response.text)

    async def test_malformed_json_is_the_same_422(self, client, partner, entity):
        response = await client.post("/tags", content=b'{"name": ', headers={**partner.on(entity["id"]),
                                                                            "content-type": "application/json"})
        assert response.status_code == 422
        assert [(e["type"], e["loc"]) for e in response.json()["detail"]] == [("json_invalid", ["body", 9])]

    @pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
    async def test_another_content_type(self, client, partner, entity, content_type):
        headers = {**partner.on(entity["id"]), **({"content-type": content_type} if content_type else {})}
        readable = await client.post("/tags", content=b'{"name": "a"}', headers=headers)
        assert readable.status_code == 422, readable.text
        assert [(e["loc"], e["input"]) for e in readable.json()["detail"]] == [(["body"], '{"name": "a"}')]
        undecodable = await client.post("/tags", content=b"\xff", headers=headers)
        assert undecodable.status_code == 422, undecodable.text
        [error] = undecodable.json()["detail"]
        assert error["loc"] == ["body"] and "input" not in error  # bytes that are not text are not echoed

    async def test_text_with_an_unpaired_surrogate_is_not_echoed(self, client, partner, entity):
        headers = {**partner.on(entity["id"]), "content-type": "application/json"}
        for body, loc in ((b'{"name": "\\ud800"}', ["body", "name"]), (b'{"name": "a", "\\udfff": 1}', ["body"])):
            response = await client.post("/tags", content=body, headers=headers)
            assert response.status_code == 422
            response.content.decode("utf-8")  # the body is UTF-8 throughout
            [error] = response.json()["detail"]
            assert error["loc"] == loc and "input" not in error

    async def test_nesting(self, client, partner, entity):
        """64 levels are taken and read back; deeper is refused before the body is parsed (beyond
        about 255 levels the response could not be written, beyond about 1,000 Python cannot parse it)."""
        url, on = f"/entities/{entity['id']}/partner_metadata", partner.auth

        def nested(levels: int) -> bytes:  # the body's object is the first level
            return b'{"metadata": {"a": ' + b"[" * (levels - 2) + b"]" * (levels - 2) + b"}}"

        response = await client.put(url, content=nested(64), headers={**on, "content-type": "application/json"})
        assert response.status_code == 200, response.text[:300]
        assert (await client.get(url, headers=on)).json() == json.loads(nested(64))
        for levels in (65, 300, 5000):
            response = await client.put(url, content=nested(levels), headers={**on, "content-type": "application/json"})
            assert response.status_code == 422, (levels, response.text[:300])
            [error] = response.json()["detail"]
            assert (error["type"], error["loc"]) == ("json_invalid", ["body", 19 + 62])  # the 65th bracket
        assert (await client.get(url, headers=on)).json() == json.loads(nested(64))


class TestContentNegotiation:
    async def test_html_only_is_not_acceptable(self, client, partner):
        response = await client.get("/entities", headers={**partner.auth, "accept": "text/html"})
        assert response.status_code == 406
        body = response.json()
        assert set(body) == {"error"} and isinstance(body["error"]["message"], str)

    @pytest.mark.parametrize(
        "accept", ["application/json", "*/*", "text/html, application/json;q=0.9", "application/*", "text/html,*/*;q=0.1"]
    )
    async def test_json_acceptable(self, client, partner, accept):
        response = await client.get("/entities", headers={**partner.auth, "accept": accept})
        assert response.status_code == 200


@pytest.fixture(scope="module")
def limited_app(database_url, db):
    return create_app(make_settings(database_url, rate_limit="3/second"), database=db)


class TestRateLimit:
    async def burst(self, app, headers: dict[str, str], n: int = 4) -> list[httpx.Response]:
        """n requests from a fresh client address, inside one 1-second window."""
        for _ in range(3):
            address = (f"10.0.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}", 4000)
            transport = httpx.ASGITransport(app=app, client=address)
            async with httpx.AsyncClient(
                transport=transport, base_url=BASE_URL, headers={"x-monite-version": "2024-05-25"}
            ) as c:
                started = time.monotonic()
                responses = [await c.get("/entity_users/me", headers=headers) for _ in range(n)]
            if time.monotonic() - started < 0.9:
                return responses
        pytest.fail("could not send the burst within one second")

    async def test_quota_headers_and_429(self, limited_app):
        responses = await self.burst(limited_app, {"x-request-id": "limit-test"})
        assert [r.status_code for r in responses] == [401, 401, 401, 429]
        for response, remaining in zip(responses, ["2", "1", "0", "0"], strict=True):
            assert response.headers["ratelimit-limit"] == "3"
            assert response.headers["x-ratelimit-limit-second"] == "3"
            assert response.headers["ratelimit-remaining"] == remaining
            assert response.headers["x-ratelimit-remaining-second"] == remaining
            assert response.headers["ratelimit-reset"] == "1"
        blocked = responses[-1]
        assert blocked.json() == {"error": {"message": "API rate limit exceeded"}}
        assert blocked.headers["retry-after"] == "1"
        assert blocked.headers["x-request-id"] == "limit-test"
        assert "retry-after" not in responses[0].headers

    async def test_each_token_has_its_own_quota(self, limited_app):
        token = {"authorization": f"Bearer token-{uuid.uuid4().hex}"}
        with_token = await self.burst(limited_app, token)
        assert [r.status_code for r in with_token] == [401, 401, 401, 429]
        # Another token from the same kind of caller starts with a full quota.
        other = await self.burst(limited_app, {"authorization": f"Bearer token-{uuid.uuid4().hex}"}, n=1)
        assert other[0].status_code == 401
        assert other[0].headers["ratelimit-remaining"] == "2"

    async def test_unlimited_app_sends_no_quota_headers(self, client, partner):
        response = await client.get("/entities", headers=partner.auth)
        assert "ratelimit-limit" not in response.headers


class TestOpenAPI:
    async def test_served_without_version_header(self, bare):
        response = await bare.get("/openapi.json")
        assert response.status_code == 200
        document = response.json()
        assert document["openapi"].startswith("3.")
        assert "/v1/entity_users/me" in document["paths"]
        assert "get" in document["paths"]["/v1/entity_users/me"]
        assert "/v1/auth/token" in document["paths"]

    async def test_docs_page(self, bare):
        response = await bare.get("/docs", headers={"accept": "text/html"})
        assert response.status_code == 200
        assert "text/html" in response.headers["content-type"]


async def test_unexpected_error_in_a_service_is_a_500_with_the_headers(client, partner, entity, monkeypatch):
    from remit.entities.roles import service as roles_service

    def broken(session, ctx, **kwargs):
        raise RuntimeError("a bug in a service")

    monkeypatch.setattr(roles_service, "list_roles", broken)
    response = await client.get("/roles", headers={**partner.on(entity["id"]), "x-request-id": "req-500"})
    assert response.status_code == 500
    assert response.json() == {"error": {"message": "Server Error"}}
    assert response.headers["x-request-id"] == "req-500"


class TestValuesTheDatabaseCannotTake:
    """Bad input is a 4xx, never a 500, and nothing is written."""

    async def test_huge_integer_in_a_filter(self, client, partner, entity):
        big = str(10**30)
        for path, name in (("/payables", "total_amount__gt"), ("/payables", "amount"), ("/products", "price__lte")):
            response = await client.get(path, params={name: big}, headers=partner.on(entity["id"]))
            assert response.status_code == 422, (path, response.text)
            assert response.json()["detail"][0]["loc"] == ["query", name]

    async def test_huge_integer_in_a_body_is_echoed_in_the_422(self, client, partner, entity):
        on = partner.on(entity["id"])
        response = await client.post("/payables", json={"total_amount": 10**30}, headers=on)
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["body", "total_amount"]
        assert (await client.get("/payables", headers=on)).json()["data"] == []

    async def test_nul_character(self, client, partner, entity):
        from tests.fixtures.database import backend

        on = partner.on(entity["id"])
        response = await client.post("/tags", json={"name": "nul\x00tag"}, headers=on)
        listed = (await client.get("/tags", headers=on)).json()["data"]
        if backend() == "postgresql":  # PostgreSQL text cannot hold NUL: refused, nothing written
            assert (response.status_code, response.json()) == (
                400, {"error": {"message": "The request contains a value that cannot be stored"}}
            )
            assert listed == []
        else:  # SQLite stores it as given
            assert response.status_code == 201
            assert [t["name"] for t in listed] == ["nul\x00tag"]


def _datetime_filters(app) -> list[tuple[str, str, dict[str, str]]]:
    """(path, datetime query parameter, the route's required query parameters) for every such
    parameter in our OpenAPI document; a required parameter gets the first value of its enum."""
    document = app.openapi()
    found = []
    for path, item in document["paths"].items():
        parameters = item.get("get", {}).get("parameters", [])
        required = {}
        for parameter in parameters:
            if parameter["in"] == "query" and parameter.get("required"):
                ref = parameter["schema"]["$ref"].rsplit("/", 1)[-1]
                required[parameter["name"]] = document["components"]["schemas"][ref]["enum"][0]
        for parameter in parameters:
            schemas = parameter.get("schema", {}).get("anyOf") or [parameter.get("schema", {})]
            if parameter["in"] == "query" and any(s.get("format") == "date-time" for s in schemas):
                found.append((path.removeprefix("/v1"), parameter["name"], required))
    return found


class TestDatetimeFilters:
    """Every datetime a request carries is read in UTC: without an offset as UTC, and one that
    leaves the calendar once converted (year 0 or 10000 in UTC) is a 422, never a 500."""

    async def test_every_datetime_filter(self, app, client, partner, entity):
        on = partner.on(entity["id"])
        filters = _datetime_filters(app)
        assert {("/payables", "created_at__gt"), ("/approval_policies", "updated_at__lte"), ("/roles", "created_at"),
                ("/payables/{payable_id}/history", "timestamp__gte")} <= {f[:2] for f in filters}
        payable = (await client.post("/payables", json={}, headers=on)).json()
        setup = await billing_on(partner, entity["id"])
        receivable = await setup.create(setup.invoice())
        for path, name, required in filters:
            path = path.format(payable_id=payable["id"], receivable_id=receivable["id"])
            for value in ("0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"):
                response = await client.get(path, params={**required, name: value}, headers=on)
                assert response.status_code == 422, (path, name, value, response.text)
                assert response.json()["detail"][0]["loc"] == ["query", name]
            response = await client.get(path, params={**required, name: "2024-01-01T00:00:00"}, headers=on)
            assert response.status_code == 200, (path, name, response.text)

    async def test_no_offset_means_utc(self, client, partner, entity):
        on = partner.on(entity["id"])
        created = (await client.post("/payables", json={}, headers=on)).json()["created_at"]
        naive = created.removesuffix("Z").split("+")[0]
        assert [p["id"] for p in (await client.get(
            "/payables", params={"created_at__gte": naive}, headers=on)).json()["data"]] != []
        assert (await client.get("/payables", params={"created_at__gt": naive}, headers=on)).json()["data"] == []

    @pytest.mark.parametrize("field", ["starts_at", "ends_at"])
    async def test_out_of_range_in_a_body(self, client, partner, entity, field):
        on = partner.on(entity["id"])
        body = {"name": "p", "script": [True], field: "0001-01-01T00:30:00+01:00"}
        response = await client.post("/approval_policies", json=body, headers=on)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", field]
        assert (await client.get("/approval_policies", headers=on)).json()["data"] == []
