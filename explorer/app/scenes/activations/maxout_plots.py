"""What Maxout learned, drawn: one small plot per first-layer unit with its k pieces (thin) and
their max (thick), the data along the line as ticks."""

from __future__ import annotations

import pygame

from explorer.app.scenes.activations.activation_plots import PIECE_COLOURS, Frame, axes, line
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training.maxout_pieces import MaxoutPieces, MaxoutUnit


def render_pieces(
    data: MaxoutPieces | None, status: str, size, text: Text, error: bool = False
) -> tuple[pygame.Surface, list[Frame]]:
    """One plot per unit (pieces thin, their max thick, the data along the line as ticks); while
    there is no ``data``, ``status`` (an error when ``error``)."""
    w, h = max(size[0], px(160)), max(size[1], px(100))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    if data is None:
        colour = palette.ERROR if error else palette.TEXT_DIM
        for k, row in enumerate(text.wrap(status, 13, w)[:4]):
            text.blit(surface, row, (0, px(4) + text.line_height(13) * k), 13, colour)
        return surface, []
    caption = t("activations.maxout_caption")
    rows = text.wrap(caption, 12, w)[:3]
    step = text.line_height(12)
    body_h = h - step * len(rows) - px(4)
    n = len(data.units)
    cols = n if w / max(n, 1) >= 1.6 * body_h else max(1, -(-n // 2))
    nrows = -(-n // cols)
    gap = px(10)
    cw, ch = (w - gap * (cols - 1)) // cols, (body_h - gap * (nrows - 1)) // nrows
    frames = []
    for i, unit in enumerate(data.units):
        r, c = divmod(i, cols)
        cell = pygame.Rect(c * (cw + gap), r * (ch + gap), cw, ch)
        frames.append(_unit_plot(surface, cell, unit, text))
    y = h - step * len(rows)
    for row in rows:
        text.blit(surface, row, (0, y), 12, palette.TEXT_DIM)
        y += step
    return surface, frames


def _unit_plot(surface, cell: pygame.Rect, unit: MaxoutUnit, text: Text) -> Frame:
    label = t("activations.unit_pieces", unit=unit.index + 1, used=unit.used, k=len(unit.pieces))
    text.blit(surface, text.ellipsize(label, 12, cell.w), cell.topleft, 12, palette.TEXT)
    lo, hi = float(unit.pieces.min()), float(unit.pieces.max())
    top, bottom = float(unit.maximum.max()), float(unit.maximum.min())
    span = max(top - bottom, 1e-3)
    v0, v1 = max(lo, bottom - 0.6 * span), min(hi, top + 0.25 * span)
    if v1 - v0 < 1e-6:
        v0, v1 = v0 - 1, v1 + 1
    above, below = text.line_height(12) + px(2), text.line_height(12, "mono")
    plot = pygame.Rect(cell.x, cell.y + above, cell.w, cell.h - above - below)
    frame = Frame(plot, float(unit.t[0]), float(unit.t[-1]), v0, v1)
    axes(surface, frame)
    for k, values in enumerate(unit.pieces):
        line(surface, frame, unit.t, values, palette.dim(PIECE_COLOURS[k % 4], 0.15), 1)
    line(surface, frame, unit.t, unit.maximum, palette.TEXT, 3)
    for at in unit.rug:
        x = int(frame.x(at))
        if plot.x <= x < plot.right:
            pygame.draw.line(
                surface, palette.TEXT_DIM, (x, plot.bottom - px(5)), (x, plot.bottom - 1), lw()
            )
    for k, v in enumerate((frame.z0, frame.z1)):
        x = plot.x if k == 0 else plot.right
        text.blit(
            surface,
            f"t = {num(v, 2)}",
            (x, plot.bottom + 1),
            12,
            palette.TEXT_DIM,
            "mono",
            "topleft" if k == 0 else "topright",
        )
    return frame
