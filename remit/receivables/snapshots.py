"""What a receivable copies from the objects it names (docs/receivables.md, "Snapshots").

Each function reads one kind of referenced object of the request's entity and returns the plain
document stored on the receivable. A reference that does not exist (or belongs to another entity,
or to another counterpart) is a 422 at the field that named it; ``loc`` is that field's location.
Snapshots are taken on create and when a draft changes the reference, frozen from issue on.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.core.errors import FieldError
from remit.counterparts.models import Counterpart, CounterpartAddress, CounterpartContact, CounterpartVatId
from remit.entities.models import Entity, EntityVatId
from remit.measure_units.models import MeasureUnit
from remit.payment_terms.models import PaymentTerms
from remit.products.models import Product
from remit.vat_rates.catalogue import catalogue
from remit.vat_rates.models import CustomVatRate

Loc = Sequence[str | int]


def _one(session: Session, model: Any, object_id: uuid.UUID, entity_id: uuid.UUID, loc: Loc, name: str,
         **where: Any) -> Any:
    statement = select(model).where(model.id == object_id, model.entity_id == entity_id)
    for column, value in where.items():
        statement = statement.where(getattr(model, column) == value)
    found = session.scalars(statement).first()
    if found is None:
        raise FieldError(tuple(loc), f"{name} not found")
    return found


# -- the counterpart ----------------------------------------------------------------------------


def counterpart(session: Session, entity_id: uuid.UUID, counterpart_id: uuid.UUID, loc: Loc) -> Counterpart:
    found = session.scalars(select(Counterpart).where(
        Counterpart.id == counterpart_id, Counterpart.entity_id == entity_id, Counterpart.deleted_at.is_(None),
    )).first()
    if found is None:
        raise FieldError(tuple(loc), "Counterpart not found")
    return found


def counterpart_fields(party: Counterpart) -> dict[str, Any]:
    """The receivable columns copied from the counterpart itself."""
    name = party.legal_name if party.type == "organization" else " ".join(
        part for part in (party.first_name, party.last_name) if part
    )
    return {
        "counterpart_id": party.id,
        "counterpart_type": party.type,
        "counterpart_name": name or party.name,
        "counterpart_tax_id": party.tax_id,
        "counterpart_external_reference": party.external_reference,
    }


def address(session: Session, entity_id: uuid.UUID, counterpart_id: uuid.UUID, address_id: uuid.UUID,
            loc: Loc) -> dict[str, Any]:
    row = _one(session, CounterpartAddress, address_id, entity_id, loc, "Counterpart address",
               counterpart_id=counterpart_id)
    return {"id": str(row.id), "city": row.city, "country": row.country, "line1": row.line1, "line2": row.line2,
            "postal_code": row.postal_code, "state": row.state}


def vat_id(session: Session, entity_id: uuid.UUID, counterpart_id: uuid.UUID, vat_id_id: uuid.UUID,
           loc: Loc) -> dict[str, Any]:
    row = _one(session, CounterpartVatId, vat_id_id, entity_id, loc, "Counterpart VAT ID",
               counterpart_id=counterpart_id)
    return {"id": str(row.id), "counterpart_id": str(row.counterpart_id), "country": row.country, "type": row.type,
            "value": row.value}


def contact(session: Session, entity_id: uuid.UUID, party: Counterpart, contact_id: uuid.UUID | None,
            loc: Loc) -> dict[str, Any] | None:
    """The chosen contact, else an organization's default contact, else none."""
    if contact_id is not None:
        row = _one(session, CounterpartContact, contact_id, entity_id, loc, "Counterpart contact",
                   counterpart_id=party.id)
    elif party.type == "organization":
        row = session.scalars(select(CounterpartContact).where(
            CounterpartContact.entity_id == entity_id, CounterpartContact.counterpart_id == party.id,
            CounterpartContact.is_default.is_(True),
        )).first()
        if row is None:
            return None
    else:
        return None
    return {"first_name": row.first_name, "last_name": row.last_name, "address": row.address, "email": row.email,
            "phone": row.phone, "title": row.title}


# -- the entity ---------------------------------------------------------------------------------

ENTITY_OVERRIDES = ("email", "logo", "phone", "registration_authority", "registration_number", "website")


def entity(session: Session, entity_id: uuid.UUID, overrides: dict[str, Any] | None,
           vat: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(entity, entity_address)``: the issuing entity as the document shows it."""
    row = session.get_one(Entity, entity_id)
    common = {
        "email": row.email, "logo": None, "phone": row.phone,
        "registration_authority": row.registration_authority, "registration_number": row.registration_number,
        "tax_id": row.tax_id, "website": row.website,
    }
    if row.type == "organization":
        snapshot = {"type": "organization", "name": (row.organization or {}).get("legal_name"), **common,
                    "vat_id": vat["value"] if vat else None}
    else:
        person = row.individual or {}
        snapshot = {"type": "individual", "first_name": person.get("first_name"),
                    "last_name": person.get("last_name"), **common}
    for key, value in (overrides or {}).items():
        if key in ENTITY_OVERRIDES and value is not None:
            snapshot[key] = value
    place = row.address or {}
    entity_address = {key: place.get(key) for key in ("city", "country", "line1", "line2", "postal_code", "state")}
    return snapshot, entity_address


def entity_vat_id(session: Session, entity_id: uuid.UUID, vat_id_id: uuid.UUID, loc: Loc) -> dict[str, Any]:
    row = _one(session, EntityVatId, vat_id_id, entity_id, loc, "Entity VAT ID")
    return {"id": str(row.id), "country": row.country, "entity_id": str(row.entity_id), "type": row.type,
            "value": row.value}


def entity_country(session: Session, entity_id: uuid.UUID) -> str | None:
    row = session.get_one(Entity, entity_id)
    return (row.address or {}).get("country")


# -- payment terms ------------------------------------------------------------------------------


def catalogue_terms(session: Session, entity_id: uuid.UUID, terms_id: uuid.UUID, loc: Loc) -> dict[str, Any]:
    row = _one(session, PaymentTerms, terms_id, entity_id, loc, "Payment terms")
    terms: dict[str, Any] = {"id": str(row.id), "name": row.name, "description": row.description,
                             "term_1": None, "term_2": None,
                             "term_final": {"number_of_days": row.term_final_days, "end_date": None}}
    for tier in ("term_1", "term_2"):
        days = getattr(row, f"{tier}_days")
        if days is not None:
            terms[tier] = {"number_of_days": days, "discount": getattr(row, f"{tier}_discount"), "end_date": None}
    return terms


def inline_terms(given: dict[str, Any]) -> dict[str, Any]:
    """Inline terms as stored: ``end_date`` is computed at issue, so a given one is dropped."""
    terms: dict[str, Any] = {"id": None, "name": None, "description": None, "term_1": None, "term_2": None}
    for tier in ("term_1", "term_2", "term_final"):
        value = given.get(tier)
        if value is not None:
            terms[tier] = {**{k: v for k, v in value.items() if k != "end_date"}, "end_date": None}
    return terms


def with_end_dates(terms: dict[str, Any] | None, issued: date) -> dict[str, Any] | None:
    """The terms with each tier's end date counted from the issue day."""
    if terms is None:
        return None
    from datetime import timedelta

    result = dict(terms)
    for tier in ("term_1", "term_2", "term_final"):
        if result.get(tier):
            result[tier] = {**result[tier],
                            "end_date": (issued + timedelta(days=result[tier]["number_of_days"])).isoformat()}
    return result


# -- products and rates -------------------------------------------------------------------------


def catalogue_product(session: Session, entity_id: uuid.UUID, product_id: uuid.UUID, loc: Loc) -> dict[str, Any]:
    row = _one(session, Product, product_id, entity_id, loc, "Product")
    if row.price_value is None or row.price_currency is None:
        raise FieldError(tuple(loc), "The product has no price")
    unit = None
    if row.measure_unit_id is not None:
        found = session.get(MeasureUnit, row.measure_unit_id)
        if found is not None:
            unit = {"id": str(found.id), "name": found.name, "description": found.description}
    return {
        "id": str(row.id), "name": row.name, "description": row.description,
        "external_reference": row.external_reference, "is_inline": False,
        "ledger_account_id": str(row.ledger_account_id) if row.ledger_account_id else None,
        "measure_unit": unit, "price": {"currency": row.price_currency, "value": row.price_value},
        "smallest_amount": _number(row.smallest_amount), "type": row.type,
    }


def inline_product(given: dict[str, Any]) -> dict[str, Any]:
    unit = given.get("measure_unit")
    return {
        "id": str(uuid.uuid4()), "name": given["name"], "description": given.get("description"),
        "external_reference": given.get("external_reference"), "is_inline": True,
        "ledger_account_id": given.get("ledger_account_id"),
        "measure_unit": {"id": None, "name": unit["name"], "description": unit.get("description")} if unit else None,
        "price": {"currency": given["price"]["currency"], "value": given["price"]["value"]},
        "smallest_amount": given.get("smallest_amount"), "type": given.get("type") or "product",
    }


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def catalogue_rate(session: Session, entity_id: uuid.UUID, rate_id: uuid.UUID, loc: Loc,
                   today: date) -> dict[str, Any]:
    """A rate of the VAT catalogue, active today in the entity's country."""
    rate = catalogue().find(rate_id)
    if rate is None or rate.country != entity_country(session, entity_id) or not rate.active_on(today):
        raise FieldError(tuple(loc), "VAT rate not found for the entity's country")
    return {"id": str(rate.id), "country": rate.country, "value": rate.value, "name": None,
            "components": rate.components, "is_custom": False, "exact": str(rate.value)}


def custom_rate(session: Session, entity_id: uuid.UUID, rate_id: uuid.UUID, loc: Loc) -> dict[str, Any]:
    row = _one(session, CustomVatRate, rate_id, entity_id, loc, "Custom VAT rate")
    exact = sum((Decimal(str(c["value"])) for c in row.components), Decimal(0))
    return {"id": str(row.id), "country": entity_country(session, entity_id), "value": _half_up(exact),
            "name": row.name, "components": [{"name": c["name"], "value": c["value"]} for c in row.components],
            "is_custom": True, "exact": str(exact)}


def given_rate(session: Session, entity_id: uuid.UUID, value: int, name: str | None) -> dict[str, Any]:
    return {"id": None, "country": entity_country(session, entity_id), "value": value, "name": name,
            "components": None, "is_custom": True, "exact": str(value)}


def exempt_rate(session: Session, entity_id: uuid.UUID, rate_id: str | None) -> dict[str, Any]:
    """A line of a VAT-exempt document given without a rate: 0 %, and no rate at all should the
    exemption be lifted (``exempt_only``)."""
    return {"id": rate_id, "country": entity_country(session, entity_id), "value": 0, "name": None,
            "components": None, "is_custom": False, "exact": "0", "exempt_only": True}


def _half_up(value: Decimal) -> int:
    from remit.core.money import round_half_up

    return int(round_half_up(value))
