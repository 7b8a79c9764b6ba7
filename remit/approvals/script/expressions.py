"""Evaluated strings ``"{…}"``: tokenizer, syntax tree and recursive-descent parser
(docs/approvals-script.md, "Evaluated strings").

Grammar::

    expr        := or_expr
    or_expr     := and_expr ( ("or" | "||") and_expr )*
    and_expr    := not_expr ( ("and" | "&&") not_expr )*
    not_expr    := ("not" | "!") not_expr | comparison
    comparison  := postfix ( comp_op postfix )?
    comp_op     := "==" | "!=" | ">" | ">=" | "<" | "<=" | "in" | "not in"
    postfix     := primary ( "." NAME | "(" [ arg ("," arg)* ] ")" )*
    arg         := expr | NAME "=" expr
    primary     := NUMBER | STRING | true | false | null | True | False | None
                 | "[" [ expr ("," expr)* ] "]" | NAME | "(" expr ")"

The parser never evaluates anything; it only builds the tree. Its recursion and the height of the
tree are capped, so a hostile string cannot exhaust the stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

# -- callables (docs/approvals-script.md, "Callables") ----------------------------------------

CallableKind = Literal["function", "action", "gate"]


@dataclass(frozen=True, slots=True)
class Signature:
    kind: CallableKind
    params: tuple[str, ...]
    required: int


CALLABLES: dict[str, Signature] = {
    "Currency.convert": Signature("function", ("amount", "from_currency", "to_currency"), 3),
    "Payables.approve": Signature("action", ("payable_id",), 1),
    "Payables.reject": Signature("action", ("payable_id",), 1),
    "Payables.mark_as_paid": Signature("action", ("payable_id", "comment"), 1),
    "ApprovalRequests.request_approval_by_users": Signature("gate", ("user_ids", "required_approval_count"), 2),
    "ApprovalRequests.request_approval_by_roles": Signature("gate", ("role_ids", "required_approval_count"), 2),
}
#: Top-level names a value may start from.
NAMES = frozenset({"event_name", "invoice"})
#: Names that are only usable as the owner of a callable.
CONNECTORS = frozenset({"ApprovalRequests", "Payables", "Currency"})

_KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null", "True", "False", "None"})
_LITERAL_WORDS: dict[str, Any] = {
    "true": True, "True": True, "false": False, "False": False, "null": None, "None": None,
}
_SINGLE_QUOTES = "'\u2018\u2019"  # ' ‘ ’
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}
_TWO_CHAR_OPS = ("==", "!=", ">=", "<=", "&&", "||")
_ONE_CHAR_OPS = "<>!().,[]="
_COMPARISONS = frozenset({"==", "!=", ">", ">=", "<", "<="})


# -- syntax tree ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lit:
    value: Any


@dataclass(frozen=True, slots=True)
class ListExpr:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Name:
    name: str


@dataclass(frozen=True, slots=True)
class Attr:
    obj: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[tuple[str, Expr], ...]  # bound to parameter names, in signature order

    def arg(self, name: str) -> Expr | None:
        for key, value in self.args:
            if key == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: Literal["and", "or"]
    operands: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Expr
    right: Expr


Expr = Lit | ListExpr | Name | Attr | Call | Not | BoolOp | Compare


class ExprSyntaxError(Exception):
    """The string is not a valid expression; the message says where."""


class ExprLimitError(Exception):
    """The expression is nested too deeply or has too many nodes."""


# -- tokenizer --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: Literal["num", "str", "name", "op", "end"]
    value: Any
    pos: int  # offset in the expression text


def _tokenize(text: str, offset: int) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        start = i
        if c == '"' or c in _SINGLE_QUOTES:
            closers = '"' if c == '"' else _SINGLE_QUOTES
            i += 1
            chars: list[str] = []
            while True:
                if i >= n:
                    raise ExprSyntaxError(f"syntax error at character {start + offset}: unterminated string")
                ch = text[i]
                if ch == "\\" and i + 1 < n:
                    chars.append(_ESCAPES.get(text[i + 1], text[i + 1]))
                    i += 2
                    continue
                if ch in closers:
                    i += 1
                    break
                chars.append(ch)
                i += 1
            tokens.append(_Token("str", "".join(chars), start))
            continue
        if c.isascii() and (c.isdigit() or (c == "-" and i + 1 < n and text[i + 1].isascii() and text[i + 1].isdigit())):
            i += 1
            while i < n and text[i].isascii() and text[i].isdigit():
                i += 1
            is_decimal = i + 1 < n and text[i] == "." and text[i + 1].isascii() and text[i + 1].isdigit()
            if is_decimal:
                i += 1
                while i < n and text[i].isascii() and text[i].isdigit():
                    i += 1
            literal = text[start:i]
            tokens.append(_Token("num", Decimal(literal) if is_decimal else int(literal), start))
            continue
        if c.isascii() and (c.isalpha() or c == "_"):
            while i < n and text[i].isascii() and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append(_Token("name", text[start:i], start))
            continue
        if text.startswith(_TWO_CHAR_OPS, i):
            tokens.append(_Token("op", text[i:i + 2], start))
            i += 2
            continue
        if c in _ONE_CHAR_OPS:
            tokens.append(_Token("op", c, start))
            i += 1
            continue
        raise ExprSyntaxError(f"syntax error at character {start + offset}: unexpected character {c!r}")
    tokens.append(_Token("end", None, n))
    return tokens


# -- parser -----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, *, offset: int, max_height: int, max_nodes: int) -> None:
        self.tokens = _tokenize(text, offset)
        self.i = 0
        self.offset = offset
        self.max_height = max_height
        self.max_nodes = max_nodes
        self.nodes = 0
        self.nesting = 0

    # token helpers
    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def _next_is(self, kind: str, value: Any = None, ahead: int = 0) -> bool:
        j = min(self.i + ahead, len(self.tokens) - 1)
        t = self.tokens[j]
        return t.kind == kind and (value is None or t.value == value)

    def _advance(self) -> _Token:
        t = self.tokens[self.i]
        if t.kind != "end":
            self.i += 1
        return t

    def _fail(self, message: str, token: _Token | None = None) -> ExprSyntaxError:
        t = token or self.tok
        return ExprSyntaxError(f"syntax error at character {t.pos + self.offset}: {message}")

    def _describe(self, t: _Token) -> str:
        if t.kind == "end":
            return "end of expression"
        if t.kind == "str":
            return "string"
        return repr(str(t.value))

    def _expect_op(self, value: str) -> None:
        if not self._next_is("op", value):
            raise self._fail(f"expected {value!r}, found {self._describe(self.tok)}")
        self._advance()

    # limits
    def _node(self, node: Expr, height: int) -> tuple[Expr, int]:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise ExprLimitError("nodes")
        if height > self.max_height:
            raise ExprLimitError("depth")
        return node, height

    def _enter(self) -> None:
        self.nesting += 1
        if self.nesting > self.max_height:
            raise ExprLimitError("depth")

    def _leave(self) -> None:
        self.nesting -= 1

    # grammar
    def parse(self) -> Expr:
        if self.tok.kind == "end":
            raise self._fail("empty expression")
        node, _ = self._or()
        if self.tok.kind != "end":
            raise self._fail(f"unexpected {self._describe(self.tok)}")
        return node

    def _or(self) -> tuple[Expr, int]:
        node, height = self._and()
        items, heights = [node], [height]
        while self._next_is("name", "or") or self._next_is("op", "||"):
            self._advance()
            node, height = self._and()
            items.append(node)
            heights.append(height)
        if len(items) == 1:
            return items[0], heights[0]
        return self._node(BoolOp("or", tuple(items)), 1 + max(heights))

    def _and(self) -> tuple[Expr, int]:
        node, height = self._not()
        items, heights = [node], [height]
        while self._next_is("name", "and") or self._next_is("op", "&&"):
            self._advance()
            node, height = self._not()
            items.append(node)
            heights.append(height)
        if len(items) == 1:
            return items[0], heights[0]
        return self._node(BoolOp("and", tuple(items)), 1 + max(heights))

    def _not(self) -> tuple[Expr, int]:
        if self._next_is("name", "not") or self._next_is("op", "!"):
            self._advance()
            self._enter()
            operand, height = self._not()
            self._leave()
            return self._node(Not(operand), height + 1)
        return self._comparison()

    def _comparison(self) -> tuple[Expr, int]:
        left, lh = self._postfix()
        op: str | None = None
        if self.tok.kind == "op" and self.tok.value in _COMPARISONS:
            op = self._advance().value
        elif self._next_is("name", "in"):
            self._advance()
            op = "in"
        elif self._next_is("name", "not") and self._next_is("name", "in", ahead=1):
            self._advance()
            self._advance()
            op = "not in"
        if op is None:
            return left, lh
        right, rh = self._postfix()
        return self._node(Compare(op, left, right), 1 + max(lh, rh))

    def _postfix(self) -> tuple[Expr, int]:
        node, height = self._primary()
        while True:
            if self._next_is("op", "."):
                self._advance()
                if self.tok.kind != "name":
                    raise self._fail(f"expected a name after '.', found {self._describe(self.tok)}")
                node, height = self._node(Attr(node, self._advance().value), height + 1)
            elif self._next_is("op", "("):
                open_token = self._advance()
                func = _dotted(node)
                if func is None:
                    raise self._fail("only functions can be called", open_token)
                signature = CALLABLES.get(func)
                if signature is None:
                    raise ExprSyntaxError(f"unknown function {func!r}")
                node, height = self._call(func, signature)
            else:
                return node, height

    def _call(self, func: str, signature: Signature) -> tuple[Expr, int]:
        self._enter()
        positional: list[Expr] = []
        keywords: list[tuple[str, Expr]] = []
        height = 0
        if not self._next_is("op", ")"):
            while True:
                if (self.tok.kind == "name" and self.tok.value not in _KEYWORDS
                        and self._next_is("op", "=", ahead=1)):
                    key = self._advance().value
                    self._advance()
                    value, h = self._or()
                    keywords.append((key, value))
                else:
                    if keywords:
                        raise self._fail("positional argument after keyword argument")
                    value, h = self._or()
                    positional.append(value)
                height = max(height, h)
                if self._next_is("op", ","):
                    self._advance()
                    continue
                break
        self._expect_op(")")
        self._leave()
        return self._node(Call(func, _bind(func, signature, positional, keywords)), height + 1)

    def _primary(self) -> tuple[Expr, int]:
        t = self.tok
        if t.kind in ("num", "str"):
            self._advance()
            return self._node(Lit(t.value), 1)
        if t.kind == "name":
            if t.value in _LITERAL_WORDS:
                self._advance()
                return self._node(Lit(_LITERAL_WORDS[t.value]), 1)
            if t.value in _KEYWORDS:
                raise self._fail(f"unexpected {t.value!r}")
            self._advance()
            return self._node(Name(t.value), 1)
        if t.kind == "op" and t.value == "(":
            self._advance()
            self._enter()
            node, height = self._or()
            self._leave()
            self._expect_op(")")
            return node, height
        if t.kind == "op" and t.value == "[":
            self._advance()
            self._enter()
            items: list[Expr] = []
            height = 0
            if not self._next_is("op", "]"):
                while True:
                    item, h = self._or()
                    items.append(item)
                    height = max(height, h)
                    if self._next_is("op", ","):
                        self._advance()
                        continue
                    break
            self._expect_op("]")
            self._leave()
            if all(isinstance(item, Lit) for item in items):
                return self._node(Lit([item.value for item in items]), height + 1)  # type: ignore[union-attr]
            return self._node(ListExpr(tuple(items)), height + 1)
        raise self._fail(f"unexpected {self._describe(t)}")


def _dotted(node: Expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, Attr):
        parts.append(node.name)
        node = node.obj
    if not isinstance(node, Name):
        return None
    parts.append(node.name)
    return ".".join(reversed(parts))


def _bind(func: str, signature: Signature, positional: list[Expr],
          keywords: list[tuple[str, Expr]]) -> tuple[tuple[str, Expr], ...]:
    names = signature.params
    if len(positional) > len(names):
        raise ExprSyntaxError(f"{func} takes at most {len(names)} argument{'s' if len(names) > 1 else ''}")
    bound: dict[str, Expr] = dict(zip(names, positional, strict=False))
    for key, value in keywords:
        if key not in names:
            raise ExprSyntaxError(f"{func} has no parameter {key!r}")
        if key in bound:
            raise ExprSyntaxError(f"{func} got parameter {key!r} twice")
        bound[key] = value
    for name in names[:signature.required]:
        if name not in bound:
            raise ExprSyntaxError(f"{func} is missing parameter {name!r}")
    return tuple((name, bound[name]) for name in names if name in bound)


def parse(text: str, *, offset: int = 2, max_height: int = 16, max_nodes: int = 500) -> tuple[Expr, int]:
    """Parse the inside of an evaluated string; returns the tree and its node count.

    ``offset`` turns a position in ``text`` into the 1-based character of the whole string (2: after "{").
    Raises ``ExprSyntaxError`` or ``ExprLimitError``.
    """
    if max_height < 1:
        raise ExprLimitError("depth")
    parser = _Parser(text, offset=offset, max_height=max_height, max_nodes=max_nodes)
    return parser.parse(), parser.nodes


# -- what a tree may use ----------------------------------------------------------------------


def problems(expr: Expr, *, place: Literal["trigger", "script"], allow_action_root: bool = False) -> list[str]:
    """Names and calls the tree may not use where it stands
    (docs/approvals-script.md, "Triggers", "Callables")."""
    found: list[str] = []
    stack: list[tuple[Expr, bool]] = [(expr, True)]
    while stack:
        node, is_root = stack.pop()
        if isinstance(node, Name):
            if node.name in CONNECTORS:
                found.append(f"{node.name!r} is not a value; only its functions can be called")
            elif node.name not in NAMES:
                found.append(f"unknown name {node.name!r}")
        elif isinstance(node, Attr):
            stack.append((node.obj, False))
        elif isinstance(node, Call):
            kind = CALLABLES[node.func].kind
            if kind != "function" and place == "trigger":
                found.append(f"{node.func} is not allowed in a trigger")
            elif kind == "gate":
                found.append(f"{node.func} must be written in object form: "
                             '{"call": "' + node.func + '", "params": {…}}')
            elif kind == "action" and not (allow_action_root and is_root):
                found.append(f"{node.func} is an action and may only be used as a statement")
            stack.extend((value, False) for _, value in reversed(node.args))
        elif isinstance(node, Not):
            stack.append((node.operand, False))
        elif isinstance(node, BoolOp | ListExpr):
            children = node.operands if isinstance(node, BoolOp) else node.items
            stack.extend((child, False) for child in reversed(children))
        elif isinstance(node, Compare):
            stack.append((node.right, False))
            stack.append((node.left, False))
    return found
