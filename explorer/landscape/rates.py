"""A first learning rate for an optimizer on a surface, from what the optimizer declares.

The optimizers' own defaults are generic (SGD 0.01, Adam 0.001): on Rosenbrock SGD 0.01 blows up,
on Booth Adam 0.001 barely moves. A class should see a race, not a crash or a standstill, so each
optimizer may suggest a rate per surface (``suggested_lr``: a table or a function), and says how
its step scales (``lr_scale``) so a surface it does not name still gets a sensible rate: a
gradient-following optimizer from the curvature at the start, an adaptive one from the domain's
size (its step is about ``lr`` per coordinate whatever the gradient). Nothing here knows an
optimizer by name.
"""

from __future__ import annotations

import math

import numpy as np

from explorer.landscape import surface as S
from explorer.specs import OptimizerSpec, SurfaceSpec


def suggested_lr(optimizer: OptimizerSpec, surface: SurfaceSpec) -> float | None:
    """The starting learning rate for ``optimizer`` on ``surface``, or None to keep its default."""
    if "lr" not in optimizer.hyper:
        return None
    rate = None
    table = optimizer.suggested_lr
    try:
        if callable(table):
            rate = table(surface)
        elif table:
            rate = table.get(surface.name)
    except Exception:  # noqa: BLE001 - a plugin's suggestion failing keeps its default
        rate = None
    if rate is None:
        rate = _scaled(surface, optimizer.lr_scale)
    try:
        rate = float(rate) if rate is not None else None
    except (TypeError, ValueError):
        return None
    if rate is None or not math.isfinite(rate) or rate <= 0:
        return None
    return rate


def _scaled(surface: SurfaceSpec, scale: str) -> float | None:
    (x0, x1), (y0, y1) = surface.domain
    span = max(x1 - x0, y1 - y0)
    if scale == "domain":
        return span / 300
    if scale == "domain_shrinking":
        return span / 30
    if scale == "curvature":
        curvature = _largest_curvature(surface)
        if curvature is None:
            return None
        # lr × curvature well below 2 (the stability limit), so the first race converges.
        return min(0.1, 0.2 / curvature)
    return None


def _largest_curvature(surface: SurfaceSpec) -> float | None:
    points = list(surface.starts[:1]) + list(surface.minima)
    if not points:
        (x0, x1), (y0, y1) = surface.domain
        points = [((x0 + x1) / 2, (y0 + y1) / 2)]
    best = 0.0
    for x, y in points:
        try:
            vals = np.linalg.eigvalsh(S.hessian(surface, float(x), float(y)))
        except Exception:  # noqa: BLE001 - a surface that fails here just keeps the plugin's rate
            return None
        if np.all(np.isfinite(vals)):
            best = max(best, float(np.abs(vals).max()))
    return best if best > 0 and math.isfinite(best) else None
