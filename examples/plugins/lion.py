"""A student's optimizer plugin: Lion (Chen et al., 2023), in a dozen lines.

Try it:  dl-explorer --plugins-dir examples/plugins race --surface rosenbrock --optimizer lion
Check it: dl-explorer plugins check examples/plugins/lion.py
"""

import torch

from explorer import Hyper, UpdateRule, hookimpl


class Lion(UpdateRule):
    """u ← sign(β₁m + (1−β₁)g) ;  m ← β₂m + (1−β₂)g ;  θ ← θ − η(u + λθ)"""

    name = "lion"
    hyper = {
        "lr": Hyper(0.003, 1e-5, 0.3, log=True),
        "beta1": Hyper(0.9, 0.0, 0.999, allowed="[0, 1]"),
        "beta2": Hyper(0.99, 0.0, 0.9999, allowed="[0, 1]"),
        "weight_decay": Hyper(0.0, 0.0, 1.0, allowed="[0, inf)"),
    }
    arrows = {"momentum": "m"}  # the landscape draws it as an arrow, labelled m
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
