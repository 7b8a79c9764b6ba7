"""Parse on write, shared part: limits, values, operands, conditions and groups.

``triggers.py`` and ``scripts.py`` build on ``DocumentParser``; together they turn trigger and script
JSON into typed nodes, or a ``ScriptError`` listing every problem.

Locations follow the JSON: ``script[0].if.all[1].params.required_approval_count``,
``trigger.all[2].left_operand``. Limits (docs/approvals-script.md, "Limits") are checked while
walking, so a hostile document is rejected after at most ``MAX_NODES`` nodes and ``MAX_DEPTH``
levels of recursion.

Counting: every statement, condition, group, operand and expression-tree node is one node; a literal
value (a number, a string, a list such as ``["EUR", "USD"]`` or a gate's ``user_ids``) is one node
however long it is. Depth grows by one for each level of nesting: a statement, the ``if`` part and
each branch, each group child, each operand and each level of an expression tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from .expressions import CALLABLES, NAMES, ExprLimitError, ExprSyntaxError
from .expressions import parse as parse_expression
from .expressions import problems as expression_problems
from .nodes import (
    CallOperand,
    ExprCondition,
    ExprOperand,
    Group,
    LitOperand,
    Operand,
    OperatorCondition,
    RefOperand,
)

MAX_DEPTH = 16
MAX_NODES = 500
MAX_GATES = 50
MAX_STRING = 2000
MAX_IDS = 100
MAX_REPORTED_ERRORS = 25

OPERATORS = frozenset({"==", "!=", ">", ">=", "<", "<=", "in", "not in", "not_in", "range"})
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
CONDITION_HINT = "expected a condition: an evaluated string \"{…}\", an operator object, a boolean, \"all\" or \"any\""
_OPERAND_HINT = ("expected an operand: a literal, an evaluated string \"{…}\", {\"name\": \"invoice.…\"} "
                 "or {\"call\": \"Currency.convert\", \"params\": {…}}")


class Abort(Exception):
    """A limit was exceeded; stop walking."""


def is_evaluated(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 2 and value[0] == "{" and value[-1] == "}"


def shown(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 60 else text[:57] + "…"


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class DocumentParser:
    """Walks one document, collecting located errors; raises ``Abort`` when a limit is exceeded."""

    def __init__(self, place: Literal["trigger", "script"]) -> None:
        self.place = place
        self.errors: list[str] = []
        self.nodes = 0

    # -- bookkeeping --------------------------------------------------------------------------

    def error(self, location: str, message: str) -> None:
        self.errors.append(f"{location}: {message}")

    def _too_deep(self, location: str) -> Abort:
        self.error(location, f"nested deeper than {MAX_DEPTH} levels")
        return Abort()

    def _too_many(self) -> Abort:
        self.error(self.place, f"more than {MAX_NODES} nodes")
        return Abort()

    def enter(self, location: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise self._too_deep(location)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self._too_many()

    def string_ok(self, location: str, value: str) -> bool:
        if len(value) > MAX_STRING:
            self.error(location, f"strings are limited to {MAX_STRING} characters")
            return False
        return True

    def unknown_keys(self, value: dict, allowed: set[str] | frozenset[str], location: str) -> None:
        for key in value:
            if key not in allowed:
                self.error(location, f"unknown key {shown(key)}")

    # -- values -------------------------------------------------------------------------------

    def expression(self, text: str, location: str, depth: int, *, action_root: bool = False) -> Any:
        """The tree of an evaluated string, or None after recording the problem."""
        if not self.string_ok(location, text):
            return None
        try:
            expr, count = parse_expression(text[1:-1], offset=2, max_height=MAX_DEPTH - depth,
                                           max_nodes=MAX_NODES - self.nodes)
        except ExprLimitError as exc:
            raise (self._too_many() if str(exc) == "nodes" else self._too_deep(location)) from None
        except ExprSyntaxError as exc:
            self.error(location, str(exc))
            return None
        self.nodes += count
        found = expression_problems(expr, place=self.place, allow_action_root=action_root)
        for message in found:
            self.error(location, message)
        return None if found else expr

    def literal(self, value: Any, location: str, depth: int) -> Any:
        """A copy of a JSON literal, checked for depth, string length and JSON types."""
        if depth > MAX_DEPTH:
            raise self._too_deep(location)
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, str):
            self.string_ok(location, value)
            return value
        if isinstance(value, list):
            return [self.literal(item, f"{location}[{i}]", depth + 1) for i, item in enumerate(value)]
        if isinstance(value, dict):
            copy = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    self.error(location, f"object keys must be strings, not {shown(key)}")
                    continue
                self.string_ok(location, key)
                copy[key] = self.literal(item, f"{location}.{key}" if _IDENT.match(key) else location, depth + 1)
            return copy
        self.error(location, f"unsupported value of type {type(value).__name__}")
        return None

    def operand(self, value: Any, location: str, depth: int) -> Operand | None:
        self.enter(location, depth)
        if isinstance(value, str):
            if is_evaluated(value):
                expr = self.expression(value, location, depth)
                return None if expr is None else ExprOperand(expr, location)
            return LitOperand(value, location) if self.string_ok(location, value) else None
        if value is None or isinstance(value, bool | int | float):
            return LitOperand(value, location)
        if isinstance(value, list):
            return LitOperand(self.literal(value, location, depth), location)
        if isinstance(value, dict):
            if "name" in value:
                return self.reference(value, location)
            if "call" in value:
                return self.call_operand(value, location, depth)
        self.error(location, _OPERAND_HINT)
        return None

    def reference(self, value: dict, location: str) -> RefOperand | None:
        self.unknown_keys(value, {"name"}, location)
        name = value["name"]
        if not isinstance(name, str):
            self.error(f"{location}.name", "must be a dotted name such as \"invoice.amount\"")
            return None
        if not self.string_ok(f"{location}.name", name):
            return None
        parts = name.split(".")
        if not all(_IDENT.match(part) for part in parts):
            self.error(f"{location}.name", f"{shown(name)} is not a dotted name such as \"invoice.amount\"")
            return None
        if parts[0] not in NAMES:
            self.error(f"{location}.name", f"unknown name {shown(parts[0])}")
            return None
        return RefOperand(tuple(parts), location)

    def call_operand(self, value: dict, location: str, depth: int) -> CallOperand | None:
        self.unknown_keys(value, {"call", "params"}, location)
        func = value["call"]
        signature = CALLABLES.get(func) if isinstance(func, str) else None
        if signature is None:
            self.error(f"{location}.call", f"unknown function {shown(func)}")
            return None
        if signature.kind != "function":
            if self.place == "trigger":
                self.error(location, f"{func} is not allowed in a trigger")
            elif signature.kind == "action":
                self.error(location, f"{func} is an action and may only be used as a statement")
            else:
                self.error(location, f"{func} is an approval gate and cannot be used as an operand")
            return None
        params = self.params(value, signature.params, signature.required, location)
        if params is None:
            return None
        bound = []
        for key in signature.params:
            if key in params:
                operand = self.operand(params[key], f"{location}.params.{key}", depth + 1)
                if operand is None:
                    return None
                bound.append((key, operand))
        return CallOperand(func, tuple(bound), location)

    def params(self, value: dict, names: tuple[str, ...], required: int, location: str) -> dict | None:
        params = value.get("params")
        if not isinstance(params, dict):
            self.error(f"{location}.params", "must be an object with " + ", ".join(repr(n) for n in names[:required]))
            return None
        ok = True
        for key in params:
            if key not in names:
                self.error(f"{location}.params", f"unknown parameter {shown(key)}")
                ok = False
        for key in names[:required]:
            if key not in params:
                self.error(f"{location}.params.{key}", "is required")
                ok = False
        return params if ok else None

    # -- conditions ---------------------------------------------------------------------------

    def string_condition(self, value: str, location: str, depth: int) -> ExprCondition | None:
        if not is_evaluated(value):
            self.error(location, f"{CONDITION_HINT}; a plain string is not one")
            return None
        expr = self.expression(value, location, depth)
        return None if expr is None else ExprCondition(expr, location)

    def operator_condition(self, value: dict, location: str, depth: int) -> OperatorCondition | None:
        self.unknown_keys(value, {"operator", "left_operand", "right_operand"}, location)
        op = value["operator"]
        if not isinstance(op, str) or op not in OPERATORS:
            self.error(f"{location}.operator", f"unknown operator {shown(op)}")
            return None
        op = "not in" if op == "not_in" else op
        sides: list[Operand | None] = []
        for side in ("left_operand", "right_operand"):
            if side not in value:
                self.error(location, f"missing {side!r}")
                sides.append(None)
            else:
                sides.append(self.operand(value[side], f"{location}.{side}", depth + 1))
        left, right = sides
        if op == "range" and isinstance(right, LitOperand) and not (
                isinstance(right.value, list) and len(right.value) == 2):
            self.error(f"{location}.right_operand", "range needs a two-element list [min, max]")
            return None
        if left is None or right is None:
            return None
        return OperatorCondition(op, left, right, location)

    def group(self, value: dict, location: str, depth: int, child: Callable[[Any, str, int], Any]) -> Group | None:
        kinds: list[Literal["all", "any"]] = [k for k in ("all", "any") if k in value]
        if len(kinds) == 2:
            self.error(location, "use either 'all' or 'any', not both")
            return None
        kind = kinds[0]
        self.unknown_keys(value, {kind, "run_concurrently"}, location)
        concurrent = value.get("run_concurrently", True)
        if not isinstance(concurrent, bool):
            if self.place == "script":
                self.error(f"{location}.run_concurrently", "must be a boolean")
            concurrent = True
        items = value[kind]
        if not isinstance(items, list):
            self.error(f"{location}.{kind}", "must be a list")
            return None
        children = [child(item, f"{location}.{kind}[{i}]", depth + 1) for i, item in enumerate(items)]
        if any(c is None for c in children):
            return None
        return Group(location, kind, tuple(children), concurrent if self.place == "script" else True)


def capped(errors: list[str], place: str) -> list[str]:
    if len(errors) <= MAX_REPORTED_ERRORS:
        return errors
    extra = len(errors) - MAX_REPORTED_ERRORS
    return [*errors[:MAX_REPORTED_ERRORS], f"{place}: … and {extra} more error{'s' if extra > 1 else ''}"]
