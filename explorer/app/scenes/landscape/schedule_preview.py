"""The learning-rate schedule's curve (lr / lr₀ over the run) with a marker at the current step."""

from __future__ import annotations

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text


def render_schedule(curve: np.ndarray | None, size, text: Text, name: str) -> pygame.Surface:
    w, h = size
    surf = pygame.Surface((max(w, 1), max(h, 1)))
    surf.fill((26, 28, 35))
    pygame.draw.rect(surf, palette.PANEL_LINE, surf.get_rect(), lw(), border_radius=px(3))
    if curve is None:
        curve = np.ones(2)
    top = float(np.nanmax(curve)) if np.isfinite(curve).any() else 1.0
    top = top if top > 0 else 1.0
    n = len(curve)
    idx = np.unique(np.linspace(0, n - 1, min(n, max(w, 2))).astype(int))
    xs = px(4) + idx / max(n - 1, 1) * (w - px(8))
    ys = h - px(4) - np.nan_to_num(curve[idx] / top) * (h - px(22))
    pts = np.stack([xs, ys], axis=1).tolist()
    if lw() > 1:
        pygame.draw.lines(surf, (143, 180, 255), False, pts, lw())
    else:
        pygame.draw.aalines(surf, (143, 180, 255), False, pts)
    text.blit(surf, t("chart.schedule", name=name), (px(6), px(2)), 11, palette.TEXT_DIM, "mono")
    return surf


def part_picture(scene, name: str, size: tuple[int, int]) -> pygame.Surface | None:
    """A part of the Landscape's hidden panel drawn anew at ``size`` for the presenter (the
    schedule strip, 30 px tall in its panel, readable from the back of a room); None: a part
    it only copies."""
    if name != "schedule":
        return None
    m = scene.model
    surf = render_schedule(m.schedule_preview(), size, scene.text, m.schedule)
    if m.schedule != "constant":
        x = marker_x(m.race.t, m.race.total_steps, size[0])
        pygame.draw.line(surf, palette.WARN, (x, px(14)), (x, size[1] - px(3)), lw(2))
    return surf


def marker_x(t: int, steps: int, width: int) -> float:
    return px(4) + min(t, steps - 1) / max(steps - 1, 1) * (width - px(8))
