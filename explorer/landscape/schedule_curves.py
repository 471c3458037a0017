"""Learning-rate curves for the balls, fast enough for a slider.

``explorer.schedules.lr_curve`` steps the real torch scheduler once per step (about 50 µs each),
so a 2000-step curve costs ~0.1 s, per ball, on every lr change. Every torch scheduler scales with
the base rate, so one curve at lr = 1 serves every ball and every lr; a schedule plugin that does
not scale (checked once, against a second curve) gets exact curves. A ``Race`` given a cache
(``Race(curves=...)``: the Landscape, whose sliders change lr while it runs) takes its balls'
curves from it; one without computes each exactly.
"""

from __future__ import annotations

import numpy as np

from explorer.schedules import lr_curve
from explorer.specs import ScheduleSpec

_PROBE_LR = 1e-3

_Knobs = tuple[tuple[str, float], ...]
_Key = tuple[str, str, _Knobs, int]  # schedule name, its plugin, its knobs, steps


class ScheduleCurves:
    """Learning-rate curves by schedule, knobs and length, kept across races (a new race on the
    same schedule reuses them)."""

    def __init__(self) -> None:
        self._unit: dict[_Key, np.ndarray | None] = {}  # None: does not scale with lr
        self._exact: dict[tuple[str, str, _Knobs, int, float], np.ndarray] = {}

    def curve(
        self, spec: ScheduleSpec, hyper: dict[str, float], steps: int, lr: float
    ) -> np.ndarray:
        """The learning rate at each of ``steps`` steps for base rate ``lr``."""
        key: _Key = (spec.name, spec.plugin, tuple(sorted(hyper.items())), int(steps))
        if key not in self._unit:
            unit = lr_curve(spec, 1.0, steps, **hyper)
            probe = lr_curve(spec, _PROBE_LR, steps, **hyper)
            scales = np.allclose(probe, _PROBE_LR * unit, rtol=1e-6, atol=1e-12)
            self._unit[key] = unit if scales else None
        known = self._unit[key]
        if known is not None:
            return lr * known
        exact_key = (*key, float(lr))
        if exact_key not in self._exact:
            if len(self._exact) > 64:
                self._exact.clear()
            self._exact[exact_key] = lr_curve(spec, lr, steps, **hyper)
        return self._exact[exact_key]

    def unit_curve(self, spec: ScheduleSpec, hyper: dict[str, float], steps: int) -> np.ndarray:
        """The curve relative to its base rate (for the schedule preview)."""
        return self.curve(spec, hyper, steps, 1.0)
