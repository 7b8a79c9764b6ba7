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

Every operation with a JSON body also gets bytes that are not JSON, under JSON and other content
types (``test_bodies_that_are_not_json``), and a null in each field of its body at every depth
(``test_null_at_every_depth``); ``test_our_document_refuses_the_nulls_monite_refuses_for_values_an_object_always_has``
holds the document those nulls are judged by to Monite's.

The examples are derandomized, so CI sees the same requests every run. ``REMIT_FUZZ_EXAMPLES``
raises their number per operation and mode (default 12), and ``REMIT_FUZZ_RANDOM=1`` draws new
ones, for a longer hunt than CI's.
"""

from __future__ import annotations

import json
import os
import string
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from remit.api import router as api_router
from remit.core.base import Base
from remit.core.jsonbody import MAX_DEPTH
from tests.api.test_tenancy import BY_ENTITY_ID, ENTITY_SCOPED, api_routes
from tests.fixtures import openapi
from tests.fixtures.entities import ALL_CRUD, Partner, new_partner
from tests.fixtures.masterdata import monite_contract
from tests.fixtures.responses import assert_crm_error, assert_error, locs
from tests.fixtures.webhooks import PARTNER_SCOPED_FACTORIES

COMPAT = "/v1/compat/"  # routes that answer in another system's envelope
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


class RowCounts:
    """The row counts as last seen, taken again after each request (nothing else writes meanwhile),
    so each request costs one count."""

    def __init__(self, db) -> None:
        self.db = db
        self.seen = row_counts(db)

    def changed(self) -> dict[str, tuple[int, int]]:
        """The tables whose row count changed since they were last seen."""
        now, before = row_counts(self.db), self.seen
        self.seen = now
        return {name: (before[name], now[name]) for name in now if before[name] != now[name]}


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


def _refusal_problem(response, path: str = "") -> str | None:
    """What is wrong with an error response's body (the shapes of ``tests.fixtures.responses``), or None.
    The CRM.COM compatibility routes answer in CRM.COM's envelope instead (docs/compat-crm.md)."""
    try:
        if path.startswith(COMPAT):
            assert_crm_error(response, response.status_code)
        elif response.status_code == 422 and "detail" in response.json():
            locs(response)
        else:
            assert_error(response, response.status_code)
    except (AssertionError, ValueError, KeyError, TypeError) as exc:
        return f"not {'CRM.COM' if path.startswith(COMPAT) else 'Monite'}'s error body ({exc!r})"
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
    counts = RowCounts(db)
    for case, caller in cases:
        kwargs = _request_kwargs(case, {**caller, "x-monite-version": "2024-05-25"})
        failures.extend((await _send(client, counts, operation.path, kwargs))[1])
    assert cases
    assert not failures, "\n".join(failures[:5])


async def _send(client, counts: RowCounts, path: str, kwargs: dict[str, Any]) -> tuple[Any, list[str]]:
    """Send one request: the response, and what is wrong with how it was answered (nothing, for a
    good answer)."""
    response = await client.request(**kwargs)
    changed = counts.changed()
    status, text = response.status_code, response.text[:300]
    if status >= 500:
        return response, [f"{status} for {kwargs}: {text}"]
    problems = []
    if status >= 400:
        if status == 401 and not path.startswith("/v1/auth/"):
            problems.append(f"401 with a valid token (the fuzz must reach the route) for {kwargs}: {text}")
        if problem := _refusal_problem(response, path):
            problems.append(f"{status} body {problem} for {kwargs}: {text}")
        if changed:
            problems.append(f"{status} wrote {changed} for {kwargs}: {text}")
    return response, problems


# Every operation that takes a JSON body (the uploads take multipart forms).
BODIED = sorted(f"{method} {path}" for path, methods, route in api_routes(api_router.routes)
                for method in methods if route.body_field is not None)

# -- bytes: bodies that are not JSON -----------------------------------------------------------

JSON_TYPES = ["application/json", "application/json; charset=utf-8", "application/merge-patch+json"]
OTHER_TYPES = ["text/plain", "application/x-www-form-urlencoded", "application/octet-stream", None]
NOT_UTF8 = [b"\xff", b"\xfe\xff", b"\x80", b"\xc0\x80", b"\xed\xa0\x80", b"\xe2\x82", b"\xf4\x90\x80\x80"]
# Sent to every operation under a JSON and a non-JSON content type: a byte that is not UTF-8, alone
# and inside a string, a NUL where the JSON parser looks for a byte order, and nesting too deep to
# read back (beyond the response encoders) and to parse (beyond Python's recursion limit).
FIXED = [b"\xff", b'{"name": "\xff"}', b"\x00{}", b'{"a":' + b"[" * 300 + b"]" * 300 + b"}", b"[" * 5000]
FIXED_TYPES = ["application/json", "text/plain", None]


def _spliced(text: bytes, at: int, bad: bytes) -> bytes:
    at = at % (len(text) + 1)
    return text[:at] + bad + text[at:]


# Random bytes, and JSON text with bytes that are not UTF-8 spliced in, under any content type.
RAW_BODIES = st.tuples(
    st.one_of(
        st.binary(max_size=48),
        st.builds(_spliced, st.sampled_from([b'{"name": "tag"}', b'{"metadata": {"k": "v"}}', b'[{"a": 1}]']),
                  st.integers(0, 30), st.sampled_from(NOT_UTF8)),
    ),
    st.sampled_from(JSON_TYPES + OTHER_TYPES),
)


@pytest.mark.parametrize("label", BODIED)
async def test_bodies_that_are_not_json(client, db, operations, partner, entity, label):
    """Bytes that are not JSON, under JSON and other content types, to every operation with a JSON
    body (a real object's path when it names one): never a 5xx, a refusal carries Monite's error
    body and writes nothing, and a body that is not JSON is a 422 (docs/decisions.md, "A body that is
    not JSON"): ``json_invalid`` when its content type says JSON."""
    operation = operations[label]
    method, path = operation.method.upper(), operation.path
    real = await _real_ids(partner, entity["id"], path)
    url = "http://remit.test" + path.format(**(real or _fake_ids(path)))
    cases = [(body, kind) for body in FIXED for kind in FIXED_TYPES] + _draw(RAW_BODIES, EXAMPLES)
    failures: list[str] = []
    counts = RowCounts(db)
    for body, kind in cases:
        headers = {**partner.on(entity["id"]), "x-monite-version": "2024-05-25"}
        if kind is not None:
            headers["content-type"] = kind
        response, problems = await _send(client, counts, path, {"method": method, "url": url, "content": body,
                                                            "headers": headers})
        failures.extend(problems)
        declared_json = kind in JSON_TYPES
        if (declared_json and not _is_json(body)) or (not declared_json and body):
            detail = response.json().get("detail") if response.status_code == 422 else None
            if detail is None or (declared_json and detail[0]["type"] != "json_invalid"):
                failures.append(f"{response.status_code} for {body[:40]!r} as {kind}: {response.text[:200]}")
    assert not failures, "\n".join(failures[:5])


def _fake_ids(path: str) -> dict[str, str]:
    return {field: "00000000-0000-4000-8000-000000000000" for _, field, _, _ in string.Formatter().parse(path) if field}


def _is_json(body: bytes) -> bool:
    """Whether remit reads these bytes as JSON: an empty body (read as ``{}``), or JSON text no
    deeper than remit takes."""
    if not body:
        return True
    try:
        return _nesting(json.loads(body)) <= MAX_DEPTH
    except (ValueError, RecursionError):
        return False


def _nesting(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_nesting, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_nesting, value), default=0)
    return 0




def test_our_document_refuses_the_nulls_monite_refuses_for_values_an_object_always_has(app):
    """Where Monite's request schema shows a field without null and the object always has a value
    there (Monite's response schema requires the field or gives it a default), our document shows
    the field without null too, so a null is refused with a 422 at the field (which
    ``test_null_at_every_depth`` sends). A null there could only erase the value; a null for a value
    the object may be without means "no value" (docs/decisions.md, "Nulls in requests"). And no
    field of ours refuses a null that Monite's request schema takes."""
    document = app.openapi()
    monite = monite_contract()
    gaps, stricter = [], []
    for label in BODIED:
        method, path = label.split(" ")
        monite_operation = monite["operations"].get(f"{method} {path.removeprefix('/v1')}") or {}
        if not monite_operation.get("request"):
            continue  # an operation of remit's own (the approval policy dry run)
        ours = openapi.fields(document["components"]["schemas"], _body_schema(document, method, path))
        theirs = openapi.fields(monite["schemas"], monite_operation["request"])
        resource = monite_operation["responses"].get(monite_operation["success"][0])
        for names, nullable in sorted(ours.items()):
            if names not in theirs:
                continue
            if theirs[names] and not nullable:
                stricter.append(f"{label} {'.'.join(names)}")
            elif not theirs[names] and nullable and names[-1] != openapi.ITEM \
                    and _in_response(monite["schemas"], resource, names)[0]:
                gaps.append(f"{label} {'.'.join(names)}")
    assert not gaps, f"{len(gaps)} fields take a null that could only erase a value:\n" + "\n".join(gaps[:40])
    assert not stricter, f"{len(stricter)} fields refuse a null Monite takes:\n" + "\n".join(stricter[:40])


def _body_schema(document: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return document["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]


@pytest.mark.parametrize("label", BODIED)
async def test_null_at_every_depth(app, client, db, operations, partner, entity, label):
    """Every field of the body, at every depth (in objects, in array elements, and the elements
    themselves), sent alone as null to a real object, on top of a body the API takes (a PATCH's is
    ``{}``; otherwise the first generated body it accepts, or the first generated one when it
    accepts none, as a script is rarely valid by chance; through an array, a generated body that
    has an element there):

    - a null for a field our document shows without null is refused with a 422 that names it, and
      nothing is written;
    - any other null is taken, or refused with Monite's error body and nothing written;
    - a null taken never comes back where the object always has a value (Monite's response
      schema requires the field or gives it a default)."""
    operation = operations[label]
    method, path = operation.method.upper(), operation.path
    real = await _real_ids(partner, entity["id"], path)
    headers = {**partner.on(entity["id"]), "x-monite-version": "2024-05-25"}
    url = "http://remit.test" + path.format(**real)
    document = app.openapi()
    ours, body_schema = document["components"]["schemas"], _body_schema(document, method, path)
    fields = openapi.fields(ours, body_schema)
    monite = monite_contract()
    monite_operation = monite["operations"].get(f"{method} {path.removeprefix('/v1')}") or {}
    resource = monite_operation.get("responses", {}).get((monite_operation.get("success") or ["200"])[0])
    strategy = operation.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE, path_parameters=real or None)
    bodies = [case.body for case in _draw(strategy, 20) if isinstance(case.body, dict)]
    assert fields and bodies
    base: dict[str, Any] = {} if method == "PATCH" else bodies[0]
    if method != "PATCH":
        for body in bodies:
            if (await client.request(method, url, json=body, headers=headers)).status_code < 300:
                base = body
                break
    failures = []
    counts = RowCounts(db)
    for names, nullable in sorted(fields.items()):
        tags = openapi.tags(ours, body_schema, names)
        # Bodies that reach the field first; the next is tried while the refusal is about the body
        # around the field (another member of a union, an element missing its required fields).
        for body in sorted((base, *bodies), key=lambda b: _unfit(b, names, tags))[:4]:
            response = await client.request(method, url, json=_tagged(_with_null(body, names), tags), headers=headers)
            if response.status_code >= 400 and (changed := counts.changed()):
                failures.append(f"null at {'.'.join(names)}: the refusal ({response.status_code}) wrote {changed}")
            if not (response.status_code == 422 and "detail" in response.json()) or _names_null(response, names, tags):
                break
        if response.status_code < 400:
            counts.changed()
        where = f"null at {'.'.join(names)} ({response.status_code}: {response.text[:300]})"
        if response.status_code >= 500:
            failures.append(where)
        elif not nullable and not _names_null(response, names, tags):
            failures.append(f"{where}: not a 422 naming the field")
        elif response.status_code >= 400:
            if problem := _refusal_problem(response):
                failures.append(f"{where}: {problem}")
        else:
            always, in_response = _in_response(monite["schemas"], resource, names)
            if always and None in openapi.values_at(response.json(), in_response):
                failures.append(f"{where}: taken, and returned as null where the object always has a value")
    assert not failures, "\n".join(failures[:8]) + f"\n({len(failures)} in all)"


def _unfit(body: Any, names: tuple[str, ...], tags: list[tuple[tuple[str, ...], str, Any]]) -> tuple[bool, int]:
    """How far ``body`` is from holding the field ``names``: whether an object on the way is tagged
    as another member of its union, then how few of the objects and arrays on the way it has."""
    other_member = any(isinstance(found, dict) and found.get(key) not in (None, tag)
                       for where, key, tag in tags for found in openapi.values_at(body, where))
    held = 0
    while held < len(names) - 1 and any(value not in (None, [], {}) for value in openapi.values_at(body, names[:held + 1])):
        held += 1
    return other_member, -held


def _tagged(body: Any, tags: list[tuple[tuple[str, ...], str, Any]]) -> Any:
    """``body`` with the union tags on the way to a field set where they are missing."""
    for where, key, tag in tags:
        for found in openapi.values_at(body, where):
            if isinstance(found, dict):
                found.setdefault(key, tag)
    return body


def _in_response(schemas: dict[str, Any], resource: dict[str, Any] | None,
                 names: tuple[str, ...]) -> tuple[bool | None, tuple[str, ...]]:
    """Whether the object always has a value at the field ``names`` (``openapi.always_present`` on
    Monite's response schema), and the field's path in the response. A field of a body wrapped in
    its type's key (``{"invoice": {...}}``, a receivable's update) is looked up without the wrapper."""
    for path in (names, names[1:]) if resource else ():
        if path and (found := openapi.always_present(schemas, resource, path)) is not None:
            return found, path
    return None, names


def _names(loc: list[Any], names: tuple[str, ...]) -> bool:
    """Whether an error's ``loc`` points at the field ``names`` (pydantic adds a union member's
    tag and array indexes on the way, which are skipped)."""
    wanted = [name for name in names if name != openapi.ITEM]
    parts = iter(part for part in loc[1:] if isinstance(part, str))
    return loc[:1] == ["body"] and all(name in parts for name in wanted)


def _names_null(response, names: tuple[str, ...], tags: list[tuple[tuple[str, ...], str, Any]]) -> bool:
    """Whether the response is a 422 that names the field ``names``; a null for the tag of a union
    member is refused at the object it tags, as pydantic reads the tag before the object."""
    if response.status_code != 422 or "detail" not in response.json():
        return False
    tagged = (names[:-1], names[-1]) in {(where, key) for where, key, _ in tags}
    return any(_names(error["loc"], names) or (tagged and error["type"].startswith("union_tag")
                                                and _names(error["loc"], names[:-1]))
               for error in response.json()["detail"])


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


def _with_null(body: Any, names: tuple[str, ...]) -> Any:
    """A copy of ``body`` with null at the key path ``names``; the objects and arrays on the way are
    the body's own (an array's first element), or made empty."""
    name, rest = names[0], names[1:]
    if name == openapi.ITEM:
        element = body[0] if isinstance(body, list) and body else {}
        return [None if not rest else _with_null(element, rest)]
    copy = dict(body) if isinstance(body, dict) else {}
    copy[name] = None if not rest else _with_null(copy.get(name), rest)
    return copy
