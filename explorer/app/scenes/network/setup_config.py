"""A Network-lab setup (what a user sets: ``model.NetworkSetup``) and the training
configuration it stands for, each from the other, without pygame. (The setup class stays with the
model, which imports this module: here a setup is read by its field names.)"""

from __future__ import annotations

from typing import Any

from explorer.knob_text import Pick, Spec
from explorer.plugins import Registry
from explorer.training import TrainConfig


def setup_fields(
    config: TrainConfig,
    registry: Registry,
    *,
    speed: float | None,
    compare: tuple[str, Any] | None,
) -> dict[str, Any]:
    """The fields of the setup that gives ``config`` (its optimizer's and schedule's
    hyperparameters in full, defaults included), at ``speed``, side by side on ``compare`` =
    (key, B's value) or alone."""
    c = config
    pick = None
    if compare is not None:
        key, value = compare
        if key == "optimizer":
            value = value if isinstance(value, Spec) else Spec(str(value))
        elif key == "dropout":
            value = float(value)
        pick = Pick(key, value)
    return dict(
        dataset=c.dataset,
        data=c.data,
        data_sha256=c.data_sha256 or _checksum(c.data),
        val_fraction=float(c.val_fraction),
        batch_size=c.batch_size,
        depth=c.depth,
        width=c.width,
        activation=c.activation,
        init=c.init,
        batch_norm=c.batch_norm,
        residual=c.residual,
        dropout=float(c.dropout),
        input_dropout=float(c.input_dropout),
        l1=float(c.l1),
        l2=float(c.l2),
        patience=c.patience,
        epochs=c.epochs,
        loss=c.loss,
        normalize=c.normalize,
        folds=c.folds,
        fold=c.fold,
        test_shift=float(c.test_shift),
        optimizer=Spec(
            c.optimizer, _floats(registry.optimizer(c.optimizer).defaults(), c.optimizer_hyper)
        ),
        schedule=Spec(
            c.schedule, _floats(registry.schedule(c.schedule).defaults(), c.schedule_hyper)
        ),
        seed=c.seed,
        speed=speed,
        compare=pick,
    )


def config_of(setup: Any, config: TrainConfig) -> TrainConfig:
    """``config`` with ``setup``'s settings (not checked here). What a setup does not name stays
    as it was: the sample count and noise while the dataset stays, Maxout's pieces while the
    activation stays."""
    c = config
    same = setup.dataset == c.dataset and setup.data is None
    return c.replace(
        dataset=setup.dataset,
        data=setup.data,
        data_sha256=setup.data_sha256 if setup.data is not None else None,
        val_fraction=setup.val_fraction,
        n=c.n if same else None,
        noise=c.noise if same else None,
        batch_size=setup.batch_size,
        depth=setup.depth,
        width=setup.width,
        activation=setup.activation,
        pieces=c.pieces if setup.activation == c.activation else None,
        init=setup.init,
        batch_norm=setup.batch_norm,
        residual=setup.residual,
        dropout=setup.dropout,
        input_dropout=setup.input_dropout,
        l1=setup.l1,
        l2=setup.l2,
        patience=setup.patience,
        epochs=setup.epochs,
        loss=setup.loss,
        normalize=setup.normalize,
        folds=setup.folds,
        fold=setup.fold,
        test_shift=setup.test_shift,
        optimizer=setup.optimizer.name,
        optimizer_hyper=dict(setup.optimizer.values),
        schedule=setup.schedule.name,
        schedule_hyper=dict(setup.schedule.values),
        seed=setup.seed,
    )


def _checksum(data: str | None) -> str | None:
    """The checksum a saved setup keeps of its CSV (None: no file, or one that cannot be read:
    opening the setup then says why)."""
    if data is None:
        return None
    from explorer.training.csv_data import read_csv_cached

    try:
        return read_csv_cached(data).sha256
    except ValueError:
        return None


def _floats(defaults: dict, given) -> dict[str, float]:
    return {k: float(v) for k, v in (defaults | dict(given)).items()}
