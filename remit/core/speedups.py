"""Memoised per-field helpers of FastAPI's request parsing.

For a query model (``Annotated[PayableListQuery, Query()]``) FastAPI 0.165 walks every field of
the model on every request and, per field, re-derives two things that never change after start-up:
whether the annotation is a sequence (a recursive walk through ``typing``) and the field's aliases.
On ``GET /payables`` (53 query fields) that was the largest single cost of the request outside the
database. Both helpers are pure functions of objects built once at start-up, so ``install``
wraps them in caches; results are the ones FastAPI computes (``tests/unit/test_speedups.py``).

The helpers are private to FastAPI, whose version is pinned; ``install`` leaves FastAPI untouched
if they are not where it expects them, so an upgrade can only lose the speed-up, not break parsing.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi.dependencies import utils as _fastapi_utils

_installed = False
originals: dict[str, Any] = {}  # FastAPI's own helpers, for comparison in tests


def install() -> bool:
    """Install the caches (idempotent); False when this FastAPI has not got the expected helpers."""
    global _installed
    if _installed:
        return True
    is_sequence = getattr(_fastapi_utils, "field_annotation_is_sequence", None)
    param_aliases = getattr(_fastapi_utils, "_get_param_aliases", None)
    if is_sequence is None or param_aliases is None:
        return False

    cached_is_sequence = lru_cache(maxsize=8192)(is_sequence)

    def field_annotation_is_sequence(annotation: Any) -> bool:
        try:
            return cached_is_sequence(annotation)
        except TypeError:  # an unhashable annotation: compute it
            return is_sequence(annotation)

    aliases: dict[tuple[int, bool], tuple[Any, list[tuple[str, str]]]] = {}

    def _get_param_aliases(field: Any, *, convert_underscores: bool = False) -> list[tuple[str, str]]:
        key = (id(field), convert_underscores)
        hit = aliases.get(key)
        if hit is None or hit[0] is not field:  # keyed by identity; the field is kept alive with its entry
            hit = aliases[key] = (field, param_aliases(field, convert_underscores=convert_underscores))
        return hit[1]

    originals.update(field_annotation_is_sequence=is_sequence, _get_param_aliases=param_aliases)
    _fastapi_utils.field_annotation_is_sequence = field_annotation_is_sequence
    _fastapi_utils._get_param_aliases = _get_param_aliases
    _installed = True
    return True
