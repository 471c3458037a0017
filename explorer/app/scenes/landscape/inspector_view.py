"""The critical-point inspector: on the map, the Hessian's axes and the escape arrow; in the
side panel, the numbers and the verdict."""

from __future__ import annotations

import numpy as np
import pygame

from explorer.app.scenes.landscape.ball_renderer import arrow, world_dir
from explorer.app.ui import palette
from explorer.app.ui.numbers_format import num
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
        a, b = (x - dx * 46, y - dy * 46), (x + dx * 46, y + dy * 46)
        pygame.draw.line(target, palette.BACKGROUND, a, b, 4)
        pygame.draw.line(target, colour, a, b, 2)
        text.blit(target, f"λ{'₁₂'[k]}={num(lam, 3)}", (b[0] + 4, b[1] - 8), 12, colour, "mono")
    escape = cp.escape_direction
    if escape is not None:
        tip = arrow(target, palette.ESCAPE_ARROW, (x, y), world_dir(escape), 70, width=3)
        text.blit(target, "escape", (tip[0] + 4, tip[1] + 2), 12, palette.ESCAPE_ARROW, "mono")
    pygame.draw.circle(target, palette.BACKGROUND, (int(x), int(y)), 7, 3)
    pygame.draw.aacircle(target, palette.ESCAPE_ARROW, (int(x), int(y)), 6, 2)


def render_panel(cp: CriticalPoint | None, error: str, size, text: Text) -> pygame.Surface:
    w, h = size
    surf = pygame.Surface((max(w, 1), max(h, 1)))
    surf.fill(palette.PANEL)
    y = 2
    if cp is None:
        msg = error or (
            "Right-click the map (or a stalled ball) to see the Hessian there: its eigenvalues, "
            "whether the point is a minimum, a saddle or a maximum, and the way off a saddle."
        )
        for line in text.wrap(msg, 13, w - 4):
            text.blit(surf, line, (0, y), 13, palette.ERROR if error else palette.TEXT_DIM)
            y += 18
        return surf
    title, colour = headline(cp)  # first: what the point is, or that it is none
    r = text.blit(surf, title, (0, y), 15, colour, "bold")
    escape = cp.escape_direction
    if escape is not None and cp.is_critical:
        label = f"escape along ({num(float(escape[0]), 3)}, {num(float(escape[1]), 3)})"
        if r.right + 12 + text.font(12, "mono").size(label)[0] <= w:
            text.blit(surf, label, (r.right + 12, y + 3), 12, palette.ESCAPE_ARROW, "mono")
        else:
            y += 20
            text.blit(surf, label, (0, y), 12, palette.ESCAPE_ARROW, "mono")
    y += 22
    for line in numbers_lines(cp, lambda t: text.font(12, "mono").size(t)[0] <= w - 4):
        for part in text.wrap(line, 12, w - 4, "mono"):  # wrapped, never cut at the edge
            if y + 16 > h:
                break
            text.blit(surf, part, (0, y), 12, palette.TEXT, "mono")
            y += 18
    for line in text.wrap(sentence(cp), 12, w - 4):
        if y + 16 > h:
            break
        text.blit(surf, line, (0, y), 12, palette.TEXT_DIM)
        y += 16
    return surf


def numbers_lines(cp: CriticalPoint, fits=lambda text: False) -> list[str]:
    """The inspector's numbers: the point, f and |grad| on one line where ``fits`` says it fits,
    else one fact a line (and each line wrapped to the panel, never cut)."""
    grad = float(np.linalg.norm(cp.gradient))
    where, value, slope = (
        f"at ({num(cp.x)}, {num(cp.y)})",
        f"f = {num(cp.value)}",
        (f"|grad| = {num(grad, 3)}"),
    )
    eig = (
        f"Hessian eigenvalues  λ₁ = {num(float(cp.eigenvalues[0]), 4)},  "
        f"λ₂ = {num(float(cp.eigenvalues[1]), 4)}"
    )
    one = f"{where}   {value}   {slope}"
    return [one, eig] if fits(one) else [f"{where}   {value}", slope, eig]


def headline(cp: CriticalPoint) -> tuple[str, tuple[int, int, int]]:
    """What the point is, in its colour; a point that is not critical gets no verdict colour
    (the curvature there says nothing about a minimum)."""
    if not cp.is_critical:
        return "not a critical point", palette.TEXT
    colours = {"minimum": palette.GOOD, "saddle": palette.ESCAPE_ARROW, "maximum": palette.ERROR}
    return KIND_TEXT[cp.kind], colours.get(cp.kind, palette.WARN)


def sentence(cp: CriticalPoint) -> str:
    text = SENTENCES[cp.kind]
    if cp.is_critical:
        return text
    shape = {
        "minimum": "curved up both ways, like a bowl",
        "maximum": "curved down both ways, like a dome",
        "saddle": "curved up one way and down the other",
        "degenerate": "flat in one direction",
    }[cp.kind]
    return (
        "The gradient is not zero here, so the ball keeps rolling: this is no minimum, saddle "
        f"or maximum. The surface here is {shape}."
    )
