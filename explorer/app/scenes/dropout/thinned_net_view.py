"""The live net drawn in training mode (this mini-batch's thinned network: dropped units and their
links greyed out, kept units marked ×1/(1−p)) or in evaluation mode (every unit present)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training.dropout_numbers import LiveView

KEPT = (80, 165, 235)
KEPT_RING = (190, 225, 255)
DROPPED = (58, 60, 68)
DROPPED_RING = (120, 122, 130)
IO_FILL = (70, 74, 86)
POSITIVE = (70, 160, 235)
NEGATIVE = (245, 150, 60)
DEAD_LINK = (44, 47, 55)
COMPACT_W = 340  # narrower drawings label layers and units more briefly


@dataclass
class ThinnedNetPicture:
    """The thinned net drawn once per mask: the picture, and where each unit sits in it (a click
    picks a unit by its centre); ``dropped`` holds the units the mask turned off."""

    surface: pygame.Surface
    centres: list[list[tuple[int, int]]] = field(default_factory=list)  # per layer, per unit
    radius: int = 8
    dropped: list[set[int]] = field(default_factory=list)  # per layer


def layer_names() -> tuple[str, ...]:
    """The four layers' names over a wide drawing, in the current language."""
    hidden = tuple(t("dropout.layer_hidden", n=n) for n in (1, 2))
    return (t("dropout.layer_input"), *hidden, t("dropout.layer_output"))


def _layout(sizes, w: int, h: int):
    top, bottom = px(24), px(22)
    left, right = (px(78), px(66)) if w >= px(COMPACT_W) else (px(54), px(44))
    n = len(sizes)
    xs = [int(left + (w - left - right) * k / max(1, n - 1)) for k in range(n)]
    gap = (h - top - bottom) / max(sizes)
    radius = int(max(px(4), min(px(11), gap * 0.34)))
    centres = []
    for k, units in enumerate(sizes):
        y0 = top + (h - top - bottom - gap * units) / 2 + gap / 2
        centres.append([(xs[k], int(y0 + j * gap)) for j in range(units)])
    return centres, radius


def render_net(
    view: LiveView, size: tuple[int, int], text: Text, training: bool, selected: int
) -> ThinnedNetPicture:
    w, h = max(size[0], px(160)), max(size[1], px(120))
    wide = w >= px(COMPACT_W)
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    sizes = view.sizes
    centres, radius = _layout(sizes, w, h)
    dropped: list[set[int]] = [set() for _ in sizes]
    if training and view.kept is not None:
        for i, kept in enumerate(view.kept):
            dropped[i + 1] = {u for u in range(len(kept)) if not kept[u]}
    names = layer_names() if wide else ("x", "h1", "h2", t("dropout.layer_output_short"))
    for k, name in enumerate(names if len(sizes) == len(names) else ()):
        text.blit(surface, name, (centres[k][0][0], px(4)), 12, palette.TEXT_DIM, anchor="midtop")
    _links(surface, view, centres, dropped)
    scale = f"×{num(1 / (1 - view.p), 3)}"
    # a tag beside each kept unit where it fits before the next layer, else one under the layer
    spacing = centres[1][0][0] - centres[0][0][0] if len(centres) > 1 else w
    per_unit = text.font(12, "mono").size(scale)[0] + px(8) <= spacing - 2 * radius - px(6)
    for k, layer in enumerate(centres):
        hidden = 0 < k < len(centres) - 1
        for u, c in enumerate(layer):
            if hidden and u in dropped[k]:
                pygame.draw.circle(surface, DROPPED, c, radius)
                pygame.draw.circle(surface, DROPPED_RING, c, radius, lw())
                d = max(2, radius // 2)
                a, b = (c[0] - d, c[1] - d), (c[0] + d, c[1] + d)
                pygame.draw.line(surface, DROPPED_RING, a, b, lw())
                pygame.draw.line(surface, DROPPED_RING, (a[0], b[1]), (b[0], a[1]), lw())
            elif hidden:
                pygame.draw.circle(surface, KEPT, c, radius)
                pygame.draw.circle(surface, KEPT_RING, c, radius, lw())
                if training and per_unit:
                    tag_at = (c[0] + radius + px(3), c[1] - px(8))
                    text.tag(surface, scale, tag_at, 12, palette.TEXT)
            else:
                pygame.draw.circle(surface, IO_FILL, c, radius)
                pygame.draw.circle(surface, palette.TEXT_DIM, c, radius, lw())
            if k == 2 and u == selected:
                pygame.draw.circle(surface, palette.WARN, c, radius + px(4), lw(2))
    if training and not per_unit:
        for layer in centres[1:-1]:
            x, y = layer[-1][0], layer[-1][1] + radius + px(6)
            text.blit(surface, scale, (x, y), 12, palette.TEXT, "mono", "midtop")
    _io_labels(surface, view, centres, radius, text, training, wide)
    return ThinnedNetPicture(surface, centres, radius, dropped)


def _links(surface, view: LiveView, centres, dropped) -> None:
    live = []
    for k, w in enumerate(view.weights):
        big = float(np.abs(w).max()) or 1.0
        for j, a in enumerate(centres[k]):
            for i, b in enumerate(centres[k + 1]):
                if j in dropped[k] or i in dropped[k + 1]:
                    pygame.draw.line(surface, DEAD_LINK, a, b, lw())
                else:
                    live.append((abs(w[i, j]) / big, float(w[i, j]), a, b))
    for strength, value, a, b in sorted(live, key=lambda t: t[0]):
        colour = palette.dim(POSITIVE if value >= 0 else NEGATIVE, 0.85 - 0.75 * strength)
        pygame.draw.line(surface, colour, a, b, lw() + int(strength * 2.5 * px(1)))


def _io_labels(surface, view: LiveView, centres, radius, text: Text, training, wide) -> None:
    for j, c in enumerate(centres[0]):
        value = num(float(view.x[j]), 2) if j < len(view.x) else ""
        label = f"x{j + 1} {value}" if wide else value
        at = (c[0] - radius - px(4), c[1])
        text.blit(surface, label, at, 12, palette.TEXT, "mono", "midright")
    probs = view.train_probs if training else view.eval_probs
    for j, c in enumerate(centres[-1]):
        if probs is None or j >= len(probs):
            continue
        label = f"P{j} {probs[j]:.2f}" if wide else f"{probs[j]:.2f}"
        at = (c[0] + radius + px(4), c[1])
        text.blit(surface, label, at, 12, palette.TEXT, "mono", "midleft")
