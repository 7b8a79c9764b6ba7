from __future__ import annotations

import uuid

from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.repository import EntityScopedRepository
from remit.payables.credit_notes.models import PayableCreditNote
from remit.payables.errors import LineItemNotFound, PayableNotFound
from remit.payables.models import Payable, PayableLineItem, PayableValidationRules, payable_tags
from remit.payables.validation import DEFAULT_REQUIRED_FIELDS

# Every transition loads its payable this way: built once, so a request only binds the ids. The
# row says whether the payable has tags and credit notes, so rendering one without them needs no
# query for them (most payables have neither, and a transition renders the payable it moved).
_FOR_UPDATE = (
    select(
        Payable,
        exists().where(payable_tags.c.payable_id == Payable.id).label("has_tags"),
        exists().where(PayableCreditNote.based_on == Payable.id, PayableCreditNote.deleted_at.is_(None))
        .label("has_credit_notes"),
    )
    .where(
        Payable.entity_id == bindparam("entity_id"),
        Payable.id == bindparam("payable_id"),
        Payable.deleted_at.is_(None),
    )
    .with_for_update()
    .execution_options(populate_existing=True)
)


# A payable's line items, oldest first (validation, approval snapshots, totals): built once.
_LINES = (
    select(PayableLineItem)
    .where(PayableLineItem.entity_id == bindparam("entity_id"), PayableLineItem.payable_id == bindparam("payable_id"))
    .order_by(PayableLineItem.created_at, PayableLineItem.id)
)


class PayableRepository(EntityScopedRepository[Payable]):
    model = Payable

    def base(self):
        return super().base().where(Payable.deleted_at.is_(None))

    def get(self, payable_id: uuid.UUID) -> Payable:
        payable = self.find(payable_id)
        if payable is None:
            raise PayableNotFound(payable_id)
        return payable

    def get_for_update(self, payable_id: uuid.UUID) -> Payable:
        """Row-locked on PostgreSQL so concurrent writers queue; SQLite writers are serialised anyway."""
        payable = self.find_for_update(payable_id)
        if payable is None:
            raise PayableNotFound(payable_id)
        return payable

    def find_for_update(self, payable_id: uuid.UUID) -> Payable | None:
        row = self.session.execute(_FOR_UPDATE, {"entity_id": self.entity_id, "payable_id": payable_id}).first()
        if row is None:
            return None
        payable, has_tags, has_credit_notes = row
        payable.known_empty = frozenset(
            name for name, present in (("tags", has_tags), ("credit_notes", has_credit_notes)) if not present
        )
        return payable

    def lines_query(self, payable_id: uuid.UUID):
        return select(PayableLineItem).where(
            PayableLineItem.entity_id == self.entity_id, PayableLineItem.payable_id == payable_id
        )

    def lines(self, payable_id: uuid.UUID) -> list[PayableLineItem]:
        return list(self.session.scalars(_LINES, {"entity_id": self.entity_id, "payable_id": payable_id}))

    def line(self, payable_id: uuid.UUID, line_item_id: uuid.UUID) -> PayableLineItem:
        line = self.session.scalars(
            select(PayableLineItem).where(
                PayableLineItem.entity_id == self.entity_id,
                PayableLineItem.payable_id == payable_id,
                PayableLineItem.id == line_item_id,
            )
        ).first()
        if line is None:
            raise LineItemNotFound(line_item_id)
        return line


class ValidationRulesRepository:
    """An entity's own rules win over its partner's default rules, which win over the built-in ones."""

    def __init__(self, session: Session, ctx: RequestContext):
        self.session = session
        self.partner_id = ctx.partner_id
        self.entity_id = ctx.entity_id

    def _row(self, entity_id: uuid.UUID | None) -> PayableValidationRules | None:
        stmt = select(PayableValidationRules).where(PayableValidationRules.partner_id == self.partner_id)
        stmt = stmt.where(
            PayableValidationRules.entity_id.is_(None) if entity_id is None
            else PayableValidationRules.entity_id == entity_id
        )
        return self.session.scalars(stmt).first()

    def effective(self) -> list[str]:
        for scope in ((self.entity_id, None) if self.entity_id else (None,)):
            row = self._row(scope)
            if row is not None:
                return list(row.required_fields)
        return list(DEFAULT_REQUIRED_FIELDS)

    def write(self, required_fields: list[str]) -> list[str]:
        row = self._row(self.entity_id)
        if row is None:
            row = PayableValidationRules(partner_id=self.partner_id, entity_id=self.entity_id, required_fields=[])
            self.session.add(row)
        row.required_fields = required_fields
        self.session.flush()
        return required_fields

    def reset(self) -> list[str]:
        row = self._row(self.entity_id)
        if row is not None:
            self.session.delete(row)
            self.session.flush()
        return self.effective()
