"""Sub-resources of a counterpart: addresses, bank accounts, contacts, VAT ids, e-invoicing
credentials. They share one shape — scoped to the entity and to a live parent counterpart,
authorised against the parent's owner — and add their own rules (defaults) below.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.crud import apply_changes
from remit.core.errors import Conflict, FieldError, NotFound
from remit.core.events import record_change
from remit.counterparts import schemas
from remit.counterparts.models import (
    Counterpart,
    CounterpartAddress,
    CounterpartBankAccount,
    CounterpartContact,
    CounterpartEinvoicingCredential,
    CounterpartVatId,
)
from remit.counterparts.service import CounterpartRepository


@dataclass(frozen=True)
class Child:
    model: type[Any]  # the sub-resource's mapped class
    object_type: str  # permission object
    event_object: str | None
    events: tuple[str, str, str]
    label: str  # for "… not found"

    def parent(self, session: Session, ctx: RequestContext, counterpart_id: uuid.UUID, action: str) -> Counterpart:
        counterpart = CounterpartRepository(session, ctx).get(counterpart_id)
        ctx.check(self.object_type, action, owner_id=counterpart.created_by_entity_user_id)
        return counterpart

    def _select(self, ctx: RequestContext, counterpart_id: uuid.UUID):
        return select(self.model).where(
            self.model.entity_id == ctx.scoped_entity_id, self.model.counterpart_id == counterpart_id
        )

    def event(self, session: Session, obj: Any, kind: int | str) -> None:
        if self.event_object:
            event_type = self.events[kind] if isinstance(kind, int) else kind
            record_change(
                session, entity_id=obj.entity_id, object_type=self.event_object, event_type=event_type,
                object_id=obj.id,
            )

    def list(self, session: Session, ctx: RequestContext, counterpart_id: uuid.UUID) -> dict[str, list[Any]]:
        self.parent(session, ctx, counterpart_id, "read")
        stmt = self._select(ctx, counterpart_id).order_by(self.model.created_at, self.model.id)
        return {"data": list(session.scalars(stmt))}

    def find(self, session: Session, ctx: RequestContext, counterpart_id: uuid.UUID, child_id: uuid.UUID) -> Any:
        obj = session.scalars(self._select(ctx, counterpart_id).where(self.model.id == child_id)).first()
        if obj is None:
            raise NotFound(f"{self.label} not found")
        return obj

    def get(self, session: Session, ctx: RequestContext, counterpart_id: uuid.UUID, child_id: uuid.UUID,
            action: str = "read") -> Any:
        self.parent(session, ctx, counterpart_id, action)
        return self.find(session, ctx, counterpart_id, child_id)

    def create(self, session: Session, ctx: RequestContext, counterpart_id: uuid.UUID, values: dict[str, Any]) -> Any:
        counterpart = self.parent(session, ctx, counterpart_id, "create")
        obj = self.model(**values, counterpart_id=counterpart.id, entity_id=counterpart.entity_id)
        session.add(obj)
        session.flush()
        self.event(session, obj, 0)
        return obj

    def update(self, session: Session, ctx: RequestContext, counterpart_id: uuid.UUID, child_id: uuid.UUID,
               changes: dict[str, Any]) -> Any:
        obj = self.get(session, ctx, counterpart_id, child_id, "update")
        apply_changes(obj, changes)
        session.flush()
        self.event(session, obj, 1)
        return obj

    def delete(self, session: Session, ctx: RequestContext, counterpart_id: uuid.UUID, child_id: uuid.UUID) -> Any:
        obj = self.get(session, ctx, counterpart_id, child_id, "delete")
        self.event(session, obj, 2)
        session.delete(obj)
        session.flush()
        return obj


class BankAccountChild(Child):
    """A bank account is the default for its currency only: moving it to another currency ends that,
    so a currency never has two defaults."""

    def update(self, session: Session, ctx: RequestContext, counterpart_id: uuid.UUID, child_id: uuid.UUID,
               changes: dict[str, Any]) -> Any:
        account = self.get(session, ctx, counterpart_id, child_id, "update")
        if changes.get("currency") is not None and changes["currency"] != account.currency:
            changes = {**changes, "is_default_for_currency": False}
        return super().update(session, ctx, counterpart_id, child_id, changes)


ADDRESSES = Child(CounterpartAddress, "counterpart", "counterpart_address", ("created", "update", "delete"),
                  "Address")
BANK_ACCOUNTS = BankAccountChild(CounterpartBankAccount, "counterpart", "counterpart_bank_account",
                      ("created", "update", "delete"), "Bank account")
CONTACTS = Child(CounterpartContact, "counterpart", "counterpart_contact_person", ("created", "update", "delete"),
                 "Contact")
VAT_IDS = Child(CounterpartVatId, "counterpart_vat_id", "counterpart_vat_id", ("created", "update", "delete"),
                "VAT ID")
EINVOICING = Child(CounterpartEinvoicingCredential, "counterpart", None, ("created", "update", "delete"),
                   "E-invoicing credential")


# -- addresses ------------------------------------------------------------------------------


class DefaultAddressInUse(Conflict):
    message = "The default billing address of a counterpart cannot be deleted"


def delete_address(session: Session, ctx: RequestContext, *, counterpart_id: uuid.UUID, child_id: uuid.UUID) -> None:
    counterpart = ADDRESSES.parent(session, ctx, counterpart_id, "delete")
    if counterpart.default_billing_address_id == child_id:
        raise DefaultAddressInUse()
    ADDRESSES.delete(session, ctx, counterpart_id, child_id)
    if counterpart.default_shipping_address_id == child_id:
        counterpart.default_shipping_address_id = None
        session.flush()


# -- bank accounts --------------------------------------------------------------------------


def _unset_other_defaults(session: Session, account: CounterpartBankAccount) -> None:
    session.execute(
        update(CounterpartBankAccount)
        .where(
            CounterpartBankAccount.counterpart_id == account.counterpart_id,
            CounterpartBankAccount.currency == account.currency,
            CounterpartBankAccount.id != account.id,
        )
        .values(is_default_for_currency=False)
        .execution_options(synchronize_session=False)
    )


def create_bank_account(
    session: Session, ctx: RequestContext, *, counterpart_id: uuid.UUID, payload: schemas.CreateCounterpartBankAccount
) -> CounterpartBankAccount:
    account = BANK_ACCOUNTS.create(session, ctx, counterpart_id, payload.model_dump(mode="json"))
    if account.is_default_for_currency:
        _unset_other_defaults(session, account)
    return account


def make_default_bank_account(
    session: Session, ctx: RequestContext, *, counterpart_id: uuid.UUID, bank_account_id: uuid.UUID
) -> CounterpartBankAccount:
    account = BANK_ACCOUNTS.get(session, ctx, counterpart_id, bank_account_id, "update")
    account.is_default_for_currency = True
    session.flush()
    _unset_other_defaults(session, account)
    BANK_ACCOUNTS.event(session, account, 1)
    return account


# -- contacts -------------------------------------------------------------------------------


def create_contact(
    session: Session, ctx: RequestContext, *, counterpart_id: uuid.UUID, payload: schemas.CreateCounterpartContactPayload
) -> CounterpartContact:
    has_default = session.scalars(
        CONTACTS._select(ctx, counterpart_id).where(CounterpartContact.is_default.is_(True))
    ).first()
    values = payload.model_dump(mode="json")
    values["is_default"] = has_default is None  # the first contact becomes the default
    return CONTACTS.create(session, ctx, counterpart_id, values)


def make_default_contact(
    session: Session, ctx: RequestContext, *, counterpart_id: uuid.UUID, contact_id: uuid.UUID
) -> CounterpartContact:
    contact = CONTACTS.get(session, ctx, counterpart_id, contact_id, "update")
    session.execute(
        update(CounterpartContact)
        .where(CounterpartContact.counterpart_id == counterpart_id, CounterpartContact.id != contact.id)
        .values(is_default=False)
        .execution_options(synchronize_session=False)
    )
    contact.is_default = True
    session.flush()
    CONTACTS.event(session, contact, "make_default")
    return contact


def delete_contact(session: Session, ctx: RequestContext, *, counterpart_id: uuid.UUID, child_id: uuid.UUID) -> None:
    contact = CONTACTS.delete(session, ctx, counterpart_id, child_id)
    if contact.is_default:  # the oldest remaining contact takes over
        successor = session.scalars(
            CONTACTS._select(ctx, counterpart_id).order_by(CounterpartContact.created_at, CounterpartContact.id)
        ).first()
        if successor is not None:
            successor.is_default = True
            session.flush()


# -- e-invoicing credentials ----------------------------------------------------------------

_SCHEMA_BY_COUNTRY = {"DE": "DE:VAT", "NL": "NL:VAT", "BE": "BE:VAT"}


def create_einvoicing_credential(
    session: Session,
    ctx: RequestContext,
    *,
    counterpart_id: uuid.UUID,
    payload: schemas.CreateCounterpartEinvoicingCredentialPayload,
) -> CounterpartEinvoicingCredential:
    values = payload.model_dump(mode="json", exclude_none=True)
    if payload.counterpart_vat_id_id is not None:
        vat = session.scalars(
            VAT_IDS._select(ctx, counterpart_id).where(CounterpartVatId.id == payload.counterpart_vat_id_id)
        ).first()
        if vat is None:
            raise FieldError(("body", "counterpart_vat_id_id"), "VAT ID not found for this counterpart")
        schema = _SCHEMA_BY_COUNTRY.get(vat.country or "")
        if schema is None:
            raise FieldError(("body", "counterpart_vat_id_id"), "No e-invoicing network for this VAT ID's country")
        values.update(counterpart_vat_id_id=vat.id, network_identifier=vat.value, network_schema=schema)
    return EINVOICING.create(session, ctx, counterpart_id, values)
