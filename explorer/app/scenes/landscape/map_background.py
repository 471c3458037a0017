"""The cached picture under the balls: heatmap, log-spaced contours, axes, known minima.

Built only when the surface, the view or the window changes; every frame just blits it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pygame

from explorer.app.scenes.landscape.contours import contour_segments
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.app.ui.view import View, format_tick, nice_ticks
from explorer.landscape.surface import Grid, evaluate_grid
from explorer.specs import SurfaceSpec

N_LEVELS = 14
CONTOUR_ADD = (62, 62, 62)  # contours lighten what is under them (additive blend)
_LUT = palette.colormap_lut()


@dataclass
class MapPicture:
    surface: pygame.Surface  # the size of the map area (axes included)
    grad_scale: float  # a typical |∇f| in view (its lower quartile): how big "small" is here
    error: str  # why the surface could not be drawn, or ""


COARSE = 3  # a slow surface's first map: cells this many times larger (a ninth of the points)


def grid_request(
    spec: SurfaceSpec, view: View, coarse: bool = False
) -> tuple[int, int, tuple, int]:
    """(nx, ny, view bounds, levels) of the grid ``render_map`` draws for ``view``: what a worker
    computes for a slow surface (``coarse``: its quick first map, refined after)."""
    _, _, pw, ph = view.rect
    (x0, x1), (y0, y1) = view.bounds()
    # data surfaces cost a pass over the data per point; cells grow with the UI scale, so a
    # larger scale costs no more samples
    cell = px(8) if spec.has_data else max(3, px(3))
    cell *= COARSE if coarse else 1
    nx, ny = max(8, pw // cell), max(8, ph // cell)
    # Samples at the centres of the cells the image is stretched over, so pixels line up.
    dx, dy = (x1 - x0) / nx, (y1 - y0) / ny
    bounds = ((x0 + dx / 2, x1 - dx / 2), (y0 + dy / 2, y1 - dy / 2))
    return nx, ny, bounds, N_LEVELS


def render_map(
    spec: SurfaceSpec,
    view: View,
    area: pygame.Rect,
    text: Text,
    grid: tuple | None = None,
    coarse: bool = False,
) -> MapPicture:
    """The heatmap with contours, axes and known minima; ``grid`` = (z, levels) computed
    elsewhere (a worker, for a slow surface) instead of here, ``coarse`` if it is the quick
    first one."""
    out = pygame.Surface(area.size)
    out.fill(palette.BACKGROUND)
    vx, vy, pw, ph = view.rect
    plot = pygame.Rect(vx - area.x, vy - area.y, pw, ph)
    (x0, x1), (y0, y1) = view.bounds()
    nx, ny, bounds, n_levels = grid_request(spec, view, coarse)
    dx, dy = (x1 - x0) / nx, (y1 - y0) / ny
    error, grad_scale = "", 1.0
    try:
        if grid is not None:
            z, levels = grid
            grid = Grid(np.linspace(*bounds[0], nx), np.linspace(*bounds[1], ny), z, levels)
        else:
            grid = evaluate_grid(spec, nx, ny, view=bounds, n_levels=n_levels)
        z = grid.z
        if not np.isfinite(z).any():
            error = t("landscape.no_finite_value")
    except Exception as exc:  # noqa: BLE001 - a plugin surface or a formula failing
        z = np.full((ny, nx), np.nan)
        grid = None
        error = str(exc)
    heat = _heat_image(z, grid.levels if grid is not None else np.array([]), plot.size)
    if grid is not None and len(grid.levels):
        _draw_contours(heat, z, grid.levels)
        grad_scale = _typical_gradient(z, dx, dy)
    out.blit(heat, plot)
    pygame.draw.rect(out, palette.PANEL_LINE, plot.inflate(2 * lw(), 2 * lw()), lw())
    _draw_axes(out, view, plot, area, text, spec.axes)
    _draw_minima(out, spec, view, area, plot)
    return MapPicture(out, grad_scale, error)


def _heat_image(z: np.ndarray, levels: np.ndarray, size: tuple[int, int]) -> pygame.Surface:
    finite = np.isfinite(z)
    rgb = np.empty((*z.shape, 3), dtype=np.uint8)
    rgb[:] = palette.NAN_COLOUR
    if finite.any():
        values = z[finite]
        lo = float(values.min())
        span = float(values.max()) - lo
        first = float(levels[0] - lo) if len(levels) > 1 else max(span * 1e-4, 1e-12)
        first = max(first, 1e-300)
        # Half by log(f − min), the contours' spacing: detail near the minima; half by rank
        # (histogram equalised), so a shallow second valley is as visible as the deep one.
        with np.errstate(invalid="ignore", divide="ignore"):
            log_t = (np.log(np.maximum(values - lo, 0) + first) - math.log(first)) / max(
                math.log((span + first) / first), 1e-12
            )
        rank_t = np.empty(values.size)
        rank_t[np.argsort(values, kind="stable")] = np.linspace(0.0, 1.0, values.size)
        t = 0.5 * np.nan_to_num(log_t) + 0.5 * rank_t
        idx = np.clip(t * (len(_LUT) - 1), 0, len(_LUT) - 1).astype(np.intp)
        rgb[finite] = _LUT[idx]
    rgb = np.ascontiguousarray(rgb[::-1])  # row 0 is the lowest y; the screen's top is the highest
    small = pygame.image.frombuffer(rgb.tobytes(), (z.shape[1], z.shape[0]), "RGB")
    return pygame.transform.smoothscale(small, size)


def _draw_contours(heat: pygame.Surface, z: np.ndarray, levels: np.ndarray) -> None:
    ny, nx = z.shape
    w, h = heat.get_size()
    layer = pygame.Surface((w, h))
    layer.fill((0, 0, 0))
    sx, sy = w / nx, h / ny
    # Every other sample is plenty for lines (cells of ~6 px) and halves the segments to draw.
    stride = 2 if min(nx, ny) > 120 else 1
    aaline = pygame.draw.aaline
    for seg in contour_segments(z[::stride, ::stride], levels):
        if not len(seg):
            continue
        # grid (col, row) → pixels; rows count up from the bottom of the picture
        seg = seg * stride
        pts = np.empty_like(seg)
        pts[:, 0::2] = (seg[:, 0::2] + 0.5) * sx
        pts[:, 1::2] = h - (seg[:, 1::2] + 0.5) * sy
        for a, b, c, d in pts.tolist():
            aaline(layer, CONTOUR_ADD, (a, b), (c, d))
    heat.blit(layer, (0, 0), special_flags=pygame.BLEND_RGB_ADD)


def _typical_gradient(z: np.ndarray, dx: float, dy: float) -> float:
    with np.errstate(invalid="ignore"):
        gy, gx = np.gradient(z, dy, dx)
        g = np.hypot(gx, gy)
    g = g[np.isfinite(g)]
    ref = float(np.percentile(g, 25)) if g.size else 1.0
    return ref if ref > 0 and math.isfinite(ref) else 1.0


def _draw_axes(out, view: View, plot: pygame.Rect, area: pygame.Rect, text: Text, axes) -> None:
    (x0, x1), (y0, y1) = view.bounds()
    tick_colour, label_colour = palette.PANEL_LINE, palette.TEXT_DIM
    xt = nice_ticks(x0, x1, max(2, plot.w // px(95)))
    step = xt[1] - xt[0] if len(xt) > 1 else 1.0
    for v in xt:
        sx = view.point_to_screen(v, 0)[0] - area.x
        pygame.draw.line(out, tick_colour, (sx, plot.bottom), (sx, plot.bottom + px(4)), lw())
        if sx < plot.right - px(26):  # leave room for the axis name
            text.blit(
                out,
                format_tick(v, step),
                (sx, plot.bottom + px(5)),
                12,
                label_colour,
                anchor="midtop",
            )
    yt = nice_ticks(y0, y1, max(2, plot.h // px(70)))
    step = yt[1] - yt[0] if len(yt) > 1 else 1.0
    for v in yt:
        sy = view.point_to_screen(0, v)[1] - area.y
        pygame.draw.line(out, tick_colour, (plot.x - px(4), sy), (plot.x, sy), lw())
        if sy > plot.y + px(18):
            text.blit(
                out, format_tick(v, step), (plot.x - px(6), sy), 12, label_colour, anchor="midright"
            )
    # the surface's own names for its coordinates (w and b for a line fit), not always x and y
    text.blit(out, axes[0], (plot.right, plot.bottom + px(4)), 13, palette.TEXT, "bold", "topright")
    text.blit(out, axes[1], (plot.x - px(6), plot.y - 1), 13, palette.TEXT, "bold", "topright")


def _draw_minima(out, spec: SurfaceSpec, view: View, area: pygame.Rect, plot: pygame.Rect) -> None:
    for mx, my in spec.minima:
        sx, sy = view.point_to_screen(float(mx), float(my))
        sx, sy = sx - area.x, sy - area.y
        if not plot.inflate(-4, -4).collidepoint(sx, sy):
            continue
        d = px(6)
        for colour, width in ((palette.BACKGROUND, lw(4)), ((255, 255, 255), lw(2))):
            pygame.draw.line(out, colour, (sx - d, sy - d), (sx + d, sy + d), width)
            pygame.draw.line(out, colour, (sx - d, sy + d), (sx + d, sy - d), width)
