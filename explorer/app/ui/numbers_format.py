"""Numbers as the panels show them: short, aligned, never 'nan' without a reason."""

from __future__ import annotations

import math


def num(v: float, digits: int = 4) -> str:
    if v is None or not math.isfinite(v):
        return "—" if v is None or math.isnan(v) else ("∞" if v > 0 else "−∞")
    if v == 0:
        return "0"
    a = abs(v)
    text = f"{v:.{digits}g}" if 1e-3 <= a < 1e5 else f"{v:.{max(1, digits - 2)}e}"
    return typeset(text)


def typeset(text: str) -> str:
    """A number Python wrote (``f"{v:g}"``, ``f"{v:.2f}"``) as the app shows every number: the
    typographic minus (U+2212) and the short exponent, 1.2e+04 → 1.2e4, 5.0e-05 → 5.0e−5 (the
    short forms fit the panels' columns). Files (CSV, JSON, setups) keep Python's ASCII."""
    text = text.replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")
    return text.replace("-", "−")


def short(v: float) -> str:
    """At most 6 characters: 233, 2.1, 0.0048, 5.0e−5."""
    if v is not None and math.isfinite(v) and 100 <= abs(v) < 1e5:
        return f"{v:.0f}".replace("-", "−")
    return num(v, 2)


def status_text(status: str, stopped_at: int | None) -> str:
    if status == "converged" and stopped_at is not None:
        return f"converged @{stopped_at}"
    if status in ("diverged", "frozen") and stopped_at is not None:
        return f"{status} @{stopped_at}"
    return status
