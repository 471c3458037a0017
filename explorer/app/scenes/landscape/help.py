"""The Landscape's help sheet: its keys, its mouse, and what every colour and arrow on the map
means (the balls listed with their own colours)."""

from __future__ import annotations

import pygame

from explorer.app.ui import palette
from explorer.app.ui.help_sheet import HelpSheet, Swatch, localised
from explorer.app.ui.i18n import t

#: 1–9 then 0: the first ten surfaces in menu order; [ and ] reach every one
SURFACE_KEYS = (*range(pygame.K_1, pygame.K_9 + 1), pygame.K_0)

# (keycap, catalogue key): the sentences live in assets/i18n, one catalogue per language
KEYS = (
    ("space", "help.landscape.key_play"),
    ("→", "help.landscape.key_step"),
    ("r", "help.landscape.key_reset"),
    ("1 – 9, 0", "help.landscape.key_surfaces"),
    ("[  /  ]", "help.landscape.key_next_surface"),
    ("+  /  −", "help.landscape.key_speed"),
    ("tab", "help.landscape.key_select"),
    ("a", "help.landscape.key_arrows"),
    ("i", "help.landscape.key_inspect"),
    ("v", "help.landscape.key_view3d"),
    ("f", "help.landscape.key_fit"),
    ("e", "help.landscape.key_csv"),
    (",  /  .", "help.landscape.key_path"),
    ("esc", "help.landscape.key_close"),
)
MOUSE = (
    ("help.landscape.click_map", "help.landscape.click_map_do"),
    ("help.landscape.drag", "help.landscape.drag_do"),
    ("help.landscape.wheel", "help.landscape.wheel_do"),
    ("help.landscape.right_click", "help.landscape.right_click_do"),
    ("help.landscape.inspect_button", "help.landscape.inspect_button_do"),
    ("help.landscape.formula_box", "help.landscape.formula_box_do"),
)


def help_sheet(scene) -> HelpSheet:
    m = scene.model
    balls = [
        Swatch(
            "dot",
            palette.ball_colour(m.colour_index(b.label)),
            t("help.landscape.ball", name=b.label),
        )
        for b in m.race.balls
    ]
    legend = [
        Swatch("fade", palette.ball_colour(0), "help.landscape.trail"),
        Swatch(
            "dot",
            palette.ball_colour(0),
            "help.landscape.selected",
            (255, 255, 255),
        ),
        Swatch("ring", (255, 255, 255), "help.landscape.converged", palette.ball_colour(0)),
        Swatch(
            "dot",
            (120, 120, 128),
            "help.landscape.frozen",
            palette.ball_colour(0),
        ),
        Swatch("cross", palette.ERROR, "help.landscape.diverged"),
        Swatch(
            "pie",
            palette.ball_colour(0),
            "help.landscape.shared",
            tuple(palette.ball_colour(k) for k in range(3)),
        ),
        Swatch("arrow", palette.GRADIENT_ARROW, "help.landscape.grad"),
        Swatch("arrow", palette.ball_colour(0), "help.landscape.step"),
        Swatch("arrow", palette.STATE_ARROW, "help.landscape.state"),
        Swatch("ellipse", palette.STATE_ARROW, "help.landscape.squares"),
        Swatch("ring", palette.MARK, "help.landscape.start"),
        Swatch("cross", palette.MARK, "help.landscape.minimum"),
        Swatch(
            "ramp",
            palette.ball_colour(0),
            "help.landscape.height",
            tuple(tuple(int(v) for v in c) for c in palette.colormap_lut(5)),
        ),
        Swatch("line", palette.POSITIVE_CURVATURE, "help.landscape.axis_up"),
        Swatch("line", palette.NEGATIVE_CURVATURE, "help.landscape.axis_down"),
        Swatch("dasharrow", palette.ESCAPE_ARROW, "help.landscape.saddle_way"),
        Swatch("ring", palette.MARK, "help.landscape.inspected"),
    ]
    if m.run_path is not None:  # the Network lab's training path (Landscape of this net)
        legend.insert(0, Swatch("line", palette.MARK, "help.landscape.run_path"))
    sheet = localised("help.landscape.title", KEYS, MOUSE, legend)
    return HelpSheet(sheet.title, sheet.keys, sheet.mouse, [*balls, *sheet.legend])
