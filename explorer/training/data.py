"""A dataset plugin's samples, checked and cut into seeded train / validation / test splits."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from explorer.specs import DatasetSpec


@dataclass(frozen=True)
class Split:
    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True)
class Splits:
    """The three splits (on the training device) and what the output layer needs to know."""

    train: Split
    val: Split
    test: Split
    spec: DatasetSpec

    @property
    def task(self) -> str:
        return self.spec.task

    @property
    def input_dim(self) -> int:
        return int(self.train.x.shape[1])

    @property
    def output_dim(self) -> int:
        return self.spec.n_classes if self.task == "classification" else 1


def load_samples(
    spec: DatasetSpec, n: int | None = None, noise: float | None = None, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Call the plugin's loader and check what it returned (a plugin's mistake is a sentence)."""
    n = spec.default_n if n is None else n
    noise = spec.default_noise if noise is None else noise
    where = f"dataset {spec.name!r} (plugin {spec.plugin})"
    out = spec.loader(n=n, noise=noise, seed=seed)
    if not (isinstance(out, tuple | list) and len(out) == 2):
        raise ValueError(f"{where}: the loader must return (X, y), got {type(out).__name__}")
    x, y = (torch.as_tensor(t) for t in out)
    if x.ndim != 2 or x.shape[0] != y.shape[0] or x.shape[0] < 4:
        raise ValueError(
            f"{where}: X must be (n, features) with the same n as y; got {tuple(x.shape)} "
            f"and {tuple(y.shape)}"
        )
    x = x.float()
    if not torch.isfinite(x).all():
        raise ValueError(f"{where}: X holds NaN or infinite values")
    if spec.task == "classification":
        y = y.reshape(-1).long()
        if y.min() < 0 or y.max() >= spec.n_classes:
            raise ValueError(
                f"{where}: class labels must be 0..{spec.n_classes - 1}, "
                f"got {int(y.min())}..{int(y.max())}"
            )
    elif spec.task == "regression":
        y = y.reshape(-1, 1).float()
    else:
        raise ValueError(f"{where}: task must be 'classification' or 'regression'")
    return x, y


def load_splits(
    spec: DatasetSpec,
    *,
    n: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    device: torch.device | str = "cpu",
) -> Splits:
    """Samples from ``spec`` shuffled with ``seed`` and split; the same seed, the same splits."""
    x, y = load_samples(spec, n, noise, seed)
    total = x.shape[0]
    order = torch.randperm(total, generator=torch.Generator().manual_seed(int(seed) + 1))
    n_val = round(total * val_fraction)
    n_test = round(total * test_fraction)
    n_train = total - n_val - n_test
    if n_train < 2:
        raise ValueError(f"dataset {spec.name!r}: {total} samples leave too few to train on")
    parts = torch.split(order, [n_train, n_val, n_test])
    train, val, test = (Split(x[i].to(device), y[i].to(device)) for i in parts)
    return Splits(train, val, test, spec)
