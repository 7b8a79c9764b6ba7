"""The rejection-reason catalogue: CRUD with soft delete, its uniqueness rules, the default, the
reasons every new entity starts with, and the look-ups a rejection uses
(docs/receivables.md, "The rejection-reason catalogue")."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, exists, select, update
from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.errors import Conflict, NotFound
from remit.core.repository import EntityScopedRepository
from remit.receivables.rejection_reasons import schemas
from remit.receivables.rejection_reasons.models import ReceivableRejectionReason

OBJECT = "receivable"
Reason = ReceivableRejectionReason

# Every new entity starts with these (docs/receivables.md, "The rejection-reason catalogue"), so CRM.COM's example requests work unchanged.
SEEDED: tuple[dict[str, Any], ...] = (
    {"name": "Reject Due to Error", "alternative_code": "RDTE", "is_default": True},
    {"name": "Reject Due to Business Request", "alternative_code": "RDTBR", "is_default": False},
)


class RejectionReasonNotFound(NotFound):
    message = "Rejection reason not found"


class DuplicateReasonName(Conflict):
    def __init__(self, name: str):
        super().__init__(f"A rejection reason named '{name}' already exists")


class DuplicateReasonCode(Conflict):
    def __init__(self, code: str):
        super().__init__(f"A rejection reason with alternative_code '{code}' already exists")


def name_key(name: str) -> str:
    """The form names are compared in: trimmed and case-folded."""
    return name.strip().casefold()


class ReasonRepository(EntityScopedRepository[Reason]):
    """Live reasons only: a deleted reason is not found."""

    model = Reason
    not_found = RejectionReasonNotFound

    def base(self) -> Select[Any]:
        return super().base().where(Reason.deleted_at.is_(None))

    def all(self) -> list[Reason]:
        return list(self.session.scalars(self.base().order_by(Reason.name_key, Reason.name, Reason.id)))

    def by_name(self, name: str) -> Reason | None:
        return self.session.scalars(self.base().where(Reason.name_key == name_key(name))).first()

    def by_code(self, code: str) -> Reason | None:
        return self.session.scalars(self.base().where(Reason.alternative_code == code)).first()

    def default(self) -> Reason | None:
        return self.session.scalars(self.base().where(Reason.is_default.is_(True))).first()

    def taken(self, column: Any, value: str, except_id: uuid.UUID | None) -> bool:
        statement = self.base().where(column == value)
        if except_id is not None:
            statement = statement.where(Reason.id != except_id)
        return bool(self.session.execute(select(exists(statement))).scalar_one())

    def clear_default(self, except_id: uuid.UUID | None = None) -> None:
        statement = (update(Reason).where(Reason.entity_id == self.entity_id, Reason.deleted_at.is_(None),
                                          Reason.is_default.is_(True))
                     .values(is_default=False, updated_at=clock.now()).execution_options(synchronize_session="fetch"))
        if except_id is not None:
            statement = statement.where(Reason.id != except_id)
        self.session.execute(statement)


def snapshot(reason: Reason | None) -> dict[str, Any] | None:
    """What a rejected invoice keeps of its reason (``ReceivableRejectionReasonSnapshot``)."""
    if reason is None:
        return None
    return {"id": str(reason.id), "name": reason.name, "alternative_code": reason.alternative_code,
            "description": reason.description}


def _check_unique(repo: ReasonRepository, changes: dict[str, Any], except_id: uuid.UUID | None = None) -> None:
    if "name" in changes and repo.taken(Reason.name_key, name_key(changes["name"]), except_id):
        raise DuplicateReasonName(changes["name"])
    code = changes.get("alternative_code")
    if code is not None and repo.taken(Reason.alternative_code, code, except_id):
        raise DuplicateReasonCode(code)


def list_reasons(session: Session, ctx: RequestContext) -> dict[str, list[Reason]]:
    ctx.check(OBJECT, "read")
    return {"data": ReasonRepository(session, ctx).all()}


def get_reason(session: Session, ctx: RequestContext, *, reason_id: uuid.UUID) -> Reason:
    ctx.check(OBJECT, "read")
    return ReasonRepository(session, ctx).get(reason_id)


def create_reason(session: Session, ctx: RequestContext, *,
                  payload: schemas.ReceivableRejectionReasonCreatePayload) -> Reason:
    ctx.check(OBJECT, "update")
    repo = ReasonRepository(session, ctx)
    data = payload.model_dump()
    _check_unique(repo, data)
    if data["is_default"]:
        repo.clear_default()
    return repo.add(Reason(**data, name_key=name_key(data["name"])))


def update_reason(session: Session, ctx: RequestContext, *, reason_id: uuid.UUID,
                  payload: schemas.ReceivableRejectionReasonUpdatePayload) -> Reason:
    ctx.check(OBJECT, "update")
    repo = ReasonRepository(session, ctx)
    reason = repo.get_for_update(reason_id)
    changes = payload.model_dump(exclude_unset=True)
    _check_unique(repo, changes, reason.id)
    if changes.get("is_default"):
        repo.clear_default(except_id=reason.id)
    for key, value in changes.items():
        setattr(reason, key, value)
    reason.name_key = name_key(reason.name)
    session.flush()
    return reason


def delete_reason(session: Session, ctx: RequestContext, *, reason_id: uuid.UUID) -> None:
    """Soft delete: the row stays (with its name free for a new reason); invoices keep their snapshot."""
    ctx.check(OBJECT, "update")
    reason = ReasonRepository(session, ctx).get_for_update(reason_id)
    reason.deleted_at = clock.now()
    reason.is_default = False
    session.flush()


def seed(session: Session, entity_id: uuid.UUID) -> None:
    """The reasons a new entity starts with."""
    session.add_all(Reason(entity_id=entity_id, name_key=name_key(row["name"]), **row) for row in SEEDED)
    session.flush()
