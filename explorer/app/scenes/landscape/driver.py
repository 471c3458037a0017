"""How a lesson drives the Landscape: the race paused, stepped one race step at a time by the
lesson (``until`` checked after each), its numbers read per ball."""

from __future__ import annotations

from typing import Any

from explorer.lessons.conditions import Condition
from explorer.lessons.lesson_file import Step
from explorer.lessons.player import Driver, holds


class LandscapeDriver(Driver):
    scene = "landscape"
    unit = "steps"
    recorded = False  # a race step costs microseconds and is deterministic: computed, not replayed

    def apply(self, setup) -> None:
        self.model.apply(setup)
        self.model.pause()  # the lesson, not the clock, moves the race

    def speed(self) -> float | None:
        return self.model.speed  # a shown step races at the scene's own speed

    def values(self, names=None) -> dict[str, Any]:
        return self.model.readouts(names)

    def progress(self) -> int:
        return int(self.model.race.t)

    def finished(self) -> bool:
        return not any(b.status.active for b in self.model.race.balls)

    def show(self, step: Step) -> None:
        if step.inspect is not None:
            (x0, x1), (y0, y1) = self.model.spec.domain
            self.model.inspect(*step.inspect, snap=0.02 * max(x1 - x0, y1 - y0))

    def warm(self, setup) -> None:
        if setup is not None:
            self.model.warm(setup)  # the next step's schedule curve, while the teacher talks

    def advance(self, budget: int | None, until: Condition | None, left: int | None) -> int:
        """One race step at a time (``until`` is checked after each); at most ``budget``."""
        n = 0
        cap = budget if budget is not None else 10**9
        while n < cap and (left is None or n < left):
            if until is not None and n and holds(until, self.values(until.names)):
                break
            if self.finished():
                break
            self.model.step_once()
            n += 1
        return n
