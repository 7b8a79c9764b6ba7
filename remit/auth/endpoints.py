from __future__ import annotations

from fastapi import APIRouter

from remit.auth import schemas, service
from remit.auth.deps import PublicCall
from remit.core.routing import API_PREFIX, errors

router = APIRouter(prefix=API_PREFIX, tags=["Access tokens"], responses=errors(401, 405, 429, 500))


@router.post("/auth/token", response_model=schemas.AccessTokenResponse)
async def post_auth_token(call: PublicCall, payload: schemas.ObtainTokenPayload):
    return await call.run(service.obtain_token, payload=payload)


@router.post("/auth/revoke", response_model=schemas.MessageResponse)
async def post_auth_revoke(call: PublicCall, payload: schemas.RevokeTokenPayload):
    return await call.run(service.revoke_token, payload=payload)
