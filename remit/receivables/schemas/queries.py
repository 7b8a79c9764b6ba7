"""Query parameters of the receivable lists, and the search body that carries the same filters."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from remit.core.enums import AllowedCountries
from remit.core.money import MAX_AMOUNT, AmountFilter
from remit.core.pagination import CreatedAtRange, ListQuery
from remit.core.schemas import RequestDatetime
from remit.counterparts.schemas import CounterpartType
from remit.receivables.schemas.common import (
    ReceivableCursorFields,
    ReceivableCursorFields2,
    ReceivableHistoryCursorFields,
    ReceivableHistoryEventTypeEnum,
    ReceivableMailCursorFields,
    ReceivableMailStatusEnum,
    ReceivablesStatusFilterEnum,
    ReceivableType,
)

PageLimit = Annotated[int, Field(ge=1, le=250, description="The number of items (1 .. 250) to return in a single page")]
# A JSON body states its integers as integers; a query string cannot, so lists filter with AmountFilter.
BodyAmount = Annotated[int, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, strict=True)]


class _ReceivableFilters(CreatedAtRange):
    """The filters of ``GET /receivables`` and ``POST /receivables/search`` (AND-combined)."""

    id__in: list[uuid.UUID] | None = None
    status: ReceivablesStatusFilterEnum | None = None
    status__in: list[ReceivablesStatusFilterEnum] | None = None
    entity_user_id: uuid.UUID | None = None
    entity_user_id__in: list[uuid.UUID] | None = None
    tag_ids__in: list[uuid.UUID] | None = None  # any of the tags
    tag_ids: list[uuid.UUID] | None = None  # all of the tags
    product_ids__in: list[uuid.UUID] | None = None  # a line with any of the products
    product_ids: list[uuid.UUID] | None = None  # lines with all of the products
    project_id: uuid.UUID | None = None
    project_id__in: list[uuid.UUID] | None = None
    type: ReceivableType | None = None
    document_id: str | None = None
    document_id__contains: str | None = None
    document_id__icontains: str | None = None
    issue_date__gt: RequestDatetime | None = None
    issue_date__lt: RequestDatetime | None = None
    issue_date__gte: RequestDatetime | None = None
    issue_date__lte: RequestDatetime | None = None
    counterpart_id: uuid.UUID | None = None
    counterpart_name: str | None = None
    counterpart_name__contains: str | None = None
    counterpart_name__icontains: str | None = None
    total_amount: AmountFilter | None = None
    total_amount__gt: AmountFilter | None = None
    total_amount__lt: AmountFilter | None = None
    total_amount__gte: AmountFilter | None = None
    total_amount__lte: AmountFilter | None = None
    discounted_subtotal: AmountFilter | None = None
    discounted_subtotal__gt: AmountFilter | None = None
    discounted_subtotal__lt: AmountFilter | None = None
    discounted_subtotal__gte: AmountFilter | None = None
    discounted_subtotal__lte: AmountFilter | None = None
    based_on: uuid.UUID | None = None
    due_date__gt: date | None = None
    due_date__lt: date | None = None
    due_date__gte: date | None = None
    due_date__lte: date | None = None


class ReceivableListQuery(ListQuery, _ReceivableFilters):
    """``GET /receivables``. ``limit`` is never taken from a pagination token: each page request
    states its own (default 100)."""

    limit: PageLimit = 100
    sort: ReceivableCursorFields | None = None


class ReceivablesSearchRequest(ListQuery, _ReceivableFilters):
    """``POST /receivables/search``: the list's filters as a closed JSON body."""

    model_config = ConfigDict(extra="forbid")

    limit: PageLimit = 100
    sort: ReceivableCursorFields2 | None = None
    total_amount: BodyAmount | None = None
    total_amount__gt: BodyAmount | None = None
    total_amount__lt: BodyAmount | None = None
    total_amount__gte: BodyAmount | None = None
    total_amount__lte: BodyAmount | None = None
    discounted_subtotal: BodyAmount | None = None
    discounted_subtotal__gt: BodyAmount | None = None
    discounted_subtotal__lt: BodyAmount | None = None
    discounted_subtotal__gte: BodyAmount | None = None
    discounted_subtotal__lte: BodyAmount | None = None


class ReceivableHistoryListQuery(ListQuery):
    """``GET /receivables/{id}/history`` (oldest first unless ``order=desc``)."""

    sort: ReceivableHistoryCursorFields | None = None
    event_type__in: list[ReceivableHistoryEventTypeEnum] | None = None
    entity_user_id__in: list[uuid.UUID] | None = None
    timestamp__gt: RequestDatetime | None = None
    timestamp__lt: RequestDatetime | None = None
    timestamp__gte: RequestDatetime | None = None
    timestamp__lte: RequestDatetime | None = None


class ReceivableMailListQuery(ListQuery, CreatedAtRange):
    """``GET /receivables/{id}/mails``."""

    sort: ReceivableMailCursorFields | None = None
    status: ReceivableMailStatusEnum | None = None
    status__in: list[ReceivableMailStatusEnum] | None = None


class ReceivableRequiredFieldsQuery(BaseModel):
    """``GET /receivables/required_fields``: all optional."""

    model_config = ConfigDict(extra="ignore")

    counterpart_id: uuid.UUID | None = None
    counterpart_billing_address_id: uuid.UUID | None = None
    counterpart_country: AllowedCountries | None = None
    counterpart_type: CounterpartType | None = None
    entity_vat_id_id: uuid.UUID | None = None
    counterpart_vat_id_id: uuid.UUID | None = None
