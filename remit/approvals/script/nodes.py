"""Parsed triggers and scripts: frozen, typed nodes, each carrying the location it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from .expressions import Expr

# -- operands (docs/approvals-script.md, "Operator objects and operands") ---------------------


@dataclass(frozen=True, slots=True)
class LitOperand:
    value: Any
    location: str


@dataclass(frozen=True, slots=True)
class ExprOperand:
    expr: Expr
    location: str


@dataclass(frozen=True, slots=True)
class RefOperand:
    path: tuple[str, ...]
    location: str


@dataclass(frozen=True, slots=True)
class CallOperand:
    func: str
    params: tuple[tuple[str, Operand], ...]
    location: str


Operand = LitOperand | ExprOperand | RefOperand | CallOperand


# -- conditions (docs/approvals-script.md, "Triggers") ----------------------------------------


@dataclass(frozen=True, slots=True)
class Const:
    value: bool
    location: str


@dataclass(frozen=True, slots=True)
class ExprCondition:
    expr: Expr
    location: str


@dataclass(frozen=True, slots=True)
class OperatorCondition:
    op: str
    left: Operand
    right: Operand
    location: str


Condition = Const | ExprCondition | OperatorCondition


# -- script statements (docs/approvals-script.md, "Scripts") ----------------------------------


@dataclass(frozen=True, slots=True)
class GateNode:
    location: str
    kind: Literal["users", "roles"]
    ids: Operand | tuple[Operand, ...]  # a literal list (one operand per element) or one evaluated string
    count: Operand


@dataclass(frozen=True, slots=True)
class Group:
    """``all``/``any``; in a trigger ``concurrent`` is meaningless and always true."""

    location: str
    kind: Literal["all", "any"]
    children: tuple[Node, ...]
    concurrent: bool = True


@dataclass(frozen=True, slots=True)
class Conditional:
    location: str
    condition: Node
    then: tuple[Statement, ...]
    otherwise: tuple[Statement, ...]
    then_acts: bool  # the branch contains a Payables.* action somewhere
    otherwise_acts: bool


@dataclass(frozen=True, slots=True)
class ActionNode:
    location: str
    kind: Literal["approve", "reject", "mark_as_paid"]
    payable_id: Operand
    comment: Operand | None


@dataclass(frozen=True, slots=True)
class Sequence:
    location: str
    items: tuple[Statement, ...]


#: What may stand in an ``if`` or inside a group.
Node = GateNode | Group | Condition
Statement = Node | Conditional | ActionNode | Sequence


@dataclass(frozen=True, slots=True)
class Trigger:
    """A parsed trigger; ``root`` None matches every submission."""

    root: Group | Condition | None


@dataclass(frozen=True, slots=True)
class Script:
    """A parsed script; ``gate_nodes`` lists every approval gate in document order, depth-first."""

    statements: tuple[Statement, ...]
    gate_nodes: tuple[GateNode, ...]


def gates_under(node: Any) -> list[str]:
    """Locations of the gates inside a node (document order)."""
    found: list[str] = []
    stack: list[Any] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, GateNode):
            found.append(current.location)
        elif isinstance(current, Group):
            stack.extend(reversed(current.children))
        elif isinstance(current, Conditional):
            stack.extend(reversed((current.condition, *current.then, *current.otherwise)))
        elif isinstance(current, Sequence):
            stack.extend(reversed(current.items))
        elif isinstance(current, tuple | list):
            stack.extend(reversed(current))
    return found
