"""Dropout as an ensemble: the exact average of all 2^M thinned networks next to the
weight-scaled network that is used at test time.

Training with dropout samples one of 2^M thinned networks per mini-batch (M = units that can be
dropped). At test time the lecture keeps every unit and multiplies the weights by the keep
probability 1 − p. With the inverted dropout used here (kept units scaled by 1 / (1 − p) while
training), that weight-scaled network is simply the network in evaluation mode. For a linear
network the probability-weighted average of the thinned networks equals it exactly; with
nonlinear activations it is only an approximation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from explorer.training.model import Net

MAX_UNITS = 16  # 2^16 thinned networks


@dataclass(frozen=True)
class ThinnedAverage:
    masks: np.ndarray  # (2^M, M) bool, True = kept; units of the first dropout layer first
    probs: np.ndarray  # (2^M,) each mask's probability, p^dropped · (1 − p)^kept
    outputs: np.ndarray  # (2^M, batch, outputs) every thinned network's output
    average: np.ndarray  # (batch, outputs) the probability-weighted average of ``outputs``
    scaled: np.ndarray  # (batch, outputs) the weight-scaled network's output

    @property
    def n_networks(self) -> int:
        return int(self.masks.shape[0])

    @property
    def max_abs_diff(self) -> float:
        """The largest gap between the ensemble average and the weight-scaled network."""
        return float(np.abs(self.average - self.scaled).max())


def thinned_average(net: Net, x: torch.Tensor, max_units: int = MAX_UNITS) -> ThinnedAverage:
    """Run every thinned network of ``net`` (all 2^M dropout masks) on ``x`` in float64 and
    compare their average with the weight-scaled network. ``net`` is not changed."""
    layers = [layer for layer in net.hidden if layer.p > 0]
    if not layers:
        raise ValueError("this network has no dropout: set a dropout rate above 0")
    m = sum(layer.width for layer in layers)
    if m > max_units:
        raise ValueError(
            f"{m} droppable units make 2^{m} thinned networks; use at most {max_units} "
            "hidden units with dropout (e.g. fewer or narrower layers)"
        )
    model = net.copy().to("cpu", torch.float64).eval()
    x = x.detach().to("cpu", torch.float64)
    codes = torch.arange(2**m)
    bits = ((codes[:, None] >> torch.arange(m)) & 1).bool()  # (2^m, m)
    p = torch.tensor([layer.p for layer in layers for _ in range(layer.width)], dtype=torch.float64)
    probs = torch.where(bits, 1 - p, p).prod(1)
    outputs = []
    batch = x.shape[0]
    chunk = max(1, (1 << 18) // max(batch, 1))
    with torch.no_grad():
        for start in range(0, 2**m, chunk):
            block = bits[start : start + chunk]
            k = block.shape[0]
            masks: list[torch.Tensor | None] = []
            offset = 0
            for layer in model.hidden:
                if layer.p == 0:
                    masks.append(None)
                    continue
                unit_mask = block[:, offset : offset + layer.width].double()
                masks.append(unit_mask.repeat_interleave(batch, 0))
                offset += layer.width
            out = model(x.repeat(k, 1), masks=masks)
            outputs.append(out.reshape(k, batch, -1))
        all_out = torch.cat(outputs)
        average = (probs[:, None, None] * all_out).sum(0)
        scaled = model(x)
    return ThinnedAverage(
        masks=bits.numpy(),
        probs=probs.numpy(),
        outputs=all_out.numpy(),
        average=average.numpy(),
        scaled=scaled.numpy(),
    )
