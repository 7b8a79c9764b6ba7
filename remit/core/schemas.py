"""Base classes for wire schemas (Monite's OpenAPI components)."""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AnyUrl,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    TypeAdapter,
)
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError, core_schema


def _in_utc(value: datetime) -> datetime:
    """A datetime from a request, in UTC; one without an offset is read as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError("Datetime is out of range once converted to UTC") from None


# Every datetime a request carries (bodies and filters): stored and compared as aware UTC.
RequestDatetime = Annotated[datetime, AfterValidator(_in_utc)]


@functools.lru_cache(maxsize=4096)
def _email(value: str) -> str:
    return validate_email(value)[1]


class _Email:
    """pydantic's ``EmailStr`` check, remembered per address: every response that carries a contact
    checks its address again, and email-validator takes tens of µs a call. Refusals are not
    remembered (``lru_cache`` keeps results only), so they raise pydantic's own error each time."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_email, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> Any:
        field_schema = handler(schema)
        field_schema.update(type="string", format="email")
        return field_schema


EmailStr = Annotated[str, _Email()]


_ANY_URL = TypeAdapter(AnyUrl)
# A URL as written is never spread over whitespace or control characters; the URL parser would
# quietly drop or encode them, so what came back would not be what was sent.
_NOT_IN_URLS = re.compile(r"[\x00-\x20\x7f\s]")


def _url(value: str) -> str:
    if _NOT_IN_URLS.search(value):
        raise PydanticCustomError("url_parsing", "Input should be a valid URL, without whitespace or control characters")
    _ANY_URL.validate_python(value)
    # Kept as written: AnyUrl normalises (https://example.com becomes https://example.com/, hosts
    # are lower-cased, characters escaped), and Monite echoes a URL as it was sent.
    return value


# Monite's URL fields (format "uri"): any scheme, at most 2,083 characters (a web page, a logo)
# or 65,536 (a quote's accept page, which may carry a signed token); returned exactly as sent.
Url2083 = Annotated[str, Field(min_length=1, max_length=2083, json_schema_extra={"format": "uri"}), AfterValidator(_url)]
Url65536 = Annotated[
    str, Field(min_length=1, max_length=65536, json_schema_extra={"format": "uri"}), AfterValidator(_url)
]


class _NotNull:
    """Take the ``None`` out of a field's ``X | None``: the field may be left out (it is then
    ``None``, as its default), but a null sent for it is refused as any other value of the wrong
    type, and the OpenAPI document shows it without ``null`` (docs/decisions.md, "Nulls in
    requests")."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        schema = handler(source)
        return schema["schema"] if schema["type"] == "nullable" else schema


T = TypeVar("T")
# A field that may be omitted but not sent as null: ``name: Omittable[str] = None``. For a value the
# object always has (a name, a flag with a default), where null could only erase it.
Omittable = Annotated[T | None, _NotNull()]


class RequestSchema(BaseModel):
    """Request bodies: unknown keys are refused (Monite's ``additionalProperties: false``)."""

    model_config = ConfigDict(extra="forbid")


class ResponseSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PaginatedResponse(ResponseSchema):
    next_pagination_token: str | None = None
    prev_pagination_token: str | None = None


class PartnerMetadata(RequestSchema):
    """Free-form JSON a partner keeps on an object (``PUT …/partner_metadata``)."""

    metadata: dict[str, Any]


class PartnerMetadataResponse(ResponseSchema):
    metadata: dict[str, Any] | None = None
