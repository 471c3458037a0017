"""What the network computes, reduced to a picture the UI can draw: class regions over the input
plane for 2-D data, or a few held-out samples with their predictions for anything else (digits);
and what each hidden unit computes (``neuron_maps``), read from the same forward pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from explorer.training.data import Splits
from explorer.training.neuron_maps import (
    HELD_OUT,
    NeuronMaps,
    grid_maps,
    hidden_activations,
    image_maps,
)

GRID = 64  # cells per side of the decision-boundary grid
MAX_POINTS = 300  # training points drawn over it
SAMPLES = 12  # held-out images shown with their predictions


@dataclass(frozen=True)
class FunctionView:
    """``kind`` "grid": ``values`` (GRID, GRID) over ``extent`` (x0, x1, y0, y1), row 0 at y0 —
    the predicted class (classification) or the output (regression) — with ``confidence`` the
    largest softmax probability; ``points`` / ``labels`` some training data to draw over it.
    ``kind`` "samples": ``images`` (k, side, side) inputs, ``labels`` true classes,
    ``predicted`` and ``confidence`` per sample. ``neurons``: what each drawn hidden unit
    computes (None: a net without hidden layers, or inputs that are neither a plane nor square
    images)."""

    kind: str
    n_classes: int
    task: str
    extent: tuple[float, float, float, float] = (0.0, 1.0, 0.0, 1.0)
    values: np.ndarray | None = None
    confidence: np.ndarray | None = None
    points: np.ndarray | None = None
    labels: np.ndarray | None = None
    images: np.ndarray | None = None
    predicted: np.ndarray | None = None
    neurons: NeuronMaps | None = None


class FunctionProbe:
    """Evaluates a model on a fixed input set chosen once per dataset (a grid or a few samples)."""

    def __init__(self, splits: Splits, grid: int = GRID) -> None:
        self.task = splits.task
        self.n_classes = splits.output_dim if self.task == "classification" else 0
        train = splits.train
        self.grid = grid
        g = torch.Generator().manual_seed(0)
        if splits.input_dim == 2:
            self.kind = "grid"
            x = train.x.detach().float().cpu()
            lo, hi = x.min(0).values, x.max(0).values
            pad = 0.12 * (hi - lo).clamp_min(1e-3)
            low: list[float] = (lo - pad).tolist()
            high: list[float] = (hi + pad).tolist()
            self.extent = (low[0], high[0], low[1], high[1])
            xs = torch.linspace(low[0], high[0], grid)
            ys = torch.linspace(low[1], high[1], grid)
            gy, gx = torch.meshgrid(ys, xs, indexing="ij")
            self.inputs = torch.stack([gx.reshape(-1), gy.reshape(-1)], 1).to(train.x.device)
            pick = torch.randperm(len(train), generator=g)[:MAX_POINTS]
            self.points = _readonly(x[pick].numpy())
            self.labels = _readonly(train.y[pick].detach().cpu().reshape(-1).numpy())
        else:
            self.kind = "samples"
            held = splits.val if len(splits.val) else train
            pick = torch.randperm(len(held), generator=g)[:SAMPLES].to(held.x.device)
            self.inputs = held.x[pick]
            side = math.isqrt(splits.input_dim)
            images = self.inputs.detach().float().cpu()
            if side * side == splits.input_dim:
                images = images.reshape(-1, side, side)
            self.images = _readonly(images.numpy())
            self.labels = _readonly(held.y[pick].detach().cpu().reshape(-1).numpy())
            self.side = side
            self.held = held.x[:HELD_OUT]  # searched for each unit's top-activating images

    @torch.no_grad()
    def view(self, model: torch.nn.Module) -> FunctionView:
        was_training = model.training
        model.eval()
        try:
            out, acts = hidden_activations(model, lambda: model(self.inputs))
            out = out.float()
            neurons = grid_maps(acts, self.grid) if acts and self.kind == "grid" else None
            if self.kind == "samples":
                _, held = hidden_activations(model, lambda: model(self.held))
                neurons = image_maps(model, self.held, self.side, held)
        finally:
            model.train(was_training)
        if self.task == "classification":
            prob = torch.softmax(out, 1)
            confidence, values = prob.max(1)
            values, confidence = values.to(torch.int16), confidence
        else:
            values, confidence = out[:, 0], None
        shown = _readonly(values.cpu().numpy())
        sure = None if confidence is None else _readonly(confidence.cpu().numpy())
        if self.kind == "grid":
            shape = (self.grid, self.grid)
            return FunctionView(
                "grid",
                extent=self.extent,
                values=shown.reshape(shape),
                confidence=None if sure is None else sure.reshape(shape),
                points=self.points,
                n_classes=self.n_classes,
                task=self.task,
                labels=self.labels,
                neurons=neurons,
            )
        return FunctionView(
            "samples",
            images=self.images,
            predicted=shown,
            confidence=sure,
            n_classes=self.n_classes,
            task=self.task,
            labels=self.labels,
            neurons=neurons,
        )


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a
