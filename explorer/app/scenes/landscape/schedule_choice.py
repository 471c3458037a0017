"""The learning-rate schedule the balls race on: its name and the values the user set (the
rest are the schedule's defaults), checked before they change, applied to a race through the
race builder's cache of curves (``RaceBuilder.schedule``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from explorer.app.scenes.landscape.race_builder import RaceBuilder
from explorer.landscape.race import Race
from explorer.plugins import Registry


class ScheduleChoice:
    def __init__(
        self, registry: Registry, races: RaceBuilder, notify: Callable[..., None], name: str
    ) -> None:
        self.registry = registry
        self.races = races
        self.notify = notify
        self.name = registry.schedule(name).name
        self.hyper: dict[str, float] = {}  # what the user set; the rest are the defaults

    def choose(self, name: str, hyper: dict[str, float] | None) -> bool:
        """``name`` with ``hyper`` (keys it has not are dropped) from now on; a value it refuses
        is said and nothing changes (False)."""
        spec = self.registry.schedule(name)
        try:
            values = spec.values({k: v for k, v in (hyper or {}).items() if k in spec.hyper})
        except ValueError as exc:
            self.notify(str(exc), "error", 8)
            return False
        self.name = spec.name
        self.hyper = {k: values[k] for k in (hyper or {}) if k in spec.hyper}
        return True

    def values(self) -> dict[str, float]:
        """Every value of the schedule: its defaults, then what the user set."""
        return self.registry.schedule(self.name).defaults() | self.hyper

    def apply(self, race: Race) -> None:
        """``race`` steps on this schedule; one that cannot run there falls back to constant
        (the race builder says why)."""
        if not self.races.schedule(race, self.name, self.hyper):
            self.name, self.hyper = "constant", {}

    def preview(self) -> np.ndarray | None:
        """lr / lr₀ over the run (None for constant)."""
        return self.races.preview(self.name, self.values())
