from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from remit.auth.deps import EntityCall, OptionalEntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS, errors
from remit.core.uploads import MULTIPART_FILE_BODY, read_file_part
from remit.payables import schemas
from remit.payables.service import crud, extras, line_items, transitions

router = APIRouter(prefix=API_PREFIX, tags=["Payables"], responses=COMMON_ERRORS)
STATE_ERRORS = errors(409)

# Fixed paths first, so they are never read as a payable id.


@router.get("/payables/analytics", response_model=schemas.PayableAggregatedDataResponse)
async def get_payables_analytics(call: EntityCall, query: Annotated[schemas.PayableListQuery, Query()]):
    return await call.run(extras.aggregated, query=query)


@router.post("/payables/upload_from_file", status_code=201, response_model=schemas.PayableResponseSchema,
             responses=errors(409, 415), openapi_extra=MULTIPART_FILE_BODY)
async def post_payables_upload_from_file(call: EntityCall, request: Request):
    upload = await read_file_part(request, max_bytes=extras.MAX_UPLOAD_BYTES)
    return await call.run(extras.upload_from_file, content=upload.content, name=upload.name,
                          mimetype=upload.mimetype)


@router.get("/payables/validations", response_model=schemas.PayableValidationsResource)
async def get_payables_validations(call: OptionalEntityCall):
    return await call.run(extras.get_validations)


@router.put("/payables/validations", response_model=schemas.PayableValidationsResource)
async def put_payables_validations(call: OptionalEntityCall, payload: schemas.PayableValidationsUpdateRequest):
    return await call.run(extras.update_validations, payload=payload)


@router.post("/payables/validations/reset", response_model=schemas.PayableValidationsResource)
async def post_payables_validations_reset(call: OptionalEntityCall):
    return await call.run(extras.reset_validations)


@router.get("/payables/variables", response_model=schemas.PayableTemplatesVariablesObjectList)
async def get_payables_variables(call: EntityCall):
    return await call.run(extras.get_variables)


@router.post("/payables", response_model=schemas.PayableResponseSchema)
async def post_payables(call: EntityCall, payload: schemas.PayableUploadWithDataSchema):
    return await call.run(crud.create_payable, payload=payload)


@router.get("/payables", response_model=schemas.PayablePaginationResponse)
async def get_payables(call: EntityCall, query: Annotated[schemas.PayableListQuery, Query()]):
    return await call.run(crud.list_payables, query=query)


@router.get("/payables/{payable_id}", response_model=schemas.PayableResponseSchema)
async def get_payables_id(call: EntityCall, payable_id: uuid.UUID):
    return await call.run(crud.get_payable, payable_id=payable_id)


@router.patch("/payables/{payable_id}", response_model=schemas.PayableResponseSchema, responses=STATE_ERRORS)
async def patch_payables_id(call: EntityCall, payable_id: uuid.UUID, payload: schemas.PayableUpdateSchema):
    return await call.run(crud.update_payable, payable_id=payable_id, payload=payload)


@router.delete("/payables/{payable_id}", status_code=204, response_class=Response, responses=STATE_ERRORS)
async def delete_payables_id(call: EntityCall, payable_id: uuid.UUID):
    await call.run(crud.delete_payable, payable_id=payable_id)
    return Response(status_code=204)


def _transition_route(action: str, summary: str):
    service = getattr(transitions, action)

    async def endpoint(call: EntityCall, payable_id: uuid.UUID):
        return await call.run(service, payable_id=payable_id)

    endpoint.__name__ = f"post_payables_id_{action}"
    router.add_api_route(
        f"/payables/{{payable_id}}/{action}", endpoint, methods=["POST"], summary=summary,
        response_model=schemas.PayableResponseSchema, responses=STATE_ERRORS, name=endpoint.__name__,
    )


for _action, _summary in (
    ("approve_payment_operation", "Approve a payable for payment"),
    ("cancel", "Cancel a payable"),
    ("reject", "Reject a payable"),
    ("reopen", "Reopen a rejected or waiting_to_be_paid payable"),
    ("submit_for_approval", "Submit a payable for approval"),
):
    _transition_route(_action, _summary)


@router.post("/payables/{payable_id}/mark_as_paid", response_model=schemas.PayableResponseSchema,
             responses=STATE_ERRORS)
async def post_payables_id_mark_as_paid(call: EntityCall, payable_id: uuid.UUID, payload: schemas.CommentPayload):
    return await call.run(transitions.mark_as_paid, payable_id=payable_id, payload=payload)


@router.post("/payables/{payable_id}/mark_as_partially_paid", response_model=schemas.PayableResponseSchema,
             responses=STATE_ERRORS)
async def post_payables_id_mark_as_partially_paid(
    call: EntityCall, payable_id: uuid.UUID, payload: schemas.PartiallyPaidPayload
):
    return await call.run(transitions.mark_as_partially_paid, payable_id=payable_id, payload=payload)


@router.post("/payables/{payable_id}/validate", response_model=schemas.PayableValidationResponse)
async def post_payables_id_validate(call: EntityCall, payable_id: uuid.UUID):
    return await call.run(transitions.validate, payable_id=payable_id)


@router.post("/payables/{payable_id}/attach_file", response_model=schemas.PayableResponseSchema,
             responses=errors(409, 415), openapi_extra=MULTIPART_FILE_BODY)
async def post_payables_id_attach_file(call: EntityCall, payable_id: uuid.UUID, request: Request):
    upload = await read_file_part(request, max_bytes=extras.MAX_UPLOAD_BYTES)
    return await call.run(extras.attach_file, payable_id=payable_id, content=upload.content, name=upload.name,
                          mimetype=upload.mimetype)


@router.post("/payables/{payable_id}/cancel_ocr", response_model=schemas.PayableResponseSchema,
             responses=STATE_ERRORS)
async def post_payables_id_cancel_ocr(call: EntityCall, payable_id: uuid.UUID):
    return await call.run(extras.cancel_ocr, payable_id=payable_id)


@router.get("/payables/{payable_id}/history", response_model=schemas.PayableHistoryPaginationResponse)
async def get_payables_id_history(
    call: EntityCall, payable_id: uuid.UUID, query: Annotated[schemas.PayableHistoryListQuery, Query()]
):
    return await call.run(extras.list_history, payable_id=payable_id, query=query)


@router.get("/payables/{payable_id}/suggestions", response_model=schemas.SuggestedResponse)
async def get_payables_id_suggestions(call: EntityCall, payable_id: uuid.UUID):
    return await call.run(extras.get_suggestions, payable_id=payable_id)


@router.delete("/payables/{payable_id}/suggestions")
async def delete_payables_id_suggestions(call: EntityCall, payable_id: uuid.UUID):
    return await call.run(extras.delete_suggestions, payable_id=payable_id)


# -- line items -----------------------------------------------------------------------------


@router.get("/payables/{payable_id}/line_items", response_model=schemas.LineItemPaginationResponse)
async def get_payables_id_line_items(
    call: EntityCall, payable_id: uuid.UUID, query: Annotated[schemas.LineItemListQuery, Query()]
):
    return await call.run(line_items.list_line_items, payable_id=payable_id, query=query)


@router.post("/payables/{payable_id}/line_items", status_code=201, response_model=schemas.LineItemResponse,
             responses=STATE_ERRORS)
async def post_payables_id_line_items(call: EntityCall, payable_id: uuid.UUID, payload: schemas.LineItemRequest):
    return await call.run(line_items.create_line_item, payable_id=payable_id, payload=payload)


@router.put("/payables/{payable_id}/line_items", response_model=schemas.LineItemsReplaceResponse,
            responses=STATE_ERRORS)
async def put_payables_id_line_items(
    call: EntityCall, payable_id: uuid.UUID, payload: schemas.LineItemsReplaceRequest
):
    return await call.run(line_items.replace_line_items, payable_id=payable_id, payload=payload)


@router.get("/payables/{payable_id}/line_items/{line_item_id}", response_model=schemas.LineItemResponse)
async def get_payables_id_line_items_id(call: EntityCall, payable_id: uuid.UUID, line_item_id: uuid.UUID):
    return await call.run(line_items.get_line_item, payable_id=payable_id, line_item_id=line_item_id)


@router.patch("/payables/{payable_id}/line_items/{line_item_id}", response_model=schemas.LineItemResponse,
              responses=STATE_ERRORS)
async def patch_payables_id_line_items_id(
    call: EntityCall, payable_id: uuid.UUID, line_item_id: uuid.UUID, payload: schemas.LineItemRequest
):
    return await call.run(line_items.update_line_item, payable_id=payable_id, line_item_id=line_item_id,
                          payload=payload)


@router.delete("/payables/{payable_id}/line_items/{line_item_id}", status_code=204, response_class=Response,
               responses=STATE_ERRORS)
async def delete_payables_id_line_items_id(call: EntityCall, payable_id: uuid.UUID, line_item_id: uuid.UUID):
    await call.run(line_items.delete_line_item, payable_id=payable_id, line_item_id=line_item_id)
    return Response(status_code=204)
