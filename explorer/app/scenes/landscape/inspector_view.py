"""The critical-point inspector: on the map, the Hessian's axes and the escape arrow; in the
side panel, the numbers and the verdict."""

from __future__ import annotations

import math

import numpy as np
import pygame

from explorer.app.scenes.landscape.ball_renderer import arrow, world_dir
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.app.ui.view import View
from explorer.landscape.critical import CriticalPoint

# what each kind of point is called and what it means: keys of the string catalogue
SENTENCES = {k: f"inspector.sentence_{k}" for k in ("minimum", "maximum", "saddle", "degenerate")}
KIND_TEXT = {k: f"inspector.kind_{k}" for k in ("minimum", "maximum", "saddle", "degenerate")}


def draw_on_map(target: pygame.Surface, cp: CriticalPoint, view: View, text: Text) -> None:
    x, y = view.point_to_screen(cp.x, cp.y)
    for k in range(2):
        lam, vec = float(cp.eigenvalues[k]), cp.eigenvectors[:, k]
        colour = palette.POSITIVE_CURVATURE if lam > 0 else palette.NEGATIVE_CURVATURE
        dx, dy = world_dir(vec)
        half = px(46)
        a, b = (x - dx * half, y - dy * half), (x + dx * half, y + dy * half)
        pygame.draw.line(target, palette.BACKGROUND, a, b, lw(4))
        pygame.draw.line(target, colour, a, b, lw(2))
        text.blit(
            target, f"λ{'₁₂'[k]}={num(lam, 3)}", (b[0] + px(4), b[1] - px(8)), 12, colour, "mono"
        )
    escape = cp.escape_direction
    if escape is not None:
        direction = world_dir(escape)
        tip = arrow(target, palette.ESCAPE_ARROW, (x, y), direction, px(70), width=3)
        # dashed, so it is never taken for a ball's solid −grad arrow
        n = max(math.hypot(*direction), 1e-300)
        ux, uy = direction[0] / n, direction[1] / n
        for d in range(14, 56, 12):
            d0, d1 = px(d), px(d + 5)
            gap = ((x + ux * d0, y + uy * d0), (x + ux * d1, y + uy * d1))
            pygame.draw.line(target, palette.BACKGROUND, *gap, lw(5))
        text.blit(
            target,
            t("inspector.escape"),
            (tip[0] + px(4), tip[1] + px(2)),
            12,
            palette.ESCAPE_ARROW,
            "mono",
        )
    pygame.draw.circle(target, palette.BACKGROUND, (int(x), int(y)), px(7), lw(3))
    pygame.draw.aacircle(target, palette.MARK, (int(x), int(y)), px(6), lw(2))


def render_panel(cp: CriticalPoint | None, error: str, size, text: Text) -> pygame.Surface:
    w, h = size
    surf = pygame.Surface((max(w, 1), max(h, 1)))
    surf.fill(palette.PANEL)
    y = px(2)
    if cp is None:
        msg = error or t("inspector.hint")
        step = text.line_height(13)
        for line in text.wrap(msg, 13, w - px(4)):
            if y + step > h:
                break
            text.blit(surf, line, (0, y), 13, palette.ERROR if error else palette.TEXT_DIM)
            y += step
        return surf
    title, colour = headline(cp)  # first: what the point is, or that it is none
    r = text.blit(surf, title, (0, y), 15, colour, "bold")
    escape = cp.escape_direction
    step = text.line_height(12, "mono")
    if escape is not None and cp.is_critical:
        label = t(
            "inspector.escape_along",
            x=num(float(escape[0]), 3),
            y=num(float(escape[1]), 3),
        )
        if r.right + px(12) + text.font(12, "mono").size(label)[0] <= w:
            text.blit(surf, label, (r.right + px(12), y + px(3)), 12, palette.ESCAPE_ARROW, "mono")
        else:
            y += max(r.h, text.line_height(15, "bold"))
            text.blit(surf, label, (0, y), 12, palette.ESCAPE_ARROW, "mono")
    y += max(r.h, text.line_height(15, "bold")) + px(2)
    fits = lambda t: text.font(12, "mono").size(t)[0] <= w - px(4)  # noqa: E731
    for line in numbers_lines(cp, fits):
        for part in text.wrap(line, 12, w - px(4), "mono"):  # wrapped, never cut at the edge
            if y + step > h:
                break
            text.blit(surf, part, (0, y), 12, palette.TEXT, "mono")
            y += step
    step = text.line_height(12)
    for line in text.wrap(sentence(cp), 12, w - px(4)):
        if y + step > h:
            break
        text.blit(surf, line, (0, y), 12, palette.TEXT_DIM)
        y += step
    return surf


def numbers_lines(cp: CriticalPoint, fits=lambda text: False) -> list[str]:
    """The inspector's numbers: the point, f and |grad| on one line where ``fits`` says it fits,
    else one fact a line (and each line wrapped to the panel, never cut)."""
    grad = float(np.linalg.norm(cp.gradient))
    where, value, slope = (
        t("inspector.at", x=num(cp.x), y=num(cp.y)),
        f"f = {num(cp.value)}",
        (f"|grad| = {num(grad, 3)}"),
    )
    eig = t(
        "inspector.eigenvalues",
        l1=num(float(cp.eigenvalues[0]), 4),
        l2=num(float(cp.eigenvalues[1]), 4),
    )
    one = f"{where}   {value}   {slope}"
    return [one, eig] if fits(one) else [f"{where}   {value}", slope, eig]


def headline(cp: CriticalPoint) -> tuple[str, tuple[int, int, int]]:
    """What the point is, in its colour; a point that is not critical gets no verdict colour
    (the curvature there says nothing about a minimum)."""
    if not cp.is_critical:
        return t("inspector.not_critical"), palette.TEXT
    colours = {"minimum": palette.GOOD, "saddle": palette.ESCAPE_ARROW, "maximum": palette.ERROR}
    return t(KIND_TEXT[cp.kind]), colours.get(cp.kind, palette.WARN)


def sentence(cp: CriticalPoint) -> str:
    if cp.is_critical:
        return t(SENTENCES[cp.kind])
    return t("inspector.not_critical_sentence", shape=t(f"inspector.shape_{cp.kind}"))
