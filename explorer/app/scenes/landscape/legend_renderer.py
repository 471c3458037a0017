"""The legend on the map: each ball's colour, name, live loss and status."""

from __future__ import annotations

import pygame

from explorer.app.scenes.landscape.model import BallReadout
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text

ESCAPED = (140, 200, 255)  # left the map downhill: not a failure, so not red
# a status (the race's word, also the colour's key) → its name in the string catalogue
STATUS_KEYS = {
    "running": "status.running",
    "converged": "status.converged",
    "stuck at a saddle": "status.saddle",
    "escaped": "status.escaped",
    "diverged": "status.diverged",
    "frozen": "status.frozen",
}
STATUS_COLOURS = {
    "running": palette.TEXT_DIM,
    "converged": palette.GOOD,
    "stuck at a saddle": palette.WARN,
    "escaped": ESCAPED,
    "diverged": palette.ERROR,
    "frozen": palette.WARN,
}


def status_label(status: str) -> str:
    """A ball's status in the current language."""
    key = STATUS_KEYS.get(str(status))
    return t(key) if key else str(status)


def render_legend(rows: list[BallReadout], text: Text, title: str) -> pygame.Surface | None:
    if not rows:
        return None
    row_h, pad = max(px(18), text.line_height(13)), px(7)
    name_w = max(text.font(13).size(r.label)[0] for r in rows)
    name_w = max(name_w, text.font(13, "bold").size(title)[0] - px(120))
    loss_w = max(px(80), text.font(12, "mono").size("−0.0001234")[0])
    status_w = max(px(74), *(text.font(12).size(status_label(r.status))[0] + px(4) for r in rows))
    w = pad * 2 + px(16) + name_w + px(10) + loss_w + px(8) + status_w
    w = max(w, pad * 2 + text.font(13, "bold").size(title)[0])
    h = pad * 2 + row_h * (len(rows) + 1)
    surf = pygame.Surface((w, h), pygame.SRCALPHA)
    surf.fill((18, 20, 26, 200))
    pygame.draw.rect(surf, (*palette.PANEL_LINE, 255), surf.get_rect(), lw(), border_radius=px(4))
    text.blit(surf, title, (pad, pad), 13, palette.TEXT, "bold")
    for k, r in enumerate(rows):
        y = pad + row_h * (k + 1)
        colour = palette.ball_colour(r.colour_index)
        mid = y + row_h // 2
        pygame.draw.circle(surf, colour, (pad + px(6), mid), px(5))
        text.blit(surf, r.label, (pad + px(16), mid), 13, palette.TEXT, anchor="midleft")
        x = pad + px(16) + name_w + px(10)
        text.blit(surf, num(r.loss), (x + loss_w, mid), 12, palette.TEXT, "mono", "midright")
        text.blit(
            surf,
            status_label(r.status),
            (x + loss_w + px(8), mid),
            12,
            STATUS_COLOURS.get(r.status, palette.TEXT),
            anchor="midleft",
        )
    return surf


def least_covered_corner(
    plot: pygame.Rect, size: tuple[int, int], points: list[tuple[float, float]]
) -> tuple[int, int]:
    """Where a legend of ``size`` goes on the map ``plot``: the corner whose box (with a margin)
    covers the fewest of ``points`` (on screen: the start, the minima, the balls), the first
    such corner on a tie (top left, top right, bottom left, bottom right)."""
    w, h = size
    corners = [
        (plot.x + 8, plot.y + 8),
        (plot.right - w - 8, plot.y + 8),
        (plot.x + 8, plot.bottom - h - 8),
        (plot.right - w - 8, plot.bottom - h - 8),
    ]

    def covered(pos) -> int:
        box = pygame.Rect(pos, (w, h)).inflate(24, 24)
        return sum(box.collidepoint(p) for p in points)

    return min(corners, key=covered)
