# No `from __future__ import annotations` here: the child routes are built by a factory, and
# FastAPI must see their parameter types as objects, not as strings to resolve in this module.
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS, errors
from remit.core.schemas import PartnerMetadata, PartnerMetadataResponse
from remit.counterparts import children, schemas, service

router = APIRouter(prefix=API_PREFIX, tags=["Counterparts"], responses=COMMON_ERRORS)


@router.post("/counterparts", status_code=201, response_model=schemas.CounterpartResponse)
async def post_counterparts(call: EntityCall, payload: schemas.CounterpartCreatePayload):
    return await call.run(service.create_counterpart, payload=payload)


@router.get("/counterparts", response_model=schemas.CounterpartPaginationResponse)
async def get_counterparts(call: EntityCall, query: Annotated[schemas.CounterpartListQuery, Query()]):
    return await call.run(service.list_counterparts, query=query)


@router.get("/counterparts/{counterpart_id}", response_model=schemas.CounterpartResponse)
async def get_counterparts_id(call: EntityCall, counterpart_id: uuid.UUID):
    return await call.run(service.get_counterpart, counterpart_id=counterpart_id)


@router.patch("/counterparts/{counterpart_id}", response_model=schemas.CounterpartResponse)
async def patch_counterparts_id(call: EntityCall, counterpart_id: uuid.UUID, payload: schemas.CounterpartUpdatePayload):
    return await call.run(service.update_counterpart, counterpart_id=counterpart_id, payload=payload)


@router.delete("/counterparts/{counterpart_id}", status_code=204, response_class=Response)
async def delete_counterparts_id(call: EntityCall, counterpart_id: uuid.UUID):
    await call.run(service.delete_counterpart, counterpart_id=counterpart_id)
    return Response(status_code=204)


@router.get("/counterparts/{counterpart_id}/partner_metadata", response_model=PartnerMetadataResponse)
async def get_counterparts_id_partner_metadata(call: EntityCall, counterpart_id: uuid.UUID):
    return await call.run(service.get_partner_metadata, counterpart_id=counterpart_id)


@router.put("/counterparts/{counterpart_id}/partner_metadata", response_model=PartnerMetadataResponse)
async def put_counterparts_id_partner_metadata(
    call: EntityCall, counterpart_id: uuid.UUID, payload: PartnerMetadata
):
    return await call.run(service.put_partner_metadata, counterpart_id=counterpart_id, payload=payload)


def _child_routes(
    collection: str,
    id_name: str,
    child: children.Child,
    *,
    create_schema: type[BaseModel],
    update_schema: type[BaseModel],
    response: type,
    list_response: type,
    create_status: int,
    create: Any = None,
    delete: Any = None,
) -> None:
    """The five routes of a counterpart sub-resource: list, create, get, update, delete.

    ``create``/``delete`` replace the generic step where the sub-resource has rules of its own.
    """
    base = f"/counterparts/{{counterpart_id}}/{collection}"
    item = f"{base}/{{{id_name}}}"
    ChildId = Annotated[uuid.UUID, Path(alias=id_name)]  # Monite's name on the wire

    async def list_items(call: EntityCall, counterpart_id: uuid.UUID):
        return await call.run(child.list, counterpart_id=counterpart_id)

    async def create_item(call: EntityCall, counterpart_id: uuid.UUID, payload: BaseModel):
        if create is not None:
            return await call.run(create, counterpart_id=counterpart_id, payload=payload)
        return await call.run(child.create, counterpart_id=counterpart_id, values=payload.model_dump(mode="json"))

    async def get_item(call: EntityCall, counterpart_id: uuid.UUID, child_id: ChildId):
        return await call.run(child.get, counterpart_id=counterpart_id, child_id=child_id)

    async def update_item(call: EntityCall, counterpart_id: uuid.UUID, child_id: ChildId, payload: BaseModel):
        changes = payload.model_dump(mode="json", exclude_unset=True)
        return await call.run(child.update, counterpart_id=counterpart_id, child_id=child_id, changes=changes)

    async def delete_item(call: EntityCall, counterpart_id: uuid.UUID, child_id: ChildId):
        run = delete or child.delete
        await call.run(run, counterpart_id=counterpart_id, child_id=child_id)
        return Response(status_code=204)

    # FastAPI reads each body model from its parameter's annotation: this sub-resource's schemas.
    create_item.__annotations__["payload"] = create_schema
    update_item.__annotations__["payload"] = update_schema

    name = collection.removesuffix("es") if collection == "addresses" else collection.removesuffix("s")
    router.add_api_route(base, list_items, methods=["GET"], response_model=list_response, name=f"list_{name}s")
    router.add_api_route(
        base, create_item, methods=["POST"], response_model=response, status_code=create_status, name=f"create_{name}"
    )
    router.add_api_route(item, get_item, methods=["GET"], response_model=response, name=f"get_{name}")
    router.add_api_route(item, update_item, methods=["PATCH"], response_model=response, name=f"update_{name}")
    router.add_api_route(
        item, delete_item, methods=["DELETE"], status_code=204, response_class=Response, name=f"delete_{name}",
        responses=errors(409),
    )


_child_routes(
    "addresses", "address_id", children.ADDRESSES,
    create_schema=schemas.CounterpartAddress, update_schema=schemas.CounterpartUpdateAddress,
    response=schemas.CounterpartAddressResponseWithCounterpartID, list_response=schemas.CounterpartAddressResourceList,
    create_status=201, delete=children.delete_address,
)
_child_routes(
    "bank_accounts", "bank_account_id", children.BANK_ACCOUNTS,
    create_schema=schemas.CreateCounterpartBankAccount, update_schema=schemas.UpdateCounterpartBankAccount,
    response=schemas.CounterpartBankAccountResponse, list_response=schemas.CounterpartBankAccountResourceList,
    create_status=200, create=children.create_bank_account,
)
_child_routes(
    "contacts", "contact_id", children.CONTACTS,
    create_schema=schemas.CreateCounterpartContactPayload, update_schema=schemas.UpdateCounterpartContactPayload,
    response=schemas.CounterpartContactResponse, list_response=schemas.CounterpartContactsResourceList,
    create_status=200, create=children.create_contact, delete=children.delete_contact,
)
_child_routes(
    "vat_ids", "vat_id", children.VAT_IDS,
    create_schema=schemas.CounterpartVatID, update_schema=schemas.CounterpartUpdateVatID,
    response=schemas.CounterpartVatIDResponse, list_response=schemas.CounterpartVatIDResourceList,
    create_status=201,
)
_child_routes(
    "einvoicing_credentials", "credential_id", children.EINVOICING,
    create_schema=schemas.CreateCounterpartEinvoicingCredentialPayload,
    update_schema=schemas.UpdateCounterpartEinvoicingCredentialSchema,
    response=schemas.CounterpartEinvoicingCredentialResponse,
    list_response=schemas.CounterpartEinvoicingCredentialResponseList,
    create_status=201, create=children.create_einvoicing_credential,
)


@router.post(
    "/counterparts/{counterpart_id}/bank_accounts/{bank_account_id}/make_default",
    response_model=schemas.CounterpartBankAccountResponse,
)
async def post_counterparts_id_bank_accounts_id_make_default(
    call: EntityCall, counterpart_id: uuid.UUID, bank_account_id: uuid.UUID
):
    return await call.run(
        children.make_default_bank_account, counterpart_id=counterpart_id, bank_account_id=bank_account_id
    )


@router.post(
    "/counterparts/{counterpart_id}/contacts/{contact_id}/make_default",
    response_model=schemas.CounterpartContactResponse,
)
async def post_counterparts_id_contacts_id_make_default(call: EntityCall, counterpart_id: uuid.UUID, contact_id: uuid.UUID):
    return await call.run(children.make_default_contact, counterpart_id=counterpart_id, contact_id=contact_id)
