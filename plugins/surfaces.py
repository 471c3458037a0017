"""Built-in loss surfaces: each a torch formula in x and y, its domain, known minima and starts."""

import math

import torch

from explorer import (
    NET_SURFACE_KEYS,
    SurfaceFamily,
    SurfaceSpec,
    check_net_spec,
    hookimpl,
    surface_from_expression,
    surface_from_net_spec,
)


def bowl(x, y):
    return 0.5 * (x**2 + y**2)


def ravine(x, y):
    return 0.05 * x**2 + 2.0 * y**2


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


# The gradients below are what autograd's backward computes for the formulas above, operation for
# operation (a power's backward is g·(2·u), a constant's g·c), so they give autograd's bits.


def bowl_grad(x, y):
    return 0.5 * (2 * x), 0.5 * (2 * y)


def ravine_grad(x, y):
    return 0.05 * (2 * x), 2.0 * (2 * y)


def rosenbrock_grad(x, y):
    # Autograd computes g = 100·(2·(y − x²)) and −(2·(1 − x)) + (−g)·(2·x). Doubling is exact
    # and a sign flips exactly, so 200·(…), (1 − x)·(−2) and g·(x·(−2)) round to the very same
    # bits in 8 operations instead of 11; x.pow(2) and torch.rsub(x, 1) are x**2 and 1 − x
    # without the Python wrappers of ``**`` and of a number minus a tensor. (This is the stacked
    # race's gradient: a third of its step with 64 balls.)
    g_valley = 200 * (y - x.pow(2))
    return torch.rsub(x, 1) * -2 + g_valley * (x * -2), g_valley


def saddle_grad(x, y):
    return 2 * x, -(2 * y)  # the second term's backward is −1 · (2y)


def beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def himmelblau(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def booth(x, y):
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def saddle(x, y):
    return x**2 - y**2


def plateau_grad(x, y):
    # σ's backward is g·(1 − σ)·σ with g = 2 from the factor in front, then ·(−6) from inside
    s = torch.sigmoid(-6 * (x - 1.5))
    return 2 * (1 - s) * s * -6 + 0.02 * (2 * (x - 2.5)), 0.5 * (2 * y)


def monkey_saddle(x, y):
    return x**3 - 3 * x * y**2


def plateau(x, y):
    # Nearly flat for x < 1, then a cliff down to a bowl at x ≈ 2.71.
    return 2 * torch.sigmoid(-6 * (x - 1.5)) + 0.02 * (x - 2.5) ** 2 + 0.5 * y**2


def two_valleys(x, y):
    # A shallow valley at x ≈ −1.2, a small hill, then a deeper valley at x ≈ 1.4.
    shallow = 0.5 * torch.exp(-((x + 1.3) ** 2) / 0.18)
    deep = 1.6 * torch.exp(-((x - 1.5) ** 2) / 0.5)
    return 0.2 * (x - 0.3) ** 2 - shallow - deep + 0.5 * y**2


def two_valleys_grad(x, y):
    # Each Gaussian's backward: −1 (it is subtracted) · its height, · e (exp's result), ÷ its
    # width, negated, · (2·u). Autograd adds x's three terms deep valley + bowl first, then the
    # shallow valley: that order gives its bits (another order differs in the last bit).
    u_shallow, u_deep = x + 1.3, x - 1.5
    shallow = -(-0.5 * torch.exp(-(u_shallow**2) / 0.18) / 0.18) * (2 * u_shallow)
    deep = -(-1.6 * torch.exp(-(u_deep**2) / 0.5) / 0.5) * (2 * u_deep)
    return (deep + 0.2 * (2 * (x - 0.3))) + shallow, 0.5 * (2 * y)


def lecture_valley(x, y):
    # The lecture's error surface: a long, very flat valley floor (along x) between steep walls
    # (across, y). 200× more curvature across than along.
    return 0.01 * x**2 + 2.0 * y**2


def rastrigin(x, y):
    return 20 + x**2 - 10 * torch.cos(2 * math.pi * x) + y**2 - 10 * torch.cos(2 * math.pi * y)


def _three_logits(w1, w2):
    # The lecture's picture: three outputs, the third logit held at 0, the target is class 1.
    # With the input fixed at 1 the two logits are the neuron's two weights.
    return torch.stack([w1, w2, torch.zeros_like(w1)], -1)


def softmax_ce(w1, w2):
    """Cross-entropy −ln softmax₁ = logsumexp(w₁, w₂, 0) − w₁ (never overflows)."""
    return torch.logsumexp(_three_logits(w1, w2), -1) - w1


def softmax_mse(w1, w2):
    """The lecture's MSE of the softmax output against the one-hot target: Σ_k (p_k − t_k)²."""
    p = _three_logits(w1, w2).softmax(-1)
    target = torch.tensor([1.0, 0.0, 0.0], dtype=p.dtype)
    return ((p - target) ** 2).sum(-1)


SOFTMAX_START = (-4.0, 4.0)  # far from the target: MSE's gradient 0.035 there, CE's 1.4


def line_fit_data(n=200, seed=0):
    """Points around y = 2x − 1, the data behind the ``linear_regression`` surface."""
    g = torch.Generator().manual_seed(seed)
    xs = torch.rand(n, generator=g, dtype=torch.float64) * 2 - 1
    ys = 2 * xs - 1 + 0.3 * torch.randn(n, generator=g, dtype=torch.float64)
    return xs, ys


def unscaled_line_data(n=200, seed=0):
    """A raw feature between 0 and 10 (mean ≈ 5, std ≈ 2.9) and y = 0.3x + 1 + noise."""
    g = torch.Generator().manual_seed(seed)
    xs = torch.rand(n, generator=g, dtype=torch.float64) * 10
    ys = 0.3 * xs + 1 + 0.3 * torch.randn(n, generator=g, dtype=torch.float64)
    return xs, ys


def standardized(xs):
    """The feature rescaled to mean 0 and std 1 (the population std, as --normalize does)."""
    return (xs - xs.mean()) / xs.std(unbiased=False)


def squared_error(w, b, xs, ys):
    return (w * xs + b - ys) ** 2


def least_squares(xs, ys):
    A = torch.stack([xs, torch.ones_like(xs)], dim=1)
    w, b = torch.linalg.lstsq(A, ys[:, None]).solution[:, 0]
    return float(w), float(b)


def _expression(text, registry):
    return surface_from_expression(text)


def _net(text, registry):
    return surface_from_net_spec(f"net:{text}", registry)


def _net_check(text, registry):
    check_net_spec(f"net:{text}", registry)


@hookimpl
def register_surfaces(register):
    register(
        SurfaceFamily(
            "expr",
            _expression,
            doc="a formula in x and y, e.g. expr:x**2 - y**2 + 0.1*sin(3*x)",
            examples=("expr:x**2 - y**2", "expr:(1 - x)**2 + 100*(y - x**2)**2"),
        )
    )
    register(
        SurfaceFamily(
            "net",
            _net,
            doc="the training loss of a small real net along two directions through its weights",
            keys=NET_SURFACE_KEYS,
            # spelled as the surface names itself (keys in their canonical order)
            examples=("net:moons", "net:spiral?width=24", "net:moons?directions=pca"),
            check=_net_check,  # a saved setup naming a net: surface is checked, not trained
        )
    )
    S = SurfaceSpec
    register(
        S(
            "bowl",
            ((-2, 2), (-2, 2)),
            [(0, 0)],
            [(-1.6, 1.2)],
            bowl,
            "½(x² + y²)",
            "A round bowl: every optimizer finds the bottom.",
            grad=bowl_grad,
        )
    )
    register(
        S(
            "ravine",
            ((-4, 4), (-2, 2)),
            [(0, 0)],
            [(-3.6, 1.0)],
            ravine,
            "0.05x² + 2y²",
            "Ill-conditioned: steep across, shallow along. SGD zig-zags, momentum glides.",
            grad=ravine_grad,
        )
    )
    register(
        S(
            "rosenbrock",
            ((-2, 2), (-1, 3)),
            [(1, 1)],
            [(-1.2, 1.0)],
            rosenbrock,
            "(1 − x)² + 100(y − x²)²",
            "A curved, narrow valley with a flat floor.",
            grad=rosenbrock_grad,
        )
    )
    register(
        S(
            "beale",
            ((-4.5, 4.5), (-4.5, 4.5)),
            [(3, 0.5)],
            [(1.0, 1.4)],
            beale,
            "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
            "Flat plains and sharp ridges.",
        )
    )
    register(
        S(
            "himmelblau",
            ((-5, 5), (-5, 5)),
            [(3, 2), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)],
            [(-0.5, 0.5)],
            himmelblau,
            "(x² + y − 11)² + (x + y² − 7)²",
            "Four equal minima: where a ball ends depends on its path.",
        )
    )
    register(
        S(
            "booth",
            ((-10, 10), (-10, 10)),
            [(1, 3)],
            [(-8, -8)],
            booth,
            "(x + 2y − 7)² + (2x + y − 5)²",
            "A tilted bowl.",
        )
    )
    register(
        S(
            "saddle",
            ((-2, 2), (-2, 2)),
            [],
            [(-1.8, 0.02)],
            saddle,
            "x² − y²",
            "A saddle at the origin: the gradient vanishes there, yet it is no minimum.",
            grad=saddle_grad,
        )
    )
    register(
        S(
            "monkey_saddle",
            ((-1.5, 1.5), (-1.5, 1.5)),
            [],
            [(1.2, 0.05)],
            monkey_saddle,
            "x³ − 3xy²",
            "A degenerate saddle: the Hessian is zero at the origin.",
        )
    )
    register(
        S(
            "plateau",
            ((-3, 4), (-2, 2)),
            [(2.7102813, 0)],
            [(-2.5, 1.0)],
            plateau,
            "2σ(−6(x − 1.5)) + 0.02(x − 2.5)² + ½y²",
            "A plateau where gradients almost vanish, then a cliff.",
            grad=plateau_grad,
        )
    )
    register(
        S(
            "two_valleys",
            ((-3, 3), (-2, 2)),
            [(-1.1849213, 0), (1.4287339, 0)],
            [(-2.6, 0.6)],
            two_valleys,
            "0.2(x − 0.3)² − 0.5e^(−(x+1.3)²/0.18) − 1.6e^(−(x−1.5)²/0.5) + ½y²",
            "A shallow valley, a small hill, a deeper valley: momentum crosses, SGD stays.",
            grad=two_valleys_grad,
        )
    )
    register(
        S(
            "rastrigin",
            ((-5.12, 5.12), (-5.12, 5.12)),
            [(0, 0)],
            [(-4.2, 3.7)],
            rastrigin,
            "20 + x² − 10cos 2πx + y² − 10cos 2πy",
            "Many local minima on a bowl.",
        )
    )
    register(
        S(
            "lecture_valley",
            ((-10, 10), (-3, 3)),
            [(0, 0)],
            [(-9, 0.5)],
            lecture_valley,
            "0.01x² + 2y²",
            "The lecture's error surface: a long flat valley with steep walls. With a constant "
            "rate adagrad_lecture bursts sideways near the end (its σ across the valley keeps "
            "shrinking); a decaying rate can keep it on the floor (not from every start), a "
            "warm-up does not.",
        )
    )
    xs, ys = line_fit_data()
    register(
        S(
            "linear_regression",
            ((-1, 5), (-4, 2)),
            [least_squares(xs, ys)],
            [(-0.5, 1.5)],
            formula="mean over data of (w·x + b − y)², axes w (x) and b (y)",
            description="Fitting a line to 200 points: mini-batch gradients are real here.",
            data=(xs, ys),
            sample_loss=squared_error,
            axes=("w", "b"),
        )
    )
    register(
        S(
            "softmax_ce",
            ((-8, 8), (-8, 8)),
            [],
            [SOFTMAX_START],
            softmax_ce,
            "−ln softmax(w₁, w₂, 0)₁: cross-entropy, target class 1",
            "One softmax neuron over three classes (input 1, third logit 0), cross-entropy loss: "
            "steep even far from the target, so SGD from the far corner runs straight downhill. "
            "Compare softmax_mse on the same weights.",
            axes=("w1", "w2"),
        )
    )
    register(
        S(
            "softmax_mse",
            ((-8, 8), (-8, 8)),
            [],
            [SOFTMAX_START],
            softmax_mse,
            "Σ_k (softmax(w₁, w₂, 0)_k − onehot₁_k)²: squared error, target class 1",
            "The same neuron with the lecture's MSE on the softmax output: far from the target "
            "the surface is a flat plateau (gradient 0.035 against cross-entropy's 1.4 at the "
            "start), so SGD barely moves. Compare softmax_ce.",
            axes=("w1", "w2"),
        )
    )
    raw_x, raw_y = unscaled_line_data()
    register(
        S(
            "linear_regression_unscaled",
            ((-0.7, 1.3), (-4, 6)),
            [least_squares(raw_x, raw_y)],
            [(-0.5, 5.0)],
            formula="mean over data of (w·x + b − y)², x from 0 to 10 unscaled",
            description="A line fit on a raw feature between 0 and 10: the bowl is a long thin "
            "diagonal valley (Hessian condition number ≈ 140), so SGD zig-zags. "
            "linear_regression_standardized is the same data with the feature standardized.",
            data=(raw_x, raw_y),
            sample_loss=squared_error,
            axes=("w", "b"),
        )
    )
    std_x = standardized(raw_x)
    register(
        S(
            "linear_regression_standardized",
            ((-1.4, 3.1), (0.2, 4.7)),
            [least_squares(std_x, raw_y)],
            [(-0.9, 0.8)],
            formula="mean over data of (w·x̂ + b − y)², x̂ = (x − mean) / std",
            description="The line fit of linear_regression_unscaled after standardizing the "
            "feature: the bowl is round (condition number 1), every direction equally steep.",
            data=(std_x, raw_y),
            sample_loss=squared_error,
            axes=("w", "b"),
        )
    )
