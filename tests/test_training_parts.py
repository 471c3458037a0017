"""Datasets, activations, the model builder and a training session, as a user of the library sees
them: shapes, seeds, formulas, and one sentence for every mistake."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from explorer.plugins import UnknownName
from explorer.specs import DatasetSpec
from explorer.training import (
    RELU_FAMILY,
    TrainConfig,
    TrainingSession,
    build_model,
    load_splits,
    resolve_device,
    resolve_init,
)

TOYS = ("circle", "xor", "blobs", "spiral", "moons", "plane")


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """The same arithmetic on every machine, whatever its core count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("name", TOYS)
def test_toy_datasets_are_2d_seeded_and_noisy(registry, name):
    spec = registry.dataset(name)
    x, y = spec.loader(n=300, noise=0.1, seed=3)
    again, _ = spec.loader(n=300, noise=0.1, seed=3)
    other, _ = spec.loader(n=300, noise=0.1, seed=4)
    quiet_x, quiet_y = spec.loader(n=300, noise=0.0, seed=3)
    assert x.shape == (300, 2) and x.dtype == torch.float32
    assert torch.equal(x, again) and not torch.equal(x, other)
    assert not (torch.equal(x, quiet_x) and torch.equal(y, quiet_y))  # noise moves x (or y)
    if spec.task == "classification":
        assert y.shape == (300,) and set(y.tolist()) == set(range(spec.n_classes))
    else:
        assert y.shape == (300, 1) and y.dtype == torch.float32


def test_digits_load_offline_as_raw_pixels(registry):
    spec = registry.dataset("digits")
    x, y = spec.loader(n=spec.default_n, noise=spec.default_noise, seed=0)
    assert x.shape == (1797, 64) and spec.input_dim == 64 and spec.n_classes == 10
    assert sorted(set(y.tolist())) == list(range(10))
    # scikit-learn's pixels: whole numbers 0 to 16 (its own docs), a few border pixels blank
    assert x.min() == 0 and x.max() == 16 and torch.equal(x, x.round())
    assert (x.std(0) > 0).sum() >= 60
    with pytest.raises(ValueError, match="digits has 1797 images"):
        spec.loader(n=5000, noise=0.0, seed=0)


def test_normalize_off_means_raw_pixels_and_standard_uses_the_training_split(registry):
    """Issue 20 item 7: ``--normalize standard`` did nothing on digits (the loader had already
    standardized), and ``off`` could not give raw pixels."""
    spec = registry.dataset("digits")
    raw = load_splits(spec, seed=0, normalize="off")
    std = load_splits(spec, seed=0, normalize="standard")
    auto = load_splits(spec, seed=0, normalize="auto")
    assert raw.train.x.max() == 16 and torch.equal(raw.train.x, raw.train.x.round())
    used = raw.train.x.std(0) > 0
    # standard: the training split's own mean 0 and (population) std 1, by its definition
    assert torch.allclose(std.train.x.mean(0), torch.zeros(64), atol=1e-5)
    assert torch.allclose(std.train.x.std(0, unbiased=False)[used], torch.ones(int(used.sum())))
    # auto: the digits' convention, every pixel over all 1,797 images (train + val + test)
    every = torch.cat([auto.train.x, auto.val.x, auto.test.x])
    assert torch.allclose(every.mean(0), torch.zeros(64), atol=1e-4)
    assert not torch.allclose(std.train.x, auto.train.x, atol=1e-3)  # three different inputs
    assert torch.equal(raw.train.y, std.train.y) and torch.equal(raw.train.y, auto.train.y)


def test_splits_are_seeded_disjoint_and_sized(registry):
    spec = registry.dataset("moons")
    a = load_splits(spec, n=200, seed=1, val_fraction=0.2, test_fraction=0.1)
    b = load_splits(spec, n=200, seed=1, val_fraction=0.2, test_fraction=0.1)
    c = load_splits(spec, n=200, seed=2, val_fraction=0.2, test_fraction=0.1)
    assert (len(a.train), len(a.val), len(a.test)) == (140, 40, 20)
    assert torch.equal(a.train.x, b.train.x) and not torch.equal(a.train.x, c.train.x)
    rows = {tuple(r) for r in torch.cat([a.train.x, a.val.x, a.test.x]).tolist()}
    assert len(rows) == 200


def test_a_broken_dataset_plugin_is_one_sentence(registry):
    bad = DatasetSpec("bad", lambda n, noise, seed: (torch.zeros(n, 2), torch.full((n,), 7)))
    with pytest.raises(ValueError, match=r"dataset 'bad'.*class labels must be 0\.\.1, got 7"):
        load_splits(bad)


EXPECTED = {  # activation: f(-2), f(0), f(1)
    "sigmoid": (1 / (1 + math.e**2), 0.5, 1 / (1 + math.e**-1)),
    "tanh": (math.tanh(-2), 0.0, math.tanh(1)),
    "relu": (0.0, 0.0, 1.0),
    "leaky_relu": (-0.02, 0.0, 1.0),
    "prelu": (-0.5, 0.0, 1.0),
    "elu": (math.exp(-2) - 1, 0.0, 1.0),
    "softplus": (math.log1p(math.exp(-2)), math.log(2), math.log1p(math.e)),
    "gelu": (-2 * 0.5 * (1 + math.erf(-2 / math.sqrt(2))), 0.0, 0.5 * (1 + math.erf(1 / 2**0.5))),
    "silu": (-2 / (1 + math.e**2), 0.0, 1 / (1 + math.e**-1)),
    "linear": (-2.0, 0.0, 1.0),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_activation_computes_its_formula(registry, name):
    spec = registry.activation(name)
    assert spec.formula and spec.pieces == 1
    with torch.no_grad():
        out = spec.factory()(torch.tensor([-2.0, 0.0, 1.0]))
    assert out.tolist() == pytest.approx(EXPECTED[name], abs=1e-6)


@pytest.mark.parametrize("name", [*sorted(EXPECTED), "maxout"])
def test_every_activation_trains_and_reports_its_saturation(registry, name):
    config = TrainConfig(dataset="blobs", depth=3, width=8, activation=name, epochs=1)
    session = TrainingSession(config, registry)
    session.step(3)
    hidden = [layer for layer in session.snapshot().layers if layer.hidden]
    assert all(math.isfinite(layer.act_std) for layer in hidden)
    saturated = [layer.saturated for layer in hidden]
    if name in ("relu", "leaky_relu"):  # the flat (or nearly flat) side of z < 0
        assert all(0.1 < s < 0.9 for s in saturated)
    if name in ("linear", "maxout"):  # a slope of 1 everywhere: never saturated
        assert saturated == [0.0, 0.0, 0.0]


def test_maxout_widens_the_layer_before_it(registry):
    spec = registry.activation("maxout")
    assert spec.pieces == 2 and "max" in spec.formula
    for pieces, expected in ((None, 2), (3, 3)):
        config = TrainConfig(depth=2, width=8, activation="maxout", pieces=pieces)
        net = build_model(config, spec, input_dim=5, output_dim=3)
        assert [layer.linear.out_features for layer in net.hidden] == [8 * expected] * 2
        assert net.hidden[1].linear.in_features == 8
        assert net(torch.randn(4, 5)).shape == (4, 3)
        assert net.sizes == (5, 8, 8, 3)


def test_pieces_is_refused_for_an_elementwise_activation(registry):
    with pytest.raises(ValueError, match="'relu' has no pieces setting"):
        TrainingSession(TrainConfig(activation="relu", pieces=3), registry)


def test_auto_init_is_kaiming_for_the_relu_family_and_xavier_otherwise(registry):
    for name in registry.activations:
        expected = "kaiming" if name in RELU_FAMILY else "xavier"
        assert resolve_init("auto", name) == expected
    assert {"relu", "leaky_relu", "prelu", "elu", "gelu", "silu", "maxout"} <= RELU_FAMILY
    assert resolve_init("normal", "relu") == "normal"
    config = TrainConfig(depth=3, width=256, activation="relu")
    net = build_model(config, registry.activation("relu"), input_dim=256, output_dim=10)
    assert net.init_scheme == "kaiming"
    assert net.hidden[1].linear.weight.std().item() == pytest.approx(math.sqrt(2 / 256), rel=0.02)
    scaled = build_model(
        config.replace(init="normal", init_scale=0.3), registry.activation("relu"), 256, 10
    )
    assert scaled.hidden[1].linear.weight.std().item() == pytest.approx(0.3, rel=0.02)


@pytest.mark.slow
def test_torch_default_init_does_not_train_a_deep_relu_net_on_digits_but_auto_does(registry):
    base = TrainConfig(
        depth=10,
        width=32,
        activation="relu",
        optimizer="momentum",
        optimizer_hyper={"lr": 0.01, "beta": 0.9},
        epochs=6,
    )
    accuracy = {}
    for init in ("torch", "auto"):
        session = TrainingSession(base.replace(init=init), registry)
        session.fit()
        accuracy[init] = session.epochs[-1].train_acc
    assert accuracy["torch"] < 0.3
    assert accuracy["auto"] > accuracy["torch"] + 0.4


def test_the_same_seed_gives_the_same_numbers(registry):
    config = TrainConfig(dataset="spiral", depth=3, width=16, dropout=0.2, epochs=3, seed=7)
    runs = []
    for seed in (7, 7, 8):
        session = TrainingSession(config.replace(seed=seed), registry)
        session.fit()
        runs.append(session.snapshot())
    a, b, c = runs
    assert np.array_equal(a.losses, b.losses) and len(a.losses) == a.step
    assert all(np.array_equal(x.weight, y.weight) for x, y in zip(a.layers, b.layers, strict=True))
    assert not np.array_equal(a.losses, c.losses)


def test_reset_starts_the_same_run_again(registry):
    session = TrainingSession(TrainConfig(dataset="xor", depth=2, width=8, epochs=2), registry)
    first = session.fit()
    session.reset()
    assert session.global_step == 0 and session.epochs == [] and not session.done
    assert session.fit() == first


def test_a_snapshot_holds_what_the_network_view_draws(registry):
    config = TrainConfig(dataset="digits", depth=3, width=16, dropout=0.25, epochs=2)
    session = TrainingSession(config, registry)
    assert session.snapshot().state == "idle"
    session.run_epochs(1)
    session.step(3)
    snap = session.snapshot()
    assert (snap.step, snap.epoch, snap.state) == (session.steps_per_epoch + 3, 1, "paused")
    assert snap.sizes == (64, 16, 16, 16, 10) and snap.device == "cpu" and snap.init == "kaiming"
    assert len(snap.losses) == snap.step and not snap.losses.flags.writeable
    assert len(snap.epochs) == 1 and snap.epochs[0].val_acc is not None
    assert [layer.name for layer in snap.layers] == ["hidden 1", "hidden 2", "hidden 3", "output"]
    for layer in snap.layers[:3]:
        assert layer.mask.shape == (64, 16) and layer.mask.dtype == bool
        assert 0 <= layer.saturated <= 1 and layer.act_std > 0 and layer.grad_norm > 0
        assert layer.weight.shape == (16, layer.weight.shape[1])
        assert not layer.weight.flags.writeable
    out = snap.layers[-1]
    assert out.mask is None and out.act_mean is None and out.weight.shape == (10, 16)
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.step = 0


def test_regression_uses_mse_and_has_no_accuracy(registry):
    session = TrainingSession(
        TrainConfig(
            dataset="plane",
            depth=2,
            width=16,
            optimizer="adam",
            optimizer_hyper={"lr": 0.01},
            epochs=30,
        ),
        registry,
    )
    session.fit()
    first, last = session.epochs[0], session.epochs[-1]
    assert last.train_acc is None and last.val_acc is None
    assert session.model.out.out_features == 1
    assert last.val_loss < 0.2 * first.val_loss
    assert last.val_loss < 0.05  # the noise is 0.1: its variance is 0.01


def test_every_schedule_and_optimizer_plugin_drives_a_real_network(registry):
    for name in registry.optimizers:
        session = TrainingSession(TrainConfig(dataset="blobs", optimizer=name, epochs=1), registry)
        session.step(3)
        assert np.isfinite(session.snapshot().losses).all()
    for name in registry.schedules:
        config = TrainConfig(dataset="blobs", schedule=name, epochs=2)
        session = TrainingSession(config, registry)
        session.fit()
        assert session.epochs[-1].lr > 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"activation": "sigmoidd"}, "Unknown activation 'sigmoidd'. Did you mean 'sigmoid'?"),
        ({"dataset": "mnist"}, "Unknown dataset 'mnist'."),
        ({"optimizer": "adamm"}, "Unknown optimizer 'adamm'. Did you mean 'adam'?"),
        ({"schedule": "cosin"}, "Unknown schedule 'cosin'. Did you mean 'cosine'?"),
        ({"optimizer_hyper": {"beta": 0.9}}, "optimizer 'sgd' has no hyperparameter beta"),
        ({"schedule_hyper": {"gamma": 0.9}}, "schedule 'constant' has no hyperparameter gamma"),
        ({"init": "he"}, "init 'he' is unknown; use one of auto, xavier"),
        ({"dropout": 1.0}, "dropout is a probability in [0, 1)"),
        ({"depth": -1}, "depth must be a whole number ≥ 0"),
        ({"l1": -0.1}, "l1 must be a number ≥ 0"),
        ({"device": "tpu"}, "device 'tpu'"),
        ({"patience": 3, "val_fraction": 0.0}, "early stopping (patience) needs a validation"),
    ],
)
def test_mistakes_are_one_clear_sentence(registry, changes, message):
    with pytest.raises((ValueError, UnknownName)) as info:
        TrainingSession(TrainConfig(**changes), registry)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_devices(monkeypatch):
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device(None).type in ("cpu", "mps")
    with pytest.raises(ValueError, match="no CUDA GPU"):
        resolve_device("cuda")


def test_snapshots_carry_unit_activations_and_what_the_net_computes(registry):
    cfg = TrainConfig(dataset="moons", depth=2, width=6, epochs=3, device="cpu")
    session = TrainingSession(cfg, registry)
    session.step(1)
    snap = session.snapshot()
    # each unit's colour in the network view is its mean activation over the mini-batch
    y = session.model.trace[0][1]
    assert snap.layers[0].unit_act == pytest.approx(y.mean(0).detach().numpy(), abs=1e-6)
    view = snap.function
    assert view.kind == "grid" and view.values.shape == view.confidence.shape == (64, 64)
    # the grid's classes are the model's own predictions at those inputs
    x0, x1, y0, y1 = view.extent
    point = torch.tensor([[x0, y0], [x1, y1]])
    session.model.eval()
    with torch.no_grad():
        expected = session.model(point).argmax(1).tolist()
    session.model.train()
    assert [int(view.values[0, 0]), int(view.values[-1, -1])] == expected
    digits = TrainingSession(TrainConfig(dataset="digits", depth=1, device="cpu"), registry)
    shown = digits.snapshot().function
    assert shown.kind == "samples" and shown.images.shape[1:] == (8, 8)
    assert len(shown.predicted) == len(shown.labels) == 12
