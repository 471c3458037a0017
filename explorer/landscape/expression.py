"""Custom surfaces from a formula such as ``x**2 - y**2 + 0.1*sin(3*x)``.

The text is parsed with ``ast`` and checked against a whitelist; what passes is turned into a
closure of torch operations. No text ever reaches ``eval`` or ``exec``.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

import torch

from explorer.specs import SurfaceSpec

FUNCTIONS: dict[str, Callable] = {
    "sin": torch.sin,
    "cos": torch.cos,
    "tan": torch.tan,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "tanh": torch.tanh,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "atan": torch.atan,
    "sigmoid": torch.sigmoid,
}
CONSTANTS = {"pi": math.pi, "e": math.e}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos}
MAX_LENGTH = 500
MAX_DEPTH = 60

Node = Callable[[torch.Tensor, torch.Tensor], torch.Tensor | float]


class ExpressionError(ValueError):
    """A formula that is not allowed; the message says what and how to fix it."""


def compile_expression(text: str) -> Node:
    """Check ``text`` and return ``f(x, y)`` built from torch ops (raises ExpressionError)."""
    text = text.strip()
    if not text:
        raise ExpressionError(
            "The expression is empty; write a formula in x and y, e.g. x**2 + y**2."
        )
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"The expression is longer than {MAX_LENGTH} characters.")
    try:
        tree = ast.parse(text.replace("^", "**"), mode="eval")
    except SyntaxError as exc:
        col = f" near column {exc.offset}" if exc.offset else ""
        raise ExpressionError(f"The expression is not valid maths{col}: {exc.msg}.") from None
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    fn = _build(tree.body, 0)
    if not names & {"x", "y"}:
        raise ExpressionError(
            "The formula does not use x or y: a constant surface has no slope to roll down; "
            "write a formula in x and y, e.g. x**2 + y**2."
        )
    return fn


def _constant(node: ast.AST) -> float | None:
    """The value of a subtree without x or y (e.g. ``+1e308`` or ``2*50``), or None."""
    if any(isinstance(n, ast.Name) and n.id in ("x", "y") for n in ast.walk(node)):
        return None
    try:
        value = _build(node, 0)(torch.zeros(()), torch.zeros(()))
        return float(value)
    except (ExpressionError, TypeError, ValueError, OverflowError, ZeroDivisionError):
        return None


def _build(node: ast.AST, depth: int) -> Node:
    if depth > MAX_DEPTH:
        raise ExpressionError("The expression is nested too deeply.")
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    ):
        try:
            c = float(node.value)
        except OverflowError:
            raise ExpressionError(
                f"The number {str(node.value)[:20]}… is too large (the limit is about 1e308)."
            ) from None
        if not math.isfinite(c):
            raise ExpressionError("Numbers in a formula must be finite (at most about 1e308).")
        return lambda x, y: c
    if isinstance(node, ast.Name):
        if node.id == "x":
            return lambda x, y: x
        if node.id == "y":
            return lambda x, y: y
        if node.id in CONSTANTS:
            c = CONSTANTS[node.id]
            return lambda x, y: c
        raise ExpressionError(
            f"Unknown name {node.id!r}: use x, y, pi, e and the functions {_function_list()}."
        )
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        op = _BINARY[type(node.op)]
        left, right = _build(node.left, depth + 1), _build(node.right, depth + 1)
        if isinstance(node.op, ast.Pow):
            exponent = _constant(node.right)
            if exponent is not None and not abs(exponent) <= 100:
                raise ExpressionError("Powers are limited to exponents between -100 and 100.")
        return lambda x, y: op(left(x, y), right(x, y))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        op = _UNARY[type(node.op)]
        inner = _build(node.operand, depth + 1)
        return lambda x, y: op(inner(x, y))
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS:
            shown = name or ast.unparse(node.func)
            raise ExpressionError(
                f"The function {shown!r} is not allowed; allowed: {_function_list()}."
            )
        if len(node.args) != 1 or node.keywords:
            raise ExpressionError(f"{name}() takes exactly one argument.")
        fn, arg = FUNCTIONS[name], _build(node.args[0], depth + 1)
        return lambda x, y: fn(torch.as_tensor(arg(x, y), dtype=x.dtype))
    what = {
        ast.Attribute: "attribute access (a.b)",
        ast.Subscript: "indexing (a[b])",
        ast.Compare: "comparisons",
        ast.BoolOp: "and/or",
        ast.Lambda: "lambda",
        ast.Constant: "text or other non-number constants",
    }.get(type(node), f"{type(node).__name__} syntax")
    if isinstance(node, ast.BinOp):
        what = f"the operator {type(node.op).__name__}"
    raise ExpressionError(
        f"{what[0].upper() + what[1:]} is not allowed; use numbers, x, y, + - * / ** and "
        f"{_function_list()}."
    )


def _function_list() -> str:
    return ", ".join(FUNCTIONS)


def surface_from_expression(text: str, half_width: float = 3.0) -> SurfaceSpec:
    """A ``SurfaceSpec`` for a formula, on the square [−half_width, half_width]²."""
    fn = compile_expression(text)

    def f(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        out = fn(x, y)
        return out if isinstance(out, torch.Tensor) else torch.full_like(x, float(out))

    # Evaluate once so a formula that cannot produce numbers fails here, with its reason.
    probe = torch.tensor([0.3, -0.7], dtype=torch.float64)
    try:
        value = f(probe, probe.flip(0))
    except Exception as exc:  # noqa: BLE001
        raise ExpressionError(f"The expression cannot be evaluated: {exc}.") from None
    if not isinstance(value, torch.Tensor) or value.is_complex():
        raise ExpressionError(
            "The formula gives complex numbers (a negative number to a fractional power, such "
            "as (-8)**(1/3)); a loss must be real: write -(8**(1/3)) or use abs()."
        )
    d = (-half_width, half_width)
    return SurfaceSpec(
        name=f"expr:{text.strip()}",
        domain=(d, d),
        fn=f,
        formula=text.strip(),
        starts=((-0.6 * half_width, 0.5 * half_width),),
        description="custom expression",
        plugin="expression",
    )
