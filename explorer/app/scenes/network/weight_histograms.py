"""Every weight layer's weights as a histogram, small multiples on one x range: L1 drives weights
to exactly zero (a spike in the middle bin, its exact zeros drawn bright), L2 only shrinks them (a
narrower bell). Each histogram is captioned with its layer and the share of its weights with
|w| < 1e-3; counts are linear, each layer's tallest bin full height (the output layer has far
fewer weights than the rest, and its shape matters, not its size)."""

from __future__ import annotations

import math

import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training import Snapshot

WEIGHT = (110, 190, 255)  # a bin of weights
ZERO = (255, 236, 150)  # in the middle bin: the weights with |w| < 1e-3 (what L1 makes zero)


def grid(n: int, w: int, h: int) -> tuple[int, int]:
    """(columns, rows) for ``n`` cells in a w × h area, cells as near square as can be."""
    best = (n, 1)
    best_score = -1.0
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        cell = min(w / cols, h / rows)
        if cell > best_score + 1e-9:
            best, best_score = (cols, rows), cell
    return best


def total_sparsity(snap: Snapshot) -> float | None:
    total = sum(p.n_weights for p in snap.layers)
    return sum(p.n_small for p in snap.layers) / total if total else None


def render_weight_histograms(snap: Snapshot, size: tuple[int, int], text: Text) -> pygame.Surface:
    w, h = max(size[0], px(80)), max(size[1], px(80))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    title = t("network.weights_title")
    r = text.blit(surface, title, (px(8), px(5)), 13, palette.TEXT, "bold")
    layers = [p for p in snap.layers if p.weight_counts]
    if not layers:
        text.blit(
            surface,
            t("network.weights_none"),
            (w // 2, h // 2),
            13,
            palette.TEXT_DIM,
            anchor="center",
        )
        return surface
    share = total_sparsity(snap)
    if share is not None:
        caption = text.ellipsize(
            t("network.weights_zero", share=f"{share:.0%}"), 12, w - r.right - px(16), "mono"
        )
        text.blit(surface, caption, (w - px(8), px(5)), 12, ZERO, "mono", "topright")
    line10, line11 = text.line_height(10), text.line_height(11)
    top = px(5) + text.line_height(13) + px(2)
    span = layers[0].weight_span
    axis = text.ellipsize(t("network.weights_axis", span=num(span, 2)), 10, w - px(16))
    text.blit(surface, axis, (w // 2, h - px(3)), 10, palette.TEXT_DIM, anchor="midbottom")
    area = pygame.Rect(px(6), top, w - px(12), h - top - line10 - px(6))
    cols, rows = grid(len(layers), area.w, area.h)
    cell_w, cell_h = area.w / cols, area.h / rows
    for k, probe in enumerate(layers):
        cell = pygame.Rect(
            int(area.x + (k % cols) * cell_w),
            int(area.y + (k // cols) * cell_h),
            int(cell_w) - px(4),
            int(cell_h) - px(3),
        )
        _cell(surface, cell, probe, text, line11)
    return surface


def _cell(surface, cell: pygame.Rect, probe, text: Text, line11: int) -> None:
    name = "out" if not probe.hidden else str(probe.index + 1)
    sparsity = probe.sparsity or 0.0
    label = f"{name} · {sparsity:.0%}" if cell.w >= px(44) else f"{name}"
    colour = ZERO if sparsity >= 0.1 else palette.TEXT_DIM
    text.blit(
        surface,
        text.ellipsize(label, 11, cell.w, "mono"),
        (cell.centerx, cell.y),
        11,
        colour,
        "mono",
        "midtop",
    )
    plot = pygame.Rect(cell.x, cell.y + line11, cell.w, max(cell.h - line11, px(4)))
    pygame.draw.line(surface, palette.PANEL_LINE, plot.bottomleft, plot.bottomright, lw())
    pygame.draw.line(
        surface, palette.PANEL_LINE, (plot.centerx, plot.y), (plot.centerx, plot.bottom), lw()
    )
    counts = probe.weight_counts
    tallest = max(counts) if counts else 0
    if not tallest:
        return
    n = len(counts)
    slot = plot.w / n
    middle = n // 2
    for i, c in enumerate(counts):
        if not c:
            continue
        x0, x1 = int(plot.x + i * slot), int(plot.x + (i + 1) * slot)
        bar_h = max(1, round(plot.h * c / tallest))
        rect = pygame.Rect(x0, plot.bottom - bar_h, max(1, x1 - x0 - (1 if slot > 4 else 0)), bar_h)
        pygame.draw.rect(surface, WEIGHT, rect)
        if i == middle and probe.n_small:  # the exact zeros, bright, at the bottom of the spike
            zero_h = max(1, round(bar_h * min(1.0, probe.n_small / c)))
            pygame.draw.rect(surface, ZERO, (rect.x, plot.bottom - zero_h, rect.w, zero_h))
