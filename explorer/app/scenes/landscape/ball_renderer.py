"""Balls, their status marks, and the arrows and glyphs read from each optimizer's state."""

from __future__ import annotations

import math

import pygame

from explorer.app.scenes.landscape.state_vectors import StateView
from explorer.app.ui import palette
from explorer.app.ui.text import Text
from explorer.landscape.race import Status

RADIUS = 7
ARROW_MIN = 22.0  # pixels: any non-zero vector reaches well out of the ball
ARROW_MAX = 90.0  # pixels: arrows saturate towards this length


def saturating(magnitude: float, ref: float) -> float:
    """Arrow length in pixels: grows with ``magnitude``, half of the maximum at ``ref``."""
    if not (math.isfinite(magnitude) and magnitude > 0):
        return 0.0
    return ARROW_MIN + (ARROW_MAX - ARROW_MIN) * magnitude / (magnitude + max(ref, 1e-300))


def arrow(target, colour, start, direction, length, width=2, outline=True) -> tuple[float, float]:
    """An arrow from ``start`` along the screen ``direction`` (dx, dy); returns its tip."""
    dx, dy = direction
    norm = math.hypot(dx, dy)
    if norm == 0 or length < 3:
        return start
    ux, uy = dx / norm, dy / norm
    x0, y0 = start
    tip = (x0 + ux * length, y0 + uy * length)
    head = min(9.0, length * 0.45)
    base = (tip[0] - ux * head, tip[1] - uy * head)
    left = (base[0] - uy * head * 0.5, base[1] + ux * head * 0.5)
    right = (base[0] + uy * head * 0.5, base[1] - ux * head * 0.5)
    if outline:  # a dark rim keeps a white arrow visible on the bright end of the colour map
        pygame.draw.line(target, palette.BACKGROUND, start, base, width + 2)
        pygame.draw.polygon(target, palette.BACKGROUND, [tip, left, right], 2)
    pygame.draw.line(target, colour, start, base, width)
    pygame.draw.polygon(target, colour, [tip, left, right])
    return tip


def world_dir(vec) -> tuple[float, float]:
    """World vector → screen direction (y flips)."""
    return float(vec[0]), -float(vec[1])


def arrow_refs(vectors: list[dict[str, float]], floors: dict[str, float]) -> dict[str, float]:
    """Per kind of arrow, the median length over the balls drawn: a ball at the median gets a
    middle-sized arrow, so arrows compare the balls now, whatever the surface's units. The
    floor (per kind, or ``floors["*"]``) keeps a vanishing gradient from looking big just
    because every ball's is vanishing."""
    refs: dict[str, list[float]] = {}
    for entry in vectors:
        for key, value in entry.items():
            if value > 0 and math.isfinite(value):
                refs.setdefault(key, []).append(value)
    out = {}
    for k, v in refs.items():
        v.sort()
        mid = len(v) // 2
        median = v[mid] if len(v) % 2 else 0.5 * (v[mid - 1] + v[mid])
        out[k] = max(median, floors.get(k, floors.get("*", 0.0)))
    return out


def magnitudes(grad, step, state: StateView, scale: float) -> dict[str, float]:
    """The sizes ``arrow_refs`` compares, per arrow kind (state vectors per name)."""
    out = {"gradient": math.hypot(*grad), "step": math.hypot(*step) * scale}
    for key, v in state.vectors:
        out[f"v:{key}"] = math.hypot(*v)
    for key, s in state.scales:
        out[f"s:{key}"] = math.sqrt(max(s))
    return out


def draw_ball_arrows(
    target,
    text: Text,
    grad,
    step,
    state: StateView,
    pos_px,
    colour,
    scale: float,
    refs: dict[str, float],
    kinds: dict,
    labels: bool,
) -> None:
    """One ball's arrows: −gradient, last step, state vectors; glyphs for accumulated squares.
    ``grad``, ``step`` and the state's entries are (x, y) pairs of floats."""
    x, y = pos_px
    if kinds.get("squares"):
        for key, s in state.scales:
            ref = refs.get(f"s:{key}", 1.0)
            rx = 0.45 * saturating(math.sqrt(s[0]), ref)
            ry = 0.45 * saturating(math.sqrt(s[1]), ref)
            rect = pygame.Rect(0, 0, max(2, int(2 * rx)), max(2, int(2 * ry)))
            rect.center = (int(x), int(y))
            pygame.draw.ellipse(target, palette.BACKGROUND, rect.inflate(2, 2), 3)
            pygame.draw.ellipse(target, palette.STATE_ARROW, rect, 1)
            if labels:
                text.blit(
                    target,
                    f"√{key}",
                    (rect.right + 2, rect.top - 4),
                    12,
                    palette.STATE_ARROW,
                    "mono",
                )
    if kinds.get("gradient"):
        n = math.hypot(*grad)
        tip = arrow(
            target,
            palette.GRADIENT_ARROW,
            (x, y),
            (-grad[0], grad[1]),
            saturating(n, refs.get("gradient", n)),
            width=3,
        )
        if labels and n > 0:
            text.blit(target, "−grad", (tip[0] + 4, tip[1] - 8), 12, palette.GRADIENT_ARROW, "mono")
    if kinds.get("step"):
        px = math.hypot(*step) * scale
        tip = arrow(
            target, colour, (x, y), (step[0], -step[1]), saturating(px, refs.get("step", px))
        )
        if labels and px > 0:
            text.blit(target, "step", (tip[0] + 4, tip[1] - 8), 12, colour, "mono")
    if kinds.get("state"):
        for key, v in state.vectors:
            # Drawn the way it moves the ball: momentum's velocity and Adam's m hold gradients
            # (uphill) and the step is their negative, so they are shown negated, and named so.
            sign = -1.0 if v[0] * step[0] + v[1] * step[1] < 0 else 1.0
            n = math.hypot(*v)
            tip = arrow(
                target,
                palette.STATE_ARROW,
                (x, y),
                (sign * v[0], -sign * v[1]),
                saturating(n, refs.get(f"v:{key}", n)),
            )
            if labels and n > 0:
                name = f"−{key}" if sign < 0 else key
                text.blit(target, name, (tip[0] + 4, tip[1] - 8), 12, palette.STATE_ARROW, "mono")


def draw_ball(target, pos_px, colour, status: Status, selected: bool) -> None:
    x, y = int(round(pos_px[0])), int(round(pos_px[1]))
    if selected:
        pygame.draw.circle(target, palette.BACKGROUND, (x, y), RADIUS + 6, 3)
        pygame.draw.aacircle(target, (255, 255, 255), (x, y), RADIUS + 5, 2)
    if status is Status.DIVERGED:
        pygame.draw.circle(target, palette.BACKGROUND, (x, y), RADIUS + 1, 3)
        pygame.draw.aacircle(target, colour, (x, y), RADIUS, 2)
        for c, w in ((palette.BACKGROUND, 5), (palette.ERROR, 3)):
            pygame.draw.line(target, c, (x - 6, y - 6), (x + 6, y + 6), w)
            pygame.draw.line(target, c, (x - 6, y + 6), (x + 6, y - 6), w)
        return
    pygame.draw.circle(target, palette.BACKGROUND, (x, y), RADIUS + 2)
    if status is Status.FROZEN:
        pygame.draw.circle(target, (120, 120, 128), (x, y), RADIUS)
        pygame.draw.aacircle(target, colour, (x, y), RADIUS, 2)
        pygame.draw.rect(target, palette.BACKGROUND, (x - 3, y - 4, 2, 8))
        pygame.draw.rect(target, palette.BACKGROUND, (x + 1, y - 4, 2, 8))
        return
    pygame.draw.circle(target, colour, (x, y), RADIUS)
    pygame.draw.aacircle(target, colour, (x, y), RADIUS)
    if status is Status.CONVERGED:  # settled (it still steps, and may move again)
        pygame.draw.aacircle(target, (255, 255, 255), (x, y), RADIUS + 3, 1)
    elif status is Status.SADDLE:  # settled where the loss still falls one way
        pygame.draw.aacircle(target, palette.WARN, (x, y), RADIUS + 3, 2)


def draw_start(target, pos_px) -> None:
    x, y = int(pos_px[0]), int(pos_px[1])
    pygame.draw.circle(target, palette.BACKGROUND, (x, y), 6, 3)
    pygame.draw.aacircle(target, (255, 255, 255), (x, y), 5, 1)


def draw_offscreen(target, plot: pygame.Rect, pos_px, colour, status: Status) -> bool:
    """A ball outside the map: a pointer at the map's edge, in its colour (red-crossed if it
    diverged). Returns False when the ball is on the map (nothing drawn)."""
    x, y = float(pos_px[0]), float(pos_px[1])
    inner = plot.inflate(-2 * RADIUS, -2 * RADIUS)
    if not (math.isfinite(x) and math.isfinite(y)):
        return False
    if inner.collidepoint(x, y):
        return False
    cx = min(max(x, inner.left + 4), inner.right - 4)
    cy = min(max(y, inner.top + 4), inner.bottom - 4)
    dx, dy = x - cx, y - cy
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    tip = (cx + ux * 8, cy + uy * 8)
    left = (cx - uy * 7, cy + ux * 7)
    right = (cx + uy * 7, cy - ux * 7)
    pygame.draw.polygon(target, palette.BACKGROUND, [tip, left, right], 0)
    pygame.draw.polygon(
        target, colour, [tip, left, right], 0 if status is not Status.DIVERGED else 2
    )
    if status is Status.DIVERGED:
        pygame.draw.line(target, palette.ERROR, (cx - 5, cy - 5), (cx + 5, cy + 5), 2)
        pygame.draw.line(target, palette.ERROR, (cx - 5, cy + 5), (cx + 5, cy - 5), 2)
    return True
