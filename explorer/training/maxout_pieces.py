"""What Maxout learned: each first-layer unit's k linear pieces along a line through the data, and
their max (the unit's own, learned, piecewise-linear activation), read from a trained net's weights (no pygame; the Activations scene draws them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from explorer.training.model import Net
    from explorer.training.session import TrainingSession

N_T = 161


@dataclass(frozen=True)
class MaxoutUnit:
    """Unit ``index`` of the first hidden layer along x = mean + t·direction."""

    index: int
    weights: np.ndarray  # (k, 2): piece k is weights[k]·x + biases[k]
    biases: np.ndarray  # (k,)
    direction: np.ndarray  # (2,), unit length
    t: np.ndarray  # (N_T,)
    pieces: np.ndarray  # (k, N_T): each piece along the line
    rug: np.ndarray  # the training inputs' t (their projections on the line)

    @property
    def maximum(self) -> np.ndarray:
        top: np.ndarray = self.pieces.max(0)
        return top

    @property
    def used(self) -> int:
        """How many pieces are the max somewhere on the line."""
        return len(set(self.pieces.argmax(0).tolist()))


@dataclass(frozen=True)
class MaxoutPieces:
    units: list[MaxoutUnit]
    mean: np.ndarray  # (2,): the line goes through the training inputs' mean
    pieces: int
    accuracy: float | None  # on the validation split
    seed: int
    model: Net  # a copy of the trained net, in evaluation mode

    def line_points(self, unit: MaxoutUnit) -> np.ndarray:
        """(N_T, 2) inputs on the unit's line."""
        points: np.ndarray = self.mean[None, :] + unit.t[:, None] * unit.direction[None, :]
        return points


def read_pieces(session: TrainingSession, seed: int = 0) -> MaxoutPieces:
    """The pieces of ``session``'s first Maxout layer, read from its weights (rows
    j·k … j·k + k − 1 are unit j's pieces, as ``Maxout.forward`` groups them)."""
    model = session.model
    layer = model.hidden[0]
    k = int(layer.pieces)
    w = layer.linear.weight.detach().double().cpu().numpy()
    b = layer.linear.bias.detach().double().cpu().numpy()
    x = session.splits.train.x.detach().double().cpu().numpy()
    mean = x.mean(0)
    units = []
    for j in range(layer.width):
        wj, bj = w[j * k : (j + 1) * k], b[j * k : (j + 1) * k]
        d = _direction(wj)
        proj = (x - mean) @ d
        lo, hi = np.percentile(proj, [1, 99])
        pad = 0.15 * (hi - lo) + 1e-6
        t = np.linspace(lo - pad, hi + pad, N_T)
        points = mean[None, :] + t[:, None] * d[None, :]
        pieces = wj @ points.T + bj[:, None]
        units.append(MaxoutUnit(j, wj, bj, d, t, pieces, proj))
    _, acc = session.evaluate("val")
    return MaxoutPieces(units, mean, k, acc, seed, model.copy().eval())


def _direction(weights: np.ndarray) -> np.ndarray:
    """The direction in which the unit's pieces differ most (their slopes spread widest), so the
    kinks show; the sign makes the mean slope along it non-negative."""
    spread = weights - weights.mean(0, keepdims=True)
    _, s, vt = np.linalg.svd(spread)
    d = vt[0] if s[0] > 1e-9 else weights.mean(0)
    norm = float(np.linalg.norm(d))
    d = d / norm if norm > 1e-12 else np.array([1.0, 0.0])
    if float((weights @ d).mean()) < 0:
        d = -d
    return d


def hidden_output(model: Net, points: np.ndarray) -> np.ndarray:
    """The trained net's first hidden layer on ``points`` (what the max must equal)."""
    model.eval()
    with torch.no_grad():
        x = torch.as_tensor(points, dtype=torch.float32)
        out: torch.Tensor = model.hidden[0](x)
        return out.double().numpy()
