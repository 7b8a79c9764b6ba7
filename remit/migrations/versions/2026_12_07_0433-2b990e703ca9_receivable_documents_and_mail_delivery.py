"""receivable documents and mail delivery

Revision ID: 2b990e703ca9
Revises: 99a788bc3436
Create Date: 2026-12-07 04:33:26.434925
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import remit.core.base

revision: str = '2b990e703ca9'
down_revision: str | None = '99a788bc3436'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('receivable_documents',
    sa.Column('receivable_id', sa.Uuid(), nullable=False),
    sa.Column('revision', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('file_id', sa.Uuid(), nullable=False),
    sa.Column('render_ms', sa.Integer(), nullable=False),
    sa.Column('created_at', remit.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_receivable_documents_entity_id_entities')),
    sa.ForeignKeyConstraint(['file_id'], ['files.id'], name=op.f('fk_receivable_documents_file_id_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivables.id'], name=op.f('fk_receivable_documents_receivable_id_receivables'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receivable_documents')),
    sa.UniqueConstraint('receivable_id', 'revision', 'language', name=op.f('uq_receivable_documents_receivable_id_revision_language'))
    )
    with op.batch_alter_table('receivable_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receivable_documents_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_receivable_documents_file_id'), ['file_id'], unique=False)

    with op.batch_alter_table('receivable_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', remit.core.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_receivable_mails_status_next_attempt_at'), ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receivables_updated_at'), ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('receivables', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receivables_updated_at'))

    with op.batch_alter_table('receivable_mails', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receivable_mails_status_next_attempt_at'))
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')

    with op.batch_alter_table('receivable_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receivable_documents_file_id'))
        batch_op.drop_index(batch_op.f('ix_receivable_documents_entity_id'))

    op.drop_table('receivable_documents')
