"""The HTTP conventions every route shares, as one pure ASGI middleware
(docs/auth-entities.md, "Conventions every endpoint shares").

In order: request id and process time; the ``x-monite-version`` check and echo; the entity
header echo; ``Accept`` negotiation (406 only when JSON is explicitly excluded); rate limiting;
the SDK's empty JSON bodies read as ``{}``; and a JSON body that cannot be read as JSON at all
refused with a 422 (``remit.core.jsonbody``); once the request is answered, its metrics and its log
line (``observe``, from ``remit.operations.requests``). One middleware rather than a stack of
``BaseHTTPMiddleware`` keeps this to a few microseconds per request.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING, Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from remit.core.jsonbody import declares_json, unreadable_json
from remit.core.ratelimit import RateLimiter, Verdict
from remit.core.versioning import (
    HEADER as VERSION_HEADER,
)
from remit.core.versioning import (
    MalformedVersion,
    UnsupportedVersion,
    match_version,
)

if TYPE_CHECKING:
    from remit.operations.requests import Observer

log = logging.getLogger("remit")

# Probes and the metrics scrape (remit.operations): no version header, no rate limit.
OPERATIONS = ("/healthz", "/readyz", "/metrics")
# Paths served without the version header (documentation and the console, for browsers; the above).
UNVERSIONED = ("/v1/openapi.json", "/v1/docs", "/v1/redoc", "/docs", "/redoc", "/openapi.json", "/files/",
               "/console", "/documents/", *OPERATIONS)
# Compatibility routes (remit.compat) speak another system's format: they need no version header and
# read their own bodies, answering every refusal in their own envelope.
OWN_FORMAT = "/v1/compat/"
BODY_METHODS = {"POST", "PUT", "PATCH"}
JSON_ACCEPTS = (b"application/json", b"*/*", b"application/*", b"application/problem+json")


def _json(status: int, body: Any) -> tuple[int, bytes]:
    return status, orjson.dumps(body)


class ConventionsMiddleware:
    def __init__(self, app: ASGIApp, *, limiter: RateLimiter | None, observe: Observer | None = None):
        """``observe``: called once a request is answered (its metrics and log line, ``remit.operations``)."""
        self.app = app
        self.limiter = limiter
        self.observe = observe

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
        own_format = path.startswith(OWN_FORMAT)
        if raw_version is not None and not own_format:
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
        elif not own_format and not path.startswith(UNVERSIONED):
            rejection = _json(400, {"error": {
                "type": "missing_api_version",
                "message": f"Missing the {VERSION_HEADER} HTTP header",
            }})

        if rejection is None:
            accept = headers.get(b"accept")
            if accept and not any(kind in accept for kind in JSON_ACCEPTS) and not path.startswith(UNVERSIONED):
                rejection = _json(406, {"error": {"message": "Only application/json responses are available"}})

        if rejection is None and self.limiter is not None and path not in OPERATIONS:
            verdict = self._limit(self.limiter, scope, headers, path)
            extra.extend(verdict.headers())
            if not verdict.allowed:
                extra.append((b"retry-after", str(verdict.reset_in).encode()))
                rejection = _json(429, {"error": {"message": "API rate limit exceeded"}})

        started_response = False
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal started_response, status
            if message["type"] == "http.response.start":
                started_response = True
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", ()),
                    *extra,
                    (b"x-process-time", f"{time.perf_counter() - started:.6f}".encode()),
                ]
            await send(message)

        async def answer(status: int, body: bytes) -> None:
            await send_with_headers({
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            })
            await send_with_headers({"type": "http.response.body", "body": body})

        if (rejection is None and not own_format and scope["method"] in BODY_METHODS
                and declares_json(headers.get(b"content-type"))):
            json_body, receive = await _read_json_body(receive)
            if json_body is not None and (problem := unreadable_json(json_body)) is not None:
                rejection = _json(422, {"detail": [problem]})
        try:
            if rejection is not None:
                await answer(*rejection)
                return
            try:
                await self.app(scope, receive, send_with_headers)
            except Exception:
                if started_response:
                    raise
                # Answer here, so an unexpected failure still carries x-request-id and the other headers.
                log.exception("unhandled error (request id %s)", request_id.decode("latin-1"))
                await answer(*_json(500, {"error": {"message": "Server Error"}}))
        finally:
            if self.observe is not None:
                self.observe(scope, status, time.perf_counter() - started, request_id, entity_header)

    def _limit(self, limiter: RateLimiter, scope: Scope, headers: dict[bytes, bytes], path: str) -> Verdict:
        authorization = headers.get(b"authorization")
        if authorization and not path.startswith("/v1/auth/"):
            key = "t:" + authorization.decode("latin-1")
        else:
            client = scope.get("client") or ("unknown", 0)
            key = f"ip:{client[0]}"
        return limiter.hit(key)


async def _read_json_body(receive: Receive) -> tuple[bytes | None, Receive]:
    """Read a JSON body whole (JSON bodies are small; uploads are multipart), for the checks above,
    and a ``receive`` that hands it on. The SDK sends an all-optional body as no body with
    ``content-type: application/json``: an empty body is handed on as ``{}``.

    ``None`` when the client went away before the body was complete: the app then sees that as
    it would have.
    """
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None, _replay([message], receive)
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body = b"".join(chunks) or b"{}"
    return body, _replay([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay
