"""The learning-rate schedule's curve (lr / lr₀ over the run) with a marker at the current step."""

from __future__ import annotations

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.text import Text


def render_schedule(curve: np.ndarray | None, size, text: Text, name: str) -> pygame.Surface:
    w, h = size
    surf = pygame.Surface((max(w, 1), max(h, 1)))
    surf.fill((26, 28, 35))
    pygame.draw.rect(surf, palette.PANEL_LINE, surf.get_rect(), 1, border_radius=3)
    if curve is None:
        curve = np.ones(2)
    top = float(np.nanmax(curve)) if np.isfinite(curve).any() else 1.0
    top = top if top > 0 else 1.0
    n = len(curve)
    idx = np.unique(np.linspace(0, n - 1, min(n, max(w, 2))).astype(int))
    xs = 4 + idx / max(n - 1, 1) * (w - 8)
    ys = h - 4 - np.nan_to_num(curve[idx] / top) * (h - 22)
    pygame.draw.aalines(surf, (143, 180, 255), False, np.stack([xs, ys], axis=1).tolist())
    text.blit(surf, f"lr / lr₀   ({name})", (6, 2), 11, palette.TEXT_DIM, "mono")
    return surf


def marker_x(t: int, steps: int, width: int) -> float:
    return 4 + min(t, steps - 1) / max(steps - 1, 1) * (width - 8)
