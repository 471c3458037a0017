"""Widgets placed along a bar, left to right (and right to left), at the UI scale.

``row.take(76)`` is the next 76 pixels (written at scale 1) after a gap; ``row.take_right(56)``
the same from the right end; ``row.rest()`` what is left between the two, for the one widget
that stretches. No pixel sums in the scenes: every widget gets its place from the row.
``Column`` does the same down a side panel: where the next row goes, at the pitch that fits.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from explorer.app.ui.scale import px


class Row:
    def __init__(self, left: int, right: int, y: int, height: int, gap: int = 6) -> None:
        """``left``, ``right``, ``y``: screen pixels; ``height`` and ``gap``: at scale 1."""
        self.left, self.right, self.y = left, right, y
        self.h, self.gap = px(height), px(gap)
        self._started = False

    def _gap(self) -> int:
        return self.gap if self._started else 0

    def skip(self, w: float) -> None:
        """Leave ``w`` (scale 1) empty."""
        self.left += px(w)

    def take(self, w: float, h: float | None = None, *, stretch: bool = False) -> pygame.Rect:
        """The next ``w`` pixels (scale 1) from the left, ``h`` high, centred on the row;
        ``stretch``: everything up to the right end instead."""
        self.left += self._gap()
        self._started = True
        width = self.rest() if stretch else px(w)
        height = self.h if h is None else px(h)
        r = pygame.Rect(self.left, self.y + (self.h - height) // 2, width, height)
        self.left += width
        return r

    def take_right(self, w: float, h: float | None = None) -> pygame.Rect:
        """The next ``w`` pixels (scale 1) from the right end."""
        width = px(w)
        height = self.h if h is None else px(h)
        self.right -= width
        r = pygame.Rect(self.right, self.y + (self.h - height) // 2, width, height)
        self.right -= self.gap
        return r

    def rest(self) -> int:
        """Pixels left between the two ends."""
        return max(0, self.right - self.left - self._gap())


@dataclass
class Column:
    """A side panel's rows, top to bottom: ``y`` is where the next row goes; ``row``, ``head``
    and ``gap`` are the pitch of a row of widgets, of a section's header and the space after a
    section, chosen once the panel knows how tight it must be. Screen pixels, all of them."""

    x: int
    y: int
    w: int
    row: int = 0
    head: int = 0
    gap: int = 0

    @property
    def half(self) -> int:
        """The width of each of two widgets side by side on a row."""
        return (self.w - px(8)) // 2

    @property
    def right_half(self) -> int:
        """Where the right one of two widgets side by side starts."""
        return self.x + self.half + px(8)
