"""Per-model plans and memoised per-field helpers for FastAPI's request parsing.

For a query model (``Annotated[PayableListQuery, Query()]``) FastAPI 0.165 walks every field of
the model on every request and, per field, re-derives things that never change after start-up:
whether the annotation is a sequence (a recursive walk through ``typing``), the field's aliases,
and which of them the request used. On ``GET /payables`` (53 query fields) that cost ~200 µs per
request against ~5 µs for validating the model itself. ``install``:

* wraps the two per-field helpers in caches (pure functions of objects built at start-up);
* parses a query string into a query model from a plan built once per model, visiting only the
  parameters the request sent. It follows FastAPI's ``_request_param_model_to_args`` step by step
  for query strings (headers, cookies and forms still go through FastAPI's own function).

``tests/unit/test_speedups.py`` checks both against FastAPI's own answers.

The helpers are private to FastAPI, whose version is pinned; ``install`` leaves FastAPI untouched
if they are not where it expects them, so an upgrade can only lose the speed-up, not break parsing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fastapi.dependencies import utils as _fastapi_utils
from starlette.datastructures import QueryParams

_installed = False
originals: dict[str, Any] = {}  # FastAPI's own helpers, for comparison in tests


def install() -> bool:
    """Install the caches (idempotent); False when this FastAPI has not got the expected helpers."""
    global _installed
    if _installed:
        return True
    is_sequence: Callable[[Any], bool] | None = getattr(_fastapi_utils, "field_annotation_is_sequence", None)
    param_aliases = getattr(_fastapi_utils, "_get_param_aliases", None)
    model_to_args: Callable[..., tuple[Any, list[Any]]] | None = getattr(
        _fastapi_utils, "_request_param_model_to_args", None
    )
    helpers = ("get_cached_model_fields", "_is_json_field", "_get_multidict_extras", "_validate_value_with_model_field")
    if is_sequence is None or param_aliases is None or model_to_args is None:
        return False
    if not all(hasattr(_fastapi_utils, name) for name in helpers):
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

    plans: dict[int, tuple[Any, _QueryPlan]] = {}

    def _request_param_model_to_args(model_field: Any, model: Any, received_params: Any) -> tuple[Any, list[Any]]:
        if type(received_params) is not QueryParams:
            return model_to_args(model_field, model, received_params)
        hit = plans.get(id(model_field))
        if hit is None or hit[0] is not model_field:
            hit = plans[id(model_field)] = (model_field, _QueryPlan.build(model_field, model, param_aliases, is_sequence))
        return hit[1].parse(received_params)

    originals.update(
        field_annotation_is_sequence=is_sequence, _get_param_aliases=param_aliases,
        _request_param_model_to_args=model_to_args,
    )
    _fastapi_utils.field_annotation_is_sequence = field_annotation_is_sequence
    _fastapi_utils._get_param_aliases = _get_param_aliases
    _fastapi_utils._request_param_model_to_args = _request_param_model_to_args
    _installed = True
    return True


@dataclass(frozen=True, slots=True)
class _Field:
    aliases: tuple[tuple[str, str], ...]  # (validation alias, name in the query string), FastAPI's order
    is_list: bool  # a sequence that is not Json[...]: every occurrence of the parameter is kept


@dataclass(frozen=True, slots=True)
class _QueryPlan:
    """One query model's fields, indexed by the names a query string can use for them."""

    model_field: Any
    model: Any
    fields: tuple[_Field, ...]
    by_name: dict[str, tuple[int, ...]]  # query-string name → the fields that accept it
    own_names: frozenset[str]
    loc: tuple[str, ...]
    check_presence: bool

    @classmethod
    def build(cls, model_field: Any, model: Any, param_aliases: Any, is_sequence: Any) -> _QueryPlan:
        fields: list[_Field] = []
        by_name: dict[str, list[int]] = {}
        for index, field in enumerate(_fastapi_utils.get_cached_model_fields(model)):
            aliases = tuple(param_aliases(field, convert_underscores=False))
            fields.append(_Field(aliases, not _fastapi_utils._is_json_field(field)
                                 and is_sequence(field.field_info.annotation)))
            for _, name in aliases:
                by_name.setdefault(name, []).append(index)
        field_info = model_field.field_info
        return cls(
            model_field=model_field, model=model, fields=tuple(fields),
            by_name={name: tuple(indexes) for name, indexes in by_name.items()},
            own_names=frozenset(name for f in fields for _, name in f.aliases),
            loc=(field_info.in_.value,), check_presence=field_info.annotation is not model,
        )

    def parse(self, received: QueryParams) -> tuple[Any, list[Any]]:
        """What ``_request_param_model_to_args`` returns for a query string, visiting only the
        fields whose names were sent (the others contribute nothing to the values)."""
        touched = sorted({index for name in received for index in self.by_name.get(name, ())})
        values: dict[str, Any] = {}
        processed: set[str] = set()
        for index in touched:
            field = self.fields[index]
            alias, name = next(pair for pair in field.aliases if pair[1] in received)
            sent = received.getlist(name) if field.is_list else received.get(name)
            if sent is not None and not (field.is_list and len(sent) == 0):
                values[alias] = sent
            processed.add(name)
        values.update(_fastapi_utils._get_multidict_extras(received, processed))
        value: Any = values
        if self.check_presence and not (
            self.own_names.intersection(received) or (self.model.model_config.get("extra") in ("allow", "forbid") and value)
        ):
            value = _fastapi_utils.Undefined
        return _fastapi_utils._validate_value_with_model_field(field=self.model_field, value=value, values={}, loc=self.loc)
