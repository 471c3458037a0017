"""The Activations scene's help sheet: its keys, its mouse, and what its colours mean."""

from __future__ import annotations

from explorer.app.scenes.activations.activation_plots import (
    DF_COLOUR,
    F_COLOUR,
    PIECE_COLOURS,
    SHADE,
)
from explorer.app.scenes.activations.relu_thinner_view import (
    ACTIVE,
    ACTIVE_RING,
    CLASS_COLOURS,
    DEAD_LINK,
    INACTIVE,
    INACTIVE_RING,
    NEGATIVE,
    POSITIVE,
)
from explorer.app.ui import palette
from explorer.app.ui.help_sheet import HelpSheet, Swatch, localised

# (keycap, catalogue key): the sentences live in assets/i18n, one catalogue per language
KEYS = (
    ("→  /  ↓", "help.activations.key_next"),
    ("←  /  ↑", "help.activations.key_previous"),
    ("r", "help.activations.key_retrain"),
)
MOUSE = (
    ("help.activations.click_plot", "help.activations.click_plot_do"),
    ("help.activations.click_map", "help.activations.click_map_do"),
    ("help.activations.pieces_menu", "help.activations.pieces_menu_do"),
)
LEGEND = (
    Swatch("line", F_COLOUR, "help.activations.f"),
    Swatch("line", DF_COLOUR, "help.activations.df"),
    Swatch("box", SHADE, "help.activations.saturated"),
    Swatch("box", palette.WARN, "help.activations.selected"),
    Swatch("line", palette.TEXT, "help.activations.maxout_max"),
    Swatch("pie", PIECE_COLOURS[0], "help.activations.maxout_pieces", tuple(PIECE_COLOURS)),
    Swatch("dot", ACTIVE, "help.activations.relu_on", (ACTIVE_RING,)),
    Swatch("dot", INACTIVE, "help.activations.relu_off", (INACTIVE_RING,)),
    Swatch("line", POSITIVE, "help.activations.link_pos"),
    Swatch("line", NEGATIVE, "help.activations.link_neg"),
    Swatch("line", DEAD_LINK, "help.activations.link_dead"),
    Swatch(
        "ramp",
        CLASS_COLOURS[0],
        "help.activations.map_classes",
        (CLASS_COLOURS[0], palette.PANEL, CLASS_COLOURS[1]),
    ),
    Swatch("ring", (255, 255, 255), "help.activations.map_input"),
    Swatch("box", palette.GOOD, "help.activations.numbers_equal"),
)


def help_sheet(scene) -> HelpSheet:
    return localised("help.activations.title", KEYS, MOUSE, LEGEND)
