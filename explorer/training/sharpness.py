"""Sharpness live: the top eigenvalue λ_max of the training loss's Hessian, every k steps, against
the learning rate's stability threshold.

Gradient descent with rate η on a quadratic diverges along any direction whose curvature exceeds
2/η. Cohen et al. (2021, "Gradient Descent on Neural Networks Typically Occurs at the Edge of
Stability") found that on real nets λ_max rises until it reaches 2/η and then hovers there. The
threshold depends on the update rule:

- plain gradient descent (``sgd``): 2/η;
- heavy-ball momentum (``momentum``: v ← βv + g, θ ← θ − ηv): (2 + 2β)/η;
- Adam / AdamW (Cohen et al. 2022, "Adaptive Gradient Methods at the Edge of Stability"): the
  update is θ ← θ − η P⁻¹m with the preconditioner P = (1 − β₁ᵗ)·diag(√v̂ + ε); the quantity that
  meets the threshold is the *preconditioned* sharpness λ_max(P⁻¹H), and the threshold is
  (2 + 2β₁)/((1 − β₁)η), i.e. 38/η for β₁ = 0.9.

Any other rule has no threshold here (None): its λ_max is still measured and drawn.

λ_max comes from Lanczos (``top_eigen``) on Hessian-vector products on a fixed batch of the
training split (``BATCH`` samples, drawn once with the run's seed), the net in evaluation mode
(no dropout; batch norm with its running statistics), through a graph of the double backward
traced once per net shape (``sharpness_graph``: on these small nets a product is mostly the
~250 operations' dispatch, not their arithmetic). Each measurement starts from the last one's
eigenvector and stops once its error bound is within ``TOL`` of λ_max, so while λ_max moves
slowly a handful of products suffice; one that runs out of products (``MAX_ITER``) keeps the
bound it reached as its error bar, and says so. For P⁻¹H the products are with the symmetric
P^(-1/2) H P^(-1/2), which has the same eigenvalues.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from explorer.training.sharpness_graph import GraphProducts, Head

if TYPE_CHECKING:
    from explorer.training.session import TrainingSession

BATCH = 128  # samples of the fixed batch the Hessian is taken on
TOL = 1e-5  # λ_max's relative error bound a measurement runs to (the lab's figures: 1e-4)
RESIDUAL = 1e-2  # ... with a relative residual ‖Hv − λv‖/|λ| at most this
MAX_ITER = 30  # products per measurement at most (beyond: the bound reached is the error bar)
MAX_EVERY = 1_000_000
ADAM_LIKE = ("adam", "adamw")

Product = Callable[[np.ndarray], np.ndarray]  # a (k, n) block of vectors ↦ H times each one


@dataclass(frozen=True)
class Threshold:
    """What λ_max is compared with: ``value`` (None: no threshold known for this rule), the
    formula in words, and whether the eigenvalue is the preconditioned one."""

    value: float | None
    formula: str
    preconditioned: bool = False


def threshold(optimizer: str, hyper: dict[str, float]) -> Threshold:
    """The stability threshold of ``optimizer`` at its hyperparameters ``hyper`` (lr, beta,
    beta1 as the project's rules name them)."""
    lr = float(hyper.get("lr", 0.0))
    if lr <= 0:
        return Threshold(None, "no learning rate")
    if optimizer == "sgd":
        return Threshold(2 / lr, "2/η")
    if optimizer == "momentum":
        beta = float(hyper.get("beta", 0.9))
        return Threshold((2 + 2 * beta) / lr, f"(2 + 2β)/η with β = {beta:g}")
    if optimizer in ADAM_LIKE:
        b1 = float(hyper.get("beta1", 0.9))
        return Threshold(
            (2 + 2 * b1) / ((1 - b1) * lr),
            f"(2 + 2β₁)/((1 − β₁)η) with β₁ = {b1:g}, on the preconditioned λ_max(P⁻¹H)",
            preconditioned=True,
        )
    return Threshold(None, f"no stability threshold is known for {optimizer}")


@dataclass(frozen=True)
class Eigen:
    """The top eigenpair found: ``value`` (a Ritz value: never above the true λ_max, up to the
    float32 products' rounding), its unit ``vector``, ``error`` (the bound on λ_max − value the
    run reached: min(‖r‖, ‖r‖²/gap) for the residual r = Hv − λv and the gap to the next Ritz
    value) and how many ``products`` it took."""

    value: float
    vector: np.ndarray
    error: float
    products: int


def top_eigen(
    product: Product,
    n: int,
    v0: np.ndarray | None = None,
    tol: float = TOL,
    maxiter: int = MAX_ITER,
    head: Head | None = None,
) -> Eigen:
    """The largest (algebraic) eigenvalue of the symmetric operator ``product`` on Rⁿ, by Lanczos
    with full re-orthogonalization (float64 basis) started from ``v0`` (random when None): a
    tracker's last eigenvector, so while λ_max moves slowly a few products suffice.

    It stops once the eigenvalue's error bound ‖r‖²/gap (Kato–Temple, for the residual
    r = Hv − λv and the gap to the next Ritz value, taken only once ‖r‖ ≤ ``RESIDUAL``·|λ|: an
    early Ritz gap can look wider than the true one) is at most ``tol``·|λ|, in an invariant
    subspace, or after ``maxiter`` products: then its error bar is the bound it reached, ‖r‖
    itself until the residual is small. Each step's cost beyond its product is a few vector
    operations (scipy's LOBPCG spent as long again as the products on its own bookkeeping).
    ``head``: the first steps from ``v0``, taken already (``GraphProducts.head``): they count
    as products spent even where the run stops before their end."""
    start = v0 if v0 is not None and v0.shape == (n,) else None
    q = np.random.default_rng(0).standard_normal(n) if start is None else start
    steps = max(1, min(maxiter, n))
    # the bookkeeping in numpy: a step's few vector operations cost less there than in torch
    basis = np.empty((steps, n))  # rows filled as the run goes
    basis[0] = q / np.linalg.norm(q)
    tri = np.zeros((steps, steps))  # the Lanczos tridiagonal matrix, grown in place
    value, ritz, error, beta, top = 0.0, np.ones(1), math.inf, 0.0, 0.0
    ahead = 0 if head is None or start is None else min(len(head[1]), steps)
    for j in range(steps):
        if j < ahead:
            alpha, beta = float(head[1][j]), float(head[2][j])  # type: ignore[index]
        else:
            w = np.array(product(basis[j][None])[0], dtype=np.float64)
            q_j = basis[: j + 1]
            coef = q_j @ w
            alpha = float(coef[j])
            w -= coef @ q_j  # full re-orthogonalization, twice is enough
            w -= (q_j @ w) @ q_j
            beta = float(np.linalg.norm(w))
        if not (math.isfinite(alpha) and math.isfinite(beta)):
            raise ArithmeticError("a Hessian-vector product is not finite")
        tri[j, j] = alpha
        top = max(top, abs(alpha))
        thetas, vecs = np.linalg.eigh(tri[: j + 1, : j + 1])
        value, ritz = float(thetas[-1]), vecs[:, -1]
        scale = max(abs(value), 1e-300)
        residual = beta * abs(float(ritz[-1]))
        gap = value - float(thetas[-2]) if j else 0.0
        # the gap's bound only once the residual is small: an early Ritz gap can look too wide
        close = gap > 0 and residual <= RESIDUAL * scale
        error = min(residual, residual**2 / gap) if close else residual
        if beta <= 1e-12 * max(scale, top):
            error = 0.0  # an invariant subspace: the Ritz value is an eigenvalue
        if error <= tol * scale and (close or error == 0.0) or j + 1 == steps:
            break
        tri[j, j + 1] = tri[j + 1, j] = beta
        basis[j + 1] = head[0][j + 1] if j < ahead else w / beta  # type: ignore[index]
    steps = len(ritz)
    vec = ritz @ basis[:steps]
    return Eigen(value, vec / np.linalg.norm(vec), error, max(steps, ahead))


class BatchHessian:
    """Hessian-vector products of the session's training loss (with its L1 / L2 terms) on a
    fixed batch, at the net's current weights, through ``sharpness_graph``."""

    def __init__(
        self,
        session: TrainingSession,
        batch: int = BATCH,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        train = session.splits.train
        n = len(train)
        gen = torch.Generator().manual_seed(session.config.seed + 104_729)
        idx = torch.randperm(n, generator=gen)[: min(batch, n)].to(train.x.device)
        self.session = session
        self.dtype = dtype
        self.x = train.x[idx].detach().to("cpu", dtype)
        y = train.y[idx].detach().to("cpu")
        self.y = y if session.classify else y.to(dtype)
        self.batch = int(idx.numel())
        twin = session.model.copy().to("cpu", dtype).eval()  # its weights: the session's, per use
        named = list(twin.named_parameters())
        self._names = [n for n, _ in named]
        self._sizes = [p.numel() for _, p in named]
        ids = {id(linear.weight) for linear in twin.linears}
        penalized = [name for name, p in named if id(p) in ids]
        cfg = session.config
        # what the traced graph depends on: the layers and their activations, and the loss
        key = (repr(twin), tuple(type(m) for m in twin.modules()), session.classify, cfg.loss)
        self.products = GraphProducts(
            twin, self.x, self.y, session.loss_fn, (cfg.l1, cfg.l2, penalized), key
        )

    def at_current(self) -> tuple[Product, list[str], list[int]]:
        """``(block ↦ H·block, parameter names, sizes)`` at the session's weights now (read,
        never written: training is not disturbed)."""
        model, dtype = self.session.model, self.dtype
        params = [p.detach().to("cpu", dtype) for p in model.parameters()]
        buffers = [
            b.detach().to("cpu", dtype) if b.is_floating_point() else b.detach().to("cpu")
            for b in model.buffers()
        ]
        self._now = (params, buffers)
        return self.products.at(params, buffers), self._names, self._sizes

    def head(self, start: np.ndarray, scale: np.ndarray | None) -> Head | None:
        """The first Lanczos steps from ``start`` at the weights ``at_current`` read, in one
        pass (None where the net has no traced graph)."""
        return self.products.head(*self._now, start, scale)


def preconditioner(session: TrainingSession, names: list[str]) -> torch.Tensor | None:
    """Adam's diagonal P = (1 − β₁^(t+1))·(√(v/(1 − β₂^(t+1))) + ε) for the next step, flat in
    the order of ``names`` (None before the first step, or for an optimizer without Adam's
    state). Reads the project's rule state (t, v) or torch.optim.Adam's (step, exp_avg_sq)."""
    opt = session.optimizer
    group = opt.param_groups[0]
    b1 = float(group.get("beta1", group.get("betas", (0.9, 0.999))[0]))
    b2 = float(group.get("beta2", group.get("betas", (0.9, 0.999))[1]))
    eps = float(group.get("eps", 1e-8))
    params = dict(session.model.named_parameters())
    parts = []
    for name in names:
        state = opt.state.get(params[name], {})
        v = state.get("v", state.get("exp_avg_sq"))
        t = state.get("t", state.get("step"))
        if v is None or t is None:
            return None
        t = float(t) + 1
        denom = (v.detach().double().cpu() / (1 - b2**t)).sqrt() + eps
        parts.append(((1 - b1**t) * denom).reshape(-1))
    return torch.cat(parts)


def layer_of(name: str) -> str:
    """``hidden.0.linear.weight`` → ``hidden layer 1``; ``out.bias`` → ``output layer``."""
    bits = name.split(".")
    if bits[0] == "hidden" and len(bits) > 1 and bits[1].isdigit():
        return f"hidden layer {int(bits[1]) + 1}"
    if bits[0] == "out":
        return "output layer"
    return ".".join(bits[:-1]) or name


def layer_shares(vector: np.ndarray, names: list[str], sizes: list[int]) -> dict[str, float]:
    """The share of a unit vector's squared length in each layer."""
    out: dict[str, float] = {}
    total = float((vector**2).sum()) or 1.0
    for part, name in zip(np.split(vector, np.cumsum(sizes)[:-1]), names, strict=True):
        out[layer_of(name)] = out.get(layer_of(name), 0.0) + float((part**2).sum()) / total
    return out


@dataclass
class SharpnessPoint:
    step: int
    value: float  # λ_max (preconditioned for Adam)
    layer: str  # where the top eigenvector lies most
    share: float  # its share of the eigenvector there
    error: float = 0.0  # the bound on λ_max − value (≥ 0: a Ritz value is never above λ_max)
    products: int = 0  # Hessian-vector products it took

    @property
    def converged(self) -> bool:
        """Within ``TOL`` of λ_max (else its error bar says how far it may be)."""
        return self.error <= TOL * abs(self.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "step": self.step,
            "lambda_max": self.value,
            "error": self.error,
            "products": self.products,
            "layer": self.layer,
            "share": self.share,
        }


@dataclass
class SharpnessTracker:
    """λ_max every ``every`` steps of ``session``: call ``observe()`` after each step."""

    session: TrainingSession
    every: int = 10
    tol: float = TOL
    points: list[SharpnessPoint] = field(default_factory=list)
    failed: str = ""
    batch: int = BATCH  # samples of the fixed batch (at most the training split)
    failed_step: int | None = None  # the step whose measurement failed

    def __post_init__(self) -> None:
        if not 1 <= self.every <= MAX_EVERY:
            raise ValueError(
                f"the sharpness interval must be 1 to {MAX_EVERY:,} steps, got {self.every}"
            )
        cfg = self.session.config
        hyper = {
            k: float(v) for k, v in self.session.optimizer.param_groups[0].items() if _number(v)
        }
        self.threshold = threshold(cfg.optimizer, hyper)
        self._hessian = BatchHessian(self.session, self.batch)
        self._v: np.ndarray | None = None  # the last measurement's eigenvector
        self.seconds = 0.0

    def observe(self) -> SharpnessPoint | None:
        """Measure when the session's step falls on the interval (step 0 included)."""
        step = self.session.global_step
        if self.failed or step % self.every or (self.points and self.points[-1].step == step):
            return None
        import time

        t0 = time.perf_counter()
        try:
            point = self.measure()
        except (ArithmeticError, RuntimeError, ValueError) as exc:  # non-finite weights, ARPACK
            self.failed = f"λ_max could not be measured at step {step} ({type(exc).__name__})"
            self.failed_step = step
            return None
        finally:
            self.seconds += time.perf_counter() - t0
        self.points.append(point)
        return point

    def measure(self) -> SharpnessPoint:
        product, names, sizes = self._hessian.at_current()
        n = sum(sizes)
        scale = None
        if self.threshold.preconditioned:
            p = preconditioner(self.session, names)
            scale = None if p is None else p.rsqrt().numpy()
        if scale is not None:
            s, inner = scale, product

            def product(block: np.ndarray) -> np.ndarray:
                return s * inner(s * block)

        start = self._v
        if start is None or start.shape != (n,):
            start = np.random.default_rng(0).standard_normal(n)  # as top_eigen would draw it
        start = start / np.linalg.norm(start)
        head = self._hessian.head(start, scale)
        found = top_eigen(product, n, start, self.tol, MAX_ITER, head)
        self._v = found.vector
        direction = found.vector if scale is None else found.vector * scale
        shares = layer_shares(direction, names, sizes)
        layer = max(shares, key=lambda k: shares[k])
        step = self.session.global_step
        return SharpnessPoint(step, found.value, layer, shares[layer], found.error, found.products)

    def crossed(self) -> SharpnessPoint | None:
        """The measurement where λ_max last rose to the threshold and stayed at or above it to the
        last measurement (None: below it at the end, or no threshold)."""
        limit = self.threshold.value
        if limit is None or not self.points or self.points[-1].value < limit:
            return None
        i = len(self.points) - 1
        while i > 0 and self.points[i - 1].value >= limit:
            i -= 1
        return self.points[i]

    def note(self) -> str:
        """One sentence for the run's end: where λ_max stood against the threshold, and when the
        run diverged, when it crossed and along which layer the step blew up."""
        if not self.points:
            return self.failed or "λ_max was not measured"
        t = self.threshold
        last = self.points[-1]
        what = "preconditioned λ_max" if t.preconditioned else "λ_max"
        if t.value is None:
            return f"{what} {shown(last.value, last.error, self.tol)} at step {last.step} ({t.formula})"
        cross = self.crossed()
        if self.session.diverged:
            if cross is None:
                return (
                    f"the run diverged with the last measured {what} below {t.formula} = "
                    f"{t.value:.4g} ({shown(last.value, last.error, self.tol)} at step "
                    f"{last.step}); it blew up between "
                    "two measurements"
                )
            return (
                f"{what} crossed {t.formula} = {t.value:.4g} at step {cross.step} "
                f"({cross.value:.4g}) and stayed above it; the step then blew up along the top "
                f"curvature direction, {last.share:.0%} of which lies in the {last.layer} "
                f"(measured at step {last.step})"
            )
        peak = max(self.points, key=lambda p: p.value)
        return (
            f"{what} {shown(last.value, last.error, self.tol)} at step {last.step} against "
            f"{t.formula} = {t.value:.4g} "
            f"(highest {peak.value:.4g} at step {peak.step})"
        )

    def summary(self) -> dict[str, Any]:
        """What a worker publishes in its snapshot (small, torch-free; a UI words it in its own
        language): ``every``, ``batch``, ``optimizer``, ``threshold`` (None: none known),
        ``preconditioned``, ``series`` as (step, λ_max, layer, share) rows, ``crossed`` (the
        step λ_max rose to the threshold and stayed at or above it, else None), ``diverged``,
        ``failed_step`` (a measurement that failed, else None), ``errors`` (each row's bound on
        λ_max − value: its error bar where it is not within ``TOL``). ``layer`` is
        ``sharpness.layer_of``'s words ("hidden layer 2", "output layer")."""
        cross = self.crossed()
        return {
            "every": self.every,
            "batch": self._hessian.batch,
            "optimizer": self.session.config.optimizer,
            "threshold": self.threshold.value,
            "preconditioned": self.threshold.preconditioned,
            "series": tuple((p.step, p.value, p.layer, p.share) for p in self.points),
            "crossed": None if cross is None else cross.step,
            "diverged": bool(self.session.diverged),
            "failed_step": self.failed_step,
            "errors": tuple(p.error for p in self.points),
            "tol": self.tol,
        }

    def to_dict(self) -> dict[str, Any]:
        """What ``train --sharpness K`` writes into its JSON."""
        t = self.threshold
        return {
            "every": self.every,
            "batch": self._hessian.batch,
            "preconditioned": t.preconditioned,
            "threshold": t.value,
            "threshold_formula": t.formula,
            "series": [p.to_dict() for p in self.points],
            "note": self.note(),
            "seconds": self.seconds,
        }


def shown(value: float, error: float, tol: float = TOL) -> str:
    """λ_max as a figure: ``12.34`` within ``tol`` (relative) of the truth; else the range the
    truth lies in, ``12.34–12.9`` (a Ritz value is a lower bound, its error bound above it)."""
    if not math.isfinite(error) or error > tol * abs(value):
        return f"{value:.4g}–{value + error:.4g}"
    return f"{value:.4g}"


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
