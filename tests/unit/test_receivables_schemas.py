"""Receivables wire schemas held to Monite's contract (tests/contract) and to the official SDK.

No database: the schemas are checked field by field against the contract's components and
operations, the create dispatch and the PATCH wrapper rule are exercised with good and bad bodies,
bodies the SDK really sends (captured from its HTTP client) are parsed, and what remit would send
is parsed back by the SDK's own models.
"""

from __future__ import annotations

import base64
import enum
import json
import re
import struct
import uuid
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal, get_args, get_origin

import httpx
import monite.types as sdk
import pytest
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from monite import Monite
from monite.core.pydantic_utilities import parse_obj_as
from pydantic import BaseModel, RootModel, TypeAdapter, ValidationError

from remit.core.schemas import RequestSchema
from remit.receivables import schemas as rs
from tests.fixtures.masterdata import monite_contract

CONTRACT = monite_contract()
COMPONENTS: dict[str, Any] = CONTRACT["schemas"]
OPERATIONS = {key: op for key, op in CONTRACT["operations"].items() if " /receivables" in key}

# remit's documented extensions of Monite's shapes (the rejection of draft invoices).
EXTENSION_FIELDS = {"InvoiceResponsePayload": {"rejection_reason", "rejected_at"}}
EXTENSION_VALUES = {"ReceivablesStatusEnum": ["rejected"]}


def _ref_names(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value.rsplit("/", 1)[-1]
            else:
                yield from _ref_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _ref_names(item)


def _closure(roots: set[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.add(name)
            stack.extend(_ref_names(COMPONENTS[name]))
    return seen


def _operation_components(*, requests: bool, responses: bool) -> set[str]:
    roots = set()
    for op in OPERATIONS.values():
        if requests and op["request"]:
            roots.add(op["request"]["$ref"].rsplit("/", 1)[-1])
        success = op["responses"].get(op["success"][0])
        if responses and success:
            roots.add(success["$ref"].rsplit("/", 1)[-1])
    return _closure(roots)


EXPORTS = {name: getattr(rs, name) for name in rs.__all__}
MODELS = {
    name: obj
    for name, obj in EXPORTS.items()
    if name in COMPONENTS
    and name not in rs.SDK_ALIASES
    and isinstance(obj, type)
    and issubclass(obj, BaseModel)
    and not issubclass(obj, RootModel)
}
ENUMS = {
    name: obj
    for name, obj in EXPORTS.items()
    if name in COMPONENTS and isinstance(obj, type) and issubclass(obj, enum.Enum)
}


def _flatten(annotation: Any) -> Iterator[Any]:
    """Every type inside an annotation (unions, Annotated, generics)."""
    yield annotation
    for arg in get_args(annotation):
        yield from _flatten(arg)


def _nullable(annotation: Any) -> bool:
    return any(arg is type(None) for arg in _flatten(annotation))


def _models_in(annotation: Any) -> Iterator[type[BaseModel]]:
    for arg in _flatten(annotation):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            yield arg


# -- 1. the shapes are Monite's -----------------------------------------------------------------


def test_every_component_of_every_receivables_operation_is_there():
    assert len(OPERATIONS) == 26
    needed = _operation_components(requests=True, responses=True)
    assert not sorted(needed - set(rs.__all__))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_fields_are_the_components_properties(name: str):
    fields = set(MODELS[name].model_fields)
    assert fields == set(COMPONENTS[name]["properties"]) | EXTENSION_FIELDS.get(name, set())


@pytest.mark.parametrize("name", sorted(MODELS))
def test_required_fields_are_the_components(name: str):
    model, required = MODELS[name], set(COMPONENTS[name].get("required", ()))
    if issubclass(model, RequestSchema):  # requests (and shapes of both directions): exactly Monite's
        assert {n for n, f in model.model_fields.items() if f.is_required()} == required
    else:  # responses: what Monite requires is never null (remit may promise more)
        never_null = {n for n, f in model.model_fields.items() if not _nullable(f.annotation)}
        assert required <= never_null, sorted(required - never_null)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_inline_enums_are_the_components(name: str):
    for field_name, field in MODELS[name].model_fields.items():
        declared = COMPONENTS[name]["properties"].get(field_name, {})
        if "enum" in declared and field_name != "status":
            literals = [arg for arg in _flatten(field.annotation) if get_origin(arg) is Literal]
            assert literals and list(get_args(literals[0])) == declared["enum"], field_name


@pytest.mark.parametrize("name", sorted(ENUMS))
def test_enums_are_the_components(name: str):
    assert [m.value for m in ENUMS[name]] == COMPONENTS[name]["enum"] + EXTENSION_VALUES.get(name, [])


def test_list_filters_accept_monites_statuses_and_rejected():
    inline = COMPONENTS["ReceivablesSearchRequest"]["properties"]["status"]["enum"]
    assert [m.value for m in rs.ReceivablesStatusFilterEnum] == [*inline, "rejected"]


def test_request_shapes_refuse_unknown_keys_at_every_level():
    request_side = _operation_components(requests=True, responses=False)
    pending = [EXPORTS[name] for name in request_side if isinstance(EXPORTS[name], type) and issubclass(EXPORTS[name], BaseModel)]
    seen: set[type[BaseModel]] = set()
    while pending:
        model = pending.pop()
        if model in seen:
            continue
        seen.add(model)
        if not issubclass(model, RootModel):
            assert model.model_config.get("extra") == "forbid", model.__name__
        pending.extend(m for f in model.model_fields.values() for m in _models_in(f.annotation))
    assert len(seen) > 40


@pytest.mark.parametrize("alias, name", sorted(rs.SDK_ALIASES.items()))
def test_the_sdks_names_are_the_suffixed_components(alias: str, name: str):
    assert getattr(rs, alias) is getattr(rs, name)
    assert hasattr(sdk, alias)  # the SDK's name for it
    if alias in COMPONENTS:  # where Monite has both, they are one shape
        unsuffixed = json.loads(re.sub(r'(#/components/schemas/\w+?)2"', r'\1"', json.dumps(COMPONENTS[name])))
        if alias == "LineItemProductVatRate":
            # Monite's unsuffixed copy (used by no receivables component) says number; the SDK's
            # LineItemProductVatRate, like the receivables' LineItemProductVatRate2, says integer.
            assert sdk.LineItemProductVatRate.model_fields["value"].annotation is int
            unsuffixed["properties"]["value"]["type"] = "number"
        assert unsuffixed == COMPONENTS[alias]


QUERY_MODELS = {
    "GET /receivables": rs.ReceivableListQuery,
    "GET /receivables/required_fields": rs.ReceivableRequiredFieldsQuery,
    "GET /receivables/{receivable_id}/history": rs.ReceivableHistoryListQuery,
    "GET /receivables/{receivable_id}/mails": rs.ReceivableMailListQuery,
}


@pytest.mark.parametrize("operation", sorted(QUERY_MODELS))
def test_query_models_are_the_operations_parameters(operation: str):
    params = {p.split(":", 1)[1] for p in OPERATIONS[operation]["parameters"] if p.startswith("query:")}
    assert set(QUERY_MODELS[operation].model_fields) == params


def test_search_body_and_list_query_share_the_filters():
    search = set(rs.ReceivablesSearchRequest.model_fields)
    assert search == set(rs.ReceivableListQuery.model_fields)
    assert rs.ReceivablesSearchRequest.model_config["extra"] == "forbid"


@pytest.mark.parametrize("model", [rs.ReceivableListQuery, rs.ReceivablesSearchRequest])
def test_list_limit_is_1_to_250_and_rejected_is_a_status(model: type[BaseModel]):
    assert model.model_validate({}).limit == 100  # type: ignore[attr-defined]
    assert model.model_validate({"limit": 250, "status": "rejected", "status__in": ["draft", "rejected"]})
    for limit in (0, 251):
        with pytest.raises(ValidationError):
            model.model_validate({"limit": limit})
    with pytest.raises(ValidationError):
        model.model_validate({"status": "deleted"})  # never listed


def test_history_and_mail_pages_hold_at_most_100():
    for model in (rs.ReceivableHistoryListQuery, rs.ReceivableMailListQuery):
        with pytest.raises(ValidationError):
            model.model_validate({"limit": 101})


def test_search_body_amounts_are_integers():
    assert rs.ReceivablesSearchRequest.model_validate({"total_amount__gte": 100}).total_amount__gte == 100
    for bad in ("100", 100.5, True):
        with pytest.raises(ValidationError):
            rs.ReceivablesSearchRequest.model_validate({"total_amount__gte": bad})
    with pytest.raises(ValidationError):
        rs.ReceivablesSearchRequest.model_validate({"colour": "red"})


# -- 2. create dispatch, update wrappers and the body-level rules -------------------------------

CREATE = TypeAdapter(rs.ReceivableFacadeCreatePayload)
UPDATE = TypeAdapter(rs.ReceivableUpdatePayload)
U = [str(uuid.UUID(int=i)) for i in range(1, 20)]


def _locs(adapter: TypeAdapter[Any], body: Any) -> list[tuple[Any, ...]]:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(body)
    return [tuple(error["loc"]) for error in caught.value.errors()]


def _line(**overrides: Any) -> dict[str, Any]:
    return {"product_id": U[5], "quantity": 2, "vat_rate_id": U[6], **overrides}


def _inline_line(**overrides: Any) -> dict[str, Any]:
    product = {"name": "Consulting hour", "price": {"currency": "EUR", "value": 12000}}
    return {"product": product, "quantity": 1.5, "tax_rate_value": 1900, **overrides}


def _invoice(**overrides: Any) -> dict[str, Any]:
    body = {"type": "invoice", "counterpart_id": U[1], "counterpart_billing_address_id": U[2], "currency": "EUR",
            "line_items": [_line()]}
    return {**body, **overrides}


def _quote(**overrides: Any) -> dict[str, Any]:
    return {**_invoice(type="quote"), **overrides}


@pytest.mark.parametrize(
    "body, shape",
    [
        (_invoice(), rs.ReceivableFacadeCreateInvoicePayload),
        (_invoice(line_items=[]), rs.ReceivableFacadeCreateInvoicePayload),  # a draft may have no lines yet
        (_quote(expiry_date="2024-07-01", signature_required=True), rs.ReceivableFacadeCreateQuotePayload),
        ({"type": "credit_note", "based_on": U[3]}, rs.ReceivableCreateBasedOnPayload),
        ({"type": "invoice", "based_on": U[3], "tag_ids": [U[4]]}, rs.ReceivableCreateBasedOnPayload),
    ],
)
def test_create_dispatch_picks_the_shape(body: dict[str, Any], shape: type[BaseModel]):
    parsed = CREATE.validate_python(body)
    assert type(parsed) is shape
    assert parsed.tag_ids == [uuid.UUID(t) for t in body.get("tag_ids", [])]


@pytest.mark.parametrize(
    "body, locs",
    [
        ({k: v for k, v in _invoice().items() if k != "type"}, [("type",)]),  # no type, no based_on
        (_invoice(type="credit_note"), [("type",)]),  # a credit note needs based_on
        (_invoice(type="receipt"), [("type",)]),
        ({"type": "credit_note", "based_on": U[3], "counterpart_id": U[1]}, [("counterpart_id",)]),
        ({"type": "quote", "based_on": U[3]}, [("type",)]),  # based-on makes invoices and credit notes
        ({"type": "invoice", "based_on": None}, [("based_on",)]),  # the key decides, its value is then checked
        (_invoice(expiry_date="2024-07-01"), [("expiry_date",)]),  # a quote field in an invoice
        (_quote(payment_terms_id=U[7]), [("payment_terms_id",)]),  # an invoice field in a quote
        ({k: v for k, v in _invoice().items() if k != "line_items"}, [("line_items",)]),
        (_invoice(line_items=[_inline_line(product={"name": "x", "price": {"currency": "EUR", "value": 1}, "colour": "red"})]),
         [("line_items", 0, "product", "colour")]),
        (_invoice(payment_terms={"term_final": {"number_of_days": 30}}, payment_terms_id=U[7]), [("payment_terms_id",)]),
        ([_invoice()], [()]),
    ],
)
def test_create_dispatch_refuses(body: Any, locs: list[tuple[Any, ...]]):
    assert _locs(CREATE, body) == locs


async def test_create_errors_are_fastapi_422s_at_the_field():
    app = FastAPI()

    @app.post("/receivables")
    async def create(payload: rs.ReceivableFacadeCreatePayload) -> dict[str, str]:
        return {"shape": type(payload).__name__}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit.test") as client:
        ok = await client.post("/receivables", json=_quote())
        bad = await client.post("/receivables", json=_invoice(expiry_date="2024-07-01"))
    assert ok.json() == {"shape": "ReceivableFacadeCreateQuotePayload"}
    assert bad.status_code == 422
    assert [e["loc"] for e in bad.json()["detail"]] == [["body", "expiry_date"]]
    schema = app.openapi()["paths"]["/receivables"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert [ref["$ref"].rsplit("/", 1)[-1] for ref in schema["anyOf"]] == [
        "ReceivableFacadeCreateQuotePayload", "ReceivableFacadeCreateInvoicePayload", "ReceivableCreateBasedOnPayload"
    ]


@pytest.mark.parametrize(
    "terms, locs",
    [
        ({"term_1": {"number_of_days": 10, "discount": 200}, "term_2": {"number_of_days": 20, "discount": 100},
          "term_final": {"number_of_days": 30}}, []),
        ({"term_final": {"number_of_days": 0}}, []),
        ({"term_2": {"number_of_days": 20, "discount": 100}, "term_final": {"number_of_days": 30}}, [("term_2",)]),
        ({"term_1": {"number_of_days": 30, "discount": 200}, "term_final": {"number_of_days": 30}}, [("term_final",)]),
        ({"term_1": {"number_of_days": 10, "discount": 200}, "term_2": {"number_of_days": 5, "discount": 100},
          "term_final": {"number_of_days": 30}}, [("term_2",)]),
        ({"term_1": {"end_date": "2024-07-01", "discount": 200}, "term_final": {"number_of_days": 30}}, [("term_1",)]),
        ({"term_final": {"end_date": "2024-07-01"}}, [("term_final",)]),
        ({"term_1": {"number_of_days": 10, "discount": 10001}, "term_final": {"number_of_days": 30}},
         [("term_1", "discount")]),
        ({"term_1": {"number_of_days": 10}, "term_final": {"number_of_days": 30}}, [("term_1", "discount")]),
        ({}, [("term_final",)]),
    ],
)
def test_inline_payment_terms_fall_due_in_order(terms: dict[str, Any], locs: list[tuple[Any, ...]]):
    body = _invoice(payment_terms=terms)
    if not locs:
        CREATE.validate_python(body)
    else:
        assert _locs(CREATE, body) == [("payment_terms", *loc) for loc in locs]


@pytest.mark.parametrize(
    "line, loc",
    [
        (_line(product=_inline_line()["product"]), ("line_items", 0, "product_id")),  # both
        ({"quantity": 1, "vat_rate_id": U[6]}, ("line_items", 0, "product_id")),  # neither
        (_line(custom_vat_rate_id=U[8]), ("line_items", 0, "custom_vat_rate_id")),  # two rate kinds
        (_line(tax_rate_name="Reduced"), ("line_items", 0, "tax_rate_name")),  # a name without a value
        (_line(vat_rate_id=None), ("line_items", 0)),  # no rate on a taxed document
        (_inline_line(product={"name": "x", "price": {"currency": "USD", "value": 100}}),
         ("line_items", 0, "product", "price", "currency")),
        (_line(discount={"type": "percentage", "amount": 10001}), ("line_items", 0, "discount", "amount")),
        (_inline_line(discount={"type": "amount", "amount": 18001}), ("line_items", 0, "discount", "amount")),
        (_inline_line(product={"name": "x", "price": {"currency": "EUR", "value": 1}, "smallest_amount": 2}),
         ("line_items", 0, "quantity")),
        (_line(quantity="2"), ("line_items", 0, "quantity")),  # a number, not a string
        (_line(quantity=True), ("line_items", 0, "quantity")),
        (_line(quantity=-1), ("line_items", 0, "quantity")),
        (_line(quantity=2147483648), ("line_items", 0, "quantity")),
        (_inline_line(product={"name": "x", "price": {"currency": "EUR", "value": 100.5}}),
         ("line_items", 0, "product", "price", "value")),  # money is an integer
        (_inline_line(product={"name": "x", "price": {"currency": "EUR", "value": "100"}}),
         ("line_items", 0, "product", "price", "value")),
    ],
)
def test_line_item_rules(line: dict[str, Any], loc: tuple[Any, ...]):
    assert _locs(CREATE, _invoice(line_items=[line])) == [loc]


def test_line_items_that_pass():
    parsed = CREATE.validate_python(_invoice(line_items=[
        _inline_line(discount={"type": "amount", "amount": 18000}),  # exactly the line's price
        _line(discount={"type": "percentage", "amount": 10000}),
        _line(vat_rate_id=None, tax_rate_value=700, tax_rate_name="Reduced"),
    ]))
    assert parsed.line_items[0].quantity == Decimal("1.5")
    exempt = CREATE.validate_python(_invoice(vat_exempt=True, vat_exemption_rationale="Exempt medical services", line_items=[_line(vat_rate_id=None)]))
    assert exempt.line_items[0].tax_rate_fields == []


@pytest.mark.parametrize(
    "body, shape",
    [
        ({"invoice": {"memo": "Thanks", "discount": None}}, rs.UpdateInvoicePayload),
        ({"quote": {"payment_terms": {"term_final": {"number_of_days": 14}}}}, rs.UpdateQuotePayload),
        ({"credit_note": {"line_items": {U[5]: {"quantity": 1, "price_diff": 100, "old_price": 400}}}},
         rs.UpdateCreditNotePayload),
        ({"issued_invoice": {"entity": {"type": "individual", "first_name": "Ada", "last_name": "Lovelace"}}},
         rs.UpdateIssuedInvoicePayload),
        ({"invoice": {}}, rs.UpdateInvoicePayload),
    ],
)
def test_update_wrapper_picks_the_shape(body: dict[str, Any], shape: type[BaseModel]):
    assert type(UPDATE.validate_python(body)) is shape


@pytest.mark.parametrize(
    "body, locs",
    [
        ({}, [()]),  # no wrapper
        ({"invoice": {}, "quote": {}}, [()]),  # two wrappers
        ({"invoice": {}, "memo": "x"}, [("memo",)]),
        ({"memo": "x"}, [()]),
        ("invoice", [()]),
        ({"invoice": {"expiry_date": "2024-07-01"}}, [("invoice", "expiry_date")]),
        ({"invoice": {"currency": None}}, [("invoice", "currency")]),  # a document always has a currency
        ({"invoice": {"counterpart_id": U[1]}}, [("invoice", "counterpart_billing_address_id")]),
        ({"quote": {"payment_terms_id": U[7], "payment_terms": {"term_final": {"number_of_days": 1}}}},
         [("quote", "payment_terms_id")]),
        ({"invoice": {"line_items": [{"vat_rate_id": U[6], "tax_rate_value": 700}]}},
         [("invoice", "line_items", 0, "tax_rate_value")]),
        ({"credit_note": {"line_items": {"nope": {"quantity": 1}}}}, [("credit_note", "line_items", "nope", "[key]")]),
        ({"credit_note": {"line_items": {U[5]: {"quantity": 0}}}}, [("credit_note", "line_items", U[5], "quantity")]),
        ({"credit_note": {"line_items": {U[5]: {"quantity": 1, "price_diff": 0}}}},
         [("credit_note", "line_items", U[5], "price_diff")]),
        ({"credit_note": {"counterpart_id": U[1]}}, [("credit_note", "counterpart_id")]),
        ({"issued_invoice": {"entity": {"name": "Acme"}}}, [("issued_invoice", "entity")]),
        ({"issued_invoice": {"tag_ids": None}}, [("issued_invoice", "tag_ids")]),
    ],
)
def test_update_wrapper_refuses(body: Any, locs: list[tuple[Any, ...]]):
    assert _locs(UPDATE, body) == locs


def test_update_is_sparse():
    invoice = UPDATE.validate_python({"invoice": {"memo": "m", "discount": None, "counterpart_id": U[1],
                                                  "counterpart_billing_address_id": U[2]}}).invoice
    assert invoice.changes() == {"memo": "m", "discount": None, "counterpart_id": uuid.UUID(U[1]),
                                 "counterpart_billing_address_id": uuid.UUID(U[2])}
    issued = UPDATE.validate_python({"issued_invoice": {"memo": "m"}}).issued_invoice
    assert issued.changes() == {"memo": "m"}  # tags are left alone, not emptied


def test_line_items_replacement_is_closed():
    assert rs.UpdateLineItems.model_validate({"data": [_line(), _inline_line()]}).data[1].quantity == Decimal("1.5")
    with pytest.raises(ValidationError):
        rs.UpdateLineItems.model_validate({"data": [], "replace": True})


def _png_base64() -> str:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")
    return base64.b64encode(png).decode()


def test_action_bodies():
    signature = {"email": "ada@example.com", "full_name": "Ada Lovelace", "signature_image": _png_base64()}
    assert rs.QuoteAcceptRequest.model_validate({"signature": signature}).signature
    assert rs.QuoteAcceptRequest.model_validate({}).signature is None
    for image in ("not base64 at all, not at all, no", base64.b64encode(b"GIF89a" + b"\0" * 40).decode()):
        with pytest.raises(ValidationError):
            rs.QuoteAcceptRequest.model_validate({"signature": {**signature, "signature_image": image}})
    preview = rs.ReceivablePreviewRequest.model_validate({"body_text": "Hi {counterpart_name}", "subject_text": "Invoice"})
    assert (preview.language, preview.type) == ("en", "receivable")
    for bad in ({"amount_paid": 0}, {"amount_paid": 10.0}, {}):
        with pytest.raises(ValidationError):
            rs.ReceivablePartiallyPaidPayload.model_validate(bad)
    paid = rs.ReceivablePaidPayload.model_validate({"paid_at": "2024-06-03T12:00:00+02:00"})
    assert paid.paid_at == datetime(2024, 6, 3, 10, tzinfo=UTC)
    with pytest.raises(ValidationError):
        rs.ReceivableSendTestReminderPayload.model_validate({"reminder_type": "term_3"})
    with pytest.raises(ValidationError):
        rs.ReceivableRejectPayload.model_validate({"rejection_reason_id": U[1], "rejection_reason_name": "Error"})


def test_bodies_read_from_their_json_text():
    raw = b'{"data": [{"product_id": "%s", "quantity": 0.10000000000000000001, "vat_rate_id": "%s"}]}' % (
        U[5].encode(), U[6].encode())
    assert rs.parse_json_body(rs.UpdateLineItems, raw).data[0].quantity == Decimal("0.10000000000000000001")
    assert rs.parse_json_body(rs.ReceivablePaidPayload, b"", empty_is_object=True) == rs.ReceivablePaidPayload()
    with pytest.raises(RequestValidationError) as caught:
        rs.parse_json_body(rs.ReceivablePartiallyPaidPayload, b'{"amount_paid": 100.0}')
    assert [e["loc"] for e in caught.value.errors()] == [("body", "amount_paid")]
    with pytest.raises(RequestValidationError) as caught:
        rs.parse_json_body(rs.ReceivableFacadeCreatePayload, json.dumps(_invoice(type="credit_note")))
    assert [e["loc"] for e in caught.value.errors()] == [("body", "type")]
    with pytest.raises(RequestValidationError) as caught:
        rs.parse_json_body(rs.ReceivableDeclinePayload, b'{"comment": ')
    assert caught.value.errors()[0]["type"] == "json_invalid"


# -- 3 and 4. the official SDK: what it sends parses, what remit sends it parses ----------------

NOW = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)
TAG = {"id": U[10], "created_at": NOW, "updated_at": NOW, "name": "Q3", "category": "project",
       "description": "Third quarter", "created_by_entity_user_id": U[11]}
ADDRESS = {"id": U[12], "city": "Berlin", "country": "DE", "line1": "Unter den Linden 1", "line2": "Hof",
           "postal_code": "10117", "state": "BE"}


def _response_item(price: int, quantity: str, rate: int, discount: dict[str, Any] | None, net: int, gross: int) -> dict[str, Any]:
    return {
        "discount": discount,
        "quantity": Decimal(quantity),
        "total_before_vat": net,
        "total_after_vat": gross,
        "product": {
            "id": str(uuid.uuid4()), "name": "Consulting hour", "description": "On site", "external_reference": "C-1",
            "is_inline": True, "ledger_account_id": U[13], "accounting_tax_rate_id": U[14],
            "measure_unit": {"id": U[15], "name": "hour", "description": "60 minutes"},
            "price": {"currency": "EUR", "value": price},
            "price_after_vat": {"currency": "EUR", "value": price * (10000 + rate) // 10000},
            "smallest_amount": Decimal("0.5"), "type": "service",
            "vat_rate": {"id": U[16], "country": "DE", "value": rate, "name": f"DE {rate}", "is_custom": False,
                         "components": [{"name": "VAT", "value": Decimal(rate)}]},
        },
    }


def _document(**overrides: Any) -> dict[str, Any]:
    """Every field of a receivable set, as remit's services would hand it to the response model."""
    body = {
        "id": str(uuid.uuid4()), "created_at": NOW, "updated_at": NOW, "currency": "EUR",
        "attachments": [{"id": U[17], "include_in_email": True, "mimetype": "application/pdf", "name": "terms.pdf",
                         "size": 2048, "url": "https://files.remit.test/terms.pdf"}],
        "based_on": U[18], "based_on_document_id": "Q-00001", "commercial_condition_description": "Net 30",
        "counterpart_billing_address": ADDRESS, "counterpart_business_type": "GmbH",
        "counterpart_contact": {"address": ADDRESS, "email": "mia@acme.example", "first_name": "Mia", "last_name": "Acme",
                                "phone": "+49 30 1", "title": "Dr."},
        "counterpart_external_reference": "CRM-7", "counterpart_id": U[1], "counterpart_name": "Acme GmbH",
        "counterpart_shipping_address": ADDRESS, "counterpart_tax_id": "DE-TAX-1", "counterpart_type": "organization",
        "counterpart_vat_id": {"id": U[2], "counterpart_id": U[1], "country": "DE", "type": "eu_vat", "value": "DE123456789"},
        "deduction_amount": 0, "deduction_memo": "none", "discount": {"amount": 1000, "type": "percentage", "value": 695},
        "discounted_subtotal": 6252, "document_id": "INV-00001",
        "document_rendering": {"display_line_items": True, "line_items": {"vat_amount": {"display": False}}},
        "due_date": date(2024, 7, 3), "einvoice_file_url": None,
        "entity": {"type": "organization", "name": "Remit Test GmbH", "email": "billing@remit.example",
                   "logo": "https://remit.example/logo.png", "phone": "+49 30 2", "registration_authority": "AG Berlin",
                   "registration_number": "HRB 1", "tax_id": "DE-TAX-2", "vat_id": "DE987654321",
                   "website": "https://remit.test"},
        "entity_address": {"city": "Berlin", "country": "DE", "line1": "Friedrichstr. 1", "line2": None,
                           "postal_code": "10117", "state": None},
        "entity_bank_account": {"id": U[3], "account_holder_name": "Remit Test GmbH", "account_number": None,
                                "bank_name": "Bank", "bic": "COBADEFFXXX", "iban": "DE89370400440532013000",
                                "routing_number": None, "sort_code": None},
        "entity_user_id": U[4], "entity_vat_id": {"id": U[5], "country": "DE", "entity_id": U[6], "type": "eu_vat",
                                                  "value": "DE987654321"},
        "file_language": "de", "file_url": "https://remit.test/files/a.pdf", "footer": "Thank you",
        "issue_date": NOW,
        "line_items": [_response_item(1999, "3", 1900, None, 5997, 7136),
                       _response_item(1000, "1", 700, {"type": "percentage", "amount": 500}, 950, 1017)],
        "memo": "June", "original_file_language": "en", "original_file_url": "https://remit.test/files/b.pdf",
        "partner_metadata": {"crm": {"id": 7}}, "project_id": U[7], "subtotal": 6947, "subtotal_after_vat": 8153,
        "tags": [TAG], "total_amount": 7337, "total_vat_amount": 1085,
        "total_vat_amounts": [
            {"id": U[16], "amount": 1025, "taxable_amount": 5397, "value": 1900, "name": "DE 1900",
             "components": [{"name": "VAT", "value": Decimal("1900"), "amount": 1025}]},
            {"id": None, "amount": 60, "taxable_amount": 855, "value": 700, "name": "Reduced", "components": None},
        ],
        "total_withholding_tax": None, "trade_name": "Remit", "vat_exempt": False, "vat_exemption_rationale": None,
        "vat_inclusive_discount_mode": "exclusive", "vat_mode": "exclusive", "withholding_tax_rate": None,
    }
    return {**body, **overrides}


def _invoice_response(**overrides: Any) -> rs.InvoiceResponsePayload:
    return rs.InvoiceResponsePayload.model_validate(_document(**{
        "type": "invoice", "status": "issued", "amount_due": 7337, "amount_paid": 0, "amount_to_pay": 7190,
        "comment": None, "counterpart_einvoicing_credentials": {"id": U[8], "network_identifier": "X1",
                                                               "network_schema": "DE:VAT"},
        "einvoice_error_comment": None, "fulfillment_date": date(2024, 6, 3), "is_einvoice": False,
        "network_credentials": None, "overdue_reminder_id": U[9], "paid_at": None,
        "payment_page_url": "https://pay.remit.test/inv-1", "payment_reminder_id": U[10],
        "payment_terms": {"id": U[11], "name": "2/10 net 30", "description": None,
                          "term_1": {"number_of_days": 10, "discount": 200, "end_date": date(2024, 6, 13)},
                          "term_2": None, "term_final": {"number_of_days": 30, "end_date": date(2024, 7, 3)}},
        "purchase_order": "PO-42", "recurrence_id": None,
        "related_documents": {"credit_note_ids": [], "proforma_invoice_id": None},
        "total_amount_with_credit_notes": 7337, **overrides,
    }))


def _wire(model: BaseModel | list[Any] | Any, schema: Any = None) -> Any:
    """What remit writes: the response model's JSON (as FastAPI's response_model does)."""
    return json.loads(TypeAdapter(schema or type(model)).dump_json(model))


def test_a_full_invoice_is_every_field_of_monites_and_the_sdk_parses_it():
    invoice = _invoice_response()
    wire = _wire(invoice)
    assert set(wire) == set(COMPONENTS["InvoiceResponsePayload"]["properties"])  # no extension fields
    assert wire["line_items"][0]["quantity"] == 3 and wire["line_items"][0]["product"]["smallest_amount"] == 0.5
    assert wire["total_vat_amounts"][0]["components"][0]["value"] == 1900
    parsed = parse_obj_as(sdk.InvoiceResponsePayload, wire)
    assert (parsed.amount_due, parsed.total_vat_amount, parsed.status) == (7337, 1085, "issued")
    assert parsed.entity.type == "organization" and parsed.payment_terms.term1.end_date == "2024-06-13"
    as_union = parse_obj_as(sdk.ReceivableResponse, wire)
    assert isinstance(as_union, sdk.ReceivableResponse_Invoice)
    assert as_union.line_items[1].quantity == 1.0 and as_union.tags[0].name == "Q3"
    assert TypeAdapter(rs.ReceivableResponse).validate_python(wire) == invoice  # and remit reads it back


def test_a_minimal_invoice_sends_nulls_and_empty_tags():
    minimal = rs.InvoiceResponsePayload(
        id=uuid.uuid4(), created_at=NOW, updated_at=NOW, status=rs.ReceivablesStatusEnum.draft, currency="EUR",
        counterpart_id=uuid.uuid4(), counterpart_type="individual",
        entity=rs.ReceivableEntityIndividual(first_name="Ada", last_name="Lovelace"),
        entity_address=rs.ReceivableEntityAddressSchema(city="Berlin", line1="A 1", postal_code="10117"),
        file_language="en", original_file_language="en", line_items=[], total_vat_amount=0,
        amount_due=0, amount_paid=0, total_amount_with_credit_notes=0, related_documents=rs.RelatedDocuments(),
    )
    wire = _wire(minimal)
    assert set(wire) == set(COMPONENTS["InvoiceResponsePayload"]["properties"])
    assert wire["tags"] == [] and wire["document_id"] is None and wire["discount"] is None
    assert wire["entity_address"]["country"] == "DE" and wire["related_documents"] == {"credit_note_ids": [],
                                                                                       "proforma_invoice_id": None}
    assert wire["total_amount"] == 0 and wire["vat_mode"] == "exclusive" and wire["is_einvoice"] is False
    assert parse_obj_as(sdk.ReceivableResponse, wire).entity.last_name == "Lovelace"


def test_required_response_fields_are_never_null_and_money_is_an_integer():
    with pytest.raises(ValidationError):
        _invoice_response(amount_due=None)
    with pytest.raises(ValidationError):
        _invoice_response(total_vat_amount=1085.0)
    with pytest.raises(ValidationError):
        _invoice_response(tags=None)


def test_rejected_invoices_carry_the_extension_and_the_sdk_still_parses_them():
    reason = {"id": U[12], "name": "Reject Due to Error", "alternative_code": "RDTE", "description": None}
    rejected = _wire(_invoice_response(status="rejected", amount_due=0, amount_to_pay=0, rejection_reason=reason,
                                       rejected_at=NOW, document_id=None))
    assert rejected["rejection_reason"] == reason and rejected["rejected_at"] == "2024-06-03T10:00:00Z"
    # The wire form of a rejected invoice always states its reason, null when none applied.
    no_reason = _wire(_invoice_response(status="rejected", rejection_reason=None, rejected_at=NOW))
    assert no_reason["rejection_reason"] is None  # rejected without a reason: present, null
    assert not {"rejection_reason", "rejected_at"} & set(_wire(_invoice_response(status="issued")))
    parsed = parse_obj_as(sdk.ReceivableResponse, rejected)
    assert parsed.status == "rejected" and parsed.amount_due == 0
    assert TypeAdapter(rs.ReceivableResponse).validate_python(rejected).rejection_reason.name == "Reject Due to Error"


def _quote_response() -> rs.QuoteResponsePayload:
    return rs.QuoteResponsePayload.model_validate(_document(
        type="quote", status="issued", comment=None, expiry_date=date(2024, 7, 1),
        quote_accept_page_url="https://accept.remit.test/q-1", signature_required=True, document_id="Q-00001"))


def _credit_note_response() -> rs.CreditNoteResponsePayload:
    return rs.CreditNoteResponsePayload.model_validate(_document(
        type="credit_note", status="draft", document_id=None, counterpart_einvoicing_credentials=None,
        einvoice_error_comment=None, is_einvoice=False, network_credentials=None, purchase_order="PO-42"))


@pytest.mark.parametrize(
    "build, sdk_class, component",
    [(_quote_response, "ReceivableResponse_Quote", "QuoteResponsePayload"),
     (_credit_note_response, "ReceivableResponse_CreditNote", "CreditNoteResponsePayload")],
)
def test_quotes_and_credit_notes_parse_in_the_sdks_union(build: Callable[[], BaseModel], sdk_class: str, component: str):
    wire = _wire(build())
    assert set(wire) == set(COMPONENTS[component]["properties"])
    assert type(parse_obj_as(sdk.ReceivableResponse, wire)).__name__ == sdk_class


def test_a_page_of_receivables_parses_in_the_sdk():
    page = rs.ReceivablePaginationResponse(data=[_quote_response(), _invoice_response(), _credit_note_response()],
                                           next_pagination_token="abc")
    wire = _wire(page)
    assert [item["type"] for item in wire["data"]] == ["quote", "invoice", "credit_note"]
    assert wire["prev_pagination_token"] is None
    parsed = parse_obj_as(sdk.ReceivablePaginationResponse, wire)
    assert [type(item).__name__ for item in parsed.data] == [
        "ReceivableResponse_Quote", "ReceivableResponse_Invoice", "ReceivableResponse_CreditNote"]


def test_history_records_take_the_shape_of_their_event():
    changed = rs.ReceivableHistoryResponse.model_validate({
        "id": U[1], "receivable_id": U[2], "timestamp": NOW, "event_type": "status_changed",
        "event_data": {"old_status": "draft", "new_status": "rejected"}, "entity_user_id": None,
        "current_pdf_url": "https://remit.test/files/c.pdf"})
    created = rs.ReceivableHistoryResponse.model_validate({
        "id": U[3], "receivable_id": U[2], "timestamp": NOW, "event_type": "receivable_created", "event_data": {}})
    paid = rs.ReceivableHistoryResponse.model_validate({
        "id": U[4], "receivable_id": U[2], "timestamp": NOW, "event_type": "payment_received",
        "event_data": {"amount_paid": 2000, "amount_due": 5337, "comment": None}})
    assert type(created.event_data) is rs.ReceivableCreatedEventData
    assert type(paid.event_data) is rs.PaymentReceivedEventData
    with pytest.raises(ValidationError):  # a mail record's data under a status change
        rs.ReceivableHistoryResponse.model_validate({**changed.model_dump(), "event_data": {"mail_id": U[5]}})
    wire = _wire(rs.ReceivableHistoryPaginationResponse(data=[changed, created, paid]))
    parsed = parse_obj_as(sdk.ReceivableHistoryPaginationResponse, wire)
    assert parsed.data[0].event_data.new_status == "rejected" and parsed.data[2].event_data.amount_due == 5337


def test_the_other_results_parse_in_the_sdk():
    recipients = {"to": [{"email": "mia@acme.example", "is_success": True, "error": None}], "cc": [], "bcc": None}
    results: list[tuple[BaseModel, Any]] = [
        (rs.ReceivableMailResponse(id=uuid.uuid4(), created_at=NOW, updated_at=NOW, status="sent",
                                   recipients=recipients), sdk.ReceivableMailResponse),
        (rs.ReceivablesVerifyResponse(errors=rs.MissingFields(
            counterpart=["vat_id"], products=[rs.MissingLineItemFields(line_item_number=1, missing_fields=["vat_rate"])])),
         sdk.ReceivablesVerifyResponse),
        (rs.ReceivableRequiredFields(
            counterpart={"tax_id": {"required": False, "description": "-"}, "vat_id": {"required": True, "description": "EU"}},
            entity={"tax_id": {"required": False, "description": "-"}, "vat_id": {"required": True, "description": "VAT"}},
            line_item={"measure_unit": {"required": False, "description": "-"},
                       "tax_rate_value": {"required": False, "description": "-"},
                       "vat_rate_id": {"required": True, "description": "DE"}}), sdk.ReceivableRequiredFields),
        (rs.ReceivableTemplatesVariablesObjectList(data=[{"object_type": "receivable", "object_subtype": "invoice",
                                                          "variables": [{"name": "{amount_due}", "description": "Due"}]}]),
         sdk.ReceivableTemplatesVariablesObjectList),
        (rs.ReceivableFileUrl(file_url="https://remit.test/f.pdf"), sdk.ReceivableFileUrl),
        (rs.ReceivablesSendResponse(mail_ids=[uuid.uuid4()]), sdk.ReceivablesSendResponse),
        (rs.SuccessResult(), sdk.SuccessResult),
    ]
    for model, sdk_type in results:
        wire = _wire(model)
        assert set(wire) == set(COMPONENTS[type(model).__name__]["properties"])
        parse_obj_as(sdk_type, wire)
    assert _wire(rs.ReceivablesVerifyResponse())["errors"]["vat_rates"] == []


# Bodies the SDK sends, captured from its HTTP client; the answers are remit's models.

def _answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path.removeprefix("/v1")
    invoice = _wire(_invoice_response())
    if path.endswith(("/accept", "/decline")):
        return httpx.Response(200, json={"success": True})
    if path.endswith("/line_items"):
        return httpx.Response(200, json={"data": invoice["line_items"]})
    if path.endswith("/preview"):
        return httpx.Response(201, json={"body_preview": "Hi Acme", "subject_preview": "Invoice INV-00001"})
    if path.endswith("/send"):
        return httpx.Response(200, json={"mail_id": U[9]})
    if path.endswith("/send_test_reminder"):
        return httpx.Response(200, json={"mail_ids": [U[9]]})
    if path.endswith(("/history", "/mails")) or path in ("/receivables/search",) or (
            path == "/receivables" and request.method == "GET"):
        return httpx.Response(200, json={"data": [], "next_pagination_token": None, "prev_pagination_token": None})
    if path == "/receivables/required_fields":
        return httpx.Response(200, json=_wire(rs.ReceivableRequiredFields.model_validate({
            area: {name: {"required": False, "description": "-"} for name in names}
            for area, names in (("counterpart", ("tax_id", "vat_id")), ("entity", ("tax_id", "vat_id")),
                                ("line_item", ("measure_unit", "tax_rate_value", "vat_rate_id")))})))
    return httpx.Response(201 if request.method == "POST" else 200, json=invoice)


@pytest.fixture
def sdk_client() -> tuple[Monite, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return _answer(request)

    client = Monite(base_url="http://remit.test/v1", monite_version="2024-05-25", monite_entity_id=U[0], token="t",
                    httpx_client=httpx.Client(transport=httpx.MockTransport(handler)))
    return client, sent


def _operation_of(request: httpx.Request) -> str:
    path = request.url.path.removeprefix("/v1")
    for key in OPERATIONS:
        method, template = key.split(" ", 1)
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", template)
        if method == request.method and re.fullmatch(pattern, path) and not (
                "{" in template and path.rsplit("/", 1)[-1] in ("search", "required_fields", "variables")):
            return key
    raise AssertionError(f"no operation for {request.method} {path}")


def _parse_sent(request: httpx.Request) -> Any:
    """The request body as the endpoint will read it: the operation's schema, from the JSON text."""
    component = OPERATIONS[_operation_of(request)]["request"]["$ref"].rsplit("/", 1)[-1]
    return rs.parse_json_body(getattr(rs, component), request.content, empty_is_object=True)


def _parse_query(model: type[BaseModel], request: httpx.Request) -> Any:
    values: dict[str, Any] = {}
    for key, value in request.url.params.multi_items():
        if any(get_origin(arg) is list for arg in _flatten(model.model_fields[key].annotation)):
            values.setdefault(key, []).append(value)  # repeated keys make a list, as FastAPI reads them
        else:
            values[key] = value
    return model.model_validate(values)


def test_the_sdks_create_bodies_parse(sdk_client: tuple[Monite, list[httpx.Request]]):
    client, sent = sdk_client
    client.receivables.create(request=sdk.ReceivableFacadeCreateInvoicePayload(
        type="invoice", counterpart_id=U[1], counterpart_billing_address_id=U[2], currency="EUR",
        line_items=[
            sdk.LineItem(quantity=1.5, tax_rate_value=1900, tax_rate_name="Standard",
                         discount=sdk.Discount(amount=500, type="percentage"),
                         product=sdk.LineItemProductCreate(name="Consulting hour", price=sdk.Price(currency="EUR", value=12000),
                                                           measure_unit=sdk.UnitRequest(name="hour"), smallest_amount=0.5,
                                                           type="service")),
            sdk.LineItem(quantity=3, product_id=U[5], vat_rate_id=U[6]),
        ],
        discount=sdk.Discount(amount=1000, type="percentage"), deduction_amount=0, tag_ids=[U[10]],
        payment_terms=sdk.InlinePaymentTermsRequestPayload(term_1=sdk.InlineTermDiscount(discount=200, number_of_days=10),
                                                           term_final=sdk.InlineTermFinal(number_of_days=30)),
        entity=sdk.ReceivableEntityBase(email="billing@remit.example", website="https://remit.test"),
        attachments=[sdk.AttachmentRequest(id=U[17], include_in_email=True)],
        document_rendering=sdk.DocumentRenderingSettings(display_line_items=True),
        fulfillment_date="2024-06-03", payment_page_url="https://pay.remit.test/1", partner_metadata={"crm": 7},
        vat_mode="exclusive", memo="June", purchase_order="PO-42"))
    client.receivables.create(request=sdk.ReceivableFacadeCreateQuotePayload(
        type="quote", counterpart_id=U[1], counterpart_billing_address_id=U[2], currency="EUR",
        line_items=[sdk.LineItem(quantity=2, product_id=U[5], vat_rate_id=U[6])], expiry_date="2024-07-01",
        quote_accept_page_url="https://accept.remit.test/1", signature_required=True))
    client.receivables.create(request=sdk.ReceivableCreateBasedOnPayload(based_on=U[3], type="credit_note"))
    invoice, quote, credit_note = (_parse_sent(r) for r in sent)
    assert type(invoice) is rs.ReceivableFacadeCreateInvoicePayload
    assert invoice.line_items[0].quantity == Decimal("1.5") and invoice.line_items[0].product.smallest_amount == Decimal("0.5")
    assert invoice.payment_terms.term_1.number_of_days == 10 and invoice.tag_ids == [uuid.UUID(U[10])]
    assert type(quote) is rs.ReceivableFacadeCreateQuotePayload and quote.expiry_date == date(2024, 7, 1)
    assert type(credit_note) is rs.ReceivableCreateBasedOnPayload and credit_note.type == "credit_note"


def test_the_sdks_update_bodies_parse(sdk_client: tuple[Monite, list[httpx.Request]]):
    client, sent = sdk_client
    receivables = client.receivables
    receivables.update_by_id(U[1], request=sdk.UpdateInvoicePayload(invoice=sdk.UpdateInvoice(
        memo="m", counterpart_id=U[1], counterpart_billing_address_id=U[2],
        line_items=[sdk.LineItemUpdate(quantity=4, price=1500, discount=sdk.Discount(amount=100, type="amount"))])))
    receivables.update_by_id(U[1], request=sdk.UpdateQuotePayload(quote=sdk.UpdateQuote(
        expiry_date="2024-08-01", payment_terms_id=U[7])))
    receivables.update_by_id(U[1], request=sdk.UpdateCreditNotePayload(credit_note=sdk.UpdateCreditNote(
        line_items={U[5]: sdk.UpdateProductForCreditNote(quantity=5, price_diff=100, old_price=400)})))
    receivables.update_by_id(U[1], request=sdk.UpdateIssuedInvoicePayload(issued_invoice=sdk.UpdateIssuedInvoice(
        memo="m", tag_ids=[U[10]], entity=sdk.UpdateIssuedInvoiceEntity_Organization(name="Remit Test GmbH"),
        entity_address=sdk.ReceivableEntityAddressSchema(city="Berlin", line1="Friedrichstr. 1", postal_code="10117"),
        issue_date=NOW)))
    receivables.update_line_items_by_id(U[1], data=[sdk.LineItem(quantity=1, product_id=U[5], vat_rate_id=U[6])])
    invoice, quote, credit_note, issued, lines = (_parse_sent(r) for r in sent)
    assert invoice.invoice.line_items[0].price == 1500 and invoice.invoice.line_items[0].quantity == 4
    assert quote.quote.changes() == {"expiry_date": date(2024, 8, 1), "payment_terms_id": uuid.UUID(U[7])}
    assert credit_note.credit_note.line_items.root[uuid.UUID(U[5])].price_diff == 100
    assert type(issued.issued_invoice.entity) is rs.ReceivableEntityOrganizationRequest
    assert issued.issued_invoice.issue_date == NOW
    assert type(lines) is rs.UpdateLineItems


def test_the_sdks_action_bodies_parse(sdk_client: tuple[Monite, list[httpx.Request]]):
    client, sent = sdk_client
    receivables = client.receivables
    receivables.accept_by_id(U[1], signature=sdk.Signature(email="ada@example.com", full_name="Ada Lovelace",
                                                            signature_image=_png_base64()))
    receivables.accept_by_id(U[1])
    receivables.decline_by_id(U[1], comment="Too expensive")
    receivables.mark_as_paid_by_id(U[1], paid_at=NOW, comment="Wire")
    receivables.mark_as_paid_by_id(U[1])
    receivables.mark_as_partially_paid_by_id(U[1], amount_paid=2000)
    receivables.mark_as_uncollectible_by_id(U[1])
    receivables.preview_by_id(U[1], body_text="Hi {counterpart_name}", subject_text="Invoice", language="de")
    receivables.send_by_id(U[1], body_text="Hi", subject_text="Invoice",
                           recipients=sdk.Recipients(to=["mia@acme.example"], cc=["ops@acme.example"]))
    receivables.send_test_reminder_by_id(U[1], reminder_type="term_1")
    parsed = [_parse_sent(r) for r in sent]
    assert [type(p).__name__ for p in parsed] == [
        "QuoteAcceptRequest", "QuoteAcceptRequest", "ReceivableDeclinePayload", "ReceivablePaidPayload",
        "ReceivablePaidPayload", "ReceivablePartiallyPaidPayload", "ReceivableUncollectiblePayload",
        "ReceivablePreviewRequest", "ReceivableSendRequest", "ReceivableSendTestReminderPayload"]
    assert sent[1].content == b"" and parsed[1].signature is None  # no body at all when nothing is given
    assert parsed[3].paid_at == NOW and parsed[5].amount_paid == 2000 and parsed[8].recipients.cc == ["ops@acme.example"]


def test_the_sdks_list_queries_and_search_body_parse(sdk_client: tuple[Monite, list[httpx.Request]]):
    client, sent = sdk_client
    receivables = client.receivables
    receivables.get(limit=250, order="desc", sort="discounted_subtotal", status_in=["draft", "rejected"],
                    id_in=[U[1], U[2]], tag_ids=[U[10]], type="invoice", issue_date_gte=NOW,
                    counterpart_name_icontains="acme", total_amount_gte=100, due_date_lte="2024-07-31", based_on=U[3])
    receivables.post_receivables_search(limit=10, sort="created_at", status_in=["overdue", "rejected"],
                                        tag_ids_in=[U[10]], created_at_gte=NOW, due_date_gte="2024-06-01",
                                        discounted_subtotal_lt=100000, document_id_contains="INV")
    receivables.get_history(U[1], event_type_in=["status_changed", "payment_received"], timestamp_gte=NOW, limit=100)
    receivables.get_mails(U[1], status_in=["sent", "failed"], sort="created_at")
    receivables.get_receivables_required_fields(counterpart_country="FR", counterpart_type="organization")
    listed, searched, history, mails, required = sent
    query = _parse_query(rs.ReceivableListQuery, listed)
    assert query.limit == 250 and query.status__in == ["draft", "rejected"] and query.issue_date__gte == NOW
    assert query.due_date__lte == date(2024, 7, 31) and query.id__in == [uuid.UUID(U[1]), uuid.UUID(U[2])]
    search = _parse_sent(searched)
    assert type(search) is rs.ReceivablesSearchRequest and search.status__in == ["overdue", "rejected"]
    assert search.filters()["discounted_subtotal__lt"] == 100000 and search.created_at__gte == NOW
    assert _parse_query(rs.ReceivableHistoryListQuery, history).event_type__in == ["status_changed", "payment_received"]
    assert _parse_query(rs.ReceivableMailListQuery, mails).status__in == ["sent", "failed"]
    assert _parse_query(rs.ReceivableRequiredFieldsQuery, required).counterpart_country == "FR"


def test_the_sdk_reads_remits_answers_through_its_client(sdk_client: tuple[Monite, list[httpx.Request]]):
    client, _ = sdk_client
    fetched = client.receivables.get_by_id(U[1])
    assert isinstance(fetched, sdk.ReceivableResponse_Invoice) and fetched.total_amount == 7337
    assert client.receivables.update_line_items_by_id(U[1], data=[]).data[0].total_after_vat == 7136
    assert client.receivables.preview_by_id(U[1], body_text="x", subject_text="y").subject_preview == "Invoice INV-00001"


def test_union_annotations_are_documented_as_monites():
    # The two request unions validate through a dispatch but still show Monite's anyOf.
    for name, members in (("ReceivableFacadeCreatePayload", 3), ("ReceivableUpdatePayload", 4)):
        schema = TypeAdapter(getattr(rs, name)).json_schema()
        assert [r["$ref"].rsplit("/", 1)[-1] for r in schema["anyOf"]] == [
            r["$ref"].rsplit("/", 1)[-1] for r in COMPONENTS[name]["anyOf"]]
        assert len(schema["anyOf"]) == members
    response = TypeAdapter(rs.ReceivableResponse).json_schema(mode="serialization")
    assert len(response["$defs"]["InvoiceResponsePayload"]["properties"]) == len(
        COMPONENTS["InvoiceResponsePayload"]["properties"]) + 2
