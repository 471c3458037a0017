"""Small dataclasses that plugins hand to ``register``: what a thing is, its knobs and its maths.

This module imports nothing of the project: every other module may import it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

_INTERVAL = re.compile(r"^\s*([\[(])\s*([^,]+?)\s*,\s*([^,]+?)\s*([\])])\s*$")


def _bound(text: str) -> float:
    text = text.strip().replace("∞", "inf")
    return float(text)


@dataclass(frozen=True)
class Hyper:
    """A hyperparameter: its default, the range a slider offers (a UI hint, not a law) and the
    values the maths allows (``allowed``, interval notation such as ``"[0, 1)"`` or
    ``"(0, inf)"``; a log-scaled knob defaults to ``"[0, inf)"``, any other to every finite
    number). A value outside the slider's range runs as given; one outside ``allowed`` is refused
    with one sentence."""

    default: float
    low: float
    high: float
    log: bool = False
    integer: bool = False
    help: str = ""
    allowed: str = ""

    def __post_init__(self) -> None:
        span = (
            self.high / self.low if self.log and self.low > 0 else self.high - self.low
        )  # a slider maps [low, high] to [0, 1]: both ends and the span must be finite numbers
        if not all(math.isfinite(v) for v in (self.low, self.high, span)):
            raise ValueError(
                f"the slider range [{self.low:g}, {self.high:g}] must be finite and not span "
                "more than a float can hold (a slider cannot show it); keep the range to the "
                "usual values and say what the maths allows with allowed='(0, inf)'"
            )
        if not self.low <= self.default <= self.high:
            raise ValueError(f"default {self.default} is outside [{self.low}, {self.high}]")
        if self.log and self.low <= 0:
            raise ValueError("a log-scaled range needs a positive lower bound")
        lo, hi, _, _ = self.bounds  # a malformed ``allowed`` fails at registration
        if not lo <= self.default <= hi:
            raise ValueError(f"default {self.default} is outside allowed {self.law}")

    @property
    def law(self) -> str:
        if self.allowed:
            return self.allowed.strip()
        return "[0, inf)" if self.log else "(-inf, inf)"

    @property
    def bounds(self) -> tuple[float, float, bool, bool]:
        """(low, high, low_included, high_included) of what the maths allows."""
        m = _INTERVAL.match(self.law)
        if not m:
            raise ValueError(f"allowed={self.law!r} is not an interval such as '[0, 1)'")
        try:
            lo, hi = _bound(m[2]), _bound(m[3])
        except ValueError:
            raise ValueError(f"allowed={self.law!r} is not an interval such as '[0, 1)'") from None
        return lo, hi, m[1] == "[", m[4] == "]"

    def check(self, value: Any, name: str = "value", owner: str = "") -> float:
        """``value`` as a float if the maths allows it, else ValueError with one sentence."""
        who = f"{owner}: " if owner else ""
        try:
            v = float(value)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"{who}{name}={value!r} is not a number") from None
        if not math.isfinite(v):
            raise ValueError(f"{who}{name} must be a finite number, got {value!r}")
        if self.integer and v != round(v):
            raise ValueError(f"{who}{name} must be a whole number, got {v:g}")
        lo, hi, lo_in, hi_in = self.bounds
        ok = (v > lo or (lo_in and v == lo)) and (v < hi or (hi_in and v == hi))
        if not ok:
            what = f" ({self.help})" if self.help else ""
            raise ValueError(
                f"{who}{name}={v:g} is not allowed: {name}{what} must be in {self.law}"
            )
        return float(round(v)) if self.integer else v

    def outside_range(self, value: float) -> bool:
        """True where ``value`` runs but lies outside the slider's usual range (worth a note)."""
        return not self.low <= value <= self.high

    def clamp(self, value: float) -> float:
        """The nearest slider value (for drawing a slider, never for running)."""
        value = min(max(float(value), self.low), self.high)
        return float(round(value)) if self.integer else value

    def to_unit(self, value: float) -> float:
        """Slider position in [0, 1] for ``value`` (a value outside the range sits at an end)."""
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


def check_values(
    hypers: Mapping[str, Hyper], values: Mapping[str, Any], owner: str
) -> dict[str, float]:
    """``values`` checked against the registered knobs: an unknown name (even one a ``**kwargs``
    class would swallow) or a value the maths forbids is refused with one sentence."""
    out: dict[str, float] = {}
    for key, value in values.items():
        if key not in hypers:
            close = difflib.get_close_matches(str(key), list(hypers), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"{owner} has no hyperparameter {key!r}{hint}; valid: "
                f"{', '.join(sorted(hypers)) or 'none'}"
            )
        out[key] = hypers[key].check(value, key, owner)
    return out


def outside_notes(
    hypers: Mapping[str, Hyper], values: Mapping[str, float], owner: str
) -> list[str]:
    """One note per value that runs as given but lies outside its slider's usual range."""
    return [
        f"{owner}: {k}={v:g} is outside the usual range [{hypers[k].low:g}, {hypers[k].high:g}]; "
        "it runs as given"
        for k, v in values.items()
        if k in hypers and hypers[k].outside_range(v)
    ]


@dataclass(frozen=True)
class OptimizerSpec:
    """A registered optimizer: an UpdateRule subclass or any ``torch.optim.Optimizer`` class.

    ``optimizer_class`` is always a real ``torch.optim.Optimizer`` class (for a rule, the
    ``RuleOptimizer`` bound to it). ``tuples`` maps a tuple argument (Adam's ``betas``) to the
    scalar knobs it is assembled from. ``arrows`` / ``accumulators`` name the state entries the
    landscape draws as arrows (velocity, first moment) and per-coordinate glyphs (accumulated
    squares), each with its label. ``suggested_lr`` is a first learning rate per surface name, or
    a function ``surface -> lr | None``; ``lr_scale`` says how to pick one for other surfaces:
    ``"curvature"`` (the step is lr × gradient), ``"domain"`` (the step is about lr per
    coordinate) or ``"domain_shrinking"`` (the same, shrinking over time).
    """

    name: str
    hyper: Hypers
    doc: str
    rule: type | None = None  # the UpdateRule subclass, when it is one
    optimizer_class: type[torch.optim.Optimizer] | None = None
    plugin: str = "?"
    tuples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    arrows: Mapping[str, str] = field(default_factory=dict)
    accumulators: Mapping[str, str] = field(default_factory=dict)
    suggested_lr: Mapping[str, float] | Callable[[SurfaceSpec], float | None] | None = None
    lr_scale: str = ""

    def defaults(self) -> dict[str, float]:
        return {k: h.default for k, h in self.hyper.items()}

    def values(self, hyper: Mapping[str, Any] | None = None) -> dict[str, float]:
        """Every knob's value: the defaults with ``hyper`` over them, each checked."""
        return self.defaults() | check_values(self.hyper, hyper or {}, f"optimizer {self.name!r}")

    def arguments(self, values: Mapping[str, float]) -> dict[str, Any]:
        """Keyword arguments for ``optimizer_class``: tuple knobs assembled (``betas``)."""
        args: dict[str, Any] = dict(values)
        for arg, parts in self.tuples.items():
            args[arg] = tuple(args.pop(p) for p in parts)
        return args

    def make(self, params: Any, **hyper: float) -> torch.optim.Optimizer:
        """A real ``torch.optim.Optimizer`` over ``params`` with these hyperparameters."""
        if self.optimizer_class is None:
            raise ValueError(f"optimizer {self.name!r} was not registered through the plugin host")
        return self.optimizer_class(params, **self.arguments(self.values(hyper)))


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
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] | None = None
    formula: str = ""
    description: str = ""
    data: tuple[torch.Tensor, ...] | None = None
    sample_loss: Callable[..., torch.Tensor] | None = None
    plugin: str = "?"
    axes: tuple[str, str] = ("x", "y")  # what the two coordinates are called (w, b for a line fit)
    # (∂f/∂x, ∂f/∂y) written out, optional: autograd's own operations in autograd's order, so the
    # same bits (tests/test_stacked_race.py checks them against autograd); the stacked race steps
    # with it instead of building a graph every step.
    grad: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None = None

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
class SurfaceFamily:
    """Surfaces named by a prefix and a spec, built on demand: ``expr:x**2 - y**2`` or
    ``net:moons?width=16`` → ``build("moons?width=16", registry)`` → a SurfaceSpec. Registered
    through ``register_surfaces`` like a single surface; ``keys`` and ``examples`` are shown when
    a spec is wrong and by ``dl-explorer plugins``."""

    prefix: str  # "net": names starting "net:" are this family's
    build: Callable[[str, Any], SurfaceSpec]  # (spec, registry)
    doc: str = ""
    keys: Sequence[str] = ()
    examples: Sequence[str] = ()
    plugin: str = "?"
    # check(spec, registry): a quick check of a spec without building it (raises ValueError with
    # one sentence); a saved setup naming ``net:moons`` is checked so, not trained. None: build.
    check: Callable[[str, Any], object] | None = None

    @property
    def name(self) -> str:
        return f"{self.prefix}:"

    def __post_init__(self) -> None:
        if not (isinstance(self.prefix, str) and self.prefix.isidentifier()):
            raise ValueError(f"a surface family's prefix must be a name, got {self.prefix!r}")


@dataclass(frozen=True)
class ScheduleSpec:
    """A learning-rate schedule: ``factory(optimizer, total_steps, **hyper)`` → a torch scheduler."""

    name: str
    # (optimizer, total_steps, **hyper) → the scheduler
    factory: Callable[..., torch.optim.lr_scheduler.LRScheduler]
    hyper: Hypers = field(default_factory=dict)
    doc: str = ""
    plugin: str = "?"

    def defaults(self) -> dict[str, float]:
        return {k: h.default for k, h in self.hyper.items()}

    def values(self, hyper: Mapping[str, Any] | None = None) -> dict[str, float]:
        """Every knob's value: the defaults with ``hyper`` over them, each checked."""
        return self.defaults() | check_values(self.hyper, hyper or {}, f"schedule {self.name!r}")


@dataclass(frozen=True)
class ActivationSpec:
    """An activation: ``factory()`` → an ``nn.Module``; ``pieces`` > 1 widens the layer before it
    (Maxout takes ``pieces`` linear units per output)."""

    name: str
    factory: Callable[..., torch.nn.Module]  # () or (pieces=...) for Maxout
    formula: str = ""
    pieces: int = 1
    doc: str = ""
    plugin: str = "?"


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset: ``loader(n=..., noise=..., seed=...)`` → ``(X, y)`` tensors.

    ``task`` is "classification" (y holds class indices) or "regression" (y is float, shape (n, 1)).
    ``suggested`` holds training settings known to succeed on it, keyed by ``TrainConfig`` field
    (``depth``, ``width``, ``activation``, ``optimizer`` and ``optimizer_hyper``, ``epochs``,
    ``batch_size``, ...): what a run uses for every knob the user did not set.
    """

    name: str
    loader: Callable[..., tuple[torch.Tensor, torch.Tensor]]
    task: str = "classification"
    n_classes: int = 2
    input_dim: int = 2
    default_n: int = 400
    default_noise: float = 0.1
    doc: str = ""
    plugin: str = "?"
    suggested: Mapping[str, Any] = field(default_factory=dict)
    # What normalize = "auto" does: "off" (the samples as drawn) or "all" (every feature to
    # mean 0, std 1 over all the samples loaded: the digits' convention in scikit-learn).
    auto_normalize: str = "off"
