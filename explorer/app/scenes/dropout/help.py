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
from explorer.app.ui.help_sheet import HelpSheet, Swatch, localised

# (keycap, catalogue key): the sentences live in assets/i18n, one catalogue per language
KEYS = (
    ("space", "help.dropout.key_play"),
    ("→", "help.dropout.key_batch"),
    ("r", "help.dropout.key_reset"),
)
MOUSE = (
    ("help.dropout.click_unit", "help.dropout.click_unit_do"),
    ("help.dropout.p_slider", "help.dropout.p_slider_do"),
    ("help.dropout.speed", "help.dropout.speed_do"),
    ("help.dropout.dataset_menu", "help.dropout.dataset_menu_do"),
)
LEGEND = (
    Swatch("dot", KEPT, "help.dropout.kept", (KEPT_RING,)),
    Swatch("dot", DROPPED, "help.dropout.dropped", (DROPPED_RING,)),
    Swatch("ring", palette.WARN, "help.dropout.followed"),
    Swatch("line", POSITIVE, "help.dropout.link_pos"),
    Swatch("line", NEGATIVE, "help.dropout.link_neg"),
    Swatch("line", DEAD_LINK, "help.dropout.link_dead"),
    Swatch("box", BAR, "help.dropout.histogram"),
    Swatch("line", AVERAGE, "help.dropout.average"),
    Swatch("dashed", SCALED, "help.dropout.scaled"),
    Swatch("box", palette.GOOD, "help.dropout.equal"),
    Swatch("box", palette.ERROR, "help.dropout.mismatch"),
)


def help_sheet(scene) -> HelpSheet:
    return localised("help.dropout.title", KEYS, MOUSE, LEGEND)
