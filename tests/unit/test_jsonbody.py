"""The checks the middleware makes on a JSON body before it is parsed (remit/core/jsonbody.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from remit.core.jsonbody import MAX_DEPTH, _depth, declares_json, unreadable_json


def nesting(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(nesting, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(nesting, value), default=0)
    return 0


# Strings full of what the depth count must skip: brackets, quotes and backslashes.
TRICKY = st.text(alphabet='[]{}"\\ab\n\u00e9\u2028', max_size=8)
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | TRICKY,
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY, inner, max_size=3),
                      max_leaves=40)


@settings(max_examples=300, derandomize=True, database=None)
@given(VALUES, st.booleans())
def test_depth_is_the_nesting_of_the_json_text(value, ascii_only):
    text = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert _depth(text) == nesting(value)


@pytest.mark.parametrize(("body", "depth"), [
    (b"", 0), (b"{}", 1), (b'"[[["', 0), (b'["]", "\\\\", "\\"["]', 1), (b"[[]][[[]]]", 3),
    (b"[[", 2), (b"]]", 0), (b"]][[[", 3), (b'"unterminated [[[', 0),
])
def test_depth_of_texts_that_are_not_json_either(body, depth):
    assert _depth(body) == depth


def test_deep_bodies_are_refused_at_the_first_bracket_too_deep():
    deep = b'{"a": ' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}"
    assert unreadable_json(deep) == {"type": "json_invalid", "loc": ["body", 6 + MAX_DEPTH - 1],
                                     "msg": "JSON decode error", "input": {},
                                     "ctx": {"error": f"Nested deeper than {MAX_DEPTH} levels"}}
    assert unreadable_json(deep[1:-1].replace(b'"a": ', b"")) is None  # MAX_DEPTH levels
    assert unreadable_json(b"[" * 100_000)["loc"] == ["body", MAX_DEPTH]
    wide = json.dumps([{"a": [1, {"b": "]]]"}]} for _ in range(1000)]).encode()
    assert unreadable_json(wide) is None


@pytest.mark.parametrize(("body", "offset", "reason"), [
    (b"\xff", 0, "Invalid UTF-8"), (b'{"a": "\xc3"}', 7, "Invalid UTF-8"), (b'{"a": "\xed\xa0\x80"}', 7, "Invalid UTF-8"),
    (b"\x00{}", 0, "NUL byte"), (b'{"a": "\x00"}', 7, "NUL byte"),
])
def test_bytes_that_are_never_json(body, offset, reason):
    error = unreadable_json(body)
    assert error is not None and (error["loc"], error["ctx"]["error"]) == (["body", offset], reason)


@pytest.mark.parametrize("body", [b'{"a": "\xc3\xa9 \xe2\x80\xa8"}', b"\xef\xbb\xbf{}", b'"\\u0000"', b"not json"])
def test_left_to_the_parser(body):
    assert unreadable_json(body) is None  # text: well formed or not, the JSON parser says


@pytest.mark.parametrize(("content_type", "json_"), [
    (b"application/json", True), (b"Application/JSON; charset=utf-8", True), (b" application/json ;x=1", True),
    (b"application/merge-patch+json", True), (b"application/vnd.api+json", True), (b"text/json", False),
    (b"application/jsonl", False), (b"text/plain", False), (b"", False), (None, False),
])
def test_which_content_types_declare_json(content_type, json_):
    assert declares_json(content_type) is json_
