"""Products and services (docs/master-data.md, "Products and measure units"): prices in minor units
of a known currency."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from remit.core.context import RequestContext
from remit.core.crud import Resource
from remit.core.errors import FieldError, NotFound
from remit.core.pagination import Page, Paginator
from remit.core.repository import EntityScopedRepository
from remit.measure_units.service import MeasureUnitRepository
from remit.products import schemas
from remit.products.models import Product


class ProductNotFound(NotFound):
    message = "Product not found"


class ProductRepository(EntityScopedRepository[Product]):
    model = Product
    not_found = ProductNotFound


PRODUCTS = Resource(ProductRepository, object_type="product", owner_attr="entity_user_id")

paginator = Paginator(
    endpoint="GET /products",
    query_model=schemas.ProductListQuery,
    id_column=Product.id,
    sort_columns={"created_at": Product.created_at, "name": Product.name},
    columns={"price": Product.price_value, "currency": Product.price_currency},
)


def _columns(session: Session, ctx: RequestContext, values: dict[str, Any]) -> dict[str, Any]:
    if "price" in values:
        price = values.pop("price")
        values["price_value"] = price["value"] if price else None
        values["price_currency"] = price["currency"] if price else None
    if values.get("measure_unit_id") is not None and MeasureUnitRepository(session, ctx).find(values["measure_unit_id"]) is None:
        raise FieldError(("body", "measure_unit_id"), "Measure unit not found")
    return values


def create_product(session: Session, ctx: RequestContext, *, payload: schemas.ProductServiceRequest) -> Product:
    return PRODUCTS.create(session, ctx, Product(**_columns(session, ctx, payload.model_dump(mode="python"))))


def list_products(session: Session, ctx: RequestContext, *, query: schemas.ProductListQuery) -> Page[Product]:
    return PRODUCTS.page(session, ctx, paginator, query)


def get_product(session: Session, ctx: RequestContext, *, product_id: uuid.UUID) -> Product:
    return PRODUCTS.get(session, ctx, product_id)


def update_product(
    session: Session, ctx: RequestContext, *, product_id: uuid.UUID, payload: schemas.ProductServiceUpdate
) -> Product:
    changes = _columns(session, ctx, payload.model_dump(mode="python", exclude_unset=True))
    return PRODUCTS.update(session, ctx, product_id, changes)


def delete_product(session: Session, ctx: RequestContext, *, product_id: uuid.UUID) -> None:
    PRODUCTS.delete(session, ctx, product_id)
