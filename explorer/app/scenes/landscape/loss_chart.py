"""Loss against step for every ball, on a log scale.

A loss can be negative (two_valleys, saddles), so the chart plots the gap to the best known
minimum, log(f − f*), when the surface knows its minima; log f when every loss is positive; and
a symmetric log otherwise. The axis title says which.
"""

from __future__ import annotations

import math

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.app.ui.view import nice_ticks

MAX_POINTS = 400


def chart_transform(losses: np.ndarray, floor: float | None) -> tuple[np.ndarray, str]:
    """(values to plot, axis title) for a (T, n) loss history."""
    finite = losses[np.isfinite(losses)]
    if floor is not None and math.isfinite(floor):
        return np.log10(np.maximum(losses - floor, 1e-16)), t("chart.log_gap")
    if finite.size and finite.min() > 0:
        return np.log10(np.maximum(losses, 1e-300)), t("chart.log_loss")
    return np.sign(losses) * np.log10(1 + np.abs(losses)), t("chart.symlog_loss")


def _decade(tick: float, digits: int = 2) -> str:
    if float(tick).is_integer():
        k = int(tick)
        return str(10**k) if 0 <= k <= 3 else f"1e{k}".replace("-", "−")
    return num(10.0**tick, digits)


def tick_labels(ticks: list[float], title: str) -> list[str]:
    """The y axis's labels, with just enough digits that no two read the same: a narrow range
    (a loss between 0.81 and 0.83) at two digits printed 0.82 on two different lines."""
    labels: list[str] = []
    for digits in range(2, 8):
        if title.startswith("log"):
            labels = [_decade(tick, digits) for tick in ticks]
        else:  # symlog: the axis value v stands for sign(v)·(10^|v| − 1)
            labels = [
                num(float(np.sign(tick) * (10 ** abs(tick) - 1)), digits + 1) for tick in ticks
            ]
        if len(set(labels)) == len(labels):
            break
    return labels


def render_chart(
    losses: np.ndarray, colours, floor: float | None, size, text: Text, horizon: int
) -> pygame.Surface:
    w, h = size
    surf = pygame.Surface((max(w, 1), max(h, 1)))
    surf.fill(palette.PANEL)
    pygame.draw.rect(surf, palette.PANEL_LINE, surf.get_rect(), lw(), border_radius=px(4))
    T = len(losses)
    values, title = chart_transform(losses, floor) if T else (losses, t("numbers.loss"))
    heading = text.ellipsize(t("chart.heading", scale=title), 13, w - px(16))
    text.blit(surf, heading, (px(10), px(5)), 13, palette.TEXT_DIM)
    left = max(px(50), text.font(11, "mono").size("1e−10")[0] + px(10))
    top = px(8) + text.line_height(13)
    plot = pygame.Rect(left, top, w - left - px(10), h - top - px(8) - text.line_height(11))
    if plot.w < 20 or plot.h < 20 or T == 0:
        return surf
    idx = np.unique(np.linspace(0, T - 1, min(T, MAX_POINTS, max(2, plot.w // 2))).astype(int))
    v = values[idx]
    finite = v[np.isfinite(v)]
    if finite.size == 0:
        return surf
    lo, hi = float(finite.min()), float(finite.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    pad = 0.05 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    x_max = max(T - 1, min(horizon, 100), 1)
    sx = plot.w / x_max
    sy = plot.h / (hi - lo)
    pygame.draw.rect(surf, (26, 28, 35), plot)
    step = 0.0
    ticks = nice_ticks(lo, hi, 4)
    if title.startswith("log"):  # whole decades read best: 1, 0.01, 1e−4 …
        first, last = math.ceil(lo), math.floor(hi)
        stride = max(1, math.ceil((last - first + 1) / 5))
        decades = list(range(first, last + 1, stride))
        ticks = decades if len(decades) >= 2 else ticks
    for tick, label in zip(ticks, tick_labels(ticks, title), strict=True):
        y = plot.bottom - (tick - lo) * sy
        pygame.draw.line(surf, palette.PANEL_LINE, (plot.x, y), (plot.right, y))
        text.blit(surf, label, (plot.x - px(4), y), 11, palette.TEXT_DIM, "mono", "midright")
    ticks = nice_ticks(0, x_max, 4)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    for tick in ticks:
        x = plot.x + tick * sx
        pygame.draw.line(surf, palette.PANEL_LINE, (x, plot.bottom), (x, plot.bottom + px(3)))
        text.blit(
            surf,
            f"{tick:.0f}" if step >= 1 else f"{tick:g}",
            (
                min(x, w - text.font(11, "mono").size(f"{tick:g}")[0] // 2 - px(3)),
                plot.bottom + px(4),
            ),
            11,
            palette.TEXT_DIM,
            "mono",
            "midtop",
        )
    xs = plot.x + idx * sx
    for i, colour in enumerate(colours):
        ys = plot.bottom - (v[:, i] - lo) * sy
        ok = np.isfinite(ys)
        pts = np.stack([xs[ok], np.clip(ys[ok], plot.y - 2, plot.bottom + 2)], axis=1)
        if len(pts) >= 2:
            if lw() > 1:
                pygame.draw.lines(surf, colour, False, pts.tolist(), lw())
            else:
                pygame.draw.aalines(surf, colour, False, pts.tolist())
        elif len(pts) == 1:
            pygame.draw.circle(surf, colour, pts[0], px(2))
    return surf
