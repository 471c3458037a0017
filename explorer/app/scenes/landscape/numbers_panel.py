"""The numbers panel: per ball θ, loss, |∇L|, step length, current lr and status.

Cells are rendered one by one in a monospaced font on a character grid, so a cell that did not
change (a name, a status, an lr) comes from the text cache; columns that do not fit a narrow
window are dropped, the least telling first.
"""

from __future__ import annotations

import pygame

from explorer.app.scenes.landscape.legend_renderer import STATUS_COLOURS
from explorer.app.scenes.landscape.model import BallReadout
from explorer.app.ui import palette
from explorer.app.ui.numbers_format import num, short, status_text
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text

FONT = 12
# (header, width in characters, right-aligned, drop order: higher drops first)
COLUMNS = [
    ("optimizer", 9, False, 0),
    ("θ = (x, y)", 16, False, 0),
    ("loss", 8, True, 0),
    ("|grad|", 6, True, 2),
    ("|step|", 6, True, 3),
    ("lr", 6, True, 1),
]
STATUS_CHARS = 13


def _fit(text: str, width: int, right: bool) -> str:
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.rjust(width) if right else text.ljust(width)


def _columns(width_px: int, char_px: float) -> list[int]:
    """Indices of COLUMNS that fit ``width_px`` with room for the status."""
    chosen = list(range(len(COLUMNS)))
    while chosen:
        chars = sum(COLUMNS[k][1] + 1 for k in chosen) + STATUS_CHARS + 3
        if chars * char_px <= width_px:
            break
        drop = max(chosen, key=lambda k: COLUMNS[k][3])
        if COLUMNS[drop][3] == 0:
            break
        chosen.remove(drop)
    return chosen


def _coord(v: float) -> str:
    """A coordinate to read off the map: 3 significant digits, and 0 below the map's precision."""
    if abs(v) < 5e-4:
        return "0"
    if abs(v) < 0.01:
        return f"{v:.3f}".replace("-", "−")
    return num(v, 3)


def _cells(r: BallReadout) -> list[str]:
    return [
        r.label,
        f"({_coord(r.x)}, {_coord(r.y)})",
        num(r.loss, 4),
        short(r.grad_norm),
        short(r.step_norm),
        short(r.lr),
    ]


def render_numbers(
    rows: list[BallReadout], size, text: Text, selected: int, axes=("x", "y")
) -> pygame.Surface:
    """``axes``: the surface's names for its coordinates (the θ column's heading)."""
    w, h = size
    surf = pygame.Surface((max(w, 1), max(h, 1)))
    surf.fill(palette.PANEL)
    pygame.draw.rect(surf, palette.PANEL_LINE, surf.get_rect(), lw(), border_radius=px(4))
    char_px = text.font(FONT, "mono").size("0" * 10)[0] / 10
    cols = _columns(w - px(34), char_px)
    names = {"θ = (x, y)": f"θ = ({axes[0]}, {axes[1]})"}
    header = " ".join(
        _fit(names.get(COLUMNS[k][0], COLUMNS[k][0]), COLUMNS[k][1], COLUMNS[k][2]) for k in cols
    )
    header += "  status"
    line_h = text.line_height(FONT, "mono")
    text.blit(surf, header, (px(24), px(5)), FONT, palette.TEXT_DIM, "mono")
    rule = px(7) + line_h
    pygame.draw.line(surf, palette.PANEL_LINE, (px(8), rule), (w - px(8), rule), lw())
    if not rows:
        message = text.ellipsize("No optimizer ticked: choose some on the right.", 14, w - px(20))
        text.blit(surf, message, (px(10), rule + px(8)), 14, palette.TEXT_DIM)
        return surf
    top = rule + px(4)
    row_h = min(line_h + px(6), max(line_h, (h - top - px(2)) // max(len(rows), 1)))
    status_x = px(24) + (sum(COLUMNS[k][1] + 1 for k in cols) + 1) * char_px
    status_w = w - status_x - px(6)
    for i, r in enumerate(rows):
        y = top + i * row_h
        if y + row_h > h:
            break
        mid = y + row_h // 2
        if i == selected:
            pygame.draw.rect(surf, (48, 54, 70), (px(4), y, w - px(8), row_h), border_radius=px(3))
        pygame.draw.circle(surf, palette.ball_colour(r.colour_index), (px(14), mid), px(5))
        cells = _cells(r)
        x = float(px(24))
        for k in cols:
            _, chars, right, _ = COLUMNS[k]
            cell = _fit(cells[k], chars, False).rstrip()
            if right:
                text.blit(
                    surf, cell, (x + chars * char_px, mid), FONT, palette.TEXT, "mono", "midright"
                )
            else:
                text.blit(surf, cell, (x, mid), FONT, palette.TEXT, "mono", "midleft")
            x += (chars + 1) * char_px
        status = text.ellipsize(status_text(r.status, r.stopped_at), 13, status_w)
        text.blit(
            surf,
            status,
            (status_x, mid),
            13,
            STATUS_COLOURS.get(r.status, palette.TEXT),
            anchor="midleft",
        )
    return surf
