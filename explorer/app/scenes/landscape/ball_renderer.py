"""Balls, their status marks, and the arrows and glyphs read from each optimizer's state."""

from __future__ import annotations

import math

import pygame

from explorer.app.scenes.landscape.state_vectors import StateView, read_ball
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.landscape.race import Race, Status

RADIUS = 7  # pixels at UI scale 1, like every length here
ARROW_MIN = 22.0  # pixels: any non-zero vector reaches well out of the ball
ARROW_MAX = 90.0  # pixels: arrows saturate towards this length


def arrows_to_draw(race: Race, arrows_for: dict[str, bool], start_grad) -> list[tuple]:
    """(ball index, gradient, last step, its state) of each ball drawn with arrows: moving or
    frozen, its arrows not switched off; before the first step the gradient is the start's
    (``start_grad``: a ball has none yet)."""
    out = []
    for i, ball in enumerate(race.balls):
        if arrows_for.get(ball.label, True) and (
            ball.status.active or ball.status is Status.FROZEN
        ):
            grad = start_grad if race.t == 0 else ball.grad
            step = ball.last_step
            out.append(
                (
                    i,
                    (float(grad[0]), float(grad[1])),
                    (float(step[0]), float(step[1])),
                    read_ball(ball),
                )
            )
    return out


def saturating(magnitude: float, ref: float) -> float:
    """Arrow length in pixels: grows with ``magnitude``, half of the maximum at ``ref``."""
    if not (math.isfinite(magnitude) and magnitude > 0):
        return 0.0
    grow = magnitude / (magnitude + max(ref, 1e-300))
    return px(1) * (ARROW_MIN + (ARROW_MAX - ARROW_MIN) * grow)


def arrow(target, colour, start, direction, length, width=2, outline=True) -> tuple[float, float]:
    """An arrow from ``start`` along the screen ``direction`` (dx, dy); returns its tip."""
    dx, dy = direction
    norm = math.hypot(dx, dy)
    if norm == 0 or length < 3:
        return start
    width = lw(width)
    ux, uy = dx / norm, dy / norm
    x0, y0 = start
    tip = (x0 + ux * length, y0 + uy * length)
    head = min(px(9), length * 0.45)
    base = (tip[0] - ux * head, tip[1] - uy * head)
    left = (base[0] - uy * head * 0.5, base[1] + ux * head * 0.5)
    right = (base[0] + uy * head * 0.5, base[1] - ux * head * 0.5)
    if outline:  # a dark rim keeps a white arrow visible on the bright end of the colour map
        pygame.draw.line(target, palette.BACKGROUND, start, base, width + lw(2))
        pygame.draw.polygon(target, palette.BACKGROUND, [tip, left, right], lw(2))
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
            _draw_squares_glyph(target, text, (x, y), key, s, refs.get(f"s:{key}", 1.0), labels)
    if kinds.get("gradient"):
        n = math.hypot(*grad)
        length = saturating(n, refs.get("gradient", n))
        name = "−grad" if labels and n > 0 else None
        _labelled_arrow(
            target, text, palette.GRADIENT_ARROW, (x, y), (-grad[0], grad[1]), length, name, 3
        )
    if kinds.get("step"):
        n = math.hypot(*step) * scale
        name = t("landscape.arrow_step") if labels and n > 0 else None
        length = saturating(n, refs.get("step", n))
        _labelled_arrow(target, text, colour, (x, y), (step[0], -step[1]), length, name)
    if kinds.get("state"):
        for key, v in state.vectors:
            # Drawn the way it moves the ball: momentum's velocity and Adam's m hold gradients
            # (uphill) and the step is their negative, so they are shown negated, and named so.
            sign = -1.0 if v[0] * step[0] + v[1] * step[1] < 0 else 1.0
            n = math.hypot(*v)
            name = (f"−{key}" if sign < 0 else key) if labels and n > 0 else None
            length = saturating(n, refs.get(f"v:{key}", n))
            direction = (sign * v[0], -sign * v[1])
            _labelled_arrow(target, text, palette.STATE_ARROW, (x, y), direction, length, name)


def _draw_squares_glyph(target, text: Text, centre, key: str, s, ref: float, label: bool) -> None:
    """Accumulated squares as an ellipse: its half-axes grow with √s per coordinate."""
    rx = 0.45 * saturating(math.sqrt(s[0]), ref)
    ry = 0.45 * saturating(math.sqrt(s[1]), ref)
    rect = pygame.Rect(0, 0, max(2, int(2 * rx)), max(2, int(2 * ry)))
    rect.center = (int(centre[0]), int(centre[1]))
    pygame.draw.ellipse(target, palette.BACKGROUND, rect.inflate(lw(2), lw(2)), lw(3))
    pygame.draw.ellipse(target, palette.STATE_ARROW, rect, lw())
    if label:
        at = (rect.right + px(2), rect.top - px(4))
        text.blit(target, f"√{key}", at, 12, palette.STATE_ARROW, "mono")


def _labelled_arrow(
    target, text: Text, colour, start, direction, length: float, name: str | None, width: int = 2
) -> None:
    """An arrow, and ``name`` beside its tip (None: no label)."""
    tip = arrow(target, colour, start, direction, length, width=width)
    if name is not None:
        text.blit(target, name, (tip[0] + px(4), tip[1] - px(8)), 12, colour, "mono")


def draw_ball(target, pos_px, colour, status: Status, selected: bool) -> None:
    x, y = int(round(pos_px[0])), int(round(pos_px[1]))
    r = px(RADIUS)
    if selected:
        pygame.draw.circle(target, palette.BACKGROUND, (x, y), r + px(6), lw(3))
        pygame.draw.aacircle(target, (255, 255, 255), (x, y), r + px(5), lw(2))
    if status is Status.DIVERGED:
        pygame.draw.circle(target, palette.BACKGROUND, (x, y), r + px(1), lw(3))
        pygame.draw.aacircle(target, colour, (x, y), r, lw(2))
        d = px(6)
        for c, w in ((palette.BACKGROUND, lw(5)), (palette.ERROR, lw(3))):
            pygame.draw.line(target, c, (x - d, y - d), (x + d, y + d), w)
            pygame.draw.line(target, c, (x - d, y + d), (x + d, y - d), w)
        return
    pygame.draw.circle(target, palette.BACKGROUND, (x, y), r + px(2))
    if status is Status.FROZEN:
        pygame.draw.circle(target, (120, 120, 128), (x, y), r)
        pygame.draw.aacircle(target, colour, (x, y), r, lw(2))
        pygame.draw.rect(target, palette.BACKGROUND, (x - px(3), y - px(4), px(2), px(8)))
        pygame.draw.rect(target, palette.BACKGROUND, (x + px(1), y - px(4), px(2), px(8)))
        return
    pygame.draw.circle(target, colour, (x, y), r)
    pygame.draw.aacircle(target, colour, (x, y), r)
    if status is Status.CONVERGED:  # settled (it still steps, and may move again)
        pygame.draw.aacircle(target, (255, 255, 255), (x, y), r + px(3), lw())
    elif status is Status.SADDLE:  # settled where the loss still falls one way
        pygame.draw.aacircle(target, palette.WARN, (x, y), r + px(3), lw(2))


def draw_start(target, pos_px) -> None:
    x, y = int(pos_px[0]), int(pos_px[1])
    pygame.draw.circle(target, palette.BACKGROUND, (x, y), px(6), lw(3))
    pygame.draw.aacircle(target, (255, 255, 255), (x, y), px(5), lw())


def draw_offscreen(target, plot: pygame.Rect, pos_px, colour, status: Status) -> bool:
    """A ball outside the map: a pointer at the map's edge, in its colour (red-crossed if it
    diverged). Returns False when the ball is on the map (nothing drawn)."""
    x, y = float(pos_px[0]), float(pos_px[1])
    inner = plot.inflate(-2 * px(RADIUS), -2 * px(RADIUS))
    if not (math.isfinite(x) and math.isfinite(y)):
        return False
    if inner.collidepoint(x, y):
        return False
    cx = min(max(x, inner.left + px(4)), inner.right - px(4))
    cy = min(max(y, inner.top + px(4)), inner.bottom - px(4))
    dx, dy = x - cx, y - cy
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    tip = (cx + ux * px(8), cy + uy * px(8))
    left = (cx - uy * px(7), cy + ux * px(7))
    right = (cx + uy * px(7), cy - ux * px(7))
    pygame.draw.polygon(target, palette.BACKGROUND, [tip, left, right], 0)
    pygame.draw.polygon(
        target, colour, [tip, left, right], 0 if status is not Status.DIVERGED else lw(2)
    )
    if status is Status.DIVERGED:
        d = px(5)
        pygame.draw.line(target, palette.ERROR, (cx - d, cy - d), (cx + d, cy + d), lw(2))
        pygame.draw.line(target, palette.ERROR, (cx - d, cy + d), (cx + d, cy - d), lw(2))
    return True


SHARED_PX = 3  # balls closer than this on screen are drawn as one shared point


def shared_groups(points, indices) -> list[list[int]]:
    """``indices`` (balls drawn as balls) grouped by screen point: balls within ``SHARED_PX`` of
    the first of a group share it. Each group keeps the order of ``indices``."""
    groups: list[list[int]] = []
    anchors: list[tuple[float, float]] = []
    for i in indices:
        x, y = float(points[i][0]), float(points[i][1])
        for group, (ax, ay) in zip(groups, anchors, strict=True):
            if abs(x - ax) <= SHARED_PX and abs(y - ay) <= SHARED_PX:
                group.append(i)
                break
        else:
            groups.append([i])
            anchors.append((x, y))
    return groups


def draw_shared(target, text: Text, pos_px, colours, selected: bool, plot=None) -> pygame.Rect:
    """Several balls on one point: a disc cut into one wedge per ball, in their colours, so none
    hides another, and a tag saying how many share the point. Returns the tag's box."""
    x, y = int(round(pos_px[0])), int(round(pos_px[1]))
    r = px(RADIUS + 2)
    n = len(colours)
    if selected:
        pygame.draw.circle(target, palette.BACKGROUND, (x, y), r + px(6), lw(3))
        pygame.draw.aacircle(target, (255, 255, 255), (x, y), r + px(5), lw(2))
    pygame.draw.circle(target, palette.BACKGROUND, (x, y), r + px(2))
    draw_pie(target, (x, y), colours, r)
    pygame.draw.aacircle(target, palette.BACKGROUND, (x, y), r + px(1), lw())
    label = t("landscape.balls_here", n=n)
    pos = (x + r + px(6), y - px(8))
    if plot is not None and pos[0] + text.font(12, "mono").size(label)[0] + px(8) > plot.right:
        pos = (x - r - px(10) - text.font(12, "mono").size(label)[0], y - px(8))
    return text.tag(target, label, pos, 12, palette.TEXT)


def draw_pie(target, centre: tuple[int, int], colours, r: int) -> None:
    """A disc of radius ``r`` cut into one wedge per colour, the first from the top, clockwise:
    several balls on one point, none hiding another (the map's and the 3-D view's)."""
    x, y = centre
    n = len(colours)
    for k, colour in enumerate(colours):
        a0 = -math.pi / 2 + 2 * math.pi * k / n
        a1 = -math.pi / 2 + 2 * math.pi * (k + 1) / n
        steps = max(2, int(24 / n) + 1)
        pts = [(x, y)] + [
            (
                x + r * math.cos(a0 + (a1 - a0) * s / steps),
                y + r * math.sin(a0 + (a1 - a0) * s / steps),
            )
            for s in range(steps + 1)
        ]
        pygame.draw.polygon(target, colour, pts)
