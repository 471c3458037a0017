"""Why a ball stopped, settled or moved again, as data: ``Reason(code, fields)``.

The race states a reason once, as a code and the numbers it computed; the words come from the
string catalogue (``assets/i18n/dl-explorer.<lang>.json``, the keys ``reason.<code>``): in English
for the command line (``str(reason)``, read from the English catalogue here, no app needed) and
in the UI's language in the app (``reason.word(t)``). Nothing parses a sentence back, so a
reworded sentence can never lose its translation. Numbers are formatted here, the same in every
language; a plugin's own message (``message``) is shown as the plugin wrote it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

# Every code the race gives, with the fields its sentence fills (the catalogue test checks that
# both languages have each one, with these fields).
CODES: dict[str, tuple[str, ...]] = {
    "converged": ("tol", "step"),
    "saddle": ("step", "x", "y", "curvature"),
    "moving_again": ("step", "settled"),
    "escaped": ("step", "x", "y"),
    "non_finite": ("step",),
    "far_away": ("step",),
    "overshoots": ("lr", "curvature", "product", "x", "y", "inner"),
    "plugin_raised": ("who", "error", "message"),
    "plugin_refused": ("who", "message"),
    "plugin_slow": ("who", "seconds"),
    "schedule_raised": ("who", "error", "message"),
    "surface_failed": ("message",),
}
# How each number is written (a field not here is text, or a nested reason)
FORMATS = {
    "step": "d",
    "settled": "d",
    "tol": "g",
    "x": "+.2f",
    "y": "+.2f",
    "curvature": ".3g",
    "lr": ".3g",
    "product": ".3g",
    "seconds": "g",
}
_FIELD = re.compile(r"%\{(\w+)\}")

Say = Callable[..., str]  # say(catalogue key, **fields) -> the sentence in some language


@dataclass(frozen=True, eq=True)
class Reason:
    """One reason: ``code`` (a key of ``CODES``) and its ``fields`` (numbers, text, or a nested
    Reason as ``inner``: an overshoot says which way the ball then left)."""

    code: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        expected = CODES.get(self.code)
        if expected is None:
            raise ValueError(f"no reason is called {self.code!r}; the codes are {', '.join(CODES)}")
        if set(self.fields) != set(expected):
            raise ValueError(f"reason {self.code!r} takes the fields {', '.join(expected)}")

    def texts(self, say: Say) -> dict[str, str]:
        """The fields as text: numbers formatted, a nested reason worded by ``say``."""
        out = {}
        for name, value in self.fields.items():
            if isinstance(value, Reason):
                out[name] = value.word(say)
            elif name in FORMATS:
                out[name] = format(
                    int(value) if FORMATS[name] == "d" else value + 0.0, FORMATS[name]
                )
            else:
                out[name] = str(value)
        return out

    def word(self, say: Say) -> str:
        """This reason in the language ``say`` speaks (the app passes its catalogue's ``t``)."""
        return say(f"reason.{self.code}", **self.texts(say))

    def english(self) -> str:
        return self.word(_english)

    def __str__(self) -> str:
        return self.english()


def _english(key: str, **fields: str) -> str:
    """``key`` from the English catalogue with its ``%{field}`` places filled."""
    template = _english_reasons()[key.removeprefix("reason.")]
    return _FIELD.sub(lambda m: fields[m.group(1)], template)


@cache
def _english_reasons() -> dict[str, str]:
    path = resources.files("explorer.assets").joinpath("i18n", "dl-explorer.en.json")
    reasons: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))["en"]["reason"]
    return reasons
