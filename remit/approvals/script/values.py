"""Value semantics shared by triggers and scripts
(docs/approvals-script.md, "Evaluation context", "Evaluated strings").

Values are plain JSON data (``None``, ``bool``, ``int``, ``float``, ``str``, ``list``, ``dict``) plus
``Decimal`` for decimal literals written inside evaluated strings.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import EvaluationError

#: How deep a value taken from the evaluation context may be nested before comparing gives up.
MAX_VALUE_DEPTH = 64

_NUMERIC_STRING = re.compile(r"-?[0-9]+(?:\.[0-9]+)?\Z")


def is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def as_decimal(value: Any) -> Decimal | None:
    """The exact value of a finite number, or of a string written like one; otherwise ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str) and len(value) <= 4000 and _NUMERIC_STRING.match(value):
        try:
            return Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern only admits valid literals
            return None
    return None


def _numeric_pair(a: Any, b: Any) -> tuple[Decimal, Decimal] | None:
    """Both sides as numbers when one is a number and the other a number or a numeric string."""
    if not (is_number(a) or is_number(b)):
        return None
    if not (is_number(a) or isinstance(a, str)) or not (is_number(b) or isinstance(b, str)):
        return None
    da, db = as_decimal(a), as_decimal(b)
    if da is None or db is None:
        return None
    return da, db


def truthy(value: Any) -> bool:
    """null, false, 0, "", [] and {} are false; everything else is true."""
    if value is None or value is False:
        return False
    if value is True:
        return True
    if is_number(value):
        return value != 0
    if isinstance(value, str | list | tuple | dict):
        return len(value) > 0
    return True


def equal(a: Any, b: Any, _depth: int = 0) -> bool:
    if _depth > MAX_VALUE_DEPTH:
        raise EvaluationError("value nested too deeply to compare")
    pair = _numeric_pair(a, b)
    if pair is not None:
        return pair[0] == pair[1]
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(equal(x, y, _depth + 1) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k], _depth + 1) for k in a)
    if is_number(a) and is_number(b):  # non-finite floats/decimals
        try:
            return bool(a == b)
        except InvalidOperation:  # pragma: no cover - signalling NaN
            return False
    return False


def ordered(op: str, a: Any, b: Any) -> bool:
    """``>``, ``>=``, ``<``, ``<=``: numbers numerically, strings lexicographically, anything else false."""
    if a is None or b is None:
        return False
    pair = _numeric_pair(a, b)
    if pair is not None:
        x, y = pair
    elif isinstance(a, str) and isinstance(b, str):
        x, y = a, b  # type: ignore[assignment]
    else:
        return False
    if op == ">":
        return x > y
    if op == ">=":
        return x >= y
    if op == "<":
        return x < y
    return x <= y


def contains(item: Any, container: Any) -> bool:
    """``item in container``: list membership, substring on strings, false otherwise."""
    if isinstance(container, list | tuple):
        return any(equal(item, element) for element in container)
    if isinstance(container, str):
        return isinstance(item, str) and item in container
    return False


def compare(op: str, a: Any, b: Any) -> bool:
    if op == "==":
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    if op in (">", ">=", "<", "<="):
        return ordered(op, a, b)
    if op == "in":
        return contains(a, b)
    if op == "not in":
        return not contains(a, b)
    if op == "range":
        if not isinstance(b, list | tuple) or len(b) != 2:
            raise EvaluationError("range needs a two-element list [min, max]")
        return ordered(">=", a, b[0]) and ordered("<=", a, b[1])
    raise EvaluationError(f"unknown operator {op!r}")  # pragma: no cover - rejected at parse time


def attribute(value: Any, name: str, _depth: int = 0) -> Any:
    """``value.name``: a key of an object, mapped over a list, null for anything else."""
    if _depth > MAX_VALUE_DEPTH:
        raise EvaluationError("value nested too deeply")
    if isinstance(value, dict):
        return value.get(name)
    if isinstance(value, list | tuple):
        return [attribute(element, name, _depth + 1) for element in value]
    return None
