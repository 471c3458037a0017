"""Learning rates that make a good first race on each surface.

The optimizers' own defaults are generic (SGD 0.01, Adam 0.001): on Rosenbrock SGD 0.01 blows up,
on Booth Adam 0.001 barely moves. A class should see a race, not a crash or a standstill, so the
app starts each surface with rates picked by running the races (the sliders still go anywhere).
Surfaces without an entry (plugins, custom formulas) get rates scaled from the surface: a
gradient-following optimizer from the curvature at the start, an adaptive one from the domain's
size (its step is about ``lr`` per axis whatever the gradient).
"""

from __future__ import annotations

import math

import numpy as np

from explorer.landscape import surface as S
from explorer.specs import OptimizerSpec, SurfaceSpec

# sgd, momentum, nesterov share a rate where the story is "same rate, momentum goes further".
TABLE: dict[str, dict[str, float]] = {
    "bowl": {"sgd": 0.01, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.1, "rmsprop": 0.01,
             "adam": 0.02, "adamw": 0.02, "adamax": 0.02},
    # SGD near its stability limit zig-zags across the ravine; momentum glides along it.
    "ravine": {"sgd": 0.45, "momentum": 0.04, "nesterov": 0.04, "adagrad": 0.3, "rmsprop": 0.01,
               "adam": 0.03, "adamw": 0.03, "adamax": 0.03},
    "rosenbrock": {"sgd": 0.001, "momentum": 0.001, "nesterov": 0.001, "adagrad": 0.5,
                   "rmsprop": 0.002, "adam": 0.02, "adamw": 0.02, "adamax": 0.02},
    "beale": {"sgd": 0.005, "momentum": 0.005, "nesterov": 0.005, "adagrad": 0.3,
              "rmsprop": 0.005, "adam": 0.02, "adamw": 0.02, "adamax": 0.02},
    "himmelblau": {"sgd": 0.005, "momentum": 0.005, "nesterov": 0.005, "adagrad": 0.5,
                   "rmsprop": 0.02, "adam": 0.05, "adamw": 0.05, "adamax": 0.05},
    "booth": {"sgd": 0.005, "momentum": 0.005, "nesterov": 0.005, "adagrad": 1.0,
              "rmsprop": 0.05, "adam": 0.1, "adamw": 0.1, "adamax": 0.1},
    "saddle": {"sgd": 0.01, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.05,
               "rmsprop": 0.005, "adam": 0.01, "adamw": 0.01, "adamax": 0.01},
    "monkey_saddle": {"sgd": 0.01, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.05,
                      "rmsprop": 0.005, "adam": 0.01, "adamw": 0.01, "adamax": 0.01},
    "plateau": {"sgd": 0.02, "momentum": 0.02, "nesterov": 0.02, "adagrad": 0.3,
                "rmsprop": 0.01, "adam": 0.02, "adamw": 0.02, "adamax": 0.02},
    "two_valleys": {"sgd": 0.02, "momentum": 0.02, "nesterov": 0.02, "adagrad": 0.3,
                    "rmsprop": 0.01, "adam": 0.05, "adamw": 0.05, "adamax": 0.05},
    "rastrigin": {"sgd": 0.002, "momentum": 0.002, "nesterov": 0.002, "adagrad": 0.3,
                  "rmsprop": 0.05, "adam": 0.3, "adamw": 0.3, "adamax": 0.3},
    "linear_regression": {"sgd": 0.05, "momentum": 0.05, "nesterov": 0.05, "adagrad": 0.3,
                          "rmsprop": 0.01, "adam": 0.03, "adamw": 0.03, "adamax": 0.03},
}  # fmt: skip

# Optimizers whose step is about lr per coordinate, whatever the gradient's size.
ADAPTIVE = {"rmsprop", "adam", "adamw", "adamax"}
ACCUMULATING = {"adagrad"}  # same, but the rate shrinks like 1/√t: start it larger
GRADIENT_FOLLOWING = {"sgd", "momentum", "nesterov"}


def default_lr(surface: SurfaceSpec, optimizer: OptimizerSpec) -> float | None:
    """The starting learning rate for ``optimizer`` on ``surface``, or None to keep the plugin's."""
    h = optimizer.hyper.get("lr")
    if h is None:
        return None
    rate = TABLE.get(surface.name, {}).get(optimizer.name)
    if rate is None:
        rate = _scaled(surface, optimizer.name)
    return None if rate is None else h.clamp(rate)


def _scaled(surface: SurfaceSpec, name: str) -> float | None:
    (x0, x1), (y0, y1) = surface.domain
    span = max(x1 - x0, y1 - y0)
    if name in ADAPTIVE:
        return span / 300
    if name in ACCUMULATING:
        return span / 30
    if name in GRADIENT_FOLLOWING:
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
