"""The learning-rate curves live with the race (``Race(curves=...)``): every ball's curve is torch's
scheduler stepped at its own rate, bit for bit, a new race or a rate visited before never steps a
scheduler again, and the Landscape never writes into a ball's state; its helper thread is one
class."""

from pathlib import Path

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as L

from explorer.app.scenes.landscape.model import LandscapeModel
from explorer.landscape import schedule_curves
from explorer.landscape.race import BallConfig, Race
from explorer.landscape.schedule_curves import ScheduleCurves
from explorer.schedules import lr_curve
from explorer.specs import ScheduleSpec

LANDSCAPE = Path(__file__).parents[1] / "explorer" / "app" / "scenes" / "landscape"
STEP = {"every": 100, "gamma": 0.5}


def _race(registry, curves):
    balls = [BallConfig("sgd", {"lr": 0.1}), BallConfig("momentum", {"lr": 0.05})]
    return Race(registry.surface("bowl"), balls, (1.0, 1.0), registry=registry, curves=curves)


def test_a_race_given_the_cache_reuses_its_curves_for_a_new_race_and_a_rate_it_had(
    registry, monkeypatch
):
    curves = ScheduleCurves()
    race = _race(registry, curves)
    race.set_schedule_all("step", **STEP)
    race.set_hyper(0, "lr", 0.03)  # a slider moved mid-run: the curve for 0.03, stepped once
    stepped = []
    real = schedule_curves.lr_curve
    monkeypatch.setattr(
        schedule_curves, "lr_curve", lambda *a, **k: stepped.append(a) or real(*a, **k)
    )
    race.set_hyper(0, "lr", 0.1)  # and back to a rate it had
    race.set_hyper(0, "lr", 0.03)
    again = _race(registry, curves)  # a new race on the same schedule (a new start, a surface)
    again.set_schedule_all("step", **STEP)
    assert stepped == []  # no torch scheduler stepped again
    exact = lr_curve(registry.schedule("step"), 0.03, race.total_steps, **STEP)
    assert np.array_equal(race.balls[0].lr_schedule, exact)
    race.step(150)
    assert race.balls[0].lr == 0.015


# (schedule, its knobs, torch's own scheduler for the same curve, in torch's words), as in
# tests/test_torch_parity.py: the reference is torch, not the plugin's factory
TORCH = [
    ("step", {"every": 150, "gamma": 0.3}, lambda opt, n: L.StepLR(opt, 150, gamma=0.3)),
    ("exponential", {"gamma": 0.997}, lambda opt, n: L.ExponentialLR(opt, gamma=0.997)),
    (
        "cosine",
        {"floor": 0.05},
        lambda opt, n: L.CosineAnnealingLR(opt, n, eta_min=0.05 * opt.defaults["lr"]),
    ),
    ("warmup", {"steps": 300, "start": 0.02}, lambda opt, n: L.LinearLR(opt, 0.02, 1.0, 300)),
    (
        "warmup_cosine",
        {"steps": 300, "start": 0.02},
        lambda opt, n: L.SequentialLR(
            opt,
            [L.LinearLR(opt, 0.02, 1.0, 300), L.CosineAnnealingLR(opt, n - 300)],
            milestones=[300],
        ),
    ),
]


def _torch_rates(make, lr, steps):
    """The rate a plain torch training loop's optimizer steps with, step by step."""
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=lr)
    sched = make(opt, steps)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.zero_grad()
        (w - 1.0).pow(2).sum().backward()
        opt.step()
        sched.step()
    return np.array(rates)


@pytest.mark.parametrize(("name", "knobs", "make"), TORCH, ids=[row[0] for row in TORCH])
def test_a_landscape_ball_steps_with_torchs_own_rates_bit_for_bit_at_any_lr(
    registry, name, knobs, make
):
    """The cache once scaled a curve computed at lr = 1: right to rounding only (cosine at
    lr = 0.037 differed in the last bit at 1,905 of 2,000 steps)."""
    m = LandscapeModel(registry, "bowl", ["sgd", "momentum"], timer=lambda: 0.0)
    m.set_schedule(name, knobs)
    for lr in (0.037, 0.0123, 0.037):  # a slider moved, and back: the cache gives the same bits
        m.set_hyper("momentum", "lr", lr)
        ball = m.race.balls[m.ball_index("momentum")]
        steps = m.race.total_steps
        assert np.array_equal(ball.lr_schedule, _torch_rates(make, lr, steps)), (name, lr)
    ball = m.race.balls[m.ball_index("sgd")]  # the other ball, at the surface's own rate
    expect = _torch_rates(make, ball.hyper["lr"], m.race.total_steps)
    assert np.array_equal(ball.lr_schedule, expect)
    m.race.step(400)
    assert ball.lr == expect[399]  # the rate its 400th step took


def test_a_schedule_that_fails_puts_every_ball_back_on_constant_and_the_landscape_says_so(
    registry, monkeypatch
):
    def fails(optimizer, total):
        raise RuntimeError("no curve today")

    spec = ScheduleSpec("schedraises", fails, plugin="broken")
    monkeypatch.setitem(registry.schedules, "schedraises", spec)
    m = LandscapeModel(registry, "bowl", ["sgd", "adam"], timer=lambda: 0.0)
    m.set_schedule("schedraises")
    assert m.schedule == "constant" and m.schedule_preview() is None
    assert all(b.lr_schedule is None and b.config.schedule == "constant" for b in m.race.balls)
    said = [x.text for x in m.live_messages()]
    assert any("schedule broken/schedraises failed" in x and "back to constant" in x for x in said)
    m.play()
    m.update(1 / 60)
    assert m.race.t > 0  # the race goes on, on constant rates


def test_a_rate_set_for_an_optimizer_not_racing_is_kept_and_says_so(registry):
    m = LandscapeModel(registry, "bowl", ["sgd"], timer=lambda: 0.0)
    assert m.set_hyper("adam", "lr", 0.02) is True
    m.set_enabled("adam", True)
    assert m.race.balls[m.ball_index("adam")].hyper["lr"] == 0.02


def test_the_landscape_never_writes_a_balls_schedule_and_knows_its_thread_in_one_place():
    for path in LANDSCAPE.glob("*.py"):
        source = path.read_text()
        assert ".lr_schedule =" not in source and "config.schedule" not in source, path.name
        # The race's helper thread lives in gradients_ahead.py; the 3-D view builds a slow (net:)
        # surface's mesh on a thread of its own (view3d.py), said in docs/architecture.md.
        if path.name not in ("gradients_ahead.py", "view3d.py"):
            assert "ThreadPoolExecutor" not in source and "threading" not in source, path.name
