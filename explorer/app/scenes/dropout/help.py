"""The Dropout scene's help sheet: its keys, its mouse, and what its colours mean."""

from __future__ import annotations

from explorer.app.scenes.dropout.ensemble_chart import AVERAGE, BAR, SCALED
from explorer.app.scenes.dropout.thinned_net_view import (
    DEAD_LINK,
    DROPPED,
    DROPPED_RING,
    KEPT,
    KEPT_RING,
    NEGATIVE,
    POSITIVE,
)
from explorer.app.ui import palette
from explorer.app.ui.help_overlay import HelpSheet, Swatch

KEYS = (
    ("space", "train / pause"),
    ("→", "one mini-batch (a new thinned network)"),
    ("r", "reset: a new run"),
)
MOUSE = (
    ("click a unit", "of hidden layer 2: follow it in panel 2"),
    ("p slider", "the dropout rate; the nets restart when it rests"),
    ("speed", "mini-batches a second"),
    ("dataset menu", "the data the small net learns"),
)
LEGEND = (
    Swatch("dot", KEPT, "unit kept in this mini-batch (×1/(1−p))", (KEPT_RING,)),
    Swatch(
        "dot", DROPPED, "unit dropped (crossed) in this mini-batch, with its links", (DROPPED_RING,)
    ),  # fmt: skip
    Swatch("ring", palette.WARN, "the unit followed in panel 2"),
    Swatch("line", POSITIVE, "link with a positive weight (brighter: larger)"),
    Swatch("line", NEGATIVE, "link with a negative weight"),
    Swatch("line", DEAD_LINK, "link of a dropped unit: carries nothing"),
    Swatch("box", BAR, "histogram of the thinned networks' outputs (weighted by chance)"),
    Swatch("line", AVERAGE, "their average (the ensemble)"),
    Swatch("dashed", SCALED, "the weight-scaled network (what evaluation uses)"),
    Swatch("box", palette.GOOD, "equal, or the expectation matches"),
    Swatch("box", palette.ERROR, "does not match"),
)


def help_sheet(scene) -> HelpSheet:
    return HelpSheet("Dropout: thinned networks and their ensemble", KEYS, MOUSE, LEGEND)
