from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response

from remit.auth.deps import AuthCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS
from remit.core.schemas import PartnerMetadata, PartnerMetadataResponse
from remit.entities import schemas, service
from remit.entities.models import EntityStatus

router = APIRouter(prefix=API_PREFIX, tags=["Entities"], responses=COMMON_ERRORS)


@router.post("/entities", status_code=201, response_model=schemas.EntityResponse)
async def post_entities(call: AuthCall, payload: schemas.CreateEntityRequest):
    return await call.run(service.create_entity, payload=payload)


@router.get("/entities", response_model=schemas.EntityPaginationResponse)
async def get_entities(call: AuthCall, query: Annotated[schemas.EntityListQuery, Query()]):
    return await call.run(service.list_entities, query=query)


@router.get("/entities/me", response_model=schemas.EntityResponse, deprecated=True)
async def get_entities_me(call: AuthCall):
    return await call.run(service.get_my_entity)


@router.patch("/entities/me", response_model=schemas.EntityResponse, deprecated=True)
async def patch_entities_me(call: AuthCall, payload: schemas.UpdateEntityRequest):
    return await call.run(service.update_my_entity, payload=payload)


@router.get("/entities/{entity_id}", response_model=schemas.EntityResponse)
async def get_entities_id(call: AuthCall, entity_id: uuid.UUID):
    return await call.run(service.get_entity, entity_id=entity_id)


@router.patch("/entities/{entity_id}", response_model=schemas.EntityResponse)
async def patch_entities_id(call: AuthCall, entity_id: uuid.UUID, payload: schemas.UpdateEntityRequest):
    return await call.run(service.update_entity, entity_id=entity_id, payload=payload)


@router.post("/entities/{entity_id}/activate", response_model=schemas.EntityResponse)
async def post_entities_id_activate(call: AuthCall, entity_id: uuid.UUID):
    return await call.run(service.set_status, entity_id=entity_id, status=EntityStatus.active)


@router.post("/entities/{entity_id}/deactivate", response_model=schemas.EntityResponse)
async def post_entities_id_deactivate(call: AuthCall, entity_id: uuid.UUID):
    return await call.run(service.set_status, entity_id=entity_id, status=EntityStatus.inactive)


@router.get("/entities/{entity_id}/settings", response_model=schemas.SettingsResponse)
async def get_entities_id_settings(call: AuthCall, entity_id: uuid.UUID):
    return await call.run(service.get_settings, entity_id=entity_id)


@router.patch("/entities/{entity_id}/settings", response_model=schemas.SettingsResponse)
async def patch_entities_id_settings(call: AuthCall, entity_id: uuid.UUID, payload: schemas.PatchSettingsPayload):
    return await call.run(service.update_settings, entity_id=entity_id, payload=payload)


@router.get("/entities/{entity_id}/settings/next_document_numbers", response_model=schemas.NextDocumentNumbers)
async def get_entities_id_settings_next_document_numbers(call: AuthCall, entity_id: uuid.UUID):
    return await call.run(service.next_document_numbers, entity_id=entity_id)


@router.get("/entities/{entity_id}/partner_metadata", response_model=PartnerMetadataResponse)
async def get_entities_id_partner_metadata(call: AuthCall, entity_id: uuid.UUID):
    return await call.run(service.get_partner_metadata, entity_id=entity_id)


@router.put("/entities/{entity_id}/partner_metadata", response_model=PartnerMetadataResponse)
async def put_entities_id_partner_metadata(call: AuthCall, entity_id: uuid.UUID, payload: PartnerMetadata):
    return await call.run(service.put_partner_metadata, entity_id=entity_id, payload=payload)


@router.post("/entities/{entity_id}/vat_ids", status_code=201, response_model=schemas.EntityVatIDResponse)
async def post_entities_id_vat_ids(call: AuthCall, entity_id: uuid.UUID, payload: schemas.EntityVatID):
    return await call.run(service.create_vat_id, entity_id=entity_id, payload=payload)


@router.get("/entities/{entity_id}/vat_ids", response_model=schemas.EntityVatIDResourceList)
async def get_entities_id_vat_ids(call: AuthCall, entity_id: uuid.UUID):
    return await call.run(service.list_vat_ids, entity_id=entity_id)


@router.get("/entities/{entity_id}/vat_ids/{id}", response_model=schemas.EntityVatIDResponse)
async def get_entities_id_vat_ids_id(call: AuthCall, entity_id: uuid.UUID, id: uuid.UUID):
    return await call.run(service.get_vat_id, entity_id=entity_id, vat_id=id)


@router.patch("/entities/{entity_id}/vat_ids/{id}", response_model=schemas.EntityVatIDResponse)
async def patch_entities_id_vat_ids_id(
    call: AuthCall, entity_id: uuid.UUID, id: uuid.UUID, payload: schemas.EntityUpdateVatID
):
    return await call.run(service.update_vat_id, entity_id=entity_id, vat_id=id, payload=payload)


@router.delete("/entities/{entity_id}/vat_ids/{id}", status_code=204, response_class=Response)
async def delete_entities_id_vat_ids_id(call: AuthCall, entity_id: uuid.UUID, id: uuid.UUID):
    await call.run(service.delete_vat_id, entity_id=entity_id, vat_id=id)
    return Response(status_code=204)
