"""Reading an optimizer's state the way the optimizer declares it: arrows, glyphs, labels.

An optimizer names the state entries to draw as arrows (directions: velocity, first moment) and
as per-coordinate glyphs (accumulators: sums or averages of squares), each with its label
(``UpdateRule.arrows`` / ``.accumulators``, or the same keywords when a torch class is
registered). Nothing here knows an optimizer or a state entry by name, so a third-party
optimizer's state is drawn exactly like a built-in's. Scalars show as numbers; undeclared
vectors are not drawn, except for a torch class that declares nothing (a third-party optimizer
registered with ranges only): its state tensors shaped like the parameter are drawn as arrows,
labelled by their names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import torch

from explorer.app.ui.numbers_format import typeset

Vec = tuple[float, float]


@dataclass(frozen=True)
class StateView:
    vectors: list[tuple[str, Vec]]  # (label, direction): velocity, first moment, ...
    scales: list[tuple[str, Vec]]  # (label, per-axis magnitude): accumulated squares, ...
    labels: list[tuple[str, str]]  # (name, value as text): scalars such as step counters


def _pair(value) -> Vec | None:
    if isinstance(value, torch.Tensor) and value.shape == (2,):
        a, b = (float(v) for v in value.detach().tolist())
        if math.isfinite(a) and math.isfinite(b):
            return a, b
    return None


def read_state(
    state: Mapping,
    arrows: Mapping[str, str] | None = None,
    accumulators: Mapping[str, str] | None = None,
) -> StateView:
    """What to draw for ``state`` given the optimizer's declarations (``OptimizerSpec.arrows``,
    ``.accumulators``: state name → label)."""
    arrows, accumulators = arrows or {}, accumulators or {}
    vectors, scales, labels = [], [], []
    for key, value in state.items():
        key = str(key)
        pair = _pair(value)
        if key in arrows and pair is not None:
            vectors.append((arrows[key], pair))
        elif key in accumulators and pair is not None:
            # An accumulator is a per-axis scale: its size, whatever its sign convention.
            scales.append((accumulators[key], (abs(pair[0]), abs(pair[1]))))
        elif isinstance(value, torch.Tensor) and value.numel() == 1:
            labels.append((key, typeset(f"{value.item():g}")))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            labels.append((key, typeset(f"{value:g}")))
    return StateView(vectors, scales, labels)


def read_ball(ball) -> StateView:
    """The state view of a race ball, with its optimizer's declarations (or, for a torch class
    that declares nothing, every parameter-shaped state tensor as an arrow)."""
    arrows, accumulators = ball.spec.arrows, ball.spec.accumulators
    if not arrows and not accumulators and ball.spec.rule is None:
        arrows = {
            str(k): str(k)
            for k, v in ball.state.items()
            if isinstance(v, torch.Tensor) and v.is_floating_point() and _pair(v) is not None
        }
    return read_state(ball.state, arrows, accumulators)
