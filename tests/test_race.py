"""The ball race: the lecture's pictures as numbers (momentum crosses the hill, SGD does not)."""

import csv

import numpy as np
import pytest
import torch

from explorer import UpdateRule
from explorer.landscape.race import BallConfig, Noise, Race, Status
from explorer.plugins import optimizer_spec
from explorer.schedules import lr_curve


@pytest.mark.slow
def test_momentum_crosses_the_hill_that_sgd_cannot(registry):
    spec = registry.surface("two_valleys")
    race = Race(spec, [BallConfig("sgd"), BallConfig("momentum")], registry=registry)
    race.step(3000)
    sgd, momentum = race.summary()
    shallow, deep = spec.minima
    assert sgd["x"] == pytest.approx(shallow[0], abs=0.05)
    assert momentum["x"] == pytest.approx(deep[0], abs=0.05)
    assert momentum["loss"] < sgd["loss"] - 1.0


def test_a_ball_follows_the_same_trajectory_as_the_torch_optimizer(registry):
    spec = registry.surface("rosenbrock")
    race = Race(spec, [BallConfig("adam", {"lr": 0.02})], (-1.2, 1.0), registry=registry)
    race.step(300)
    p = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.02)
    for _ in range(300):
        opt.zero_grad()
        ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
        opt.step()
    assert race.positions[-1, 0] == pytest.approx(p.detach().numpy(), abs=1e-9)


def test_trajectory_rows_start_at_the_start_and_carry_losses(registry, tmp_path):
    spec = registry.surface("bowl")
    race = Race(
        spec, [BallConfig("sgd", {"lr": 0.1}), BallConfig("adam")], (1.0, -1.0), registry=registry
    )
    race.step(25)
    assert race.positions.shape == (26, 2, 2)
    assert race.positions[0, 1] == pytest.approx([1.0, -1.0])
    assert race.losses[0, 0] == pytest.approx(1.0)
    # SGD on ½|θ|² shrinks θ by (1 − η) each step.
    assert race.positions[25, 0] == pytest.approx(np.array([1.0, -1.0]) * 0.9**25)
    assert race.losses[25, 0] == pytest.approx(0.5 * 2 * 0.81**25)
    out = tmp_path / "traj.csv"
    race.to_csv(out)
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == 2 * 26
    assert rows[0] == {
        "optimizer": "sgd",
        "step": "0",
        "x": "1.0",
        "y": "-1.0",
        "loss": "1.0",
        "settled": "0",
    }
    assert float(rows[26]["loss"]) == pytest.approx(1.0)


def test_convergence_is_a_mark_and_the_ball_keeps_stepping(registry):
    race = Race(registry.surface("bowl"), [BallConfig("sgd", {"lr": 0.5})], registry=registry)
    race.step(500)
    ball = race.balls[0]
    assert ball.status is Status.CONVERGED and 10 < ball.converged_at < 100
    assert race.t == 500  # every step is taken, as torch would
    assert race.settled[ball.converged_at, 0] and not race.settled[ball.converged_at - 1, 0]
    early = Race(registry.surface("bowl"), [BallConfig("sgd", {"lr": 0.5})], registry=registry)
    early.step(500, stop_when_settled=True)
    assert early.t == ball.converged_at  # opt-in: end once every ball has settled


def test_divergence_is_explained_by_lr_times_curvature(registry):
    # Curvature 4 across the ravine: lr 0.6 gives 2.4 > 2, every step overshoots further.
    race = Race(
        registry.surface("ravine"),
        [BallConfig("sgd", {"lr": 0.6}), BallConfig("sgd", {"lr": 0.1})],
        registry=registry,
    )
    race.step(400)
    bad, good = race.balls
    assert bad.status is Status.DIVERGED
    assert "largest curvature 4" in str(bad.reason) and "> 2" in str(bad.reason)
    assert np.all(np.isfinite(race.positions[-1, 0]))  # marked where it left, not at infinity
    assert good.status is not Status.DIVERGED


class Exploding(UpdateRule):
    name = "exploding"

    def update(self, grad, state, param, **_):
        state["n"] = state.get("n", 0) + 1
        if state["n"] > 3:
            raise RuntimeError("my plugin has a bug")
        return -0.01 * grad


class WrongShape(UpdateRule):
    name = "wrongshape"

    def update(self, grad, state, param, **_):
        return 0.5


def test_a_plugin_that_raises_freezes_its_ball_only(registry):
    registry.optimizers["exploding"] = optimizer_spec(Exploding, plugin="student")
    registry.optimizers["wrongshape"] = optimizer_spec(WrongShape, plugin="student")
    try:
        race = Race(
            registry.surface("bowl"),
            [BallConfig("exploding"), BallConfig("wrongshape"), BallConfig("sgd")],
            registry=registry,
        )
        race.step(50)
    finally:
        del registry.optimizers["exploding"], registry.optimizers["wrongshape"]
    boom, shape, sgd = race.balls
    assert (
        boom.status is Status.FROZEN
        and "student/exploding raised RuntimeError: my plugin has a bug" in str(boom.reason)
    )
    assert boom.stopped_at == 3
    assert shape.status is Status.FROZEN and "shaped like the parameter" in str(shape.reason)
    assert sgd.status is Status.RUNNING and race.t == 50


def test_same_seed_same_numbers_with_noise(registry):
    spec = registry.surface("rosenbrock")

    def run(seed):
        race = Race(
            spec,
            [BallConfig("sgd", {"lr": 1e-3}), BallConfig("adam", {"lr": 0.02})],
            noise=Noise("gaussian", sigma=2.0),
            seed=seed,
            registry=registry,
        )
        race.step(200)
        return race.positions.copy()

    assert np.array_equal(run(1), run(1))
    assert not np.allclose(run(1), run(2))


def test_minibatch_gradients_are_real_and_noisy(registry):
    spec = registry.surface("linear_regression")
    full = Race(spec, [BallConfig("sgd", {"lr": 0.1})], registry=registry)
    noisy = Race(
        spec, [BallConfig("sgd", {"lr": 0.1})], noise=Noise("minibatch", batch=4), registry=registry
    )
    full.step(400)
    noisy.step(400)
    w, b = spec.minima[0]
    assert full.positions[-1, 0] == pytest.approx([w, b], abs=1e-3)
    assert np.hypot(*(noisy.positions[-1, 0] - [w, b])) < 0.5  # near, but jittering around it
    steps = np.diff(noisy.positions[200:, 0], axis=0)
    assert np.hypot(steps[:, 0], steps[:, 1]).mean() > 10 * np.hypot(
        *np.diff(full.positions[-2:, 0], axis=0)[0]
    )


def test_minibatch_needs_a_data_surface(registry):
    with pytest.raises(ValueError, match="data-defined surface"):
        Race(
            registry.surface("bowl"),
            [BallConfig("sgd")],
            noise=Noise("minibatch"),
            registry=registry,
        )


def test_schedule_sets_each_steps_learning_rate(registry):
    spec = registry.surface("bowl")
    race = Race(
        spec,
        [BallConfig("sgd", {"lr": 0.1}, "cosine")],
        (1.0, 0.0),
        total_steps=100,
        registry=registry,
    )
    race.step(100)
    curve = lr_curve(registry.schedule("cosine"), 0.1, 100)
    x = 1.0
    for lr in curve:
        x -= lr * x  # SGD on ½x² with this step's learning rate
    assert race.positions[-1, 0, 0] == pytest.approx(x, rel=1e-9)
    assert curve[0] == pytest.approx(0.1) and curve[-1] < 1e-4


def test_hyperparameters_change_mid_run(registry):
    race = Race(
        registry.surface("bowl"), [BallConfig("sgd", {"lr": 0.1})], (1.0, 0.0), registry=registry
    )
    race.step(1)
    race.set_hyper(0, "lr", 0.5)
    race.step(1)
    assert race.positions[2, 0, 0] == pytest.approx(0.9 * 0.5)
    race.set_hyper(0, "lr", 99.0)  # outside the slider's range: runs as given, never clamped
    assert race.balls[0].hyper["lr"] == 99.0
    with pytest.raises(ValueError, match=r"lr=-1 is not allowed.*\[0, inf\)"):
        race.set_hyper(0, "lr", -1.0)
    assert race.balls[0].hyper["lr"] == 99.0


def test_reset_restarts_from_a_new_point(registry):
    race = Race(registry.surface("bowl"), [BallConfig("momentum")], registry=registry)
    race.step(30)
    race.reset((0.5, 0.25))
    assert race.t == 0 and race.positions[0, 0] == pytest.approx([0.5, 0.25])
    assert torch.count_nonzero(race.balls[0].state["velocity"]) == 0


def test_state_tensors_are_exposed_for_drawing(registry):
    race = Race(
        registry.surface("rosenbrock"),
        [BallConfig("adam"), BallConfig("adamax")],
        registry=registry,
    )
    race.step(5)
    adam, adamax = race.balls
    assert adam.state["m"].shape == (2,) and adam.state["t"] == 5
    assert adamax.state["exp_avg"].shape == (2,)
    assert np.linalg.norm(adam.grad) > 0 and np.linalg.norm(adam.last_step) > 0
