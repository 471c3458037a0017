"""Sharpness live in the Network lab (issue 23, item 3): the λ_max switch makes every net's
worker measure the top Hessian eigenvalue every k steps, the numbers are the tracker's own, the
curves panel draws them against 2/η and says, in both languages, when λ_max crossed it and
along which layer a diverging step blew up."""

import pytest
import torch

from explorer.app.scenes.network.model import NetworkModel
from explorer.app.scenes.network.readouts import sharpness_readouts
from explorer.app.scenes.network.sharpness_chart import note
from explorer.app.ui import i18n
from explorer.plugins import default_registry
from explorer.training import TrainConfig, TrainingSession
from explorer.training.sharpness import SharpnessTracker

# the edge-of-stability lesson's net: full batches on the plane, small init, η = 0.5
EDGE = TrainConfig(
    dataset="plane",
    depth=2,
    width=32,
    activation="tanh",
    init="small",
    optimizer="sgd",
    optimizer_hyper={"lr": 0.5},
    epochs=40,
    batch_size=4096,
    device="cpu",
)


@pytest.fixture(scope="module")
def registry():
    return default_registry()


@pytest.fixture
def english():
    before = i18n.language()
    i18n.set_language("en")
    yield
    i18n.set_language(before)


def test_the_switch_measures_lambda_max_in_the_worker_with_the_trackers_numbers(registry):
    torch.set_num_threads(1)
    model = NetworkModel(registry, EDGE, backend="thread")
    try:
        model.wait(60)
        assert model.snapshots[0].sharpness is None and "lambda_max" not in model.readouts()
        model.set_sharpness(10)
        model.step(30)
        model.wait(60)
        shown = model.snapshots[0].sharpness
        assert [row[0] for row in shown["series"]] == [0, 10, 20, 30]
        assert shown["threshold"] == pytest.approx(2 / 0.5)
        # the same run measured directly (on the whole training split: a full-batch run)
        session = TrainingSession(EDGE, registry)
        tracker = SharpnessTracker(session, every=10, batch=4096)
        tracker.observe()
        while session.global_step < 30:
            session.step(1)
            tracker.observe()
        assert [row[1] for row in shown["series"]] == pytest.approx(
            [p.value for p in tracker.points], rel=1e-5
        )
        numbers = model.readouts()
        assert numbers["lambda_max"] == pytest.approx(tracker.points[-1].value, rel=1e-5)
        assert numbers["lambda_ratio"] == pytest.approx(numbers["lambda_max"] / 4.0)
        model.reset()  # a reset measures again from step 0
        model.step(10)
        model.wait(60)
        assert [row[0] for row in model.snapshots[0].sharpness["series"]] == [0, 10]
        model.toggle_sharpness()  # off
        model.wait(60)
        assert model.snapshots[0].sharpness is None and model.setup().sharpness is None
    finally:
        model.close()


def test_a_setup_turns_it_on_for_both_nets_side_by_side(registry):
    torch.set_num_threads(1)
    model = NetworkModel(registry, EDGE, backend="thread")
    try:
        setup = model.setup()
        setup = type(setup)(**{**setup.__dict__, "sharpness": 5, "compare": None})
        model.apply(setup)
        model.set_side_by_side(True, compare="activation")
        model.step(5)
        model.wait(60)
        assert model.setup().sharpness == 5
        for snap in model.snapshots:
            assert [row[0] for row in snap.sharpness["series"]] == [0, 5]
        assert "b.lambda_max" in model.readouts()
    finally:
        model.close()


def summary(**changes):
    base = {
        "every": 10,
        "batch": 240,
        "optimizer": "sgd",
        "threshold": 1 / 0.6,
        "preconditioned": False,
        "series": ((0, 2.0, "output layer", 1.0), (10, 66.0, "hidden layer 2", 0.7)),
        "crossed": 0,
        "diverged": True,
        "failed_step": None,
    }
    return base | changes


def test_a_diverged_run_says_when_lambda_crossed_and_along_which_layer(english):
    said = note(summary())
    assert (
        "crossed 2/η = 1.667 at step 0" in said
        and "70% of which lies in the hidden layer 2" in said
    )
    i18n.set_language("zh")
    said = note(summary())
    assert "第 0 步越过 2/η = 1.667" in said and "70% 落在第 2 个隐藏层" in said
    i18n.set_language("en")
    said = note(summary(crossed=None, series=((0, 1.0, "output layer", 1.0),)))
    assert said.startswith("diverged between two measurements: λ_max was 1 at step 0")


def test_a_run_at_the_edge_says_how_close_and_since_when(english):
    series = ((0, 2.0, "output layer", 1.0), (80, 5.6, "output layer", 0.5))
    series += ((300, 4.02, "output layer", 0.5),)
    said = note(summary(threshold=4.0, diverged=False, crossed=80, series=series))
    assert said == "now 100% of 2/η; highest 5.6 at step 80; at or above it since step 80"
    numbers = sharpness_readouts(summary(threshold=4.0, crossed=80, series=series))
    assert numbers == {
        "lambda_max": 4.02,
        "lambda_start": 2.0,
        "lambda_peak": 5.6,
        "lambda_threshold": 4.0,
        "lambda_ratio": pytest.approx(1.005),
        "lambda_crossed": 80,
    }
    assert sharpness_readouts(summary(series=())) == {}


def test_a_measurement_left_with_an_error_bar_is_written_as_its_range(english):
    from explorer.app.scenes.network.sharpness_chart import figure

    summary = {
        "every": 10,
        "optimizer": "sgd",
        "threshold": 4.0,
        "preconditioned": False,
        "series": ((0, 2.0, "output layer", 0.9), (10, 3.0, "output layer", 0.9)),
        "errors": (0.0, 0.25),
        "tol": 1e-5,
        "crossed": None,
        "diverged": True,
        "failed_step": None,
    }
    assert figure(summary, 0) == "2" and figure(summary) == "3–3.25"
    assert "3–3.25" in note(summary)
