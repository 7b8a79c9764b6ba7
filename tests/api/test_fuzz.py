"""Every operation of our OpenAPI document, fuzzed: no input is a 5xx, and every refusal carries
Monite's error body (``{"error": {"message": …}}``, or a 422 with ``detail``) and writes nothing
(no table gains or loses a row).

schemathesis generates the requests from the document — valid ones (``positive``) and ones that
break it (``negative``: wrong types, missing fields, values out of range). The path ids are either
generated (most are then 404s) or, for half the examples, ids of real objects made once per
operation with the tenancy sweep's factories, so bodies and filters reach the services. The caller
is the partner (acting on the entity) or an entity user whose role mixes allowed, allowed-for-own
and absent permissions, so the permission checks are fuzzed too. Its token replaces whatever
``Authorization`` the generator wrote, and a 401 outside ``/auth`` fails the test: the requests
must reach the routes, not stop at authentication.

The examples are derandomized, so CI sees the same requests every run. ``REMIT_FUZZ_EXAMPLES``
raises their number per operation and mode (default 12), and ``REMIT_FUZZ_RANDOM=1`` draws new
ones, for a longer hunt than CI's.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from remit.api import router as api_router
from remit.core.base import Base
from tests.api.test_tenancy import BY_ENTITY_ID, ENTITY_SCOPED, api_routes
from tests.fixtures.entities import ALL_CRUD, Partner, new_partner
from tests.fixtures.responses import assert_error, locs
from tests.fixtures.webhooks import PARTNER_SCOPED_FACTORIES

EXAMPLES = int(os.environ.get("REMIT_FUZZ_EXAMPLES", "12"))
RANDOM = os.environ.get("REMIT_FUZZ_RANDOM") == "1"

LABELS = sorted(f"{method} {path}" for path, methods, _ in api_routes(api_router.routes) for method in methods)
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
OWN = {action: "allowed_for_own" for action in ("create", "read", "update", "delete", "submit", "approve", "pay")}
USER_ROLE = {"payable": OWN, "counterpart": ["read", "create"], "tag": ALL_CRUD, "approval_policy": ["read"],
             "role": ["read"], "entity_user": {"read": "allowed_for_own"},
             "entity_bank_account": {"read": "allowed", "create": "allowed", "update": "allowed_for_own"}}


@pytest.fixture(scope="module")
async def partner(client, db) -> Partner:
    """One partner for the module (a credential costs an argon2 hash); each test has its own entity."""
    return await new_partner(client, db)


# Every table's row count in one statement: a refusal must leave them all as they were.
ROW_COUNTS = select(*(select(func.count()).select_from(t).scalar_subquery().label(t.name)
                      for t in Base.metadata.sorted_tables))


def row_counts(db) -> dict[str, int]:
    with db.engine.connect() as connection:
        return dict(connection.execute(ROW_COUNTS).one()._mapping)


@pytest.fixture(scope="session")
def operations(app) -> dict[str, Any]:
    schema = schemathesis.openapi.from_dict(app.openapi())
    return {op.label: op for op in (result.ok() for result in schema.get_all_operations())}


def test_every_operation_is_fuzzed(operations):
    assert set(LABELS) == {label for label in operations if " /v1/" in label}
    assert {"GET /v1/entity_users/me", "POST /v1/payables", "PATCH /v1/payables/{payable_id}"} <= set(LABELS)


async def _real_ids(partner: Partner, entity_id: str, path: str) -> dict[str, str]:
    if path in ENTITY_SCOPED:
        return await ENTITY_SCOPED[path](partner, entity_id)
    if path in BY_ENTITY_ID:
        return await BY_ENTITY_ID[path][0](partner, entity_id)
    if path in PARTNER_SCOPED_FACTORIES:
        return await PARTNER_SCOPED_FACTORIES[path](partner, entity_id)
    return {}


def _request_kwargs(case, fixed_headers: dict[str, str]) -> dict[str, Any]:
    """The case as httpx keyword arguments (schemathesis writes them for ``requests``).

    httpx takes a raw body as ``content``, a multipart part as bytes, and a header value that is
    not ASCII only as bytes (sent as UTF-8, as a client may).
    """
    kwargs = case.as_transport_kwargs(base_url="http://remit.test")
    if isinstance(kwargs.get("data"), bytes | str):
        kwargs["content"] = kwargs.pop("data")
    if kwargs.get("files"):
        kwargs["files"] = [(name, _part(part)) for name, part in kwargs["files"]]
    kwargs.pop("cookies", None)
    # The caller's headers replace generated ones of the same name, whatever their case (the
    # generated Authorization would otherwise be sent too, and read first).
    fixed = {name.lower() for name in fixed_headers}
    headers = {name: value for name, value in (kwargs.get("headers") or {}).items() if name.lower() not in fixed}
    headers.update(fixed_headers)
    kwargs["headers"] = {name: value if value.isascii() else value.encode() for name, value in headers.items()}
    return kwargs


def _part(part: Any) -> Any:
    """A multipart part as httpx takes it: bytes, or (filename, bytes or str, …)."""
    if isinstance(part, tuple):
        return (part[0], _part(part[1]), *part[2:])
    return part if isinstance(part, bytes | str) else str(part).encode()


def _refusal_problem(response) -> str | None:
    """What is wrong with an error response's body (the shapes of ``tests.fixtures.responses``), or None."""
    try:
        if response.status_code == 422 and "detail" in response.json():
            locs(response)
        else:
            assert_error(response, response.status_code)
    except (AssertionError, ValueError, KeyError, TypeError) as exc:
        return f"not Monite's error body ({exc!r})"
    return None


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("label", LABELS)
async def test_no_input_is_a_server_error(client, db, operations, partner, entity, label, mode):
    operation = operations[label]
    real = await _real_ids(partner, entity["id"], operation.path)
    user = await partner.user_with(entity["id"], **USER_ROLE)
    callers = [partner.on(entity["id"]), {**user.auth, "x-monite-entity-id": entity["id"]}]
    strategies = [operation.as_strategy(generation_mode=mode)]
    if real:
        strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=real))
    failures: list[str] = []
    # hypothesis draws the cases; they are sent below, on the test's event loop
    cases = _draw(st.tuples(st.one_of(strategies), st.sampled_from(callers)), EXAMPLES)
    for case, caller in cases:
        kwargs = _request_kwargs(case, {**caller, "x-monite-version": "2024-05-25"})
        failures.extend(await _send(client, db, operation.path, kwargs))
    assert cases
    assert not failures, "\n".join(failures[:5])


async def _send(client, db, path: str, kwargs: dict[str, Any]) -> list[str]:
    """Send one request; what is wrong with how it was answered (nothing, for a good answer)."""
    before = row_counts(db)
    response = await client.request(**kwargs)
    status, text = response.status_code, response.text[:300]
    if status >= 500:
        return [f"{status} for {kwargs}: {text}"]
    problems = []
    if status >= 400:
        if status == 401 and not path.startswith("/v1/auth/"):
            problems.append(f"401 with a valid token (the fuzz must reach the route) for {kwargs}: {text}")
        if problem := _refusal_problem(response):
            problems.append(f"{status} body {problem} for {kwargs}: {text}")
        after = row_counts(db)
        if changed := {name: (before[name], after[name]) for name in before if before[name] != after[name]}:
            problems.append(f"{status} wrote {changed} for {kwargs}: {text}")
    return problems


PATCHES = [label for label in LABELS if label.startswith(("PATCH ", "PUT "))]


@pytest.mark.parametrize("label", PATCHES)
async def test_null_in_each_field_of_a_patch(app, client, db, partner, entity, label):
    """Every field of an update (and every field of an object in it), sent alone as null to a real
    object: the request is taken or refused with Monite's error body — a null the schema lets
    through must not reach a column or a response field that cannot hold it."""
    method, path = label.split(" ")
    real = await _real_ids(partner, entity["id"], path)
    url = "http://remit.test" + path.format(**real)
    failures = []
    for names in sorted(_body_fields(app.openapi(), method, path)):
        kwargs = {"method": method, "url": url, "json": _with_null({}, names), "headers": partner.on(entity["id"])}
        failures.extend(await _send(client, db, path, kwargs))
    assert not failures, "\n".join(failures[:5])


CREATES = sorted(f"POST {path}" for path, methods, route in api_routes(api_router.routes)
                 if "POST" in methods and route.body_field is not None)  # the POSTs that take a JSON body


@pytest.mark.parametrize("label", CREATES)
async def test_null_in_each_field_of_a_create(app, client, db, operations, partner, entity, label):
    """A create the API takes (the first valid generated body it accepts), sent again with each of
    its fields, and each field of an object in it, set to null: taken, or refused with Monite's
    error body and nothing written. When none of the generated bodies is accepted (a script, say,
    is rarely valid by chance), the first one is the base."""
    operation = operations[label]
    real = await _real_ids(partner, entity["id"], operation.path)
    headers = {**partner.on(entity["id"]), "x-monite-version": "2024-05-25"}
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE, path_parameters=real or None)
    bodies = [case.body for case in _draw(strategy, 20) if isinstance(case.body, dict)]
    fields = _body_fields(app.openapi(), operation.method.upper(), operation.path)
    assert bodies and fields
    url = "http://remit.test" + operation.path.format(**real)
    base = bodies[0]
    for body in bodies:
        response = await client.post(url, json=body, headers=headers)
        if response.status_code < 300:
            base = body
            break
    failures = []
    for names in sorted(fields):
        kwargs = {"method": "POST", "url": url, "json": _with_null(base, names), "headers": headers}
        failures.extend(await _send(client, db, operation.path, kwargs))
    assert not failures, "\n".join(failures[:5])


def _draw(strategy, count: int) -> list:
    """``count`` examples of a strategy (derandomized unless REMIT_FUZZ_RANDOM=1)."""
    drawn: list = []

    @settings(max_examples=count, derandomize=not RANDOM, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def draw(data):
        drawn.append(data.draw(strategy))

    draw()
    return drawn


def _with_null(body: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """A copy of ``body`` with the field at the key path ``names`` set to null."""
    copy = dict(body)
    if len(names) == 1:
        copy[names[0]] = None
    else:
        inner = copy.get(names[0])
        copy[names[0]] = _with_null(inner if isinstance(inner, dict) else {}, names[1:])
    return copy


def _body_fields(document: dict[str, Any], method: str, path: str) -> set[tuple[str, ...]]:
    """The JSON body's fields, and those of the objects in it (one level down), as key paths."""
    body = document["paths"][path][method.lower()].get("requestBody")
    if body is None or "application/json" not in body["content"]:
        return set()
    fields: set[tuple[str, ...]] = set()
    for name, schema in _object_properties(document, body["content"]["application/json"]["schema"]).items():
        fields.add((name,))
        fields.update((name, inner) for inner in _object_properties(document, schema))
    return fields


def _object_properties(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """The properties of an object schema, or of every object among its ``anyOf`` / ``oneOf``."""
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    properties = dict(schema.get("properties", {}))
    for option in [*schema.get("anyOf", []), *schema.get("oneOf", [])]:
        properties.update(_object_properties(document, option))
    return properties
