"""What the Network lab shows of its comparisons (``plane_lab``): while one is under way, a card
over the nets' area with what is being done and a bar of known length; once answered, its picture
over that area (many optimizers on one plane: ``plane_picture``; between two minima: the loss
along the line and the trained curve), until Esc, a click on it, or any change of the lab.

Pygame only draws here; the numbers are the answer's, the words the catalogues'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pygame

from explorer.app.scenes.network.plane_picture import colour_of
from explorer.app.scenes.network.plane_picture import draw as draw_paths
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px

if TYPE_CHECKING:
    from explorer.app.scenes.network.scene import NetworkScene
    from explorer.app.ui.text import Text
    from explorer.landscape.connect import Connection

LABELS = {"paths": "planes.lab_button", "connect": "planes.lab_connect"}
# the picture drawn last: (the answer it shows, its size/scale/language, the surface); the answer
# is held, so a new one is never mistaken for it
_cache: dict[str, tuple[object, tuple, pygame.Surface]] = {}


def update(scene: NetworkScene) -> None:
    """Take answers in, and let the two buttons say what they would do now."""
    planes = scene.planes
    planes.poll()
    c = scene.controls
    for kind, button in (("paths", c.paths_button), ("connect", c.connect_button)):
        label = t("planes.lab_cancel") if planes.kind == kind else t(LABELS[kind])
        if button.text != label:
            button.set_text(label)


def press(scene: NetworkScene, kind: str) -> None:
    """A comparison's button: start it, or cancel it while it is under way."""
    if scene.planes.kind == kind:
        scene.planes.cancel()
    else:
        scene.planes.start(kind)


def handle(scene: NetworkScene, event: pygame.event.Event) -> bool:
    """Esc, or a click on the picture, puts it away (the lab is under it)."""
    if scene.planes.shown is None:
        return False
    esc = event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE
    click = event.type == pygame.MOUSEBUTTONDOWN and scene.layout.main.collidepoint(event.pos)
    if esc or click:
        scene.planes.close_picture()
    return esc or click


def covering(scene: NetworkScene) -> bool:
    """Whether a comparison (its progress or its picture) covers the nets' area."""
    return scene.planes.busy or scene.planes.shown is not None


def draw(scene: NetworkScene, screen: pygame.Surface) -> None:
    planes, area = scene.planes, scene.layout.main
    if planes.shown is not None:
        key = (area.size, px(100), t("planes.lab_close"))  # a new size, scale or language
        cached = _cache.get("picture")
        if cached is None or cached[0] is not planes.shown or cached[1] != key:
            cached = (planes.shown, key, _picture(scene, area.size))
            _cache["picture"] = cached
        screen.blit(cached[2], area.topleft)
        return
    said = planes.progress()
    if said is not None:
        veil = pygame.Surface(area.size, pygame.SRCALPHA)
        veil.fill((*palette.BACKGROUND, 170))  # the lab stays visible, and clearly not the news
        screen.blit(veil, area.topleft)
        _progress_card(scene.text, screen, area, *said)


def _picture(scene: NetworkScene, size: tuple[int, int]) -> pygame.Surface:
    shown = scene.planes.shown
    assert shown is not None
    if shown.kind == "paths":
        surface = draw_paths(shown.value, shown.colours, scene.text, size)
    else:
        surface = draw_connection(shown.value, scene.text, size)
    hint = t("planes.lab_close")
    scene.text.blit(
        surface,
        hint,
        (size[0] - px(12), size[1] - px(8)),
        13,
        palette.TEXT_DIM,
        "sans",
        "bottomright",
    )
    return surface


def _progress_card(
    text: Text, screen: pygame.Surface, area: pygame.Rect, words: str, share: float
) -> None:
    w = min(area.w - px(40), px(560))
    lines = text.wrap(words, 15, w - px(32))
    h = px(40) + len(lines) * text.line_height(15) + px(14)
    card = pygame.Rect(0, 0, w, h)
    card.center = area.center
    pygame.draw.rect(screen, palette.PANEL, card, border_radius=px(6))
    pygame.draw.rect(screen, palette.PANEL_LINE, card, lw(), border_radius=px(6))
    y = card.y + px(14)
    for line in lines:
        text.blit(screen, line, (card.x + px(16), y), 15, palette.TEXT)
        y += text.line_height(15)
    bar = pygame.Rect(card.x + px(16), y + px(8), card.w - px(32), px(10))
    pygame.draw.rect(screen, palette.PANEL_LINE, bar, border_radius=px(3))
    filled = bar.copy()
    filled.w = int(bar.w * max(0.0, min(1.0, share)))
    if filled.w:
        pygame.draw.rect(screen, palette.MARK, filled, border_radius=px(3))


def draw_connection(c: Connection, text: Text, size: tuple[int, int]) -> pygame.Surface:
    """The training loss along the straight line between the two solutions and along the
    trained Bezier curve, t from 0 to 1, with each path's barrier."""
    out = pygame.Surface(size)
    out.fill(palette.BACKGROUND)
    m = px(24)
    a, b = c.seeds
    title = t(
        "planes.connect_title",
        a=a,
        b=b,
        distance=f"{c.distance:.3g}",
        weights=f"{c.parameters:,}",
    )
    y = px(16)
    for line in text.wrap(title, 18, size[0] - 2 * m)[:2]:
        text.blit(out, line, (m, y), 18, palette.TEXT)
        y += text.line_height(18)
    legend_h = 2 * text.line_height(14) + px(8)
    axis_h = text.line_height(13) + px(10)
    y += px(12) + text.line_height(13)  # the loss axis's name
    plot = pygame.Rect(m + px(48), y, size[0] - 2 * m - px(56), 0)
    plot.h = max(px(60), size[1] - plot.y - legend_h - axis_h - px(28))
    pygame.draw.rect(out, palette.PANEL_LINE, plot, lw())
    values = np.concatenate([c.line, c.curve])
    finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1.0
    for frac in (0.0, 0.5, 1.0):
        value = lo + frac * (hi - lo)
        yy = plot.bottom - frac * plot.h
        text.blit(
            out, f"{value:.3g}", (plot.x - px(6), yy), 12, palette.TEXT_DIM, "sans", "midright"
        )
    curves = (
        (c.line, 0, "planes.connect_line_legend", c.line_barrier),
        (c.curve, 2, "planes.connect_curve_legend", c.curve_barrier),
    )
    ly = plot.bottom + axis_h + px(8)
    for losses, colour_index, key, barrier in curves:
        colour = colour_of(colour_index)
        pts = [
            (plot.x + float(tt) * plot.w, plot.bottom - (float(v) - lo) / (hi - lo) * plot.h)
            for tt, v in zip(c.t, losses, strict=True)
            if np.isfinite(v)
        ]
        if len(pts) > 1:
            pygame.draw.lines(out, colour, False, pts, max(1, px(2)))
        for p in pts:
            pygame.draw.circle(out, colour, p, px(3))
        pygame.draw.line(out, colour, (m, ly + px(8)), (m + px(24), ly + px(8)), max(1, px(3)))
        text.blit(out, t(key, barrier=f"{barrier:.4g}"), (m + px(32), ly), 14, palette.TEXT)
        ly += text.line_height(14) + px(4)
    axis = t("planes.connect_axis_t", a=a, b=b)
    text.blit(
        out, axis, (plot.centerx, plot.bottom + px(6)), 13, palette.TEXT_DIM, "sans", "midtop"
    )
    text.blit(
        out,
        t("planes.connect_axis_loss"),
        (plot.x, plot.y - px(2)),
        13,
        palette.TEXT_DIM,
        "sans",
        "bottomleft",
    )
    return out
