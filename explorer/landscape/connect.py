"""Between two minima: the training loss along the straight line between two trained solutions
of one net (two seeds), and along a quadratic Bezier curve trained to connect them (Garipov et
al. 2018, "Loss Surfaces, Mode Connectivity, and Fast Ensembling of DNNs").

The line θ(t) = (1 − t)·θ_A + t·θ_B usually climbs over a barrier; the curve
φ(t) = (1 − t)²·θ_A + 2t(1 − t)·θ + t²·θ_B keeps its ends and moves its one free point θ (started
at the line's middle) to lower E_t~U(0,1)[L(φ(t))] by Adam on mini-batches, one random t a
step, as the paper trains it. The barrier of a path is the largest rise of its loss above the
straight interpolation of its two ends' losses: max_t L(t) − ((1 − t)·L(0) + t·L(1)).

Every loss is the net's mean training loss over the whole training split, in evaluation mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch.func import functional_call

from explorer.landscape.paths import Refusal

if TYPE_CHECKING:
    from explorer.plugins import Registry
    from explorer.training.config import TrainConfig
    from explorer.training.session import TrainingSession

POINTS = 21  # t = 0, 0.05, …, 1
CURVE_STEPS = 400
CURVE_LR = 0.01
STEPS_BETWEEN_NEWS = 20  # steps between two words of progress (a waiting panel's bar)


class ConnectError(Refusal):
    """One sentence: why these two solutions cannot be connected (``planes.note_<code>`` in
    either language: ``exc.note.word(t)``)."""


@dataclass
class Connection:
    t: np.ndarray  # (POINTS,)
    line: np.ndarray  # the loss along the line
    curve: np.ndarray  # the loss along the trained curve
    seeds: tuple[int, int]
    parameters: int
    distance: float  # ‖θ_B − θ_A‖

    @staticmethod
    def barrier(losses: np.ndarray, t: np.ndarray) -> float:
        return float(np.max(losses - ((1 - t) * losses[0] + t * losses[-1])))

    @property
    def line_barrier(self) -> float:
        return self.barrier(self.line, self.t)

    @property
    def curve_barrier(self) -> float:
        return self.barrier(self.curve, self.t)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seeds": list(self.seeds),
            "parameters": self.parameters,
            "distance": self.distance,
            "t": self.t.tolist(),
            "line_loss": self.line.tolist(),
            "curve_loss": self.curve.tolist(),
            "line_barrier": self.line_barrier,
            "curve_barrier": self.curve_barrier,
        }


def _architecture(session: TrainingSession, side: str) -> dict[str, str]:
    """``{a: "2×32 relu", a_inputs: "2"}``: one net, for the sentence that refuses two."""
    cfg = session.config
    return {
        side: f"{cfg.depth}×{cfg.width} {cfg.activation}",
        f"{side}_inputs": str(session.model.sizes[0]),
    }


def _flat(session: TrainingSession) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in session.model.parameters()]).double().cpu()


class _Loss:
    """The training loss as a function of one flat weight vector."""

    def __init__(self, session: TrainingSession) -> None:
        self.model = session.model.copy().double().cpu().eval()
        self.names = [n for n, _ in self.model.named_parameters()]
        self.shapes = [p.shape for _, p in self.model.named_parameters()]
        self.sizes = [p.numel() for _, p in self.model.named_parameters()]
        self.x = session.splits.train.x.detach().double().cpu()
        y = session.splits.train.y.detach().cpu()
        self.y = y if session.classify else y.double()
        self.loss_fn = session.loss_fn

    def __call__(self, flat: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        parts = torch.split(flat, self.sizes)
        params = {n: t.reshape(s) for n, t, s in zip(self.names, parts, self.shapes, strict=True)}
        x, y = (self.x, self.y) if rows is None else (self.x[rows], self.y[rows])
        out: torch.Tensor = self.loss_fn(functional_call(self.model, params, (x,)), y)
        return out


def bezier(a: torch.Tensor, mid: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    return (1 - t) ** 2 * a + 2 * t * (1 - t) * mid + t**2 * b


def connect(
    config: TrainConfig,
    registry: Registry,
    seeds: tuple[int, int] = (0, 1),
    other: dict[str, Any] | None = None,
    steps: int = CURVE_STEPS,
    points: int = POINTS,
    progress: Callable[[float], None] | None = None,
) -> Connection:
    """Train ``config`` with each seed (the second with ``other``'s settings changed, if any),
    then measure the line and train and measure the curve. ``progress(share)``, when given,
    hears how much of the work is done (0 to 1) every few steps (it may raise to stop)."""
    said = progress or (lambda share: None)
    from explorer.training import TrainingSession

    if seeds[0] == seeds[1] and not other:
        raise ConnectError("same_seed")
    first = TrainingSession(config.replace(seed=seeds[0]), registry)
    second = TrainingSession(config.replace(seed=seeds[1], **(other or {})), registry)
    if [p.shape for p in first.model.parameters()] != [
        p.shape for p in second.model.parameters()
    ] or (first.config.activation, first.config.batch_norm) != (
        second.config.activation,
        second.config.batch_norm,
    ):
        raise ConnectError("other_net", **_architecture(first, "a"), **_architecture(second, "b"))
    for k, session in enumerate((first, second)):  # the two solutions: 30 % of the work each
        while not session.done:
            session.step(STEPS_BETWEEN_NEWS)
            said(0.3 * k + 0.3 * session.global_step / max(1, session.total_steps))
    for s in (first, second):
        if s.diverged or s.failed:
            raise ConnectError("untrained", seed=str(s.config.seed), message=s.message)
    a, b = _flat(first), _flat(second)
    loss = _Loss(first)
    t = np.linspace(0.0, 1.0, points)
    with torch.no_grad():
        line = np.array([float(loss((1 - s) * a + s * b)) for s in t])
    mid = train_curve(loss, a, b, steps, seed=seeds[0], done=lambda k: said(0.6 + 0.4 * k / steps))
    with torch.no_grad():
        curve = np.array([float(loss(bezier(a, mid, b, float(s)))) for s in t])
    return Connection(t, line, curve, seeds, a.numel(), float((b - a).norm()))


def train_curve(
    loss: _Loss,
    a: torch.Tensor,
    b: torch.Tensor,
    steps: int,
    seed: int = 0,
    batch: int = 128,
    done: Callable[[int], None] | None = None,
) -> torch.Tensor:
    """The Bezier curve's free point, trained from the line's middle: Adam on L(φ(t)) with one
    uniform t and one mini-batch a step (``done(k)`` every few steps)."""
    gen = torch.Generator().manual_seed(seed + 7)
    mid = ((a + b) / 2).clone().requires_grad_(True)
    opt = torch.optim.Adam([mid], lr=CURVE_LR)
    n = loss.x.shape[0]
    for k in range(steps):
        if done is not None and k % STEPS_BETWEEN_NEWS == 0:
            done(k)
        s = float(torch.rand((), generator=gen))
        rows = torch.randint(0, n, (min(batch, n),), generator=gen)
        opt.zero_grad()
        value = loss(bezier(a, mid, b, s), rows)
        value.backward()
        opt.step()
    return mid.detach()
