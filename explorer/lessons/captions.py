"""Captions with live numbers: ``"layer 1 gets {grad_ratio:.0e} of the output's gradient"``.

A placeholder names one live number of the step's scene (dotted names such as
``{momentum.loss:.3f}`` are one name, not attribute access) and an optional format spec. A
caption is filled only from numbers the running computation produced; a number that is not there
yet shows as "…", never as a made-up value.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

_FORMATTER = string.Formatter()
MISSING = "…"


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
            try:
                format(1.0, spec)
            except ValueError:
                raise CaptionError(f"the format {spec!r} of {{{name}}} is not valid") from None
        out.append((name, spec or ""))
    return out


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
        try:
            out.append(format(value, spec or ""))
        except (TypeError, ValueError):
            out.append(str(value))
    return "".join(out)
