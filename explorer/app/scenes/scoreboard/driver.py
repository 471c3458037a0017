"""How a lesson drives the Scoreboard scene: nothing to advance or wait for; it reads the latest
benchmark's numbers (how many optimizers and tasks, each optimizer's profile score)."""

from __future__ import annotations

from typing import Any

from explorer.lessons.player import Driver


class ScoreboardDriver(Driver):
    scene = "scoreboard"
    unit = "steps"

    def values(self, names=None) -> dict[str, Any]:
        return dict(self.model.readouts())

    def busy(self) -> bool:
        return False
