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

EXAMPLES = int(os.environ.get("REMIT_FUZZ_EXAMPLES", "12"))
RANDOM = os.environ.get("REMIT_FUZZ_RANDOM") == "1"

LABELS = sorted(f"{method} {path}" for path, methods, _ in api_routes(api_router.routes) for method in methods)
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
OWN = {action: "allowed_for_own" for action in ("create", "read", "update", "delete", "submit", "approve", "pay")}
USER_ROLE = {"payable": OWN, "counterpart": ["read", "create"], "tag": ALL_CRUD, "approval_policy": ["read"],
             "role": ["read"], "entity_user": {"read": "allowed_for_own"}}


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
    """What is wrong with an error response's body, or None."""
    try:
        body = response.json()
    except ValueError:
        return "not JSON"
    if response.status_code == 422 and isinstance(body, dict) and isinstance(body.get("detail"), list):
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return None
    return "neither {'error': {'message': …}} nor a 422 detail list"


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize("label", LABELS)
async def test_no_input_is_a_server_error(client, db, operations, partner, entity, label, mode):
    operation = operations[label]
    real = await _real_ids(partner, entity["id"], operation.path)
    user = await partner.user_with(entity["id"], **USER_ROLE)
    callers = [partner.on(entity["id"]), user.auth]
    strategies = [operation.as_strategy(generation_mode=mode)]
    if real:
        strategies.append(operation.as_strategy(generation_mode=mode, path_parameters=real))
    failures: list[str] = []

    @settings(max_examples=EXAMPLES, derandomize=not RANDOM, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def draw(data):
        cases.append((data.draw(st.one_of(strategies)), data.draw(st.sampled_from(callers))))

    cases: list = []
    draw()  # hypothesis draws the cases; they are sent below, on the test's event loop
    for case, caller in cases:
        kwargs = _request_kwargs(case, {**caller, "x-monite-version": "2024-05-25"})
        before = row_counts(db)
        response = await client.request(**kwargs)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} for {kwargs}: {response.text[:300]}")
        elif response.status_code >= 400:
            if response.status_code == 401 and not operation.path.startswith("/v1/auth/"):
                failures.append(f"401 with a valid token (the fuzz must reach the route) for {kwargs}: {response.text}")
            if problem := _refusal_problem(response):
                failures.append(f"{response.status_code} body {problem} for {kwargs}: {response.text[:300]}")
            after = row_counts(db)
            if changed := {name: (before[name], after[name]) for name in before if before[name] != after[name]}:
                failures.append(f"{response.status_code} wrote {changed} for {kwargs}: {response.text[:300]}")
    assert cases
    assert not failures, "\n".join(failures[:5])


PATCHES = [label for label in LABELS if label.startswith(("PATCH ", "PUT "))]


@pytest.mark.parametrize("label", PATCHES)
async def test_null_in_each_field_of_a_patch(app, client, partner, entity, label):
    """Every field of an update (and every field of an object in it), sent alone as null to a real
    object: the request is taken or refused with Monite's error body — a null the schema lets
    through must not reach a column or a response field that cannot hold it."""
    method, path = label.split(" ")
    real = await _real_ids(partner, entity["id"], path)
    url = "http://remit.test" + path.format(**real)
    failures = []
    for names in sorted(_body_fields(app.openapi(), method, path)):
        body: Any = None
        for name in reversed(names):
            body = {name: body}
        response = await client.request(method, url, json=body, headers=partner.on(entity["id"]))
        if response.status_code >= 500 or (response.status_code >= 400 and _refusal_problem(response)):
            failures.append(f"{body}: {response.status_code} {response.text[:200]}")
    assert not failures, failures


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
    for option in [schema, *schema.get("anyOf", [])]:
        if "$ref" in option:
            option = document["components"]["schemas"][option["$ref"].rsplit("/", 1)[-1]]
        if "properties" in option:
            return option["properties"]
    return {}
