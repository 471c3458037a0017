"""The network drawn from a snapshot: neurons coloured by their mean activation on the current
mini-batch, links coloured by the weight's sign and thickened by its size, and the units dropped
in this mini-batch greyed out with their links (the "thinner network"). Where the snapshot says
what each hidden unit computes (``FunctionView.neurons``) and there is room, a hidden unit is
drawn as that picture (``neuron_pictures``): its map over the input plane, or for digits its
weight image / top-activating digit. A residual net's skips are arcs over its columns
(``skip_arcs``), in a band kept free for them above the units."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pygame

from explorer.app.scenes.network.neuron_pictures import (
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    NeuronTiles,
    tile_size,
)
from explorer.app.scenes.network.skip_arcs import Arc, band, draw_arcs, draw_labels, skip_arcs
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training import Snapshot
from explorer.training.neuron_maps import sample_units

__all__ = ["NEGATIVE", "NEUTRAL", "POSITIVE"]  # the colours, for the help sheet and other panels

DROPPED = (58, 60, 68)
DROPPED_RING = (110, 112, 120)


@dataclass
class NetPicture:
    surface: pygame.Surface
    # per layer (input, hidden..., output): [(unit index, (x, y))] in the picture's coordinates
    centres: list[list[tuple[int, tuple[int, int]]]] = field(default_factory=list)
    dropped: list[set[int]] = field(default_factory=list)  # per layer, units drawn as dropped
    radius: int = 8
    sampled: bool = False  # some layer is wider than what is drawn
    tile: int = 0  # the side of a hidden unit's map (0: units are circles)
    arcs: list[Arc] = field(default_factory=list)  # a residual net's skips

    def unit_rects(self) -> list[pygame.Rect]:
        """The room every drawn unit takes (its map, or its circle)."""
        side = max(self.tile, 2 * self.radius)
        return [
            pygame.Rect(x - side // 2, y - side // 2, side, side)
            for column in self.centres
            for _, (x, y) in column
        ]


def diverging(value: float, scale: float = 1.0) -> tuple[int, int, int]:
    """Orange for negative, blue for positive, grey at zero; saturates at ±``scale``."""
    t = max(-1.0, min(1.0, value / scale)) if scale > 0 else 0.0
    target = POSITIVE if t >= 0 else NEGATIVE
    a = abs(t)
    return tuple(int(n + (c - n) * a) for n, c in zip(NEUTRAL, target, strict=True))


def diverging_array(values: np.ndarray, scale: float) -> np.ndarray:
    """``diverging`` for a whole array: (..., 3) float RGB."""
    t = np.clip(np.nan_to_num(values / scale if scale > 0 else values * 0.0), -1.0, 1.0)[..., None]
    neutral = np.array(NEUTRAL, np.float32)
    target = np.where(t >= 0, np.array(POSITIVE, np.float32), np.array(NEGATIVE, np.float32))
    return neutral + (target - neutral) * np.abs(t)


def render_network(
    snap: Snapshot,
    size: tuple[int, int],
    text: Text,
    building: str = "",
    tiles: NeuronTiles | None = None,
) -> NetPicture:
    """The net, or while its worker builds it ``building`` (what it builds, for how long).
    ``tiles``: the hidden units drawn as what they compute, where the snapshot has it."""
    w, h = max(size[0], px(60)), max(size[1], px(60))
    surface = pygame.Surface((w, h))
    surface.fill(palette.BACKGROUND)
    sizes = snap.sizes
    if not sizes:
        msg = snap.message if snap.state == "error" else building or t("network.building")
        colour = palette.ERROR if snap.state == "error" else palette.TEXT_DIM
        step = text.line_height(14)
        for k, line in enumerate(text.wrap(msg, 14, w - px(40))[:4]):
            text.blit(
                surface, line, (w // 2, h // 2 - px(30) + step * k), 14, colour, anchor="midtop"
            )
        return NetPicture(surface)
    n_layers = len(sizes)
    residual = bool(snap.config.get("residual")) and n_layers > 2
    top, bottom, xs, drawn, gap = _grid(snap, (w, h), text)
    biggest = px(11)
    radius = int(max(3, min(biggest, gap * 0.36, (xs[1] - xs[0]) * 0.2 if n_layers > 1 else 99)))
    neurons = snap.function.neurons if snap.function is not None else None
    tile = 0
    if tiles is not None and neurons is not None and n_layers > 2:
        tile = tile_size(gap, xs[1] - xs[0])
    drawn_tiles = tiles.tiles(neurons, tile) if tile and tiles and neurons else []
    centres: list[list[tuple[int, tuple[int, int]]]] = []
    for k, units in enumerate(drawn):
        column_h = gap * len(units)
        y0 = top + (h - top - bottom - column_h) / 2 + gap / 2
        centres.append([(u, (xs[k], int(y0 + j * gap))) for j, u in enumerate(units)])

    probes = snap.layers
    dropped: list[set[int]] = [set() for _ in sizes]
    for i, probe in enumerate(probes):
        if probe.hidden and probe.mask is not None and len(probe.mask):
            kept = probe.mask[0]  # the first sample of the mini-batch
            dropped[i + 1] = {u for u, _ in centres[i + 1] if u < len(kept) and not kept[u]}

    pieces = int(snap.config.get("pieces") or 0) or _pieces(snap)
    _draw_links(surface, probes, centres, dropped, pieces)
    for k, column in enumerate(centres):
        layer_tiles = (
            drawn_tiles[k - 1] if 0 < k < n_layers - 1 and k - 1 < len(drawn_tiles) else []
        )
        _draw_column(surface, probes, k, n_layers, column, layer_tiles, dropped[k], radius)
        _label_column(surface, text, k, n_layers, xs[k], h - bottom, len(drawn[k]), sizes[k])
    sampled = any(len(d) < n for d, n in zip(drawn, sizes, strict=True))
    tile = tile if drawn_tiles else 0
    arcs = []
    if residual:  # over the units, in the band kept for them
        arcs = skip_arcs(centres, max(tile, 2 * radius) // 2, sizes, px(30))
        draw_arcs(surface, arcs)
        draw_labels(surface, text, arcs)
    return NetPicture(surface, centres, dropped, radius, sampled, tile, arcs)


def _draw_column(surface, probes, k: int, n_layers: int, column, layer_tiles, dropped, radius):
    """Layer ``k``'s units: a hidden unit as its map where there is one, else a circle coloured
    by its mean activation; a unit dropped in this mini-batch greyed."""
    acts = None
    if 0 < k < n_layers - 1 and k - 1 < len(probes):
        acts = probes[k - 1].unit_act
    for j, (u, (x, y)) in enumerate(column):
        if j < len(layer_tiles):
            _draw_tile(surface, layer_tiles[j], (x, y), u in dropped)
            continue
        if u in dropped:
            pygame.draw.circle(surface, DROPPED, (x, y), radius)
            pygame.draw.circle(surface, DROPPED_RING, (x, y), radius, lw())
            continue
        colour = NEUTRAL
        if acts is not None and u < len(acts) and np.isfinite(acts[u]):
            colour = diverging(float(acts[u]))
        elif k == 0:
            colour = (150, 155, 168)
        elif k == n_layers - 1:
            colour = (200, 204, 214)
        pygame.draw.circle(surface, colour, (x, y), radius)
        pygame.draw.circle(surface, (14, 16, 20), (x, y), radius, lw())


def _grid(snap: Snapshot, size: tuple[int, int], text: Text):
    """Where the layers go: the room above and below the units, each layer's x, the units
    drawn of each layer, and the pitch of a unit in the tallest column."""
    w, h = size
    sizes = snap.sizes
    n_layers = len(sizes)
    residual = bool(snap.config.get("residual")) and n_layers > 2
    top, bottom = px(22) + (band() if residual else 0), px(10) + text.line_height(12)
    left, right = px(36), px(36)
    span = max(1, n_layers - 1)
    xs = [int(left + (w - left - right) * k / span) for k in range(n_layers)]
    drawn = [sample_units(n) for n in sizes]
    tallest = max(len(d) for d in drawn)
    return top, bottom, xs, drawn, (h - top - bottom) / max(tallest, 1)


def maps_tile(snap: Snapshot, size: tuple[int, int], text: Text) -> int:
    """The side of each unit's map ``render_network`` will draw at ``size`` (0: none), so the
    maps can be made a frame before the picture (``maps_view.maps_first``)."""
    neurons = snap.function.neurons if snap.function is not None else None
    if neurons is None or len(snap.sizes) <= 2:
        return 0
    w, h = max(size[0], px(60)), max(size[1], px(60))
    _, _, xs, _, gap = _grid(snap, (w, h), text)
    return tile_size(gap, xs[1] - xs[0])


def _label_column(
    surface, text: Text, k: int, n_layers: int, x: int, y: int, drawn: int, size: int
) -> None:
    """A layer's name under it ("in", 1, 2, …, "out"), and drawn/total over a sampled one."""
    label = "in" if k == 0 else ("out" if k == n_layers - 1 else str(k))
    text.blit(surface, label, (x, y + px(6)), 12, palette.TEXT_DIM, anchor="midtop")
    if drawn < size:
        text.blit(surface, f"{drawn}/{size}", (x, px(4)), 11, palette.TEXT_DIM, anchor="midtop")


def _draw_tile(surface, tile: pygame.Surface, centre: tuple[int, int], dropped: bool) -> None:
    """A hidden unit as what it computes; dropped in this mini-batch: greyed, as circles are."""
    r = tile.get_rect(center=centre)
    if dropped:  # it outputs nothing in this mini-batch: grey, its map hidden (hover shows it)
        surface.fill(DROPPED, r)
        pygame.draw.rect(surface, DROPPED_RING, r, lw())
        return
    surface.blit(tile, r)
    pygame.draw.rect(surface, (14, 16, 20), r, lw())


def unit_at(picture: NetPicture, pos: tuple[int, int]) -> tuple[int, int] | None:
    """(hidden layer, unit) whose drawing is under ``pos`` (the picture's coordinates)."""
    half = max(picture.tile, 2 * picture.radius) // 2 + 1
    for k, column in enumerate(picture.centres[1:-1]):
        for u, (x, y) in column:
            if abs(pos[0] - x) <= half and abs(pos[1] - y) <= half:
                return k, u
    return None


def _pieces(snap: Snapshot) -> int:
    for probe in snap.layers:
        if probe.hidden and probe.weight is not None and probe.units:
            rows = probe.weight.shape[0]
            if rows > probe.units and rows % probe.units == 0:
                return rows // probe.units
    return 1


def _draw_links(surface, probes, centres, dropped, pieces: int) -> None:
    """Every drawn link in one pass per layer: colours, widths and the drawing order computed
    with numpy, then one draw call each (a deep layer has ~200 links, the lab's 8 × 32 net 1,700:
    per-link Python arithmetic cost milliseconds of a frame). The links of a dropped unit first,
    faint; then the live ones, thinnest first (strong links on top)."""
    pos_rgb = np.array(POSITIVE, np.float32)
    neg_rgb = np.array(NEGATIVE, np.float32)
    back = np.array(palette.BACKGROUND, np.float32)
    thin, faint, line = lw(), (44, 46, 53), pygame.draw.line
    for i, probe in enumerate(probes):
        weight = probe.weight
        if weight is None or i + 1 >= len(centres):
            continue
        if probe.hidden and pieces > 1:  # Maxout: a unit's pieces, strongest one per input
            rows = (weight.shape[0] // pieces) * pieces
            grouped = weight[:rows].reshape(-1, pieces, weight.shape[1])
            pick = np.abs(grouped).argmax(1)
            weight = np.take_along_axis(grouped, pick[:, None, :], 1)[:, 0, :]
        src = [(u, p) for u, p in centres[i] if u < weight.shape[1]]
        dst = [(v, p) for v, p in centres[i + 1] if v < weight.shape[0]]
        if not src or not dst:
            continue
        w = weight[np.ix_([v for v, _ in dst], [u for u, _ in src])]  # (dst, src)
        finite = np.isfinite(w)
        scale = float(np.abs(w[finite]).max()) if finite.any() else 0.0
        if scale <= 0:
            continue
        a = np.where(finite, np.abs(w) / scale, 0.0)
        amount = (0.85 - 0.75 * a)[..., None]
        base = np.where((w > 0)[..., None], pos_rgb, neg_rgb)
        colours = (base + (back - base) * amount).astype(np.int32)
        widths = thin + (3 * px(1) * a).astype(np.int32)
        off = np.array([v in dropped[i + 1] for v, _ in dst])[:, None] | np.array(
            [u in dropped[i] for u, _ in src]
        )
        p0s, p1s = [p for _, p in src], [p for _, p in dst]
        grey_j, grey_k = np.nonzero(finite & off)  # row by row, as the links are listed
        for j, k in zip(grey_j.tolist(), grey_k.tolist(), strict=True):  # under the live links
            line(surface, faint, p0s[k], p1s[j], thin)
        live_j, live_k = np.nonzero(finite & ~off)
        order = np.argsort(widths[live_j, live_k], kind="stable")  # strong links on top
        live_j, live_k = live_j[order], live_k[order]
        for j, k, width, colour in zip(
            live_j.tolist(),
            live_k.tolist(),
            widths[live_j, live_k].tolist(),
            map(tuple, colours[live_j, live_k].tolist()),
            strict=True,
        ):
            line(surface, colour, p0s[k], p1s[j], width)
