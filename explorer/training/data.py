"""A dataset plugin's samples, checked and cut into seeded train / validation / test splits."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from explorer.plugins import describe_fault, plugin_fault
from explorer.specs import DatasetSpec
from explorer.training.config import NORMALIZE


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
    try:
        out = spec.loader(n=n, noise=noise, seed=seed)
        if not (isinstance(out, tuple | list) and len(out) == 2):
            raise ValueError(f"{where}: the loader must return (X, y), got {type(out).__name__}")
        x, y = (torch.as_tensor(t) for t in out)
    except ValueError:
        raise
    except BaseException as exc:
        if not plugin_fault(exc):
            raise
        raise ValueError(f"{where}: the loader raised {describe_fault(exc)}") from None
    if x.ndim != 2 or y.ndim not in (1, 2) or x.shape[0] != y.shape[0] or x.shape[0] < 4:
        raise ValueError(
            f"{where}: X must be (n, features) with the same n as y; got {tuple(x.shape)} "
            f"and {tuple(y.shape)}"
        )
    if x.shape[1] != spec.input_dim:
        raise ValueError(
            f"{where}: declares {spec.input_dim} input feature(s) but the loader returned "
            f"{x.shape[1]}; fix input_dim or the loader"
        )
    if x.is_complex() or y.is_complex() or x.dtype == torch.bool:
        raise ValueError(f"{where}: X and y must hold real numbers, got {x.dtype} and {y.dtype}")
    x = x.float()
    if not torch.isfinite(x).all():
        raise ValueError(f"{where}: X holds NaN or infinite values")
    if spec.task == "classification":
        y = y.reshape(-1)
        if y.is_floating_point() and not (torch.isfinite(y).all() and (y == y.round()).all()):
            bad = y[~(torch.isfinite(y) & (y == y.round()))][0].item()
            raise ValueError(
                f"{where}: class labels must be whole numbers 0..{spec.n_classes - 1}, got {bad:g} "
                "(for a continuous target declare task='regression')"
            )
        y = y.long()
        if y.min() < 0 or y.max() >= spec.n_classes:
            raise ValueError(
                f"{where}: class labels must be 0..{spec.n_classes - 1}, "
                f"got {int(y.min())}..{int(y.max())}"
            )
    elif spec.task == "regression":
        if y.ndim == 2 and y.shape[1] != 1:
            raise ValueError(f"{where}: a regression target is one column, got {tuple(y.shape)}")
        y = y.reshape(-1, 1).float()
        if not torch.isfinite(y).all():
            raise ValueError(f"{where}: y holds NaN or infinite values")
    else:
        raise ValueError(f"{where}: task must be 'classification' or 'regression'")
    return x, y


def split_order(total: int, seed: int) -> torch.Tensor:
    """The shuffled order of ``total`` samples that the splits are cut from: train first, then
    validation, then test (the same seed, the same order; the Data panel draws each point's
    split from it)."""
    return torch.randperm(total, generator=torch.Generator().manual_seed(int(seed) + 1))


def load_splits(
    spec: DatasetSpec,
    *,
    n: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    device: torch.device | str = "cpu",
    normalize: str = "auto",
    folds: int = 1,
    fold: int = 0,
    test_shift: float = 0.0,
) -> Splits:
    """Samples from ``spec`` shuffled with ``seed`` and split; the same seed, the same splits.

    ``normalize="standard"`` rescales every feature to mean 0 and std 1 with the training split's
    own statistics (never the validation or test samples'); ``"off"`` keeps the features as the
    loader gives them (the digits' raw pixels, 0 to 16); ``"auto"`` does what the dataset
    declares (``spec.auto_normalize``: "all" standardizes over every sample loaded, before the
    split, as scikit-learn's digits examples do). With ``folds`` K > 1 the test split is
    cut off as usual and the rest is cut into K equal folds: fold ``fold`` validates, the others
    train (K-fold cross-validation; ``val_fraction`` is then unused). ``test_shift`` is added to
    every feature of the test samples (before any normalization, whose statistics come from the
    training split): the test data no longer come from the training distribution, which the
    validation split cannot see."""
    if normalize not in NORMALIZE:
        raise ValueError(f"normalize {normalize!r} is unknown; use one of {', '.join(NORMALIZE)}")
    x, y = load_samples(spec, n, noise, seed)
    if normalize == "auto" and spec.auto_normalize == "all":
        x = (x - x.mean(0)) / x.std(0).clamp_min(1e-6)  # a constant feature (blank pixel) stays 0
    total = x.shape[0]
    order = split_order(total, seed)
    n_test = round(total * test_fraction)
    if folds > 1:
        rest, test_idx = order[: total - n_test], order[total - n_test :]
        chunks = torch.tensor_split(rest, folds)
        if min(len(c) for c in chunks) < 1 or len(rest) - len(chunks[fold]) < 2:
            raise ValueError(
                f"dataset {spec.name!r}: {total} samples are too few for {folds} folds"
            )
        val_idx = chunks[fold]
        train_idx = torch.cat([c for i, c in enumerate(chunks) if i != fold])
        parts: tuple[torch.Tensor, ...] = (train_idx, val_idx, test_idx)
    else:
        n_val = round(total * val_fraction)
        n_train = total - n_val - n_test
        if n_train < 2:
            raise ValueError(f"dataset {spec.name!r}: {total} samples leave too few to train on")
        parts = torch.split(order, [n_train, n_val, n_test])
    if test_shift:
        x = x.clone()
        x[parts[2]] += float(test_shift)
    if normalize == "standard":
        train_x = x[parts[0]]
        mean = train_x.mean(0)
        std = train_x.std(0, unbiased=False)
        x = (x - mean) / torch.where(std > 0, std, 1.0)  # a constant feature stays 0
    train, val, test = (Split(x[i].to(device), y[i].to(device)) for i in parts)
    return Splits(train, val, test, spec)
