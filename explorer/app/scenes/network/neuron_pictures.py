"""What each hidden unit computes, drawn: a small map per unit where the network picture draws
it (its activation over the input plane, orange below zero and blue above, in the colours of the
decision map's output scale), or for digits the first layer's weight images and each later
unit's top-activating held-out digit; and the enlarged card a hovered unit shows.

Tiles are made once per snapshot's maps and tile size (``NeuronTiles``): a net picture redrawn
for another reason (a step, a new epoch) reuses them, so the maps cost nothing between the
worker's refreshes (10 a second while training).
"""

from __future__ import annotations

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training.neuron_maps import NeuronMaps

NEGATIVE = (245, 150, 60)  # orange: negative weights and activations (TensorFlow Playground's)
POSITIVE = (70, 160, 235)  # blue: positive
NEUTRAL = (92, 97, 110)
MAX_TILE = 48  # px at scale 1: a unit's map is at most this big
MIN_TILE = 14  # smaller than this, a unit stays a circle
CARD_MAP = 150  # the hovered unit's enlarged map (scale 1)


def _lut() -> np.ndarray:
    """The colour of each level −127 … 127: orange below zero, grey at zero, blue above."""
    t = (np.arange(-127, 128, dtype=np.float32) / 127)[:, None]
    neutral = np.array(NEUTRAL, np.float32)
    target = np.where(t >= 0, np.array(POSITIVE, np.float32), np.array(NEGATIVE, np.float32))
    return (neutral + (target - neutral) * np.abs(t)).astype(np.uint8)


LEVELS = _lut()  # a map's int8 levels are looked up, not computed (a layer in 0.1 ms, not 5)


def diverging_rgb(values: np.ndarray) -> np.ndarray:
    """Values in −1 … 1 (or int8 levels −127 … 127) as (..., 3) uint8 colours."""
    if values.dtype != np.int8:
        values = np.round(np.clip(np.nan_to_num(values), -1.0, 1.0) * 127).astype(np.int8)
    return LEVELS[values.astype(np.int16) + 127]


def _surface(rgb: np.ndarray, size: int, smooth: bool = True) -> pygame.Surface:
    """An (rows, cols, 3) picture, row 0 at the top, scaled to ``size`` wide (and as tall as
    its proportions say): a map smoothed, an image in its pixels (as the function panel draws
    digits)."""
    small = pygame.surfarray.make_surface(np.ascontiguousarray(rgb.transpose(1, 0, 2)))
    scale = pygame.transform.smoothscale if smooth else pygame.transform.scale
    return scale(small, (size, round(size * rgb.shape[0] / rgb.shape[1])))


def _grey(image: np.ndarray) -> np.ndarray:
    """A standardized input image as ink (above-average pixels light), as the function panel
    draws digits (or a stack of them)."""
    g = np.clip(np.nan_to_num(image) / 2.0 * 255, 0, 255).astype(np.uint8)
    return np.repeat(g[..., None], 3, axis=-1)


def layer_pictures(neurons: NeuronMaps, layer: int) -> np.ndarray | None:
    """Layer ``layer``'s (units, rows, cols, 3) pictures, row 0 at the top; None: none."""
    if neurons.kind == "grid":
        if layer >= len(neurons.maps):
            return None
        return diverging_rgb(np.asarray(neurons.maps[layer])[:, ::-1])  # row 0: y0, the bottom
    if layer == 0 and neurons.weights is not None:
        w = np.asarray(neurons.weights, np.float32)
        scale = np.abs(w).reshape(len(w), -1).max(1)
        scale = np.where(scale > 0, scale, 1.0)
        return diverging_rgb(w / scale[:, None, None])
    if 0 < layer <= len(neurons.top) and neurons.bank is not None:
        top = neurons.top[layer - 1]
        if top.size == 0:
            return None
        return _grey(np.asarray(neurons.bank)[top[:, 0].astype(np.intp)])  # all at once
    return None


class NeuronTiles:
    """Every drawn hidden unit's tile at one size, made once per snapshot's maps."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self._tiles: list[list[pygame.Surface]] = []

    def ready(self, neurons: NeuronMaps, size: int) -> bool:
        """These maps' tiles at this size are made already."""
        return self._key == (id(neurons), size)

    def tiles(self, neurons: NeuronMaps, size: int) -> list[list[pygame.Surface]]:
        key = (id(neurons), size)
        if key != self._key:
            self._tiles = []
            for layer in range(len(neurons.units)):
                strip = _strip(neurons, layer, size)
                n = strip.get_height() // size if strip is not None else 0
                self._tiles.append([strip.subsurface((0, k * size, size, size)) for k in range(n)])
            self._key = key
        return self._tiles


def _strip(neurons: NeuronMaps, layer: int, size: int) -> pygame.Surface | None:
    """A layer's tiles one under the other, ``size`` wide, made in one piece (a map's levels
    looked up already in the (x, y) order a surface takes, and scaled at once)."""
    if neurons.kind == "grid" and layer < len(neurons.maps):
        q = np.asarray(neurons.maps[layer])
        n, rows, cols = q.shape
        order = np.ascontiguousarray(q[:, ::-1].reshape(n * rows, cols).T, np.int16) + 127
        small = pygame.surfarray.make_surface(np.take(LEVELS, order, axis=0))
        return pygame.transform.smoothscale(small, (size, size * n))
    rgb = layer_pictures(neurons, layer)
    if rgb is None:
        return None
    n, rows = len(rgb), rgb.shape[1]
    return _surface(rgb.reshape(n * rows, *rgb.shape[2:]), size, neurons.kind == "grid")


def tile_size(gap: float, column_space: float) -> int:
    """A unit's tile in the network picture: as big as its row and column allow, at most
    ``MAX_TILE``; 0 when it would be too small to read (the unit stays a circle)."""
    size = int(min(px(MAX_TILE), gap * 0.88, column_space * 0.66))
    return size if size >= px(MIN_TILE) else 0


def render_card(
    neurons: NeuronMaps, weights: np.ndarray | None, layer: int, index: int, text: Text
) -> pygame.Surface | None:
    """The hovered unit enlarged: its picture, "hidden L · unit U", its activation range over
    the plane (or its top digits' activations), and its incoming weights as bars (orange
    negative, blue positive) with their values where there are few."""
    if layer >= len(neurons.units) or index not in neurons.units[layer]:
        return None
    j = neurons.units[layer].index(index)
    pictures = layer_pictures(neurons, layer)
    side = px(CARD_MAP)
    pad = px(8)
    lines = [t("neurons.unit", layer=layer + 1, unit=index + 1, width=neurons.widths[layer])]
    if neurons.kind == "grid":
        low, high = float(neurons.low[layer][j]), float(neurons.high[layer][j])
        lines.append(t("neurons.range", low=_num(low), high=_num(high)))
    elif layer == 0:
        lines.append(t("neurons.weight_image"))
    elif layer - 1 < len(neurons.top_values):
        values = ", ".join(_num(float(v)) for v in neurons.top_values[layer - 1][j])
        lines.append(t("neurons.top_digits", values=values))
    incoming = None
    if weights is not None and index < weights.shape[0]:
        incoming = np.asarray(weights[index], np.float32)
        lines.append(t("neurons.incoming", n=incoming.size))
    line_h = text.line_height(12)
    bars_h = px(36) if incoming is not None and incoming.size else 0
    widest = max(text.font(12, text.kind_for(line, "sans")).size(line)[0] for line in lines)
    width = min(max(side + 2 * pad, widest + 2 * pad), px(420))
    height = pad + side + pad + line_h * len(lines) + bars_h + pad
    if incoming is not None and 0 < incoming.size <= 4:
        height += line_h
    card = pygame.Surface((width, height))
    card.fill(palette.PANEL)
    pygame.draw.rect(card, palette.PANEL_LINE, card.get_rect(), lw())
    tops = _top_strip(neurons, layer, j, side)
    if tops is not None:  # a later layer's unit (digits): its top digits, the first leftmost
        card.blit(tops, ((width - tops.get_width()) // 2, pad + (side - tops.get_height()) // 2))
    elif pictures is not None and j < len(pictures):
        smooth = neurons.kind == "grid"
        card.blit(_surface(pictures[j], side, smooth), ((width - side) // 2, pad))
    y = pad + side + pad
    for line in lines:
        text.blit(card, text.ellipsize(line, 12, width - 2 * pad), (pad, y), 12, palette.TEXT)
        y += line_h
    if incoming is not None and incoming.size:
        _bars(card, incoming, pygame.Rect(pad, y, width - 2 * pad, bars_h))
        if incoming.size <= 4:
            words = "  ".join(_num(float(v)) for v in incoming)
            text.blit(card, words, (pad, y + bars_h), 12, palette.TEXT_DIM, "mono")
    return card


def _top_strip(neurons: NeuronMaps, layer: int, j: int, side: int) -> pygame.Surface | None:
    """A later layer's unit (digits): its top-activating digits side by side under the first."""
    if neurons.kind != "images" or layer == 0 or neurons.bank is None:
        return None
    if layer - 1 >= len(neurons.top) or j >= len(neurons.top[layer - 1]):
        return None
    top = neurons.top[layer - 1][j]
    k = len(top)
    if k < 2:
        return None
    gap = px(4)
    each = (side - gap * (k - 1)) // k
    strip = pygame.Surface((each * k + gap * (k - 1), each))
    strip.fill(palette.PANEL)
    for n, i in enumerate(top):
        strip.blit(_surface(_grey(neurons.bank[int(i)]), each, False), (n * (each + gap), 0))
    return strip


def _bars(surface: pygame.Surface, values: np.ndarray, area: pygame.Rect) -> None:
    """One bar per incoming weight, up from the middle line for positive, down for negative."""
    finite = values[np.isfinite(values)]
    scale = float(np.abs(finite).max()) if finite.size else 0.0
    mid = area.centery
    pygame.draw.line(surface, palette.PANEL_LINE, (area.x, mid), (area.right, mid), lw())
    if scale <= 0:
        return
    n = len(values)
    step = area.w / n
    for k, v in enumerate(values):
        if not np.isfinite(v):
            continue
        h = int(abs(v) / scale * (area.h // 2 - px(1)))
        x = int(area.x + k * step)
        w = max(1, int(step) - (1 if step > 3 else 0))
        colour = POSITIVE if v >= 0 else NEGATIVE
        rect = pygame.Rect(x, mid - h if v >= 0 else mid, w, max(h, 1))
        surface.fill(colour, rect)


def _num(value: float) -> str:
    from explorer.lessons.captions import number_text

    return number_text(value, ".3g")
