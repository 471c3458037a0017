"""The inspector: the Hessian at a point of the surface (is it a minimum, a saddle, a maximum,
and which way does the loss still fall?), and the start it suggests from there."""

from __future__ import annotations

import numpy as np

from explorer.landscape import surface as S
from explorer.landscape.critical import CriticalPoint, analyze
from explorer.specs import SurfaceSpec


def snap_to_critical(spec: SurfaceSpec, x: float, y: float, radius: float) -> tuple[float, float]:
    """A critical point (minimum, saddle or maximum: Newton finds them all) within ``radius`` of
    (x, y), or (x, y) itself if Newton's method does not settle there."""
    p = np.array([x, y], dtype=float)
    for _ in range(30):
        g = S.gradient(spec, *p)
        h = S.hessian(spec, *p)
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
            return x, y
        try:
            delta = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            return x, y
        p = p - delta
        if np.hypot(*(p - (x, y))) > radius:
            return x, y
        if np.hypot(*delta) < 1e-12 * max(1.0, radius):
            break
    g = S.gradient(spec, *p)
    if np.all(np.isfinite(g)) and np.hypot(*g) < 1e-6 * max(1.0, np.abs(S.hessian(spec, *p)).max()):
        return float(p[0]), float(p[1])
    return x, y


class Inspector:
    """What the inspector shows: the analysed point, or the one sentence why there is none."""

    def __init__(self) -> None:
        self.inspection: CriticalPoint | None = None
        self.error = ""

    def inspect(self, spec: SurfaceSpec, x: float, y: float, snap: float = 0.0) -> None:
        """The Hessian at (x, y); with ``snap`` > 0, at the critical point Newton's method finds
        within that distance, if any (a click is never exactly on a saddle)."""
        try:
            if snap > 0:
                x, y = snap_to_critical(spec, float(x), float(y), snap)
            self.inspection = analyze(spec, float(x), float(y))
            self.error = ""
        except Exception as exc:  # noqa: BLE001 - SurfaceError, non-finite point
            self.inspection = None
            self.error = str(exc)

    def close(self) -> None:
        self.inspection, self.error = None, ""

    def start_point(self, spec: SurfaceSpec, nudge_fraction: float) -> tuple[float, float] | None:
        """The inspected point, nudged along its escape direction if any (a ball started exactly
        on a saddle would sit there); None when nothing is inspected."""
        cp = self.inspection
        if cp is None:
            return None
        (x0, x1), (y0, y1) = spec.domain
        nudge = nudge_fraction * max(x1 - x0, y1 - y0)
        escape = cp.escape_direction
        dx, dy = (0.0, 0.0) if escape is None else (nudge * escape[0], nudge * escape[1])
        return cp.x + dx, cp.y + dy
