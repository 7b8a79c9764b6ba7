"""The error family and the handlers that render Monite's two error body shapes.

Shape A (every status but 422): ``{"error": {"message": ...}}``.
Shape B (422): FastAPI's ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import orjson
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from remit.core.responses import JSONResponse

log = logging.getLogger("remit")


class RemitError(Exception):
    status_code = 500
    message = "Server Error"

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None, **extra: Any):
        self.message = message or self.message
        self.headers = headers
        self.extra = extra
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, **self.extra}}


class BadRequest(RemitError):
    status_code = 400
    message = "Bad Request"


class Unauthorized(RemitError):
    status_code = 401
    message = "Unauthorized"


class Forbidden(RemitError):
    status_code = 403
    message = "Forbidden"


class NotFound(RemitError):
    status_code = 404
    message = "Not Found"


class Conflict(RemitError):
    status_code = 409
    message = "Conflict"


class TooManyRequests(RemitError):
    status_code = 429
    message = "API rate limit exceeded"


class FieldError(Exception):
    """A field found bad after parsing: rendered as a located 422, like request validation."""

    def __init__(self, loc: tuple[str | int, ...], msg: str, type_: str = "value_error"):
        self.errors = [{"loc": list(loc), "msg": msg, "type": type_}]
        super().__init__(msg)


def error_response(status_code: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"message": message, **extra}}, status_code=status_code, headers=headers)


def validation_response(errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": [_describable(error) for error in errors]}, status_code=422)


_HIDDEN = object()


def _describable(error: dict[str, Any]) -> dict[str, Any]:
    """A validation error as JSON text can carry it.

    The ``input`` is echoed as it was received when it can be written as JSON text, and left out
    when it cannot: the bytes of a body sent under another content type that are not UTF-8, text
    with unpaired surrogates (``"\\ud800"`` decodes to one). Monite's error schema does not
    promise an ``input``. Any other text (a key named in ``loc``, a message) keeps what it can.
    """
    described = {key: _text(value) for key, value in error.items() if key != "input"}
    if "input" in error and (echoed := _echoable(error["input"])) is not _HIDDEN:
        described["input"] = echoed
    return described


def _echoable(value: Any) -> Any:
    try:
        if isinstance(value, bytes | bytearray):
            return bytes(value).decode("utf-8")
        value = jsonable_encoder(value)
        # orjson takes nearly everything, refusing unpaired surrogates but also integers beyond
        # 64 bits, which json writes (and which JSONResponse falls back to json for).
        try:
            orjson.dumps(value)
        except orjson.JSONEncodeError:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeError, ValueError, TypeError, RecursionError):
        return _HIDDEN
    return value


def _text(value: Any) -> Any:
    """``value`` with any text in it made encodable as UTF-8 (an unpaired surrogate written as an
    escape, ``\\ud800``)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, list | tuple):
        return [_text(item) for item in value]
    if isinstance(value, dict):
        return {_text(key): _text(item) for key, item in value.items()}
    return jsonable_encoder(value)


async def _remit_error(request: Request, exc: RemitError) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    message = exc.detail if isinstance(exc.detail, str) else "HTTP error"
    return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = []
    for err in exc.errors():
        err = dict(err)
        ctx = err.get("ctx")
        if ctx:  # exception objects inside ctx are not JSON
            err["ctx"] = {k: (v if isinstance(v, str | int | float | bool | None) else str(v)) for k, v in ctx.items()}
        errors.append(err)
    return validation_response(errors)


async def _field_error(request: Request, exc: FieldError) -> JSONResponse:
    return validation_response(exc.errors)


async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
    # A unique or foreign-key violation that a service did not turn into a named error first:
    # the request conflicts with existing data; nothing was written (the transaction rolled back).
    log.warning("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
    return error_response(409, "The request conflicts with existing data")


async def _data_error(request: Request, exc: DataError) -> JSONResponse:
    # A value the database refuses to store or compare (a NUL character on PostgreSQL, say);
    # the transaction rolled back.
    log.warning("data error on %s %s: %s", request.method, request.url.path, exc.orig)
    return error_response(400, "The request contains a value that cannot be stored")


# PostgreSQL ends one of two transactions that wait on each other (deadlock_detected), or one it
# cannot order (serialization_failure); all of it is rolled back, and asking again may succeed.
CONCURRENCY_SQLSTATES = frozenset({"40P01", "40001"})


async def _operational_error(request: Request, exc: OperationalError) -> JSONResponse:
    if getattr(exc.orig, "sqlstate", None) in CONCURRENCY_SQLSTATES:
        log.warning("concurrent change on %s %s: %s", request.method, request.url.path, exc.orig)
        return error_response(409, "The request conflicted with a concurrent change and was not carried out; try again")
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    request_id = request.scope.get("state", {}).get("request_id")
    log.exception("unhandled error (request id %s)", request_id)
    return error_response(500, "Server Error")


E = TypeVar("E", bound=Exception)


def _handle(app: FastAPI, exc_class: type[E], handler: Callable[[Request, E], Awaitable[JSONResponse]]) -> None:
    # Starlette types every handler as taking any Exception, though it only calls a handler with
    # the class it was registered for; this checks that pairing instead.
    app.add_exception_handler(exc_class, handler)  # type: ignore[arg-type]


def install_error_handlers(app: FastAPI) -> None:
    _handle(app, RemitError, _remit_error)
    _handle(app, StarletteHTTPException, _http_error)
    _handle(app, RequestValidationError, _validation_error)
    _handle(app, FieldError, _field_error)
    _handle(app, IntegrityError, _integrity_error)
    _handle(app, DataError, _data_error)
    _handle(app, OperationalError, _operational_error)
    _handle(app, Exception, _unexpected)
