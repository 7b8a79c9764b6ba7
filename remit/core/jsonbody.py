"""What makes a request body declared as JSON unreadable as JSON before anything parses it.

FastAPI parses a JSON body with ``json.loads``, which answers a malformed body with a 422
(``json_invalid``) but fails in other ways on bodies it cannot decode at all: bytes that are not
UTF-8, or a NUL among the first bytes (it then guesses UTF-16 or UTF-32), become a 400 of another
shape; nesting deeper than Python's recursion limit is a 400 too; and nesting that parses but is
deeper than the response encoders go (about 255 levels) is a 500 once echoed back. The middleware
checks a JSON body for these first and refuses them as FastAPI refuses a malformed body, so every
body that is not JSON remit can use is the same 422 (docs/decisions.md, "A body that is not JSON").
"""

from __future__ import annotations

import re
from typing import Any

# Deeper than any of Monite's request bodies nests (a receivable's line item product's measure unit
# is five levels down), and well within what the response encoders and JSON clients take.
MAX_DEPTH = 64

# A JSON string, or what is left of an unterminated one: possessive, so a body of unbalanced quotes
# is still read once, never retried from each quote.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SQUARE = bytes.maketrans(b"{}", b"[]")


def declares_json(content_type: bytes | None) -> bool:
    """Whether FastAPI parses a body with this ``Content-Type`` as JSON: ``application/json`` or
    ``application/…+json``, in any case, with any parameters."""
    if not content_type:
        return False
    media_type = content_type.split(b";", 1)[0].strip().lower()
    return media_type == b"application/json" or (media_type.startswith(b"application/") and media_type.endswith(b"+json"))


def _error(position: int, reason: str) -> dict[str, Any]:
    # The shape FastAPI gives a malformed JSON body.
    return {"type": "json_invalid", "loc": ["body", position], "msg": "JSON decode error", "input": {},
            "ctx": {"error": reason}}


def unreadable_json(body: bytes) -> dict[str, Any] | None:
    """The 422 error entry for a JSON body that cannot be read as JSON, or None to let it be parsed."""
    if b"\x00" in body:  # never in JSON text (a NUL inside a string is written \\u0000)
        return _error(body.index(b"\x00"), "NUL byte")
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as exc:
            return _error(exc.start, "Invalid UTF-8")
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and _depth(body) > MAX_DEPTH:
        return _error(_too_deep_at(body), f"Nested deeper than {MAX_DEPTH} levels")
    return None


def _depth(body: bytes) -> int:
    """How deep the arrays and objects of ``body`` nest (brackets inside strings do not count), up
    to ``MAX_DEPTH + 1``. Each pass takes out the innermost pairs, so a body nests as many levels
    as the passes it takes to empty it. In an unbalanced body the passes stop at closings followed
    by openings, ``]]…[[``, and the openings left open nest that much deeper."""
    brackets = _STRING.sub(b"", body).translate(_SQUARE, _NOT_BRACKETS)
    depth = 0
    while brackets and depth <= MAX_DEPTH:
        brackets, before = brackets.replace(b"[]", b""), brackets
        if brackets == before:
            return depth + brackets.count(b"[")
        depth += 1
    return depth


def _too_deep_at(body: bytes) -> int:
    """The offset of the first bracket that opens a level beyond ``MAX_DEPTH`` (only for refusals)."""
    depth, in_string, escaped = 0, False, False
    for offset, byte in enumerate(body):
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # closing quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in b"[{":
            depth += 1
            if depth > MAX_DEPTH:
                return offset
        elif byte in b"]}":
            depth -= 1
    return 0
