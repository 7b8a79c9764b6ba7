"""receivable rejection: the rejection-reason catalogue (seeded for every existing entity), and the
reason snapshot and time on rejected invoices

Revision ID: 99a788bc3436
Revises: 6fc0f4353044
Create Date: 2026-12-07 04:33:41.107992
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import remit.core.base

revision: str = '99a788bc3436'
down_revision: str | None = '6fc0f4353044'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('receivable_rejection_reasons',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_key', sa.String(length=100), nullable=False),
    sa.Column('alternative_code', sa.String(length=50), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=True),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', remit.core.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', remit.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', remit.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_receivable_rejection_reasons_entity_id_entities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receivable_rejection_reasons'))
    )
    with op.batch_alter_table('receivable_rejection_reasons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receivable_rejection_reasons_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index('uq_receivable_rejection_reasons_code', ['entity_id', 'alternative_code'], unique=True, postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.create_index('uq_receivable_rejection_reasons_default', ['entity_id'], unique=True, postgresql_where=sa.text('deleted_at IS NULL AND is_default'), sqlite_where=sa.text('deleted_at IS NULL AND is_default'))
        batch_op.create_index('uq_receivable_rejection_reasons_name', ['entity_id', 'name_key'], unique=True, postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))

    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rejection_reason', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('rejected_at', remit.core.base.UTCDateTime(timezone=True), nullable=True))

    _seed_existing_entities()


# The reasons every entity starts with (remit.receivables.rejection_reasons.service.SEEDED, as of
# this revision: a migration does not follow later changes of the code).
_SEEDED = (
    ("Reject Due to Error", "RDTE", True),
    ("Reject Due to Business Request", "RDTBR", False),
)


def _seed_existing_entities() -> None:
    """Entities made before this revision get the reasons new ones are created with."""
    connection = op.get_bind()
    entities = sa.table("entities", sa.column("id", sa.Uuid()))
    reasons = sa.table(
        "receivable_rejection_reasons",
        sa.column("id", sa.Uuid()), sa.column("entity_id", sa.Uuid()), sa.column("name", sa.String()),
        sa.column("name_key", sa.String()), sa.column("alternative_code", sa.String()),
        sa.column("description", sa.String()), sa.column("is_default", sa.Boolean()),
        sa.column("created_at", remit.core.base.UTCDateTime(timezone=True)),
        sa.column("updated_at", remit.core.base.UTCDateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    rows = [
        {"id": uuid.uuid4(), "entity_id": entity_id, "name": name, "name_key": name.casefold(),
         "alternative_code": code, "description": None, "is_default": default, "created_at": now, "updated_at": now}
        for entity_id in connection.execute(sa.select(entities.c.id)).scalars()
        for name, code, default in _SEEDED
    ]
    if rows:
        connection.execute(reasons.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.drop_column('rejected_at')
        batch_op.drop_column('rejection_reason')

    with op.batch_alter_table('receivable_rejection_reasons', schema=None) as batch_op:
        batch_op.drop_index('uq_receivable_rejection_reasons_name', postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index('uq_receivable_rejection_reasons_default', postgresql_where=sa.text('deleted_at IS NULL AND is_default'), sqlite_where=sa.text('deleted_at IS NULL AND is_default'))
        batch_op.drop_index('uq_receivable_rejection_reasons_code', postgresql_where=sa.text('deleted_at IS NULL'), sqlite_where=sa.text('deleted_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_receivable_rejection_reasons_entity_id'))

    op.drop_table('receivable_rejection_reasons')
