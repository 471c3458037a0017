"""The step budget stops a plugin's step that loops or sleeps, but never charges it for imports:
on a loaded machine a first step that imports torch's lazy modules took longer than its budget
and every ball froze at step 0 (false failures in ``lesson check``). Many steps share one timer
(``clock``), and none is left running after a race's steps."""

from __future__ import annotations

import signal

import pytest

from explorer.plugins import load_plugins

SLOW_IMPORT = '''
import time
from pathlib import Path

from explorer import Hyper, UpdateRule, hookimpl

FLAGS = Path({flags!r})


class Importer(UpdateRule):
    """Imports a module that takes {sleep} s to import in its first update; then {then}."""

    name = "importer"
    hyper = {{"lr": Hyper(0.01, 1e-4, 1.0, log=True)}}

    def update(self, grad, state, param, *, lr):
        import {module}  # noqa: F401 - its import is slow

        if {loops}:
            end = time.monotonic() + 60
            while not (FLAGS / "go").exists() and time.monotonic() < end:
                pass
        return -lr * grad


@hookimpl
def register_optimizers(register):
    register(Importer)
'''


def _plugin(tmp_path, monkeypatch, *, loops: bool, module: str):
    monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)
    folder, lib, flags = tmp_path / "plugins", tmp_path / "lib", tmp_path / "flags"
    for d in (folder, lib, flags):
        d.mkdir()
    (lib / f"{module}.py").write_text("import time\n\ntime.sleep(0.8)\n")
    monkeypatch.syspath_prepend(str(lib))
    then = "loops until let go" if loops else "steps at once"
    source = SLOW_IMPORT.format(flags=str(flags), sleep=0.8, then=then, module=module, loops=loops)
    (folder / "importer.py").write_text(source)
    # budgets far shorter than the import: the import alone would use them up
    monkeypatch.setattr("explorer.step_budget.STEP_BUDGET_S", 0.2)
    monkeypatch.setattr("explorer.step_budget.FIRST_STEP_BUDGET_S", 0.3)
    return load_plugins([folder]), flags


@pytest.mark.parametrize("stacked", [False, True])
def test_a_first_step_that_pays_a_slow_import_is_not_a_freeze(tmp_path, monkeypatch, stacked):
    from explorer.landscape.race import BallConfig, Race, Status

    module = f"slow_import_{int(stacked)}"
    registry, _ = _plugin(tmp_path, monkeypatch, loops=False, module=module)
    balls = [BallConfig("importer", {"lr": 0.1}), BallConfig("importer", {"lr": 0.05})]
    race = Race(registry.surface("bowl"), balls, (1.0, -1.0), registry=registry, stacked=stacked)
    race.step(5)
    assert [b.status for b in race.balls] == [Status.RUNNING, Status.RUNNING]
    assert [b.reason for b in race.balls] == [None, None]
    assert race.t == 5
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0.0  # no timer left behind


def test_a_step_that_imports_and_then_loops_is_still_stopped(tmp_path, monkeypatch):
    from explorer.landscape.race import BallConfig, Race, Status

    registry, flags = _plugin(tmp_path, monkeypatch, loops=True, module="slow_then_loop")
    try:
        race = Race(
            registry.surface("bowl"),
            [BallConfig("importer"), BallConfig("sgd", {"lr": 0.1})],
            (1.0, -1.0),
            registry=registry,
        )
        race.step(3)
        stuck, sgd = race.balls
        assert stuck.status is Status.FROZEN and stuck.stopped_at == 0
        assert "took longer than 0.3 s for one step" in str(stuck.reason)
        assert not (flags / "go").exists()
        assert sgd.status is Status.RUNNING and race.t == 3
        assert signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
    finally:
        (flags / "go").touch()


def test_steps_under_one_clock_are_each_still_budgeted(monkeypatch):
    import time

    from explorer.step_budget import OverBudget, budget, clock

    monkeypatch.setattr("explorer.step_budget.STEP_BUDGET_S", 0.2)
    with clock():
        for _ in range(1000):  # many quick calls share the timer
            with budget():
                pass
        with pytest.raises(OverBudget), budget():
            time.sleep(5)  # stopped within 1.25 budgets
        with budget():  # the next call has its whole budget again
            pass
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0.0


SLEEPY = """
import time

from explorer import Hyper, UpdateRule, hookimpl


class Sleepy(UpdateRule):
    \"\"\"Sleeps a minute in its 30th update (the 5th step of a net with six parameters).\"\"\"

    name = "sleepy"
    hyper = {"lr": Hyper(0.01, 1e-4, 1.0, log=True)}

    def init(self, param):
        return {}  # no state, as SGD: every step after the first has the ordinary budget

    def update(self, grad, state, param, *, lr):
        Sleepy.calls = getattr(Sleepy, "calls", 0) + 1
        if Sleepy.calls == 30:
            time.sleep(60)
        return -lr * grad


@hookimpl
def register_optimizers(register):
    register(Sleepy)
"""


def test_a_training_run_sets_the_timer_once_a_run_and_still_stops_a_step_that_sleeps(
    tmp_path, monkeypatch
):
    # `train`'s RuleOptimizer budgets each parameter's update: outside a clock that was three
    # system calls per parameter per step; under TrainingSession's clock it is a clock read
    from explorer.step_budget import SLACK, STEP_BUDGET_S
    from explorer.training import TrainConfig
    from explorer.training.session import TrainingFailed, TrainingSession

    monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)
    (tmp_path / "sleepy.py").write_text(SLEEPY)
    registry = load_plugins([tmp_path])
    config = TrainConfig(dataset="moons", n=64, depth=2, width=4, optimizer="sgd", device="cpu")
    session = TrainingSession(config, registry)
    assert len(list(session.model.parameters())) == 6
    real, armed = signal.setitimer, []

    def counted(which, seconds, *interval):
        armed.append(seconds)
        return real(which, seconds, *interval)

    monkeypatch.setattr("explorer.step_budget.signal.setitimer", counted)
    assert session.step(20) == 20
    armed = [s for s in armed if s > 0]
    # 120 budgeted updates: set once, then again only as the real time runs out (each 1.25 s);
    # without the clock, twice per update
    assert len(armed) < 20
    assert armed[0] > armed[-1] == pytest.approx(STEP_BUDGET_S * (1 + SLACK))  # SGD keeps no
    # state: only its first step has the first step's longer budget
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0.0

    monkeypatch.setattr("explorer.step_budget.signal.setitimer", real)
    monkeypatch.setattr("explorer.step_budget.STEP_BUDGET_S", 0.2)
    sleepy = TrainingSession(config.replace(optimizer="sleepy"), registry)
    with pytest.raises(TrainingFailed, match="longer than 0.2 s"):
        sleepy.step(10)  # its 5th step sleeps: stopped within 1.25 budgets, with the reason
    assert sleepy.global_step == 4 and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
