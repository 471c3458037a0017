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
    """f(x, y) elementwise; for a data surface, the mean loss over the whole dataset.

    What a surface returns is checked here, once for everyone: a torch tensor of real numbers,
    shaped like (or broadcastable to) ``x``, that autograd can differentiate when ``x`` or ``y``
    asks for gradients. Anything else is a ``SurfaceError`` with one sentence.
    """
    try:
        if spec.fn is not None:
            out = spec.fn(x, y)
        else:
            # SurfaceSpec checks on creation: no fn means a sample_loss, and data with it.
            assert spec.sample_loss is not None and spec.data is not None
            out = spec.sample_loss(x[..., None], y[..., None], *spec.data).mean(-1)
    except BaseException as exc:  # noqa: BLE001 - a plugin's or an expression's failure
        from explorer.plugins import describe_fault, plugin_fault

        if not plugin_fault(exc):  # a real Ctrl-C or SIGTERM
            raise
        raise SurfaceError(f"surface {spec.name!r} failed: {describe_fault(exc)}") from exc
    return _checked(spec, out, x, y)


def _checked(spec: SurfaceSpec, out: object, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    name = f"surface {spec.name!r}"
    if not isinstance(out, torch.Tensor):
        raise SurfaceError(
            f"{name} returned {type(out).__name__}, not a torch tensor; write f(x, y) with torch "
            "operations on x and y so autograd can take its gradient"
        )
    if out.is_complex():
        raise SurfaceError(
            f"{name} gives complex numbers (e.g. a negative number to a fractional power); a "
            "loss must be real"
        )
    if not out.is_floating_point():
        out = out.to(DTYPE)
    wants_grad = x.requires_grad or y.requires_grad
    if wants_grad and torch.is_grad_enabled() and not out.requires_grad:
        raise SurfaceError(
            f"{name} returned a value autograd cannot differentiate (numpy, a Python number or a "
            "detached tensor); compute it from x and y with torch operations"
        )
    # the usual case first: broadcasting costs more than a fast race's whole step; numpy's rule
    # is torch's, without torch's first-call import of sympy (seconds at start-up)
    shape = x.shape if x.shape == y.shape else torch.Size(np.broadcast_shapes(x.shape, y.shape))
    if out.shape != shape:  # a formula in y alone still gives one value a point
        try:
            out = out.expand(shape)
        except RuntimeError:
            raise SurfaceError(
                f"{name} returned shape {tuple(out.shape)} for inputs of shape {tuple(shape)}; "
                "f(x, y) must work elementwise"
            ) from None
    return out


def grad_xy(
    spec: SurfaceSpec, L: torch.Tensor, x: torch.Tensor, y: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """d(sum L)/dx and d(sum L)/dy; a formula without x (or y) has zero slope that way."""
    try:
        gx, gy = torch.autograd.grad(L.sum(), (x, y), allow_unused=True)
    except RuntimeError as exc:
        raise SurfaceError(f"surface {spec.name!r} has no gradient here: {exc}") from None
    gx = torch.zeros_like(x) if gx is None else gx
    gy = torch.zeros_like(y) if gy is None else gy
    return gx.detach(), gy.detach()


def check_surface(spec: SurfaceSpec, at: tuple[float, float] | None = None) -> None:
    """Raise ``SurfaceError`` (one sentence) unless ``spec`` gives a real, differentiable value
    at ``at`` (default: its first start, or the middle of its domain)."""
    if at is None:
        if spec.starts:
            at = spec.starts[0]
        else:
            (x0, x1), (y0, y1) = spec.domain
            at = ((x0 + x1) / 2, (y0 + y1) / 2)
    if not all(math.isfinite(float(v)) for v in at):
        raise SurfaceError(f"the point {tuple(at)} is not finite")
    x = torch.tensor([float(at[0]), float(at[0])], dtype=DTYPE, requires_grad=True)
    y = torch.tensor([float(at[1]), float(at[1])], dtype=DTYPE, requires_grad=True)
    with torch.enable_grad():
        L = loss(spec, x, y)
        grad_xy(spec, L, x, y)


def batch_loss(
    spec: SurfaceSpec, x: torch.Tensor, y: torch.Tensor, idx: torch.Tensor
) -> torch.Tensor:
    """Mini-batch loss of a data surface: ``x``, ``y`` are (n,), ``idx`` (n, B) sample indices."""
    # Only data surfaces have mini-batches: SurfaceSpec checks on creation that data comes with
    # sample_loss.
    assert spec.sample_loss is not None and spec.data is not None
    cols = [c[idx] for c in spec.data]
    try:
        out = spec.sample_loss(x[:, None], y[:, None], *cols).mean(-1)
    except Exception as exc:  # noqa: BLE001 - a plugin's failure
        raise SurfaceError(f"surface {spec.name!r} failed: {type(exc).__name__}: {exc}") from exc
    return _checked(spec, out, x, y)


def _point(x: float, y: float) -> torch.Tensor:
    return torch.tensor([x, y], dtype=DTYPE)


def value(spec: SurfaceSpec, x: float, y: float) -> float:
    p = _point(x, y)
    return float(loss(spec, p[0], p[1]))


def gradient(spec: SurfaceSpec, x: float, y: float) -> np.ndarray:
    px = torch.tensor(float(x), dtype=DTYPE, requires_grad=True)
    py = torch.tensor(float(y), dtype=DTYPE, requires_grad=True)
    with torch.enable_grad():
        gx, gy = grad_xy(spec, loss(spec, px, py), px, py)
    return torch.stack([gx, gy]).numpy()


def hessian(spec: SurfaceSpec, x: float, y: float) -> np.ndarray:
    try:
        h: torch.Tensor = torch.autograd.functional.hessian(
            lambda p: loss(spec, p[0], p[1]), _point(x, y)
        )
    except SurfaceError:
        raise
    except RuntimeError as exc:
        raise SurfaceError(f"surface {spec.name!r} has no Hessian here: {exc}") from None
    return h.numpy()


@dataclass(frozen=True)
class Grid:
    """Surface values on a regular grid (``z[i, j]`` at ``ys[i]``, ``xs[j]``) and contour levels."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    levels: np.ndarray


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
    values = z.numpy().astype(np.float64)
    return Grid(xs, ys, values, contour_levels(values, n_levels))


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
