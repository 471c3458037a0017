"""The Network lab's "λ_max" switch, without pygame: every net's worker tracks the top eigenvalue
of its training loss's Hessian every ``sharpness`` steps (``Trainer.sharpness``; None: off) and
publishes the series in its snapshots (``explorer.training.sharpness``). The workers keep the
setting through a reset; a new worker (side by side, a worker replaced) is told after a restart.
A mixin of ``NetworkModel``, whose restarts call ``_send_sharpness``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from explorer.training.sharpness import MAX_EVERY

if TYPE_CHECKING:
    from explorer.training import Trainer

EVERY = 10  # steps between two measurements when the switch turns tracking on


class SharpnessSwitch:
    """``sharpness``: steps between two λ_max measurements, or None (off)."""

    sharpness: int | None = None
    trainers: list[Trainer]

    def set_sharpness(self, every: int | None) -> None:
        """Track λ_max every ``every`` steps (None or 0: stop) in every net, from the step each
        run is at (its chart starts there; a reset measures from step 0)."""
        if every is not None and not 1 <= every <= MAX_EVERY:
            raise ValueError(f"λ_max is measured every 1 to {MAX_EVERY:,} steps, not {every}")
        self.sharpness = every or None
        self._send_sharpness()

    def toggle_sharpness(self) -> None:
        self.set_sharpness(None if self.sharpness else EVERY)

    def _send_sharpness(self) -> None:
        for trainer in self.trainers:
            trainer.sharpness(self.sharpness or 0)
