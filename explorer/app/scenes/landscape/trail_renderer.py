"""Fading trails: each ball's path, older parts thinner and a little dimmer.

They fade by width, barely by colour: dimmed far towards the dark background every warm colour
turns the same brown and the trail's owner is lost, so an old stretch keeps its ball's hue.

The race's trajectory only grows, so the on-screen paths are kept and extended with the new
steps each frame (rebuilt when the view or the race changes); drawing is then a few line calls.
"""

from __future__ import annotations

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.scale import lw
from explorer.app.ui.view import View

MAX_POINTS = 2500  # distinct on-screen points kept per ball, newest first
FADE = palette.TRAIL_FADE  # oldest chunk → newest: how far towards the background
WIDTHS = palette.TRAIL_WIDTHS
LIMIT = 20000.0  # pixel coordinates are clipped here (a diverging ball can be far away)


class TrailCache:
    def __init__(self) -> None:
        self.key = None
        self.t_done = -1
        self.paths: list[list[list[int]]] = []

    def update(self, view: View, race_key, positions: np.ndarray) -> None:
        """Bring the screen paths up to ``positions`` (the race's (T, n, 2) trajectory)."""
        key = (view.key(), race_key, positions.shape[1])
        T = len(positions)
        if key != self.key or self.t_done > T - 1:
            self.key, self.t_done = key, -1
            self.paths = [[] for _ in range(positions.shape[1])]
        if self.t_done == T - 1:
            return
        block = positions[self.t_done + 1 :]
        pts = np.rint(np.clip(view.to_screen(block), -LIMIT, LIMIT)).astype(np.int64)
        for i, path in enumerate(self.paths):
            p = pts[:, i]
            # Whole-pixel repeats add nothing: a resting or creeping ball costs no drawing,
            # while every visible turn (a zig-zag) is kept.
            keep = np.ones(len(p), dtype=bool)
            keep[1:] = np.any(p[1:] != p[:-1], axis=1)
            if path and len(p) and p[0].tolist() == path[-1]:
                keep[0] = False
            path.extend(p[keep].tolist())
            if len(path) > MAX_POINTS * 1.2:
                del path[: len(path) - MAX_POINTS]
        self.t_done = T - 1


_SHADES: dict[tuple, list[tuple[int, int, int]]] = {}


def _shades(colour) -> list[tuple[int, int, int]]:
    key = tuple(colour)
    if key not in _SHADES:
        _SHADES[key] = [palette.dim(key, f) for f in FADE]
    return _SHADES[key]


def draw_trails(target: pygame.Surface, cache: TrailCache, colours) -> None:
    chunks = len(FADE)
    lines = pygame.draw.lines
    for path, colour in zip(cache.paths, colours, strict=False):
        n = len(path)
        if n < 2:
            continue
        shades = _shades(colour)
        for c in range(chunks):
            a, b = (n - 1) * c // chunks, (n - 1) * (c + 1) // chunks
            if b <= a:
                continue
            # Plain lines: anti-aliased ones cost 5× more and trails have thousands of points.
            lines(target, shades[c], False, path[a : b + 1], lw(WIDTHS[c]))
