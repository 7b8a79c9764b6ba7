"""``GET /analytics/payables`` (docs/payables.md, "Analytics"): one metric, aggregated, optionally
by a dimension."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Date, cast, func, select
from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.payables import schemas
from remit.payables.service.common import OBJECT
from remit.payables.service.crud import paginator, scoped_payables

DATE_DIMENSIONS = {"created_at", "issued_at", "due_date"}


def _bucket(day: date, breakdown: str | None) -> date:
    """The first day of the bucket ``day`` falls in (ISO weeks start on Monday)."""
    if breakdown == "weekly":
        return day - timedelta(days=day.weekday())
    if breakdown == "monthly":
        return day.replace(day=1)
    if breakdown == "quarterly":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    if breakdown == "yearly":
        return day.replace(month=1, day=1)
    return day


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def payables_analytics(
    session: Session, ctx: RequestContext, *, query: schemas.PayableAnalyticsQuery
) -> dict[str, Any]:
    ctx.check(OBJECT, "read")
    matching = paginator.apply_filters(scoped_payables(session, ctx), query).subquery()
    metric = matching.c.id if query.metric == "id" else matching.c.total_amount
    aggregates = (func.count(metric), func.sum(metric) if query.metric == "total_amount" else func.count(metric),
                  func.min(matching.c.total_amount), func.max(matching.c.total_amount))
    dimension = query.dimension.value if query.dimension else None
    if dimension is None:
        groups: dict[Any, Sequence[Any]] = {None: session.execute(select(*aggregates)).one()}
    else:
        column: ColumnElement[Any] = matching.c[dimension]
        if dimension == "created_at":  # group by calendar day (UTC) on both backends
            column = func.date(column) if session.get_bind().dialect.name == "sqlite" else cast(column, Date)
        rows = session.execute(select(column, *aggregates).group_by(column)).all()
        groups = {row[0]: tuple(row[1:]) for row in rows}
        if dimension in DATE_DIMENSIONS:
            merged: dict[Any, list] = defaultdict(lambda: [0, 0, None, None])
            for key, (count, total, low, high) in groups.items():
                day = _day(key)
                bucket = _bucket(day, query.date_dimension_breakdown) if day is not None else None
                acc = merged[bucket]
                acc[0] += count or 0
                acc[1] += total or 0
                acc[2] = low if acc[2] is None else (acc[2] if low is None else min(acc[2], low))
                acc[3] = high if acc[3] is None else (acc[3] if high is None else max(acc[3], high))
            groups = {k: tuple(v) for k, v in merged.items()}
    data = []
    for key, (count, total, low, high) in groups.items():
        value = _metric(query, count or 0, total or 0, low, high)
        data.append({"dimension_value": None if key is None else str(key), "metric_value": value})
    data.sort(key=lambda point: (point["dimension_value"] is None, point["dimension_value"] or ""))
    return {"data": data[: query.limit]}


def _metric(query: schemas.PayableAnalyticsQuery, count: int, total: int, low: Any, high: Any) -> int | float:
    function = query.aggregation_function
    if query.metric == "id" or function == "count":
        return int(count)
    if function == "summary":
        return int(total)
    if function == "average":
        return float(Decimal(int(total)) / count) if count else 0
    if function == "min":
        return int(low) if low is not None else 0
    return int(high) if high is not None else 0
