"""Evaluate expressions, operands and conditions over a snapshot
(docs/approvals-script.md, "Evaluated strings", "Operator objects and operands")."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from . import values
from .errors import EvaluationError
from .expressions import Attr, BoolOp, Call, Compare, Expr, ListExpr, Lit, Name, Not
from .nodes import (
    CallOperand,
    Const,
    ExprCondition,
    ExprOperand,
    Group,
    LitOperand,
    Operand,
    OperatorCondition,
    RefOperand,
    Trigger,
)


@dataclass(frozen=True)
class Environment:
    """What evaluation may see.

    ``context`` is ``{"event_name": "submitted_for_approval", "invoice": {...}}``
    (docs/approvals-script.md, "Evaluation context"). ``convert(amount, from_currency,
    to_currency)`` is ``Currency.convert`` with the entity's rates; it raises ``LookupError`` (or
    ``EvaluationError``) when there is no rate.
    """

    context: dict[str, Any]
    convert: Callable[[int, str, str], int] | None = None


def _context(env: Environment) -> Mapping[str, Any]:
    if not isinstance(env.context, Mapping):
        raise EvaluationError("the evaluation context must be an object")
    return env.context


def convert(env: Environment, amount: Any, from_currency: Any, to_currency: Any, location: str | None) -> int:
    """``Currency.convert``: same currency → unchanged; otherwise the environment's converter."""
    if isinstance(amount, float | Decimal):
        exact = values.as_decimal(amount)
        if exact is not None and exact == exact.to_integral_value():
            amount = int(exact)
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise EvaluationError("Currency.convert: amount must be an integer number of minor units", location)
    if not isinstance(from_currency, str) or not isinstance(to_currency, str):
        raise EvaluationError("Currency.convert: currencies must be currency codes", location)
    source, target = from_currency.upper(), to_currency.upper()
    if source == target:
        return amount
    if env.convert is None:
        raise EvaluationError(f"No exchange rate from {source} to {target}", location)
    try:
        result = env.convert(amount, source, target)
    except EvaluationError as exc:
        raise EvaluationError(exc.message, exc.location or location) from None
    except KeyError:
        raise EvaluationError(f"No exchange rate from {source} to {target}", location) from None
    except LookupError as exc:
        raise EvaluationError(str(exc) or f"No exchange rate from {source} to {target}", location) from None
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise EvaluationError(f"Currency.convert failed: {exc}", location) from None
    if isinstance(result, bool) or not isinstance(result, int):
        raise EvaluationError("Currency.convert did not return an integer amount", location)
    return result


def evaluate(expr: Expr, env: Environment, location: str | None) -> Any:
    """The value of an expression tree. Raises ``EvaluationError`` located at ``location``."""
    if isinstance(expr, Lit):
        return expr.value
    if isinstance(expr, Name):
        return _context(env).get(expr.name)
    if isinstance(expr, Attr):
        try:
            return values.attribute(evaluate(expr.obj, env, location), expr.name)
        except EvaluationError as exc:
            raise EvaluationError(exc.message, exc.location or location) from None
    if isinstance(expr, ListExpr):
        return [evaluate(item, env, location) for item in expr.items]
    if isinstance(expr, Not):
        return not values.truthy(evaluate(expr.operand, env, location))
    if isinstance(expr, BoolOp):
        if expr.op == "and":
            return all(values.truthy(evaluate(o, env, location)) for o in expr.operands)
        return any(values.truthy(evaluate(o, env, location)) for o in expr.operands)
    if isinstance(expr, Compare):
        left = evaluate(expr.left, env, location)
        right = evaluate(expr.right, env, location)
        try:
            return values.compare(expr.op, left, right)
        except EvaluationError as exc:
            raise EvaluationError(exc.message, exc.location or location) from None
    if isinstance(expr, Call) and expr.func == "Currency.convert":
        args = {name: evaluate(value, env, location) for name, value in expr.args}
        return convert(env, args["amount"], args["from_currency"], args["to_currency"], location)
    raise EvaluationError(f"{getattr(expr, 'func', type(expr).__name__)} cannot be evaluated here", location)


def operand(node: Operand, env: Environment) -> Any:
    if isinstance(node, LitOperand):
        return node.value
    if isinstance(node, ExprOperand):
        return evaluate(node.expr, env, node.location)
    if isinstance(node, RefOperand):
        value: Any = _context(env).get(node.path[0])
        try:
            for part in node.path[1:]:
                value = values.attribute(value, part)
        except EvaluationError as exc:
            raise EvaluationError(exc.message, node.location) from None
        return value
    if isinstance(node, CallOperand):
        args = {name: operand(value, env) for name, value in node.params}
        return convert(env, args.get("amount"), args.get("from_currency"), args.get("to_currency"), node.location)
    raise EvaluationError(f"unsupported operand {type(node).__name__}")  # pragma: no cover


def condition(node: Any, env: Environment) -> bool:
    """A condition (or, in a trigger, a group of conditions) as a boolean."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, ExprCondition):
        return values.truthy(evaluate(node.expr, env, node.location))
    if isinstance(node, OperatorCondition):
        left = operand(node.left, env)
        right = operand(node.right, env)
        try:
            return values.compare(node.op, left, right)
        except EvaluationError as exc:
            raise EvaluationError(exc.message, exc.location or node.location) from None
    if isinstance(node, Group):
        if node.kind == "all":
            return all(condition(child, env) for child in node.children)
        return any(condition(child, env) for child in node.children)
    raise EvaluationError(f"{type(node).__name__} is not a condition", getattr(node, "location", None))


def evaluate_trigger(trigger: Trigger, env: Environment) -> bool:
    """Whether a payable matches a trigger (docs/approvals-script.md, "Triggers"). Raises
    ``EvaluationError``."""
    if trigger.root is None:
        return True
    return condition(trigger.root, env)
