"""Small dataclasses that plugins hand to ``register``: what a thing is, its knobs and its maths."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Hyper:
    """A hyperparameter: its default and the range a slider offers (log-scaled for rates)."""

    default: float
    low: float
    high: float
    log: bool = False
    integer: bool = False
    help: str = ""

    def __post_init__(self) -> None:
        if not self.low <= self.default <= self.high:
            raise ValueError(f"default {self.default} is outside [{self.low}, {self.high}]")
        if self.log and self.low <= 0:
            raise ValueError("a log-scaled range needs a positive lower bound")

    def clamp(self, value: float) -> float:
        value = min(max(float(value), self.low), self.high)
        return float(round(value)) if self.integer else value

    def to_unit(self, value: float) -> float:
        """Slider position in [0, 1] for ``value``."""
        value = self.clamp(value)
        if self.high == self.low:
            return 0.0
        if self.log:
            return math.log(value / self.low) / math.log(self.high / self.low)
        return (value - self.low) / (self.high - self.low)

    def from_unit(self, u: float) -> float:
        """The value at slider position ``u`` in [0, 1]."""
        u = min(max(float(u), 0.0), 1.0)
        if self.log:
            return self.clamp(self.low * (self.high / self.low) ** u)
        return self.clamp(self.low + u * (self.high - self.low))


Hypers = dict[str, Hyper]


@dataclass(frozen=True)
class OptimizerSpec:
    """A registered optimizer: an UpdateRule subclass or any ``torch.optim.Optimizer`` class."""

    name: str
    hyper: Hypers
    doc: str
    rule: type | None = None  # the UpdateRule subclass, when it is one
    optimizer_class: type | None = None  # the torch.optim.Optimizer class, when it is one
    plugin: str = "?"

    def defaults(self) -> dict[str, float]:
        return {k: h.default for k, h in self.hyper.items()}

    def make(self, params: Any, **hyper: float):
        """A real ``torch.optim.Optimizer`` over ``params`` with these hyperparameters."""
        values = self.defaults() | hyper
        if self.rule is not None:
            from explorer.optim import RuleOptimizer

            return RuleOptimizer(params, self.rule, **values)
        return self.optimizer_class(params, **values)


@dataclass(frozen=True)
class SurfaceSpec:
    """A 2D loss surface ``f(x, y)`` written with elementwise torch ops.

    ``fn`` must broadcast: it is called with tensors of any (equal) shape. A data-defined surface
    instead gives ``data`` (tensors whose first axis is the sample) and ``sample_loss(x, y, *cols)``
    returning the per-sample losses; ``fn`` is then their mean, and mini-batch gradients are real.
    """

    name: str
    domain: tuple[tuple[float, float], tuple[float, float]]
    minima: Sequence[tuple[float, float]] = ()
    starts: Sequence[tuple[float, float]] = ()
    fn: Callable | None = None
    formula: str = ""
    description: str = ""
    data: tuple | None = None
    sample_loss: Callable | None = None
    plugin: str = "?"
    axes: tuple[str, str] = ("x", "y")  # what the two coordinates are called (w, b for a line fit)

    def __post_init__(self) -> None:
        if (
            not isinstance(self.axes, tuple | list)
            or len(self.axes) != 2
            or not all(isinstance(a, str) and a.strip() for a in self.axes)
        ):
            raise ValueError(f"surface {self.name!r}: axes must be two names, got {self.axes!r}")
        if (self.fn is None) == (self.sample_loss is None):
            raise ValueError(f"surface {self.name!r} needs exactly one of fn or sample_loss")
        if self.sample_loss is not None and not self.data:
            raise ValueError(f"surface {self.name!r} has sample_loss but no data")

    @property
    def has_data(self) -> bool:
        return self.sample_loss is not None

    @property
    def n_samples(self) -> int:
        return int(self.data[0].shape[0]) if self.data else 0


@dataclass(frozen=True)
class ScheduleSpec:
    """A learning-rate schedule: ``factory(optimizer, total_steps, **hyper)`` → a torch scheduler."""

    name: str
    factory: Callable
    hyper: Hypers = field(default_factory=dict)
    doc: str = ""
    plugin: str = "?"

    def defaults(self) -> dict[str, float]:
        return {k: h.default for k, h in self.hyper.items()}


@dataclass(frozen=True)
class ActivationSpec:
    """An activation: ``factory()`` → an ``nn.Module``; ``pieces`` > 1 widens the layer before it
    (Maxout takes ``pieces`` linear units per output)."""

    name: str
    factory: Callable
    formula: str = ""
    pieces: int = 1
    doc: str = ""
    plugin: str = "?"


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: ``loader(n=..., noise=..., seed=...)`` → ``(X, y)`` tensors.

    ``task`` is "classification" (y holds class indices) or "regression" (y is float, shape (n, 1)).
    """

    name: str
    loader: Callable
    task: str = "classification"
    n_classes: int = 2
    input_dim: int = 2
    default_n: int = 400
    default_noise: float = 0.1
    doc: str = ""
    plugin: str = "?"
