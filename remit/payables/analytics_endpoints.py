from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from remit.auth.deps import EntityCall
from remit.core.routing import API_PREFIX, COMMON_ERRORS
from remit.payables import schemas
from remit.payables.service import analytics

router = APIRouter(prefix=API_PREFIX, tags=["Analytics"], responses=COMMON_ERRORS)


@router.get("/analytics/payables", response_model=schemas.PayableAnalyticsResponse)
async def get_analytics_payables(call: EntityCall, query: Annotated[schemas.PayableAnalyticsQuery, Query()]):
    return await call.run(analytics.payables_analytics, query=query)
