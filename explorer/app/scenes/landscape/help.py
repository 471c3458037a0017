"""The Landscape's help sheet: its keys, its mouse, and what every colour and arrow on the map
means (the balls listed with their own colours)."""

from __future__ import annotations

import pygame

from explorer.app.ui import palette
from explorer.app.ui.help_overlay import HelpSheet, Swatch

#: 1–9 then 0: the first ten surfaces in menu order; [ and ] reach every one
SURFACE_KEYS = (*range(pygame.K_1, pygame.K_9 + 1), pygame.K_0)

KEYS = (
    ("space", "play / pause"),
    ("→", "one step"),
    ("r", "reset the balls to the start"),
    ("1 – 9, 0", "the first ten surfaces, in menu order"),
    ("[  /  ]", "previous / next surface (all of them)"),
    ("+  /  −", "faster / slower"),
    ("tab", "select the next ball"),
    ("a", "arrows on / off for the selected ball"),
    ("i", "inspect the selected ball's point"),
    ("f", "fit the whole surface in view"),
    ("e", "export trajectories to CSV"),
    ("esc", "close the inspector"),
)
MOUSE = (
    ("click the map", "start every ball there (runs again if all had stopped)"),
    ("drag", "pan"),
    ("wheel", "zoom around the pointer"),
    ("right-click", "inspect a point or a ball: the Hessian there"),
    ("Inspect button", "left clicks inspect too"),
    ("formula box", "type f(x, y), press Enter"),
)


def help_sheet(scene) -> HelpSheet:
    m = scene.model
    balls = [
        Swatch("dot", palette.ball_colour(m.colour_index(b.spec.name)), f"{b.label}'s ball")
        for b in m.race.balls
    ]
    state = "velocity, first moment (m)"
    legend = [
        *balls,
        Swatch("fade", palette.ball_colour(0), "its trail: older parts thinner, same colour"),
        Swatch(
            "dot",
            palette.ball_colour(0),
            "selected ball (tab, or a click on its row)",
            (255, 255, 255),
        ),  # fmt: skip
        Swatch("ring", (255, 255, 255), "converged (a thin white ring)", palette.ball_colour(0)),
        Swatch(
            "dot",
            (120, 120, 128),
            "frozen: a plugin failed (why: bottom of the map)",
            palette.ball_colour(0),
        ),  # fmt: skip
        Swatch("cross", palette.ERROR, "diverged: marked where it left the surface"),
        Swatch(
            "pie",
            palette.ball_colour(0),
            "balls on one point (a shared start): one wedge each, and how many",
            tuple(palette.ball_colour(k) for k in range(3)),
        ),  # fmt: skip
        Swatch("arrow", palette.GRADIENT_ARROW, "−grad: downhill, where plain SGD would go"),
        Swatch("arrow", palette.ball_colour(0), "step: the move just made, in the ball's colour"),
        Swatch("arrow", palette.STATE_ARROW, f"optimizer state: {state}"),
        Swatch("ellipse", palette.STATE_ARROW, "√ of accumulated g² (AdaGrad, RMSProp, Adam)"),
        Swatch("ring", palette.MARK, "the start"),
        Swatch("cross", palette.MARK, "a known minimum"),
        Swatch(
            "ramp",
            palette.ball_colour(0),
            "height: low → high (viridis), light contours",
            tuple(tuple(int(v) for v in c) for c in palette.colormap_lut(5)),
        ),  # fmt: skip
        Swatch("line", palette.POSITIVE_CURVATURE, "inspector: an axis curving up (λ > 0)"),
        Swatch("line", palette.NEGATIVE_CURVATURE, "inspector: an axis curving down (λ < 0)"),
        Swatch("dasharrow", palette.ESCAPE_ARROW, "inspector: a saddle's way down (dashed)"),
        Swatch("ring", palette.MARK, "inspector: the inspected point, its axes through it"),
    ]
    return HelpSheet("Landscape: optimizers racing on a loss surface", KEYS, MOUSE, legend)
