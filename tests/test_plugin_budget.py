"""Plugin code that blocks never freezes the window (issue 21, item 5): under ``--watch`` a saved
file's import, hooks and quick check run on a thread of their own, so the frame goes on while a
plugin's ``update()`` sleeps or loops; one over its budget is one sentence and the previous
version keeps running."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from explorer.commands.bench_reload import plugin_source
from explorer.hot_reload import BackgroundReloads, PluginReloader
from explorer.plugins import load_plugins


def blocking_source(flags: Path, how: str) -> str:
    """The watched plugin whose ``update()`` says it started (``flags/entered``), then sleeps
    or spins until the test lets it go (``flags/go``, or 60 s), then says it left."""
    wait = {
        "sleeps": "time.sleep(0.01)",
        "loops": "pass",  # a busy loop: no sleep at all
    }[how]
    body = f"""
        import time
        from pathlib import Path
        flags = Path({str(flags)!r})
        (flags / "entered").touch()
        end = time.monotonic() + 60
        while not (flags / "go").exists() and time.monotonic() < end:
            {wait}
        (flags / "left").touch()
        return -lr * grad.sign()"""
    return plugin_source(2.0).replace("        return -lr * 2.0 * grad.sign()", body)


@pytest.fixture
def watched(tmp_path, monkeypatch):
    monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)
    folder = tmp_path / "plugins"
    folder.mkdir()
    path = folder / "watched.py"
    path.write_text(plugin_source(1.0))
    flags = tmp_path / "flags"
    flags.mkdir()
    registry = load_plugins([folder])
    yield path, flags, registry
    (flags / "go").touch()  # let a thread still in the plugin go


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


@pytest.mark.parametrize("how", ["sleeps", "loops"])
def test_a_reload_whose_update_blocks_is_a_sentence_and_the_old_version_stays(watched, how):
    path, flags, registry = watched
    before = registry.optimizers["watched"]
    clock = Clock()
    reloads = BackgroundReloads(PluginReloader(registry), budget_s=5.0, clock=clock)
    path.write_text(blocking_source(flags, how))
    reloads.submit(path)  # returns at once: the quick check runs elsewhere
    wait_for(lambda: (flags / "entered").exists(), "the quick check never started")
    assert reloads.poll() == [] and reloads.busy()
    assert not (flags / "left").exists()  # the plugin is still inside update()
    clock.now = 5.5  # past the budget
    (outcome,) = reloads.poll()
    assert not outcome.ok
    assert outcome.message == (
        "watched.py did not finish loading and its quick check in 5 s (a loop or a sleep at "
        "import, in a hook or in update()?); the previous version keeps running"
    )
    assert registry.optimizers["watched"] is before
    assert not reloads.busy()
    # let it go: its late result is never taken, the previous version still runs
    (flags / "go").touch()
    wait_for(lambda: (flags / "left").exists(), "the plugin never left update()")
    time.sleep(0.05)
    assert reloads.poll() == [] and registry.optimizers["watched"] is before


def test_a_good_save_after_a_blocked_one_is_reloaded(watched):
    path, flags, registry = watched
    clock = Clock()
    reloads = BackgroundReloads(PluginReloader(registry), budget_s=5.0, clock=clock)
    path.write_text(blocking_source(flags, "sleeps"))
    reloads.submit(path)
    wait_for(lambda: (flags / "entered").exists(), "the quick check never started")
    path.write_text(plugin_source(3.0))
    reloads.submit(path)
    outcomes: list = []
    wait_for(lambda: outcomes.extend(reloads.poll()) or outcomes, "the good save never came")
    assert [o.ok for o in outcomes] == [True]
    assert "reloaded watched.py: optimizer watched" in outcomes[0].message
    (flags / "go").touch()


def test_the_app_draws_frames_while_a_saved_plugin_blocks(watched):
    import pygame

    from explorer.app.plugin_watch import PluginWatchScene
    from explorer.app.shell import build_app

    path, flags, registry = watched
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1280, 720))
    app, tabs = build_app(registry, screen, "landscape", windowed=False, backend="thread")
    scene = PluginWatchScene(tabs, [path.parent], registry)
    clock = Clock()
    scene.reloads.clock = clock
    app.push(scene)
    try:
        assert scene.watcher.ready.wait(10)
        path.write_text(blocking_source(flags, "loops"))
        frames = app.frames
        wait_for(
            lambda: app.tick(1 / 60, []) and (flags / "entered").exists(),
            "the save was never checked",
        )
        for _ in range(5):  # frames go on while the plugin spins
            app.tick(1 / 60, [])
        assert app.frames >= frames + 6 and not (flags / "left").exists()
        clock.now = 10.0
        app.tick(1 / 60, [])
        assert scene.banner.startswith("watched.py did not finish loading")
        assert scene.level == "error"
    finally:
        (flags / "go").touch()
        tabs.close()
        scene.close()


# -- a step under a budget: the race (the app's Landscape and the commands) ---------------------
STUCK = '''
import time
from pathlib import Path

from explorer import Hyper, UpdateRule, hookimpl

FLAGS = Path({flags!r})


class Stuck(UpdateRule):
    """Sleeps or spins in its 3rd update, until the test lets it go (or a minute)."""

    name = "stuck"
    hyper = {{"lr": Hyper(0.01, 1e-4, 1.0, log=True)}}

    def init(self, param):
        return {{"calls": 0}}

    def update(self, grad, state, param, *, lr):
        state["calls"] += 1
        if state["calls"] == 3:
            end = time.monotonic() + 60
            while not (FLAGS / "go").exists() and time.monotonic() < end:
                {wait}
            (FLAGS / "left").touch()
        return -lr * grad


@hookimpl
def register_optimizers(register):
    register(Stuck)
'''


@pytest.fixture
def stuck(tmp_path, monkeypatch, request):
    monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)
    folder = tmp_path / "plugins"
    folder.mkdir()
    flags = tmp_path / "flags"
    flags.mkdir()
    wait = {"sleeps": "time.sleep(0.01)", "loops": "pass"}[request.param]
    (folder / "stuck.py").write_text(STUCK.format(flags=str(flags), wait=wait))
    yield folder, flags
    (flags / "go").touch()


@pytest.mark.parametrize("stuck", ["sleeps", "loops"], indirect=True)
@pytest.mark.slow
def test_a_ball_whose_update_blocks_is_frozen_with_one_sentence_and_the_race_goes_on(stuck):
    from explorer.landscape.race import BallConfig, Race, Status

    folder, flags = stuck
    registry = load_plugins([folder])
    race = Race(
        registry.surface("bowl"),
        [BallConfig("stuck"), BallConfig("sgd", {"lr": 0.1})],
        (1.0, -1.0),
        registry=registry,
    )
    race.step(20)
    stuck_ball, sgd = race.balls
    assert stuck_ball.status is Status.FROZEN and stuck_ball.stopped_at == 2
    assert str(stuck_ball.reason) == (
        "stuck/stuck took longer than 1 s for one step (a loop or a sleep?), so its ball is frozen"
    )
    assert not (flags / "left").exists()  # it was stopped, not waited for
    assert sgd.status is not Status.FROZEN and race.t == 20


@pytest.mark.parametrize("stuck", ["sleeps"], indirect=True)
@pytest.mark.slow
def test_the_race_command_freezes_a_blocking_ball_and_finishes(stuck):
    from click.testing import CliRunner

    from explorer.cli import main

    folder, flags = stuck
    args = [
        "--plugins-dir",
        str(folder),
        "race",
        "--surface",
        "bowl",
        "--optimizer",
        "stuck",
        "--optimizer",
        "sgd",
        "--steps",
        "50",
    ]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "took longer than 1 s for one step" in result.output
    assert not (flags / "left").exists()


@pytest.mark.parametrize("stuck", ["loops"], indirect=True)
@pytest.mark.slow
def test_plugins_show_says_a_step_that_blocks(stuck, monkeypatch):
    from click.testing import CliRunner

    from explorer.cli import main

    folder, flags = stuck
    monkeypatch.setattr("explorer.step_budget.FIRST_STEP_BUDGET_S", 1.0)  # (not 10 s here)
    source = (folder / "stuck.py").read_text().replace("== 3", "== 1")
    (folder / "stuck.py").write_text(source)  # its first step blocks: the one show runs
    result = CliRunner().invoke(main, ["--plugins-dir", str(folder), "plugins", "show", "stuck"])
    assert "Traceback" not in result.output
    assert "OverBudget: one step took longer than 1 s (a loop or a sleep?)" in result.output
    assert not (flags / "left").exists()


@pytest.mark.parametrize("stuck", ["loops"], indirect=True)
@pytest.mark.slow
def test_plugins_check_stops_a_step_that_blocks_with_one_sentence(stuck):
    from click.testing import CliRunner

    from explorer.cli import main

    folder, flags = stuck
    result = CliRunner().invoke(main, ["plugins", "check", str(folder / "stuck.py")])
    assert "Traceback" not in result.output and result.exit_code == 1
    assert "OverBudget: one step took longer than 1 s (a loop or a sleep?)" in " ".join(
        result.output.split()
    )
    assert not (flags / "left").exists()
