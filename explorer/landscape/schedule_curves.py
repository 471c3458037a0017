"""Learning-rate curves for the balls, cached so a new race or a slider back on a rate it had
does not step a torch scheduler again.

Every curve is the torch scheduler stepped at the ball's own base rate, never a curve at lr = 1
scaled: torch's schedulers multiply their way along (StepLR's ``lr · γ``, CosineAnnealingLR's
recursive form, LinearLR's ratio of factors), so ``lr · curve(1)`` differs from ``curve(lr)`` in
the last bit at most steps, and one bit in the rate becomes a different path within a few hundred
steps on a surface where the gradient at the minimum is rounding noise. A ``Race`` given a cache
(``Race(curves=...)``: the Landscape) takes its balls' curves from it; one without computes each.
Stepping one costs ~6 µs a step (``explorer.schedules.lr_curve``), ~13 ms for a 2,000-step run.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from explorer.schedules import lr_curve
from explorer.specs import ScheduleSpec

_KEEP = 64  # curves kept (a few balls × the rates a slider visits), least recently used go

_Knobs = tuple[tuple[str, float], ...]
_Key = tuple[str, str, _Knobs, int, float]  # schedule name, its plugin, knobs, steps, base rate


class ScheduleCurves:
    """Learning-rate curves by schedule, knobs, length and base rate, kept across races (a new
    race on the same schedule and rates reuses them)."""

    def __init__(self) -> None:
        self._curves: OrderedDict[_Key, np.ndarray] = OrderedDict()

    def curve(
        self, spec: ScheduleSpec, hyper: dict[str, float], steps: int, lr: float
    ) -> np.ndarray:
        """The learning rate at each of ``steps`` steps for base rate ``lr``, bit for bit the
        rates torch's scheduler gives an optimizer created with ``lr``."""
        key: _Key = (spec.name, spec.plugin, tuple(sorted(hyper.items())), int(steps), float(lr))
        known = self._curves.get(key)
        if known is None:
            known = lr_curve(spec, lr, steps, **hyper)
            known.flags.writeable = False  # shared between balls and races: nobody writes it
            self._curves[key] = known
            if len(self._curves) > _KEEP:
                self._curves.popitem(last=False)
        else:
            self._curves.move_to_end(key)
        return known

    def unit_curve(self, spec: ScheduleSpec, hyper: dict[str, float], steps: int) -> np.ndarray:
        """The curve relative to its base rate (for the schedule preview)."""
        return self.curve(spec, hyper, steps, 1.0)
