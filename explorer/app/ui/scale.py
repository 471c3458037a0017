"""The UI scale: ONE number that text, pictures, widgets, the theme and every layout read.

A projector in a classroom needs larger text, lines and balls than a laptop; ``--scale`` and
Ctrl+= / Ctrl+- / Ctrl+0 set the *requested* scale. What is drawn is the *effective* scale: the
requested one, lowered where the window could not hold the layout at that size (the layout needs
``MIN_SIZE`` pixels of room in scaled units), so nothing is ever clipped. With no request ("auto")
a large window picks a scale of its own: full screen at 1920×1080 draws body text at 21 px.

Sizes in the code are written at scale 1 and go through ``px`` (lengths), ``lw`` (line widths,
never thinner than a pixel) and ``rect``; ``Text`` scales font sizes itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pygame

STEPS = (0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 4.0)  # what Ctrl+= / Ctrl+- walk
MIN_SCALE, MAX_SCALE = STEPS[0], STEPS[-1]
AUTO_BASE = (1280, 720)  # the window auto scale 1 is designed for
BODY_PT = 14  # body text at scale 1, in pixels
MIN_SIZE = (1024, 640)  # the smallest window: the layout's room at any scale (in scaled units)

_factor = 1.0


def factor() -> float:
    """The effective scale everything is drawn at now."""
    return _factor


def set_factor(value: float) -> None:
    global _factor
    _factor = float(min(max(value, 0.5), 8.0))


def px(n: float) -> int:
    """A length written at scale 1, in pixels at the current scale."""
    return int(round(n * _factor))


def lw(n: float = 1) -> int:
    """A line width at the current scale: never thinner than one pixel."""
    return max(1, int(round(n * _factor)))


def rect(x: float, y: float, w: float, h: float) -> pygame.Rect:
    """A rect whose every number was written at scale 1."""
    import pygame

    return pygame.Rect(px(x), px(y), px(w), px(h))


def fit_limit(size: tuple[int, int]) -> float:
    """The largest scale, in eighths, at which the window still holds the whole layout (an
    eighth's margin absorbs the rounding of many scaled lengths added up)."""
    return max(1.0, int(min(size[0] / MIN_SIZE[0], size[1] / MIN_SIZE[1]) * 8) / 8)


def auto_scale(size: tuple[int, int]) -> float:
    """The scale a window of ``size`` gets when none was asked for: 1 up to 1280×720, then
    growing with the window in steps of an eighth (1920×1080 → 1.5: body text 21 px)."""
    grow = min(size[0] / AUTO_BASE[0], size[1] / AUTO_BASE[1])
    return max(1.0, int(grow * 8) / 8)


def effective(size: tuple[int, int], requested: float | None) -> float:
    """The scale drawn in a window of ``size``: ``requested`` (None: auto), lowered to fit."""
    want = auto_scale(size) if requested is None else float(requested)
    return round(min(want, fit_limit(size)) if want > 1 else want, 4)


def step(requested: float | None, size: tuple[int, int], direction: int) -> float | None:
    """The next requested scale up (+1) or down (−1) from what is drawn now; 0 → auto (None)."""
    if direction == 0:
        return None
    now = effective(size, requested)
    if direction > 0:
        bigger = [s for s in STEPS if s > now + 1e-6]
        return bigger[0] if bigger else MAX_SCALE
    smaller = [s for s in STEPS if s < now - 1e-6]
    return smaller[-1] if smaller else MIN_SCALE


def parse_scale(text: str) -> float | None:
    """``--scale`` on the command line: a number between 0.75 and 4, or "auto"."""
    if str(text).strip().lower() == "auto":
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"--scale: {text!r} is not a number (try 1.5, or auto)") from None
    if not MIN_SCALE <= value <= MAX_SCALE:
        raise ValueError(f"--scale: {value:g} is outside {MIN_SCALE:g}–{MAX_SCALE:g} (try 1.5)")
    return value
