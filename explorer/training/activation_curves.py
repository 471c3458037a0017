"""Every registered activation's f(z) and f′(z) on z ∈ [−5, 5], f′ by torch autograd (never finite
differences). An activation that cannot be plotted says why in one short sentence instead."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import numpy as np
import torch

from explorer.specs import ActivationSpec
from explorer.training import SATURATION_SLOPE
from explorer.training.model import make_activation

Z_RANGE = (-5.0, 5.0)
N_POINTS = 401


@dataclass(frozen=True)
class Curve:
    """One activation as the grid shows it. ``z``, ``f`` and ``df`` are None when it is not plotted
    (Maxout, which is not elementwise, or a plugin that failed: then ``error`` says why)."""

    name: str
    formula: str = ""
    doc: str = ""
    plugin: str = "?"
    pieces: int = 1
    z: np.ndarray | None = None
    f: np.ndarray | None = None
    df: np.ndarray | None = None
    error: str = ""  # one short sentence for the grid cell
    detail: str = ""  # the exception, for the larger plot

    @property
    def plotted(self) -> bool:
        return self.f is not None

    @property
    def saturated(self) -> np.ndarray:
        """Where |f′(z)| < SATURATION_SLOPE: the gradient through the unit all but vanishes."""
        if self.df is None:
            return np.zeros(0, bool)
        low: np.ndarray = np.abs(self.df) < SATURATION_SLOPE
        return low

    def saturated_spans(self) -> list[tuple[float, float]]:
        """The saturated stretches of z as (start, end) intervals."""
        sat = self.saturated.astype(np.int8)
        if not sat.any():
            return []
        assert self.z is not None  # a curve with f′ has its z (both are set when plotted)
        half = (Z_RANGE[1] - Z_RANGE[0]) / (N_POINTS - 1) / 2
        edges = np.flatnonzero(np.diff(np.concatenate([[0], sat, [0]])))
        return [
            (max(float(self.z[a]) - half, Z_RANGE[0]), min(float(self.z[b - 1]) + half, Z_RANGE[1]))
            for a, b in zip(edges[0::2], edges[1::2], strict=True)
        ]


class _Identity(TypedDict):
    """The fields of a ``Curve`` that every outcome shares (plotted or not)."""

    name: str
    formula: str
    doc: str
    plugin: str
    pieces: int


def compute_curve(spec: ActivationSpec) -> Curve:
    """f and f′ for one activation; never raises (a failure becomes the curve's ``error``)."""
    base: _Identity = {
        "name": spec.name,
        "formula": str(spec.formula or ""),
        "doc": str(spec.doc or ""),
        "plugin": str(spec.plugin),
        "pieces": int(spec.pieces or 1),
    }
    if base["pieces"] > 1:
        return Curve(**base)
    try:
        module = make_activation(spec, spec.pieces)
        module.eval()
    except Exception as exc:  # noqa: BLE001 - a plugin's factory: anything can go wrong
        return Curve(**base, error="Not plotted: factory failed.", detail=_why(exc))
    try:
        z = torch.linspace(*Z_RANGE, N_POINTS).unsqueeze(1).requires_grad_(True)
        with torch.enable_grad():
            y = module(z)
            if not isinstance(y, torch.Tensor) or y.shape != z.shape:
                shape = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
                return Curve(
                    **base,
                    error="Not plotted: not elementwise.",
                    detail=f"{N_POINTS} inputs of shape {tuple(z.shape)} gave {shape}.",
                )
            if y.requires_grad:
                (grad,) = torch.autograd.grad(y.sum(), z, allow_unused=True)
            else:
                grad = None
        f = y.detach().double().numpy()[:, 0]
        df = np.zeros_like(f) if grad is None else grad.double().numpy()[:, 0]
    except Exception as exc:  # noqa: BLE001 - the plugin's forward: anything can go wrong
        return Curve(**base, error="Not plotted: calling it failed.", detail=_why(exc))
    if not (np.all(np.isfinite(f)) and np.all(np.isfinite(df))):
        return Curve(
            **base,
            error="Not plotted: NaN or ∞.",
            detail="f(z) or f′(z) is not a finite number somewhere on [−5, 5].",
        )
    return Curve(**base, z=z.detach().double().numpy()[:, 0], f=f, df=df)


def compute_curves(activations: dict[str, ActivationSpec]) -> dict[str, Curve]:
    return {name: compute_curve(spec) for name, spec in activations.items()}


def _why(exc: BaseException) -> str:
    message = str(exc).strip().split("\n")[0]
    if len(message) > 160:
        message = message[:157] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
