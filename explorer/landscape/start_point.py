"""Where a ball may start: the one check every door uses (``race --start``, ``render --start``,
a setup file's or a lesson's ``start``, ``--set start=``). A start far outside a surface's domain
is meaningless and, at 1e20 or 1e308, overflows the drawing's pixel arithmetic; it is refused
with one sentence before anything runs."""

from __future__ import annotations

import math

from explorer.specs import SurfaceSpec

WIDTHS = 10  # a start may lie this many domain widths from the domain's centre


def check_start(spec: SurfaceSpec, point: tuple[float, float], option: str = "--start") -> None:
    """A start the race would call "far behind the domain" before its first step is refused."""
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in point):
        raise ValueError(f"{option} must be finite numbers, got {point!r}")
    (x0, x1), (y0, y1) = spec.domain
    span = max(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    if not (math.isfinite(span) and span > 0):
        return
    if max(abs(point[0] - cx), abs(point[1] - cy)) > WIDTHS * span:
        raise ValueError(
            f"{option} ({point[0]:g}, {point[1]:g}) is far outside the domain of {spec.name!r}: "
            f"x ∈ [{x0:g}, {x1:g}], y ∈ [{y0:g}, {y1:g}]; start within ten widths of it"
        )
