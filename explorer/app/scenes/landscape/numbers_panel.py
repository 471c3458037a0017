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
from explorer.app.ui.numbers_format import num, short
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


def status_text(r: BallReadout) -> str:
    """The status with the step it refers to: a settled ball keeps stepping, so it can move
    again, and the panel says so."""
    if r.status in ("converged", "stuck at a saddle") and r.converged_at is not None:
        word = "converged" if r.status == "converged" else "saddle"
        return f"{word} @{r.converged_at}"
    if r.status == "running" and r.moved_again_at is not None:
        return f"moving again @{r.moved_again_at}"
    if r.stopped_at is not None:
        return f"{r.status} @{r.stopped_at}"
    return r.status


def _six(v: float) -> str:
    """At most 6 characters, never cut: 0.046, 2.0e−5, and 5e−28 for the tiniest."""
    text = short(v)
    if len(text) > 6 and v is not None:
        text = f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")
        text = text.replace("-", "−")
    return text


def _cells(r: BallReadout) -> list[str]:
    return [
        r.label,
        f"({_coord(r.x)}, {_coord(r.y)})",
        num(r.loss, 4),
        _six(r.grad_norm),
        _six(r.step_norm),
        _six(r.lr),
    ]


def render_numbers(rows: list[BallReadout], size, text: Text, selected: int) -> pygame.Surface:
    w, h = size
    surf = pygame.Surface((max(w, 1), max(h, 1)))
    surf.fill(palette.PANEL)
    pygame.draw.rect(surf, palette.PANEL_LINE, surf.get_rect(), 1, border_radius=4)
    char_px = text.font(FONT, "mono").size("0" * 10)[0] / 10
    cols = _columns(w - 34, char_px)
    header = " ".join(_fit(COLUMNS[k][0], COLUMNS[k][1], COLUMNS[k][2]) for k in cols) + "  status"
    text.blit(surf, header, (24, 7), FONT, palette.TEXT_DIM, "mono")
    pygame.draw.line(surf, palette.PANEL_LINE, (8, 26), (w - 8, 26))
    if not rows:
        text.blit(
            surf, "No optimizer ticked: choose some on the right.", (10, 34), 14, palette.TEXT_DIM
        )
        return surf
    row_h = min(20, max(15, (h - 32) // max(len(rows), 1)))
    status_x = 24 + (sum(COLUMNS[k][1] + 1 for k in cols) + 1) * char_px
    for i, r in enumerate(rows):
        y = 30 + i * row_h
        if y + row_h > h:
            break
        if i == selected:
            pygame.draw.rect(surf, (48, 54, 70), (4, y - 1, w - 8, row_h), border_radius=3)
        pygame.draw.circle(surf, palette.ball_colour(r.colour_index), (14, y + row_h // 2), 5)
        cells = _cells(r)
        x = 24.0
        for k in cols:
            _, chars, right, _ = COLUMNS[k]
            cell = _fit(cells[k], chars, False).rstrip()
            if right:
                text.blit(
                    surf, cell, (x + chars * char_px, y + 2), FONT, palette.TEXT, "mono", "topright"
                )
            else:
                text.blit(surf, cell, (x, y + 2), FONT, palette.TEXT, "mono")
            x += (chars + 1) * char_px
        status = status_text(r)
        text.blit(surf, status, (status_x, y + 1), 13, STATUS_COLOURS.get(r.status, palette.TEXT))
    return surf
