"""Lanczos on Hessian-vector products, for nets too large for the whole Hessian: the extreme
eigenvalues and the shares of positive, negative and flat directions, each with what it can and
cannot tell.

One set of runs answers both. Each of ``probes`` random ±1 vectors starts ``steps`` Lanczos steps
(full re-orthogonalization; the probes go through the net together, one batched product per
step). The tridiagonal matrix of a run gives Ritz values ("nodes") and Gauss quadrature weights:

* **Extremes.** Ritz values are Rayleigh quotients, so the smallest one found is never below the
  Hessian's smallest eigenvalue (up to the float32 products' rounding, ~1e-7 of the largest
  |λ|): a Ritz value under −band proves a direction of negative curvature. Each comes with its residual, an upper bound on its distance to an eigenvalue.
* **Shares.** A probe's quadrature brackets the share of eigenvalues below any threshold between
  two of its nodes (the Chebyshev–Markov–Stieltjes inequalities; Golub & Meurant, *Matrices,
  Moments and Quadrature*, 2010, ch. 6), and the probes' average estimates the share over all
  eigenvalues (stochastic Lanczos quadrature, Ghorbani et al., 2019) with a standard deviation
  of at most √(2·share / (n·probes)) for ±1 probes. Lanczos cannot resolve a band as thin as the
  exact path's (10⁻⁶ of the largest |λ|): its nodes near zero carry the weight of every
  eigenvalue nearby. So the shares here are counted outside a band ±δ that the runs *can*
  resolve (the smallest δ whose brackets are tight), and both δ and the error are stated; the
  exact Hessian counted with the same δ falls within it (``dl-explorer bench hessian`` checks).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch.func import grad, vjp

DTYPE = torch.float64  # the Lanczos vectors, their re-orthogonalization and the quadrature
# The products alone run in float32: twice as fast, and their rounding (~1e-7 of the largest
# |λ|) lies far inside the thinnest band the runs resolve (BAND_FLOOR); the loss and gradient
# that decide "critical" stay float64.
HVP_DTYPE = torch.float32
BAND_FLOOR = 1e-5  # the thinnest band tried, as a share of the largest |λ|
BRACKET = 0.02  # the widest quadrature bracket (share of n) a chosen band δ may leave
BAND_STEPS = 4  # candidate bands per decade, from BAND_FLOOR to 10⁻¹ of the largest |λ|

LossFn = Callable[[torch.Tensor], torch.Tensor]


def batched_hvp(f: LossFn, theta: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """V ↦ V H for a (probes, n) float64 block, computed in HVP_DTYPE: the gradient's graph is
    built once, each block is one batched backward pass through it (reverse over reverse; H is
    symmetric)."""
    pullback = vjp(grad(f), theta.detach().to(HVP_DTYPE))[1]
    batched = torch.vmap(pullback)

    def product(block: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = batched(block.to(HVP_DTYPE))[0]
        return out.to(DTYPE)

    return product


@dataclass(frozen=True)
class Runs:
    """The tridiagonal matrices' eigen-decompositions, one row per probe: ``nodes`` (ascending),
    their quadrature ``weights`` (each row sums to 1), ``residuals`` (a bound on each node's
    distance to an eigenvalue) and whether the run ended in an invariant subspace (its
    quadrature is then exact)."""

    n: int
    nodes: list[np.ndarray]
    weights: list[np.ndarray]
    residuals: list[np.ndarray]
    exact: list[bool]

    @property
    def smallest(self) -> tuple[float, float]:
        """The smallest node and its residual (a proven upper bound on the smallest eigenvalue)."""
        i = int(np.argmin([nodes[0] for nodes in self.nodes]))
        return float(self.nodes[i][0]), float(self.residuals[i][0])

    @property
    def largest(self) -> tuple[float, float]:
        """The largest node and its residual (a proven lower bound on the largest eigenvalue)."""
        i = int(np.argmax([nodes[-1] for nodes in self.nodes]))
        return float(self.nodes[i][-1]), float(self.residuals[i][-1])

    def below(self, t: float) -> Share:
        """The share of eigenvalues below ``t``, from the probes' quadrature brackets."""
        mids, halves = [], []
        for nodes, weights, exact in zip(self.nodes, self.weights, self.exact, strict=True):
            cum = np.concatenate([[0.0], np.cumsum(weights)])
            k = int(np.searchsorted(nodes, t))  # nodes[:k] < t <= nodes[k:]
            if exact:
                lo = hi = cum[k]
            else:  # F(t) lies between the mass of the nodes before the one below t and the
                lo, hi = cum[max(k - 1, 0)], cum[min(k + 1, len(nodes))]  # mass up to the next
            mids.append((lo + hi) / 2)
            halves.append((hi - lo) / 2)
        share = float(np.mean(mids))
        spread = 2 * math.sqrt(2 * min(share, 1 - share) / (self.n * len(mids)))
        return Share(share, float(np.mean(halves)), spread)

    def band(self, scale: float) -> float:
        """The thinnest flat band ±δ (from BAND_FLOOR to 10⁻¹ of ``scale``, the largest |λ|)
        whose both edges the runs resolve to a quadrature bracket of at most ``BRACKET``."""
        decades = round(-math.log10(BAND_FLOOR)) - 1
        deltas = [
            scale * BAND_FLOOR * 10 ** (k / BAND_STEPS) for k in range(decades * BAND_STEPS + 1)
        ]
        for delta in deltas:
            if max(self.below(-delta).bracket, self.below(delta).bracket) * 2 <= BRACKET:
                return delta
        return deltas[-1]


@dataclass(frozen=True)
class Share:
    """An estimated share of eigenvalues: ``value``, ``bracket`` (half the quadrature bracket's
    width, averaged over probes) and ``spread`` (two standard deviations of the probes'
    average, from the ±1 probes' variance bound)."""

    value: float
    bracket: float
    spread: float

    @property
    def error(self) -> float:
        return self.bracket + self.spread


def run(f: LossFn, theta: torch.Tensor, steps: int = 60, probes: int = 4, seed: int = 0) -> Runs:
    """``probes`` Lanczos runs of ``steps`` steps each from random ±1 vectors, batched."""
    n = theta.numel()
    steps = max(2, min(steps, n))
    product = batched_hvp(f, theta)
    gen = torch.Generator().manual_seed(seed)
    v = (torch.randint(0, 2, (probes, n), generator=gen).to(DTYPE) * 2 - 1) / math.sqrt(n)
    basis = torch.zeros(probes, steps, n, dtype=DTYPE)
    basis[:, 0] = v
    alphas = torch.zeros(probes, steps, dtype=DTYPE)
    betas = torch.zeros(probes, steps, dtype=DTYPE)
    live = torch.ones(probes, dtype=torch.bool)
    length = torch.full((probes,), steps)
    for j in range(steps):
        w = product(basis[:, j])
        alphas[:, j] = (w * basis[:, j]).sum(1)
        q = basis[:, : j + 1]
        for _ in range(2):  # full re-orthogonalization against the basis, twice is enough
            w = w - torch.einsum("pjn,pj->pn", q, torch.einsum("pjn,pn->pj", q, w))
        beta = w.norm(dim=1)
        betas[:, j] = beta
        ended = live & (beta < 1e-10 * alphas[:, : j + 1].abs().amax(1).clamp_min(1e-300))
        length[ended] = j + 1
        live &= ~ended
        if j + 1 < steps:
            basis[:, j + 1] = torch.where(live[:, None], w / beta.clamp_min(1e-300)[:, None], 0)
        if not live.any():
            break
    out = Runs(n=n, nodes=[], weights=[], residuals=[], exact=[])
    for p in range(probes):
        m = int(length[p])
        a, b = alphas[p, :m].numpy(), betas[p, : m - 1].numpy()
        vals, vecs = np.linalg.eigh(np.diag(a) + np.diag(b, 1) + np.diag(b, -1))
        out.nodes.append(vals)
        out.weights.append(vecs[0] ** 2)
        out.residuals.append(np.abs(vecs[-1]) * float(betas[p, m - 1]))
        out.exact.append(bool(not live[p]))
    return out
