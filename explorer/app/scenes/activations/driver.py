"""How a lesson drives the Activations scene: nothing to advance, the lesson waits for the ReLU and
Maxout nets its setup trains (jobs the model sends itself), then reads their numbers."""

from __future__ import annotations

from typing import Any

from explorer.lessons.player import Driver


class ActivationsDriver(Driver):
    scene = "activations"
    unit = "steps"

    def values(self, names=None) -> dict[str, Any]:
        return self.model.readouts()

    def busy(self) -> bool:
        self.model.update(0.0)  # take in the jobs' answers (never waits)
        return not self.model.results.done

    def wait(self, timeout: float) -> None:
        self.model.wait(timeout)
        self.model.update(0.0)
