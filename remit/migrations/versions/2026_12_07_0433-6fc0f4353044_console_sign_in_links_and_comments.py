"""console: single-use sign-in links (only their hash) and the comments approvers write with a decision

Revision ID: 6fc0f4353044
Revises: fea0b87acfbb
Create Date: 2026-12-07 04:33:20.073973
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import remit.core.base

revision: str = '6fc0f4353044'
down_revision: str | None = 'fea0b87acfbb'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('console_comments',
    sa.Column('object_type', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.Uuid(), nullable=False),
    sa.Column('created_by_entity_user_id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', remit.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_entity_user_id'], ['entity_users.id'], name=op.f('fk_console_comments_created_by_entity_user_id_entity_users')),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_console_comments_entity_id_entities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_comments'))
    )
    with op.batch_alter_table('console_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_comments_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_comments_object_id'), ['object_id'], unique=False)

    op.create_table('console_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('entity_user_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', remit.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', remit.core.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', remit.core.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_console_links_entity_id_entities')),
    sa.ForeignKeyConstraint(['entity_user_id'], ['entity_users.id'], name=op.f('fk_console_links_entity_user_id_entity_users')),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_console_links_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_links')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_console_links_token_hash'))
    )
    with op.batch_alter_table('console_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_console_links_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_console_links_entity_user_id'), ['entity_user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('console_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_links_entity_user_id'))
        batch_op.drop_index(batch_op.f('ix_console_links_entity_id'))

    op.drop_table('console_links')
    with op.batch_alter_table('console_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_console_comments_object_id'))
        batch_op.drop_index(batch_op.f('ix_console_comments_entity_id'))

    op.drop_table('console_comments')
