"""Why a typed formula was not used, in the UI's language.

The formula's parser (``explorer.safe_eval``, below the app, no catalogue there) words its
refusals in English; this reads the names and numbers back out of its sentences and words them
from the string catalogue, as ``network/message_text.py`` does for the trainer. A sentence it does
not recognise is shown as the parser wrote it.
"""

from __future__ import annotations

import re

from explorer.app.ui.i18n import reword

_PATTERNS = (
    (
        re.compile(r"^The function '(.+)' is not allowed — did you mean '(.+)'\?$"),
        "landscape.formula_function_guess",
        ("name", "guess"),
    ),
    (
        re.compile(r"^The function '(.+)' is not allowed; allowed: (.+)\.$"),
        "landscape.formula_function",
        ("name", "allowed"),
    ),
    (
        re.compile(r"^Unknown name '(.+)' — did you mean '(.+)'\?$"),
        "landscape.formula_name_guess",
        ("name", "guess"),
    ),
    (
        re.compile(r"^Unknown name '(.+)'; use (.+)\.$"),
        "landscape.formula_name",
        ("name", "names"),
    ),
    (
        re.compile(r"^The expression is not valid maths near column (\d+): (.+)\.$"),
        "landscape.formula_syntax_at",
        ("column", "detail"),
    ),
    (
        re.compile(r"^The expression is not valid maths: (.+)\.$"),
        "landscape.formula_syntax",
        ("detail",),
    ),
    (
        re.compile(r"^(.+) is not allowed in an expression; use (.+)\.$"),
        "landscape.formula_construct",
        ("what", "allowed"),
    ),
    (
        re.compile(r"^Powers are limited to exponents between (\S+) and (\S+)\.$"),
        "landscape.formula_powers",
        ("low", "high"),
    ),
    (
        re.compile(r"^Numbers in an expression must be finite \(at most about 1e308\)\.$"),
        "landscape.formula_finite",
        (),
    ),
    (  # LandscapeModel.set_surface: the formula parses but cannot be evaluated at the start
        re.compile(r"^surface '(.+)' cannot be used: (.+)$"),
        "landscape.formula_cannot_use",
        ("name", "inner"),
    ),
)


def formula_text(sentence: str) -> str:
    """``sentence`` (the parser's English refusal) in the current language."""
    return reword(sentence, _PATTERNS)
