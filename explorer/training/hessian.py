"""The Hessian of a real network's training loss: is the point where training stalls a minimum or
a saddle?

The lecture's test: at a critical point, count the Hessian's eigenvalues; the "minimum ratio" is
the fraction that are positive. A ratio of 1 is a local minimum; below 1 the loss still falls
along the eigenvectors of the negative ones, a saddle. For up to ``EXACT_LIMIT`` parameters the
whole Hessian comes from ``torch.func`` (autograd, float64); beyond, Hessian-vector products drive
Lanczos (``explorer.training.lanczos``): the extreme eigenvalues and the shares of positive,
negative and flat directions outside a band it can resolve, with their error, never counts it
cannot give. A point is called a saddle or a minimum only where |∇L| is below ``GRAD_TOL`` (times
the largest curvature, at least 1); elsewhere the verdict says what the Hessian there shows.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.func import functional_call, grad, jacrev, vjp

from explorer.training import lanczos

if TYPE_CHECKING:
    from explorer.training.session import TrainingSession

EXACT_LIMIT = 4000  # parameters: a 4 000² float64 Hessian is 128 MB
DTYPE = torch.float64
REL_TOL = 1e-6  # |λ| below this × the largest |λ| counts as flat (zero curvature)
GRAD_TOL = 1e-6  # a critical point: |∇L| at most this × max(1, the largest |λ|)

LossFn = Callable[[torch.Tensor], torch.Tensor]


def training_loss(session: TrainingSession, split: str = "train") -> tuple[LossFn, torch.Tensor]:
    """``(f, θ)``: the session's loss over a whole split (with its L1 / L2 terms) as a function
    of one flat parameter vector, and the weights it has now (float64). The net is evaluated as
    a trained net is used: dropout off, batch norm with its running statistics. ``f`` computes
    in the vector's own dtype (Lanczos's Hessian-vector products run in float32, see
    ``lanczos.HVP_DTYPE``); the loss, gradient and exact Hessian are float64."""
    base = session.model.copy().to("cpu").eval()
    data = getattr(session.splits, split)
    names = [name for name, _ in base.named_parameters()]
    shapes = [p.shape for _, p in base.named_parameters()]
    sizes = [p.numel() for _, p in base.named_parameters()]
    weight_ids = {id(linear.weight) for linear in base.linears}
    weights = [n for n, p in base.named_parameters() if id(p) in weight_ids]
    cfg = session.config
    theta = torch.cat([p.detach().reshape(-1) for p in base.parameters()]).to(DTYPE)
    inputs = {}  # per dtype: the net, its buffers, x and y (made here, outside any transform)
    for dtype in (DTYPE, lanczos.HVP_DTYPE):
        model = base.copy().to("cpu", dtype).eval()
        y = data.y.to("cpu") if session.classify else data.y.to("cpu", dtype)
        inputs[dtype] = (model, dict(model.named_buffers()), data.x.to("cpu", dtype), y)

    def f(flat: torch.Tensor) -> torch.Tensor:
        model, buffers, x, y = inputs[flat.dtype]
        params = {
            n: t.reshape(s) for n, t, s in zip(names, torch.split(flat, sizes), shapes, strict=True)
        }
        out = functional_call(model, (params, buffers), (x,))
        loss = session.loss_fn(out, y)
        if cfg.l1:
            loss = loss + cfg.l1 * sum(params[n].abs().sum() for n in weights)
        if cfg.l2:
            loss = loss + 0.5 * cfg.l2 * sum((params[n] ** 2).sum() for n in weights)
        return loss

    return f, theta


def exact_hessian(f: LossFn, theta: torch.Tensor, chunk_size: int | None = 64) -> torch.Tensor:
    """The full Hessian (P × P) by autograd: reverse mode over the gradient, ``chunk_size`` rows
    at a time (bounds memory; None: all at once)."""
    n = theta.numel()
    if n > EXACT_LIMIT:
        raise ValueError(too_large(n))
    h: torch.Tensor = jacrev(grad(f), chunk_size=chunk_size)(theta)
    return (h + h.T) / 2  # symmetric up to rounding; make it exactly so for eigh


def too_large(n: int) -> str:
    gb = n * n * 8 / 1e9
    return (
        f"a net with {n:,} parameters is too large for the exact Hessian (at most "
        f"{EXACT_LIMIT:,}; its {n:,} × {n:,} matrix alone is {gb:.2g} GB); use --method lanczos "
        "or a smaller --width / --depth"
    )


def hvp(f: LossFn, theta: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """v ↦ H v without forming H: the gradient's graph is built once and each product is one
    backward pass through it (reverse over reverse; H is symmetric, so vᵀH = (Hv)ᵀ)."""
    pullback = vjp(grad(f), theta)[1]  # (the gradient at theta, its pullback)

    def product(v: torch.Tensor) -> torch.Tensor:
        hv: torch.Tensor = pullback(v)[0]
        return hv

    return product


def lanczos_extremes(
    f: LossFn, theta: torch.Tensor, k: int = 6, tol: float = 1e-6
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest and ``k`` smallest eigenvalues (ascending), by ARPACK's Lanczos on
    Hessian-vector products."""
    from scipy.sparse.linalg import LinearOperator, eigsh

    n = theta.numel()
    k = max(1, min(k, n - 1))
    product = hvp(f, theta)

    def matvec(v: np.ndarray) -> np.ndarray:
        return product(torch.as_tensor(np.ravel(v), dtype=DTYPE)).numpy()

    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    start = np.random.default_rng(0).standard_normal(n)
    ncv = min(n, max(2 * k + 1, 40))  # a wider Krylov space: far fewer restarts
    top = eigsh(op, k=k, which="LA", tol=tol, ncv=ncv, v0=start, return_eigenvectors=False)
    bottom = eigsh(op, k=k, which="SA", tol=tol, ncv=ncv, v0=start, return_eigenvectors=False)
    return np.sort(bottom), np.sort(top)


@dataclass(frozen=True)
class Spectrum:
    """The Hessian's eigenvalues at a point and what they say.

    ``method`` "exact": ``eigenvalues`` are all of them, ``tol`` the flat band (10⁻⁶ of the
    largest |λ|). "lanczos": ``eigenvalues`` are the extremes found, the shares are estimates
    outside the band ±``tol`` the runs resolve, each within ±``share_error``, and ``density``
    holds the quadrature's (nodes, weights)."""

    n_params: int
    method: str
    eigenvalues: np.ndarray  # ascending
    loss: float
    grad_norm: float
    seconds: float
    tol: float
    positive: float  # fractions of all eigenvalues
    negative: float
    flat: float
    density: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    share_error: float = 0.0  # ± on each share (0: exact counts)
    grad_tol: float = 0.0  # |∇L| at most this: a critical point

    @property
    def critical(self) -> bool:
        """The gradient vanishes here (up to ``grad_tol``): only then is the point a saddle,
        a minimum or a maximum; elsewhere the loss still falls along the gradient."""
        return self.grad_norm <= self.grad_tol

    @property
    def smallest(self) -> float:
        return float(self.eigenvalues[0])

    @property
    def largest(self) -> float:
        return float(self.eigenvalues[-1])

    @property
    def minimum_ratio(self) -> float:
        """The lecture's minimum ratio: positive eigenvalues / all eigenvalues."""
        return self.positive

    @property
    def kind(self) -> str:
        if self.smallest < -self.tol:
            return "saddle" if self.largest > self.tol else "maximum"
        if self.largest > self.tol:
            return "minimum" if self.flat == 0 else "minimum or flat valley"
        return "flat"

    def histogram(self, bins: int = 8) -> list[tuple[float, float, float]]:
        """``(low, high, count)`` rows over the spectrum: log-spaced bins of negative and of
        positive eigenvalues (their sizes span decades) and one bin of flat ones. Counts are
        eigenvalues (estimated from the density for Lanczos)."""
        if self.density is not None:
            values, mass = self.density
            mass = mass * self.n_params
        else:
            values, mass = self.eigenvalues, np.ones_like(self.eigenvalues)
        top = float(np.abs(values).max()) if values.size else 1.0
        top = max(top, self.tol * 10)
        edges = np.geomspace(self.tol, top * (1 + 1e-9), bins + 1)
        rows = []
        neg = values < -self.tol
        pos = values > self.tol
        for lo, hi in zip(edges[::-1][:-1], edges[::-1][1:], strict=True):
            sel = neg & (-values <= lo) & (-values > hi)
            rows.append((-lo, -hi, float(mass[sel].sum())))
        rows.append((-self.tol, self.tol, float(mass[~neg & ~pos].sum())))
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            sel = pos & (values > lo) & (values <= hi)
            rows.append((lo, hi, float(mass[sel].sum())))
        return rows

    def counts(self) -> str:
        """How many directions curve down, up and not at all: exact counts, or (Lanczos) shares
        outside the band it resolves with their error."""
        if self.method == "exact":
            n = self.n_params
            return (
                f"{self.negative * n:.0f} negative, {self.positive * n:.0f} positive and "
                f"{self.flat * n:.0f} flat (|λ| < {self.tol:.2g}) eigenvalues"
            )
        e = self.share_error
        return (
            f"{self.negative:.1%} ± {e:.1%} of directions curving down and {self.positive:.1%} "
            f"± {e:.1%} up by more than {self.tol:.2g}, the rest flat at that resolution "
            "(estimated by Lanczos)"
        )

    def verdict(self) -> str:
        """One sentence: a saddle, minimum or maximum only at a critical point; elsewhere what
        the Hessian there shows."""
        g = f"|∇L| = {self.grad_norm:.2g}"
        if not self.critical:
            # training stalls near critical points, rarely exactly on one
            return (
                f"not a critical point ({g} > tol {self.grad_tol:.2g}), so neither a saddle nor "
                f"a minimum: the Hessian here has {self.counts()}; λ from {self.smallest:.3g} to "
                f"{self.largest:.3g}."
            )
        if self.kind == "saddle":
            what = "a saddle: some directions curve down, where the loss still falls"
        elif self.kind == "maximum":
            what = "a maximum: every curvature is negative"
        elif self.kind == "flat":
            what = "flat: every curvature is about zero, the Hessian cannot tell"
        elif self.kind == "minimum":
            what = "a local minimum: every curvature is positive"
        else:
            what = "a local minimum or a flat valley: no negative curvature, but flat directions"
        return (
            f"minimum ratio {self.minimum_ratio:.3f}: a critical point ({g} ≤ tol "
            f"{self.grad_tol:.2g}) and {what}; {self.counts()}."
        )


def spectrum(
    f: LossFn,
    theta: torch.Tensor,
    method: str = "auto",
    *,
    steps: int = 40,
    probes: int = 4,
    rel_tol: float = REL_TOL,
    chunk_size: int | None = 64,
) -> Spectrum:
    """The Hessian's spectrum at ``theta``: ``method`` "exact", "lanczos" or "auto" (exact up
    to EXACT_LIMIT parameters)."""
    n = theta.numel()
    if method not in ("auto", "exact", "lanczos"):
        raise ValueError(f"method {method!r} is unknown; use auto, exact or lanczos")
    if method == "auto":
        method = "exact" if n <= EXACT_LIMIT else "lanczos"
    if method == "lanczos" and n < 3:
        method = "exact"
    theta = theta.detach().to(DTYPE)
    loss = float(f(theta))
    g = grad(f)(theta)
    grad_norm = float(g.norm())
    if not (math.isfinite(loss) and math.isfinite(grad_norm)):
        raise ValueError("the loss is not finite at these weights; the Hessian means nothing")
    t0 = time.perf_counter()
    if method == "exact":
        vals = torch.linalg.eigvalsh(exact_hessian(f, theta, chunk_size)).numpy()
        seconds = time.perf_counter() - t0
        tol = rel_tol * max(float(np.abs(vals).max()), 1e-300)
        fractions = [(vals > tol).mean(), (vals < -tol).mean()]
        density = None
        error = 0.0
    else:
        runs = lanczos.run(f, theta, steps, probes)
        seconds = time.perf_counter() - t0
        vals = np.array([runs.smallest[0], runs.largest[0]])
        tol = runs.band(max(float(np.abs(vals).max()), 1e-300))
        down, up = runs.below(-tol), runs.below(tol)
        fractions = [1 - up.value, down.value]
        error = max(down.error, up.error)
        density = (np.concatenate(runs.nodes), np.concatenate(runs.weights) / probes)
    pos, neg = (float(v) for v in fractions)
    return Spectrum(
        n_params=n,
        method=method,
        eigenvalues=np.sort(vals),
        loss=loss,
        grad_norm=grad_norm,
        seconds=seconds,
        tol=tol,
        positive=pos,
        negative=neg,
        flat=max(0.0, 1.0 - pos - neg),
        density=density,
        share_error=error,
        grad_tol=GRAD_TOL * max(1.0, float(np.abs(vals).max())),
    )


def train_until_stall(
    session: TrainingSession, max_epochs: int, patience: int = 10, rel: float = 1e-3
) -> str:
    """Train ``session`` until its training loss has not improved by ``rel`` (relative) for
    ``patience`` epochs, or ``max_epochs`` pass; says which."""
    best, since = math.inf, 0
    while not session.done and session.epoch < max_epochs:
        (record,) = session.run_epochs(1)
        loss = record.train_loss
        if loss < best * (1 - rel):
            best, since = loss, 0
        else:
            since += 1
        if since >= patience:
            return (
                f"stalled after {session.epoch} epochs (training loss {best:.4g}, no better by "
                f"{rel:.0e} in {patience} epochs)"
            )
    if session.failed or session.diverged:
        return session.message
    return f"ran {session.epoch} epochs (training loss {session.epochs[-1].train_loss:.4g})"
