"""The critical-point inspector: on the map, the Hessian's axes and the escape arrow; in the
side panel, the numbers and the verdict."""

from __future__ import annotations

import math

import numpy as np
import pygame

from explorer.app.scenes.landscape.ball_renderer import arrow, world_dir
from explorer.app.ui import palette
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.app.ui.view import View
from explorer.landscape.critical import CriticalPoint

SENTENCES = {
    "minimum": "Both curvatures are positive: every way out goes up.",
    "maximum": "Both curvatures are negative: every way out goes down.",
    "saddle": "Curvatures of both signs: up one way, down the other. A ball placed exactly "
    "here stays; nudged along the escape direction it rolls away.",
    "degenerate": "A curvature is zero: the Hessian alone cannot tell what this point is.",
}
KIND_TEXT = {
    "minimum": "local minimum",
    "maximum": "local maximum",
    "saddle": "saddle point",
    "degenerate": "degenerate (Hessian cannot tell)",
}


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
            target, "escape", (tip[0] + px(4), tip[1] + px(2)), 12, palette.ESCAPE_ARROW, "mono"
        )
    pygame.draw.circle(target, palette.BACKGROUND, (int(x), int(y)), px(7), lw(3))
    pygame.draw.aacircle(target, palette.MARK, (int(x), int(y)), px(6), lw(2))


def render_panel(cp: CriticalPoint | None, error: str, size, text: Text) -> pygame.Surface:
    w, h = size
    surf = pygame.Surface((max(w, 1), max(h, 1)))
    surf.fill(palette.PANEL)
    y = px(2)
    if cp is None:
        msg = error or (
            "Right-click the map (or a stalled ball) to see the Hessian there: its eigenvalues, "
            "whether the point is a minimum, a saddle or a maximum, and the way off a saddle."
        )
        step = text.line_height(13)
        for line in text.wrap(msg, 13, w - px(4)):
            if y + step > h:
                break
            text.blit(surf, line, (0, y), 13, palette.ERROR if error else palette.TEXT_DIM)
            y += step
        return surf
    grad = float(np.linalg.norm(cp.gradient))
    lines = [
        f"at ({num(cp.x)}, {num(cp.y)})   f = {num(cp.value)}   |grad| = {num(grad, 2)}",
        f"Hessian eigenvalues  λ₁ = {num(float(cp.eigenvalues[0]), 4)},  "
        f"λ₂ = {num(float(cp.eigenvalues[1]), 4)}",
    ]
    step = text.line_height(12, "mono")
    for line in lines:
        for part in text.wrap(line, 12, w - px(4), "mono"):  # a narrow panel wraps, never clips
            text.blit(surf, part, (0, y), 12, palette.TEXT, "mono")
            y += step
    kind_colour = {
        "minimum": palette.GOOD,
        "saddle": palette.WARN,
        "maximum": palette.ERROR,
    }
    r = text.blit(
        surf, KIND_TEXT[cp.kind], (0, y), 15, kind_colour.get(cp.kind, palette.WARN), "bold"
    )
    y += max(r.h, text.line_height(15, "bold")) + px(2)
    escape = cp.escape_direction
    if escape is not None:
        along = f"escape along ({num(float(escape[0]), 3)}, {num(float(escape[1]), 3)})"
        text.blit(
            surf,
            text.ellipsize(along, 12, w - px(4), "mono"),
            (0, y),
            12,
            palette.ESCAPE_ARROW,
            "mono",
        )
        y += step + px(2)
    sentence = SENTENCES[cp.kind]
    if not cp.is_critical:
        sentence = "Not a critical point (the gradient still pushes); the curvature here: " + (
            sentence[0].lower() + sentence[1:]
        )
    step = text.line_height(12)
    for line in text.wrap(sentence, 12, w - px(4)):
        if y + step > h:
            break
        text.blit(surf, line, (0, y), 12, palette.TEXT_DIM)
        y += step
    return surf
