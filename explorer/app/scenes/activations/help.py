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
from explorer.app.ui.help_overlay import HelpSheet, Swatch

KEYS = (
    ("→  /  ↓", "select the next activation"),
    ("←  /  ↑", "select the previous activation"),
    ("r", "train the ReLU and Maxout nets again (next seed)"),
)
MOUSE = (
    ("click a plot", "select that activation"),
    ("click the map", "pick the input whose thinner network is drawn"),
    ("pieces menu", "Maxout's k: linear pieces per unit"),
)
LEGEND = (
    Swatch("line", F_COLOUR, "f(z): the activation"),
    Swatch("line", DF_COLOUR, "f′(z): its slope, what backprop multiplies by"),
    Swatch("box", SHADE, "saturated: |f′(z)| small, the gradient nearly stops"),
    Swatch("box", palette.WARN, "the selected activation's frame"),
    Swatch("line", palette.TEXT, "Maxout: the max of its pieces (what the unit outputs)"),
    Swatch(
        "pie", PIECE_COLOURS[0], "Maxout: the linear pieces, one colour each", tuple(PIECE_COLOURS)
    ),  # fmt: skip
    Swatch("dot", ACTIVE, "ReLU unit active for this input (passes z on)", (ACTIVE_RING,)),
    Swatch(
        "dot", INACTIVE, "ReLU unit off (outputs 0): cut out of the thinner net", (INACTIVE_RING,)
    ),  # fmt: skip
    Swatch("line", POSITIVE, "link with a positive weight (brighter: larger)"),
    Swatch("line", NEGATIVE, "link with a negative weight"),
    Swatch("line", DEAD_LINK, "link into or out of an off unit: no effect"),
    Swatch(
        "ramp",
        CLASS_COLOURS[0],
        "map: the two classes; the lit patch is the input's linear region",
        (CLASS_COLOURS[0], palette.PANEL, CLASS_COLOURS[1]),
    ),  # fmt: skip
    Swatch("ring", (255, 255, 255), "map: the chosen input"),
    Swatch("box", palette.GOOD, "numbers: A·x + c equals the net's output"),
)


def help_sheet(scene) -> HelpSheet:
    return HelpSheet("Activations: f, f′, Maxout's pieces, ReLU's thinner net", KEYS, MOUSE, LEGEND)
