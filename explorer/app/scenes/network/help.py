"""The Network lab's help sheet: its keys, its widgets, and what every colour in its pictures
means (taken from the pictures' own colour constants, so the legend cannot drift from them)."""

from __future__ import annotations

from explorer.app.scenes.network.function_picture import CLASS_COLOURS
from explorer.app.scenes.network.gradient_bars import BAR, GUIDE
from explorer.app.scenes.network.network_view import (
    DROPPED,
    DROPPED_RING,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
)
from explorer.app.scenes.network.training_curves import BATCH, BEST, TRAIN, VAL
from explorer.app.ui import palette
from explorer.app.ui.help_overlay import HelpSheet, Swatch

KEYS = (
    ("space", "train / pause"),
    ("→", "one mini-batch"),
    ("e", "one epoch"),
    ("r", "reset: a new run, same seed"),
    ("s", "side by side on / off"),
    ("b", "batch norm on / off"),
)
MOUSE = (
    ("sliders", "apply when they rest"),
    ("menus", "restart the run with the new choice"),
    ("speed", "mini-batches a second (or flat out)"),
    ("B menu", "side by side: what the second net changes"),
)
LEGEND = (
    Swatch("dot", POSITIVE, "neuron: positive mean activation (links: positive weight)"),
    Swatch("dot", NEGATIVE, "neuron: negative mean activation (links: negative weight)"),
    Swatch("dot", NEUTRAL, "near zero; thicker, brighter links: larger weights"),
    Swatch(
        "dot", DROPPED, "dropped by dropout in this mini-batch, with its links", (DROPPED_RING,)
    ),  # fmt: skip
    Swatch("box", BAR, "gradient norm of a hidden layer's weights (log scale)"),
    Swatch("box", (200, 204, 214), "gradient norm of the output layer"),
    Swatch("dashed", GUIDE, "sigmoid's bound: at most ¼ per layer going back"),
    Swatch("box", palette.ERROR, "saturated units > 90 % (sat.%); first/last ratio < 0.01"),
    Swatch("box", palette.WARN, "saturated units > 50 %; first/last ratio < 0.1"),
    Swatch("line", TRAIN, "training loss / accuracy (per epoch)"),
    Swatch("line", VAL, "validation loss / accuracy"),
    Swatch("line", BATCH, "loss of each mini-batch"),
    Swatch("line", BEST, "early stopping: the epoch kept"),
    Swatch("line", palette.ERROR, "early stopping: where training stopped"),
    Swatch(
        "ramp",
        CLASS_COLOURS[0],
        "decision regions: one colour per class, paler near the boundary",
        (CLASS_COLOURS[0], palette.PANEL, CLASS_COLOURS[1]),
    ),  # fmt: skip
    Swatch("ring", palette.GOOD, "held-out digit guessed right"),
    Swatch("ring", palette.ERROR, "held-out digit guessed wrong"),
)


def help_sheet(scene) -> HelpSheet:
    return HelpSheet("Network lab: a real PyTorch net, training live", KEYS, MOUSE, LEGEND)
