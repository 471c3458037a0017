"""Each Network-lab setting's range, stated once.

A setting is a ``Hyper``: its ``low`` … ``high`` is the span the lab's slider or menu offers (a UI
hint: a typed value may go further), its ``allowed`` is the law. The law is what the lab's setup
check (``--set``, setup files, lessons), a value typed into the slider, and the run itself
(``TrainConfig.validate``) apply; so a range changed here reaches the widget and every check.

The lab's upper bounds (depth 64, width 1024, …) keep its pictures readable; a run outside the
app (``dl-explorer train``) has its own command-line limits and the memory budget of
``training/config.py``, so ``TrainConfig.validate`` applies a whole-number setting's lower bound
only, and a probability's whole law.

The table is read when a value is checked, never copied, so a test may swap an entry.
"""

from __future__ import annotations

from collections.abc import Callable

from explorer.specs import Hyper

RANGES: dict[str, Hyper] = {
    "depth": Hyper(3, 0, 12, integer=True, allowed="[0, 64]"),
    "width": Hyper(32, 2, 128, log=True, integer=True, allowed="[1, 1024]"),
    "dropout": Hyper(0.0, 0.0, 0.9, allowed="[0, 1)"),
    "input_dropout": Hyper(0.0, 0.0, 0.8, allowed="[0, 1)"),
    "batch_size": Hyper(64, 8, 256, log=True, integer=True, allowed="[1, 4096]"),
    "epochs": Hyper(20, 5, 300, log=True, integer=True, allowed="[1, 10000]"),
    "patience": Hyper(3, 2, 10, integer=True, allowed="[1, 1000]"),
}


def hint(name: str) -> Hyper:
    """The setting's slider: its span (the hint) and its law."""
    return RANGES[name]


def limits(name: str) -> tuple[float, float]:
    """The lowest and highest value the law allows (what a typed slider value is held to)."""
    low, high, _, _ = RANGES[name].bounds
    return low, high


def lowest(name: str) -> float:
    """The law's lower bound (inclusive): what every run of the setting needs (a whole number
    for a whole-number setting, so a message reads "≥ 1", not "≥ 1.0")."""
    low = RANGES[name].bounds[0]
    return int(low) if RANGES[name].integer else low


def law(name: str) -> dict[str, float]:
    """The law as ``setups.knob``'s ``low`` and ``high`` (inclusive) or ``below`` (exclusive)."""
    low, high, _, high_included = RANGES[name].bounds
    return {"low": low, "high": high} if high_included else {"low": low, "below": high}


def within(name: str) -> Callable[[], dict[str, float]]:
    """For ``setups.knob(within=...)``: the setting's law, read from the table at each check."""
    return lambda: law(name)


def in_law(name: str, value: float) -> bool:
    low, high, low_included, high_included = RANGES[name].bounds
    above = value >= low if low_included else value > low
    below = value <= high if high_included else value < high
    return above and below
