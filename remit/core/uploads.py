"""Reading a multipart upload with a single ``file`` part, as Monite's upload endpoints take it."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import UploadFile

from remit.core.errors import FieldError, RemitError


class UnsupportedMediaType(RemitError):
    status_code = 415
    message = "Unsupported Media Type: send multipart/form-data with a part named 'file'"


@dataclass(frozen=True)
class Upload:
    content: bytes
    name: str
    mimetype: str | None


async def read_file_part(request: Request, *, max_bytes: int) -> Upload:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnsupportedMediaType()
    form = await request.form(max_files=1, max_fields=10, max_part_size=max_bytes + 1)
    part = form.get("file")
    if not isinstance(part, UploadFile):
        raise FieldError(("body", "file"), "Field required", "missing")
    content = await part.read(max_bytes + 1)
    return Upload(content=content, name=part.filename or "file", mimetype=part.content_type)


MULTIPART_FILE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}
