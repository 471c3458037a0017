"""Why a ball stopped, in the UI's language.

The race (explorer/landscape, no app and no catalogue there) words its reasons in English; this
reads the numbers back out of the race's own sentences and words them from the string catalogue.
A reason it does not recognise (a plugin's error) is shown as the race wrote it.
"""

from __future__ import annotations

import re

from explorer.app.ui.i18n import reword

_NUM = r"([^\s(),]+)"
_PATTERNS = (
    (
        re.compile(rf"^left the map at step (\d+), still going downhill along \({_NUM}, {_NUM}\)$"),
        "reason.escaped",
        ("step", "x", "y"),
    ),
    (
        re.compile(
            rf"^since step (\d+): no gradient, but the curvature along \({_NUM}, {_NUM}\) is "
            rf"{_NUM} < 0, so the loss still falls that way \(a nudge frees it\)$"
        ),
        "reason.saddle",
        ("step", "x", "y", "curvature"),
    ),
    (re.compile(rf"^gradient below {_NUM} since step (\d+)$"), "reason.converged", ("tol", "step")),
    (re.compile(r"^became non-finite at step (\d+)$"), "reason.non_finite", ("step",)),
    (
        re.compile(r"^left the domain far behind, loss rising at step (\d+)$"),
        "reason.far_away",
        ("step",),
    ),
    (
        re.compile(r"^moving again at step (\d+) \(settled at step (\d+)\)$"),
        "reason.moving_again",
        ("step", "settled"),
    ),
    (
        re.compile(
            rf"^learning rate {_NUM} × largest curvature {_NUM} = {_NUM} > 2 along "
            rf"\({_NUM}, {_NUM}\): each step overshoots further \((.*)\)$"
        ),
        "reason.overshoots",
        ("lr", "curvature", "product", "x", "y", "inner"),
    ),
)


def reason_text(reason: str) -> str:
    """``reason`` (the race's English sentence) in the current language."""
    return reword(reason, _PATTERNS)
