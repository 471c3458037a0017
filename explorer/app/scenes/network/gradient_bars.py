"""Per-layer gradient norms as bars on a log scale, with the activation's slope bound per layer as
a guide (sigmoid's ¼^L; drawn only for an activation whose slope is bounded below 1, where it
predicts vanishing gradients), and each hidden layer's saturated fraction under them. Side by
side, both nets' charts share one y-axis (``shared_range``)."""

from __future__ import annotations

import math

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.dashes import dash_segments
from explorer.training import Snapshot

BAR = (110, 190, 255)
GUIDE = (255, 200, 90)
SIGMOID_SLOPE = 0.25  # σ'(z) ≤ 1/4: each sigmoid layer passes back at most a quarter


def layer_norms(snap: Snapshot) -> list[float]:
    """Mean ‖∂L/∂W‖ per weight layer over the last epoch, else the last step's."""
    if snap.epochs:
        return list(snap.epochs[-1].grad_norms)
    return [p.grad_norm for p in snap.layers]


def sigmoid_guide(norms: list[float], bound: float = SIGMOID_SLOPE) -> list[float]:
    """The output layer's norm times ``bound`` per layer towards the input: what is left of the
    gradient if every layer passed back at most its activation's largest slope (weights aside)."""
    if not norms:
        return []
    last = norms[-1]
    n = len(norms)
    return [last * bound ** (n - 1 - i) for i in range(n)]


def guide_bound(snap: Snapshot) -> float | None:
    """The slope bound to draw as a guide: the net's own activation's, when it is below 1
    (sigmoid: ¼); None for ReLU, tanh and the like, whose bound predicts nothing."""
    bound = snap.slope_bound
    return bound if bound is not None and 0 < bound < 0.99 else None


def log_range(snap: Snapshot) -> tuple[int, int] | None:
    """The decades (lo, hi) this net's chart needs on its log axis; None before a step."""
    norms = layer_norms(snap)
    if not norms or snap.step == 0:
        return None
    bound = guide_bound(snap)
    guide = sigmoid_guide(norms, bound) if bound else []
    finite = [v for v in norms + guide if v > 0 and math.isfinite(v)]
    hi = math.ceil(math.log10(max(finite))) if finite else 1
    positive = [v for v in norms if v > 0 and math.isfinite(v)]
    lo = math.floor(math.log10(min(positive))) if positive else hi - 4
    lo = min(lo, hi - 2)
    return max(lo, hi - 16), hi


def shared_range(snaps: list[Snapshot]) -> tuple[int, int] | None:
    """One y-axis for several charts (side by side): wide enough for each."""
    ranges = [r for r in map(log_range, snaps) if r is not None]
    if not ranges:
        return None
    hi = max(r[1] for r in ranges)
    return max(min(r[0] for r in ranges), hi - 16), hi


def _fraction(bound: float) -> str:
    return "¼" if abs(bound - 0.25) < 1e-3 else f"{bound:.2g}"


def render_gradient_bars(
    snap: Snapshot,
    size: tuple[int, int],
    text: Text,
    y_range: tuple[int, int] | None = None,
) -> pygame.Surface:
    """The chart; ``y_range`` (decades lo, hi) shares an axis with another chart."""
    w, h = max(size[0], px(80)), max(size[1], px(80))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    text.blit(surface, t("grads.title"), (px(8), px(5)), 13, palette.TEXT, "bold")
    norms = layer_norms(snap)
    if not norms or snap.step == 0:  # no gradient yet: nothing (not zeros on the chart's floor)
        text.blit(
            surface, t("grads.no_step"), (w // 2, h // 2), 13, palette.TEXT_DIM, anchor="center"
        )
        return surface
    axis = _LogAxis.fit(surface, text, y_range or log_range(snap) or (-4, 1))
    axis.draw_grid(surface, text)
    centres = _draw_bars(surface, text, axis, norms, [p.saturated for p in snap.layers if p.hidden])
    bound = guide_bound(snap)
    _draw_guide(surface, axis, centres, sigmoid_guide(norms, bound) if bound else [])
    _draw_header(surface, text, axis, norms, bound)
    return surface


class _LogAxis:
    """Where the chart's plot sits, and the log scale of its y-axis (decades lo … hi)."""

    def __init__(self, plot: pygame.Rect, lo: int, hi: int, legend_y: int, sat_y: int) -> None:
        self.plot, self.lo, self.hi = plot, lo, hi
        self.legend_y = legend_y  # the legend line under the title
        self.sat_y = sat_y  # the saturated fractions under the layer names

    @classmethod
    def fit(cls, surface: pygame.Surface, text: Text, decades: tuple[int, int]) -> _LogAxis:
        w, h = surface.get_size()
        line13, line11, line10 = text.line_height(13), text.line_height(11), text.line_height(10)
        legend_y = px(5) + line13
        left = max(px(44), text.font(11, "mono").size("1e-10")[0] + px(8))
        top = legend_y + line10 + px(6)
        under = line11 + line10 + px(8)  # layer names, then saturated fractions
        plot = pygame.Rect(left, top, w - left - px(8), h - top - under)
        return cls(plot, decades[0], decades[1], legend_y, plot.bottom + px(2) + line11)

    def y_of(self, v: float) -> int:
        plot = self.plot
        if not (v > 0 and math.isfinite(v)):
            return plot.bottom
        t = (math.log10(v) - self.lo) / max(self.hi - self.lo, 1e-9)
        return int(plot.bottom - max(0.0, min(1.0, t)) * plot.h)

    def draw_grid(self, surface: pygame.Surface, text: Text) -> None:
        plot, lo, hi = self.plot, self.lo, self.hi
        for e in range(lo, hi + 1, max(1, (hi - lo) // 4)):
            y = self.y_of(10.0**e)
            pygame.draw.line(surface, palette.PANEL_LINE, (plot.x, y), (plot.right, y), lw())
            text.blit(
                surface, f"1e{e}", (plot.x - px(4), y), 11, palette.TEXT_DIM, "mono", "midright"
            )


def _draw_bars(
    surface: pygame.Surface, text: Text, axis: _LogAxis, norms: list[float], sat: list
) -> list[int]:
    """One bar per weight layer (the output layer's paler), its name under it and, for a hidden
    layer, its saturated fraction; returns the bars' centres."""
    plot, n = axis.plot, len(norms)
    slot = plot.w / n
    bar_w = max(px(3), int(slot * 0.6))
    centres = []
    for i, v in enumerate(norms):
        cx = int(plot.x + slot * (i + 0.5))
        centres.append(cx)
        top = axis.y_of(v)
        colour = BAR if i < n - 1 else (200, 204, 214)
        pygame.draw.rect(surface, colour, (cx - bar_w // 2, top, bar_w, plot.bottom - top))
        label = "out" if i == n - 1 else str(i + 1)
        text.blit(surface, label, (cx, plot.bottom + px(2)), 11, palette.TEXT_DIM, anchor="midtop")
        if i < len(sat) and sat[i] is not None and np.isfinite(sat[i]):
            s = float(sat[i])
            colour = palette.ERROR if s > 0.9 else (palette.WARN if s > 0.5 else palette.TEXT_DIM)
            label = f"{s:.0%}" if slot >= px(30) else f"{100 * s:.0f}"
            if slot >= px(16):
                text.blit(surface, label, (cx, axis.sat_y), 10, colour, anchor="midtop")
            else:
                pygame.draw.rect(
                    surface, colour, (cx - bar_w // 2, axis.sat_y + px(2), bar_w, px(8))
                )
    return centres


def _draw_guide(
    surface: pygame.Surface, axis: _LogAxis, centres: list[int], guide: list[float]
) -> None:
    """The slope bound's guide: a dashed line through a dot per layer."""
    points = [(cx, axis.y_of(g)) for cx, g in zip(centres, guide, strict=False)]
    if len(points) > 1:
        for a, b in zip(points, points[1:], strict=False):
            _dashed(surface, GUIDE, a, b)
    for p in points:
        pygame.draw.circle(surface, GUIDE, p, px(2))


def _draw_header(
    surface: pygame.Surface, text: Text, axis: _LogAxis, norms: list[float], bound: float | None
) -> None:
    """The first/last layer ratio beside the title, the legend line, the saturated row's name."""
    w = surface.get_width()
    ratio = norms[0] / norms[-1] if norms[-1] > 0 else float("nan")
    caption = t("grads.ratio", ratio=num(ratio, 2))
    title = t("grads.title")
    title_w = text.font(13, text.kind_for(title, "bold")).size(title)[0]
    caption = text.ellipsize(caption, 12, w - px(24) - title_w, "mono")
    text.blit(surface, caption, (w - px(8), px(5)), 12, _ratio_colour(ratio), "mono", "topright")
    text.blit(surface, t("grads.saturated"), (px(8), axis.sat_y), 10, palette.TEXT_DIM)
    legend_y = axis.legend_y
    r = text.blit(surface, t("grads.norm"), (px(8), legend_y), 10, palette.TEXT_DIM)
    if bound:
        _dashed(surface, GUIDE, (r.right + px(10), r.centery), (r.right + px(30), r.centery))
        f, room = _fraction(bound), w - (r.right + px(34)) - px(6)
        label = t("grads.per_layer", f=f)
        if text.ellipsize(label, 10, room) != label:
            label = text.ellipsize(t("grads.per_layer_short", f=f), 10, room)
        text.blit(surface, label, (r.right + px(34), legend_y), 10, GUIDE)


def _ratio_colour(ratio: float):
    if not math.isfinite(ratio):
        return palette.TEXT_DIM
    return palette.ERROR if ratio < 0.01 else (palette.WARN if ratio < 0.1 else palette.GOOD)


def _dashed(surface, colour, a, b, dash: int = 5) -> None:
    if math.hypot(b[0] - a[0], b[1] - a[1]) < 1:
        return
    for p0, p1 in dash_segments([a, b], px(dash)):
        pygame.draw.line(surface, colour, p0, p1, lw())
