"""The map's camera: world (x, y) ↔ screen pixels with equal scales on both axes, zoom and pan."""

from __future__ import annotations

import math

import numpy as np

from explorer.app.ui.numbers_format import typeset

Rect = tuple[int, int, int, int]  # x, y, width, height on screen
Bounds = tuple[tuple[float, float], tuple[float, float]]

MIN_ZOOM, MAX_ZOOM = 0.05, 1e4  # relative to the scale that fits the surface's domain


class View:
    """World point (cx, cy) sits at the centre of ``rect``; ``scale`` is pixels per world unit.

    Screen y grows downwards and world y upwards, so y is flipped.
    """

    def __init__(self, rect: Rect, domain: Bounds) -> None:
        self.rect = rect
        self.domain = domain
        self.fit()

    # -- setting ------------------------------------------------------------------------------
    def fit(self) -> None:
        """Show the whole domain, centred; the other axis is widened to fill the rect."""
        (x0, x1), (y0, y1) = self.domain
        self.cx, self.cy = (x0 + x1) / 2, (y0 + y1) / 2
        self.scale = self.fit_scale()

    def fit_scale(self) -> float:
        (x0, x1), (y0, y1) = self.domain
        _, _, w, h = self.rect
        return min(max(w, 1) / max(x1 - x0, 1e-12), max(h, 1) / max(y1 - y0, 1e-12))

    def set_domain(self, domain: Bounds) -> None:
        self.domain = domain
        self.fit()

    def set_rect(self, rect: Rect) -> None:
        """A new screen rect (the window was resized): keep the centre and the zoom level."""
        zoom = self.scale / self.fit_scale()
        self.rect = rect
        self.scale = zoom * self.fit_scale()

    def zoom_at(self, px: float, py: float, factor: float) -> None:
        """Zoom by ``factor`` keeping the world point under (px, py) where it is."""
        wx, wy = self.to_world(px, py)
        base = self.fit_scale()
        new = min(max(self.scale * factor, base * MIN_ZOOM), base * MAX_ZOOM)
        self.scale = new
        nx, ny = self.to_world(px, py)
        self.cx += wx - nx
        self.cy += wy - ny

    def pan_pixels(self, dx: float, dy: float) -> None:
        """Move the picture by (dx, dy) pixels (a drag to the right shows what was on the left)."""
        self.cx -= dx / self.scale
        self.cy += dy / self.scale

    # -- reading ------------------------------------------------------------------------------
    def bounds(self) -> Bounds:
        """The world rectangle visible in ``rect``."""
        _, _, w, h = self.rect
        hw, hh = w / 2 / self.scale, h / 2 / self.scale
        return (self.cx - hw, self.cx + hw), (self.cy - hh, self.cy + hh)

    def span(self) -> float:
        (x0, x1), (y0, y1) = self.bounds()
        return max(x1 - x0, y1 - y0)

    def key(self) -> tuple:
        """Changes whenever the picture would change."""
        return (self.rect, round(self.cx, 12), round(self.cy, 12), round(self.scale, 9))

    def to_screen(self, xy: np.ndarray) -> np.ndarray:
        """World points (..., 2) → screen points (..., 2), as floats."""
        x, y, w, h = self.rect
        xy = np.asarray(xy, dtype=float)
        out = np.empty_like(xy)
        out[..., 0] = x + w / 2 + (xy[..., 0] - self.cx) * self.scale
        out[..., 1] = y + h / 2 - (xy[..., 1] - self.cy) * self.scale
        return out

    def point_to_screen(self, wx: float, wy: float) -> tuple[float, float]:
        x, y, w, h = self.rect
        return x + w / 2 + (wx - self.cx) * self.scale, y + h / 2 - (wy - self.cy) * self.scale

    def to_world(self, px: float, py: float) -> tuple[float, float]:
        x, y, w, h = self.rect
        return self.cx + (px - x - w / 2) / self.scale, self.cy - (py - y - h / 2) / self.scale

    def contains(self, px: float, py: float) -> bool:
        x, y, w, h = self.rect
        return x <= px < x + w and y <= py < y + h


def nice_ticks(lo: float, hi: float, target: int = 6) -> list[float]:
    """Round numbers (1, 2, 5 × 10^k steps) between ``lo`` and ``hi``, about ``target`` of them."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return []
    raw = (hi - lo) / max(target, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step)
    last = math.floor(hi / step)
    return [k * step for k in range(first, last + 1)][:50]


def format_tick(v: float, step: float) -> str:
    """An axis tick's label, its minus and exponent as every number the app shows."""
    if abs(v) < step * 1e-6:
        return "0"
    digits = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    if abs(v) >= 1e5 or (abs(v) < 1e-3):
        return typeset(f"{v:.2g}")
    return typeset(f"{v:.{digits + (1 if step * 10**digits % 1 else 0)}f}")
