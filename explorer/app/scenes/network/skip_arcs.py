"""The skip connections of a residual net, drawn: one arc over each hidden layer, from the top of
the column that feeds it to the top of its own column, where its input is added back (x + F(x)).
An identity skip is a solid line; a projection (the first layer, where the widths differ: a
learned W·x without bias) is dashed. The arcs run in a band kept free above the tallest column,
so they never cross a unit or its map. Each is labelled on its top with what it adds back, "x"
or "W·x", as the lecture writes F(x) + x."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pygame

from explorer.app.ui import palette
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.dashes import dash_segments

ARC = (170, 176, 192)  # lighter than a faint link, darker than the text: under attention
BAND = 24  # px at scale 1: the room kept above the columns for the arcs
CORNER = 6  # pieces of each rounded corner


@dataclass(frozen=True)
class Arc:
    """One skip: its points (the picture's coordinates) and whether it is a projection."""

    points: tuple[tuple[int, int], ...]
    projection: bool

    def rects(self) -> list[pygame.Rect]:
        """The room each drawn piece takes, its line width and the arrowhead included (what
        must stay inside the panel and off every unit)."""
        pad = lw(2)
        out = []
        for (x0, y0), (x1, y1) in zip(self.points, self.points[1:], strict=False):
            r = pygame.Rect(min(x0, x1), min(y0, y1), abs(x1 - x0) + 1, abs(y1 - y0) + 1)
            out.append(r.inflate(2 * pad, 2 * pad))
        x, y = self.points[-1]
        out.append(pygame.Rect(x - _head(), y, 2 * _head() + 1, _head() + 1))
        return out


def _head() -> int:
    return px(4)


def band() -> int:
    """Height kept above the columns when the net has skips."""
    return px(BAND)


def skip_arcs(
    centres: list[list[tuple[int, tuple[int, int]]]],
    half: int,
    sizes: tuple[int, ...] | list[int],
    peak: int,
) -> list[Arc]:
    """An arc per hidden layer k: up from over column k − 1's top unit (its right side), over
    at ``peak``, and down to over column k's (its left side, so neighbouring arcs never share a
    leg); straight legs and rounded corners, so an arc never leans over a unit.
    ``half``: half a unit's drawn size; ``sizes``: units per layer (a skip between layers of
    different widths is a projection)."""
    arcs = []
    gap = px(3) + lw(2)
    for k in range(1, len(centres) - 1):
        if not centres[k - 1] or not centres[k]:
            continue
        (_, (x0, y0)), (_, (x1, y1)) = centres[k - 1][0], centres[k][0]
        reach = max(px(3), min(half // 2, (x1 - x0) // 6))
        xs, ys = x0 + reach, y0 - half - gap
        xe, ye = x1 - reach, y1 - half - gap - _head()
        top = min(peak, ys - px(6), ye - px(6))
        r = max(1, min(px(8), (xe - xs) // 2, ye - top))  # the corners' radius
        points = [(xs, ys), (xs, top + r)]
        for i in range(1, CORNER):  # up a leg, round a corner, over, round, down
            a = math.pi / 2 * i / CORNER
            points.append((round(xs + r - r * math.cos(a)), round(top + r - r * math.sin(a))))
        points += [(xs + r, top), (xe - r, top)]
        for i in range(1, CORNER):
            a = math.pi / 2 * i / CORNER
            points.append((round(xe - r + r * math.sin(a)), round(top + r - r * math.cos(a))))
        points += [(xe, top + r), (xe, ye)]
        arcs.append(Arc(tuple(points), sizes[k - 1] != sizes[k]))
    return arcs


def draw_arcs(surface: pygame.Surface, arcs: list[Arc]) -> None:
    """Each arc, solid or dashed, with an arrowhead down into the column it is added to."""
    width = lw(2)
    dash = max(2, px(5))
    for arc in arcs:
        if not arc.projection:
            pygame.draw.lines(surface, ARC, False, arc.points, width)
        else:
            _dashed(surface, arc.points, dash, width)
        x, y = arc.points[-1]
        h = _head()
        pygame.draw.polygon(surface, ARC, [(x - h, y), (x + h, y), (x, y + h)])


def _dashed(surface: pygame.Surface, points, dash: int, width: int) -> None:
    """A line through ``points`` drawn ``dash`` on, ``dash`` off, however long each piece."""
    for a, b in dash_segments(points, dash):
        pygame.draw.line(surface, ARC, a, b, width)


def label_rect(arc: Arc, text: Text) -> pygame.Rect:
    """Where the arc's label sits: on its highest point, "x" for the identity, "W·x" for a
    projection (the lecture's F(x) + x and F(x) + W·x; the same in every language)."""
    words = _label(arc)
    w, h = text.font(11, "mono").size(words)
    x = (arc.points[0][0] + arc.points[-1][0]) // 2
    y = min(p[1] for p in arc.points)
    return pygame.Rect(x - w // 2 - px(3), y - h // 2, w + px(6), h)


def _label(arc: Arc) -> str:
    return "W·x" if arc.projection else "x"


def draw_labels(surface: pygame.Surface, text: Text, arcs: list[Arc]) -> None:
    """Each arc's label in a small box over its highest point."""
    for arc in arcs:
        r = label_rect(arc, text)
        surface.fill(palette.BACKGROUND, r)
        text.blit(surface, _label(arc), r.center, 11, ARC, "mono", anchor="center")
