"""Where the Landscape's parts go, from the window size alone (so a resize is a re-layout)."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from explorer.app.ui.frame import MIN_SIZE, tab_h, toolbar_h
from explorer.app.ui.scale import px

AXIS_LEFT, AXIS_BOTTOM, AXIS_TOP, AXIS_RIGHT = 48, 24, 8, 10  # at UI scale 1


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
    """Layout for a window of ``size`` at the current UI scale; below MIN_SIZE it is laid out at
    MIN_SIZE and clipped."""
    w, h = max(size[0], MIN_SIZE[0]), max(size[1], MIN_SIZE[1])
    side_w = max(px(380), min(px(460), int(w * 0.31)))
    bottom_h = max(px(176), min(px(260), int(h * 0.26)))
    top = tab_h() + toolbar_h()
    toolbar = pygame.Rect(0, tab_h(), w, toolbar_h())
    side = pygame.Rect(w - side_w, top, side_w, h - top)
    map_area = pygame.Rect(0, top, w - side_w, h - top - bottom_h)
    plot = pygame.Rect(
        map_area.x + px(AXIS_LEFT),
        map_area.y + px(AXIS_TOP),
        map_area.w - px(AXIS_LEFT) - px(AXIS_RIGHT),
        map_area.h - px(AXIS_TOP) - px(AXIS_BOTTOM),
    )
    bottom = pygame.Rect(0, map_area.bottom, map_area.w, bottom_h)
    numbers_w = int(bottom.w * 0.66)
    numbers = pygame.Rect(bottom.x + px(8), bottom.y + px(6), numbers_w - px(12), bottom.h - px(12))
    chart = pygame.Rect(
        bottom.x + numbers_w + px(4),
        bottom.y + px(6),
        bottom.w - numbers_w - px(12),
        bottom.h - px(12),
    )
    return Layout((w, h), toolbar, map_area, plot, side, bottom, numbers, chart)
