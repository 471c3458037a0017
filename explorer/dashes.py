"""A dashed line as the pieces to draw: one geometry for every picture that dashes a line (the
lab's skip arcs and guides in pygame, the Scoreboard's and the benchmark PNG's ρ(τ) curves in
pygame and Pillow), whatever library then draws each piece."""

from __future__ import annotations

import math
from collections.abc import Sequence

Point = tuple[float, float]


def dash_segments(
    points: Sequence[Point], dash: float, gap: float | None = None, offset: float = 0.0
) -> list[tuple[Point, Point]]:
    """The pieces of the line through ``points`` drawn ``dash`` on, ``gap`` (default ``dash``)
    off, counted along the whole line (a corner does not restart the pattern), the pattern
    starting ``offset`` into its period: lines drawn over one another with one ``dash`` and
    ``gap`` and other offsets show each in its own stretches."""
    pieces: list[tuple[Point, Point]] = []
    if dash <= 0:
        return [(a, b) for a, b in zip(points, points[1:], strict=False)]
    period = dash + (dash if gap is None else max(0.0, gap))
    run = offset % period  # where along the pattern
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        length = math.hypot(x1 - x0, y1 - y0)
        done = 0.0
        while done < length:
            at = run % period
            on = at < dash
            step = min((dash if on else period) - at, length - done)
            if on:
                a, b = done / length, (done + step) / length
                pieces.append(
                    (
                        (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a),
                        (x0 + (x1 - x0) * b, y0 + (y1 - y0) * b),
                    )
                )
            done += step
            run += step
    return pieces
