"""The stacked race (``Race(stacked=True)``) moves every ball exactly as the per-ball race does,
and as torch.optim does, bit for bit; a rule that cannot stack steps one ball at a time."""

import math

import numpy as np
import pytest
import torch

from explorer import Hyper, UpdateRule
from explorer.landscape.race import BallConfig, Noise, Race
from explorer.plugins import optimizer_spec


def _both(registry, surface, configs, steps, **kw):
    races = []
    for stacked in (False, True):
        race = Race(
            registry.surface(surface),
            configs,
            total_steps=steps,
            registry=registry,
            stacked=stacked,
            **kw,
        )
        race.step(steps)
        races.append(race)
    return races


def _assert_same(one, stacked):
    assert np.array_equal(one.positions, stacked.positions, equal_nan=True)
    assert np.array_equal(one.losses, stacked.losses, equal_nan=True)
    assert np.array_equal(one.settled, stacked.settled)
    for a, b in zip(one.balls, stacked.balls, strict=True):
        assert (a.status, str(a.reason), a.converged_at) == (
            b.status,
            str(b.reason),
            b.converged_at,
        )
        assert set(a.state) == set(b.state)
        for key, value in a.state.items():
            if isinstance(value, torch.Tensor):
                assert torch.equal(value, b.state[key]), (a.label, key)
            else:
                assert value == b.state[key]
        assert np.array_equal(a.grad, b.grad) and np.array_equal(a.last_step, b.last_step)


@pytest.mark.parametrize(
    "optimizer", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
)
@pytest.mark.slow
def test_stacked_balls_move_exactly_as_one_at_a_time(registry, optimizer):
    # A sweep wide enough that some balls settle, some diverge and leave the map.
    configs = [BallConfig(optimizer, {"lr": float(lr)}) for lr in np.geomspace(1e-3, 3.0, 12)]
    one, stacked = _both(registry, "rosenbrock", configs, 300)
    _assert_same(one, stacked)
    assert stacked._stack.groups and not stacked._stack.fallbacks  # it really stacked


@pytest.mark.slow
def test_mixed_settings_schedules_and_noise_keep_the_bits(registry):
    configs = (
        [
            BallConfig("adam", {"lr": lr, "beta1": b1}, schedule="cosine")
            for lr in (0.01, 0.05)
            for b1 in (0.8, 0.9)
        ]
        + [BallConfig("momentum", {"lr": lr}) for lr in (1e-3, 2e-3)]
        + [BallConfig("adamax")]
    )
    for noise in (Noise(), Noise("gaussian", sigma=0.3)):
        one, stacked = _both(registry, "rosenbrock", configs, 200, noise=noise, seed=3)
        _assert_same(one, stacked)
    one, stacked = _both(
        registry,
        "linear_regression",
        [BallConfig("rmsprop", {"lr": lr}) for lr in (0.003, 0.01, 0.03)],
        150,
        noise=Noise("minibatch", batch=4),
        seed=1,
    )
    _assert_same(one, stacked)


def test_stacked_adam_follows_torch_optim(registry):
    rates = (0.005, 0.02, 0.08)
    race = Race(
        registry.surface("rosenbrock"),
        [BallConfig("adam", {"lr": lr}) for lr in rates],
        (-1.2, 1.0),
        registry=registry,
        stacked=True,
    )
    race.step(200)
    for i, lr in enumerate(rates):
        p = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=lr)
        path = [p.detach().clone()]
        for _ in range(200):
            opt.zero_grad()
            ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
            opt.step()
            path.append(p.detach().clone())
        assert np.array_equal(race.positions[:, i], torch.stack(path).numpy())


def test_a_change_mid_run_restacks_and_keeps_the_bits(registry):
    races = []
    for stacked in (False, True):  # set_hyper writes into the configs: fresh ones each
        configs = [BallConfig("momentum", {"lr": lr}) for lr in (1e-3, 2e-3, 4e-3)]
        race = Race(registry.surface("rosenbrock"), configs, registry=registry, stacked=stacked)
        race.step(50)
        race.set_hyper(1, "beta", 0.5)
        race.step(50)
        races.append(race)
    _assert_same(*races)


class BranchesOnLr(UpdateRule):
    """Branches on the value of lr: cannot take a column of rates."""

    name = "branchy"
    hyper = {"lr": Hyper(0.01, 1e-4, 1.0, log=True)}

    def update(self, grad, state, param, *, lr):
        return -(lr if lr < 0.01 else math.sqrt(lr) * 0.1) * grad


class MixesBalls(UpdateRule):
    """Normalises by the whole gradient's norm: stacked, it would mix the balls."""

    name = "mixer"
    hyper = {"lr": Hyper(0.01, 1e-4, 1.0, log=True)}

    def update(self, grad, state, param, *, lr):
        return -lr * grad / (grad.norm() + 1e-12)


class FailsLater(UpdateRule):
    """Raises at step 20 for its largest rate only."""

    name = "fails_later"
    hyper = {"lr": Hyper(0.01, 1e-4, 1.0, log=True)}

    def init(self, param):
        return {"t": 0}

    def update(self, grad, state, param, *, lr):
        state["t"] += 1
        if state["t"] == 20 and bool(torch.as_tensor(lr).max() > 0.005):
            raise RuntimeError("too fast")
        return -lr * grad


@pytest.mark.parametrize("rule", [BranchesOnLr, MixesBalls, FailsLater])
def test_a_rule_that_cannot_stack_steps_one_ball_at_a_time(registry, rule):
    registry.optimizers[rule.name] = optimizer_spec(rule, plugin="student")
    try:
        configs = [BallConfig(rule.name, {"lr": lr}) for lr in (1e-3, 2e-3, 1e-2)]
        one, stacked = _both(registry, "bowl", configs, 40)
    finally:
        del registry.optimizers[rule.name]
    _assert_same(one, stacked)
    assert stacked._stack.fallbacks == [rule.name]


def test_bench_race_stacked_times_both_and_checks_the_bits():
    from click.testing import CliRunner

    from explorer.cli import main

    result = CliRunner().invoke(main, ["bench", "race", "--stacked", "--steps", "20"])
    assert result.exit_code == 0, result.output
    assert result.output.count("same trajectories: yes") == 4
    assert "64 adam balls" in result.output and "ball-steps/s" in result.output


def test_a_surface_s_written_out_gradient_is_autograd_s_bits(registry):
    # The stacked race steps with a surface's ``grad`` where it has one: it must be autograd's
    # gradient to the bit, signed zeros, infinities and NaNs included, or the race would drift.
    gen = torch.Generator().manual_seed(0)
    wide = torch.rand(4000, generator=gen, dtype=torch.float64) * 8 - 4
    odd = torch.tensor([0.0, -0.0, 1e-320, 1.0, 1e200, -1e200, math.inf, -math.inf, math.nan])
    x = torch.cat([wide, odd.repeat_interleave(len(odd)).double(), wide[:50] * 1e150])
    y = torch.cat([wide.flip(0), odd.repeat(len(odd)).double(), wide[:50] * 1e-150])
    written = [s for s in registry.surfaces.values() if getattr(s, "grad", None) is not None]
    names = {s.name for s in written}
    assert {"bowl", "ravine", "rosenbrock", "saddle", "plateau", "two_valleys"} <= names
    for spec in written:
        xr, yr = x.clone().requires_grad_(True), y.clone().requires_grad_(True)
        want = torch.autograd.grad(spec.fn(xr, yr).sum(), (xr, yr))
        for a, b in zip(want, spec.grad(x, y), strict=True):
            same = (a.view(torch.int64) == b.view(torch.int64)) | (a.isnan() & b.isnan())
            assert bool(same.all()), spec.name
