"""Where the Landscape's parts go, from the window size alone (so a resize is a re-layout)."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from explorer.app.ui.frame import MIN_SIZE, TAB_H, TOOLBAR_H

AXIS_LEFT, AXIS_BOTTOM, AXIS_TOP, AXIS_RIGHT = 48, 24, 8, 10


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    toolbar: pygame.Rect
    map_area: pygame.Rect  # heatmap with its axes
    plot: pygame.Rect  # the heatmap itself
    side: pygame.Rect  # controls on the right
    bottom: pygame.Rect  # numbers and chart under the map
    numbers: pygame.Rect
    chart: pygame.Rect

    @property
    def bottom_gaps(self) -> list[pygame.Rect]:
        """The parts of the bottom strip that the numbers panel and the chart leave bare."""
        b, n, c = self.bottom, self.numbers, self.chart
        return [
            pygame.Rect(b.x, b.y, b.w, n.y - b.y),
            pygame.Rect(b.x, n.bottom, b.w, b.bottom - n.bottom),
            pygame.Rect(b.x, n.y, n.x - b.x, n.h),
            pygame.Rect(n.right, n.y, c.x - n.right, n.h),
            pygame.Rect(c.right, n.y, b.right - c.right, n.h),
        ]


def compute_layout(size: tuple[int, int]) -> Layout:
    """Layout for a window of ``size``; below MIN_SIZE it is laid out at MIN_SIZE and clipped."""
    w, h = max(size[0], MIN_SIZE[0]), max(size[1], MIN_SIZE[1])
    side_w = max(380, min(460, int(w * 0.31)))
    bottom_h = max(176, min(260, int(h * 0.26)))
    top = TAB_H + TOOLBAR_H
    toolbar = pygame.Rect(0, TAB_H, w, TOOLBAR_H)
    side = pygame.Rect(w - side_w, top, side_w, h - top)
    map_area = pygame.Rect(0, top, w - side_w, h - top - bottom_h)
    plot = pygame.Rect(
        map_area.x + AXIS_LEFT,
        map_area.y + AXIS_TOP,
        map_area.w - AXIS_LEFT - AXIS_RIGHT,
        map_area.h - AXIS_TOP - AXIS_BOTTOM,
    )
    bottom = pygame.Rect(0, map_area.bottom, map_area.w, bottom_h)
    numbers_w = int(bottom.w * 0.66)
    numbers = pygame.Rect(bottom.x + 8, bottom.y + 6, numbers_w - 12, bottom.h - 12)
    chart = pygame.Rect(
        bottom.x + numbers_w + 4, bottom.y + 6, bottom.w - numbers_w - 12, bottom.h - 12
    )
    return Layout((w, h), toolbar, map_area, plot, side, bottom, numbers, chart)
