"""What each hidden unit computes (the TensorFlow Playground's picture), reduced to what a UI
draws: for 2-D data every drawn unit's activation over the input plane, on the decision map's
grid and from the same forward pass; for images (digits) the first layer's units as their
weight images and every later unit's top-activating held-out images.

Only the units the network picture draws travel (``sample_units``: all of a layer up to
``MAX_DRAWN``, else that many spread evenly), so a wide net costs what a small one does. A map
travels as int8 (−127 … 127 of its layer's largest |activation|: a picture, 4 KB a unit) with
each unit's exact lowest and highest activation beside it, which is what the UI writes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

MAX_DRAWN = 14  # units drawn per layer; wider layers are sampled evenly
TOP = 3  # top-activating held-out images per unit (digits)
HELD_OUT = 512  # held-out samples searched for them


def sample_units(n: int, limit: int = MAX_DRAWN) -> list[int]:
    """Which of ``n`` units to draw: all, or ``limit`` spread evenly (first and last included)."""
    if n <= limit:
        return list(range(n))
    return sorted({round(k * (n - 1) / (limit - 1)) for k in range(limit)})


@dataclass(frozen=True)
class NeuronMaps:
    """Per hidden layer (input side first): ``units`` the indices shipped, ``widths`` how many
    the layer has. ``kind`` "grid": ``maps`` (units, G, G) int8 over the decision map's
    extent, row 0 at y0, in units of ``scales`` (the layer's largest |activation| / 127);
    ``low`` / ``high`` each unit's exact range over the plane. ``kind`` "images": ``weights``
    (units, side, side) the first layer's weight images; ``top`` (units, TOP) indices into
    ``bank`` (k, side, side), the held-out images that drive each later unit highest, with
    ``top_values`` their activations."""

    kind: str
    units: tuple[tuple[int, ...], ...]
    widths: tuple[int, ...]
    maps: tuple[np.ndarray, ...] = ()
    scales: tuple[float, ...] = ()
    low: tuple[np.ndarray, ...] = ()
    high: tuple[np.ndarray, ...] = ()
    weights: np.ndarray | None = None
    top: tuple[np.ndarray, ...] = ()
    top_values: tuple[np.ndarray, ...] = ()
    bank: np.ndarray | None = None


def hidden_activations(
    model: torch.nn.Module, run: Callable[[], torch.Tensor]
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """``run()`` (one forward pass of ``model``) and every hidden layer's activations in it,
    read where each layer's activation module returns (so whatever the net does around it,
    skips or dropout, each unit's own output is what is read). An empty list: the net has no
    such layers, or they did not each run once."""
    hidden = getattr(model, "hidden", None)
    if not hidden:
        return run(), []
    seen: list[torch.Tensor] = []

    def keep(_module: torch.nn.Module, _inputs: object, output: torch.Tensor) -> None:
        seen.append(output.detach())

    acts = {id(layer.act): layer.act for layer in hidden}  # one hook per module, shared or not
    hooks = [act.register_forward_hook(keep) for act in acts.values()]
    try:
        out = run()
    finally:
        for hook in hooks:
            hook.remove()
    if len(seen) != len(hidden):
        return out, []
    return out, [a.reshape(a.shape[0], -1) for a in seen]


def grid_maps(acts: list[torch.Tensor], grid: int) -> NeuronMaps:
    """The maps of the drawn units from each layer's (grid², width) activations."""
    units, maps, scales, lows, highs = [], [], [], [], []
    for a in acts:
        pick = sample_units(a.shape[1])
        chosen = a[:, pick].float().T  # (units, grid²)
        low, high = chosen.amin(1), chosen.amax(1)
        top = float(chosen.abs().max()) if chosen.numel() else 0.0
        scale = top / 127 if math.isfinite(top) and top > 0 else 1.0
        q = torch.nan_to_num(chosen / scale).round().clamp(-127, 127).to(torch.int8)
        units.append(tuple(pick))
        maps.append(_readonly(q.reshape(len(pick), grid, grid).cpu().numpy()))
        scales.append(scale)
        lows.append(_readonly(low.cpu().numpy()))
        highs.append(_readonly(high.cpu().numpy()))
    return NeuronMaps(
        "grid",
        tuple(units),
        tuple(int(a.shape[1]) for a in acts),
        maps=tuple(maps),
        scales=tuple(scales),
        low=tuple(lows),
        high=tuple(highs),
    )


def image_maps(
    model: torch.nn.Module, held: torch.Tensor, side: int, acts: list[torch.Tensor]
) -> NeuronMaps | None:
    """First-layer weight images and later units' top-activating held-out images (``acts``:
    each layer's activations on ``held``); None where the inputs are not square images."""
    hidden = getattr(model, "hidden", None)
    if not hidden or side * side != held.shape[1] or not acts:
        return None
    first = hidden[0]
    rows = first.linear.weight.detach().float()  # (width · pieces, inputs)
    pieces = max(1, rows.shape[0] // max(first.width, 1))
    rows = rows.reshape(first.width, pieces, -1)[:, 0]  # Maxout: each unit's first piece
    units = [tuple(sample_units(int(a.shape[1]))) for a in acts]
    weights = _readonly(rows[list(units[0])].reshape(-1, side, side).cpu().numpy())
    tops, values, wanted = [], [], set()
    for a, pick in zip(acts[1:], units[1:], strict=True):
        k = min(TOP, a.shape[0])
        v, idx = a[:, list(pick)].float().topk(k, dim=0)  # (k, units)
        tops.append(idx.T)
        values.append(_readonly(v.T.cpu().numpy()))
        wanted.update(idx.reshape(-1).tolist())
    order = sorted(wanted)
    where = {i: j for j, i in enumerate(order)}
    top = tuple(
        _readonly(np.vectorize(where.__getitem__, otypes=[np.int64])(t.cpu().numpy()))
        if t.numel()
        else _readonly(np.zeros((0, 0), np.int64))
        for t in tops
    )
    bank = held[order].detach().float().reshape(-1, side, side).cpu().numpy() if order else None
    return NeuronMaps(
        "images",
        tuple(units),
        tuple(int(a.shape[1]) for a in acts),
        weights=weights,
        top=top,
        top_values=tuple(values),
        bank=_readonly(bank) if bank is not None else None,
    )


def _readonly(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a
