"""Lesson conditions (``expect`` and ``until``) such as ``grad_ratio < 1e-3`` or
``momentum.final_loss < sgd.final_loss and steps >= 500``.

They go through the package's one safe evaluator (``explorer.safe_eval``) with the condition's
grammar: numbers, names (a dotted name reads one live number), arithmetic, comparisons, ``and`` /
``or`` / ``not``, ``true`` / ``false``, and ``abs``, ``min``, ``max``, ``log10``. No text ever
reaches ``eval``, and no condition can run long: its numbers are floats, so ``9**9**9 > 0`` is
true at once and ``2**step**step`` never builds a huge integer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from explorer.safe_eval import Compiled, Function, Grammar, SafeEvalError, compile_text

MAX_LENGTH = 300

Values = Mapping[str, float]


class ConditionError(SafeEvalError):
    """A condition that is not allowed or names an unknown number; the message says which."""


FUNCTIONS = {
    "abs": Function(abs, 1),
    "min": Function(min, None),
    "max": Function(max, None),
    "log10": Function(math.log10, 1),
}
GRAMMAR = Grammar(
    what="condition",
    example='"epoch >= 5"',
    hint="numbers, live values, + - * / **, comparisons, and/or/not and " + ", ".join(FUNCTIONS),
    functions=FUNCTIONS,
    constants={"true": True, "false": False},
    dotted=True,
    logic=True,
    max_length=MAX_LENGTH,
    max_depth=40,
    error=ConditionError,
)


@dataclass(frozen=True)
class Condition:
    text: str
    names: frozenset[str]  # the live numbers it reads
    _fn: Compiled

    def __call__(self, values: Values) -> bool:
        return bool(self._fn(values))

    def explain(self, values: Values) -> str:
        """The condition with its numbers filled in, e.g. ``grad_ratio (0.0021) < 1e-3``."""
        shown = ", ".join(f"{n} = {_fmt(values.get(n))}" for n in sorted(self.names))
        return f"{self.text}  [{shown}]" if shown else self.text


def _fmt(v: object) -> str:
    if v is None:
        return "?"
    if isinstance(v, bool):
        return str(v).lower()
    return f"{v:.4g}"


def parse_condition(text: str, known: set[str] | None = None) -> Condition:
    """Check ``text``; with ``known``, every name must be one of those live numbers (a
    misspelt one is named with the closest: "unknown name 'stepp' — did you mean 'step'?")."""
    compiled = compile_text(text, GRAMMAR, known)
    return Condition(compiled.text, compiled.names, compiled)
