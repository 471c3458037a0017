"""Pictures of activations: the grid of small f(z) / f′(z) plots with the saturated stretches
shaded, the larger plot of the selected one, and Maxout's "pieces" idea (it is not elementwise)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import language, reword, t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training import SATURATION_SLOPE
from explorer.training.activation_curves import Z_RANGE, Curve

F_COLOUR = (90, 220, 255)  # f(z)
DF_COLOUR = (255, 166, 48)  # f′(z)
PIECE_COLOURS = [(255, 110, 220), (190, 255, 90), (185, 150, 255), (255, 225, 80)]
PLOT_BG = (20, 22, 28)
SHADE = (66, 38, 44)  # |f′| < SATURATION_SLOPE
AXIS = (62, 66, 78)
CELL_BG = (28, 31, 38)


@dataclass(frozen=True)
class Frame:
    """A plot rectangle and the world box it shows: z across, value up."""

    rect: pygame.Rect
    z0: float
    z1: float
    v0: float
    v1: float

    def x(self, z):
        return self.rect.x + (np.asarray(z) - self.z0) / (self.z1 - self.z0) * (self.rect.w - 1)

    def y(self, v):
        fraction = (np.asarray(v) - self.v0) / (self.v1 - self.v0)
        return self.rect.bottom - 1 - fraction * (self.rect.h - 1)

    def point(self, z: float, v: float) -> tuple[int, int]:
        return int(round(float(self.x(z)))), int(round(float(self.y(v))))

    def moved(self, dx: int, dy: int) -> Frame:
        return Frame(self.rect.move(dx, dy), self.z0, self.z1, self.v0, self.v1)


def value_range(*series: np.ndarray) -> tuple[float, float]:
    lo = min(min(float(s.min()) for s in series), -0.25)
    hi = max(max(float(s.max()) for s in series), 1.0)
    pad = 0.08 * (hi - lo)
    return lo - pad, hi + pad


def line(surface, frame: Frame, z, v, colour, width: int = 1) -> None:
    """An antialiased polyline, clipped to the frame; ``width`` 2 or more draws it thicker."""
    xs, ys = frame.x(z), np.clip(frame.y(v), frame.rect.y - 2, frame.rect.bottom + 2)
    points = np.stack([xs, ys], 1).tolist()
    if len(points) < 2:
        return
    old = surface.get_clip()
    surface.set_clip(frame.rect.clip(old) if old else frame.rect)
    width = lw(width)
    if width >= 3:
        pygame.draw.lines(surface, colour, False, points, width - 1)
    for k in range(min(width, 2)):
        pygame.draw.aalines(surface, colour, False, [(x, y + k) for x, y in points])
    surface.set_clip(old)


def axes(surface, frame: Frame) -> None:
    surface.fill(PLOT_BG, frame.rect)
    if frame.v0 < 0 < frame.v1:
        y = int(frame.y(0.0))
        pygame.draw.line(surface, AXIS, (frame.rect.x, y), (frame.rect.right - 1, y), lw())
    if frame.z0 < 0 < frame.z1:
        x = int(frame.x(0.0))
        pygame.draw.line(surface, AXIS, (x, frame.rect.y), (x, frame.rect.bottom - 1), lw())


def curve_plot(surface, rect: pygame.Rect, curve: Curve, width: int = 1) -> Frame:
    """f and f′ in ``rect``, the saturated stretches of z shaded the full height."""
    frame = Frame(pygame.Rect(rect), *Z_RANGE, *value_range(curve.f, curve.df))
    axes(surface, frame)
    for a, b in curve.saturated_spans():
        x0, x1 = int(round(float(frame.x(a)))), int(round(float(frame.x(b))))
        surface.fill(SHADE, (x0, frame.rect.y, max(1, x1 - x0 + 1), frame.rect.h))
    if frame.z0 < 0 < frame.z1:  # the z axis again, over the shading
        x = int(frame.x(0.0))
        pygame.draw.line(surface, AXIS, (x, frame.rect.y), (x, frame.rect.bottom - 1))
    line(surface, frame, curve.z, curve.df, DF_COLOUR, width)
    line(surface, frame, curve.z, curve.f, F_COLOUR, width + 1)
    return frame


PIECE_EXAMPLES = (  # (title, short title, pieces as (slope, intercept)): two-piece Maxouts
    ("max(z, 0) = ReLU", "ReLU", ((1.0, 0.0), (0.0, 0.0))),
    ("max(z, −z) = |z|", "|z|", ((1.0, 0.0), (-1.0, 0.0))),
)


def pieces_plot(surface, rect: pygame.Rect, pieces, width: int = 1) -> Frame:
    """Thin linear pieces and their max drawn thick."""
    z = np.linspace(*Z_RANGE, 81)
    values = np.array([a * z + b for a, b in pieces])
    frame = Frame(pygame.Rect(rect), *Z_RANGE, -5.5, 5.5)
    axes(surface, frame)
    for k, v in enumerate(values):
        line(surface, frame, z, v, palette.dim(PIECE_COLOURS[k % 4], 0.25), 1)
    line(surface, frame, z, values.max(0), palette.TEXT, width + 2)
    return frame


def pieces_idea(surface, rect: pygame.Rect, text: Text, size: int = 12) -> None:
    """Maxout's two-piece examples side by side in ``rect``, each titled."""
    gap = px(6)
    w = (rect.w - gap) // 2
    for k, (title, short, pieces) in enumerate(PIECE_EXAMPLES):
        x = rect.x + k * (w + gap)
        label = title if text.font(size, "mono").size(title)[0] <= w else short
        text.blit(
            surface,
            label,
            (x + w // 2, rect.bottom),
            size,
            palette.TEXT_DIM,
            "mono",
            anchor="midbottom",
        )
        below = text.line_height(size, "mono") + px(2)
        pieces_plot(surface, pygame.Rect(x, rect.y, w, rect.h - below), pieces)


@dataclass
class GridPicture:
    surface: pygame.Surface
    cells: dict[str, pygame.Rect]  # in the picture's own coordinates
    frames: dict[str, Frame]


def grid_shape(n: int, w: int, h: int) -> tuple[int, int]:
    """Columns and rows that give the cells the most room (a little wider than tall)."""
    best, shape = -1.0, (1, max(n, 1))
    for cols in range(1, max(n, 1) + 1):
        rows = -(-max(n, 1) // cols)
        score = min(w / cols / 1.15, h / rows)
        if score > best:
            best, shape = score, (cols, rows)
    return shape


def render_grid(curves: dict[str, Curve], size, selected: str, text: Text) -> GridPicture:
    w, h = max(size[0], px(100)), max(size[1], px(80))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    cols, rows = grid_shape(len(curves), w, h)
    gap = px(6)
    cw, ch = (w - gap * (cols - 1)) // cols, (h - gap * (rows - 1)) // rows
    cells, frames = {}, {}
    for i, (name, curve) in enumerate(curves.items()):
        r, c = divmod(i, cols)
        cell = pygame.Rect(c * (cw + gap), r * (ch + gap), cw, ch)
        cells[name] = cell
        frame = _cell(surface, cell, curve, text, name == selected)
        if frame is not None:
            frames[name] = frame
    return GridPicture(surface, cells, frames)


def _cell(surface, cell: pygame.Rect, curve: Curve, text: Text, selected: bool) -> Frame | None:
    surface.fill(CELL_BG, cell)
    inner = cell.inflate(-px(10), -px(8))
    title_h = text.line_height(13, "bold")
    title = text.ellipsize(curve.name, 13, inner.w, "bold")
    text.blit(surface, title, inner.topleft, 13, palette.TEXT, "bold")
    # the whole formula under the plot: on one line at 12 px, or wrapped at 11 px
    formula = plugin_words(curve, "formula")
    size, rows = 12, [formula]
    if curve.plotted and text.font(12, text.kind_for(formula, "sans")).size(formula)[0] > inner.w:
        size, rows = 11, _formula_rows(formula, inner.w, text)
    foot_h = text.line_height(size) * (len(rows) if curve.plotted else 1)
    body = pygame.Rect(inner.x, inner.y + title_h, inner.w, inner.h - title_h - foot_h - px(2))
    frame = None
    if curve.error:
        y = body.y + px(2)
        step = text.line_height(12)
        for row in text.wrap(said(curve.error), 12, inner.w)[: max(1, (inner.h - title_h) // step)]:
            text.blit(surface, row, (inner.x, y), 12, palette.ERROR)
            y += step
    elif curve.plotted:
        frame = curve_plot(surface, body, curve)
    else:
        tall = pygame.Rect(body.x, body.y, body.w, body.h + foot_h)
        pieces_idea(surface, tall, text, 11)
    if curve.plotted:
        y = inner.bottom - foot_h
        for row in rows:
            row = text.ellipsize(row, size, inner.w)  # only a formula past three lines is cut
            text.blit(surface, row, (inner.x, y), size, palette.TEXT_DIM)
            y += text.line_height(size)
    colour, width = (palette.WARN, lw(2)) if selected else (palette.PANEL_LINE, lw())
    pygame.draw.rect(surface, colour, cell, width, border_radius=px(3))
    return frame


def _formula_rows(formula: str, width: int, text: Text) -> list[str]:
    """A formula on at most three lines of 11 px text, broken at spaces."""
    rows = text.wrap(formula, 11, width)
    return rows if len(rows) <= 3 else [*rows[:2], " ".join(rows[2:])]


def render_detail(curve: Curve | None, size, text: Text) -> pygame.Surface:
    """The selected activation, larger: axes with numbers, a legend, its doc line."""
    w, h = max(size[0], px(160)), max(size[1], px(120))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    if curve is None:
        return surface
    formula = plugin_words(curve, "formula")
    head = f"{curve.name}   {formula}" if formula else curve.name
    line14 = text.line_height(14, "mono")
    head_rows = text.wrap(head, 14, w, "mono")[:2]  # a long formula takes a second line
    for k, row in enumerate(head_rows):
        row = text.ellipsize(row, 14, w, "mono")
        text.blit(surface, row, (0, k * line14), 14, palette.TEXT, "mono")
    top = line14 * len(head_rows) + px(6)
    line13 = text.line_height(13)
    notes = [plugin_words(curve, "doc")] if curve.doc else []
    if curve.plotted:
        notes.append(t("activations.shaded", slope=num(SATURATION_SLOPE)))
    notes.append(t("activations.from_plugin", plugin=curve.plugin))
    if curve.error:
        notes = [said(curve.error), said(curve.detail), *notes]
        y = top
        for k, note in enumerate(n for n in notes if n):
            colour = palette.ERROR if k < 2 else palette.TEXT_DIM
            for row in text.wrap(note, 13, w):
                text.blit(surface, row, (0, y), 13, colour)
                y += line13
        return surface
    foot = []
    for note in notes:
        foot += text.wrap(note, 13, w)
    foot = foot[:4]
    left = max(px(42), text.font(12, "mono").size("−0.25")[0] + px(8))
    ticks_h = text.line_height(12, "mono") + px(2)
    legend_h = line13 + px(4)
    plot_h = h - top - ticks_h - legend_h - line13 * len(foot) - px(4)
    plot = pygame.Rect(left, top, w - left - px(8), plot_h)
    if curve.plotted:
        frame = curve_plot(surface, plot, curve, width=2)
        _ticks(surface, frame, text)
        y = plot.bottom + ticks_h + px(2)
        mid = y + line13 // 2
        x = plot.x
        for colour, label in ((F_COLOUR, "f(z)"), (DF_COLOUR, t("activations.legend_df"))):
            pygame.draw.line(surface, colour, (x, mid), (x + px(18), mid), lw(2))
            x = text.blit(
                surface, label, (x + px(24), mid), 13, palette.TEXT, anchor="midleft"
            ).right + px(14)
        pygame.draw.rect(surface, SHADE, (x, mid - px(6), px(18), px(13)))
        label = t("activations.legend_saturated")
        text.blit(
            surface,
            text.ellipsize(label, 13, w - x - px(24)),
            (x + px(24), mid),
            13,
            palette.TEXT,
            anchor="midleft",
        )
    else:
        note = t("activations.maxout_note")
        rows = text.wrap(note, 13, w)
        idea_h = h - top - line13 * (len(rows) + len(foot)) - px(10)
        idea_w = min(w, int(idea_h * 2.4))
        pieces_idea(surface, pygame.Rect((w - idea_w) // 2, top, idea_w, idea_h), text, 13)
        y = top + idea_h + px(4)
        for row in rows:
            text.blit(surface, row, (0, y), 13, palette.TEXT)
            y += line13
    y = h - line13 * len(foot)
    for row in foot:
        text.blit(surface, row, (0, y), 13, palette.TEXT_DIM)
        y += line13
    return surface


# the training layer's sentences about a curve it could not plot (activation_curves.py), as
# (pattern, catalogue key, fields) for i18n.reword
SAID = [
    (re.compile(r"Not plotted: factory failed\.$"), "activations.not_plotted_factory", ()),
    (re.compile(r"Not plotted: not elementwise\.$"), "activations.not_plotted_elementwise", ()),
    (re.compile(r"Not plotted: calling it failed\.$"), "activations.not_plotted_call", ()),
    (re.compile(r"Not plotted: NaN or ∞\.$"), "activations.not_plotted_nan", ()),
    (
        re.compile(r"f\(z\) or f′\(z\) is not a finite number somewhere on \[−5, 5\]\.$"),
        "activations.not_finite",
        (),
    ),
    (
        re.compile(r"(\d+) inputs of shape (.+) gave (.+)\.$"),
        "activations.wrong_shape",
        ("n", "shape", "got"),
    ),
]


def said(sentence: str) -> str:
    """A sentence of the training layer's about a curve, in the current language (one it does
    not know, such as an exception's message, as it is)."""
    return reword(sentence, SAID)


def plugin_words(curve: Curve, field: str) -> str:
    """The plugin's ``field`` ("doc" or "formula"); a built-in's in the current language where
    the catalogue has it (a plugin that says something else under the same name keeps its own
    words)."""
    words = getattr(curve, field)
    name = f"activations.{field}.{curve.name}"
    if words and language() != "en" and t(name, lang="en") == words:
        return t(name)
    return words


def _ticks(surface, frame: Frame, text: Text) -> None:
    r = frame.rect
    for z in (-5, -2.5, 0, 2.5, 5):
        x = int(frame.x(z))
        text.blit(surface, num(z), (x, r.bottom + px(2)), 12, palette.TEXT_DIM, "mono", "midtop")
    for v in _nice_ticks(frame.v0, frame.v1, max(2, r.h // px(24))):
        y = int(frame.y(v))
        pygame.draw.line(surface, AXIS, (r.x - px(4), y), (r.x - 1, y), lw())
        text.blit(surface, num(v, 2), (r.x - px(6), y), 12, palette.TEXT_DIM, "mono", "midright")


def _nice_ticks(lo: float, hi: float, most: int) -> list[float]:
    span = hi - lo
    steps = (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
    step = next((s for s in steps if span / s <= most), steps[-1])
    first = np.ceil(lo / step) * step
    return [float(v) for v in np.arange(first, hi + 1e-9, step)]
