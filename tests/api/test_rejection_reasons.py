"""The rejection-reason catalogue ``/receivable_rejection_reasons`` (remit extension;
docs/receivables.md, "The rejection-reason catalogue"):
CRUD with soft delete, names unique case-insensitively, codes unique, one default, the two reasons
every new entity starts with (and existing ones get from the migration), and the server option
that turns seeding off."""

from __future__ import annotations

import uuid

import httpx
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text

from remit.app import create_app
from remit.core.db.engine import normalise_url
from remit.migrations import alembic_config
from tests.fixtures.app import HEADERS, make_settings
from tests.fixtures.database import row_counts

# The migration that adds the reason catalogue and backfills it.
REJECTION_MIGRATION = "99a788bc3436"

PATH = "/receivable_rejection_reasons"
SEEDED = [
    {"name": "Reject Due to Business Request", "alternative_code": "RDTBR", "description": None, "is_default": False},
    {"name": "Reject Due to Error", "alternative_code": "RDTE", "description": None, "is_default": True},
]


@pytest.fixture
async def entity_on(partner, entity) -> dict[str, str]:
    return partner.on(entity["id"])


async def listed(client, headers) -> list[dict]:
    response = await client.get(PATH, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def plain(reason: dict) -> dict:
    return {key: reason[key] for key in ("name", "alternative_code", "description", "is_default")}


async def create(client, headers, **body) -> dict:
    response = await client.post(PATH, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


class TestCatalogue:
    async def test_a_new_entity_starts_with_the_two_seeded_reasons_sorted_by_name(self, client, entity_on):
        reasons = await listed(client, entity_on)
        assert [plain(r) for r in reasons] == SEEDED
        assert set(reasons[0]) == {"id", "created_at", "updated_at", "name", "alternative_code", "description",
                                   "is_default"}

    async def test_create_read_update_delete(self, client, entity_on):
        reason = await create(client, entity_on, name="Wrong customer", alternative_code="WC",
                              description="Billed the wrong customer")
        assert plain(reason) == {"name": "Wrong customer", "alternative_code": "WC",
                                 "description": "Billed the wrong customer", "is_default": False}
        path = f"{PATH}/{reason['id']}"
        assert (await client.get(path, headers=entity_on)).json() == reason
        patched = await client.patch(path, json={"description": None, "alternative_code": "WCU"}, headers=entity_on)
        assert patched.status_code == 200, patched.text
        assert (patched.json()["description"], patched.json()["alternative_code"]) == (None, "WCU")
        assert (await client.delete(path, headers=entity_on)).status_code == 204
        assert (await client.get(path, headers=entity_on)).status_code == 404
        assert (await client.patch(path, json={"name": "x"}, headers=entity_on)).status_code == 404
        assert (await client.delete(path, headers=entity_on)).status_code == 404
        assert reason["id"] not in [r["id"] for r in await listed(client, entity_on)]
        # a deleted reason's name and code are free again
        await create(client, entity_on, name="Wrong customer", alternative_code="WCU")

    async def test_names_are_unique_case_insensitively_after_trimming_and_codes_are_unique(self, client, entity_on,
                                                                                         db):
        before = row_counts(db)
        for body in ({"name": "reject due to error"}, {"name": "  REJECT DUE TO ERROR  "},
                     {"name": "Other", "alternative_code": "RDTE"}):
            response = await client.post(PATH, json=body, headers=entity_on)
            assert response.status_code == 409, response.text
            assert "already exists" in response.json()["error"]["message"]
        assert row_counts(db) == before
        other = await create(client, entity_on, name="  Padded  ")
        assert other["name"] == "Padded"
        for body in ({"name": "Reject due to ERROR"}, {"alternative_code": "RDTBR"}):
            response = await client.patch(f"{PATH}/{other['id']}", json=body, headers=entity_on)
            assert response.status_code == 409, response.text
        # renaming a reason to another spelling of its own name is no conflict
        same = await client.patch(f"{PATH}/{other['id']}", json={"name": "PADDED"}, headers=entity_on)
        assert same.status_code == 200 and same.json()["name"] == "PADDED"

    async def test_one_default_per_entity(self, client, entity_on):
        new = await create(client, entity_on, name="New default", is_default=True)
        assert [r["name"] for r in await listed(client, entity_on) if r["is_default"]] == ["New default"]
        error = next(r for r in await listed(client, entity_on) if r["name"] == "Reject Due to Error")
        patched = await client.patch(f"{PATH}/{error['id']}", json={"is_default": True}, headers=entity_on)
        assert patched.status_code == 200, patched.text
        assert [r["name"] for r in await listed(client, entity_on) if r["is_default"]] == ["Reject Due to Error"]
        assert (await client.get(f"{PATH}/{new['id']}", headers=entity_on)).json()["is_default"] is False

    @pytest.mark.parametrize("body", [
        {}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": None}, {"name": 5},
        {"name": "ok", "alternative_code": ""}, {"name": "ok", "alternative_code": "x" * 51},
        {"name": "ok", "description": "x" * 501}, {"name": "ok", "is_default": None}, {"name": "ok", "extra": 1},
        [], "text", {"name": "x" * 10_000},
    ])
    async def test_schema_errors_are_422(self, client, entity_on, db, body):
        before = row_counts(db)
        response = await client.post(PATH, json=body, headers=entity_on)
        assert response.status_code == 422, response.text
        assert "detail" in response.json()
        assert row_counts(db) == before

    @pytest.mark.parametrize("body", [{"name": None}, {"is_default": None}, {"name": ""}, {"other": 1}])
    async def test_update_schema_errors_are_422(self, client, entity_on, body):
        reason = (await listed(client, entity_on))[0]
        response = await client.patch(f"{PATH}/{reason['id']}", json=body, headers=entity_on)
        assert response.status_code == 422, response.text

    async def test_another_entitys_reason_is_not_found(self, client, partner, entity_on, other_entity):
        theirs = (await listed(client, partner.on(other_entity["id"])))[0]
        path = f"{PATH}/{theirs['id']}"
        assert (await client.get(path, headers=entity_on)).status_code == 404
        assert (await client.patch(path, json={"name": "x"}, headers=entity_on)).status_code == 404
        assert (await client.delete(path, headers=entity_on)).status_code == 404
        assert (await client.get(f"{PATH}/{uuid.uuid4()}", headers=entity_on)).status_code == 404
        assert (await client.get(f"{PATH}/not-a-uuid", headers=entity_on)).status_code == 422
        assert (await listed(client, partner.on(other_entity["id"])))[0] == theirs

    async def test_reading_needs_receivable_read_and_writing_receivable_update(self, client, partner, entity, db):
        reader = await partner.user_with(entity["id"], receivable=["read"])
        writer = await partner.user_with(entity["id"], receivable={"read": "allowed", "update": "allowed_for_own"})
        nobody = await partner.user_with(entity["id"], counterpart=["read"])
        reasons = await listed(client, reader.auth)
        assert len(reasons) == 2
        path = f"{PATH}/{reasons[0]['id']}"
        before = row_counts(db)
        for method, url, body in (("POST", PATH, {"name": "x"}), ("PATCH", path, {"name": "y"}), ("DELETE", path, None)):
            response = await client.request(method, url, json=body, headers=reader.auth)
            assert response.status_code == 403, response.text
            assert response.json() == {"error": {"message": "Action update for receivable not allowed"}}
        assert (await client.get(PATH, headers=nobody.auth)).status_code == 403
        assert (await client.get(path, headers=nobody.auth)).status_code == 403
        assert row_counts(db) == before
        assert (await client.post(PATH, json={"name": "By writer"}, headers=writer.auth)).status_code == 201


async def test_seeding_can_be_turned_off(database_url, db):
    app = create_app(make_settings(database_url, seed_rejection_reasons=False), database=db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit.test/v1",
                                 headers=HEADERS) as client:
        from tests.fixtures.entities import new_partner

        partner = await new_partner(client, db)
        entity = await partner.create_entity()
        assert await listed(client, partner.on(entity["id"])) == []


def test_the_migration_gives_existing_entities_the_seeded_reasons(databases):
    url = databases.new_url()
    config = alembic_config(url)
    # To just before the rejection migration (and whatever follows it), then up again.
    command.downgrade(config, ScriptDirectory.from_config(config).get_revision(REJECTION_MIGRATION).down_revision)
    engine = create_engine(normalise_url(url))
    partner_id, entity_ids = uuid.uuid4(), [uuid.uuid4(), uuid.uuid4()]
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO partners (id, name, settings, created_at, updated_at) "
                          "VALUES (:id, 'p', '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                     {"id": partner_id.hex if engine.dialect.name == "sqlite" else partner_id})
        for entity_id in entity_ids:
            conn.execute(text("INSERT INTO entities (id, partner_id, type, status, address, created_at, updated_at) "
                              "VALUES (:id, :partner, 'organization', 'active', '{}', CURRENT_TIMESTAMP, "
                              "CURRENT_TIMESTAMP)"),
                         {"id": entity_id.hex if engine.dialect.name == "sqlite" else entity_id,
                          "partner": partner_id.hex if engine.dialect.name == "sqlite" else partner_id})
    command.upgrade(config, "head")
    from remit.receivables.rejection_reasons.models import ReceivableRejectionReason as Reason

    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Reason.entity_id, Reason.name, Reason.alternative_code, Reason.is_default)
                                .order_by(Reason.entity_id, Reason.name)).all()
            defaults = conn.scalar(select(func.count()).where(Reason.is_default.is_(True)))
    finally:
        engine.dispose()
    assert sorted(rows) == sorted(
        (entity_id, name, code, default) for entity_id in entity_ids
        for name, code, default in (("Reject Due to Business Request", "RDTBR", False),
                                    ("Reject Due to Error", "RDTE", True)))
    assert defaults == 2
