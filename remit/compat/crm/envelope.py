"""CRM.COM's response envelope ``{status: {code, message, description}, data}``, its error codes
(docs/compat-crm.md, "Errors") and the JSON text of its amounts (exact decimals, never floats)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import Response

from remit.core.errors import RemitError


class CrmError(Exception):
    """A refusal in CRM.COM's terms: the HTTP status, ``status.code`` and its texts."""

    def __init__(self, http_status: int, code: str, message: str, description: str | None = None):
        super().__init__(message)
        self.http_status, self.code, self.message, self.description = http_status, code, message, description


def invalid_request(description: str) -> CrmError:
    return CrmError(422, "INVALID_REQUEST", "The request is not valid", description)


def invalid_identifier(description: str) -> CrmError:
    return CrmError(400, "INVALID_IDENTIFIER", "The identifier is not valid", description)


# remit's own refusals met on the way (authentication, tenancy, permissions, a document that a
# concurrent request deleted or moved), by HTTP status.
_BY_STATUS = {
    400: "INVALID_REQUEST", 401: "INVALID_TOKEN", 403: "NOT_ALLOWED", 404: "INVOICE_NOT_FOUND",
    409: "INVALID_LIFE_CYCLE_STATE", 422: "INVALID_REQUEST",
}


def from_remit(error: RemitError) -> CrmError:
    code = _BY_STATUS.get(error.status_code)
    if code is None:
        return CrmError(500, "INTERNAL_ERROR", "Internal error")
    return CrmError(error.status_code, code, error.message)


def _number(value: Decimal) -> orjson.Fragment:
    """A Decimal as a JSON number in its shortest exact form: 57.00 → ``57``, 57.50 → ``57.5``."""
    if not isinstance(value, Decimal):
        raise TypeError(f"{type(value).__name__} is not JSON serializable")
    return orjson.Fragment(format(value.normalize(), "f"))


def _response(status_code: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body, default=_number), status_code=status_code, media_type="application/json",
                    headers=headers)


def ok(data: Any) -> Response:
    return _response(200, {"status": {"code": "OK", "message": None, "description": None}, "data": data})


def refused(error: CrmError, headers: dict[str, str] | None = None) -> Response:
    status = {"code": error.code, "message": error.message, "description": error.description}
    return _response(error.http_status, {"status": status, "data": None}, headers)
