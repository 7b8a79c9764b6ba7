"""``/v1/compat/crm/...``: CRM.COM v4's ``invoices/reject`` and rejection-reason list (docs/compat-crm.md).

These routes parse their own bodies so that every refusal — a body that is not JSON, a missing
token, a permission, a state — answers in CRM.COM's envelope with a meaningful HTTP status. The
token may come in the body (or, for the list, the query); an ``Authorization`` header wins.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from sqlalchemy.exc import DataError
from starlette.responses import Response

from remit.auth.deps import Call, Output
from remit.compat.crm import service
from remit.compat.crm.envelope import CrmError, from_remit, invalid_identifier, invalid_request, ok, refused
from remit.core.errors import FieldError, RemitError

log = logging.getLogger("remit")
router = APIRouter(prefix="/v1/compat/crm", tags=["CRM.COM compatibility", "remit extensions"])
EXTENSION = {"x-remit-extension": True}
MAX_VALUE = 255  # identifier values
MAX_FIELDS_SET = 2000
MAX_TOKEN = 4096  # longer is no token remit issued

_ENVELOPE = {"description": "CRM.COM's envelope: `status` (`code`, `message`, `description`) and `data`",
             "content": {"application/json": {"schema": {"type": "object"}}}}
RESPONSES: dict[int | str, dict[str, Any]] = {code: _ENVELOPE for code in (400, 401, 403, 404, 409, 422, 500)}

_REJECT_BODY = {
    "type": "object",
    "required": ["invoice_identifier"],
    "properties": {
        "token": {"type": "string"},
        "invoice_identifier": {"type": "object", "description": "exactly one of id, number, reference_number, "
                                                                "back_office_code", "additionalProperties": {"type": "string"}},
        "rejection_reason_identifier": {"type": "object", "description": "exactly one of id, name, alternative_code",
                                        "additionalProperties": {"type": "string"}},
        "fields_set": {"type": "string", "description": "comma-separated names of the fields to return"},
    },
}


def _identifier(body: dict[str, Any], key: str, fields: tuple[str, ...]) -> tuple[str, str] | None:
    """``(field, value)`` of an identifier object: exactly one known field, a non-empty string."""
    given = body.get(key)
    if given is None:
        return None
    if not isinstance(given, dict):
        raise invalid_request(f"{key} must be an object")
    present = {name: value for name, value in given.items() if value is not None}
    unknown = sorted(set(present) - set(fields))
    if unknown:
        raise invalid_identifier(f"{key} has unknown fields: {', '.join(unknown)[:200]}; use one of {', '.join(fields)}")
    if len(present) != 1:
        raise invalid_identifier(f"{key} must have exactly one of {', '.join(fields)}")
    [(name, value)] = present.items()
    if not isinstance(value, str):
        raise invalid_request(f"{key}.{name} must be a string")
    if not value.strip() or len(value) > MAX_VALUE:
        raise invalid_identifier(f"{key}.{name} must be 1 to {MAX_VALUE} characters")
    if "\x00" in value:  # no stored identifier has one (PostgreSQL text cannot)
        raise invalid_identifier(f"{key}.{name} must not contain NUL characters")
    return name, value


def _text(value: Any, name: str, limit: int | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid_request(f"{name} must be a string")
    if limit is not None and len(value) > limit:
        raise invalid_request(f"{name} must be at most {limit} characters")
    return value


def _call(request: Request, token: str | None) -> Call:
    """The caller: the ``Authorization`` header, else the token given in the request."""
    scheme, _, header_token = (request.headers.get("authorization") or "").partition(" ")
    if header_token.strip():
        if scheme.lower() != "bearer":
            raise CrmError(401, "INVALID_TOKEN", "Unauthorized", "Use a Bearer token")
        token = header_token.strip()
    if not token:
        raise CrmError(401, "INVALID_TOKEN", "Unauthorized", "No token was given")
    if len(token) > MAX_TOKEN:
        raise CrmError(401, "INVALID_TOKEN", "Unauthorized", "The token is not valid")
    principal = request.app.state.codec.decode(token)
    raw_entity = request.headers.get("x-monite-entity-id")
    try:
        entity_id = uuid.UUID(raw_entity) if raw_entity is not None else None
    except ValueError:
        raise invalid_request("x-monite-entity-id must be a UUID") from None
    return Call(request.app.state.db, principal, entity_id, True, request.method != "GET", Output(None, 200),
                runtime=request.app.state.runtime)


async def _answer(work: Callable[[], Any]) -> Response:
    """Run the operation; any refusal becomes the envelope (the transaction rolled back)."""
    try:
        return ok(await work())
    except CrmError as error:
        return refused(error)
    except RemitError as error:
        return refused(from_remit(error), error.headers)
    except FieldError as error:
        return refused(invalid_request("; ".join(str(e["msg"]) for e in error.errors)))
    except DataError:  # a value the database cannot compare; the transaction rolled back
        return refused(invalid_request("The request contains a value that cannot be stored or compared"))
    except Exception:
        log.exception("unhandled error in a CRM.COM compatibility route")
        return refused(CrmError(500, "INTERNAL_ERROR", "Internal error"))


@router.post("/invoices/reject", responses=RESPONSES, openapi_extra={
    **EXTENSION, "requestBody": {"required": True, "content": {"application/json": {"schema": _REJECT_BODY}}},
}, description="CRM.COM v4 `invoices/reject`: reject a draft invoice, answering in CRM.COM's envelope.")
async def post_compat_crm_invoices_reject(request: Request) -> Response:
    async def work() -> Any:
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise invalid_request("The body is not valid JSON") from None
        if not isinstance(body, dict):
            raise invalid_request("The body must be a JSON object")
        token = _text(body.get("token"), "token", None)
        fields_set = _text(body.get("fields_set"), "fields_set", MAX_FIELDS_SET)
        if body.get("invoice_identifier") is None:
            raise invalid_request("invoice_identifier is required")
        invoice = _identifier(body, "invoice_identifier", service.INVOICE_FIELDS)
        reason = _identifier(body, "rejection_reason_identifier", service.REASON_FIELDS)
        return await _call(request, token).run(service.reject, invoice=invoice, reason=reason, fields_set=fields_set)

    return await _answer(work)


@router.get("/invoices/configuration/rejection_reasons/list", responses=RESPONSES, openapi_extra=EXTENSION,
            description="CRM.COM v4: the rejection reasons, as `{default, rejection_reason}` items.")
async def get_compat_crm_rejection_reasons(request: Request, fields_set: Annotated[str | None, Query()] = None,
                                           token: Annotated[str | None, Query()] = None) -> Response:
    async def work() -> Any:
        wanted = _text(fields_set, "fields_set", MAX_FIELDS_SET)
        return await _call(request, token).run(service.reasons, fields_set=wanted)

    return await _answer(work)
