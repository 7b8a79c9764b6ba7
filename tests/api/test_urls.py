"""Every URL a request can carry is validated as a URL and comes back exactly as it was sent, up to
Monite's maximum length (docs/decisions.md, "URLs as sent").

``test_every_url_field_has_a_round_trip`` finds the URL fields (``format: uri``) of every request
body in our OpenAPI document, at every depth, and fails until each has a case in ``CASES``: how to
send a value there, on which object, and how to read it back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.test_fuzz import BODIED
from tests.fixtures import openapi
from tests.fixtures.entities import new_partner
from tests.fixtures.masterdata import monite_contract
from tests.fixtures.receivables import Billing, billing_on
from tests.fixtures.responses import locs


@dataclass
class Setup:
    """The objects a case works on: the partner, its entity, a user who may update the entity, and
    the entity's billing set-up (made when a case first needs it)."""

    partner: Any
    entity: dict[str, Any]
    user: Any
    billing: Billing | None = None

    async def bill(self) -> Billing:
        if self.billing is None:
            self.billing = await billing_on(self.partner, self.entity["id"])
        return self.billing


Send = Callable[[Setup, str], Awaitable[tuple[Any, Callable[[], Awaitable[Any]]]]]


async def _entity_create(s: Setup, url: str):
    response = await s.partner.client.post("/entities", headers=s.partner.auth, json={
        "type": "organization", "email": "a@b.example", "organization": {"legal_name": "URL GmbH"},
        "address": {"country": "DE", "city": "Berlin", "line1": "X 1", "postal_code": "10117"}, "website": url})
    return response, _read_entity(s, response)


def _entity_patch(path: str, as_user: bool) -> Send:
    async def send(s: Setup, url: str):
        headers = s.user.auth if as_user else s.partner.auth
        response = await s.partner.client.patch(path.format(entity_id=s.entity["id"]), headers=headers,
                                                json={"website": url})
        return response, _read_entity(s, response)

    return send


def _read_entity(s: Setup, response) -> Callable[[], Awaitable[Any]]:
    async def read() -> Any:
        got = await s.partner.client.get(f"/entities/{response.json()['id']}", headers=s.partner.auth)
        return got.json()["website"]

    return read


def _receivable_create(kind: str, where: tuple[str, ...]) -> Send:
    async def send(s: Setup, url: str):
        bill = await s.bill()
        payload = bill.invoice() if kind == "invoice" else bill.quote()
        response = await bill.client.post("/receivables", headers=bill.on, json=_put(payload, where, url))
        return response, _read_receivable(s, response, where)

    return send


def _receivable_patch(wrapper: str, where: tuple[str, ...]) -> Send:
    async def send(s: Setup, url: str):
        bill = await s.bill()
        if wrapper == "issued_invoice":
            flow = {"receivable_edit_flow": "non_compliant"}
            assert (await s.partner.client.patch(f"/entities/{s.entity['id']}/settings", headers=s.partner.auth,
                                                 json=flow)).status_code == 200
            document = await bill.issued()
        elif wrapper == "credit_note":
            document = await bill.create({"type": "credit_note", "based_on": (await bill.issued())["id"]})
        else:
            document = await bill.create(bill.invoice() if wrapper == "invoice" else bill.quote())
        response = await bill.client.patch(f"/receivables/{document['id']}", headers=bill.on,
                                             json={wrapper: _put({}, where, url, named=wrapper == "issued_invoice")})
        return response, _read_receivable(s, response, where)

    return send


def _put(body: dict[str, Any], where: tuple[str, ...], url: str, named: bool = False) -> dict[str, Any]:
    """``body`` with ``url`` at ``where``; the entity of an issued invoice is given whole, with its
    type and name."""
    if where[0] == "entity":
        return {**body, "entity": {**({"type": "organization", "name": "Override GmbH"} if named else {}), where[1]: url}}
    return {**body, where[0]: url}


def _read_receivable(s: Setup, response, where: tuple[str, ...]) -> Callable[[], Awaitable[Any]]:
    async def read() -> Any:
        return openapi.values_at(await (await s.bill()).get(response.json()["id"]), where)[0]

    return read


# (operation, field path in its body) → how to send a URL there and read it back.
CASES: dict[tuple[str, tuple[str, ...]], Send] = {
    ("POST /v1/entities", ("website",)): _entity_create,
    ("PATCH /v1/entities/{entity_id}", ("website",)): _entity_patch("/entities/{entity_id}", as_user=False),
    ("PATCH /v1/entities/me", ("website",)): _entity_patch("/entities/me", as_user=True),
    ("PATCH /v1/entity_users/my_entity", ("website",)): _entity_patch("/entity_users/my_entity", as_user=True),
    ("POST /v1/receivables", ("payment_page_url",)): _receivable_create("invoice", ("payment_page_url",)),
    ("POST /v1/receivables", ("quote_accept_page_url",)): _receivable_create("quote", ("quote_accept_page_url",)),
    ("POST /v1/receivables", ("entity", "logo")): _receivable_create("invoice", ("entity", "logo")),
    ("POST /v1/receivables", ("entity", "website")): _receivable_create("quote", ("entity", "website")),
    ("PATCH /v1/receivables/{receivable_id}", ("invoice", "payment_page_url")):
        _receivable_patch("invoice", ("payment_page_url",)),
    ("PATCH /v1/receivables/{receivable_id}", ("quote", "quote_accept_page_url")):
        _receivable_patch("quote", ("quote_accept_page_url",)),
    ("PATCH /v1/receivables/{receivable_id}", ("invoice", "entity", "logo")):
        _receivable_patch("invoice", ("entity", "logo")),
    ("PATCH /v1/receivables/{receivable_id}", ("invoice", "entity", "website")):
        _receivable_patch("invoice", ("entity", "website")),
    ("PATCH /v1/receivables/{receivable_id}", ("quote", "entity", "logo")):
        _receivable_patch("quote", ("entity", "logo")),
    ("PATCH /v1/receivables/{receivable_id}", ("quote", "entity", "website")):
        _receivable_patch("quote", ("entity", "website")),
    ("PATCH /v1/receivables/{receivable_id}", ("credit_note", "entity", "logo")):
        _receivable_patch("credit_note", ("entity", "logo")),
    ("PATCH /v1/receivables/{receivable_id}", ("credit_note", "entity", "website")):
        _receivable_patch("credit_note", ("entity", "website")),
    ("PATCH /v1/receivables/{receivable_id}", ("issued_invoice", "entity", "logo")):
        _receivable_patch("issued_invoice", ("entity", "logo")),
    ("PATCH /v1/receivables/{receivable_id}", ("issued_invoice", "entity", "website")):
        _receivable_patch("issued_invoice", ("entity", "website")),
}


def url_fields(document: dict[str, Any]) -> dict[tuple[str, tuple[str, ...]], dict[str, Any]]:
    """Every URL field of a request body in ``document``, with its schema."""
    schemas = document["components"]["schemas"]
    found = {}
    for label in BODIED:
        method, path = label.split(" ")
        body = document["paths"][path][method.lower()]["requestBody"]["content"]["application/json"]["schema"]
        if path.startswith("/v1/webhook_subscriptions"):
            continue  # https to public hosts only: their own rules and round trips, tests/api/test_webhooks_api.py
        for names in openapi.fields(schemas, body):
            for option in openapi.field_schemas(schemas, body, names):
                if option.get("format") == "uri":
                    found[(label, names)] = option
    return found


def monite_max_length(label: str, names: tuple[str, ...]) -> int:
    method, path = label.split(" ")
    contract = monite_contract()
    request = contract["operations"][f"{method} {path.removeprefix('/v1')}"]["request"]
    lengths = {o["maxLength"] for o in openapi.field_schemas(contract["schemas"], request, names) if "maxLength" in o}
    assert len(lengths) == 1, (label, names, lengths)
    return lengths.pop()


def test_every_url_field_has_a_round_trip(app):
    fields = url_fields(app.openapi())
    assert ("PATCH /v1/entities/{entity_id}", ("website",)) in fields
    assert set(fields) == set(CASES)
    for (label, names), schema in fields.items():
        assert (schema.get("minLength"), schema["maxLength"]) == (1, monite_max_length(label, names)), (label, names)


@pytest.fixture(scope="module")
async def partner(client, db):
    """One partner for the module (a credential costs an argon2 hash); each test has its own entity."""
    return await new_partner(client, db)


@pytest.fixture
async def setup(partner, entity) -> Setup:
    return Setup(partner, entity, await partner.user_with(entity["id"], entity=["read", "update"]))


WRAPPERS = {"invoice", "quote", "credit_note", "issued_invoice"}


@pytest.mark.parametrize(("label", "names"), list(CASES), ids=lambda v: v if isinstance(v, str) else ".".join(v))
async def test_a_url_comes_back_as_it_was_sent(setup, label, names):
    """Sent, answered and read back unchanged, up to Monite's maximum length; refused with a 422 at
    the field when it is not a URL or one character too long."""
    send, maximum = CASES[(label, names)], monite_max_length(label, names)
    prefix = "https://example.com/"
    longest = prefix + "a" * (maximum - len(prefix))
    # A normalising parser would add a trailing slash, lower-case the scheme and host, escape characters.
    for url in ("https://example.com", "HTTPS://Example.COM/Ä?q=a%20b&x=ü#Frag", "mailto:billing@example.com",
                longest):
        response, read = await send(setup, url)
        assert response.status_code in (200, 201), (url[:60], response.text[:300])
        assert openapi.values_at(response.json(), names[1:] if names[0] in WRAPPERS else names) == [url]
        assert await read() == url
    assert len(longest) == maximum
    for url in ("", "not a url", "https://exa mple.com", " https://example.com", "https://example.com/\n",
                longest + "a"):
        response, _ = await send(setup, url)
        assert response.status_code == 422, (url[:60], response.text[:300])
        assert any(loc[-1] == names[-1] for loc in locs(response)), response.text[:300]
