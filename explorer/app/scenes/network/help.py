"""The Network lab's help sheet: its keys, its widgets, and what every colour in its pictures
means (taken from the pictures' own colour constants, so the legend cannot drift from them)."""

from __future__ import annotations

from explorer.app.scenes.network.function_picture import CLASS_COLOURS
from explorer.app.scenes.network.gradient_bars import BAR, GUIDE
from explorer.app.scenes.network.hessian_view import NEGATIVE as H_NEGATIVE
from explorer.app.scenes.network.hessian_view import POSITIVE as H_POSITIVE
from explorer.app.scenes.network.network_view import (
    DROPPED,
    DROPPED_RING,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
)
from explorer.app.scenes.network.sharpness_chart import LAMBDA, LIMIT
from explorer.app.scenes.network.skip_arcs import ARC
from explorer.app.scenes.network.training_curves import BATCH, BEST, TRAIN, VAL
from explorer.app.scenes.network.weight_histograms import WEIGHT, ZERO
from explorer.app.ui import palette
from explorer.app.ui.help_sheet import HelpSheet, Swatch, localised

# (keycap, catalogue key): the sentences live in assets/i18n, one catalogue per language
KEYS = (
    ("space", "help.network.key_play"),
    ("→", "help.network.key_batch"),
    ("e", "help.network.key_epoch"),
    ("r", "help.network.key_reset"),
    ("s", "help.network.key_side"),
    ("b", "help.network.key_bn"),
    ("w", "network.help_key_chart"),
    ("c", "network.help_key_hessian"),
    ("l", "network.help_key_sharpness"),
    ("d", "network.help_key_data"),
)
MOUSE = (
    ("help.network.sliders", "help.network.sliders_do"),
    ("help.network.menus", "help.network.menus_do"),
    ("help.network.speed", "help.network.speed_do"),
    ("help.network.b_menu", "help.network.b_menu_do"),
    ("network.help_chart_title", "network.help_chart_title_do"),
    ("network.landscape_button", "network.help_landscape_do"),
    ("network.sharpness_box", "network.help_sharpness_do"),
)
LEGEND = (
    Swatch("dot", POSITIVE, "help.network.neuron_pos"),
    Swatch("dot", NEGATIVE, "help.network.neuron_neg"),
    Swatch("dot", NEUTRAL, "help.network.near_zero"),
    Swatch("dot", DROPPED, "help.network.dropped", (DROPPED_RING,)),
    Swatch("line", ARC, "network.help_skip"),  # "big maps (N)" says its key on the screen
    Swatch("box", BAR, "help.network.grad_hidden"),
    Swatch("box", (200, 204, 214), "help.network.grad_output"),
    Swatch("dashed", GUIDE, "help.network.sigmoid_bound"),
    Swatch("box", palette.ERROR, "help.network.sat_90"),
    Swatch("box", palette.WARN, "help.network.sat_50"),
    Swatch("box", WEIGHT, "network.help_weights"),
    Swatch("box", ZERO, "network.help_zero"),
    Swatch("box", H_NEGATIVE, "network.help_negative"),
    Swatch("box", H_POSITIVE, "network.help_positive"),
    Swatch("line", TRAIN, "help.network.train"),
    Swatch("line", VAL, "help.network.val"),
    Swatch("line", BATCH, "help.network.batch"),
    Swatch("line", BEST, "help.network.best"),
    Swatch("line", palette.ERROR, "help.network.stopped"),
    Swatch("line", LAMBDA, "network.help_lambda"),
    Swatch("dashed", LIMIT, "network.help_limit"),
    Swatch(
        "ramp",
        CLASS_COLOURS[0],
        "help.network.regions",
        (CLASS_COLOURS[0], palette.PANEL, CLASS_COLOURS[1]),
    ),
    Swatch("ring", palette.GOOD, "help.network.digit_right"),
    Swatch("ring", palette.ERROR, "help.network.digit_wrong"),
)


def help_sheet(scene) -> HelpSheet:
    return localised("help.network.title", KEYS, MOUSE, LEGEND)
