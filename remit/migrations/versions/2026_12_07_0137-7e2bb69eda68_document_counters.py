"""document counters

Revision ID: 7e2bb69eda68
Revises: 2966bfc1435f
Create Date: 2026-12-07 01:37:53.076473
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from remit.core.base import JSONDocument

revision: str = '7e2bb69eda68'
down_revision: str | None = '2966bfc1435f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The settings as this revision finds them: earlier versions kept the next numbers set through
# PATCH /entities/{id}/settings inside the document (document_ids.next_number).
settings = sa.table("entity_settings", sa.column("entity_id", sa.Uuid()), sa.column("data", JSONDocument))
counters = sa.table(
    "document_counters",
    sa.column("entity_id", sa.Uuid()),
    sa.column("document_type", sa.String()),
    sa.column("next_number", sa.BigInteger()),
    sa.column("last_issued", sa.BigInteger()),
)


def upgrade() -> None:
    op.create_table('document_counters',
    sa.Column('entity_id', sa.Uuid(), nullable=False),
    sa.Column('document_type', sa.String(length=16), nullable=False),
    sa.Column('next_number', sa.BigInteger(), nullable=False),
    sa.Column('last_issued', sa.BigInteger(), nullable=False),
    sa.CheckConstraint("document_type IN ('invoice', 'quote', 'credit_note', 'delivery_note', 'purchase_order')", name=op.f('ck_document_counters_document_type_known')),
    sa.CheckConstraint('last_issued >= 0', name=op.f('ck_document_counters_last_issued_not_negative')),
    sa.CheckConstraint('next_number > last_issued', name=op.f('ck_document_counters_next_number_after_last_issued')),
    sa.ForeignKeyConstraint(['entity_id'], ['entities.id'], name=op.f('fk_document_counters_entity_id_entities')),
    sa.PrimaryKeyConstraint('entity_id', 'document_type', name=op.f('pk_document_counters'))
    )

    # Move the stored next numbers into the counters (nothing was ever drawn from them).
    connection = op.get_bind()
    for entity_id, data in connection.execute(sa.select(settings.c.entity_id, settings.c.data)).all():
        document_ids = (data or {}).get("document_ids")
        if not isinstance(document_ids, dict) or "next_number" not in document_ids:
            continue
        numbers = document_ids.pop("next_number") or {}
        rows = [
            {"entity_id": entity_id, "document_type": kind, "next_number": number, "last_issued": 0}
            for kind, number in numbers.items()
            if number is not None
        ]
        if rows:
            connection.execute(counters.insert(), rows)
        connection.execute(settings.update().where(settings.c.entity_id == entity_id).values(data=data))


def downgrade() -> None:
    # Back into the settings document, where earlier versions read them.
    connection = op.get_bind()
    numbers: dict = {}
    for entity_id, kind, number in connection.execute(
        sa.select(counters.c.entity_id, counters.c.document_type, counters.c.next_number)
    ).all():
        numbers.setdefault(entity_id, {})[kind] = number
    for entity_id, next_number in numbers.items():
        data = connection.execute(sa.select(settings.c.data).where(settings.c.entity_id == entity_id)).scalar()
        if data is None:
            continue
        if not isinstance(data.get("document_ids"), dict):
            data["document_ids"] = {}
        data["document_ids"]["next_number"] = next_number
        connection.execute(settings.update().where(settings.c.entity_id == entity_id).values(data=data))

    op.drop_table('document_counters')
