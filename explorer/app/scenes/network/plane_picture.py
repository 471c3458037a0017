"""The picture of ``dl-explorer paths``: every optimizer's path on one shared plane, the map's
loss under them, and what the plane hides (the "other directions" maps, the off-plane figures).

Pygame only draws here; every number comes from ``explorer.landscape.paths.PlaneResult``.
"""

from __future__ import annotations

import math

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.text import Text
from explorer.landscape.paths import PlaneMap, PlaneResult

SIZE = (1280, 800)
MAIN = pygame.Rect(24, 64, 640, 640)
SMALL = 176
_LUT = palette.colormap_lut()


def heat(m: PlaneMap, size: tuple[int, int]) -> pygame.Surface:
    """The map's loss as colours: log(loss − min) spread over viridis; not finite: grey."""
    z = m.z
    finite = np.isfinite(z)
    rgb = np.empty((*z.shape, 3), dtype=np.uint8)
    rgb[:] = palette.NAN_COLOUR
    if finite.any():
        lo, hi = float(z[finite].min()), float(z[finite].max())
        first = max((hi - lo) * 1e-3, 1e-12)
        t = np.log(z[finite] - lo + first) - math.log(first)
        t = t / max(float(t.max()), 1e-12)
        rgb[finite] = _LUT[np.clip(t * (len(_LUT) - 1), 0, len(_LUT) - 1).astype(np.intp)]
    rgb = np.ascontiguousarray(rgb[::-1])  # row 0 is the lowest y
    small = pygame.image.frombuffer(rgb.tobytes(), (z.shape[1], z.shape[0]), "RGB")
    return pygame.transform.smoothscale(small, size)


def _to_px(m: PlaneMap, rect: pygame.Rect, xy: np.ndarray) -> np.ndarray:
    x0, x1 = float(m.xs[0]), float(m.xs[-1])
    y0, y1 = float(m.ys[0]), float(m.ys[-1])
    px = rect.x + (xy[:, 0] - x0) / (x1 - x0) * rect.w
    py = rect.bottom - (xy[:, 1] - y0) / (y1 - y0) * rect.h
    return np.stack([px, py], 1)


def colour_of(index: int) -> tuple[int, int, int]:
    return palette.ball_colour(index)


def draw(result: PlaneResult, colours: list[int], text: Text | None = None) -> pygame.Surface:
    """The whole picture; ``colours[i]`` is path i's optimizer's colour index (the Landscape's)."""
    text = text or Text()
    out = pygame.Surface(SIZE)
    out.fill(palette.BACKGROUND)
    title = f"{len(result.paths)} optimizers from one initialization · {result.plane} plane"
    title += f" through {'the initialization' if result.centre == 'init' else result.centre}"
    title += f" · {result.n_parameters:,} weights"
    if result.explained:
        a, b = result.explained
        title += f" · the plane holds {a:.0%} + {b:.0%} of the paths' variance"
    if result.curvatures:
        title += f" · curvatures {result.curvatures[0]:.3g}, {result.curvatures[1]:.3g}"
    text.blit(out, title, (MAIN.x, 20), 18, palette.TEXT)
    out.blit(heat(result.map, MAIN.size), MAIN.topleft)
    pygame.draw.rect(out, palette.PANEL_LINE, MAIN, 1)
    for i, p in enumerate(result.paths):
        colour = colour_of(colours[i])
        if p.mostly_off:
            colour = palette.dim(colour, 0.55)
        pts = _to_px(result.map, MAIN, p.coords)
        if len(pts) > 1:
            pygame.draw.aalines(out, colour, False, pts.tolist())
        end = pts[-1]
        if p.path.cut:
            d = 7
            pygame.draw.line(out, colour, end - d, end + d, 3)
            pygame.draw.line(out, colour, (end[0] - d, end[1] + d), (end[0] + d, end[1] - d), 3)
        else:
            pygame.draw.circle(out, palette.BACKGROUND, end, 8)
            pygame.draw.circle(out, colour, end, 6)
    start = _to_px(result.map, MAIN, result.paths[0].coords[:1])[0]
    pygame.draw.circle(out, palette.MARK, start, 7, 2)
    _side(out, result, colours, text)
    return out


def _side(out: pygame.Surface, result: PlaneResult, colours: list[int], text: Text) -> None:
    x, y = MAIN.right + 28, MAIN.y
    for i, p in enumerate(result.paths):
        colour = colour_of(colours[i])
        pygame.draw.circle(out, colour, (x + 7, y + 9), 6)
        s = p.summary()
        faded = " (drawn faded: mostly off the plane)" if p.mostly_off else ""
        text.blit(out, f"{p.path.label}{faded}", (x + 20, y), 16, palette.TEXT)
        text.blit(
            out,
            f"off the plane: median {s['median_off']:.0%} of the distance from the centre; "
            f"{p.off_share:.0%} of points beyond {50}%",
            (x + 20, y + 20),
            13,
            palette.TEXT_DIM,
        )
        text.blit(
            out,
            f"end: true loss {s['end_true_loss']:.4g}, the map's {s['end_map_loss']:.4g} at "
            f"its projection",
            (x + 20, y + 38),
            13,
            palette.TEXT_DIM,
        )
        y += 64
    if result.others:
        y += 6
        spread = result.centre_spread
        head = "other directions (random seeds)"
        if spread is not None:
            head += f" · loss near the centre spreads {spread:.3g}"
        text.blit(out, head, (x, y), 14, palette.TEXT)
        y += 22
        for k, m in enumerate(result.others[:3]):
            rect = pygame.Rect(x + k * (SMALL + 12), y, SMALL, SMALL)
            out.blit(heat(m, rect.size), rect.topleft)
            pygame.draw.rect(out, palette.PANEL_LINE, rect, 1)
            label = f"seed {m.seed}: {m.centre_mean:.3g}"
            text.blit(out, label, (rect.x, rect.bottom + 4), 13, palette.TEXT_DIM)
        y += SMALL + 28
    for note in result.notes:
        for line in text.wrap(note, 13, SIZE[0] - x - 16):
            if y > SIZE[1] - 20:
                return
            text.blit(out, line, (x, y), 13, palette.WARN)
            y += 18
        y += 4


def write_png(result: PlaneResult, colours: list[int], out) -> None:
    """``draw``'s picture as a PNG at ``out`` (``dl-explorer paths --out``), atomically."""
    from explorer.app.frame_file import save_png

    pygame.font.init()
    save_png(draw(result, colours), out)
