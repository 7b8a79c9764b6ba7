"""The migrated schema is the models' schema (docs/architecture.md, "Migrations"): autogenerate
finds nothing."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from remit.core.db.engine import normalise_url
from remit.migrations import alembic_config
from remit.models import metadata


def diff(database_url: str) -> list:
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def test_migrations_match_the_models(database_url):
    assert diff(database_url) == []


def test_every_model_table_is_migrated(database_url):
    engine = create_engine(normalise_url(database_url))
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_the_database_is_at_the_head_revision(database_url):
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config(database_url)).get_heads()
    assert len(heads) == 1, f"the migrations have several heads: {heads}"
    engine = create_engine(normalise_url(database_url))
    try:
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_heads() == tuple(heads)
    finally:
        engine.dispose()
