"""Entities: create, list, read, update, (de)activate, settings, VAT ids, partner metadata."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from sqlalchemy.orm import Session

from remit.auth.models import Partner
from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.core.events import record_change
from remit.core.pagination import Page, Paginator
from remit.core.runtime import runtime_of
from remit.core.schemas import PartnerMetadata
from remit.entities import document_numbers, schemas
from remit.entities.defaults import deep_merge, default_settings
from remit.entities.models import Entity, EntitySettings, EntityStatus, EntityType, EntityVatId, remember_settings
from remit.entities.repository import EntityRepository, EntityVatIdRepository
from remit.entities.roles.models import Role

OBJECT = "entity"
DEFAULT_ROLE_NAME = "Default"

paginator = Paginator(
    endpoint="GET /entities",
    query_model=schemas.EntityListQuery,
    id_column=Entity.id,
    sort_columns={"created_at": Entity.created_at, "updated_at": Entity.updated_at},
)


def _check_kind(kind: str, organization: Any, individual: Any) -> None:
    if kind == EntityType.organization:
        if individual is not None:
            raise FieldError(("body", "individual"), "An organization entity cannot have individual details")
    elif organization is not None:
        raise FieldError(("body", "organization"), "An individual entity cannot have organization details")


def create_entity(session: Session, ctx: RequestContext, *, payload: schemas.CreateEntityRequest) -> Entity:
    ctx.require_partner()
    _check_kind(payload.type, payload.organization, payload.individual)
    sub = payload.organization if payload.type == EntityType.organization else payload.individual
    if sub is None:
        raise FieldError(("body", payload.type.value), "Field required", "missing")
    if payload.registration_number and not payload.registration_authority:
        raise FieldError(("body", "registration_authority"), "Required when registration_number is given", "missing")
    data = payload.model_dump(mode="json", exclude={"organization", "individual", "type", "address"})
    entity = Entity(
        id=uuid.uuid4(),
        partner_id=ctx.partner_id,
        type=payload.type.value,
        status=EntityStatus.active,
        address=payload.address.model_dump(mode="json"),
        organization=payload.organization.model_dump(mode="json") if payload.organization else None,
        individual=payload.individual.model_dump(mode="json") if payload.individual else None,
        **data,
    )
    session.add(entity)
    session.flush()
    session.add(EntitySettings(entity_id=entity.id, data=default_settings(payload.address.country)))
    partner = session.get_one(Partner, ctx.partner_id)
    default_role = (partner.settings or {}).get("default_role") or {"objects": []}
    session.add(Role(entity_id=entity.id, name=DEFAULT_ROLE_NAME, permissions=default_role, status="active"))
    record_change(session, entity_id=entity.id, object_type=OBJECT, event_type="created", object_id=entity.id)
    runtime_of(session).hooks.created(session, OBJECT, entity.id)  # other domains' defaults (rejection reasons)
    return entity


def list_entities(session: Session, ctx: RequestContext, *, query: schemas.EntityListQuery) -> Page[Entity]:
    ctx.require_partner()
    repo = EntityRepository(session, ctx)
    return paginator.paginate(session, repo.base(), query, scope=f"partner:{ctx.partner_id}")


def get_entity(session: Session, ctx: RequestContext, *, entity_id: uuid.UUID) -> Entity:
    entity = EntityRepository(session, ctx).get(entity_id)
    ctx.check(OBJECT, "read")
    return entity


def get_my_entity(session: Session, ctx: RequestContext) -> Entity:
    ctx.require_user()
    return get_entity(session, ctx, entity_id=ctx.scoped_entity_id)


# Monite's update schemas let any field of these parts be null, but an entity always has the ones
# its response requires; those refuse null.
_REQUIRED_PARTS = {
    part: tuple(name for name, field in model.model_fields.items() if field.is_required())
    for part, model in (
        ("address", schemas.EntityAddressResponseSchema),
        ("organization", schemas.OrganizationResponseSchema),
        ("individual", schemas.IndividualResponseSchema),
    )
}


def update_entity(
    session: Session, ctx: RequestContext, *, entity_id: uuid.UUID, payload: schemas.UpdateEntityRequest
) -> Entity:
    entity = EntityRepository(session, ctx).get(entity_id, for_update=True)
    ctx.check(OBJECT, "update")
    changes = payload.model_dump(mode="json", exclude_unset=True)
    _check_kind(entity.type, changes.get("organization"), changes.get("individual"))
    for key in ("address", "organization", "individual"):
        if key in changes:
            patch = changes.pop(key)
            if patch is not None:
                for required in _REQUIRED_PARTS[key]:
                    if required in patch and patch[required] is None:
                        raise FieldError(("body", key, required), "Field cannot be null")
                setattr(entity, key, deep_merge(getattr(entity, key) or {}, patch))
    if "email" in changes and changes["email"] is None:
        raise FieldError(("body", "email"), "An entity must keep an e-mail address")
    for key, value in changes.items():
        setattr(entity, key, value)
    if entity.registration_number and not entity.registration_authority:
        raise FieldError(("body", "registration_authority"), "Required when registration_number is given", "missing")
    session.flush()
    record_change(session, entity_id=entity.id, object_type=OBJECT, event_type="updated", object_id=entity.id)
    return entity


def update_my_entity(session: Session, ctx: RequestContext, *, payload: schemas.UpdateEntityRequest) -> Entity:
    ctx.require_user()
    return update_entity(session, ctx, entity_id=ctx.scoped_entity_id, payload=payload)


def set_status(session: Session, ctx: RequestContext, *, entity_id: uuid.UUID, status: EntityStatus) -> Entity:
    ctx.require_partner()
    entity = EntityRepository(session, ctx).get(entity_id, for_update=True)
    if entity.status != status:
        entity.status = status
        session.flush()
        record_change(session, entity_id=entity.id, object_type=OBJECT, event_type="updated", object_id=entity.id)
    return entity


# -- settings -------------------------------------------------------------------------------


def get_settings(session: Session, ctx: RequestContext, *, entity_id: uuid.UUID) -> dict[str, Any]:
    repo = EntityRepository(session, ctx)
    repo.get(entity_id)
    ctx.check(OBJECT, "read")
    return repo.settings(entity_id).data


def update_settings(
    session: Session, ctx: RequestContext, *, entity_id: uuid.UUID, payload: schemas.PatchSettingsPayload
) -> dict[str, Any]:
    repo = EntityRepository(session, ctx)
    repo.get(entity_id, for_update=True)
    ctx.check(OBJECT, "update")
    settings = repo.settings(entity_id)
    changes = payload.model_dump(mode="json", exclude_unset=True)
    # The next numbers live in the counters, which drawing a number moves on; they are never stored
    # in (nor returned with) the settings document.
    next_number = (changes.get("document_ids") or {}).pop("next_number", None) or {}
    if changes.get("document_ids") == {}:
        del changes["document_ids"]  # it named only next numbers
    document_numbers.set_next_numbers(session, entity_id, {k: v for k, v in next_number.items() if v is not None})
    settings.data = deep_merge(settings.data, changes)
    session.flush()
    remember_settings(session, entity_id, settings.data)  # what the rest of this request reads
    record_change(session, entity_id=entity_id, object_type=OBJECT, event_type="updated", object_id=entity_id)
    return settings.data


def next_document_numbers(session: Session, ctx: RequestContext, *, entity_id: uuid.UUID) -> dict[str, int]:
    EntityRepository(session, ctx).get(entity_id)
    ctx.check(OBJECT, "read")
    return document_numbers.next_numbers(session, entity_id)


# -- partner metadata -----------------------------------------------------------------------


def get_partner_metadata(session: Session, ctx: RequestContext, *, entity_id: uuid.UUID) -> dict[str, Any]:
    ctx.require_partner()
    return {"metadata": EntityRepository(session, ctx).get(entity_id).partner_metadata}


def put_partner_metadata(
    session: Session, ctx: RequestContext, *, entity_id: uuid.UUID, payload: PartnerMetadata
) -> dict[str, Any]:
    ctx.require_partner()
    entity = EntityRepository(session, ctx).get(entity_id, for_update=True)
    entity.partner_metadata = payload.metadata
    return {"metadata": entity.partner_metadata}


# -- VAT ids --------------------------------------------------------------------------------

VAT_OBJECT = "entity_vat_ids"


def _vat_repo(session: Session, ctx: RequestContext, entity_id: uuid.UUID) -> EntityVatIdRepository:
    entity = EntityRepository(session, ctx).get(entity_id)
    return EntityVatIdRepository(session, dataclasses.replace(ctx, entity_id=entity.id))


def create_vat_id(
    session: Session, ctx: RequestContext, *, entity_id: uuid.UUID, payload: schemas.EntityVatID
) -> EntityVatId:
    repo = _vat_repo(session, ctx, entity_id)
    ctx.check(VAT_OBJECT, "create")
    return repo.add(EntityVatId(**payload.model_dump(mode="json")))


def list_vat_ids(session: Session, ctx: RequestContext, *, entity_id: uuid.UUID) -> dict[str, list[EntityVatId]]:
    repo = _vat_repo(session, ctx, entity_id)
    ctx.check(VAT_OBJECT, "read")
    return {"data": list(session.scalars(repo.base().order_by(EntityVatId.created_at, EntityVatId.id)))}


def get_vat_id(session: Session, ctx: RequestContext, *, entity_id: uuid.UUID, vat_id: uuid.UUID) -> EntityVatId:
    repo = _vat_repo(session, ctx, entity_id)
    ctx.check(VAT_OBJECT, "read")
    return repo.get(vat_id)


def update_vat_id(
    session: Session,
    ctx: RequestContext,
    *,
    entity_id: uuid.UUID,
    vat_id: uuid.UUID,
    payload: schemas.EntityUpdateVatID,
) -> EntityVatId:
    repo = _vat_repo(session, ctx, entity_id)
    ctx.check(VAT_OBJECT, "update")
    vat = repo.get(vat_id)
    for key, value in payload.model_dump(mode="json", exclude_unset=True).items():
        if value is None:
            raise FieldError(("body", key), "Field cannot be null")
        setattr(vat, key, value)
    session.flush()
    return vat


def delete_vat_id(session: Session, ctx: RequestContext, *, entity_id: uuid.UUID, vat_id: uuid.UUID) -> None:
    repo = _vat_repo(session, ctx, entity_id)
    ctx.check(VAT_OBJECT, "delete")
    session.delete(repo.get(vat_id))
