"""The HTTP conventions every route shares, as one pure ASGI middleware
(docs/auth-entities.md, "Conventions every endpoint shares").

In order: request id and process time; the ``x-monite-version`` check and echo; the entity
header echo; ``Accept`` negotiation (406 only when JSON is explicitly excluded); rate limiting;
and the SDK's empty JSON bodies read as ``{}``. One middleware rather than a stack of
``BaseHTTPMiddleware`` keeps this to a few microseconds per request.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from remit.core.ratelimit import RateLimiter, Verdict
from remit.core.versioning import (
    HEADER as VERSION_HEADER,
)
from remit.core.versioning import (
    MalformedVersion,
    UnsupportedVersion,
    match_version,
)

log = logging.getLogger("remit")

# Paths served without the version header (documentation for browsers).
UNVERSIONED = ("/v1/openapi.json", "/v1/docs", "/v1/redoc", "/docs", "/redoc", "/openapi.json", "/files/")
BODY_METHODS = {"POST", "PUT", "PATCH"}
JSON_ACCEPTS = (b"application/json", b"*/*", b"application/*", b"application/problem+json")


def _json(status: int, body: Any) -> tuple[int, bytes]:
    return status, orjson.dumps(body)


class ConventionsMiddleware:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter | None):
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers: dict[bytes, bytes] = dict(scope["headers"])
        request_id = headers.get(b"x-request-id") or str(uuid.uuid4()).encode()
        scope.setdefault("state", {})["request_id"] = request_id.decode("latin-1")
        extra: list[tuple[bytes, bytes]] = [(b"x-request-id", request_id)]
        entity_header = headers.get(b"x-monite-entity-id")
        if entity_header is not None:
            extra.append((b"x-monite-entity-id", entity_header))

        rejection = None
        path: str = scope["path"]
        raw_version = headers.get(VERSION_HEADER.encode())
        if raw_version is not None:
            try:
                matched = match_version(raw_version.decode("latin-1"))
                extra.append((VERSION_HEADER.encode(), matched.encode()))
            except MalformedVersion:
                rejection = _json(422, {"detail": [{
                    "loc": ["header", VERSION_HEADER],
                    "msg": "Input should be a valid date in the format YYYY-MM-DD",
                    "type": "date_from_datetime_parsing",
                    "input": raw_version.decode("latin-1"),
                }]})
            except UnsupportedVersion:
                rejection = _json(400, {"error": {"message": f"Unsupported API version {raw_version.decode('latin-1')}"}})
        elif not path.startswith(UNVERSIONED):
            rejection = _json(400, {"error": {
                "type": "missing_api_version",
                "message": f"Missing the {VERSION_HEADER} HTTP header",
            }})

        if rejection is None:
            accept = headers.get(b"accept")
            if accept and not any(kind in accept for kind in JSON_ACCEPTS) and not path.startswith(UNVERSIONED):
                rejection = _json(406, {"error": {"message": "Only application/json responses are available"}})

        if rejection is None and self.limiter is not None:
            verdict = self._limit(self.limiter, scope, headers, path)
            extra.extend(verdict.headers())
            if not verdict.allowed:
                extra.append((b"retry-after", str(verdict.reset_in).encode()))
                rejection = _json(429, {"error": {"message": "API rate limit exceeded"}})

        started_response = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started_response
            if message["type"] == "http.response.start":
                started_response = True
                message["headers"] = [
                    *message.get("headers", ()),
                    *extra,
                    (b"x-process-time", f"{time.perf_counter() - started:.6f}".encode()),
                ]
            await send(message)

        if rejection is not None:
            status, body = rejection
            await send_with_headers({
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            })
            await send_with_headers({"type": "http.response.body", "body": body})
            return

        if scope["method"] in BODY_METHODS and headers.get(b"content-type", b"").startswith(b"application/json"):
            receive = _empty_json_as_object(receive)
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if started_response:
                raise
            # Answer here, so an unexpected failure still carries x-request-id and the other headers.
            log.exception("unhandled error (request id %s)", request_id.decode("latin-1"))
            status, body = _json(500, {"error": {"message": "Server Error"}})
            await send_with_headers({
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            })
            await send_with_headers({"type": "http.response.body", "body": body})

    def _limit(self, limiter: RateLimiter, scope: Scope, headers: dict[bytes, bytes], path: str) -> Verdict:
        authorization = headers.get(b"authorization")
        if authorization and not path.startswith("/v1/auth/"):
            key = "t:" + authorization.decode("latin-1")
        else:
            client = scope.get("client") or ("unknown", 0)
            key = f"ip:{client[0]}"
        return limiter.hit(key)


def _empty_json_as_object(receive: Receive) -> Receive:
    """The SDK sends an all-optional body as no body with ``content-type: application/json``.

    The JSON body is read whole (JSON bodies are small; uploads are multipart) and an empty one
    is handed on as ``{}``.
    """
    done = False

    async def wrapped() -> Message:
        nonlocal done
        if done:
            return await receive()
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return message
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        done = True
        body = b"".join(chunks)
        return {"type": "http.request", "body": body or b"{}", "more_body": False}

    return wrapped
