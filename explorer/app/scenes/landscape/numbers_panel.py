"""The numbers panel: per ball θ, loss, |∇L|, step length, current lr and status.

Cells are rendered one by one in a monospaced font on a character grid, so a cell that did not
change (a name, a status, an lr) comes from the text cache; columns that do not fit a narrow
window are dropped, the least telling first.
"""

from __future__ import annotations

import pygame

from explorer.app.scenes.landscape.legend_renderer import STATUS_COLOURS, status_label
from explorer.app.scenes.landscape.model import BallReadout
from explorer.app.ui import i18n, palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num, short
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text

FONT = 12
# (header, width in characters, right-aligned, drop order: higher drops first); a header with a
# dot is a key of the string catalogue
COLUMNS = [
    ("numbers.optimizer", 9, False, 0),
    ("θ = (x, y)", 16, False, 0),
    ("numbers.loss", 8, True, 0),
    ("|grad|", 6, True, 2),
    ("|step|", 6, True, 3),
    ("lr", 6, True, 1),
]
STATUS_CHARS = 13


def _fit(text: str, width: int, right: bool) -> str:
    if len(text) > width:
        text = text[: width - 1] + "…"
    return text.rjust(width) if right else text.ljust(width)


def _columns(width_px: int, char_px: float, widths: list[int] | None = None) -> list[int]:
    """Indices of COLUMNS that fit ``width_px`` with room for the status."""
    widths = widths or [c[1] for c in COLUMNS]
    chosen = list(range(len(COLUMNS)))
    while chosen:
        chars = sum(widths[k] + 1 for k in chosen) + STATUS_CHARS + 3
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
        word = t("status.converged") if r.status == "converged" else t("numbers.saddle")
        return f"{word} @{r.converged_at}"
    if r.status == "running" and r.moved_again_at is not None:
        return t("numbers.moving_again", step=r.moved_again_at)
    if r.stopped_at is not None:
        return f"{status_label(r.status)} @{r.stopped_at}"
    return status_label(r.status)


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


def render_numbers(
    rows: list[BallReadout], size, text: Text, selected: int, axes=("x", "y")
) -> pygame.Surface:
    """``axes``: the surface's names for its coordinates (the θ column's heading)."""
    w, h = size
    surf = pygame.Surface((max(w, 1), max(h, 1)))
    surf.fill(palette.PANEL)
    pygame.draw.rect(surf, palette.PANEL_LINE, surf.get_rect(), lw(), border_radius=px(4))
    # as many balls as are ticked, each on its own row: the type shrinks (never below 10 px)
    # before a row is left out
    fs = FONT
    while fs > 10 and (text.line_height(fs, "mono") * (len(rows) + 1) + px(14)) > h:
        fs -= 1
    char_px = text.font(fs, "mono").size("0" * 10)[0] / 10
    # the name column as wide as the longest name (a plugin's may be long), within reason
    widths = [c[1] for c in COLUMNS]
    widths[0] = max(widths[0], min(16, max((len(r.label) for r in rows), default=0)))
    cols = _columns(w - px(34), char_px, widths)
    names = {"θ = (x, y)": f"θ = ({axes[0]}, {axes[1]})"}
    line_h = text.line_height(fs, "mono")
    heads = [names.get(COLUMNS[k][0], COLUMNS[k][0]) for k in cols]
    heads = [t(h) if "." in h else h for h in heads]
    status_x = px(24) + (sum(widths[k] + 1 for k in cols) + 1) * char_px
    if not any(i18n.has_cjk(h) for h in heads):  # one line on the monospaced grid
        header = " ".join(
            _fit(h, widths[k], COLUMNS[k][2]) for h, k in zip(heads, cols, strict=True)
        )
        header += "  " + t("numbers.status")
        text.blit(surf, header, (px(24), px(5)), fs, palette.TEXT_DIM, "mono")
    else:  # each heading at its column: Chinese is drawn in another font, off the grid
        x = float(px(24))
        for head, k in zip(heads, cols, strict=True):
            right = COLUMNS[k][2]
            anchor = (x + widths[k] * char_px, px(5)) if right else (x, px(5))
            align = "topright" if right else "topleft"
            text.blit(surf, head, anchor, fs, palette.TEXT_DIM, "mono", align)
            x += (widths[k] + 1) * char_px
        text.blit(surf, t("numbers.status"), (status_x, px(5)), fs, palette.TEXT_DIM, "mono")
    rule = px(7) + line_h
    pygame.draw.line(surf, palette.PANEL_LINE, (px(8), rule), (w - px(8), rule), lw())
    if not rows:
        message = text.ellipsize(t("numbers.none_ticked"), 14, w - px(20))
        text.blit(surf, message, (px(10), rule + px(8)), 14, palette.TEXT_DIM)
        return surf
    top = rule + px(4)
    row_h = min(line_h + px(6), max(line_h, (h - top - px(2)) // max(len(rows), 1)))
    status_fs = min(13, fs)
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
            chars, right = widths[k], COLUMNS[k][2]
            cell = _fit(cells[k], chars, False).rstrip()
            if right:
                text.blit(
                    surf, cell, (x + chars * char_px, mid), fs, palette.TEXT, "mono", "midright"
                )
            else:
                text.blit(surf, cell, (x, mid), fs, palette.TEXT, "mono", "midleft")
            x += (chars + 1) * char_px
        status = text.ellipsize(status_text(r), status_fs, status_w)
        text.blit(
            surf,
            status,
            (status_x, mid),
            status_fs,
            STATUS_COLOURS.get(r.status, palette.TEXT),
            anchor="midleft",
        )
    return surf
