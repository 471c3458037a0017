"""The picture of many optimizers on one plane (``dl-explorer paths``, and the Network lab's
"Optimizers on one plane"): every optimizer's path on one shared plane, the map's loss under
them, and what the plane hides (the "other directions" maps, the off-plane figures).

Pygame only draws here; every number comes from ``explorer.landscape.paths.PlaneResult``, every
word from the catalogues (``planes.*``), so the picture is in the app's language. The layout
follows the size it is drawn at and the UI scale (the lab draws it over its nets' area).
"""

from __future__ import annotations

import math

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import px
from explorer.app.ui.text import Text
from explorer.landscape.paths import OFF_PLANE, PlaneMap, PlaneResult

SIZE = (1280, 800)  # the command's PNG
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
        tt = np.log(z[finite] - lo + first) - math.log(first)
        tt = tt / max(float(tt.max()), 1e-12)
        rgb[finite] = _LUT[np.clip(tt * (len(_LUT) - 1), 0, len(_LUT) - 1).astype(np.intp)]
    rgb = np.ascontiguousarray(rgb[::-1])  # row 0 is the lowest y
    small = pygame.image.frombuffer(rgb.tobytes(), (z.shape[1], z.shape[0]), "RGB")
    return pygame.transform.smoothscale(small, size)


def _to_px(m: PlaneMap, rect: pygame.Rect, xy: np.ndarray) -> np.ndarray:
    x0, x1 = float(m.xs[0]), float(m.xs[-1])
    y0, y1 = float(m.ys[0]), float(m.ys[-1])
    px_ = rect.x + (xy[:, 0] - x0) / (x1 - x0) * rect.w
    py = rect.bottom - (xy[:, 1] - y0) / (y1 - y0) * rect.h
    return np.stack([px_, py], 1)


def colour_of(index: int) -> tuple[int, int, int]:
    return palette.ball_colour(index)


def title(result: PlaneResult) -> str:
    centre = t("planes.centre_init") if result.centre == "init" else result.centre
    words = t(
        "planes.title",
        n=len(result.paths),
        plane=t(f"planes.plane_{result.plane}"),
        centre=centre,
        weights=f"{result.n_parameters:,}",
    )
    if result.explained:
        a, b = result.explained
        words += t("planes.title_explained", a=f"{a:.0%}", b=f"{b:.0%}")
    if result.curvatures:
        a, b = result.curvatures
        words += t("planes.title_curvatures", a=f"{a:.3g}", b=f"{b:.3g}")
    return words


def draw(
    result: PlaneResult,
    colours: list[int],
    text: Text | None = None,
    size: tuple[int, int] = SIZE,
) -> pygame.Surface:
    """The whole picture at ``size``; ``colours[i]`` is path i's optimizer's colour index (the
    Landscape's). The map is the largest square that leaves the side column room."""
    text = text or Text()
    out = pygame.Surface(size)
    out.fill(palette.BACKGROUND)
    w, h = size
    m = px(24)
    lines = text.wrap(title(result), 18, w - 2 * m)[:2]
    y = px(16)
    for line in lines:
        text.blit(out, line, (m, y), 18, palette.TEXT)
        y += text.line_height(18)
    top = y + px(12)
    # what the plane hides goes across the bottom, in full: the map leaves it the room
    notes = [line for note in result.notes for line in text.wrap(note.word(t), 13, w - 2 * m)]
    notes_h = len(notes) * (text.line_height(13) + px(1)) + (px(10) if notes else 0)
    side = max(px(120), min(h - top - m - notes_h, int(w * 0.5)))
    main = pygame.Rect(m, top, side, side)
    out.blit(heat(result.map, main.size), main.topleft)
    pygame.draw.rect(out, palette.PANEL_LINE, main, 1)
    _paths(out, result, colours, main)
    column = pygame.Rect(main.right + px(28), top, w - main.right - px(28) - px(16), side)
    _side(out, result, colours, text, column)
    y = max(main.bottom, column.bottom) + px(10)
    for line in notes:
        text.blit(out, line, (m, y), 13, palette.WARN)
        y += text.line_height(13) + px(1)
    return out


def _paths(out: pygame.Surface, result: PlaneResult, colours: list[int], rect: pygame.Rect) -> None:
    for i, p in enumerate(result.paths):
        colour = colour_of(colours[i])
        if p.mostly_off:
            colour = palette.dim(colour, 0.55)
        pts = _to_px(result.map, rect, p.coords)
        if len(pts) > 1:
            pygame.draw.aalines(out, colour, False, pts.tolist())
        end = pts[-1]
        if p.path.cut:
            d = px(7)
            pygame.draw.line(out, colour, end - d, end + d, px(3))
            pygame.draw.line(out, colour, (end[0] - d, end[1] + d), (end[0] + d, end[1] - d), px(3))
        else:
            pygame.draw.circle(out, palette.BACKGROUND, end, px(8))
            pygame.draw.circle(out, colour, end, px(6))
    start = _to_px(result.map, rect, result.paths[0].coords[:1])[0]
    pygame.draw.circle(out, palette.MARK, start, px(7), px(2))


def _side(
    out: pygame.Surface, result: PlaneResult, colours: list[int], text: Text, col: pygame.Rect
) -> None:
    x, y = col.x, col.y
    indent = px(20)
    for i, p in enumerate(result.paths):
        colour = colour_of(colours[i])
        pygame.draw.circle(out, colour, (x + px(7), y + px(9)), px(6))
        s = p.summary()
        faded = t("planes.faded") if p.mostly_off else ""
        label = text.ellipsize(f"{p.path.label}{faded}", 16, col.w - indent)
        text.blit(out, label, (x + indent, y), 16, palette.TEXT)
        y += text.line_height(16) + px(2)
        figures = [
            t(
                "planes.off_line",
                median=f"{s['median_off']:.0%}",
                share=f"{p.off_share:.0%}",
                limit=f"{OFF_PLANE:.0%}",
            ),
            t("planes.end_line", true=f"{s['end_true_loss']:.4g}", map=f"{s['end_map_loss']:.4g}"),
        ]
        for figure in figures:
            for line in text.wrap(figure, 13, col.w - indent):
                text.blit(out, line, (x + indent, y), 13, palette.TEXT_DIM)
                y += text.line_height(13)
        y += px(8)
    if result.others:
        _others(out, result, text, col, y + px(6))


def _others(out: pygame.Surface, result: PlaneResult, text: Text, col: pygame.Rect, y: int) -> int:
    """The maps along other random directions, side by side under their heading: returns the
    height below them."""
    spread = result.centre_spread
    head = t("planes.others_head")
    if spread is not None:
        head += t("planes.others_spread", spread=f"{spread:.3g}")
    for line in text.wrap(head, 14, col.w):
        text.blit(out, line, (col.x, y), 14, palette.TEXT)
        y += text.line_height(14)
    y += px(4)
    shown = result.others[:3]
    gap = px(12)
    small = max(px(48), min(px(176), (col.w - gap * (len(shown) - 1)) // max(1, len(shown))))
    small = min(small, col.bottom - y - 2 * text.line_height(13) - px(4))
    if small < px(48):  # no room for the maps themselves: their figures, in words
        words = " · ".join(
            t("planes.seed_mean", seed=m.seed, mean=f"{m.centre_mean:.3g}") for m in shown
        )
        for line in text.wrap(words, 13, col.w):
            text.blit(out, line, (col.x, y), 13, palette.TEXT_DIM)
            y += text.line_height(13)
        return y
    for i, m in enumerate(shown):
        rect = pygame.Rect(col.x + i * (small + gap), y, small, small)
        out.blit(heat(m, rect.size), rect.topleft)
        pygame.draw.rect(out, palette.PANEL_LINE, rect, 1)
        label = t("planes.seed_mean", seed=m.seed, mean=f"{m.centre_mean:.3g}")
        for k, line in enumerate(text.wrap(label, 13, small + gap - px(4))[:2]):
            at = (rect.x, rect.bottom + px(4) + k * text.line_height(13))
            text.blit(out, line, at, 13, palette.TEXT_DIM)
    return y + small + px(8) + text.line_height(13) + px(8)


def write_png(result: PlaneResult, colours: list[int], out) -> None:
    """``draw``'s picture as a PNG at ``out`` (``dl-explorer paths --out``), atomically."""
    from explorer.app.frame_file import save_png

    pygame.font.init()
    save_png(draw(result, colours), out)
