"""--watch: a saved plugin file is reloaded, its balls restart, nothing else is reset; a broken
save keeps the previous version and says file and line."""

import textwrap
import time

import numpy as np
import pytest

from explorer.app.plugin_watch import apply_to_landscape
from explorer.app.scenes.landscape.model import LandscapeModel
from explorer.commands.bench_reload import plugin_source
from explorer.hot_reload import PluginReloader, PluginWatcher
from explorer.plugins import load_plugins

# A saved file is seen within the watcher's debounce (how soon: `dl-explorer bench reload`); the
# tests only wait for it, as long as a busy machine needs.
WAIT = 30


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)
    path = tmp_path / "watched.py"
    path.write_text(plugin_source(1.0))
    registry = load_plugins([tmp_path])
    model = LandscapeModel(registry, "bowl", ["watched", "sgd"])
    for _ in range(30):
        model.step_once()
    return path, registry, model


def test_a_saved_file_restarts_its_balls_and_nothing_else(setup):
    path, registry, model = setup
    race = model.race
    t, sgd_before = race.t, race.positions[-1, 1].copy()
    sgd_hyper = dict(race.balls[1].hyper)
    path.write_text(plugin_source(0.5))
    outcome = PluginReloader(registry).reload(path)
    assert outcome.ok, outcome.message
    assert outcome.optimizers == ["watched"]
    assert apply_to_landscape(model, outcome) == [0]
    assert race.t == t  # the race goes on
    assert tuple(race.positions[-1, 0]) == race.start  # the reloaded ball is back at its start
    assert np.array_equal(race.positions[-1, 1], sgd_before)  # sgd untouched
    assert race.balls[1].hyper == sgd_hyper
    model.step_once()
    lr = race.balls[0].hyper["lr"]
    step = race.positions[-1, 0] - np.array(race.start)
    # the new version's maths: −lr · 0.5 · sign(g); the old one stepped lr · 1.0
    assert np.allclose(np.abs(step), 0.5 * lr, rtol=1e-12)
    assert registry.optimizers["watched"].doc == "θ ← θ − η·0.5·sign(g)"


def test_a_file_that_no_longer_imports_keeps_the_previous_version(setup):
    path, registry, model = setup
    before = registry.optimizers["watched"]
    position = model.race.positions[-1, 0].copy()
    lines = plugin_source(1.0).splitlines()
    lines[9] = "    def update(self, grad, state, param, *, lr)"  # missing colon, line 10
    path.write_text("\n".join(lines))
    outcome = PluginReloader(registry).reload(path)
    assert not outcome.ok
    assert outcome.message.startswith("watched.py:10: SyntaxError")
    assert "previous version keeps running" in outcome.message
    assert registry.optimizers["watched"] is before
    assert apply_to_landscape(model, outcome) == []
    assert np.array_equal(model.race.positions[-1, 0], position)


def test_a_file_that_fails_the_quick_check_names_the_line(setup):
    path, registry, _ = setup
    source = plugin_source(1.0).replace("return -lr * 1.0 * grad.sign()", "return grad / 0.0")
    path.write_text(source)
    outcome = PluginReloader(registry).reload(path)
    assert not outcome.ok
    assert outcome.message.startswith("watched.py:5: watched fails a quick check"), outcome.message
    raises = plugin_source(1.0).replace("return -lr * 1.0 * grad.sign()", "raise KeyError('m')")
    path.write_text(raises)
    outcome = PluginReloader(registry).reload(path)
    assert "fails a quick check: KeyError: 'm'" in outcome.message


def test_a_reload_may_not_take_a_name_another_plugin_owns(setup):
    path, registry, _ = setup
    path.write_text(plugin_source(1.0).replace('name = "watched"', 'name = "adam"'))
    outcome = PluginReloader(registry).reload(path)
    assert not outcome.ok
    assert "'adam' is already registered by builtin/optimizers" in outcome.message
    assert registry.optimizers["adam"].plugin == "builtin/optimizers"


def test_the_watcher_sees_a_real_save(tmp_path):
    (tmp_path / "watched.py").write_text(plugin_source(1.0))
    watcher = PluginWatcher([tmp_path]).start()
    try:
        assert watcher.ready.wait(WAIT)
        (tmp_path / "watched.py").write_text(plugin_source(0.5))
        (tmp_path / "test_watched.py").write_text("# a test file is not a plugin\n")
        seen, deadline = [], time.monotonic() + WAIT
        while not seen and time.monotonic() < deadline:
            seen = watcher.poll()
            time.sleep(0.01)
    finally:
        watcher.stop()
    assert [p.name for p in seen] == ["watched.py"]


@pytest.mark.slow
def test_the_app_reloads_between_frames_and_shows_a_failure(tmp_path, monkeypatch):
    import pygame

    from explorer.app.plugin_watch import PluginWatchScene
    from explorer.app.shell import build_app

    monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)
    path = tmp_path / "watched.py"
    path.write_text(plugin_source(1.0))
    registry = load_plugins([tmp_path])
    pygame.init()
    screen = pygame.display.set_mode((1280, 720))
    app, tabs = build_app(registry, screen, "landscape", windowed=False, backend="thread")
    scene = PluginWatchScene(tabs, [tmp_path], registry)
    app.push(scene)
    try:
        assert scene.watcher.ready.wait(WAIT)
        path.write_text(textwrap.dedent("def broken(:\n"))
        deadline = time.monotonic() + WAIT
        while not scene.outcomes and time.monotonic() < deadline:
            app.tick(1 / 60, [])
            time.sleep(0.01)
        assert scene.outcomes and not scene.outcomes[-1].ok
        assert scene.banner.startswith("watched.py:1: SyntaxError")
        app.tick(1 / 60, [])
        # the sentence is on screen: the banner's strip is not the plain background
        strip = pygame.surfarray.array3d(screen)[:, 720 - 25 : 720 - 5]
        assert (np.abs(strip.astype(int) - (255, 110, 100)).sum(axis=2) < 60).any()
    finally:
        tabs.close()
        scene.close()


def test_a_file_whose_hook_fails_names_the_hook_line(setup):
    path, registry, _ = setup
    path.write_text(plugin_source(1.0).replace("register(Watched)", "register(Watched, colour=1)"))
    outcome = PluginReloader(registry).reload(path)
    assert not outcome.ok
    line = plugin_source(1.0).splitlines().index("@hookimpl") + 1  # the hook, from its mark
    assert outcome.message.startswith(f"watched.py:{line}: "), outcome.message
    assert "colour" in outcome.message
