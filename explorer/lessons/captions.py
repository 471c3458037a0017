"""Captions with live numbers: ``"layer 1 gets {grad_ratio:.0e} of the output's gradient"``.

A placeholder names one live number of the step's scene (dotted names such as
``{momentum.loss:.3f}`` are one name, not attribute access) and an optional format spec. A
caption is filled only from numbers the running computation produced; a number that is not there
yet shows as "…", never as a made-up value.
"""

from __future__ import annotations

import contextlib
import re
import string
from collections.abc import Mapping

_FORMATTER = string.Formatter()
MISSING = "…"
# A caption is read on a slide: it is short, and so is every number in it. A lesson file is
# shared between teachers, so these are bounds, not style: "{step:.9999999f}" made a 10 MB
# caption that crashed the text renderer, "{step:>99999999999}" a MemoryError.
MAX_CAPTION_CHARS = 1_000
MAX_WIDTH = 40  # a number's field width
MAX_PRECISION = 20  # digits after the point (or significant digits)
MAX_FILLED_CHARS = 80  # one number, filled (a value whose own text is longer is cut)
# Python's format-spec mini-language: [[fill]align][sign][z][#][0][width][grouping][.precision][type]
_SPEC = re.compile(
    r"(?:(?P<fill>.)?(?P<align>[<>=^]))?(?P<sign>[-+ ])?z?#?0?(?P<width>\d+)?[,_]?"
    r"(?:\.(?P<precision>\d+))?(?P<type>[bcdeEfFgGnosxX%])?"
)


class CaptionError(ValueError):
    """A caption whose placeholders cannot be filled; the message says which."""


def placeholders(text: str) -> list[tuple[str, str]]:
    """(name, format spec) of each ``{…}`` in ``text`` (raises CaptionError if malformed)."""
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError as exc:
        raise CaptionError(f"the caption has a malformed placeholder: {exc}") from None
    out = []
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if not name or conversion or "[" in name or "{" in (spec or ""):
            raise CaptionError(f"the placeholder {{{name}}} must be a live number's name")
        if spec:
            problem = spec_problem(spec)
            if problem:
                raise CaptionError(f"the format {spec!r} of {{{name}}} {problem}")
        out.append((name, spec or ""))
    if len(text) > MAX_CAPTION_CHARS:
        raise CaptionError(
            f"the caption is {len(text):,} characters long; a caption holds at most "
            f"{MAX_CAPTION_CHARS:,} (split it over two steps)"
        )
    return out


TIMES = "×"  # a spec ending in it writes a ratio: ``{b.grad_ratio:.2g×}`` → "1.8×"


def spec_problem(spec: str) -> str:
    """Why ``spec`` cannot format a live number ("" if it can): not a format, or one whose width
    or precision would make a number longer than a slide. A spec may end in "×" (a ratio)."""
    spec = spec.removesuffix(TIMES)
    match = _SPEC.fullmatch(spec)
    if match is None:
        return "is not valid"
    width, precision = match.group("width"), match.group("precision")
    if width is not None and int(width) > MAX_WIDTH:
        return f"is {int(width):,} characters wide; a number is at most {MAX_WIDTH} wide"
    if precision is not None and int(precision) > MAX_PRECISION:
        return f"asks {int(precision):,} digits; a number shows at most {MAX_PRECISION}"
    try:
        format(1.0, spec)
    except ValueError:
        return "is not valid"
    return ""


def fill(text: str, values: Mapping[str, object]) -> str:
    """``text`` with each placeholder replaced by its live number (or "…" when absent)."""
    out = []
    for literal, name, spec, _ in _FORMATTER.parse(text):
        out.append(literal)
        if name is None:
            continue
        value = values.get(name)
        if value is None:
            out.append(MISSING)
            continue
        text = number_text(value, spec or "")
        out.append(text if len(text) <= MAX_FILLED_CHARS else text[: MAX_FILLED_CHARS - 1] + "…")
    return "".join(out)


_EXPONENT = re.compile(r"e([+-])0*(\d+)")


def number_text(value: object, spec: str = "") -> str:
    """A live number as a slide shows it: ``spec`` applied (none: a float to 4 significant
    digits, ``0.30000000000000004`` → ``0.3``), a real minus sign (−9, as the captions write
    their own numbers), and an exponent without padding: ``3e−4`` not ``3e-04``, and ``1.8``
    not ``1.8e+00``. A spec ending in "×" reads as a ratio: ``1.8×`` (non-numbers: as is)."""
    times = TIMES if spec.endswith(TIMES) else ""
    spec = spec.removesuffix(TIMES)
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = str(value)
        if spec and not spec_problem(spec):  # a caption not read through placeholders: bounded
            with contextlib.suppress(TypeError, ValueError):
                text = format(value, spec)
        return text
    if not spec and isinstance(value, float):
        spec = ".4g"
    text = str(value)
    if spec and not spec_problem(spec):
        with contextlib.suppress(TypeError, ValueError):
            text = format(value, spec)
    text = _EXPONENT.sub(_exponent, text)
    return text.replace("-", "−") + times


def _exponent(match: re.Match[str]) -> str:
    sign, digits = match.group(1), match.group(2)
    if digits == "0":
        return ""  # 1.8e+00 is 1.8
    return f"e{'-' if sign == '-' else ''}{digits}"
