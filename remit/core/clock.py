"""The one clock: ``now()`` returns an aware UTC datetime; tests may move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(UTC) + _offset


def move(delta: timedelta) -> None:
    """Shift the clock (tests only)."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)


def increasing(state: dict[Any, Any], key: str) -> datetime:
    """``now()``, made strictly later than the last value handed out under ``key`` in ``state``
    (a session's ``info``): rows written by one request list in the order they were written."""
    value = now()
    last = state.get(key)
    if last is not None and value <= last:
        value = last + timedelta(microseconds=1)
    state[key] = value
    return value
