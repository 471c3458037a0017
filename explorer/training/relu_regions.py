"""A trained ReLU net seen as many linear ones: for one input, the units with z ≤ 0 output 0, so
the net computes a "thinner" network's linear map A·x + c (A the product of the active
sub-matrices), the same for every input with the same on/off pattern (a linear region)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import torch

if TYPE_CHECKING:
    from explorer.training.model import Net
    from explorer.training.session import TrainingSession

GRID = 200  # the input map's resolution (decision regions and linear regions)


@dataclass(frozen=True)
class ReluNet:
    """A trained ReLU net's weights (float64), its data and the input plane, computed once."""

    weights: list[np.ndarray]  # per linear layer, (out, in)
    biases: list[np.ndarray]
    sizes: tuple[int, ...]
    x: np.ndarray  # training inputs (n, 2)
    y: np.ndarray  # their classes
    bounds: tuple[float, float, float, float]  # x0, x1, y0, y1 of the input map
    probs: np.ndarray  # (GRID, GRID) P(class 1), row 0 at the top (largest x₂)
    patterns: np.ndarray  # (GRID, GRID) the on/off pattern of every hidden unit, as bits
    accuracy: float | None
    model: Net  # a float64 copy in evaluation mode (for autograd's Jacobian)
    seed: int = 0

    def to_world(self, u: float, v: float) -> np.ndarray:
        """Map fractions (0..1 across, 0..1 down) → an input point."""
        x0, x1, y0, y1 = self.bounds
        return np.array([x0 + u * (x1 - x0), y1 - v * (y1 - y0)])

    def to_map(self, point: Sequence[float] | np.ndarray) -> tuple[float, float]:
        x0, x1, y0, y1 = self.bounds
        return (float(point[0]) - x0) / (x1 - x0), (y1 - float(point[1])) / (y1 - y0)


@dataclass(frozen=True)
class Thinner:
    """The thinner network at input ``x``."""

    x: np.ndarray
    z: list[np.ndarray]  # pre-activations per hidden layer
    active: list[np.ndarray]  # z > 0 per hidden layer
    A: np.ndarray  # (out, in): W_L·D_L−1·…·D₁·W₁, D the 0/1 diagonal of the active units
    c: np.ndarray  # (out,)
    logits: np.ndarray
    jacobian: np.ndarray  # ∂logits/∂x by torch autograd, for the check
    pattern: int

    @property
    def agrees(self) -> float:
        """max |A − autograd Jacobian|."""
        return float(np.abs(self.A - self.jacobian).max())


def read_net(session: TrainingSession, seed: int = 0) -> ReluNet:
    model = session.model.copy().double().eval()
    weights = [m.weight.detach().cpu().numpy().copy() for m in model.linears]
    biases = [m.bias.detach().cpu().numpy().copy() for m in model.linears]
    x = session.splits.train.x.detach().double().cpu().numpy()
    y = session.splits.train.y.detach().cpu().numpy()
    lo, hi = x.min(0), x.max(0)
    pad = 0.12 * (hi - lo)
    bounds = (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])
    us = (np.arange(GRID) + 0.5) / GRID
    gx = bounds[0] + us * (bounds[1] - bounds[0])
    gy = bounds[3] - us * (bounds[3] - bounds[2])
    points = np.stack(np.meshgrid(gx, gy), -1).reshape(-1, 2)
    logits, pattern = _forward_many(weights, biases, points)
    shifted = logits - logits.max(1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(1, keepdims=True)
    probs = p[:, min(1, p.shape[1] - 1)].reshape(GRID, GRID)
    _, acc = session.evaluate("val")
    sizes = tuple(int(s) for s in session.model.sizes)
    patterns = pattern.reshape(GRID, GRID)
    return ReluNet(weights, biases, sizes, x, y, bounds, probs, patterns, acc, model, seed)


def _forward_many(
    weights: list[np.ndarray], biases: list[np.ndarray], points: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    h = points
    pattern = np.zeros(len(points), np.int64)
    bit = 0
    for w, b in zip(weights[:-1], biases[:-1], strict=True):
        z = h @ w.T + b
        for j in range(z.shape[1]):
            pattern |= (z[:, j] > 0).astype(np.int64) << bit
            bit += 1
        h = np.maximum(z, 0.0)
    return h @ weights[-1].T + biases[-1], pattern


def thinner_at(net: ReluNet, x: npt.ArrayLike) -> Thinner:
    point = np.asarray(x, np.float64).reshape(-1)
    A = np.eye(len(point))
    c = np.zeros(len(point))
    h = point
    zs, actives = [], []
    pattern, bit = 0, 0
    for w, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        z = w @ h + b
        on = z > 0
        zs.append(z)
        actives.append(on)
        for j in range(len(z)):
            pattern |= int(on[j]) << bit
            bit += 1
        d = on.astype(np.float64)
        A = d[:, None] * (w @ A)  # D·W·A: the inactive rows are zero
        c = d * (w @ c + b)
        h = np.maximum(z, 0.0)
    A = net.weights[-1] @ A
    c = net.weights[-1] @ c + net.biases[-1]
    logits = net.weights[-1] @ h + net.biases[-1]
    jacobian = autograd_jacobian(net.model, point)
    return Thinner(point, zs, actives, A, c, logits, jacobian, pattern)


def autograd_jacobian(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    """∂logits/∂x at ``x`` by torch autograd (evaluation mode, float64)."""
    xt = torch.as_tensor(x, dtype=torch.float64)
    with torch.enable_grad():
        jac: torch.Tensor = torch.autograd.functional.jacobian(lambda v: model(v[None])[0], xt)
    return jac.detach().numpy()
