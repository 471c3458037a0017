"""The legend on the map: each ball's colour, name, live loss and status."""

from __future__ import annotations

import pygame

from explorer.app.scenes.landscape.model import BallReadout
from explorer.app.ui import palette
from explorer.app.ui.numbers_format import num
from explorer.app.ui.text import Text

ESCAPED = (140, 200, 255)  # left the map downhill: not a failure, so not red
STATUS_COLOURS = {
    "running": palette.TEXT_DIM,
    "converged": palette.GOOD,
    "stuck at a saddle": palette.WARN,
    "escaped": ESCAPED,
    "diverged": palette.ERROR,
    "frozen": palette.WARN,
}


def render_legend(rows: list[BallReadout], text: Text, title: str) -> pygame.Surface | None:
    if not rows:
        return None
    row_h, pad = 18, 7
    name_w = max(text.font(13).size(r.label)[0] for r in rows)
    name_w = max(name_w, text.font(13, "bold").size(title)[0] - 120)
    loss_w = 80
    status_w = max(74, *(text.font(12).size(r.status)[0] + 4 for r in rows))
    w = pad * 2 + 16 + name_w + 10 + loss_w + 8 + status_w
    h = pad * 2 + row_h * (len(rows) + 1)
    surf = pygame.Surface((w, h), pygame.SRCALPHA)
    surf.fill((18, 20, 26, 200))
    pygame.draw.rect(surf, (*palette.PANEL_LINE, 255), surf.get_rect(), 1, border_radius=4)
    text.blit(surf, title, (pad, pad), 13, palette.TEXT, "bold")
    for k, r in enumerate(rows):
        y = pad + row_h * (k + 1)
        colour = palette.ball_colour(r.colour_index)
        pygame.draw.circle(surf, colour, (pad + 6, y + row_h // 2), 5)
        text.blit(surf, r.label, (pad + 16, y + 1), 13, palette.TEXT)
        x = pad + 16 + name_w + 10
        text.blit(surf, num(r.loss), (x + loss_w, y + 2), 12, palette.TEXT, "mono", "topright")
        text.blit(
            surf, r.status, (x + loss_w + 8, y + 1), 12, STATUS_COLOURS.get(r.status, palette.TEXT)
        )
    return surf
