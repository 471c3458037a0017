"""Built-in datasets: the 2D toys of the classroom and scikit-learn's 8×8 handwritten digits.

Every loader is ``loader(n=..., noise=..., seed=...) -> (X, y)``: float inputs, class indices
(or a float column for regression), the same numbers for the same seed.
"""

import importlib.util
import math
from pathlib import Path

import numpy as np
import torch

from explorer import DatasetSpec, hookimpl


def _rng(seed):
    return torch.Generator().manual_seed(int(seed))


def _jitter(x, noise, g):
    return x + noise * torch.randn(x.shape, generator=g)


def circle(n=400, noise=0.1, seed=0):
    """A disc of one class inside a ring of the other."""
    g = _rng(seed)
    y = torch.arange(n) % 2
    radius = torch.where(y == 0, 0.5, 1.0) * (1 + 0.1 * torch.randn(n, generator=g))
    angle = 2 * math.pi * torch.rand(n, generator=g)
    x = torch.stack([radius * angle.cos(), radius * angle.sin()], 1)
    return _jitter(x, noise, g), y


def xor(n=400, noise=0.1, seed=0):
    """The class is the sign of x₁·x₂: no straight line separates it."""
    g = _rng(seed)
    x = 2 * torch.rand(n, 2, generator=g) - 1
    x = x + 0.05 * x.sign()  # a small margin around the axes
    y = (x[:, 0] * x[:, 1] > 0).long()
    return _jitter(x, noise, g), y


def blobs(n=400, noise=0.1, seed=0):
    """Three Gaussian blobs on a circle; noise widens them."""
    g = _rng(seed)
    y = torch.arange(n) % 3
    angle = 2 * math.pi * y / 3 + math.pi / 2
    centers = torch.stack([angle.cos(), angle.sin()], 1)
    return centers + (0.25 + noise) * torch.randn(n, 2, generator=g), y


def spiral(n=400, noise=0.1, seed=0):
    """Two interleaved spiral arms."""
    g = _rng(seed)
    y = torch.arange(n) % 2
    t = torch.rand(n, generator=g) * 2.5 * math.pi + 0.3
    angle = t + math.pi * y
    x = torch.stack([t * angle.cos(), t * angle.sin()], 1) / (2.8 * math.pi) * 2
    return _jitter(x, noise, g), y


def moons(n=400, noise=0.1, seed=0):
    """Two interleaved half circles (like scikit-learn's make_moons, centred)."""
    g = _rng(seed)
    y = torch.arange(n) % 2
    t = math.pi * torch.rand(n, generator=g)
    upper = torch.stack([t.cos(), t.sin()], 1)
    lower = torch.stack([1 - t.cos(), 0.5 - t.sin()], 1)
    x = torch.where(y[:, None] == 0, upper, lower) - torch.tensor([0.5, 0.25])
    return _jitter(x, noise, g), y


def plane(n=400, noise=0.1, seed=0):
    """Regression: y = 0.8·x₁ − 0.5·x₂ + 0.2, plus noise."""
    g = _rng(seed)
    x = 2 * torch.rand(n, 2, generator=g) - 1
    y = 0.8 * x[:, :1] - 0.5 * x[:, 1:] + 0.2
    return x, _jitter(y, noise, g)


DIGITS_SIZE = 1797


def _digits_table():
    """scikit-learn's digits.csv.gz read directly: importing sklearn.datasets takes seconds."""
    spec = importlib.util.find_spec("sklearn")
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    if path.is_file():
        table = np.loadtxt(path, delimiter=",", dtype=np.float32)
        return table[:, :-1], table[:, -1]
    from sklearn.datasets import load_digits  # the file moved: let scikit-learn find it

    return load_digits(return_X_y=True)


def digits(n=DIGITS_SIZE, noise=0.0, seed=0):
    """scikit-learn's bundled 8×8 digits (no download): raw pixels, 0 to 16 (normalize "auto"
    standardizes every pixel over the images, "standard" with the training split's statistics)."""
    if not 1 <= n <= DIGITS_SIZE:
        raise ValueError(f"digits has {DIGITS_SIZE} images; choose n from 1 to {DIGITS_SIZE}")
    x, y = _digits_table()
    x = torch.tensor(x, dtype=torch.float32)
    g = _rng(seed)
    keep = torch.randperm(DIGITS_SIZE, generator=g)[:n] if n < DIGITS_SIZE else slice(None)
    return _jitter(x[keep], noise, g), torch.tensor(y, dtype=torch.long)[keep]


def _suggest(depth, width, lr, epochs, batch_size=32, activation="relu", optimizer="adam"):
    return {
        "depth": depth,
        "width": width,
        "activation": activation,
        "optimizer": optimizer,
        "optimizer_hyper": {"lr": lr},
        "epochs": epochs,
        "batch_size": batch_size,
    }


# Settings that succeed on each dataset (tests/test_dataset_defaults.py holds them to it): the
# spiral needs depth and a few hundred Adam steps; the generic 3 × 32 SGD net ends at 57 % on it.
SUGGESTED = {
    "circle": _suggest(2, 16, 0.01, 40),
    "xor": _suggest(2, 16, 0.01, 40),
    "blobs": _suggest(1, 16, 0.01, 30),
    "spiral": _suggest(3, 32, 0.01, 80),
    "moons": _suggest(2, 16, 0.01, 40),
    "plane": _suggest(1, 16, 0.01, 40),
    "digits": _suggest(2, 64, 0.001, 20),
}


@hookimpl
def register_datasets(register):
    def spec(name, loader, **kw):
        return DatasetSpec(name, loader, doc=loader.__doc__, suggested=SUGGESTED[name], **kw)

    register(spec("circle", circle))
    register(spec("xor", xor))
    register(spec("blobs", blobs, n_classes=3))
    register(spec("spiral", spiral))
    register(spec("moons", moons))
    register(spec("plane", plane, task="regression", n_classes=0))
    register(
        spec(
            "digits",
            digits,
            n_classes=10,
            input_dim=64,
            default_n=DIGITS_SIZE,
            default_noise=0.0,
            auto_normalize="all",
        )
    )
