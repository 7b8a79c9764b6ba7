"""Parse on write: trigger and script JSON → typed nodes, or a ``ScriptError`` listing every problem.

Locations follow the JSON: ``script[0].if.all[1].params.required_approval_count``,
``trigger.all[2].left_operand``. Limits (spec 20 §5.6, §6.8) are checked while walking, so a hostile
document is rejected after at most ``MAX_NODES`` nodes and ``MAX_DEPTH`` levels of recursion.

Counting: every statement, condition, group, operand and expression-tree node is one node; a literal
value (a number, a string, a list such as ``["EUR", "USD"]`` or a gate's ``user_ids``) is one node
however long it is. Depth grows by one for each level of nesting: a statement, the ``if`` part and
each branch, each group child, each operand and each level of an expression tree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Literal

from .errors import ScriptError
from .expressions import CALLABLES, NAMES, Call, ExprLimitError, ExprSyntaxError, Lit
from .expressions import parse as parse_expression
from .expressions import problems as expression_problems
from .nodes import (
    ActionNode,
    CallOperand,
    Conditional,
    Const,
    ExprCondition,
    ExprOperand,
    GateNode,
    Group,
    LitOperand,
    Operand,
    OperatorCondition,
    RefOperand,
    Script,
    Sequence,
    Statement,
    Trigger,
)

MAX_DEPTH = 16
MAX_NODES = 500
MAX_GATES = 50
MAX_STRING = 2000
MAX_IDS = 100
MAX_REPORTED_ERRORS = 25

OPERATORS = frozenset({"==", "!=", ">", ">=", "<", "<=", "in", "not in", "not_in", "range"})
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LEGACY_KEYS = frozenset({
    "version", "object_type", "action", "counterparts", "amount", "currency", "custom_params", "statuses",
    "previously_approved",
})
_LEGACY_AMOUNT = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "=="}
_LEGACY_ORIGINS = {"comes_from_email": "email", "comes_from_upload": "upload"}
_STATEMENT_HINT = ("expected a statement: an evaluated string \"{…}\", an approval gate, a group, "
                   "a conditional, an operator object or a list")
_CONDITION_HINT = "expected a condition: an evaluated string \"{…}\", an operator object, a boolean, \"all\" or \"any\""
_OPERAND_HINT = ("expected an operand: a literal, an evaluated string \"{…}\", {\"name\": \"invoice.…\"} "
                 "or {\"call\": \"Currency.convert\", \"params\": {…}}")


class _Abort(Exception):
    """A limit was exceeded; stop walking."""


def is_evaluated(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 2 and value[0] == "{" and value[-1] == "}"


def _shown(key: Any) -> str:
    text = repr(key)
    return text if len(text) <= 60 else text[:57] + "…"


def _type_name(value: Any) -> str:
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


class _Parser:
    def __init__(self, place: Literal["trigger", "script"], *, known_user_ids: set[str] | None = None,
                 known_role_ids: set[str] | None = None) -> None:
        self.place = place
        self.errors: list[str] = []
        self.nodes = 0
        self.gates: list[GateNode] = []
        self.known_users = None if known_user_ids is None else {str(u).lower() for u in known_user_ids}
        self.known_roles = None if known_role_ids is None else {str(r).lower() for r in known_role_ids}

    # -- bookkeeping --------------------------------------------------------------------------

    def error(self, location: str, message: str) -> None:
        self.errors.append(f"{location}: {message}")

    def _too_deep(self, location: str) -> _Abort:
        self.error(location, f"nested deeper than {MAX_DEPTH} levels")
        return _Abort()

    def _too_many(self) -> _Abort:
        self.error(self.place, f"more than {MAX_NODES} nodes")
        return _Abort()

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
                self.error(location, f"unknown key {_shown(key)}")

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
                    self.error(location, f"object keys must be strings, not {_shown(key)}")
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
            self.error(f"{location}.name", f"{_shown(name)} is not a dotted name such as \"invoice.amount\"")
            return None
        if parts[0] not in NAMES:
            self.error(f"{location}.name", f"unknown name {_shown(parts[0])}")
            return None
        return RefOperand(tuple(parts), location)

    def call_operand(self, value: dict, location: str, depth: int) -> CallOperand | None:
        self.unknown_keys(value, {"call", "params"}, location)
        func = value["call"]
        signature = CALLABLES.get(func) if isinstance(func, str) else None
        if signature is None:
            self.error(f"{location}.call", f"unknown function {_shown(func)}")
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
                self.error(f"{location}.params", f"unknown parameter {_shown(key)}")
                ok = False
        for key in names[:required]:
            if key not in params:
                self.error(f"{location}.params.{key}", "is required")
                ok = False
        return params if ok else None

    # -- conditions ---------------------------------------------------------------------------

    def string_condition(self, value: str, location: str, depth: int) -> ExprCondition | None:
        if not is_evaluated(value):
            self.error(location, f"{_CONDITION_HINT}; a plain string is not one")
            return None
        expr = self.expression(value, location, depth)
        return None if expr is None else ExprCondition(expr, location)

    def operator_condition(self, value: dict, location: str, depth: int) -> OperatorCondition | None:
        self.unknown_keys(value, {"operator", "left_operand", "right_operand"}, location)
        op = value["operator"]
        if not isinstance(op, str) or op not in OPERATORS:
            self.error(f"{location}.operator", f"unknown operator {_shown(op)}")
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
        kinds = [k for k in ("all", "any") if k in value]
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

    # -- triggers -----------------------------------------------------------------------------

    def trigger_node(self, value: Any, location: str, depth: int, *, top: bool = False) -> Any:
        self.enter(location, depth)
        if isinstance(value, bool):
            return Const(value, location)
        if isinstance(value, str):
            return self.string_condition(value, location, depth)
        if isinstance(value, list):
            children = [self.trigger_node(item, f"{location}[{i}]", depth + 1) for i, item in enumerate(value)]
            return None if any(c is None for c in children) else Group(location, "all", tuple(children))
        if isinstance(value, dict):
            if top and "version" in value:
                return self.legacy(value, location, depth)
            if any(key in value for key in ("if", "then", "else")):
                self.error(location, "if/then/else is not allowed in a trigger")
                return None
            if "call" in value:
                func = value["call"]
                signature = CALLABLES.get(func) if isinstance(func, str) else None
                if signature is None:
                    self.error(f"{location}.call", f"unknown function {_shown(func)}")
                elif signature.kind != "function":
                    self.error(location, f"{func} is not allowed in a trigger")
                else:
                    self.error(location, f"{func} is not a condition; use it as an operand of an operator object")
                return None
            if "all" in value or "any" in value:
                return self.group(value, location, depth, self.trigger_node)
            if "operator" in value:
                return self.operator_condition(value, location, depth)
        self.error(location, f"{_CONDITION_HINT}, not {_type_name(value)}")
        return None

    def legacy(self, value: dict, location: str, depth: int) -> Group | None:
        """The early ``"version": 1`` object form, translated into an ``all`` (spec 20 §5.5)."""
        self.unknown_keys(value, _LEGACY_KEYS, location)
        version = value["version"]
        if isinstance(version, bool) or version != 1:
            self.error(f"{location}.version", "only version 1 is supported")
        if "object_type" in value and value["object_type"] != "payable":
            self.error(f"{location}.object_type", "must be 'payable'")
        conditions: list[OperatorCondition] = []

        def add(op: str, path: tuple[str, ...], literal: Any, where: str) -> None:
            self.enter(where, depth + 1)
            conditions.append(OperatorCondition(op, RefOperand(path, where), LitOperand(literal, where), where))

        if "counterparts" in value:
            where = f"{location}.counterparts"
            ids = value["counterparts"]
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                self.error(where, "must be a list of counterpart ids")
            else:
                add("in", ("invoice", "counterpart_id"), self.literal(ids, where, depth + 1), where)
        if "amount" in value:
            where = f"{location}.amount"
            bounds = value["amount"]
            if not isinstance(bounds, dict) or not bounds:
                self.error(where, "must be an object such as {\"gt\": 30000}")
            else:
                for key, number in bounds.items():
                    if key not in _LEGACY_AMOUNT:
                        self.error(where, f"unknown key {_shown(key)}; use gt, gte, lt, lte or eq")
                    elif isinstance(number, bool) or not isinstance(number, int | float):
                        self.error(f"{where}.{key}", "must be a number")
                    else:
                        add(_LEGACY_AMOUNT[key], ("invoice", "amount"), number, f"{where}.{key}")
        if "currency" in value:
            where = f"{location}.currency"
            currency = value["currency"]
            if isinstance(currency, str) and self.string_ok(where, currency):
                add("==", ("invoice", "currency"), currency, where)
            elif isinstance(currency, list) and all(isinstance(c, str) for c in currency):
                add("in", ("invoice", "currency"), self.literal(currency, where, depth + 1), where)
            elif not isinstance(currency, str):
                self.error(where, "must be a currency code or a list of them")
        if "custom_params" in value:
            where = f"{location}.custom_params"
            custom = value["custom_params"]
            if not isinstance(custom, dict):
                self.error(where, "must be an object")
            else:
                origins = []
                for key, origin in _LEGACY_ORIGINS.items():
                    flag = custom.get(key, False)
                    if not isinstance(flag, bool):
                        self.error(f"{where}.{key}", "must be a boolean")
                    elif flag:
                        origins.append(origin)
                if origins:
                    add("in", ("invoice", "payable_origin"), origins, where)
        return Group(location, "all", tuple(conditions))

    # -- scripts ------------------------------------------------------------------------------

    def statements(self, items: list, location: str, depth: int) -> tuple[Statement, ...]:
        parsed = [self.statement(item, f"{location}[{i}]", depth) for i, item in enumerate(items)]
        return tuple(s for s in parsed if s is not None)

    def statement(self, value: Any, location: str, depth: int) -> Any:
        self.enter(location, depth)
        if isinstance(value, str):
            if not is_evaluated(value):
                self.error(location, f"{_STATEMENT_HINT}; a plain string is not one")
                return None
            expr = self.expression(value, location, depth, action_root=True)
            if expr is None:
                return None
            if isinstance(expr, Call) and CALLABLES[expr.func].kind == "action":
                return self.action_call(expr, location)
            return ExprCondition(expr, location)
        if isinstance(value, list):
            return Sequence(location, self.statements(value, location, depth + 1))
        if isinstance(value, dict):
            if "if" in value:
                return self.conditional(value, location, depth)
            if "then" in value or "else" in value:
                self.error(location, "'then'/'else' without 'if'")
                return None
            func = value.get("call")
            if isinstance(func, str) and func in CALLABLES and CALLABLES[func].kind == "action":
                return self.action_object(value, func, location, depth)
        return self.node(value, location, depth, entered=True)

    def node(self, value: Any, location: str, depth: int, *, entered: bool = False) -> Any:
        """What may stand in an ``if`` or inside a group: a gate, a group or a condition."""
        if not entered:
            self.enter(location, depth)
        if isinstance(value, bool):
            return Const(value, location)
        if isinstance(value, str):
            return self.string_condition(value, location, depth)
        if isinstance(value, dict):
            if "if" in value:
                self.error(location, "a conditional is not allowed here; use it as a statement")
                return None
            if "call" in value:
                return self.gate(value, location, depth)
            if "all" in value or "any" in value:
                return self.group(value, location, depth, self.node)
            if "operator" in value:
                return self.operator_condition(value, location, depth)
        if entered:
            self.error(location, f"{_STATEMENT_HINT}, not {_type_name(value)}")
        else:
            self.error(location, f"expected an approval gate, a group or a condition, not {_type_name(value)}")
        return None

    def conditional(self, value: dict, location: str, depth: int) -> Conditional | None:
        self.unknown_keys(value, {"if", "then", "else"}, location)
        condition = self.node(value["if"], f"{location}.if", depth + 1)
        branches: dict[str, tuple[Statement, ...]] = {}
        for key in ("then", "else"):
            items = value.get(key, [])
            if not isinstance(items, list):
                self.error(f"{location}.{key}", "must be a list of statements")
                items = []
            branches[key] = self.statements(items, f"{location}.{key}", depth + 1)
        if condition is None:
            return None
        return Conditional(location, condition, branches["then"], branches["else"],
                           _acts(branches["then"]), _acts(branches["else"]))

    def gate(self, value: dict, location: str, depth: int) -> GateNode | None:
        func = value["call"]
        signature = CALLABLES.get(func) if isinstance(func, str) else None
        if signature is None:
            self.error(f"{location}.call", f"unknown function {_shown(func)}")
            return None
        if signature.kind == "action":
            self.error(location, f"{func} is an action and may only be used as a statement")
            return None
        if signature.kind == "function":
            self.error(location, f"{func} is not a statement; use it as an operand of an operator object")
            return None
        self.unknown_keys(value, {"call", "params"}, location)
        kind: Literal["users", "roles"] = "users" if func.endswith("_users") else "roles"
        ids_key = signature.params[0]
        params = self.params(value, signature.params, signature.required, location)
        if params is None:
            return None
        ids = self.gate_ids(params[ids_key], kind, f"{location}.params.{ids_key}", depth + 1)
        count = self.gate_count(params["required_approval_count"], kind, ids,
                                f"{location}.params.required_approval_count", depth + 1)
        if ids is None or count is None:
            return None
        node = GateNode(location, kind, ids, count)
        self.gates.append(node)
        return node

    def gate_ids(self, raw: Any, kind: str, location: str, depth: int) -> Operand | tuple[Operand, ...] | None:
        if is_evaluated(raw):
            expr = self.expression(raw, location, depth)
            return None if expr is None else ExprOperand(expr, location)
        if not isinstance(raw, list):
            self.error(location, "must be a list of UUIDs")
            return None
        if not 1 <= len(raw) <= MAX_IDS:
            self.error(location, f"must contain between 1 and {MAX_IDS} ids")
            return None
        known = self.known_users if kind == "users" else self.known_roles
        what = "an entity user" if kind == "users" else "a role"
        seen: set[str] = set()
        operands: list[Operand] = []
        ok = True
        for i, item in enumerate(raw):
            where = f"{location}[{i}]"
            if is_evaluated(item):
                expr = self.expression(item, where, depth + 1)
                ok = ok and expr is not None
                if expr is not None:
                    operands.append(ExprOperand(expr, where))
                continue
            if not isinstance(item, str) or not _UUID.match(item):
                self.error(where, "must be a UUID")
                ok = False
                continue
            item = item.lower()
            if item in seen:
                self.error(where, f"duplicate id {item}")
                ok = False
            elif known is not None and item not in known:
                self.error(where, f"{item} is not {what} of this entity")
                ok = False
            seen.add(item)
            operands.append(LitOperand(item, where))
        return tuple(operands) if ok else None

    def gate_count(self, raw: Any, kind: str, ids: Any, location: str, depth: int) -> Operand | None:
        if is_evaluated(raw):
            expr = self.expression(raw, location, depth)
            return None if expr is None else ExprOperand(expr, location)
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.error(location, "must be an integer")
            return None
        if raw < 1:
            self.error(location, "must be at least 1")
            return None
        if kind == "users" and isinstance(ids, tuple) and all(isinstance(o, LitOperand) for o in ids) \
                and raw > len(ids):
            self.error(location, f"must not be greater than the number of user_ids ({len(ids)})")
            return None
        return LitOperand(raw, location)

    def action_call(self, expr: Call, location: str) -> ActionNode | None:
        comment = expr.arg("comment")
        if isinstance(comment, Lit) and comment.value is not None and not isinstance(comment.value, str):
            self.error(location, "the comment of Payables.mark_as_paid must be a string")
            return None
        payable_id = expr.arg("payable_id")
        assert payable_id is not None  # required by the signature
        return ActionNode(location, expr.func.split(".", 1)[1],  # type: ignore[arg-type]
                          ExprOperand(payable_id, location),
                          None if comment is None else ExprOperand(comment, location))

    def action_object(self, value: dict, func: str, location: str, depth: int) -> ActionNode | None:
        self.unknown_keys(value, {"call", "params"}, location)
        signature = CALLABLES[func]
        params = self.params(value, signature.params, signature.required, location)
        if params is None:
            return None
        payable_id = self.operand(params["payable_id"], f"{location}.params.payable_id", depth + 1)
        comment = None
        if "comment" in params:
            comment = self.operand(params["comment"], f"{location}.params.comment", depth + 1)
            if isinstance(comment, LitOperand) and comment.value is not None and not isinstance(comment.value, str):
                self.error(f"{location}.params.comment", "must be a string")
                return None
            if comment is None:
                return None
        if payable_id is None:
            return None
        return ActionNode(location, func.split(".", 1)[1], payable_id, comment)  # type: ignore[arg-type]


def _acts(statements: tuple[Statement, ...]) -> bool:
    """Whether a branch contains a ``Payables.*`` action anywhere."""
    stack: list[Any] = list(statements)
    while stack:
        current = stack.pop()
        if isinstance(current, ActionNode):
            return True
        if isinstance(current, Conditional):
            stack.extend((*current.then, *current.otherwise))
        elif isinstance(current, Sequence):
            stack.extend(current.items)
    return False


def _capped(errors: list[str], place: str) -> list[str]:
    if len(errors) <= MAX_REPORTED_ERRORS:
        return errors
    extra = len(errors) - MAX_REPORTED_ERRORS
    return [*errors[:MAX_REPORTED_ERRORS], f"{place}: … and {extra} more error{'s' if extra > 1 else ''}"]


def parse_trigger(raw: Any) -> Trigger:
    """Parse and validate a trigger (spec 20 §5). ``None`` matches every submission."""
    if raw is None:
        return Trigger(None)
    parser = _Parser("trigger")
    root = None
    try:
        root = parser.trigger_node(raw, "trigger", 1, top=True)
    except _Abort:
        pass
    except RecursionError:  # pragma: no cover - the depth limit makes this unreachable
        parser.error("trigger", f"nested deeper than {MAX_DEPTH} levels")
    if parser.errors or root is None:
        raise ScriptError(_capped(parser.errors, "trigger") or ["trigger: invalid trigger"])
    return Trigger(root)


def parse_script(raw: Any, *, known_user_ids: set[str] | None = None,
                 known_role_ids: set[str] | None = None) -> Script:
    """Parse and validate a script (spec 20 §6.8).

    When ``known_user_ids`` / ``known_role_ids`` are given, every literal id of a gate must be one of them.
    """
    if not isinstance(raw, list):
        raise ScriptError([f"script: must be a list of statements, not {_type_name(raw)}"])
    if not raw:
        raise ScriptError(["script: must contain at least one statement"])
    parser = _Parser("script", known_user_ids=known_user_ids, known_role_ids=known_role_ids)
    statements: tuple[Statement, ...] = ()
    try:
        statements = parser.statements(raw, "script", 1)
    except _Abort:
        pass
    except RecursionError:  # pragma: no cover - the depth limit makes this unreachable
        parser.error("script", f"nested deeper than {MAX_DEPTH} levels")
    if len(parser.gates) > MAX_GATES:
        parser.error("script", f"more than {MAX_GATES} approval gates")
    if parser.errors:
        raise ScriptError(_capped(parser.errors, "script"))
    return Script(statements, tuple(parser.gates))
