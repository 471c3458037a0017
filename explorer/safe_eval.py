"""The one safe evaluator for the little languages users type: surface formulas (``expr:x**2 -
y**2``) and lesson conditions (``until = "step >= 40"``, ``expect = ["sgd.loss < 0.1"]``).

The text is parsed with ``ast`` and every node is checked against what the caller's ``Grammar``
allows (its names and constants, its functions, whether comparisons and and/or/not belong); what
passes becomes a closure over the values it reads. No text ever reaches ``eval`` or ``exec``.

Evaluation is bounded whatever the text says: numbers are floats (an integer in the text or a live
count such as ``step`` becomes one), so ``9**9**9`` is inf at once instead of a billion-digit
integer that would take hours to compute, and ``2**step**step`` stays a float however far the run
gets. The text is short and shallow (``max_length``, ``max_depth``), so an evaluation is at most a
few hundred float (or elementwise tensor) operations.

No torch and nothing of the package here: the layers that use it (``landscape``, ``lessons``) sit
above it and bring their own names and functions.
"""

from __future__ import annotations

import ast
import difflib
import math
import numbers
import operator
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

Values = Mapping[str, Any]
Node = Callable[[Values], Any]

_ARITHMETIC = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_COMPARE = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_REFUSED = {
    ast.Attribute: "attribute access (a.b)",
    ast.Subscript: "indexing (a[b])",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.Lambda: "lambda",
    ast.Constant: "text or other non-number constants",
}
_PLURAL = {"comparisons", "text or other non-number constants"}


class SafeEvalError(ValueError):
    """Text its grammar does not allow, or a name with no value yet; the message is one
    sentence (each caller's error class says how it is framed). ``code`` and ``fields`` say the
    same as data (``syntax``, ``name_guess``, …; "" where the message is the only form), so a
    caller words it in another language from its catalogue, never by parsing the sentence."""

    def __init__(self, message: str, code: str = "", fields: Mapping[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.fields: dict[str, str] = dict(fields or {})


@dataclass(frozen=True)
class Function:
    """A function the text may call: ``fn`` and how many arguments it takes (None: one or
    more, as ``min`` and ``max``)."""

    fn: Callable
    arity: int | None = 1


@dataclass(frozen=True)
class Grammar:
    """What one little language allows, and how its messages read."""

    what: str  # "expression", "condition": how the messages name the text
    example: str  # a text that works, offered when the text is empty
    hint: str  # what may be written, offered when something is refused
    functions: Mapping[str, Function] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)  # pi, true: names with a value
    dotted: bool = False  # ``a.b`` reads the one value named "a.b"
    logic: bool = False  # comparisons, and / or / not, True / False
    caret: bool = False  # ``^`` means ``**`` (a formula written as in maths)
    max_exponent: float | None = None  # a constant exponent beyond ± this is refused
    max_length: int = 300
    max_depth: int = 40
    error: type[SafeEvalError] = SafeEvalError
    full_sentence: bool = False  # capital letter and full stop (a message that stands alone)

    def fail(self, message: str, code: str = "", **fields: str) -> SafeEvalError:
        if self.full_sentence:
            message = message[0].upper() + message[1:] + ("" if message.endswith("?") else ".")
        return self.error(message, code, fields)


@dataclass(frozen=True)
class Compiled:
    """A checked text: call it with the values of the names it reads."""

    text: str
    names: frozenset[str]  # the values it reads (the grammar's constants not among them)
    fn: Node

    def __call__(self, values: Values) -> Any:
        return self.fn(values)


def power(a, b):
    """``a ** b`` that cannot run long: plain numbers are raised as floats (an overflow is ±inf;
    a negative number to a fractional power is complex, as in Python); tensors and arrays are
    raised elementwise, as they are."""
    if not (isinstance(a, numbers.Number) and isinstance(b, numbers.Number)):
        return a**b  # a tensor: fixed size, elementwise
    a = a if isinstance(a, complex) else float(a)
    b = b if isinstance(b, complex) else float(b)
    try:
        return a**b
    except OverflowError:
        odd = isinstance(b, float) and b.is_integer() and b % 2 == 1
        negative = isinstance(a, float) and a < 0 and odd
        return -math.inf if negative else math.inf


def compile_text(text: str, grammar: Grammar, names: Collection[str] | None = None) -> Compiled:
    """Check ``text`` against ``grammar`` and return it compiled; ``names``: the values it may
    read (None: any, for a caller that checks them later). Raises ``grammar.error``."""
    text = str(text).strip()
    if not text:
        raise grammar.fail(f"the {grammar.what} is empty; write one, e.g. {grammar.example}")
    if len(text) > grammar.max_length:
        raise grammar.fail(f"the {grammar.what} is longer than {grammar.max_length} characters")
    try:
        tree = ast.parse(text.replace("^", "**") if grammar.caret else text, mode="eval")
    except SyntaxError as exc:
        col = f" near column {exc.offset}" if exc.offset else ""
        message = f"the {grammar.what} is not valid maths{col}: {exc.msg}"
        if exc.offset:
            raise grammar.fail(
                message, "syntax_at", column=str(exc.offset), detail=exc.msg
            ) from None
        raise grammar.fail(message, "syntax", detail=exc.msg) from None
    except (RecursionError, MemoryError):
        raise grammar.fail(f"the {grammar.what} is nested too deeply") from None
    read: set[str] = set()
    fn = _Builder(grammar, names, read).build(tree.body, 0)
    return Compiled(text, frozenset(read), fn)


def unknown_name(name: str, names: Collection[str], kind: str = "name") -> str:
    """``unknown name 'stepp' — did you mean 'step'?``, or what the names are when none is
    close (a long list summarised: the plain names, then ``PREFIX.NUMBER``)."""
    close = difflib.get_close_matches(name, list(names), n=1, cutoff=0.6)
    if close:
        return f"unknown {kind} {name!r} — did you mean {close[0]!r}?"
    return f"unknown {kind} {name!r}; {describe(names)}"


def describe(names: Collection[str]) -> str:
    """The names a text may use, short enough for one sentence."""
    names = sorted(names)
    if len(names) <= 20:
        return f"use {', '.join(names)}" if names else "there are no names to use here"
    plain = [n for n in names if "." not in n]
    prefixes = sorted({n.split(".", 1)[0] for n in names if "." in n})
    fields = sorted({n.split(".", 1)[1] for n in names if "." in n})
    shown = ", ".join(prefixes[:4]) + (f", … ({len(prefixes)} in all)" if len(prefixes) > 4 else "")
    parts = [", ".join(plain)] if plain else []
    if prefixes:
        parts.append(
            f"PREFIX.NUMBER with PREFIX one of {shown} and NUMBER one of {', '.join(fields)}"
        )
    return "use " + "; or ".join(parts)


class _Builder:
    """Turns a checked tree into closures, collecting the names it reads."""

    def __init__(self, grammar: Grammar, names: Collection[str] | None, read: set[str]) -> None:
        self.g, self.names, self.read = grammar, names, read

    def build(self, node: ast.AST, depth: int) -> Node:
        g = self.g
        if depth > g.max_depth:
            raise g.fail(f"the {g.what} is nested too deeply")
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return self._number(node.value)
        name = _dotted(node) if g.dotted else (node.id if isinstance(node, ast.Name) else None)
        if name is not None:
            return self._name(name)
        if isinstance(node, ast.BinOp) and type(node.op) in (*_ARITHMETIC, ast.Pow):
            a, b = self.build(node.left, depth + 1), self.build(node.right, depth + 1)
            if isinstance(node.op, ast.Pow):
                self._check_exponent(node.right, b)
                return lambda v: power(a(v), b(v))
            op = _ARITHMETIC[type(node.op)]
            return lambda v: op(a(v), b(v))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.build(node.operand, depth + 1)
            op = operator.neg if isinstance(node.op, ast.USub) else operator.pos
            return lambda v: op(inner(v))
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        if g.logic:
            built = self._logic(node, depth)
            if built is not None:
                return built
        what = _REFUSED.get(type(node), f"{type(node).__name__} syntax")
        if isinstance(node, ast.BinOp | ast.UnaryOp):
            what = f"the operator {type(node.op).__name__}"
        verb = "are" if what in _PLURAL else "is"
        message = f"{what} {verb} not allowed in {_a(g.what)}; use {g.hint}"
        shown = what[0].upper() + what[1:] if g.full_sentence else what  # starts the sentence
        raise g.fail(message, "construct", what=shown, allowed=g.hint)

    def _number(self, value) -> Node:
        if isinstance(value, bool):
            if not self.g.logic:
                raise self.g.fail(f"True and False are not numbers; use {self.g.hint}")
            return lambda v: value
        try:
            c = float(value)
        except OverflowError:
            raise self.g.fail(
                f"the number {str(value)[:20]}… is too large (the limit is about 1e308)"
            ) from None
        if not math.isfinite(c):
            message = f"numbers in {_a(self.g.what)} must be finite (at most about 1e308)"
            raise self.g.fail(message, "finite")
        return lambda v: c

    def _name(self, name: str) -> Node:
        g = self.g
        if name in g.constants:
            c = g.constants[name]
            return lambda v: c
        if self.names is not None and name not in self.names:
            named = [c for c, value in g.constants.items() if not isinstance(value, bool)]
            known = [*self.names, *named]
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            fields = (
                {"guess": close[0]} if close else {"names": describe(known).removeprefix("use ")}
            )
            code = "name_guess" if close else "name"
            raise g.fail(unknown_name(name, known), code, name=name, **fields)
        self.read.add(name)

        def read(v: Values) -> Any:
            if name not in v:
                raise g.error(f"{name} has no value yet")
            value = v[name]
            if isinstance(value, numbers.Integral) and not isinstance(value, bool):
                return float(value)  # a count (a numpy one too) as a float: bounded arithmetic
            return value

        return read

    def _check_exponent(self, node: ast.AST, built: Node) -> None:
        limit = self.g.max_exponent
        if limit is None or any(isinstance(n, ast.Name) for n in ast.walk(node)):
            return
        try:
            exponent = built({})
            out = not abs(exponent) <= limit
        except (ArithmeticError, TypeError, ValueError):
            return
        if out:
            message = f"powers are limited to exponents between -{limit:g} and {limit:g}"
            raise self.g.fail(message, "powers", low=f"-{limit:g}", high=f"{limit:g}")

    def _call(self, node: ast.Call, depth: int) -> Node:
        g = self.g
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in g.functions:
            shown = name or ast.unparse(node.func)
            allowed = ", ".join(g.functions)
            close = difflib.get_close_matches(shown, list(g.functions), n=1, cutoff=0.6)
            guess = f" — did you mean {close[0]!r}?" if close else f"; allowed: {allowed}"
            fields = {"guess": close[0]} if close else {"allowed": allowed}
            code = "function_guess" if close else "function"
            raise g.fail(
                f"the function {shown!r} is not allowed{guess}", code, name=shown, **fields
            )
        fn = g.functions[name]
        if node.keywords or not node.args or (fn.arity is not None and len(node.args) != fn.arity):
            count = "one or more arguments" if fn.arity is None else _arguments(fn.arity)
            raise g.fail(f"{name}() takes {count}")
        args = [self.build(a, depth + 1) for a in node.args]
        f = fn.fn
        if len(args) == 1:
            (a,) = args
            return lambda v: f(a(v))
        return lambda v: f(*(a(v) for a in args))

    def _logic(self, node: ast.AST, depth: int) -> Node | None:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.build(node.operand, depth + 1)
            return lambda v: not inner(v)
        if isinstance(node, ast.BoolOp):
            parts = [self.build(p, depth + 1) for p in node.values]
            if isinstance(node.op, ast.And):
                return lambda v: all(p(v) for p in parts)
            return lambda v: any(p(v) for p in parts)
        if isinstance(node, ast.Compare) and all(type(o) in _COMPARE for o in node.ops):
            terms = [self.build(t, depth + 1) for t in [node.left, *node.comparators]]
            ops = [_COMPARE[type(o)] for o in node.ops]

            def compare(v: Values) -> bool:
                values = [t(v) for t in terms]
                return all(op(a, b) for op, a, b in zip(ops, values, values[1:], strict=False))

            return compare
        return None


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _a(what: str) -> str:
    return f"an {what}" if what[0] in "aeiou" else f"a {what}"


def _arguments(n: int) -> str:
    return {1: "exactly one argument", 2: "exactly two arguments"}.get(n, f"exactly {n} arguments")
