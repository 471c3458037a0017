"""The fast learning-rate curves live with the race (``Race(curves=...)``): a slider changing a
ball's rate mid-run never steps a torch scheduler again, and the Landscape never writes into a
ball's state; its helper thread is one class."""

from pathlib import Path

import numpy as np
import pytest

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


def test_a_race_given_the_cache_reuses_its_curves_for_a_new_rate_and_a_new_race(
    registry, monkeypatch
):
    curves = ScheduleCurves()
    race = _race(registry, curves)
    race.set_schedule_all("step", **STEP)
    exact = lr_curve(registry.schedule("step"), 0.1, race.total_steps, **STEP)
    assert np.allclose(race.balls[0].lr_schedule, exact)
    stepped = []
    real = schedule_curves.lr_curve
    monkeypatch.setattr(
        schedule_curves, "lr_curve", lambda *a, **k: stepped.append(a) or real(*a, **k)
    )
    race.set_hyper(0, "lr", 0.03)  # a slider moved mid-run
    again = _race(registry, curves)  # a new race on the same schedule (a new start, a surface)
    again.set_schedule_all("step", **STEP)
    assert stepped == []  # no torch scheduler stepped again
    exact = lr_curve(registry.schedule("step"), 0.03, race.total_steps, **STEP)
    assert np.allclose(race.balls[0].lr_schedule, exact)
    race.step(150)
    assert race.balls[0].lr == pytest.approx(0.015)


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
