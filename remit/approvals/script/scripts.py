"""Parse scripts (docs/approvals-script.md, "Scripts", "Callables", "Limits"): statements, gates,
conditionals and actions."""

from __future__ import annotations

import re
from typing import Any, Literal

from .errors import ScriptError
from .expressions import CALLABLES, Call, Lit
from .nodes import (
    ActionNode,
    Conditional,
    Const,
    ExprCondition,
    ExprOperand,
    GateNode,
    LitOperand,
    Operand,
    Script,
    Sequence,
    Statement,
)
from .parser import MAX_DEPTH, MAX_GATES, MAX_IDS, Abort, DocumentParser, capped, is_evaluated, shown, type_name

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_STATEMENT_HINT = ("expected a statement: an evaluated string \"{…}\", an approval gate, a group, "
                   "a conditional, an operator object or a list")


class _ScriptParser(DocumentParser):
    def __init__(self, *, known_user_ids: set[str] | None = None, known_role_ids: set[str] | None = None) -> None:
        super().__init__("script")
        self.gates: list[GateNode] = []
        self.known_users = None if known_user_ids is None else {str(u).lower() for u in known_user_ids}
        self.known_roles = None if known_role_ids is None else {str(r).lower() for r in known_role_ids}

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
            self.error(location, f"{_STATEMENT_HINT}, not {type_name(value)}")
        else:
            self.error(location, f"expected an approval gate, a group or a condition, not {type_name(value)}")
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
            self.error(f"{location}.call", f"unknown function {shown(func)}")
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


def parse_script(raw: Any, *, known_user_ids: set[str] | None = None,
                 known_role_ids: set[str] | None = None) -> Script:
    """Parse and validate a script (docs/approvals-script.md, "Scripts", "Limits").

    When ``known_user_ids`` / ``known_role_ids`` are given, every literal id of a gate must be one of them.
    """
    if not isinstance(raw, list):
        raise ScriptError([f"script: must be a list of statements, not {type_name(raw)}"])
    if not raw:
        raise ScriptError(["script: must contain at least one statement"])
    parser = _ScriptParser(known_user_ids=known_user_ids, known_role_ids=known_role_ids)
    statements: tuple[Statement, ...] = ()
    try:
        statements = parser.statements(raw, "script", 1)
    except Abort:
        pass
    except RecursionError:  # pragma: no cover - the depth limit makes this unreachable
        parser.error("script", f"nested deeper than {MAX_DEPTH} levels")
    if len(parser.gates) > MAX_GATES:
        parser.error("script", f"more than {MAX_GATES} approval gates")
    if parser.errors:
        raise ScriptError(capped(parser.errors, "script"))
    return Script(statements, tuple(parser.gates))
