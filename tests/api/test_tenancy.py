"""Tenancy (docs/architecture.md, "Where tenancy is enforced"): another entity's objects are simply not there.

The sweep walks the app's routes: every ``/v1`` route with an id in its path whose endpoint
depends on ``EntityCall`` (or ``OptionalEntityCall``) is called, for an object of entity A, by
callers of entity B and of another partner, and must answer 404 exactly as for a missing id.
``test_every_entity_scoped_id_route_has_a_factory`` fails until a new route has a factory.

Registering a factory: a module under ``tests/fixtures/`` defines a dict whose name ends in
``TENANCY_FACTORIES``, mapping the FastAPI path template (``/v1`` included) to
``async def factory(partner, entity_id) -> dict[str, str]`` that creates the object in entity
``entity_id`` and returns the path parameters naming it. When a route needs a request body, the
same module gives a builder ``(method, template)`` (method lower-case): a function whose name ends
in ``tenancy_request`` returns ``httpx`` keyword arguments (``{"json": ...}`` or
``{"files": ...}``); one whose name ends in ``tenancy_body`` returns the JSON body (or None).
"""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

import tests.fixtures
from remit.api import router as api_router
from remit.auth.deps import EntityCall, OptionalEntityCall
from tests.fixtures.entities import ALL_CRUD, Partner, User, new_partner_credential, permissions

ENTITY_CALLS = (EntityCall.__metadata__[0].dependency, OptionalEntityCall.__metadata__[0].dependency)

PAYABLE_ACTIONS = ["create", "read", "update", "delete", "pay", "approve", "cancel", "submit", "create_from_mail", "reopen"]
COMMON_OBJECT_TYPES = [
    "approval_policy", "approval_request", "comment", "counterpart", "counterpart_vat_id", "delivery_note", "entity",
    "entity_bank_account", "entity_user", "entity_vat_ids", "export", "mailbox", "ocr_task", "onboarding",
    "overdue_reminder", "payables_purchase_order", "payment_record", "payment_reminder", "person", "product",
    "project", "receipt", "receivable", "reconciliation", "role", "tag", "todo_task", "todo_task_mute",
    "transaction", "workflow",
]  # fmt: skip
EVERYTHING: dict[str, Any] = {"payable": PAYABLE_ACTIONS, **{t: ALL_CRUD for t in COMMON_OBJECT_TYPES}}

Factory = Callable[[Any, Any], Awaitable[dict[str, str]]]
RequestBuilder = Callable[[str, str], dict[str, Any]]


# -- this module's factories: entity users and roles ------------------------------------------


async def _entity_user(partner, entity_id) -> dict[str, str]:
    user = await partner.create_user(entity_id)
    return {"entity_user_id": user.id}


async def _role(partner, entity_id) -> dict[str, str]:
    role = await partner.create_role(entity_id, permissions(tag=["read"]))
    return {"role_id": role["id"]}


ENTITIES_TENANCY_FACTORIES: dict[str, Factory] = {
    "/v1/entity_users/{entity_user_id}": _entity_user,
    "/v1/roles/{role_id}": _role,
}


def entities_tenancy_request(method: str, template: str) -> dict[str, Any]:
    if method == "patch":
        return {"json": {"title": "Changed"} if "entity_users" in template else {"name": "Changed"}}
    return {}


# -- the registry: this module's factories plus every fixture module's -------------------------


def _collect() -> tuple[dict[str, Factory], dict[str, RequestBuilder]]:
    factories: dict[str, Factory] = dict(ENTITIES_TENANCY_FACTORIES)
    builders: dict[str, RequestBuilder] = dict.fromkeys(ENTITIES_TENANCY_FACTORIES, entities_tenancy_request)
    for info in pkgutil.iter_modules(tests.fixtures.__path__):
        module = importlib.import_module(f"tests.fixtures.{info.name}")
        registries = [v for k, v in vars(module).items() if k.endswith("TENANCY_FACTORIES") and isinstance(v, dict)]
        builder = _builder(module)
        for registry in registries:
            for template, factory in registry.items():
                assert template not in factories, f"two tenancy factories for {template}"
                factories[template] = factory
                builders[template] = builder
    return factories, builders


def _builder(module) -> RequestBuilder:
    for name, value in vars(module).items():
        if name.endswith("tenancy_request") and callable(value):
            return value
    for name, value in vars(module).items():
        if name.endswith("tenancy_body") and callable(value):
            return lambda method, template, body=value: (
                {} if (json := body(method, template)) is None else {"json": json}
            )
    return lambda method, template: {"json": {}} if method in ("post", "put", "patch") else {}


ENTITY_SCOPED, REQUESTS = _collect()


# -- /entities/{entity_id}/… (partner-scoped, not entity-scoped) -------------------------------


async def _entity(partner, entity_id) -> dict[str, str]:
    return {"entity_id": str(entity_id)}


async def _vat_id(partner, entity_id) -> dict[str, str]:
    response = await partner.client.post(
        f"/entities/{entity_id}/vat_ids", json={"country": "DE", "value": "DE1"}, headers=partner.auth
    )
    assert response.status_code == 201, response.text
    return {"entity_id": str(entity_id), "id": response.json()["id"]}


BY_ENTITY_ID: dict[str, tuple[Factory, dict[str, Any]]] = {
    "/v1/entities/{entity_id}": (_entity, {"PATCH": {"phone": "+1"}}),
    "/v1/entities/{entity_id}/activate": (_entity, {}),
    "/v1/entities/{entity_id}/deactivate": (_entity, {}),
    "/v1/entities/{entity_id}/settings": (
        _entity, {"PATCH": {"language": "de", "document_ids": {"next_number": {"invoice": 5}}}}
    ),
    "/v1/entities/{entity_id}/settings/next_document_numbers": (_entity, {}),
    "/v1/entities/{entity_id}/partner_metadata": (_entity, {"PUT": {"metadata": {"k": "v"}}}),
    "/v1/entities/{entity_id}/vat_ids": (_entity, {"POST": {"country": "DE", "value": "DE2"}}),
    "/v1/entities/{entity_id}/vat_ids/{id}": (_vat_id, {"PATCH": {"value": "DE3"}}),
}


# -- route discovery --------------------------------------------------------------------------


def _depends_on(dependant, calls) -> bool:
    return any(d.call in calls or _depends_on(d, calls) for d in dependant.dependencies)


def api_routes(routes) -> list[tuple[str, set[str], APIRoute]]:
    found = []
    for context in iter_route_contexts(routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path.startswith("/v1/"):
            found.append((context.path, set(context.methods or ()), route))
    return found


def entity_scoped_id_routes(routes) -> list[tuple[str, set[str], APIRoute]]:
    return [r for r in api_routes(routes) if "{" in r[0] and _depends_on(r[2].dependant, ENTITY_CALLS)]


def entity_id_routes(routes) -> list[tuple[str, set[str], APIRoute]]:
    return [r for r in api_routes(routes) if "{entity_id}" in r[0]]


def calls(routes) -> list[tuple[str, str]]:
    return sorted((method, path) for path, methods, _ in routes for method in methods)


def call_id(value) -> str:
    return " ".join(value) if isinstance(value, tuple) else str(value)


ENTITY_SCOPED_CALLS = calls(entity_scoped_id_routes(api_router.routes))
ENTITY_ID_CALLS = calls(entity_id_routes(api_router.routes))


# -- fixtures ---------------------------------------------------------------------------------


async def fresh_partner(client, db) -> Partner:
    client_id, secret = new_partner_credential(db)
    p = Partner(client, client_id, secret)
    p.token = await p.token_for()
    return p


@pytest.fixture(scope="module")
async def partner(client, db) -> Partner:
    return await fresh_partner(client, db)


@pytest.fixture(scope="module")
async def entity_b(partner) -> dict[str, Any]:
    """Entity B of the same partner, with a user allowed everything."""
    entity = await partner.create_entity(email="b@acme.example")
    return {"entity": entity, "user": await partner.user_with(entity["id"], **EVERYTHING)}


@pytest.fixture(scope="module")
async def stranger(client, db) -> dict[str, Any]:
    """Another partner with an entity and a user of it allowed everything."""
    p = await fresh_partner(client, db)
    entity = await p.create_entity(email="stranger@else.example")
    return {"partner": p, "entity": entity, "user": await p.user_with(entity["id"], **EVERYTHING)}


def fill(template: str, params: dict[str, str]) -> str:
    return template.removeprefix("/v1").format(**params)


def comparable(response: httpx.Response, ids: dict[str, str]) -> tuple[int, Any]:
    """Status and body, with the ids of the request masked (a 404 message may name the id)."""
    text = response.text
    for value in ids.values():
        text = text.replace(value, "<id>")
    return response.status_code, text


async def request(client, method: str, url: str, kwargs: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    if method in ("POST", "PUT", "PATCH") and not kwargs.keys() & {"json", "files", "content", "data"}:
        # No body: sent as the SDK sends an all-optional one (empty, with a JSON content type).
        headers = {**headers, "content-type": "application/json"}
    return await client.request(method, url, headers=headers, **kwargs)


# -- the registry is complete -----------------------------------------------------------------


def test_every_entity_scoped_id_route_has_a_factory(app):
    templates = {path for path, _, _ in entity_scoped_id_routes(app.routes)}
    assert {"/v1/roles/{role_id}", "/v1/entity_users/{entity_user_id}"} <= templates, "route discovery is broken"
    missing = sorted(templates - ENTITY_SCOPED.keys())
    assert not missing, f"register a tenancy factory (see this module's docstring) for: {missing}"
    stale = sorted(ENTITY_SCOPED.keys() - templates)
    assert not stale, f"tenancy factories for routes that are not entity-scoped id routes: {stale}"


def test_every_entity_id_route_has_a_factory(app):
    templates = {path for path, _, _ in entity_id_routes(app.routes)}
    assert not sorted(templates - BY_ENTITY_ID.keys()), "add the route to BY_ENTITY_ID in this module"
    assert not sorted(BY_ENTITY_ID.keys() - templates)


def test_discovery_sees_the_routes_of_the_app(app):
    assert calls(entity_scoped_id_routes(app.routes)) == ENTITY_SCOPED_CALLS
    assert ("GET", "/v1/roles/{role_id}") in ENTITY_SCOPED_CALLS
    assert ("DELETE", "/v1/entity_users/{entity_user_id}") in ENTITY_SCOPED_CALLS
    # Routes that are not entity-scoped (partner-level, or the caller's own) are not swept here.
    swept = {path for _, path in ENTITY_SCOPED_CALLS}
    assert not any(path.startswith("/v1/entities/") for path in swept)
    assert not any(path.startswith("/v1/entity_users/me") for path in swept)


# -- the sweeps -------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "template"), ENTITY_SCOPED_CALLS, ids=call_id)
async def test_entity_scoped_object_of_another_entity_is_not_found(
    client, partner, entity, entity_b, stranger, method, template
):
    if template not in ENTITY_SCOPED:
        pytest.fail(f"no tenancy factory for {template} (see test_every_entity_scoped_id_route_has_a_factory)")
    params = await ENTITY_SCOPED[template](partner, entity["id"])
    kwargs = REQUESTS[template](method.lower(), template)
    url = fill(template, params)
    missing_params = {k: str(uuid.uuid4()) for k in params}
    missing_url = fill(template, missing_params)
    readable = ("GET", template) in ENTITY_SCOPED_CALLS
    before = comparable(await client.get(url, headers=partner.on(entity["id"])), {}) if readable else None

    callers = {
        "partner on entity B": partner.on(entity_b["entity"]["id"]),
        "user of entity B": entity_b["user"].auth,
        "user of entity B naming B": {**entity_b["user"].auth, "x-monite-entity-id": entity_b["entity"]["id"]},
        "another partner on its entity": stranger["partner"].on(stranger["entity"]["id"]),
        "user of another partner": stranger["user"].auth,
    }
    for who, headers in callers.items():
        response = await request(client, method, url, kwargs, headers)
        assert response.status_code == 404, f"{who}: {method} {url} -> {response.status_code} {response.text}"
        assert isinstance(response.json()["error"]["message"], str)
        missing = await request(client, method, missing_url, kwargs, headers)
        assert comparable(response, params) == comparable(missing, missing_params), (
            f"{who}: {method} {template} answers differently for another entity's object than for a missing one"
        )

    if readable:
        after = comparable(await client.get(url, headers=partner.on(entity["id"])), {})
        assert after == before, f"{method} {url} by another entity changed what entity A reads"
    # Control: for its own entity the same request reaches the object (it answers differently
    # than for a missing id), so the 404s above were about tenancy, not a bad factory or body.
    own = await request(client, method, url, kwargs, partner.on(entity["id"]))
    own_missing = await request(client, method, missing_url, kwargs, partner.on(entity["id"]))
    assert comparable(own, params) != comparable(own_missing, missing_params), (
        f"{method} {url} as entity A -> {own.status_code} {own.text}: the factory or the request is wrong"
    )


@pytest.mark.parametrize(("method", "template"), ENTITY_ID_CALLS, ids=call_id)
async def test_entity_of_another_partner_is_not_found(client, partner, entity, entity_b, stranger, method, template):
    factory, bodies = BY_ENTITY_ID[template]
    params = await factory(partner, entity["id"])
    body = bodies.get(method, {} if method in ("POST", "PUT", "PATCH") else None)
    url = fill(template, params)
    missing_params = {k: str(uuid.uuid4()) for k in params}
    missing_url = fill(template, missing_params)

    response = await client.request(method, url, json=body, headers=stranger["partner"].auth)
    assert response.status_code == 404, f"{method} {url} -> {response.status_code} {response.text}"
    missing = await client.request(method, missing_url, json=body, headers=stranger["partner"].auth)
    assert comparable(response, params) == comparable(missing, missing_params)

    # Users of other entities (same partner or not) cannot tell entity A from a missing entity:
    # 404, or the 403 a partner-only route gives them whatever the id.
    for who, user in (("user of entity B", entity_b["user"]), ("user of another partner", stranger["user"])):
        response = await client.request(method, url, json=body, headers=user.auth)
        assert response.status_code in (403, 404), f"{who}: {method} {url} -> {response.status_code} {response.text}"
        missing = await client.request(method, missing_url, json=body, headers=user.auth)
        assert comparable(response, params) == comparable(missing, missing_params), f"{who}: {method} {url} reveals entity A"

    own = await client.request(method, url, json=body, headers=partner.auth)
    assert 200 <= own.status_code < 300, f"{method} {url} as the owning partner -> {own.status_code} {own.text}"


async def test_lists_do_not_leak(client, partner, entity, entity_b):
    user = await partner.create_user(entity["id"])
    role = await partner.create_role(entity["id"], {"objects": []})
    a_ids = {user.id, role["id"], user.data["role_id"]}
    for path in ("/entity_users", "/roles"):
        for headers in (partner.on(entity_b["entity"]["id"]), entity_b["user"].auth):
            response = await client.get(path, headers=headers)
            assert response.status_code == 200
            listed = {item["id"] for item in response.json()["data"]}
            assert listed and not listed & a_ids
        own = await client.get(path, headers=partner.on(entity["id"]))
        assert {item["id"] for item in own.json()["data"]} & a_ids


# -- the entity header ------------------------------------------------------------------------


class TestEntityHeader:
    async def test_entity_of_another_partner(self, client, partner, stranger):
        response = await client.get("/roles", headers=partner.on(stranger["entity"]["id"]))
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Entity not found"}}

    async def test_unknown_entity(self, client, partner):
        response = await client.get("/roles", headers=partner.on(uuid.uuid4()))
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "Entity not found"}}

    async def test_missing_with_a_partner_token(self, client, partner):
        response = await client.get("/roles", headers=partner.auth)
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["detail"]] == [["header", "x-monite-entity-id"]]

    async def test_not_a_uuid(self, client, partner):
        response = await client.get("/roles", headers={**partner.auth, "x-monite-entity-id": "acme"})
        assert response.status_code == 422
        assert [e["loc"] for e in response.json()["detail"]] == [["header", "x-monite-entity-id"]]

    @pytest.mark.parametrize("which", ["same partner", "other partner"])
    async def test_user_token_naming_another_entity(self, client, partner, entity, entity_b, stranger, which):
        user: User = entity_b["user"]
        other = entity["id"] if which == "same partner" else stranger["entity"]["id"]
        for method, path in (("GET", "/roles"), ("GET", "/entity_users"), ("POST", "/roles")):
            body = {"name": "x", "permissions": {"objects": []}} if method == "POST" else None
            response = await client.request(method, path, json=body, headers={**user.auth, "x-monite-entity-id": other})
            assert response.status_code == 403
            assert response.json() == {
                "error": {"message": "The entity user does not belong to the entity specified in x-monite-entity-id"}
            }
        # The refused POST wrote nothing, neither in the named entity nor in the user's own.
        for headers in (partner.on(entity_b["entity"]["id"]), stranger["partner"].on(stranger["entity"]["id"]), partner.on(entity["id"])):
            assert (await client.get("/roles", params={"name": "x"}, headers=headers)).json()["data"] == []

    async def test_user_token_naming_its_own_entity(self, client, entity_b):
        user: User = entity_b["user"]
        response = await client.get("/roles", headers={**user.auth, "x-monite-entity-id": user.entity_id})
        assert response.status_code == 200

    async def test_user_token_without_header(self, client, entity_b):
        response = await client.get("/roles", headers=entity_b["user"].auth)
        assert response.status_code == 200
        assert response.headers.get("x-monite-entity-id") is None
