from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response

from remit.auth.deps import EntityCall
from remit.bank_accounts import schemas, service
from remit.core.routing import API_PREFIX, COMMON_ERRORS

router = APIRouter(prefix=API_PREFIX, tags=["Entity bank accounts"], responses=COMMON_ERRORS)


@router.get("/bank_accounts", response_model=schemas.EntityBankAccountPaginationResponse)
async def get_bank_accounts(call: EntityCall) -> Any:
    return await call.run(service.list_bank_accounts)


@router.post("/bank_accounts", status_code=201, response_model=schemas.EntityBankAccountResponse)
async def post_bank_accounts(call: EntityCall, payload: schemas.CreateEntityBankAccountRequest) -> Any:
    return await call.run(service.create_bank_account, payload=payload)


@router.get("/bank_accounts/{bank_account_id}", response_model=schemas.EntityBankAccountResponse)
async def get_bank_accounts_id(call: EntityCall, bank_account_id: uuid.UUID) -> Any:
    return await call.run(service.get_bank_account, bank_account_id=bank_account_id)


@router.patch("/bank_accounts/{bank_account_id}", response_model=schemas.EntityBankAccountResponse)
async def patch_bank_accounts_id(
    call: EntityCall, bank_account_id: uuid.UUID, payload: schemas.UpdateEntityBankAccountRequest
) -> Any:
    return await call.run(service.update_bank_account, bank_account_id=bank_account_id, payload=payload)


@router.delete("/bank_accounts/{bank_account_id}", status_code=204, response_class=Response)
async def delete_bank_accounts_id(call: EntityCall, bank_account_id: uuid.UUID) -> Response:
    await call.run(service.delete_bank_account, bank_account_id=bank_account_id)
    return Response(status_code=204)


@router.post("/bank_accounts/{bank_account_id}/make_default", response_model=schemas.EntityBankAccountResponse)
async def post_bank_accounts_id_make_default(call: EntityCall, bank_account_id: uuid.UUID) -> Any:
    return await call.run(service.make_default, bank_account_id=bank_account_id)
