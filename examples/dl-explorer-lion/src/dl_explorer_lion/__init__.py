"""Lion (Chen et al., 2023) for DL Explorer, installed through the ``dl_explorer`` entry point."""

import torch

from explorer import Hyper, UpdateRule, hookimpl

__all__ = ["Lion", "register_optimizers"]


class Lion(UpdateRule):
    """u ← sign(β₁m + (1−β₁)g) ;  m ← β₂m + (1−β₂)g ;  θ ← θ − η(u + λθ)"""

    name = "lion"
    hyper = {
        "lr": Hyper(0.003, 1e-5, 0.3, log=True, help="learning rate η (the step per coordinate)"),
        "beta1": Hyper(0.9, 0.0, 0.999, allowed="[0, 1]", help="β₁: how much m the sign sees"),
        "beta2": Hyper(0.99, 0.0, 0.9999, allowed="[0, 1]", help="β₂: how slowly m forgets"),
        "weight_decay": Hyper(0.0, 0.0, 1.0, allowed="[0, inf)", help="decoupled decay λ"),
    }
    arrows = {"momentum": "m"}  # drawn as an arrow, labelled m
    lr_scale = "domain"  # a sign step: about lr per coordinate, whatever the gradient

    def init(self, param):
        return {"momentum": torch.zeros_like(param)}

    def update(self, grad, state, param, *, lr, beta1, beta2, weight_decay):
        direction = (beta1 * state["momentum"] + (1 - beta1) * grad).sign()
        state["momentum"] = beta2 * state["momentum"] + (1 - beta2) * grad
        return -lr * (direction + weight_decay * param)


@hookimpl
def register_optimizers(register):
    register(Lion)
