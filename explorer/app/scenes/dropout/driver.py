"""How a lesson drives the Dropout scene: paused, one mini-batch of the live net at a time (a new
thinned network each), waiting for its answer and the ensemble's (jobs the model sends itself)."""

from __future__ import annotations

from typing import Any

from explorer.lessons.conditions import Condition
from explorer.lessons.player import Driver
from explorer.training.dropout_average import ThinnedAverage
from explorer.training.dropout_numbers import EnsembleNet, LiveView, Scaling


class DropoutDriver(Driver):
    scene = "dropout"
    unit = "mini-batches"
    recorded = True  # a prepared run replays its pictures (``lesson prepare``)
    state_types = (LiveView, Scaling, EnsembleNet, ThinnedAverage)

    def state(self) -> Any:
        return self.model.recorded_state()

    def show_state(self, state: Any) -> None:
        self.model.show_recorded(state)

    def apply_recorded(self, setup: Any, state: Any) -> None:
        self.model.show_recorded(state, setup)  # the setup in place, nothing computed for it

    def shows_state(self) -> bool:
        return self.model.recorded is not None

    def apply(self, setup) -> None:
        self.model.apply(setup)
        self.model.pause()  # the lesson, not the clock, moves it

    def values(self, names=None) -> dict[str, Any]:
        return self.model.readouts()

    def progress(self) -> int:
        return int(self.model.batches)

    def finished(self) -> bool:
        return bool(self.model.done)

    def busy(self) -> bool:
        m = self.model
        m.update(0.0)  # take in the jobs' answers (never waits)
        return not (m.ensemble_ready and m.live_ready)

    def advance(self, budget: int | None, until: Condition | None, left: int | None) -> int:
        if self.finished():
            return 0
        self.model.next_batch()
        return 1

    def wait(self, timeout: float) -> None:
        self.model.wait(timeout)
        self.model.update(0.0)
