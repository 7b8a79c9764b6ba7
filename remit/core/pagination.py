"""Keyset cursor pagination and ``field__op`` filters, shared by every list endpoint.

The rules: docs/auth-entities.md, "Lists and pagination"; how it is built: docs/architecture.md, "Lists".

An endpoint declares a query model (a ``ListQuery`` subclass whose fields are Monite's query
parameter names) and a ``Paginator`` that knows which column each sort field and filter means.
Pages are found with ``WHERE (sort_col, id) > (:v, :id) ORDER BY sort_col, id LIMIT n + 1`` —
never OFFSET — so a page costs the same at the millionth row as at the first, and concurrent
inserts neither duplicate nor skip rows.

The ``pagination_token`` is URL-safe base64 of a compact JSON document plus an HMAC-SHA256
signature: endpoint, entity, the normalised first query, direction and keyset boundary. With a
token, every other query parameter is ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from functools import partial
from typing import Any, Generic, TypeAlias, TypeVar

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import Boolean, ColumnElement, Integer, Select, String, and_, bindparam, case, func, or_, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler

from remit.core.errors import BadRequest
from remit.core.rowjson import BoundCodec
from remit.core.runtime import runtime_of
from remit.core.schemas import RequestDatetime

T = TypeVar("T")
TOKEN_VERSION = 1
# A select of any columns (SQLAlchemy types a select by the types of the columns it returns).
AnySelect: TypeAlias = "Select[*tuple[Any, ...]]"


def token_key(secret: str) -> bytes:
    """The key that signs pagination tokens, derived from the server's secret (``Runtime.pagination_key``)."""
    return hashlib.sha256(b"pagination:" + secret.encode()).digest()


class OrderEnum(StrEnum):
    asc = "asc"
    desc = "desc"


class ListQuery(BaseModel):
    """Common list parameters; subclasses add ``sort`` (an enum) and their filters."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    order: OrderEnum = Field(OrderEnum.asc, description="Sort order (ascending by default)")
    limit: int = Field(100, ge=1, le=100, description="The number of items (0 .. 100) to return in a single page")
    pagination_token: str | None = Field(None, description="A pagination token obtained from a previous call")

    def filters(self) -> dict[str, Any]:
        return self.model_dump(exclude={"order", "limit", "pagination_token", "sort"}, exclude_none=True)


class CreatedAtRange(BaseModel):
    created_at__gt: RequestDatetime | None = None
    created_at__lt: RequestDatetime | None = None
    created_at__gte: RequestDatetime | None = None
    created_at__lte: RequestDatetime | None = None


class UpdatedAtRange(BaseModel):
    updated_at__gt: RequestDatetime | None = None
    updated_at__lt: RequestDatetime | None = None
    updated_at__gte: RequestDatetime | None = None
    updated_at__lte: RequestDatetime | None = None


class InvalidPaginationToken(BadRequest):
    message = "Invalid pagination token"


@dataclass(slots=True)
class Page(Generic[T]):
    data: list[T]
    next_pagination_token: str | None = None
    prev_pagination_token: str | None = None


OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "in": lambda col, v: col.in_(v),
    "not_in": lambda col, v: col.not_in(v),
    "gt": lambda col, v: col > v,
    "gte": lambda col, v: col >= v,
    "lt": lambda col, v: col < v,
    "lte": lambda col, v: col <= v,
    "contains": lambda col, v: contains(col, v),
    "icontains": lambda col, v: col.icontains(v, autoescape=True),
    "ncontains": lambda col, v: ~contains(col, v),
    "iexact": lambda col, v: func.lower(col) == v.lower(),
    "istartswith": lambda col, v: col.istartswith(v, autoescape=True),
}


class contains(ColumnElement[bool]):
    """Case-sensitive substring test on every backend (SQLite's LIKE ignores ASCII case)."""

    inherit_cache = True
    type = Boolean()

    def __init__(self, column: Any, value: str):
        self.column = column
        self.value = value


@compiles(contains)
def _contains_default(element: contains, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column.contains(element.value, autoescape=True), **kw)


@compiles(contains, "sqlite")
def _contains_sqlite(element: contains, compiler: SQLCompiler, **kw: Any) -> str:
    needle = compiler.process(bindparam(None, element.value, type_=String()), **kw)
    return f"(instr({compiler.process(element.column, **kw)}, {needle}) > 0)"


# Operators whose value can be a bound parameter of a statement built once (the others shape their
# SQL from the value: escaping, case folding).
_BINDABLE = frozenset({None, "in", "not_in", "gt", "gte", "lt", "lte"})
_FILTER_PREFIX = "f_"
_MAX_SHAPES = 512


def split_filter(name: str) -> tuple[str, str | None]:
    head, sep, op = name.rpartition("__")
    if sep and op in OPERATORS:
        return head, op
    return name, None


@dataclass
class Paginator:
    """How one list endpoint pages and filters: its sort columns and any special filters."""

    endpoint: str
    query_model: type[ListQuery]
    id_column: InstrumentedAttribute[Any]
    sort_columns: dict[str, InstrumentedAttribute[Any]]
    default_sort: str = "created_at"
    # A filter whose meaning is not "this column, this operator" (e.g. a name prefix over two columns).
    custom_filters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    # Query field name (without operator) → column, when it differs from the model attribute.
    columns: dict[str, InstrumentedAttribute[Any]] = field(default_factory=dict)
    # False: every page request states its own ``limit``, which the token does not carry over.
    token_keeps_limit: bool = True
    # Page statements built once per shape, for base statements built once (``paginate(params=…)``).
    _shapes: dict[tuple[Any, ...], tuple[AnySelect, AnySelect]] = field(default_factory=dict, init=False, repr=False)

    def paginate(
        self,
        session: Session,
        stmt: AnySelect,
        query: ListQuery,
        *,
        scope: str,
        codec: BoundCodec | None = None,
        params: dict[str, Any] | None = None,
    ) -> Page[Any]:
        """``stmt`` is the scoped base select of the model; ``scope`` binds tokens to the entity.

        With ``codec``, ``stmt`` selects a ``core.rowjson`` codec's unprocessed columns and the page
        holds its raw rows; the codec types the two boundary rows' keys for the tokens.

        With ``params``, ``stmt`` is a statement built once (a module constant) whose bind
        parameters ``params`` fills. The page's statement is then built once per shape — which
        filters, sort, direction, boundary — and reused with new values, so a request neither builds
        the statement nor walks it for SQLAlchemy's cache key. Filters that cannot be bound (the
        custom and text-matching ones) are built per request as without ``params``.
        """
        direction, boundary = "next", None
        if query.pagination_token:
            limit = query.limit
            query, direction, boundary = self._decode(query.pagination_token, scope, runtime_of(session).pagination_key)
            if not self.token_keeps_limit:
                query = query.model_copy(update={"limit": limit})
        sort_name = getattr(query, "sort", None) or self.default_sort
        sort_name = getattr(sort_name, "value", sort_name)
        sort_col = self.sort_columns[sort_name]
        descending = query.order == OrderEnum.desc
        # Going backwards reverses the scan; the page is put back in the requested order below.
        scan_desc = descending != (direction == "prev")

        values: dict[str, Any] = dict(params or ())
        values["page_limit"] = query.limit + 1
        after: tuple[Any, uuid.UUID] | None = None
        if boundary is not None:
            after = self._restore(boundary, sort_col)
            values["after_value"], values["after_id"] = after
        filters = query.filters()
        values.update((_FILTER_PREFIX + name, value) for name, value in filters.items() if self._bindable(name))
        if params is not None and all(self._bindable(name) for name in filters):
            shape = (id(stmt), tuple(filters), sort_name, scan_desc, None if after is None else after[0] is None)
            cached = self._shapes.get(shape)
            if cached is None or cached[0] is not stmt:  # keyed by identity; the entry keeps ``stmt`` alive
                if len(self._shapes) >= _MAX_SHAPES:  # only if callers pass statements that are not constants
                    self._shapes.clear()
                cached = self._shapes[shape] = (stmt, self._page_statement(stmt, filters, sort_col, scan_desc, after))
            page_stmt = cached[1]
        else:
            page_stmt = self._page_statement(stmt, filters, sort_col, scan_desc, after)

        if codec is not None:
            key = partial(_row_key, codec, sort_col.key, self.id_column.key)
            rows: list[Any] = list(session.connection().execute(page_stmt, values).all())
        else:
            key = partial(_object_key, sort_col.key)
            rows = list(session.scalars(page_stmt, values))
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        if direction == "prev":
            rows.reverse()

        page = Page(data=rows)
        if rows:
            token = runtime_of(session).pagination_key
            first_key, last_key = key(rows[0]), key(rows[-1])
            has_next = more if direction == "next" else True
            has_prev = (boundary is not None) if direction == "next" else more
            if has_next:
                page.next_pagination_token = self._encode(query, scope, "next", last_key, key=token)
            if has_prev:
                page.prev_pagination_token = self._encode(query, scope, "prev", first_key, key=token)
        return page

    def _bindable(self, name: str) -> bool:
        return name not in self.custom_filters and split_filter(name)[1] in _BINDABLE

    def _page_statement(
        self, stmt: AnySelect, filters: dict[str, Any], sort_col: Any, scan_desc: bool, after: tuple[Any, Any] | None
    ) -> AnySelect:
        """The page's statement: filters (bound by name where they can be), boundary, order, limit."""
        stmt = self.apply_filters(stmt, filters, bind=True)
        nullable = _nullable(sort_col)
        if after is not None:
            stmt = stmt.where(self._after(sort_col, after[0] is None, greater=not scan_desc, nullable=nullable))
        ordering = [sort_col.desc(), self.id_column.desc()] if scan_desc else [sort_col.asc(), self.id_column.asc()]
        if nullable:  # the same place for NULLs on every backend: after the values in ascending order
            is_null = case((sort_col.is_(None), 1), else_=0)
            ordering.insert(0, is_null.desc() if scan_desc else is_null.asc())
        return stmt.order_by(*ordering).limit(bindparam("page_limit", type_=Integer()))

    def _after(self, sort_col: Any, value_is_null: bool, *, greater: bool, nullable: bool) -> Any:
        """Rows beyond the boundary ``(:after_value, :after_id)`` in scan order (NULL values sort last)."""
        bound_id = bindparam("after_id", type_=self.id_column.type)
        if value_is_null:  # the boundary is among the NULLs
            beyond = and_(sort_col.is_(None), self.id_column > bound_id if greater else self.id_column < bound_id)
            return beyond if greater else or_(beyond, sort_col.is_not(None))
        key = tuple_(sort_col, self.id_column)
        bound = tuple_(bindparam("after_value", type_=sort_col.type), bound_id)
        beyond = key > bound if greater else key < bound
        if not nullable:
            return beyond
        beyond = and_(sort_col.is_not(None), beyond)
        return or_(beyond, sort_col.is_(None)) if greater else beyond

    def apply_filters(self, stmt: AnySelect, filters: ListQuery | dict[str, Any], *, bind: bool = False) -> AnySelect:
        """``stmt`` narrowed by the filters; with ``bind``, those that can be are bound parameters
        named ``f_<filter>`` (their values go in with the statement's other parameters)."""
        model = self.id_column.class_
        if isinstance(filters, ListQuery):
            filters = filters.filters()
        for name, value in filters.items():
            if name in self.custom_filters:
                stmt = stmt.where(self.custom_filters[name](value))
                continue
            field_name, op = split_filter(name)
            column = self.columns.get(field_name) or getattr(model, field_name)
            if bind and op in _BINDABLE:
                value = bindparam(_FILTER_PREFIX + name, type_=column.type, expanding=op in ("in", "not_in"))
            if op is None:
                stmt = stmt.where(column == value)
            else:
                stmt = stmt.where(OPERATORS[op](column, value))
        return stmt

    # -- tokens -------------------------------------------------------------------------

    def _encode(self, query: ListQuery, scope: str, direction: str, boundary: tuple[Any, Any], *, key: bytes) -> str:
        document = {
            "v": TOKEN_VERSION,
            "ep": self.endpoint,
            "ent": scope,
            "q": query.model_dump(mode="json", exclude={"pagination_token"}, exclude_none=True),
            "dir": direction,
            "k": [_jsonable(boundary[0]), str(boundary[1])],
        }
        payload = base64.urlsafe_b64encode(orjson.dumps(document)).rstrip(b"=")
        signature = base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest()[:18])
        return (payload + b"." + signature).decode()

    def _decode(self, token: str, scope: str, key: bytes) -> tuple[ListQuery, str, list[Any]]:
        try:
            payload, _, signature = token.encode("ascii").partition(b".")
            expected = base64.urlsafe_b64encode(hmac.new(key, payload, hashlib.sha256).digest()[:18])
            if not hmac.compare_digest(signature, expected):
                raise ValueError("signature")
            document = orjson.loads(base64.urlsafe_b64decode(payload + b"=" * (-len(payload) % 4)))
            if document["v"] != TOKEN_VERSION or document["ep"] != self.endpoint or document["ent"] != scope:
                raise ValueError("foreign token")
            if document["dir"] not in ("next", "prev"):
                raise ValueError("direction")
            query = self.query_model.model_validate(document["q"])
            boundary = document["k"]
            if not isinstance(boundary, list) or len(boundary) != 2:
                raise ValueError("boundary")
            return query, document["dir"], boundary
        except (ValueError, KeyError, TypeError, UnicodeError, ValidationError, orjson.JSONDecodeError):
            raise InvalidPaginationToken() from None

    @staticmethod
    def _restore(boundary: Sequence[Any], sort_col: InstrumentedAttribute[Any]) -> tuple[Any, uuid.UUID]:
        raw, raw_id = boundary
        value: Any
        try:
            python_type = sort_col.type.python_type
            if raw is None:
                value = None
            elif python_type is datetime:
                value = datetime.fromisoformat(raw)
            elif python_type is date:
                value = date.fromisoformat(raw)
            elif python_type is uuid.UUID:
                value = uuid.UUID(raw)
            else:
                value = raw
            return value, uuid.UUID(raw_id)
        except (ValueError, TypeError, AttributeError):
            raise InvalidPaginationToken() from None


def _nullable(column: Any) -> bool:
    try:
        return bool(column.property.columns[0].nullable)
    except (AttributeError, IndexError):
        return False


def _row_key(codec: BoundCodec, sort_key: str, id_key: str, row: Any) -> tuple[Any, uuid.UUID]:
    return codec.value(row, sort_key), codec.value(row, id_key)


def _object_key(sort_key: str, obj: Any) -> tuple[Any, uuid.UUID]:
    return getattr(obj, sort_key), obj.id


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value
