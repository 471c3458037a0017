"""Reading a network without slowing it down: gradient norms in one fused call per step, and
activation statistics, dropout masks and weights reduced to small numpy values only when a
snapshot is taken."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from explorer.training.model import Net
from explorer.training.snapshot import SATURATION_SLOPE, LayerProbe

_foreach_norm = getattr(torch, "_foreach_norm", None)


def grad_norms(weights: list[torch.Tensor]) -> torch.Tensor:
    """‖grad‖ of each tensor, stacked (zeros where a tensor has no gradient yet); stays on the
    device, so no synchronisation per step."""
    grads = [w.grad if w.grad is not None else torch.zeros_like(w) for w in weights]
    if _foreach_norm is not None:
        return torch.stack(_foreach_norm(grads))
    return torch.stack([g.norm() for g in grads])


def _shared_activation(net: Net) -> torch.nn.Module | None:
    """The one activation module every hidden layer can share (same type, no parameters), so
    all layers' slopes come from one call; None for e.g. PReLU, whose layers each learn theirs."""
    acts = [layer.act for layer in net.hidden]
    first = acts[0]
    if any(type(a) is not type(first) or any(True for _ in a.parameters()) for a in acts):
        return None
    return first


def activation_stats(net: Net) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(mean, std, saturated fraction) per hidden layer of the last recorded mini-batch, as one
    (layers, 3) tensor, and each unit's mean activation over the batch, (layers, width); None
    before the first training step."""
    trace = net.trace
    if not trace or len(trace) != len(net.hidden):
        return None
    z = torch.stack([pre for pre, _ in trace]).detach()  # (layers, batch, width · pieces)
    y = torch.stack([post for _, post in trace]).detach()  # (layers, batch, width)
    shared = _shared_activation(net)
    with torch.enable_grad():
        z = z.requires_grad_(True)
        if shared is not None:
            out = shared(z)
        else:
            out = torch.stack([layer.act(zi) for layer, zi in zip(net.hidden, z, strict=True)])
        (slope,) = torch.autograd.grad(out, z, torch.ones_like(out), allow_unused=True)
    if slope is None:  # the output does not depend on z at all
        slope = torch.zeros_like(z)
    if net.pieces > 1:  # Maxout: a unit's slope is the sum over its pieces
        slope = slope.unflatten(-1, (-1, net.pieces)).sum(-1)
    saturated = (slope.abs() < SATURATION_SLOPE).float().mean((1, 2))
    std, mean = torch.std_mean(y, dim=(1, 2), correction=0)
    return torch.stack([mean, std, saturated], 1), y.mean(1)


def _to_numpy(tensors: list[torch.Tensor], max_units: int) -> list[np.ndarray]:
    """Small read-only copies of ``tensors`` (each cut to ``max_units`` per axis) in one
    transfer."""
    cut = [t.detach()[tuple(slice(max_units) for _ in range(t.ndim))] for t in tensors]
    flat = torch.cat([t.reshape(-1).float() for t in cut]).cpu().numpy()
    out, start = [], 0
    for t in cut:
        a = flat[start : start + t.numel()].reshape(tuple(t.shape))
        a.flags.writeable = False
        out.append(a)
        start += t.numel()
    return out


def layer_probes(
    net: Net, norms: list[float], max_units: int = 64, weights: bool = True
) -> tuple[LayerProbe, ...]:
    """One ``LayerProbe`` per weight layer from what the net recorded at its last training step."""
    n_hidden = len(net.hidden)
    stats = activation_stats(net) if n_hidden else None
    rows = stats[0].tolist() if stats is not None else [(None, None, None)] * n_hidden
    unit_acts: list[np.ndarray | None] = [None] * n_hidden
    if stats is not None:
        # one row per hidden layer however deep the net: only the unit axis is cut
        rows_units = stats[1][:, :max_units]
        unit_acts = list(_to_numpy([rows_units], max(rows_units.shape))[0])
    masks: list[np.ndarray | None] = [None] * n_hidden
    if net.drop_masks is not None and len(net.drop_masks) == n_hidden:
        kept = (net.drop_masks != 0).cpu().numpy()
        kept.flags.writeable = False
        masks = list(kept)
    linears = net.linears
    arrays: Sequence[np.ndarray | None] = [None] * (2 * len(linears))
    if weights:
        arrays = _to_numpy([t for lin in linears for t in (lin.weight, lin.bias)], max_units)
    probes = []
    for i, linear in enumerate(linears):
        hidden = i < n_hidden
        mean, std, saturated = rows[i] if hidden else (None, None, None)
        probes.append(
            LayerProbe(
                index=i,
                name=f"hidden {i + 1}" if hidden else "output",
                hidden=hidden,
                units=net.hidden[i].width if hidden else linear.out_features,
                grad_norm=float(norms[i]) if i < len(norms) else 0.0,
                act_mean=mean,
                act_std=std,
                saturated=saturated,
                mask=masks[i] if hidden else None,
                unit_act=unit_acts[i] if hidden else None,
                weight=arrays[2 * i],
                bias=arrays[2 * i + 1],
            )
        )
    return tuple(probes)


def slope_bound(act: torch.nn.Module, pieces: int = 1) -> float | None:
    """The largest slope |f'(z)| of an activation over z in [-30, 30] (sigmoid: ¼, tanh and
    ReLU: 1): how much of a gradient one layer can pass back at most, weights aside. None for
    Maxout-like activations (their slope is a choice among pieces, at most 1 each)."""
    if pieces != 1:
        return None
    z = torch.linspace(-30.0, 30.0, 6001).unsqueeze(0).requires_grad_(True)
    with torch.enable_grad():
        try:
            out = act(z)
            (g,) = torch.autograd.grad(out.sum(), z, allow_unused=True)
        except Exception:  # noqa: BLE001 - a plugin whose slope cannot be read: no guide
            return None
    if g is None:
        return 0.0
    return float(g.abs().max())
