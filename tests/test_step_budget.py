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
