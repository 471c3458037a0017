"""The Scoreboard's help sheet: its key, its widgets, and what its colours mean."""

from __future__ import annotations

from explorer.app.ui import palette
from explorer.app.ui.help_sheet import HelpSheet, Swatch, localised

# (keycap, catalogue key): the sentences live in assets/i18n, one catalogue per language
KEYS = (("r", "help.scoreboard.key_reload"),)
MOUSE = (
    ("help.scoreboard.task_menu", "help.scoreboard.task_menu_do"),
    ("help.scoreboard.race", "help.scoreboard.race_do"),
    ("help.scoreboard.train", "help.scoreboard.train_do"),
)
LEGEND = (
    Swatch("line", palette.ball_colour(0), "help.scoreboard.profile"),
    Swatch("box", palette.GOOD, "help.scoreboard.reached"),
    Swatch("box", palette.TEXT, "help.scoreboard.not_reached"),
)
NOTES = ("help.scoreboard.note_profile", "help.scoreboard.note_steps", "help.scoreboard.note_live")


def help_sheet(scene) -> HelpSheet:
    return localised("help.scoreboard.title", KEYS, MOUSE, LEGEND, NOTES)
