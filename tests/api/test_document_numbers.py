"""Document numbers: the ``document_ids`` settings, the next numbers an entity sets and reads, and
``draw``, which the documents that get a number (invoices, quotes, credit notes, …) call when they
are issued.

``draw`` runs in the caller's transaction; here each draw opens its own with ``db.transaction()``
(never while an HTTP call is awaited: on SQLite the test would then hold the write lock the
request waits for).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from remit.entities.document_numbers import DocumentType, draw, format_document_id
from remit.entities.document_numbers.service import MAX_NUMBER, NumbersExhausted
from remit.entities.models import EntitySettings, remember_settings, settings_of
from tests.fixtures.entities import Partner, new_partner
from tests.fixtures.responses import assert_error, locs

ISSUED = datetime(2025, 1, 2, 10, 0, tzinfo=UTC)
ALL_ONE = {"invoice": 1, "quote": 1, "credit_note": 1, "delivery_note": 1, "purchase_order": 1}


class Rollback(Exception):
    pass


@pytest.fixture(scope="module")
async def partner(client, db) -> Partner:
    return await new_partner(client, db)


@pytest.fixture(scope="module")
async def stranger(client, db) -> Partner:
    return await new_partner(client, db)


@pytest.fixture
async def entity(partner) -> dict[str, Any]:
    return await partner.create_entity()


def drawn(db, entity: dict[str, Any], document_type: str = "invoice", issued_at: datetime = ISSUED) -> str:
    with db.transaction() as session:
        return draw(session, uuid.UUID(entity["id"]), document_type, issued_at)


async def next_numbers(client, auth, entity) -> dict[str, int]:
    response = await client.get(f"/entities/{entity['id']}/settings/next_document_numbers", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


async def patch(client, auth, entity, document_ids: dict[str, Any] | None, **other: Any):
    body = {"document_ids": document_ids, **other} if document_ids is not None else other
    return await client.patch(f"/entities/{entity['id']}/settings", json=body, headers=auth)


async def settings(client, auth, entity) -> dict[str, Any]:
    response = await client.get(f"/entities/{entity['id']}/settings", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


# -- the worked example -------------------------------------------------------------------------


async def test_worked_example(client, db, partner, entity):
    assert await next_numbers(client, partner.auth, entity) == ALL_ONE
    assert drawn(db, entity, "invoice") == "INV-00001"
    assert drawn(db, entity, "quote") == "Q-00001"  # a counter of its own
    assert await next_numbers(client, partner.auth, entity) == {**ALL_ONE, "invoice": 2, "quote": 2}

    response = await patch(client, partner.auth, entity, {
        "prefix": "ACME", "include_date": True, "separator": "/", "min_digits": 3, "next_number": {"invoice": 120},
    })  # fmt: skip
    assert response.status_code == 200, response.text
    document_ids = response.json()["document_ids"]
    assert "next_number" not in document_ids
    assert (document_ids["prefix"], document_ids["include_date"], document_ids["separator"]) == ("ACME", True, "/")
    assert document_ids["min_digits"] == 3
    assert await next_numbers(client, partner.auth, entity) == {**ALL_ONE, "invoice": 120, "quote": 2}

    assert drawn(db, entity, "invoice", datetime(2025, 1, 2, tzinfo=UTC)) == "INV/ACME/2025/120"
    assert drawn(db, entity, "invoice", datetime(2025, 1, 2, tzinfo=UTC)) == "INV/ACME/2025/121"
    assert await next_numbers(client, partner.auth, entity) == {**ALL_ONE, "invoice": 122, "quote": 2}

    before = await settings(client, partner.auth, entity)
    refused = await patch(client, partner.auth, entity, {"next_number": {"invoice": 100}}, language="fr")
    assert_error(refused, 400, "The next invoice number must be at least 122: invoice number 121 has already been issued")
    assert await settings(client, partner.auth, entity) == before  # the refusal wrote nothing
    assert await next_numbers(client, partner.auth, entity) == {**ALL_ONE, "invoice": 122, "quote": 2}

    assert drawn(db, entity, "quote") == "Q/ACME/2025/002"  # the new format, its own sequence


async def test_example_with_a_custom_type_prefix(client, db, partner, entity):
    response = await patch(client, partner.auth, entity, {
        "document_type_prefix": {"invoice": "IN"}, "prefix": "EX-ORG", "include_date": True, "separator": "/",
        "next_number": {"invoice": 3},
    })  # fmt: skip
    assert response.status_code == 200, response.text
    # Setting one type's prefix keeps the others.
    assert response.json()["document_ids"]["document_type_prefix"] == {
        "invoice": "IN", "quote": "Q", "credit_note": "CN", "delivery_note": "DN", "purchase_order": "PO",
    }  # fmt: skip
    assert drawn(db, entity, "invoice", datetime(2024, 5, 1, tzinfo=UTC)) == "IN/EX-ORG/2024/00003"
    assert drawn(db, entity, "credit_note", datetime(2024, 5, 1, tzinfo=UTC)) == "CN/EX-ORG/2024/00001"


# -- the format -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document_ids", "number", "expected"),
    [
        (None, 1, "INV-00001"),
        ({}, 7, "INV-00007"),
        ({"separator": ""}, 1, "INV00001"),
        ({"separator": "|", "min_digits": 1}, 1, "INV|1"),
        ({"separator": ".", "prefix": "B2"}, 42, "INV.B2.00042"),
        ({"min_digits": 3}, 123456, "INV-123456"),  # padding never cuts
        ({"min_digits": 25}, 1, "INV-" + "0" * 24 + "1"),
        ({"include_date": True}, 1, "INV-2025-00001"),
        ({"include_date": False, "prefix": None}, 1, "INV-00001"),
        # Values a settings document may hold as null (or not at all) format with their defaults.
        ({"document_type_prefix": None, "min_digits": None, "separator": None, "include_date": None}, 1, "INV-00001"),
        ({"document_type_prefix": {"quote": "OFF"}}, 1, "INV-00001"),
    ],
)
def test_format(document_ids, number, expected):
    assert format_document_id(document_ids, "invoice", number, ISSUED) == expected


@pytest.mark.parametrize(
    ("issued_at", "year"),
    [
        (datetime(2024, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2))), "2025"),  # 01:30 UTC
        (datetime(2025, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=2))), "2024"),  # 22:30 UTC
        (datetime(2025, 1, 1, 0, 0, tzinfo=UTC), "2025"),
    ],
)
def test_the_year_is_the_utc_year_of_the_issue(issued_at, year):
    assert format_document_id({"include_date": True}, "quote", 9, issued_at) == f"Q-{year}-00009"


def test_every_type_has_its_default_prefix():
    assert [format_document_id(None, t, 1, ISSUED) for t in DocumentType] == [
        "INV-00001", "Q-00001", "CN-00001", "DN-00001", "PO-00001",
    ]  # fmt: skip


async def test_draw_refuses_what_is_not_a_document_type_or_a_utc_time(db, entity):
    with pytest.raises(ValueError):
        drawn(db, entity, "receipt")
    with pytest.raises(ValueError):
        drawn(db, entity, "invoice", datetime(2025, 1, 2))  # naive
    assert drawn(db, entity) == "INV-00001"  # neither consumed a number


# -- sequences ------------------------------------------------------------------------------------


async def test_each_type_has_its_own_sequence(client, db, partner, entity):
    for document_type in DocumentType:
        for _ in range(2):
            drawn(db, entity, document_type)
    assert drawn(db, entity, "purchase_order") == "PO-00003"
    assert await next_numbers(client, partner.auth, entity) == {**{t: 3 for t in ALL_ONE}, "purchase_order": 4}


async def test_each_entity_has_its_own_sequences(client, db, partner, entity):
    other = await partner.create_entity(email="other@acme.example")
    assert [drawn(db, entity) for _ in range(3)] == ["INV-00001", "INV-00002", "INV-00003"]
    assert (await patch(client, partner.auth, entity, {"prefix": "A", "next_number": {"quote": 50}})).status_code == 200
    assert await next_numbers(client, partner.auth, other) == ALL_ONE
    assert drawn(db, other) == "INV-00001"  # nor does the other entity's format apply
    assert drawn(db, other, "quote") == "Q-00001"
    assert drawn(db, entity) == "INV-A-00004"


async def test_a_rolled_back_draw_consumes_nothing(client, db, partner, entity):
    assert drawn(db, entity) == "INV-00001"
    with pytest.raises(Rollback), db.transaction() as session:
        assert draw(session, uuid.UUID(entity["id"]), "invoice", ISSUED) == "INV-00002"
        raise Rollback
    # Nor does the first draw of a type, which creates its counter.
    with pytest.raises(Rollback), db.transaction() as session:
        assert draw(session, uuid.UUID(entity["id"]), "quote", ISSUED) == "Q-00001"
        raise Rollback
    assert await next_numbers(client, partner.auth, entity) == {**ALL_ONE, "invoice": 2}
    assert drawn(db, entity) == "INV-00002"
    assert drawn(db, entity, "quote") == "Q-00001"


async def test_draws_in_one_transaction_follow_each_other(db, entity):
    with db.transaction() as session:
        numbers = [draw(session, uuid.UUID(entity["id"]), "invoice", ISSUED) for _ in range(3)]
    assert numbers == ["INV-00001", "INV-00002", "INV-00003"]


async def test_settings_changed_in_the_same_transaction_apply(db, entity):
    """A unit of work that changes the settings and then draws uses the new settings."""
    with db.transaction() as session:
        entity_id = uuid.UUID(entity["id"])
        data = settings_of(session, entity_id)
        remember_settings(session, entity_id, {**data, "document_ids": {**data["document_ids"], "separator": "."}})
        assert draw(session, entity_id, "invoice", ISSUED) == "INV.00001"


# -- setting the next number ----------------------------------------------------------------------


async def test_the_next_number_may_go_back_down_to_the_last_issued_plus_one(client, db, partner, entity):
    for value in (50, 10, 1):  # nothing issued yet: any number
        assert (await patch(client, partner.auth, entity, {"next_number": {"invoice": value}})).status_code == 200
        assert (await next_numbers(client, partner.auth, entity))["invoice"] == value
    assert (await patch(client, partner.auth, entity, {"next_number": {"invoice": 10}})).status_code == 200
    assert drawn(db, entity) == "INV-00010"
    assert_error(await patch(client, partner.auth, entity, {"next_number": {"invoice": 10}}), 400)
    assert_error(await patch(client, partner.auth, entity, {"next_number": {"invoice": 1}}), 400)
    assert (await patch(client, partner.auth, entity, {"next_number": {"invoice": 500}})).status_code == 200
    # Back from 500 to 11: 11 was never issued.
    assert (await patch(client, partner.auth, entity, {"next_number": {"invoice": 11}})).status_code == 200
    assert drawn(db, entity) == "INV-00011"
    assert (await next_numbers(client, partner.auth, entity))["invoice"] == 12


async def test_a_refused_next_number_sets_none_of_the_others(client, db, partner, entity):
    drawn(db, entity, "quote")
    drawn(db, entity, "quote")
    body = {"next_number": {"invoice": 40, "quote": 2, "credit_note": 7}, "prefix": "NEW"}
    assert_error(await patch(client, partner.auth, entity, body), 400)
    assert await next_numbers(client, partner.auth, entity) == {**ALL_ONE, "quote": 3}
    assert (await settings(client, partner.auth, entity))["document_ids"]["prefix"] is None


async def test_next_number_is_write_only_and_kept_out_of_the_settings(client, db, partner, entity):
    before = await settings(client, partner.auth, entity)
    response = await patch(client, partner.auth, entity, {"next_number": {"delivery_note": 9, "quote": None}})
    assert response.status_code == 200, response.text
    assert response.json() == before  # nothing else changed, nothing shown
    assert await settings(client, partner.auth, entity) == before
    assert await next_numbers(client, partner.auth, entity) == {**ALL_ONE, "delivery_note": 9}
    assert drawn(db, entity, "delivery_note") == "DN-00009"

    with db.transaction() as session:
        stored = session.get_one(EntitySettings, uuid.UUID(entity["id"])).data
    assert "next_number" not in stored["document_ids"]


@pytest.mark.parametrize("body", [{"next_number": None}, {"next_number": {}}, {"next_number": {"invoice": None}}])
async def test_no_next_number_changes_nothing(client, partner, entity, body):
    before = await settings(client, partner.auth, entity)
    response = await patch(client, partner.auth, entity, body)
    assert response.status_code == 200, response.text
    assert response.json() == before
    assert await next_numbers(client, partner.auth, entity) == ALL_ONE


@pytest.mark.parametrize(
    ("document_ids", "loc"),
    [
        ({"next_number": {"invoice": 0}}, ["next_number", "invoice"]),
        ({"next_number": {"invoice": MAX_NUMBER + 1}}, ["next_number", "invoice"]),
        ({"next_number": {"receipt": 3}}, ["next_number", "receipt"]),
        ({"include_date": None}, ["include_date"]),
        ({"min_digits": None}, ["min_digits"]),
        ({"min_digits": 0}, ["min_digits"]),
        ({"separator": None}, ["separator"]),
        ({"separator": "_"}, ["separator"]),
        ({"document_type_prefix": None}, ["document_type_prefix"]),
        ({"document_type_prefix": {"invoice": None}}, ["document_type_prefix", "invoice"]),
        ({"document_type_prefix": {"invoice": "X" * 26}}, ["document_type_prefix", "invoice"]),
        ({"prefix": ""}, ["prefix"]),
    ],
)
async def test_invalid_settings(client, partner, entity, document_ids, loc):
    before = await settings(client, partner.auth, entity)
    assert ["body", "document_ids", *loc] in locs(await patch(client, partner.auth, entity, document_ids))
    assert await settings(client, partner.auth, entity) == before
    assert await next_numbers(client, partner.auth, entity) == ALL_ONE


async def test_prefix_can_be_removed_again(client, db, partner, entity):
    assert (await patch(client, partner.auth, entity, {"prefix": "ACME"})).status_code == 200
    assert drawn(db, entity) == "INV-ACME-00001"
    response = await patch(client, partner.auth, entity, {"prefix": None})
    assert response.json()["document_ids"]["prefix"] is None
    assert drawn(db, entity) == "INV-00002"


async def test_the_last_number_is_not_passed(client, db, partner, entity):
    assert (await patch(client, partner.auth, entity, {"next_number": {"invoice": MAX_NUMBER - 1}})).status_code == 200
    assert drawn(db, entity) == f"INV-{MAX_NUMBER - 1}"
    with pytest.raises(NumbersExhausted):
        drawn(db, entity)
    assert (await next_numbers(client, partner.auth, entity))["invoice"] == MAX_NUMBER
    assert_error(await patch(client, partner.auth, entity, {"next_number": {"invoice": 5}}), 400)


# -- who may read and set them --------------------------------------------------------------------


async def test_entity_users(client, partner, entity):
    reader = await partner.user_with(entity["id"], entity=["read"])
    writer = await partner.user_with(entity["id"], entity=["read", "update"])
    nobody = await partner.user_with(entity["id"], role=["read"])
    url = f"/entities/{entity['id']}/settings/next_document_numbers"

    assert await next_numbers(client, reader.auth, entity) == ALL_ONE
    assert_error(await client.get(url, headers=nobody.auth), 403, "Action read for entity not allowed")
    assert_error(
        await patch(client, reader.auth, entity, {"next_number": {"invoice": 5}}), 403, "Action update for entity not allowed"
    )
    assert await next_numbers(client, partner.auth, entity) == ALL_ONE
    assert (await patch(client, writer.auth, entity, {"next_number": {"invoice": 5}})).status_code == 200
    assert await next_numbers(client, writer.auth, entity) == {**ALL_ONE, "invoice": 5}


async def test_entity_user_of_another_entity(client, partner, entity):
    other = await partner.create_entity(email="other@acme.example")
    outsider = await partner.user_with(other["id"], entity=["read", "update"])
    url = f"/entities/{entity['id']}/settings/next_document_numbers"
    assert_error(await client.get(url, headers=outsider.auth), 404, "Entity not found")
    assert_error(await patch(client, outsider.auth, entity, {"next_number": {"invoice": 5}}), 404, "Entity not found")
    assert await next_numbers(client, partner.auth, entity) == ALL_ONE


async def test_another_partners_entity(client, partner, stranger, entity):
    url = f"/entities/{entity['id']}/settings/next_document_numbers"
    assert_error(await client.get(url, headers=stranger.auth), 404, "Entity not found")
    assert_error(await patch(client, stranger.auth, entity, {"next_number": {"invoice": 5}}), 404, "Entity not found")
    assert await next_numbers(client, partner.auth, entity) == ALL_ONE
    missing = f"/entities/{uuid.uuid4()}/settings/next_document_numbers"
    assert_error(await client.get(missing, headers=partner.auth), 404, "Entity not found")
