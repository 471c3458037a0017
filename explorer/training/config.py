"""What the user chose for one training run: data, network, regularization, optimizer, budget."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from explorer.training.ranges import RANGES, in_law, lowest

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
LOSSES = ("auto", "ce", "mse")
NORMALIZE = ("auto", "off", "standard")
SEED_MAX = 2**63 - 1  # torch's generators take at most 64 bits; the data split adds 1
# What one run may allocate before it starts (a typo such as --width 1000000 is refused with
# these figures instead of exhausting memory).
MAX_SAMPLES = 1_000_000
MAX_PARAMETERS = 20_000_000  # weights and biases (x4 bytes, and again for gradients and state)
MAX_ACTIVATIONS = 250_000_000  # values held at once by a forward pass (1 GB of float32)
# Activations for which "auto" picks Kaiming; everything else gets Xavier.
RELU_FAMILY = frozenset({"relu", "leaky_relu", "prelu", "elu", "gelu", "silu", "maxout"})


@dataclass(frozen=True)
class TrainConfig:
    """Every knob of a run. Names refer to registered plugins (datasets, activations, optimizers,
    schedules); ``optimizer_hyper`` / ``schedule_hyper`` override the plugin's defaults."""

    dataset: str = "digits"
    data: str | None = None  # a CSV file of your own points: replaces the dataset
    data_sha256: str | None = None  # the CSV's checksum when a setup was saved with it
    n: int | None = None  # samples; None: the dataset's default
    noise: float | None = None  # None: the dataset's default
    val_fraction: float = 0.2
    test_fraction: float = 0.2
    depth: int = 3  # hidden layers
    width: int = 32  # units per hidden layer
    activation: str = "relu"  # one name, or one per hidden layer: "relu,sigmoid,relu"
    residual: bool = False  # skip connections around every hidden layer (x + F(x))
    pieces: int | None = None  # Maxout's k; None: the activation's own
    init: str = "auto"
    init_scale: float | None = None  # std for normal / small, the value for constant
    batch_norm: bool = False
    dropout: float = 0.0  # probability of dropping each hidden unit while training
    input_dropout: float = 0.0  # probability of dropping each input feature while training
    l1: float = 0.0  # adds l1 · Σ|w| to the loss (weights, not biases)
    l2: float = 0.0  # adds l2 / 2 · Σw² (its gradient is l2 · w: weight decay)
    optimizer: str = "sgd"
    optimizer_hyper: Mapping[str, float] = field(default_factory=dict)
    schedule: str = "constant"
    schedule_hyper: Mapping[str, float] = field(default_factory=dict)
    batch_size: int = 64
    epochs: int = 20
    steps: int | None = None  # a budget of updates; when set it replaces epochs
    loss: str = "auto"  # auto (ce to classify, mse to regress), ce or mse
    # auto: the dataset's own convention (digits: standardized over all its images; toys and
    # CSVs: as drawn); off: the features as loaded (digits: raw pixels 0-16); standard: each
    # feature to mean 0, std 1 with the training split's statistics
    normalize: str = "auto"
    folds: int = 1  # K > 1: K-fold cross-validation, this run validates on fold ``fold``
    fold: int = 0
    test_shift: float = 0.0  # added to every test input after the split: a train/test mismatch
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

    def layer_activations(self) -> tuple[str, ...]:
        """The activation of each hidden layer (``activation`` split at its commas; one name
        stands for every layer)."""
        names = tuple(name.strip() for name in self.activation.split(","))
        return names * self.depth if len(names) == 1 else names

    def validate(self) -> None:
        """Raise ValueError with one sentence for the first knob out of range."""
        _int_at_least("depth", self.depth, lowest("depth"))
        if not isinstance(self.activation, str) or not all(self.activation.split(",")):
            raise ValueError(
                f"activation must be a name, or one name per hidden layer separated by commas, "
                f"got {self.activation!r}"
            )
        names = self.activation.split(",")
        if len(names) > 1 and len(names) != self.depth:
            raise ValueError(
                f"activation names {len(names)} layers ({self.activation}) but the net has "
                f"{self.depth} hidden layer(s); give one name for all or one per layer"
            )
        _int_at_least("width", self.width, lowest("width"))
        _int_at_least("batch_size", self.batch_size, lowest("batch_size"))
        _int_at_least("epochs", self.epochs, lowest("epochs"))
        if self.steps is not None:
            _int_at_least("steps", self.steps, 1)
        _int_at_least("folds", self.folds, 1)
        _int_at_least("fold", self.fold, 0)
        if self.fold >= self.folds:
            hint = "; K-fold cross-validation needs folds of 2 or more" if self.folds == 1 else ""
            raise ValueError(f"fold {self.fold} does not exist with {self.folds} fold(s){hint}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be a whole number, got {self.seed!r}")
        if not 0 <= self.seed <= SEED_MAX:
            raise ValueError(f"seed must be a whole number from 0 to 2^63 - 1, got {self.seed}")
        if self.data is not None and self.n is not None:
            raise ValueError(
                f"n does not apply to a CSV file ({self.data}): its rows are the samples"
            )
        if self.n is not None and self.n > MAX_SAMPLES:
            raise ValueError(
                f"n = {self.n} samples is over the budget of {MAX_SAMPLES:,} for one run"
            )
        if self.loss not in LOSSES:
            raise ValueError(f"loss {self.loss!r} is unknown; use one of {', '.join(LOSSES)}")
        if self.normalize not in NORMALIZE:
            raise ValueError(
                f"normalize {self.normalize!r} is unknown; use one of {', '.join(NORMALIZE)}"
            )
        if self.n is not None:
            _int_at_least("n", self.n, 4)
        if self.pieces is not None:
            _int_at_least("pieces", self.pieces, 1)
        if self.patience is not None:
            _int_at_least("patience", self.patience, lowest("patience"))
        if self.init not in INITS:
            raise ValueError(f"init {self.init!r} is unknown; use one of {', '.join(INITS)}")
        for name in ("dropout", "input_dropout"):
            value = getattr(self, name)
            if not in_law(name, value):
                raise ValueError(f"{name} is a probability in {RANGES[name].law}, got {value}")
        for name in ("l1", "l2"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a number ≥ 0, got {value}")
        if self.noise is not None and not (math.isfinite(self.noise) and self.noise >= 0):
            raise ValueError(f"noise must be a number ≥ 0, got {self.noise}")
        if isinstance(self.test_shift, bool) or not (
            isinstance(self.test_shift, int | float) and math.isfinite(self.test_shift)
        ):
            raise ValueError(f"test_shift must be a finite number, got {self.test_shift!r}")
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


def _int_at_least(name: str, value: Any, low: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be a whole number ≥ {low}, got {value!r}")


# Knobs that travel together: a suggested learning rate belongs to the suggested optimizer, a
# suggested epoch count to a budget the user did not set another way.
_TOGETHER = {
    "optimizer_hyper": ("optimizer", "optimizer_hyper"),
    "schedule_hyper": ("schedule", "schedule_hyper"),
    "epochs": ("epochs", "steps"),
    "steps": ("epochs", "steps"),
}


def apply_suggested(
    config: TrainConfig,
    suggested: Mapping[str, Any],
    given: Any = (),
    dataset: str = "",
) -> tuple[TrainConfig, dict[str, Any]]:
    """``config`` with a dataset's suggested settings for every knob not in ``given`` (the names
    the user set); returns the new config and the settings it took. A suggested learning rate
    (``optimizer_hyper``) is taken only with the suggested optimizer, a suggested ``epochs`` only
    when neither ``epochs`` nor ``steps`` was given. The Network lab calls this when a dataset is
    picked, the ``train`` command for the knobs left off its command line."""
    given = set(given)
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    who = f"dataset {dataset!r}: " if dataset else ""
    applied: dict[str, Any] = {}
    for key, value in suggested.items():
        if key not in fields or key in ("dataset", "fold", "folds", "device", "seed"):
            raise ValueError(f"{who}suggested setting {key!r} is not a training knob")
        if given & set(_TOGETHER.get(key, (key,))):
            continue
        applied[key] = dict(value) if isinstance(value, Mapping) else value
    return config.replace(**applied), applied


def describe_suggested(applied: Mapping[str, Any]) -> str:
    """``depth 3, width 32, optimizer adam:lr=0.01, ...`` for a line of output."""
    parts = []
    for key, value in applied.items():
        if key in ("optimizer_hyper", "schedule_hyper"):
            continue
        if key in ("optimizer", "schedule"):
            hyper = applied.get(f"{key}_hyper") or {}
            value = value + (
                ":" + ",".join(f"{k}={v:g}" for k, v in hyper.items()) if hyper else ""
            )
        parts.append(f"{key.replace('_', ' ')} {value}")
    return ", ".join(parts)
