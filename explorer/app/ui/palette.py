"""Colours: a perceptual colour map for the heatmap, one colour per ball, the UI's greys."""

from __future__ import annotations

import numpy as np

# Viridis sampled at 17 evenly spaced points (matplotlib's table); interpolated to 256 entries.
_VIRIDIS_ANCHORS = np.array(
    [
        (0.267004, 0.004874, 0.329415),
        (0.282327, 0.094955, 0.417331),
        (0.278826, 0.175490, 0.483397),
        (0.258965, 0.251537, 0.524736),
        (0.229739, 0.322361, 0.545706),
        (0.199430, 0.387607, 0.554642),
        (0.172719, 0.448791, 0.557885),
        (0.149039, 0.508051, 0.557250),
        (0.127568, 0.566949, 0.550556),
        (0.120638, 0.625828, 0.533488),
        (0.157851, 0.683765, 0.501686),
        (0.246070, 0.738910, 0.452024),
        (0.369214, 0.788888, 0.382914),
        (0.515992, 0.831158, 0.294279),
        (0.678489, 0.863742, 0.189503),
        (0.845561, 0.887322, 0.099702),
        (0.993248, 0.906157, 0.143936),
    ]
)


def colormap_lut(n: int = 256, dim: float = 0.82) -> np.ndarray:
    """(n, 3) uint8 viridis, dimmed a little so bright balls and trails stand out on it."""
    x = np.linspace(0.0, 1.0, len(_VIRIDIS_ANCHORS))
    t = np.linspace(0.0, 1.0, n)
    rgb = np.stack([np.interp(t, x, _VIRIDIS_ANCHORS[:, c]) for c in range(3)], axis=1)
    return np.clip(rgb * dim * 255 + 0.5, 0, 255).astype(np.uint8)


# One colour per ball, in optimizer order: bright and mutually distinct on viridis (no blues or
# greens that vanish into it), and never one of the marks' colours below, so a ball is never
# taken for an arrow or a mark: no white (−grad, contours, minima, the start, the escape
# direction) and no yellow or cream (state arrows and g² ellipses).
BALL_COLOURS = [
    (255, 82, 82),  # red
    (255, 150, 40),  # orange
    (90, 220, 255),  # sky
    (255, 110, 220),  # pink
    (190, 255, 90),  # lime
    (185, 150, 255),  # lavender
    (120, 255, 200),  # mint
    (110, 120, 255),  # blue-violet
    (255, 60, 160),  # hot pink
    (0, 230, 200),  # turquoise
]

NAN_COLOUR = (70, 70, 76)
BACKGROUND = (24, 26, 32)
PANEL = (32, 35, 43)
PANEL_LINE = (60, 64, 76)
TEXT = (225, 228, 235)
TEXT_DIM = (150, 155, 168)
ERROR = (255, 110, 100)
GOOD = (120, 230, 140)
WARN = (255, 200, 90)
# The marks: white and cream belong to the surface's maths, never to a ball.
MARK = (255, 255, 255)  # the start ring, the known minima's crosses
GRADIENT_ARROW = (255, 255, 255)  # −gradient (solid)
STATE_ARROW = (255, 236, 150)  # state vectors (velocity, first moment) and g² ellipses: cream
POSITIVE_CURVATURE = (120, 230, 140)
NEGATIVE_CURVATURE = (255, 110, 100)
ESCAPE_ARROW = (255, 255, 255)  # a saddle's way down (dashed, labelled "escape")
TRAIL_FADE = (0.16, 0.11, 0.07, 0.03, 0.0)  # oldest → newest part of a trail, towards BACKGROUND
TRAIL_WIDTHS = (1, 1, 2, 2, 3)  # older parts thinner: they fade by width, keeping their hue


def ball_colour(index: int) -> tuple[int, int, int]:
    """The ``index``-th ball's colour: the table above, then (an 11th optimizer from a plugin)
    further hues spread by the golden angle, bright and away from yellow and cream, so no two
    balls share a colour (the 11th is not sgd's red again)."""
    if index < len(BALL_COLOURS):
        return BALL_COLOURS[index]
    import colorsys

    k = index - len(BALL_COLOURS)
    hue = (0.44 + k * 0.381966) % 1.0  # the golden angle: each new hue far from the last ones
    if 0.11 < hue < 0.2:  # yellow and cream belong to the state arrows
        hue += 0.1
    light = (0.45, 0.7, 0.55)[(k // 3) % 3]  # a different lightness every few: never the same
    r, g, b = colorsys.hls_to_rgb(hue, light, 0.9)
    return (round(r * 255), round(g * 255), round(b * 255))


def dim(colour: tuple[int, int, int], amount: float, towards=BACKGROUND) -> tuple[int, int, int]:
    """``colour`` mixed with ``towards``: amount 0 keeps it, 1 gives ``towards``."""
    return tuple(int(c + (t - c) * amount) for c, t in zip(colour, towards, strict=True))
