"""Custom surfaces from a formula such as ``x**2 - y**2 + 0.1*sin(3*x)``.

The text goes through the package's one safe evaluator (``explorer.safe_eval``) with the
formula's grammar: x, y, pi, e, + - * / ** (``^`` too) and the torch functions below; what passes
is a closure of torch operations. No text ever reaches ``eval`` or ``exec``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from explorer.safe_eval import Function, Grammar, SafeEvalError, compile_text
from explorer.specs import SurfaceSpec

TensorFn = Callable[[torch.Tensor], torch.Tensor]

_TORCH: dict[str, TensorFn] = {
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
MAX_LENGTH = 500
MAX_DEPTH = 60
MAX_EXPONENT = 100  # x**1000 is inf or 0 almost everywhere: no surface to roll on

Node = Callable[[torch.Tensor, torch.Tensor], torch.Tensor | float]


class ExpressionError(SafeEvalError):
    """A formula that is not allowed; the message says what and how to fix it."""


def _on_tensor(fn: TensorFn) -> Function:
    """``fn`` on a tensor, a number in the formula (``sin(1)``) made one first."""

    def call(a: torch.Tensor | float) -> torch.Tensor:
        if not isinstance(a, torch.Tensor):
            a = torch.as_tensor(a, dtype=torch.float64)
        return fn(a)

    return Function(call, 1)


FUNCTIONS = {name: _on_tensor(fn) for name, fn in _TORCH.items()}
GRAMMAR = Grammar(
    what="expression",
    example="x**2 + y**2 (a formula in x and y)",
    hint=f"numbers, x, y, pi, e, + - * / ** and {', '.join(FUNCTIONS)}",
    functions=FUNCTIONS,
    constants=CONSTANTS,
    caret=True,
    max_exponent=MAX_EXPONENT,
    max_length=MAX_LENGTH,
    max_depth=MAX_DEPTH,
    error=ExpressionError,
    full_sentence=True,
)


def compile_expression(text: str) -> Node:
    """Check ``text`` and return ``f(x, y)`` built from torch ops (raises ExpressionError)."""
    compiled = compile_text(text, GRAMMAR, names=("x", "y"))
    if not compiled.names:
        raise ExpressionError(
            "The formula does not use x or y: a constant surface has no slope to roll down; "
            "write a formula in x and y, e.g. x**2 + y**2."
        )
    return lambda x, y: compiled({"x": x, "y": y})


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
