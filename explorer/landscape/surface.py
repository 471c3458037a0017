"""Evaluating a ``SurfaceSpec``: values, gradients and Hessians by autograd in float64, grids."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from explorer.specs import SurfaceSpec

DTYPE = torch.float64


class SurfaceError(ValueError):
    """A surface that cannot be evaluated (its function raised, or returned the wrong thing)."""


def loss(spec: SurfaceSpec, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """f(x, y) elementwise; for a data surface, the mean loss over the whole dataset."""
    try:
        if spec.fn is not None:
            out = spec.fn(x, y)
        else:
            out = spec.sample_loss(x[..., None], y[..., None], *spec.data).mean(-1)
    except Exception as exc:  # noqa: BLE001 - a plugin's or an expression's failure
        raise SurfaceError(f"surface {spec.name!r} failed: {type(exc).__name__}: {exc}") from exc
    if not isinstance(out, torch.Tensor):
        out = torch.as_tensor(out, dtype=DTYPE)
    if out.shape != x.shape:  # a constant, or a formula in y alone, still gives one value a point
        out = out.expand(torch.broadcast_shapes(x.shape, y.shape))
    return out


def batch_loss(
    spec: SurfaceSpec, x: torch.Tensor, y: torch.Tensor, idx: torch.Tensor
) -> torch.Tensor:
    """Mini-batch loss of a data surface: ``x``, ``y`` are (n,), ``idx`` (n, B) sample indices."""
    cols = [c[idx] for c in spec.data]
    return spec.sample_loss(x[:, None], y[:, None], *cols).mean(-1)


def _point(x: float, y: float) -> torch.Tensor:
    return torch.tensor([x, y], dtype=DTYPE)


def value(spec: SurfaceSpec, x: float, y: float) -> float:
    p = _point(x, y)
    return float(loss(spec, p[0], p[1]))


def gradient(spec: SurfaceSpec, x: float, y: float) -> np.ndarray:
    p = _point(x, y).requires_grad_()
    (g,) = torch.autograd.grad(loss(spec, p[0], p[1]), p)
    return g.numpy()


def hessian(spec: SurfaceSpec, x: float, y: float) -> np.ndarray:
    h = torch.autograd.functional.hessian(lambda p: loss(spec, p[0], p[1]), _point(x, y))
    return h.numpy()


@dataclass(frozen=True)
class Grid:
    """Surface values on a regular grid (``z[i, j]`` at ``ys[i]``, ``xs[j]``) and contour levels."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    levels: np.ndarray

    @property
    def finite_range(self) -> tuple[float, float]:
        finite = self.z[np.isfinite(self.z)]
        return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)


def evaluate_grid(
    spec: SurfaceSpec,
    nx: int = 200,
    ny: int = 200,
    view: tuple[tuple[float, float], tuple[float, float]] | None = None,
    n_levels: int = 14,
) -> Grid:
    """Vectorized values over ``view`` (default: the surface's domain), with log-spaced levels."""
    (x0, x1), (y0, y1) = view or spec.domain
    xs = np.linspace(x0, x1, nx)
    ys = np.linspace(y0, y1, ny)
    Y, X = torch.meshgrid(
        torch.tensor(ys, dtype=DTYPE), torch.tensor(xs, dtype=DTYPE), indexing="ij"
    )
    with torch.no_grad():
        if spec.has_data:  # keep the (rows, cols, samples) intermediate small
            rows = max(1, 2_000_000 // max(1, nx * spec.n_samples))
            z = torch.cat(
                [loss(spec, X[i : i + rows], Y[i : i + rows]) for i in range(0, ny, rows)]
            )
        else:
            z = loss(spec, X, Y)
    z = z.numpy().astype(np.float64)
    return Grid(xs, ys, z, contour_levels(z, n_levels))


def contour_levels(z: np.ndarray, n: int = 14) -> np.ndarray:
    """Levels spaced evenly in log(f − min): dense near minima, where the interesting detail is."""
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return np.array([])
    lo, hi = float(finite.min()), float(finite.max())
    span = hi - lo
    if span <= 0 or not math.isfinite(span):
        return np.array([lo])
    first = max(span * 1e-4, 1e-12)
    return lo + np.geomspace(first, span, n)
