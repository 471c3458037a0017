"""What the Network lab's widgets show and read back: the side panel's ranges and choices, and
the words of its menus (menu words that are not names are shown in the UI's language)."""

from __future__ import annotations

from pathlib import Path

from explorer.app.scenes.network.comparison import activation_words
from explorer.app.scenes.network.model import NetworkModel
from explorer.app.ui.i18n import t
from explorer.training import INITS

ROW = 28  # a row of the side panel at UI scale 1
# The sliders' ranges are hints, read from explorer/training/ranges.py when the panel is built;
# a typed value may go as far as the setting's law allows.
BATCHES = ("8", "16", "32", "64", "128", "256")
PENALTIES = ("off", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1")
PATIENCE = ("off", "2", "3", "5", "10")
EPOCHS = ("5", "10", "20", "40", "100", "300")
B_VALUES = {
    "activation": None,  # every activation plugin
    "init": INITS,
    "batch_norm": ("on", "off"),
    "dropout": ("0", "0.2", "0.5", "0.8"),
    "optimizer": None,
    "depth": ("1", "2", "4", "8", "12"),
    "residual": ("on", "off"),
    "fold": ("1", "2", "3", "4", "5"),  # counted from 1 as B's title counts (the setup's from 0)
}


# menu words that are not names (of a plugin, a dataset): shown in the UI's language
WORDS = {"off": "network.word_off", "on": "network.word_on", "max": "network.word_max"}
MENU_WORDS = {
    "activation": {"per_layer": "network.per_layer"},  # one per hidden layer (per_layer.py)
    "loss": {"auto": "network.word_auto", "ce": "network.word_ce", "mse": "network.word_mse"},
    "normalize": {
        "auto": "network.word_auto",
        "off": "network.word_off",
        "standard": "network.word_standard",
    },
}


def dataset_text(config) -> str:
    """What the dataset menu shows: the dataset's name, or ``csv:FILE`` for your own points."""
    return f"csv:{Path(config.data).name}" if config.data else config.dataset


def _with_value(options: list[str], value: str) -> list[str]:
    """``options`` with ``value`` added, in numeric order where the choices are numbers ("off"
    and other words stay first)."""

    def number(text: str) -> float | None:
        try:
            return float(text)
        except ValueError:
            return None

    if number(value) is None:
        return [*options, value]
    words = [o for o in options if number(o) is None]
    numbers = sorted([o for o in options if number(o) is not None] + [value], key=number)
    return words + numbers


def _word(value: str, words: dict[str, str] | None = None) -> str:
    words = WORDS if words is None else words
    return t(words[value]) if value in words else value


def _unword(text: str, words: dict[str, str] | None = None) -> str:
    words = WORDS if words is None else words
    return next((value for value, key in words.items() if t(key) == text), text)


def _speed_text(speed: float | None) -> str:
    return "max" if speed is None else f"{speed:g}/s"


def _penalty(value: float) -> str:
    if not value:
        return "off"
    short = f"{value:.0e}".replace("e-0", "e-")
    return short if float(short) == value else f"{value:g}"  # 3.5e-3 is not shown as 4e-3


def b_value_text(model: NetworkModel) -> str:
    """What the B side really uses for the compared setting, as its menu writes it: a fold
    counted from 1 (as B's title says "fold 2 of 5"; the setup key counts from 0), an
    activation per layer as titles say it ("relu/tanh/sigmoid", not a list cut off)."""
    b = model.variant(model.config)
    return _b_text(model.compare, getattr(b, model.compare))


def _b_text(key: str, value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    if key == "fold":
        return str(value + 1)
    if key == "activation":
        return activation_words(str(value))
    return str(value)


def _b_value(model: NetworkModel, text: str):
    """B's value for the menu's ``text``: what B uses now where the menu shows it (a list of
    layers' activations is shown shortened), a fold from 1 back to the setup's from 0."""
    key = model.compare
    if text == b_value_text(model):
        return getattr(model.variant(model.config), key)
    if key in ("batch_norm", "residual"):
        return text == "on"
    if key == "dropout":
        return float(text)
    if key == "depth":
        return int(text)
    if key == "fold":
        return int(text) - 1
    return text
