"""Alembic migrations, shipped inside the package so an installed ``remit`` can migrate."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from remit.core.db.engine import normalise_url

HERE = Path(__file__).parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    config.set_main_option(
        "file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s"
    )
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def is_current(database_url: str) -> bool:
    """Whether the database is at this remit's latest revision (no migration pending, none unknown)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, pool

    heads = set(ScriptDirectory.from_config(alembic_config(database_url)).get_heads())
    engine = create_engine(normalise_url(database_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return set(MigrationContext.configure(connection).get_current_heads()) == heads
    finally:
        engine.dispose()
