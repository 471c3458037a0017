"""Reading an optimizer's state generically: what to draw as an arrow, a glyph or a label.

Any tensor shaped like the parameter (2,) is drawable, so a new plugin's state is drawn with no
code here. Accumulated squares (Adagrad's sum, RMSProp's and Adam's second moments, Adamax's
infinity norm) are per-axis scales, not directions: they are recognised by a non-negative value
and a name that says so, and drawn as per-axis glyphs. Everything else shaped (2,) is an arrow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

_SCALE_HINTS = ("sq", "square", "sum", "inf", "second", "acc", "nu", "hess", "curv")
_SCALE_NAMES = {"v", "s", "g2", "h", "u", "n"}

Vec = tuple[float, float]


@dataclass(frozen=True)
class StateView:
    vectors: list[tuple[str, Vec]]  # directions (velocity, first moment, ...)
    scales: list[tuple[str, Vec]]  # per-axis magnitudes (accumulated squares, ...)
    labels: list[tuple[str, str]]  # scalars (step counters, ...)


def looks_like_scale(key: str) -> bool:
    k = key.lower()
    return k in _SCALE_NAMES or any(h in k for h in _SCALE_HINTS)


def read_state(state: dict) -> StateView:
    vectors, scales, labels = [], [], []
    for key, value in state.items():
        key = str(key)
        if isinstance(value, torch.Tensor):
            if value.shape == (2,):
                a, b = (float(v) for v in value.detach().tolist())
                if not (math.isfinite(a) and math.isfinite(b)):
                    continue
                if a >= 0 and b >= 0 and looks_like_scale(key):
                    scales.append((key, (a, b)))
                else:
                    vectors.append((key, (a, b)))
            elif value.numel() == 1:
                labels.append((key, f"{value.item():g}"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            labels.append((key, f"{value:g}"))
    return StateView(vectors, scales, labels)
