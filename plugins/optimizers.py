"""Built-in optimizers, written exactly the way a student writes a new one.

The ``*_lecture`` rules follow the lecture's own equations: each ``update`` returns the step and
the framework adds it to the parameter. The others are the ``torch.optim`` classes of the same
name, bit for bit over any number of steps (``tests/test_torch_parity.py``): their ``apply``
returns the new parameter in torch's own order of operations (``_single_tensor_sgd``,
``_single_tensor_adam`` …), because torch's in-place ``param.add_(g, alpha=-lr)`` is one fused
multiply-add and ``param + step`` would round twice. Every hyperparameter may be a number or a
tensor of one value per row (the benchmark's stacked balls): ``torch.addcmul(x, a * g, g)`` gives
the bits of torch's ``x.addcmul_(g, g, value=a)``, and ``p - s * m / d`` those of
``p.addcdiv_(m, d, value=-s)``. Each rule also says how the
landscape should draw it (``arrows``, ``accumulators``) and which learning rate makes a good first
race on each surface (``suggested_lr``, and ``lr_scale`` for surfaces it does not name).
"""

import torch

from explorer import Hyper, UpdateRule, hookimpl


def _add_scaled(x, y, a):
    """``x + a·y`` rounded as torch's ``x.add_(y, alpha=a)``: for a number, that very call; for a
    tensor of one value per row (stacked balls), ``torch.addcmul(x, y, a)``, which rounds the
    same way. (Making every number a tensor cost a ball 6 µs of its 26 µs step.)"""
    if isinstance(a, torch.Tensor):
        return torch.addcmul(x, y, a)
    return x.add(y, alpha=a)


LR = Hyper(0.01, 1e-5, 1.0, log=True, help="learning rate η")
BETA = Hyper(0.9, 0.0, 0.999, allowed="[0, 1)", help="momentum β")
EPS = Hyper(1e-8, 1e-12, 1e-3, log=True, help="ε, keeps the division finite")

# Same rate for SGD, momentum and Nesterov where the story is "same rate, momentum goes further";
# SGD near its stability limit zig-zags across the ravine while momentum glides along it.
GRADIENT_RATES = {
    "bowl": 0.01,
    "rosenbrock": 0.001,
    "beale": 0.005,
    "himmelblau": 0.005,
    "booth": 0.005,
    "saddle": 0.01,
    "monkey_saddle": 0.01,
    "plateau": 0.02,
    "two_valleys": 0.02,
    "rastrigin": 0.002,
    "linear_regression": 0.05,
    "lecture_valley": 0.02,
}
ADAPTIVE_RATES = {
    "bowl": 0.02,
    "ravine": 0.03,
    "rosenbrock": 0.02,
    "beale": 0.02,
    "himmelblau": 0.05,
    "booth": 0.1,
    "saddle": 0.01,
    "monkey_saddle": 0.01,
    "plateau": 0.02,
    "two_valleys": 0.05,
    "rastrigin": 0.3,
    "linear_regression": 0.03,
    "lecture_valley": 0.02,
}


class SGD(UpdateRule):
    """θ ← θ − η g"""

    name = "sgd"
    hyper = {"lr": LR}
    suggested_lr = GRADIENT_RATES | {"ravine": 0.45}
    lr_scale = "curvature"

    def apply(self, grad, state, param, *, lr):
        return _add_scaled(param, grad, -lr)  # torch: param.add_(g, alpha=-lr)


class Momentum(UpdateRule):
    """v ← βv + g ;  θ ← θ − ηv"""

    name = "momentum"
    hyper = {"lr": LR, "beta": BETA}
    arrows = {"velocity": "v"}
    suggested_lr = GRADIENT_RATES | {"ravine": 0.04}
    lr_scale = "curvature"

    def init(self, param):
        return {"velocity": torch.zeros_like(param)}

    def apply(self, grad, state, param, *, lr, beta):
        # torch: buf.mul_(β).add_(g) (βv + g, one rounding each); param.add_(buf, alpha=-lr)
        state["velocity"] = beta * state["velocity"] + grad
        return _add_scaled(param, state["velocity"], -lr)


class Nesterov(Momentum):
    """v ← βv + g ;  θ ← θ − η(g + βv)   (looks ahead along the velocity)"""

    name = "nesterov"

    def apply(self, grad, state, param, *, lr, beta):
        state["velocity"] = beta * state["velocity"] + grad
        ahead = _add_scaled(grad, state["velocity"], beta)  # torch: g.add(v, alpha=β)
        return _add_scaled(param, ahead, -lr)


class Adagrad(UpdateRule):
    """G ← G + g² ;  θ ← θ − η g / (√G + ε)   (per-coordinate rates shrink with history)"""

    name = "adagrad"
    hyper = {
        "lr": Hyper(0.1, 1e-4, 2.0, log=True, help="learning rate η"),
        "eps": Hyper(1e-10, 1e-12, 1e-3, log=True, help="ε, keeps the division finite"),
    }
    accumulators = {"sum_sq": "Σg²"}
    suggested_lr = {
        "bowl": 0.1,
        "ravine": 0.3,
        "rosenbrock": 0.5,
        "beale": 0.3,
        "himmelblau": 0.5,
        "booth": 1.0,
        "saddle": 0.05,
        "monkey_saddle": 0.05,
        "plateau": 0.3,
        "two_valleys": 0.3,
        "rastrigin": 0.3,
        "linear_regression": 0.3,
        "lecture_valley": 0.3,
    }
    lr_scale = "domain_shrinking"

    def init(self, param):
        return {"sum_sq": torch.zeros_like(param)}

    def apply(self, grad, state, param, *, lr, eps):
        state["sum_sq"] = torch.addcmul(state["sum_sq"], grad, grad)  # torch: G.addcmul_(g, g)
        return param - lr * grad / (state["sum_sq"].sqrt() + eps)  # param.addcdiv_(value=-lr)


class RMSProp(UpdateRule):
    """s ← αs + (1−α)g² ;  θ ← θ − η g / (√s + ε)   (a leaky Adagrad; torch starts s at 0)"""

    name = "rmsprop"
    hyper = {
        "lr": LR,
        "alpha": Hyper(0.99, 0.5, 0.9999, allowed="[0, 1)", help="decay α of the g² average"),
        "eps": EPS,
    }
    accumulators = {"mean_sq": "E[g²]"}
    suggested_lr = ADAPTIVE_RATES | {
        "bowl": 0.01,
        "ravine": 0.01,
        "rosenbrock": 0.002,
        "beale": 0.005,
        "himmelblau": 0.02,
        "booth": 0.05,
        "saddle": 0.005,
        "monkey_saddle": 0.005,
        "plateau": 0.01,
        "two_valleys": 0.01,
        "rastrigin": 0.05,
        "linear_regression": 0.01,
    }
    lr_scale = "domain"

    def init(self, param):
        return {"mean_sq": torch.zeros_like(param)}

    def apply(self, grad, state, param, *, lr, alpha, eps):
        # torch: s.mul_(α).addcmul_(g, g, value=1 − α); param.addcdiv_(g, √s + ε, value=-lr)
        state["mean_sq"] = torch.addcmul(alpha * state["mean_sq"], (1 - alpha) * grad, grad)
        return param - lr * grad / (state["mean_sq"].sqrt() + eps)


class AdagradLecture(UpdateRule):
    """σ(t) = √( Σ g(i)² / (t+1) ) ;  θ ← θ − η g(t) / (σ(t) + ε)

    The lecture's Adagrad: divide by the root MEAN square of every gradient so far,
    σ(t) = √( 1/(t+1) · Σ g(i)², i = 0 … t ). torch's Adagrad divides by the root SUM, so its
    rate only shrinks; here σ falls again when recent gradients are small, and the step grows
    back: the sideways burst on a long flat valley."""

    name = "adagrad_lecture"
    hyper = {"lr": LR, "eps": EPS}
    accumulators = {"mean_sq": "σ²"}
    suggested_lr = ADAPTIVE_RATES | {"lecture_valley": 0.1}  # shows the lecture's burst
    lr_scale = "domain"

    def init(self, param):
        return {"t": 0, "sum_sq": torch.zeros_like(param), "mean_sq": torch.zeros_like(param)}

    def update(self, grad, state, param, *, lr, eps):
        state["sum_sq"] = state["sum_sq"] + grad * grad
        state["t"] += 1  # t + 1 gradients seen
        state["mean_sq"] = state["sum_sq"] / state["t"]
        return -lr * grad / (state["mean_sq"].sqrt() + eps)


class RMSPropLecture(UpdateRule):
    """σ(t)² = α σ(t−1)² + (1−α) g(t)², σ(0) = |g(0)| ;  θ ← θ − η g(t) / (σ(t) + ε)

    The lecture's RMSProp: σ starts from the first gradient, σ(0) = |g(0)|, so the first step
    is η per coordinate. torch's RMSprop starts from σ² = 0, so its first step is η/√(1−α) per
    coordinate (10η for α = 0.99)."""

    name = "rmsprop_lecture"
    hyper = {
        "lr": LR,
        "alpha": Hyper(0.9, 0.5, 0.9999, allowed="[0, 1)", help="decay α of σ²"),
        "eps": EPS,
    }
    accumulators = {"sigma_sq": "σ²"}
    suggested_lr = ADAPTIVE_RATES | {"lecture_valley": 0.1}
    lr_scale = "domain"

    def init(self, param):
        return {"t": 0, "sigma_sq": torch.zeros_like(param)}

    def update(self, grad, state, param, *, lr, alpha, eps):
        if state["t"] == 0:
            state["sigma_sq"] = grad * grad
        else:
            state["sigma_sq"] = alpha * state["sigma_sq"] + (1 - alpha) * grad * grad
        state["t"] += 1
        return -lr * grad / (state["sigma_sq"].sqrt() + eps)


class Adam(UpdateRule):
    """m ← β₁m + (1−β₁)g ;  v ← β₂v + (1−β₂)g² ;  θ ← θ − η m̂ / (√v̂ + ε)
    with the bias corrections m̂ = m/(1−β₁^t), v̂ = v/(1−β₂^t) after t steps."""

    name = "adam"
    hyper = {
        "lr": Hyper(0.001, 1e-5, 1.0, log=True, help="learning rate η"),
        "beta1": Hyper(0.9, 0.0, 0.999, allowed="[0, 1)", help="decay β₁ of the first moment"),
        "beta2": Hyper(0.999, 0.5, 0.99999, allowed="[0, 1)", help="decay β₂ of the second"),
        "eps": EPS,
    }
    arrows = {"m": "m"}
    accumulators = {"v": "v"}
    suggested_lr = ADAPTIVE_RATES
    lr_scale = "domain"

    def init(self, param):
        return {"t": 0, "m": torch.zeros_like(param), "v": torch.zeros_like(param)}

    def apply(self, grad, state, param, *, lr, beta1, beta2, eps):
        # torch's _single_tensor_adam, operation for operation: at a minimum the gradient is
        # rounding noise that Adam rescales to a full step, so only torch's roundings keep
        # torch's path there.
        state["t"] += 1
        t = state["t"]
        state["m"] = state["m"].lerp(grad, 1 - beta1)  # m ← β₁m + (1−β₁)g
        state["v"] = torch.addcmul(beta2 * state["v"], (1 - beta2) * grad, grad)
        step_size = lr / (1 - beta1**t)
        denom = state["v"].sqrt() / (1 - beta2**t) ** 0.5 + eps
        return param - step_size * state["m"] / denom


class AdamW(Adam):
    """Adam, plus decoupled weight decay:  θ ← θ − ηλθ − η m̂ / (√v̂ + ε)"""

    name = "adamw"
    hyper = Adam.hyper | {"weight_decay": Hyper(0.01, 0.0, 1.0, help="decay λ", allowed="[0, inf)")}

    def apply(self, grad, state, param, *, lr, weight_decay, **rest):
        # torch decays first, param.mul_(1 − ηλ), then takes Adam's step from there
        return super().apply(grad, state, param * (1 - lr * weight_decay), lr=lr, **rest)


@hookimpl
def register_optimizers(register):
    for rule in (SGD, Momentum, Nesterov, Adagrad, RMSProp, Adam, AdamW):
        register(rule)
    for rule in (AdagradLecture, RMSPropLecture):
        register(rule)
    # Any torch.optim.Optimizer class is one line away: here one that is not a built-in rule,
    # with its tuple argument betas as two knobs and its state declared for drawing.
    register(
        torch.optim.Adamax,
        name="adamax",
        hyper={
            "lr": Hyper(0.002, 1e-5, 1.0, log=True, help="learning rate η"),
            "betas": {
                "beta1": Hyper(0.9, 0.0, 0.999, allowed="[0, 1)", help="decay β₁ of m"),
                "beta2": Hyper(0.999, 0.5, 0.99999, allowed="[0, 1)", help="decay β₂ of u"),
            },
            "eps": EPS,
        },
        doc="u ← max(β₂u, |g|) ;  θ ← θ − η/(1−β₁^t) · m / u   (torch.optim.Adamax)",
        arrows={"exp_avg": "m"},
        accumulators={"exp_inf": "u"},
        suggested_lr=ADAPTIVE_RATES,
        lr_scale="domain",
    )
