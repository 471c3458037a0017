"""The path a Network-lab run took, on the slice through that run (``net:DATASET?run=ID``).

Drawn in white with a dark edge, with a dot at every recorded point (the recorder keeps them at
an even spacing of steps), a ring where training began and a larger one where it is now: not a
ball's trail (those are coloured and fade), and readable over every colour of the map.
"""

from __future__ import annotations

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.app.ui.view import View

EDGE = (14, 16, 20)
LIMIT = 20000.0


def screen_points(view: View, path: np.ndarray) -> np.ndarray:
    return np.rint(np.clip(view.to_screen(path), -LIMIT, LIMIT)).astype(np.int64)


def nearest_point(view: View, path: np.ndarray | None, pos, radius: float) -> int | None:
    """The recorded point within ``radius`` pixels of ``pos`` (the nearest), else None."""
    if path is None or not len(path):
        return None
    pts = screen_points(view, path)
    d = np.hypot(pts[:, 0] - pos[0], pts[:, 1] - pos[1])
    i = int(np.argmin(d))
    return i if d[i] <= radius else None


def draw_run_path(target: pygame.Surface, view: View, path: np.ndarray, text, live: bool) -> None:
    if not len(path):
        return
    pts = screen_points(view, path).tolist()
    if len(pts) >= 2:
        pygame.draw.lines(target, EDGE, False, pts, lw(5))
        pygame.draw.lines(target, palette.MARK, False, pts, lw(2))
    dot = max(2, px(2))
    for p in pts[1:-1]:
        pygame.draw.circle(target, EDGE, p, dot + lw(1))
        pygame.draw.circle(target, palette.MARK, p, dot)
    pygame.draw.circle(target, EDGE, pts[0], px(6), lw(4))
    pygame.draw.circle(target, palette.MARK, pts[0], px(6), lw(2))
    pygame.draw.circle(target, EDGE, pts[-1], px(8))
    pygame.draw.circle(target, palette.MARK, pts[-1], px(6))
    text.tag(
        target,
        t("landscape.run_path_start"),
        (pts[0][0] + px(10), pts[0][1] + px(16)),
        12,
        palette.TEXT_DIM,
    )
    # what the white line is, in the plot's bottom-left corner (a tag at the path's end would
    # cover the balls racing from it)
    key = "landscape.run_path_live" if live else "landscape.run_path_frozen"
    clip = target.get_clip()
    label = text.render(t(key, n=len(path)), 12, palette.MARK, "mono")
    box = label.get_rect(bottomleft=(clip.x + px(34), clip.bottom - px(8))).inflate(px(8), px(4))
    pygame.draw.rect(target, EDGE, box.union(box.move(-px(26), 0)), border_radius=px(3))
    y = box.centery
    pygame.draw.line(target, palette.MARK, (box.x - px(22), y), (box.x - px(6), y), lw(2))
    pygame.draw.circle(target, palette.MARK, (box.x - px(14), y), max(2, px(2)))
    target.blit(label, label.get_rect(center=box.center))
