"""Built-in optimizers, written exactly the way a student writes a new one.

Each returns the step; the framework adds it to the parameter. The maths follows the
``torch.optim`` classes of the same name (the tests hold them to torch's trajectories).
"""

import torch

from explorer import Hyper, UpdateRule, hookimpl

LR = Hyper(0.01, 1e-5, 1.0, log=True, help="learning rate η")


class SGD(UpdateRule):
    """θ ← θ − η g"""

    name = "sgd"
    hyper = {"lr": LR}

    def update(self, grad, state, param, *, lr):
        return -lr * grad


class Momentum(UpdateRule):
    """v ← βv + g ;  θ ← θ − ηv"""

    name = "momentum"
    hyper = {"lr": LR, "beta": Hyper(0.9, 0.0, 0.999, help="momentum β")}

    def init(self, param):
        return {"velocity": torch.zeros_like(param)}

    def update(self, grad, state, param, *, lr, beta):
        state["velocity"] = beta * state["velocity"] + grad
        return -lr * state["velocity"]


class Nesterov(UpdateRule):
    """v ← βv + g ;  θ ← θ − η(g + βv)   (looks ahead along the velocity)"""

    name = "nesterov"
    hyper = {"lr": LR, "beta": Hyper(0.9, 0.0, 0.999, help="momentum β")}

    def init(self, param):
        return {"velocity": torch.zeros_like(param)}

    def update(self, grad, state, param, *, lr, beta):
        state["velocity"] = beta * state["velocity"] + grad
        return -lr * (grad + beta * state["velocity"])


class Adagrad(UpdateRule):
    """G ← G + g² ;  θ ← θ − η g / (√G + ε)   (per-coordinate rates shrink with history)"""

    name = "adagrad"
    hyper = {"lr": Hyper(0.1, 1e-4, 2.0, log=True), "eps": Hyper(1e-10, 1e-12, 1e-3, log=True)}

    def init(self, param):
        return {"sum_sq": torch.zeros_like(param)}

    def update(self, grad, state, param, *, lr, eps):
        state["sum_sq"] = state["sum_sq"] + grad * grad
        return -lr * grad / (state["sum_sq"].sqrt() + eps)


class RMSProp(UpdateRule):
    """s ← αs + (1−α)g² ;  θ ← θ − η g / (√s + ε)   (a leaky Adagrad)"""

    name = "rmsprop"
    hyper = {
        "lr": LR,
        "alpha": Hyper(0.99, 0.5, 0.9999, help="decay α of the squared-gradient average"),
        "eps": Hyper(1e-8, 1e-12, 1e-3, log=True),
    }

    def init(self, param):
        return {"mean_sq": torch.zeros_like(param)}

    def update(self, grad, state, param, *, lr, alpha, eps):
        state["mean_sq"] = alpha * state["mean_sq"] + (1 - alpha) * grad * grad
        return -lr * grad / (state["mean_sq"].sqrt() + eps)


class Adam(UpdateRule):
    """m ← β₁m + (1−β₁)g ;  v ← β₂v + (1−β₂)g² ;  θ ← θ − η m̂ / (√v̂ + ε)
    with the bias corrections m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)."""

    name = "adam"
    hyper = {
        "lr": Hyper(0.001, 1e-5, 1.0, log=True, help="learning rate η"),
        "beta1": Hyper(0.9, 0.0, 0.999),
        "beta2": Hyper(0.999, 0.5, 0.99999),
        "eps": Hyper(1e-8, 1e-12, 1e-3, log=True),
    }

    def init(self, param):
        return {"t": 0, "m": torch.zeros_like(param), "v": torch.zeros_like(param)}

    def update(self, grad, state, param, *, lr, beta1, beta2, eps, **_):
        state["t"] += 1
        t = state["t"]
        state["m"] = beta1 * state["m"] + (1 - beta1) * grad
        state["v"] = beta2 * state["v"] + (1 - beta2) * grad * grad
        m_hat = state["m"] / (1 - beta1**t)
        v_hat = state["v"] / (1 - beta2**t)
        return -lr * m_hat / (v_hat.sqrt() + eps)


class AdamW(Adam):
    """Adam, plus decoupled weight decay:  θ ← θ − ηλθ − η m̂ / (√v̂ + ε)"""

    name = "adamw"
    hyper = Adam.hyper | {"weight_decay": Hyper(0.01, 0.0, 1.0, help="decay λ")}

    def update(self, grad, state, param, *, lr, weight_decay, **rest):
        return -lr * weight_decay * param + super().update(grad, state, param, lr=lr, **rest)


@hookimpl
def register_optimizers(register):
    for rule in (SGD, Momentum, Nesterov, Adagrad, RMSProp, Adam, AdamW):
        register(rule)
    # Any torch.optim.Optimizer class is one line away: here one that is not a built-in rule.
    register(
        torch.optim.Adamax,
        name="adamax",
        hyper={"lr": Hyper(0.002, 1e-5, 1.0, log=True), "eps": Hyper(1e-8, 1e-12, 1e-3, log=True)},
        doc="u ← max(β₂u, |g|) ;  θ ← θ − η/(1−β₁ᵗ) · m / u   (torch.optim.Adamax)",
    )
