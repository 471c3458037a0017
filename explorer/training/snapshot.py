"""What a training run publishes: small, immutable, torch-free values a UI can read any time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from explorer.training.function_view import FunctionView

# A unit counts as saturated when its activation's slope f'(z) is below this: less than 5% of the
# gradient arriving at its output gets through to its input (sigmoid beyond |z| ≈ 2.9, tanh beyond
# |z| ≈ 2.2, ReLU for z < 0).
SATURATION_SLOPE = 0.05


@dataclass(frozen=True)
class EpochRecord:
    """One epoch's figures; losses and accuracies are on the whole split, in evaluation mode."""

    epoch: int  # 1-based
    step: int  # optimizer steps taken so far
    train_loss: float
    train_acc: float | None  # None for regression
    val_loss: float | None  # None without a validation split
    val_acc: float | None
    batch_loss: float  # mean of the epoch's mini-batch losses (what the optimizer saw)
    grad_norms: tuple[float, ...]  # mean ‖∂L/∂W‖ per weight layer over the epoch, input side first
    lr: float  # the learning rate of the epoch's last step
    # on the held-out test split (None without one): read, never used to train or to stop, so a
    # lesson can set a validation score beside the test score a mismatch (test_shift) lowers
    test_loss: float | None = None
    test_acc: float | None = None

    @property
    def grad_first(self) -> float:
        return self.grad_norms[0]

    @property
    def grad_last(self) -> float:
        return self.grad_norms[-1]

    @property
    def grad_ratio(self) -> float:
        """First layer's gradient norm over the last (output) layer's: ≪ 1 means vanishing."""
        return self.grad_first / self.grad_last if self.grad_last > 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        return {
            "epoch": self.epoch,
            "step": self.step,
            "train_loss": self.train_loss,
            "train_acc": self.train_acc,
            "val_loss": self.val_loss,
            "val_acc": self.val_acc,
            "batch_loss": self.batch_loss,
            "grad_first": self.grad_first,
            "grad_last": self.grad_last,
            "grad_ratio": self.grad_ratio,
            "grad_norms": list(self.grad_norms),
            "lr": self.lr,
            "test_loss": self.test_loss,
            "test_acc": self.test_acc,
        }


@dataclass(frozen=True)
class LayerProbe:
    """One weight layer at the last training step. Hidden layers carry activation statistics
    and the dropout mask; the output layer (``hidden=False``) carries only weights and gradients.
    """

    index: int  # 0 = the layer after the input
    name: str  # "hidden 1", ..., "output"
    hidden: bool
    units: int  # units after the activation (Maxout: after the max)
    grad_norm: float  # ‖∂L/∂W‖ of this layer's weight matrix at the last step
    act_mean: float | None = None  # of the activations over the mini-batch and units
    act_std: float | None = None
    saturated: float | None = None  # fraction of (sample, unit) pairs with f'(z) < SATURATION_SLOPE
    mask: np.ndarray | None = None  # bool (batch, units), True = kept; None without dropout
    unit_act: np.ndarray | None = None  # (units,) each unit's mean activation over the batch
    weight: np.ndarray | None = None  # (out, in), truncated to the snapshot's max_units
    bias: np.ndarray | None = None
    # ALL of the layer's weights (never truncated): how many, how many with |w| < SPARSE_BELOW
    # (what L1 drives to zero), and a histogram over ±weight_span, the same span for every layer
    # of the snapshot (HISTOGRAM_BINS bins, so the middle one holds zero)
    n_weights: int = 0
    n_small: int = 0
    weight_counts: tuple[int, ...] = ()
    weight_span: float = 0.0

    @property
    def sparsity(self) -> float | None:
        """The share of this layer's weights with |w| < SPARSE_BELOW (None if unknown)."""
        return self.n_small / self.n_weights if self.n_weights else None

    @property
    def dropped_fraction(self) -> float | None:
        return None if self.mask is None else float(1.0 - self.mask.mean())


@dataclass(frozen=True)
class Snapshot:
    """The newest state of a run, as the UI draws it. Arrays are read-only."""

    state: str  # starting, idle, running, paused, done, stopped, error
    run: int = 0  # goes up on every reset: a new run, redraw from scratch
    step: int = 0
    epoch: int = 0  # completed epochs
    steps_per_epoch: int = 0
    total_steps: int = 0
    losses: np.ndarray = field(default_factory=lambda: _readonly(np.zeros(0, np.float32)))
    epochs: tuple[EpochRecord, ...] = ()
    layers: tuple[LayerProbe, ...] = ()
    sizes: tuple[int, ...] = ()  # units per layer: input, hidden..., output
    best_epoch: int | None = None  # with early stopping: the epoch whose weights are kept
    stopped_early: int | None = None  # the epoch after which patience ran out
    diverged: bool = False
    message: str = ""  # why it stopped, or the error
    device: str = ""
    init: str = ""  # the init scheme used ("auto" resolved)
    task: str = "classification"
    config: dict[str, Any] = field(default_factory=dict)
    ack: int = 0  # the number of the last control command the trainer applied
    function: FunctionView | None = None  # what the net computes (decision regions, predictions)
    slope_bound: float | None = None  # max |f'(z)| of the hidden activation (sigmoid: 0.25)
    path_points: int = 0  # weights recorded along the way (explorer.training.weight_path)
    path_file: str = ""  # the run file whose plane ``path_xy`` is on ("" before one is saved)
    path_xy: np.ndarray | None = None  # (T, 2): the path on that plane, growing as it trains
    path_note: str = ""  # what the last save of the path did, in one sentence
    path_explained: tuple[float, float] | None = None  # the saved plane's shares of the path
    # the Hessian of the training loss at the weights of step ``hessian["step"]``, asked for with
    # ``Trainer.hessian()`` (see ``explorer.training.worker.hessian_summary``); {"computing": True,
    # ...} while the worker computes it, {"error": sentence, ...} if it could not; None: not asked
    hessian: dict[str, Any] | None = None
    # λ_max of the training loss's Hessian every k steps, asked for with ``Trainer.sharpness(k)``
    # (``explorer.training.sharpness.SharpnessTracker.summary``); None: not tracked
    sharpness: dict[str, Any] | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "stopped", "error")

    @property
    def last(self) -> EpochRecord | None:
        return self.epochs[-1] if self.epochs else None

    @property
    def lr(self) -> float | None:
        return self.epochs[-1].lr if self.epochs else None


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a
