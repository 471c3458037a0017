"""Where the 3-D view's ball tags go: beside their balls, none over another tag or another ball.

In 3-D, balls that are apart on the map can be a few pixels apart on the screen (seen along a
valley, or from far away), and tags drawn at one fixed offset pile into an unreadable stack.
Each tag tries a ring of spots around its ball (the usual one first: right and up), then the
same ring farther out; it takes the first spot inside the view that overlaps no tag placed
before it and no ball. Tags are placed nearest ball first, so the ball in front keeps the usual
spot. Pure geometry (rectangles as (x, y, w, h)): no pygame, tested without a screen.
"""

from __future__ import annotations

from collections.abc import Sequence

Rect = tuple[float, float, float, float]

# the spots tried, as (dx, dy) of the tag's top-left from the ball in units of (gap, tag height):
# right-up (the 2-D map's spot), right-down, left-up, left-down, above, below
_RING = ((1, -1), (1, 0.1), (-1, -1), (-1, 0.1), (0, -1.6), (0, 0.7))
RINGS = 4  # rings tried, each a tag height farther out


def overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def place_tags(
    anchors: Sequence[tuple[float, float]],
    sizes: Sequence[tuple[float, float]],
    bounds: Rect,
    order: Sequence[int] | None = None,
    avoid: Sequence[Rect] = (),
    gap: float = 10.0,
) -> list[Rect]:
    """A rectangle (x, y, w, h) for each tag of ``sizes`` (w, h) beside its ball at ``anchors``,
    inside ``bounds`` where it fits, overlapping neither an earlier tag nor ``avoid`` (the balls'
    discs). ``order``: the tags to place first (nearest first); default as given. A tag that
    finds no free spot takes the one with the least overlap."""
    placed: list[Rect | None] = [None] * len(anchors)
    taken: list[Rect] = list(avoid)
    bx, by, bw, bh = bounds
    for i in order if order is not None else range(len(anchors)):
        (x, y), (w, h) = anchors[i], sizes[i]
        best: Rect | None = None
        best_cost = float("inf")
        for ring in range(RINGS):
            out = ring * h
            for ux, uy in _RING:
                left = x + gap + out if ux > 0 else x - gap - out - w if ux < 0 else x - w / 2
                top = y + uy * h + (-out if uy < 0 else out)
                rect = (left, top, w, h)
                cost = sum(_area(rect, other) for other in taken)
                inside = bx <= left and left + w <= bx + bw and by <= top and top + h <= by + bh
                cost += 0 if inside else w * h
                if cost < best_cost:
                    best, best_cost = rect, cost
                if cost == 0:
                    break
            if best_cost == 0:
                break
        assert best is not None
        placed[i] = best
        taken.append(best)
    return [rect for rect in placed if rect is not None]


def _area(a: Rect, b: Rect) -> float:
    """How much of ``a`` lies over ``b``."""
    w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0
