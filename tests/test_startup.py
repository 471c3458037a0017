"""Start-up: the window and its tabs come before torch; a worker started ahead trains at once."""

import os
import subprocess
import sys
import time

import pygame
import pytest

from explorer.app import splash
from explorer.training import TrainConfig, Trainer
from explorer.training.jobs import JobRunner
from explorer.training.workers import (
    _SPARES,
    _replenish,
    discard_spares,
    prestart,
    spare_key,
)


def add(ctx, a, b):
    return a + b


@pytest.mark.slow
def test_the_first_frame_needs_no_torch():
    """What the splash imports (the tabs, text, palette) and the plugin API's names load
    without torch; torch comes when a plugin name is first used."""
    code = (
        "import sys, explorer, explorer.app.splash, explorer.app.shell, explorer.app.ui.text;"
        "print('torch' in sys.modules);"
        "from explorer import Hyper, UpdateRule;"
        "print('torch' in sys.modules, UpdateRule.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "UpdateRule"]


@pytest.mark.parametrize(
    ("argv", "app"),
    [
        ([], True),
        (["--no-plugins"], True),
        (["--plugins-dir", "my_plugins"], True),
        (["race", "--surface", "bowl"], False),
        (["bench", "startup"], False),
        (["--help"], False),
        (["--version"], False),
    ],
)
def test_the_early_window_is_only_for_the_app(argv, app):
    assert splash.wants_app(argv) is app


@pytest.mark.slow
def test_a_worker_process_of_the_app_never_opens_a_window_of_its_own(tmp_path):
    """The app's workers are spawned processes that run ``dl-explorer``'s start again (with its
    sys.argv) while they get ready: each used to open its own window with a stale "Loading…"
    picture, covering the app on a desktop. Here a stand-in for the ``dl-explorer`` script
    starts a worker; the worker must not even import the splash."""
    script = tmp_path / "dl-explorer"
    script.write_text(
        "import multiprocessing as mp, sys\n"
        "import explorer.cli\n"
        "def child(q):\n"
        "    q.put('explorer.app.splash' in sys.modules)\n"
        "if __name__ == '__main__':\n"
        "    ctx = mp.get_context('spawn')\n"
        "    q = ctx.Queue()\n"
        "    p = ctx.Process(target=child, args=(q,))\n"
        "    p.start()\n"
        "    print('parent', 'explorer.app.splash' in sys.modules, 'child', q.get(timeout=60))\n"
        "    p.join()\n"
    )
    env = {**os.environ, "DL_EXPLORER_NO_SPLASH": "1"}  # the parent's own window is not the point
    out = subprocess.run(
        [sys.executable, str(script), "--no-plugins"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert out.stdout.split() == ["parent", "True", "child", "False"], out.stderr


def test_the_early_window_shows_the_tabs_and_what_loads():
    try:
        assert splash.show([], size=(1024, 640))
        screen = pygame.display.get_surface()
        assert screen.get_size() == (1024, 640)
        assert splash.shown_at is not None and splash.shown_at <= time.time()
        # the tab strip's buttons and the loading line are drawn (not a blank window)
        strip = {screen.get_at((x, 14))[:3] for x in range(6, 500, 3)}
        middle = {screen.get_at((x, 340))[:3] for x in range(400, 624)}
        assert len(strip) > 3 and len(middle) > 2
        assert not splash.show(["race"])  # a command: no window
    finally:
        pygame.display.quit()


@pytest.mark.slow
def test_a_trainer_takes_the_worker_started_ahead_and_answers_at_once(registry):
    prestart(registry, nice=0)  # workers at the test's own priority: see conftest.py
    try:
        (spare,) = next(iter(_SPARES.values()))  # one now, the second a little later
        config = TrainConfig(dataset="moons", n=128, depth=1, width=8, epochs=2, seed=1)
        with Trainer(config, registry, backend="process", nice=0) as trainer:
            assert trainer._impl.process is spare.process  # taken, not a new one
            key = spare_key(registry, nice=0)
            assert all(s.process is not spare.process for s in _SPARES.get(key, []))  # taken
            _replenish(key)  # (what its timer does, without the wait)
            following = _SPARES[key][0]  # another one for whoever comes next
            assert following.process is not spare.process
            jobs = JobRunner(registry, backend="process", nice=0)
            try:
                jobs.submit("sum", add, 1, 2)  # the job runner takes the next one
                assert jobs._workers["sum"].process is following.process
                jobs.wait(timeout=120)
                assert jobs.result("sum").value == 3
            finally:
                jobs.close()
            trainer.step(3)
            snap = trainer.wait(120)
        assert snap.state == "paused" and snap.step == 3
        with Trainer(config, registry, backend="thread") as reference:
            reference.step(3)
            expected = reference.wait(60)
        assert snap.losses.tolist() == pytest.approx(expected.losses.tolist(), rel=1e-6)
    finally:
        discard_spares()
    assert not spare.process.is_alive() and not following.process.is_alive()


RACE_SCRIPT = """
import sys
import torch
from explorer.app import main
from explorer.landscape import surface as S
from explorer.landscape.race import DEFAULT_OPTIMIZERS, BallConfig, Race
from explorer.plugins import default_registry

if sys.argv[1] == "app":
    main._no_dynamo_import_for_optimizers()
else:
    import torch._dynamo  # torch's own wrappers, as before
registry = default_registry()
spec = registry.surface("rosenbrock")  # the first scene's race (torch.optim.Adamax, not in it,
# imports torch._dynamo at its every step: torch's own step wrapper)
balls = [BallConfig(n, registry.optimizers[n].defaults(), label=n) for n in DEFAULT_OPTIMIZERS]
race = Race(spec, balls, (-4.0, 3.0), registry=registry, total_steps=300)
race.step(300)
grid = torch.linspace(-5, 5, 41, dtype=torch.float64)
S.loss(spec, grid[:, None], grid[None, :])
print(race.positions.tobytes().hex())
print("torch._dynamo" in sys.modules, "sympy" in sys.modules)
"""


@pytest.mark.slow
def test_the_landscapes_first_race_pays_no_dynamo_import_and_moves_the_same():
    """The first scene's race and map no longer import torch._dynamo and sympy (seconds before
    the first frame); every ball ends where torch's own wrappers leave it, bit for bit."""
    runs = {}
    for how in ("app", "torch"):
        done = subprocess.run(
            [sys.executable, "-c", RACE_SCRIPT, how],
            capture_output=True,
            text=True,
            timeout=300,
            env=os.environ | {"DL_EXPLORER_NO_PLUGINS": "1"},
        )
        assert done.returncode == 0, done.stderr
        runs[how] = done.stdout.splitlines()
    assert runs["app"][1] == "False False"  # neither imported
    assert runs["app"][0] == runs["torch"][0]  # the same positions, to the last bit
