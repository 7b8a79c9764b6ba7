"""Parse triggers (docs/approvals-script.md, "Triggers"), including the legacy ``"version": 1`` object."""

from __future__ import annotations

from typing import Any

from .errors import ScriptError
from .expressions import CALLABLES
from .nodes import Const, Group, LitOperand, OperatorCondition, RefOperand, Trigger
from .parser import CONDITION_HINT, MAX_DEPTH, Abort, DocumentParser, capped, shown, type_name

_LEGACY_KEYS = frozenset({
    "version", "object_type", "action", "counterparts", "amount", "currency", "custom_params", "statuses",
    "previously_approved",
})
_LEGACY_AMOUNT = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "=="}
_LEGACY_ORIGINS = {"comes_from_email": "email", "comes_from_upload": "upload"}


class _TriggerParser(DocumentParser):
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
                    self.error(f"{location}.call", f"unknown function {shown(func)}")
                elif signature.kind != "function":
                    self.error(location, f"{func} is not allowed in a trigger")
                else:
                    self.error(location, f"{func} is not a condition; use it as an operand of an operator object")
                return None
            if "all" in value or "any" in value:
                return self.group(value, location, depth, self.trigger_node)
            if "operator" in value:
                return self.operator_condition(value, location, depth)
        self.error(location, f"{CONDITION_HINT}, not {type_name(value)}")
        return None

    def legacy(self, value: dict, location: str, depth: int) -> Group | None:
        """The early ``"version": 1`` object form, translated into an ``all``
        (docs/approvals-script.md, "Triggers")."""
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
                        self.error(where, f"unknown key {shown(key)}; use gt, gte, lt, lte or eq")
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


def parse_trigger(raw: Any) -> Trigger:
    """Parse and validate a trigger (docs/approvals-script.md, "Triggers"). ``None`` matches every
    submission."""
    if raw is None:
        return Trigger(None)
    parser = _TriggerParser("trigger")
    root = None
    try:
        root = parser.trigger_node(raw, "trigger", 1, top=True)
    except Abort:
        pass
    except RecursionError:  # pragma: no cover - the depth limit makes this unreachable
        parser.error("trigger", f"nested deeper than {MAX_DEPTH} levels")
    if parser.errors or root is None:
        raise ScriptError(capped(parser.errors, "trigger") or ["trigger: invalid trigger"])
    return Trigger(root)
