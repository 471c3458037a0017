"""What the user chose for one training run: data, network, regularization, optimizer, budget."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

INITS = ("auto", "xavier", "kaiming", "normal", "small", "constant", "torch")
INIT_HELP = {
    "auto": "kaiming for the ReLU family, xavier for sigmoid / tanh / softplus / linear",
    "xavier": "normal, variance gain² · 2 / (fan_in + fan_out); gain 5/3 for tanh, else 1",
    "kaiming": "normal, variance 2 / fan_in (He et al.); Maxout: its own gain, 1 / fan_in for k=2",
    "normal": "normal with the std given by init_scale (default 1)",
    "small": "normal with std init_scale (default 0.01): too small for deep nets",
    "constant": "every weight = init_scale (default 0.1): units stay identical",
    "torch": "torch's own nn.Linear default: uniform ±1/√fan_in",
}
# Activations for which "auto" picks Kaiming; everything else gets Xavier.
RELU_FAMILY = frozenset({"relu", "leaky_relu", "prelu", "elu", "gelu", "silu", "maxout"})


@dataclass(frozen=True)
class TrainConfig:
    """Every knob of a run. Names refer to registered plugins (datasets, activations, optimizers,
    schedules); ``optimizer_hyper`` / ``schedule_hyper`` override the plugin's defaults."""

    dataset: str = "digits"
    n: int | None = None  # samples; None: the dataset's default
    noise: float | None = None  # None: the dataset's default
    val_fraction: float = 0.2
    test_fraction: float = 0.2
    depth: int = 3  # hidden layers
    width: int = 32  # units per hidden layer
    activation: str = "relu"
    pieces: int | None = None  # Maxout's k; None: the activation's own
    init: str = "auto"
    init_scale: float | None = None  # std for normal / small, the value for constant
    batch_norm: bool = False
    dropout: float = 0.0  # probability of dropping each hidden unit while training
    l1: float = 0.0  # adds l1 · Σ|w| to the loss (weights, not biases)
    l2: float = 0.0  # adds l2 / 2 · Σw² (its gradient is l2 · w: weight decay)
    optimizer: str = "sgd"
    optimizer_hyper: Mapping[str, float] = field(default_factory=dict)
    schedule: str = "constant"
    schedule_hyper: Mapping[str, float] = field(default_factory=dict)
    batch_size: int = 64
    epochs: int = 20
    patience: int | None = None  # early stopping after this many epochs without a better val loss
    seed: int = 0
    device: str = "auto"

    def replace(self, **changes: Any) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["optimizer_hyper"] = dict(self.optimizer_hyper)
        d["schedule_hyper"] = dict(self.schedule_hyper)
        return d

    def validate(self) -> None:
        """Raise ValueError with one sentence for the first knob out of range."""
        _int_at_least("depth", self.depth, 0)
        _int_at_least("width", self.width, 1)
        _int_at_least("batch_size", self.batch_size, 1)
        _int_at_least("epochs", self.epochs, 1)
        if self.n is not None:
            _int_at_least("n", self.n, 4)
        if self.pieces is not None:
            _int_at_least("pieces", self.pieces, 1)
        if self.patience is not None:
            _int_at_least("patience", self.patience, 1)
        if self.init not in INITS:
            raise ValueError(f"init {self.init!r} is unknown; use one of {', '.join(INITS)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout is a probability in [0, 1), got {self.dropout}")
        for name in ("l1", "l2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number ≥ 0, got {value}")
        if self.noise is not None and not (math.isfinite(self.noise) and self.noise >= 0):
            raise ValueError(f"noise must be a number ≥ 0, got {self.noise}")
        if self.init_scale is not None and not math.isfinite(self.init_scale):
            raise ValueError(f"init_scale must be a finite number, got {self.init_scale}")
        for name in ("val_fraction", "test_fraction"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {value}")
        if self.val_fraction + self.test_fraction >= 0.9:
            raise ValueError("val_fraction + test_fraction leave under 10% to train on")
        if self.patience is not None and self.val_fraction == 0:
            raise ValueError(
                "early stopping (patience) needs a validation split (val_fraction > 0)"
            )


def _int_at_least(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be a whole number ≥ {low}, got {value!r}")
