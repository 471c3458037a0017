"""Lesson conditions (``expect`` and ``advance``) such as ``grad_ratio < 1e-3`` or
``momentum.final_loss < sgd.final_loss and steps >= 500``.

Parsed with ``ast`` against a whitelist, like the ``expr:`` surfaces: numbers, names (dotted names
read one live number each), arithmetic, comparisons, ``and`` / ``or`` / ``not``, and ``abs``,
``min``, ``max``, ``log10``. No text ever reaches ``eval``.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass

MAX_LENGTH = 300

_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_FUNCTIONS: dict[str, Callable] = {"abs": abs, "min": min, "max": max, "log10": math.log10}

Values = Mapping[str, float]
Node = Callable[[Values], float]


class ConditionError(ValueError):
    """A condition that is not allowed or names an unknown number; the message says which."""


@dataclass(frozen=True)
class Condition:
    text: str
    names: frozenset[str]  # the live numbers it reads
    _fn: Node

    def __call__(self, values: Values) -> bool:
        return bool(self._fn(values))

    def explain(self, values: Values) -> str:
        """The condition with its numbers filled in, e.g. ``grad_ratio (0.0021) < 1e-3``."""
        shown = ", ".join(f"{n} = {_fmt(values.get(n))}" for n in sorted(self.names))
        return f"{self.text}  [{shown}]" if shown else self.text


def _fmt(v) -> str:
    if v is None:
        return "?"
    if isinstance(v, bool):
        return str(v).lower()
    return f"{v:.4g}"


def parse_condition(text: str, known: set[str] | None = None) -> Condition:
    """Check ``text``; with ``known``, every name must be one of those live numbers."""
    text = str(text).strip()
    if not text:
        raise ConditionError("the condition is empty")
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"the condition is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ConditionError(f"{text!r} is not a valid condition: {exc.msg}") from None
    names: set[str] = set()
    fn = _build(tree.body, names, 0)
    if known is not None:
        unknown = sorted(names - known)
        if unknown:
            raise ConditionError(
                f"{text!r} reads {', '.join(unknown)}, which this scene does not provide; "
                f"it provides {', '.join(sorted(known))}"
            )
    return Condition(text, frozenset(names), fn)


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _build(node: ast.AST, names: set[str], depth: int) -> Node:
    if depth > 40:
        raise ConditionError("the condition is nested too deeply")
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, bool)):
        c = node.value
        return lambda v: c
    name = _dotted(node)
    if name is not None:
        if name in ("true", "false"):
            c = name == "true"
            return lambda v: c
        names.add(name)

        def read(v: Values, name=name):
            if name not in v:
                raise ConditionError(f"{name} has no value yet")
            return v[name]

        return read
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        op = _BINARY[type(node.op)]
        a, b = _build(node.left, names, depth + 1), _build(node.right, names, depth + 1)
        return lambda v: op(a(v), b(v))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
        inner = _build(node.operand, names, depth + 1)
        if isinstance(node.op, ast.Not):
            return lambda v: not inner(v)
        sign = -1 if isinstance(node.op, ast.USub) else 1
        return lambda v: sign * inner(v)
    if isinstance(node, ast.BoolOp):
        parts = [_build(p, names, depth + 1) for p in node.values]
        if isinstance(node.op, ast.And):
            return lambda v: all(p(v) for p in parts)
        return lambda v: any(p(v) for p in parts)
    if isinstance(node, ast.Compare) and all(type(o) in _COMPARE for o in node.ops):
        terms = [_build(t, names, depth + 1) for t in [node.left, *node.comparators]]
        ops = [_COMPARE[type(o)] for o in node.ops]

        def compare(v: Values) -> bool:
            values = [t(v) for t in terms]
            return all(op(a, b) for op, a, b in zip(ops, values, values[1:], strict=False))

        return compare
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        fn = _FUNCTIONS.get(node.func.id)
        if fn is None or node.keywords or not node.args:
            raise ConditionError(
                f"the function {node.func.id!r} is not allowed; allowed: {', '.join(_FUNCTIONS)}"
            )
        args = [_build(a, names, depth + 1) for a in node.args]
        return lambda v: fn(*(a(v) for a in args))
    raise ConditionError(
        f"{ast.unparse(node)!r} is not allowed in a condition; use numbers, live values, "
        "+ - * / **, comparisons, and/or/not and " + ", ".join(_FUNCTIONS)
    )
